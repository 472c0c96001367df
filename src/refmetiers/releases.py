"""Releases: the dataset's version and dates, the immutable ``releases/X.Y.Z/`` folders, and the guard
that nothing published disappears or changes meaning.

The dataset's version, first issue date and last modification date live in one file,
``data/metadata/release.ttl`` (graph ``metadata``); ``refmetiers release`` rewrites it. The software's
version is the package's (``importlib.metadata``), and never doubles as the data's. What the endpoint reads of the
releases (the catalogue, the version of a build) is in ``catalogue.py``, without rdflib.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD
from rdflib.term import Node

from .catalogue import CHANGES_STEM, QUADS_DUMP, UNRELEASED, catalogue, latest, parse_version, release_iri, versions
from .errors import ConfigError
from .namespaces import DCAT, GRAPH_NAMES, bind_prefixes, graph_iri
from .sources import parse_turtle

RELEASE_FILE = Path("metadata") / "release.ttl"  # under data/
OWL_ANNOTATED_SOURCE = OWL.annotatedSource
OWL_ANNOTATED_TARGET = OWL.annotatedTarget


@dataclass(frozen=True)
class ReleaseInfo:
    """The dataset's version, the date it was first issued and the date of this version."""

    version: str
    issued: dt.date | None
    modified: dt.date | None


def read_info(metadata: Graph, base: str, *, required: bool = True) -> ReleaseInfo:
    """The release facts that graph ``metadata`` states about the dataset.

    With ``required=False`` (the build), sources that state no release facts at all build as version
    0.0.0 without dates; the shapes (rmsh:DatasetVersion) report the missing version where they apply.

    Raises:
        ConfigError: the version or a date is missing (when required), repeated or malformed (naming
            data/metadata/release.ttl).
    """
    dataset = URIRef(base + "dataset")

    def one(predicate: URIRef, what: str) -> Literal | None:
        values = list(metadata.objects(dataset, predicate))
        if not values and not required:
            return None
        if len(values) != 1 or not isinstance(values[0], Literal):
            raise ConfigError(f"data/{RELEASE_FILE}: the dataset needs exactly one {what}, found {len(values)} "
                              f"(le jeu de données doit avoir exactement un {what})")
        return values[0]

    stated = one(DCAT.version, "dcat:version")
    version = UNRELEASED if stated is None else str(stated)
    parse_version(version)
    dates: list[dt.date | None] = []
    for predicate, name in ((DCTERMS.issued, "dcterms:issued"), (DCTERMS.modified, "dcterms:modified")):
        value = one(predicate, name)
        if value is None:
            dates.append(None)
            continue
        try:
            dates.append(dt.date.fromisoformat(str(value)))
        except ValueError:
            raise ConfigError(f"data/{RELEASE_FILE}: {name} {str(value)!r} is not a date YYYY-MM-DD "
                              f"(n'est pas une date AAAA-MM-JJ)") from None
    return ReleaseInfo(version, dates[0], dates[1])


def render_info(info: ReleaseInfo, base: str) -> str:
    """The text of data/metadata/release.ttl for ``info`` (canonical layout, as ``refmetiers fmt`` writes it)."""
    assert info.issued is not None and info.modified is not None, "a release has its dates"
    return (
        "# The dataset's release: its version, the date it was first issued and the date of this version.\n"
        "# The one place these facts live; `refmetiers release X.Y.Z` rewrites this file.\n\n"
        "PREFIX dcat: <http://www.w3.org/ns/dcat#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n\n"
        f"<{base}dataset>\n"
        f"    dcterms:issued \"{info.issued.isoformat()}\"^^xsd:date ;\n"
        f"    dcterms:modified \"{info.modified.isoformat()}\"^^xsd:date ;\n"
        f"    dcat:version \"{info.version}\" ;\n"
        ".\n"
    )


def version_iri(base: str, version: str) -> URIRef:
    return URIRef(release_iri(base, version))


def ontology_version_triples(info: ReleaseInfo, base: str) -> Graph:
    """``owl:versionIRI`` and ``owl:versionInfo`` of the ontology, from the release facts (stated nowhere else)."""
    graph = Graph()
    ontology = URIRef(base + "def")
    graph.add((ontology, OWL.versionIRI, URIRef(f"{base}def/{info.version}")))
    graph.add((ontology, OWL.versionInfo, Literal(info.version)))
    if info.modified is not None:
        graph.add((ontology, DCTERMS.modified, Literal(info.modified.isoformat(), datatype=XSD.date)))
    return graph


# --------------------------------------------------------------------------------------------------
# releases/X.Y.Z/
# --------------------------------------------------------------------------------------------------

def read_quads(path: Path, base: str) -> dict[str, Graph]:
    """The named graphs of an N-Quads dump (``.nq`` or ``.nq.gz``), by name.

    Raises:
        ConfigError: the file is missing or unreadable.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = gzip.decompress(raw) if path.name.endswith(".gz") else raw
    except (OSError, gzip.BadGzipFile, EOFError) as exc:
        raise ConfigError(f"{path}: cannot read the release dump: {exc} / impossible de lire l'export de la version") \
            from None
    dataset = Dataset()
    try:
        dataset.parse(data=text.decode("utf-8"), format="nquads")
    except Exception as exc:  # rdflib's parsers raise plain exceptions
        raise ConfigError(f"{path}: not N-Quads: {exc} / ce n'est pas du N-Quads") from None
    graphs = {}
    for name in GRAPH_NAMES:
        graph = Graph()
        bind_prefixes(graph)
        for triple in dataset.graph(graph_iri(name, base)):
            graph.add(triple)
        graphs[name] = graph
    return graphs


def release_graphs(releases_dir: Path, version: str, base: str) -> dict[str, Graph]:
    """The named graphs of release ``version``.

    Raises:
        ConfigError: no such release.
    """
    parse_version(version)
    path = Path(releases_dir) / version / QUADS_DUMP
    if not path.is_file():
        cut = ", ".join(versions(releases_dir)) or "none"
        raise ConfigError(f"no release {version} in {releases_dir} (releases cut: {cut}; "
                          f"aucune version {version} publiée)")
    return read_quads(path, base)


# --------------------------------------------------------------------------------------------------
# What a release published, and the guard: nothing disappears, nothing changes meaning
# --------------------------------------------------------------------------------------------------

PUBLISHED_GRAPHS = ("ontology", "referentiel", "mappings", "metadata")


def published_iris(graphs: dict[str, Graph], base: str) -> set[URIRef]:
    """Every IRI of ours that ``graphs`` describe (subjects under ``base`` in our asserted graphs).

    The one answer to "what IRIs did that release publish", for the release guard and validation.
    """
    found: set[URIRef] = set()
    for name in PUBLISHED_GRAPHS:
        for subject in graphs.get(name, Graph()).subjects(unique=True):
            if isinstance(subject, URIRef) and str(subject).startswith(base):
                found.add(subject)
    return found


@dataclass(frozen=True)
class Breach:
    """A change that would break what a release published; ``iri`` names what, ``reason_*`` say why."""

    iri: str
    reason_en: str
    reason_fr: str

    def __str__(self) -> str:
        return f"<{self.iri}>: {self.reason_en} / {self.reason_fr}"


# Characteristics of a property, not the kind of thing its IRI names: a modelling correction may drop them
# (0.2.0 made rm:nearbyJob keep its sheet's direction: no longer symmetric, still the same property).
PROPERTY_CHARACTERISTICS = frozenset({
    OWL.SymmetricProperty, OWL.AsymmetricProperty, OWL.TransitiveProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.ReflexiveProperty, OWL.IrreflexiveProperty})


def _meaning(graphs: dict[str, Graph], iri: URIRef) -> tuple[frozenset, frozenset, tuple]:
    """What an IRI stands for: its types (the kind of thing), its schemes and, for a mapping record, the pair
    it links."""
    merged = [graphs.get(name, Graph()) for name in PUBLISHED_GRAPHS]
    types = frozenset(t for g in merged for t in g.objects(iri, RDF.type) if t not in PROPERTY_CHARACTERISTICS)
    schemes = frozenset(s for g in merged for s in g.objects(iri, SKOS.inScheme))
    pair = tuple(sorted(str(v) for g in merged for p in (OWL_ANNOTATED_SOURCE, OWL_ANNOTATED_TARGET)
                        for v in g.objects(iri, p)))
    return types, schemes, pair


def _notations(graphs: dict[str, Graph]) -> dict[tuple[str, str], set[Node]]:
    """(scheme, code) → the concepts holding that notation."""
    held: dict[tuple[str, str], set[Node]] = defaultdict(set)
    graph = graphs.get("referentiel", Graph())
    for concept, code in graph.subject_objects(SKOS.notation):
        for scheme in graph.objects(concept, SKOS.inScheme):
            held[(str(scheme), str(code))].add(concept)
    return held


def continuity_breaches(old: dict[str, Graph], new: dict[str, Graph], base: str) -> list[Breach]:
    """What ``new`` would break of ``old``: IRIs gone, IRIs or codes reused for another meaning.

    A concept that leaves stays, ``owl:deprecated true`` (with ``dcterms:isReplacedBy`` where it has a
    successor): that is no breach. Labels, definitions and links may change; the kind of thing an IRI
    names (its types and schemes), and the pair a mapping record links, may not.
    """
    breaches = []
    kept = published_iris(new, base)
    for iri in sorted(published_iris(old, base)):
        if iri not in kept:
            breaches.append(Breach(str(iri), "published in the previous release, gone from this one; keep it "
                                   "with owl:deprecated true (and dcterms:isReplacedBy its successor)",
                                   "publiée dans la version précédente, absente de celle-ci ; gardez-la avec "
                                   "owl:deprecated true (et dcterms:isReplacedBy son successeur)"))
            continue
        old_types, old_schemes, old_pair = _meaning(old, iri)
        new_types, new_schemes, new_pair = _meaning(new, iri)
        if old_types and new_types and not old_types <= new_types:
            lost = ", ".join(sorted(str(t) for t in old_types - new_types))
            breaches.append(Breach(str(iri), f"no longer of type {lost}: the IRI would name another kind of thing",
                                   f"n'est plus du type {lost} : l'IRI nommerait une autre sorte de chose"))
        if old_schemes and new_schemes and not old_schemes <= new_schemes:
            lost = ", ".join(sorted(str(s) for s in old_schemes - new_schemes))
            breaches.append(Breach(str(iri), f"left the scheme {lost}: the code would mean something else",
                                   f"a quitté le schéma {lost} : le code signifierait autre chose"))
        if old_pair and old_pair != new_pair:
            breaches.append(Breach(str(iri), f"this mapping record linked {' and '.join(old_pair)}; it now links "
                                   f"{' and '.join(new_pair) or 'nothing'} (give the new record a new record_id)",
                                   "cet enregistrement de correspondance reliait d'autres concepts ; donnez au "
                                   "nouvel enregistrement un nouveau record_id"))
    new_codes = _notations(new)
    for (scheme, code), holders in sorted(_notations(old).items(), key=lambda item: item[0]):
        moved_to = new_codes.get((scheme, code), set()) - holders
        for other in sorted(moved_to, key=str):
            breaches.append(Breach(str(other), f"holds the code {code!r} of scheme {scheme}, published for "
                                   f"{', '.join(sorted(str(h) for h in holders))}",
                                   f"porte le code {code!r} du schéma {scheme}, publié pour un autre concept"))
    return breaches


def release_description(base: str, version: str, issued: str | None, previous: str | None) -> Graph:
    """What graph ``changes`` says of a release: its version, date and predecessor (DCAT 3)."""
    graph = Graph()
    release = version_iri(base, version)
    graph.add((release, RDF.type, DCAT.Dataset))
    graph.add((release, DCAT.version, Literal(version)))
    graph.add((release, DCTERMS.isVersionOf, URIRef(base + "dataset")))
    if issued:
        graph.add((release, DCTERMS.issued, Literal(issued, datatype=XSD.date)))
    if previous:
        graph.add((release, DCAT.previousVersion, version_iri(base, previous)))
    return graph


def change_graph(releases_dir: Path, base: str) -> Graph:
    """Graph ``changes``: every release cut so far (version, date, predecessor) and its change set as published.

    Raises:
        SourceError: a release's changes.ttl is malformed (naming the file and line).
    """
    graph = Graph()
    bind_prefixes(graph)
    for entry in reversed(catalogue(releases_dir, base)):
        graph += release_description(base, entry.version, entry.issued, entry.previous)
        path = entry.folder / f"{CHANGES_STEM}.ttl"
        if path.is_file():
            graph += parse_turtle(path)
    return graph


def last_published_iris(releases_dir: Path, base: str) -> tuple[str | None, set[URIRef]]:
    """The last release cut and the IRIs it published (none before the first release).

    For checks that compare the sources with what is already out (``refmetiers validate``, ``release``).
    """
    version = latest(releases_dir)
    if version is None:
        return None, set()
    return version, published_iris(release_graphs(releases_dir, version, base), base)
