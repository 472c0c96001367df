"""Our namespaces, prefixes and named graph IRIs: the one place that spells them.

The IRIs are strings; their rdflib ``Namespace`` objects (``RM``, ``SKOS``…) are made on first use, so that the
endpoint, which reads the data with pyoxigraph alone, starts without importing rdflib.
"""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rdflib import Namespace, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VOID, XSD  # noqa: F401  (re-exported)

    from .formats import Format

    RM: Namespace
    ID: Namespace
    SCHEME: Namespace
    DCAT: Namespace
    ESCO: Namespace
    SCHEMA: Namespace
    SPDX: Namespace
    SH: Namespace
    SSSOM: Namespace
    SEMAPV: Namespace

BASE = "https://w3id.org/refmetiers/"

# prefix: (namespace IRI, the name of its rdflib Namespace here)
_NAMESPACES = {
    "rm": (BASE + "def#", "RM"),
    "rmid": (BASE + "id/", "ID"),
    "rmscheme": (BASE + "scheme/", "SCHEME"),
    "skos": ("http://www.w3.org/2004/02/skos/core#", "SKOS"),
    "dcterms": ("http://purl.org/dc/terms/", "DCTERMS"),
    # rdflib's DCAT namespace is closed to DCAT 2 terms; we use DCAT 3 (dcat:version, dcat:hasVersion).
    "dcat": ("http://www.w3.org/ns/dcat#", "DCAT"),
    "void": ("http://rdfs.org/ns/void#", "VOID"),
    "owl": ("http://www.w3.org/2002/07/owl#", "OWL"),
    "rdf": ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "RDF"),
    "rdfs": ("http://www.w3.org/2000/01/rdf-schema#", "RDFS"),
    "xsd": ("http://www.w3.org/2001/XMLSchema#", "XSD"),
    "esco": ("http://data.europa.eu/esco/model#", "ESCO"),
    "schema": ("https://schema.org/", "SCHEMA"),
    "spdx": ("http://spdx.org/rdf/terms#", "SPDX"),
    "sh": ("http://www.w3.org/ns/shacl#", "SH"),
    "sssom": ("https://w3id.org/sssom/", "SSSOM"),
    "semapv": ("https://w3id.org/semapv/vocab/", "SEMAPV"),
}
# rdflib's own closed namespaces (they refuse a misspelt term), for the vocabularies it defines
_RDFLIB_DEFINED = {"SKOS", "DCTERMS", "VOID", "OWL", "RDF", "RDFS", "XSD"}

PREFIXES = {prefix: iri for prefix, (iri, _) in _NAMESPACES.items()}


def __getattr__(name: str) -> Any:
    """The rdflib ``Namespace`` of each IRI above, made (and kept) on first use."""
    for iri, attribute in _NAMESPACES.values():
        if attribute == name:
            if name in _RDFLIB_DEFINED:
                import rdflib.namespace

                namespace = getattr(rdflib.namespace, name)
                assert str(namespace) == iri, name
            else:
                from rdflib import Namespace

                namespace = Namespace(iri)
            globals()[name] = namespace
            return namespace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The named graphs of DESIGN.md §3, in publication order; `changes` holds the change sets of the
# releases cut so far (releases/*/changes.ttl), so that the endpoint answers "what changed".
GRAPH_NAMES = ("ontology", "referentiel", "mappings", "reference", "inferred", "metadata", "changes")
ASSERTED_OWN = ("ontology", "referentiel", "mappings", "metadata")


def graph_name(name: str, base: str = BASE) -> str:
    """The IRI of the named graph ``name`` under ``base``."""
    return f"{base}graph/{name}"


def graph_iri(name: str, base: str = BASE) -> "URIRef":
    """The IRI of the named graph ``name`` under ``base``, as an rdflib term."""
    from rdflib import URIRef

    return URIRef(graph_name(name, base))


def bind_prefixes(graph) -> None:
    """Bind our prefixes on an rdflib graph or dataset (replacing rdflib's defaults)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)


# One prefix per kind of our IRIs and per outside vocabulary we link to: with them a Turtle file can write
# most IRIs short (rmactivity:A001) where the two prefixes above would need an escape (rmid:activity\/A001).
# The same names as the curie_map of the SSSOM sets (data/mappings/).
KIND_PREFIXES = {
    **{f"rm{kind.replace('-', '')}": f"{PREFIXES['rmid']}{kind}/" for kind in (
        "job", "family", "subfamily", "activity", "knowhow", "knowledge", "factor", "behaviour",
        "education-level", "certification", "rome-v2", "agent")},
    "rmrome": f"{PREFIXES['rmid']}rome/",
    "rmromeapp": f"{PREFIXES['rmid']}rome-appellation/",
    "rmpcs2020": f"{PREFIXES['rmid']}pcs2020/",
    "rmpcs2003": f"{PREFIXES['rmid']}pcs2003/",
    "escoocc": "http://data.europa.eu/esco/occupation/",
    "escoskill": "http://data.europa.eu/esco/skill/",
    "isco": "http://data.europa.eu/esco/isco/",
}

# Every prefix a Turtle writer may use (turtle_prefixes keeps those under which no local name needs an escape).
ALL_PREFIXES = {**PREFIXES, **KIND_PREFIXES}

# A Turtle local name that needs no escape (PN_LOCAL of the Turtle grammar, without its "\" escapes).
_PLAIN_LOCAL = re.compile(r"(?:(?:\w|:|%[0-9A-Fa-f]{2})"
                          r"(?:(?:[\w.:-]|%[0-9A-Fa-f]{2})*(?:[\w:-]|%[0-9A-Fa-f]{2}))?)?")


def turtle_prefixes(iris: Iterable[str], candidates: dict[str, str] | None = None, *,
                    used_only: bool = False) -> dict[str, str]:
    """The prefixes a Turtle (or TriG) writer may use for ``iris``: the policy of every Turtle we write.

    A candidate (ours and :data:`KIND_PREFIXES` by default) is kept only when every IRI it would shorten
    has a local name that needs no escape, so a serialiser that applies prefixes to every IRI they match
    (pyoxigraph does) never writes ``rmid:activity\\/A001``; the other IRIs are written in full. With
    ``used_only``, a candidate no IRI falls under is left out too (web answers: no 36 unused lines).

    >>> sorted(turtle_prefixes(["https://w3id.org/refmetiers/id/activity/A001"]))[:3]
    ['dcat', 'dcterms', 'esco']
    >>> "rmid" in turtle_prefixes(["https://w3id.org/refmetiers/id/activity/A001"])
    False
    >>> turtle_prefixes(["https://w3id.org/refmetiers/id/job/x#part-1"], {"rmjob": PREFIXES["rmid"] + "job/"})
    {}
    >>> turtle_prefixes(["https://w3id.org/refmetiers/id/activity/A001"], used_only=True)
    {'rmactivity': 'https://w3id.org/refmetiers/id/activity/'}
    """
    candidates = ALL_PREFIXES if candidates is None else candidates
    escaped: set[str] = set()
    used: set[str] = set()
    for iri in set(iris):
        for prefix, namespace in candidates.items():
            if iri.startswith(namespace):
                used.add(prefix)
                if not _PLAIN_LOCAL.fullmatch(iri[len(namespace):]):
                    escaped.add(prefix)
    return {p: ns for p, ns in candidates.items() if p not in escaped and (p in used or not used_only)}


def writer_prefixes(fmt: "Format", iris: Iterable[str], candidates: dict[str, str] | None = None, *,
                    used_only: bool = True) -> dict[str, str] | None:
    """The prefixes a pyoxigraph writer of ``fmt`` is given for a document whose IRIs are ``iris``.

    By the format's ``prefixes`` policy: ``escape-free`` (Turtle, TriG) is :func:`turtle_prefixes`;
    ``declared`` (RDF/XML, where prefixes only name elements) the candidates (:data:`PREFIXES` by default),
    those the document uses with ``used_only``; ``none`` (N-Triples, N-Quads, JSON-LD: pyoxigraph writes no
    context) gives ``None`` without reading ``iris``.
    """
    if fmt.prefixes == "escape-free":
        return turtle_prefixes(iris, candidates, used_only=used_only)
    if fmt.prefixes == "declared":
        declared = PREFIXES if candidates is None else candidates
        if not used_only:
            return dict(declared)
        seen = set(iris)
        return {p: ns for p, ns in declared.items() if any(iri.startswith(ns) for iri in seen)}
    return None


def iris_of(triples: Iterable) -> set[str]:
    """Every IRI of pyoxigraph triples or quads: subjects, predicates, objects, datatypes, graph names."""
    import pyoxigraph as ox

    found: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object, getattr(triple, "graph_name", None)):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
            elif isinstance(term, ox.Literal):
                found.add(term.datatype.value)
    return found
