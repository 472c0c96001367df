"""The read-only query store: pyoxigraph in memory, loaded from the N-Quads dump of dist/."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError

QUADS_FILE = "refmetiers.nq"


def load_store(dist: Path) -> ox.Store:
    """An in-memory store holding every named graph of ``dist``.

    Raises:
        ConfigError: ``dist`` holds no build (run ``refmetiers build`` first).
    """
    path = Path(dist) / QUADS_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: no build found; run `refmetiers build` first")
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def solutions(store: ox.Store, query: str, **options) -> ox.QuerySolutions:
    """The solutions of a SELECT (``options`` as ``Store.query`` takes them)."""
    result = store.query(query, **options)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("not a SELECT query")
    return result


def select(store: ox.Store, query: str) -> list[dict[str, ox.Term]]:
    """Run a SELECT over the union of the named graphs; rows as ``{variable: term}``."""
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{name: row[name] for name in names if row[name] is not None} for row in solutions]


# --------------------------------------------------------------------------------------------------
# What the linked-data pages and the search read (the server's own queries, run in its process).
# --------------------------------------------------------------------------------------------------

import hashlib  # noqa: E402
import unicodedata  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PREF_LABEL = ox.NamedNode(_SKOS + "prefLabel")
ALT_LABEL = ox.NamedNode(_SKOS + "altLabel")
RDFS_LABEL = ox.NamedNode(_RDFS + "label")
IS_DEFINED_BY = ox.NamedNode(_RDFS + "isDefinedBy")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL_PREDICATES = (PREF_LABEL, RDFS_LABEL, DCTERMS_TITLE)


def data_version(dist: Path) -> str:
    """A short fingerprint of the build in ``dist`` (it changes whenever any dump changes)."""
    sums = Path(dist) / "SHA256SUMS"
    source = sums if sums.is_file() else Path(dist) / QUADS_FILE
    return hashlib.sha256(source.read_bytes()).hexdigest()[:16]


@dataclass
class Description:
    """A resource's description: its own triples (and its ``#part`` nodes'), plus labels of what it links to."""

    iri: str
    triples: list[ox.Triple]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    incoming: list[tuple[str, str]] = field(default_factory=list)
    label_source: list[ox.Triple] = field(default_factory=list)

    def label(self, iri: str, lang: str = "fr") -> str | None:
        names = self.labels.get(iri, {})
        return names.get(lang) or names.get("") or (next(iter(names.values())) if names else None)

    def label_triples(self) -> list[ox.Triple]:
        """The label triples of the resources it links to, as the data states them, published alongside."""
        own = {str(t) for t in self.triples}
        return [t for t in self.label_source if str(t) not in own]


def _distinct_triples(store: ox.Store, subject: ox.NamedNode) -> list[ox.Triple]:
    seen = {}
    for quad in store.quads_for_pattern(subject, None, None, None):
        triple = quad.triple
        seen.setdefault(str(triple), triple)
    return [seen[key] for key in sorted(seen)]


def label_statements(store: ox.Store, iri: ox.NamedNode) -> list[ox.Triple]:
    """The label triples of ``iri``: its skos:prefLabel, or else rdfs:label, or else dcterms:title."""
    for predicate in LABEL_PREDICATES:
        found = {str(q.triple): q.triple for q in store.quads_for_pattern(iri, predicate, None, None)
                 if isinstance(q.object, ox.Literal)}
        if found:
            return [found[key] for key in sorted(found)]
    return []


def labels_of(store: ox.Store, iri: ox.NamedNode) -> dict[str, str]:
    """The first preferred label per language (prefLabel, then rdfs:label, then dcterms:title)."""
    names: dict[str, str] = {}
    for triple in label_statements(store, iri):
        names.setdefault(triple.object.language or "", triple.object.value)
    return names


def describe(store: ox.Store, iri: str, *, incoming_limit: int = 500) -> Description | None:
    """The description of ``iri``, or ``None`` when the store says nothing about it.

    Includes the triples of its parts (``iri#part`` objects it links to, or terms ``rdfs:isDefinedBy`` it),
    the labels of every IRI they link to, and (for pages) who links to it.
    """
    node = ox.NamedNode(iri)
    triples = _distinct_triples(store, node)
    if not triples:
        return None
    parts = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(iri + "#")}
    parts |= {q.subject.value for q in store.quads_for_pattern(None, IS_DEFINED_BY, node, None)
              if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(iri + "#")}
    for part in sorted(parts):
        triples += _distinct_triples(store, ox.NamedNode(part))
    description = Description(iri, triples)
    linked = {iri} | {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.predicate.value for t in triples}
    incoming = {}
    for quad in store.quads_for_pattern(None, None, node, None):
        if isinstance(quad.subject, ox.NamedNode) and not quad.subject.value.startswith(iri + "#"):
            incoming.setdefault((quad.predicate.value, quad.subject.value), None)
            if len(incoming) >= incoming_limit:
                break
    description.incoming = sorted(incoming)
    linked |= {s for _, s in description.incoming} | {p for p, _ in description.incoming}
    objects = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    for other in sorted(linked):
        statements = label_statements(store, ox.NamedNode(other))
        names: dict[str, str] = {}
        for triple in statements:
            names.setdefault(triple.object.language or "", triple.object.value)
        if names:
            description.labels[other] = names
            if other in objects:  # the labels of what it links to travel with it (not of who links to it)
                description.label_source += statements
    return description


def normalise(text: str) -> str:
    """Case- and accent-insensitive form of a label, for search."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class LabelEntry:
    iri: str
    label: str
    lang: str
    preferred: bool
    key: str


LABELS_QUERY = f"""SELECT DISTINCT ?c ?l ?pref WHERE {{
  {{ ?c <{_SKOS}prefLabel> ?l BIND(true AS ?pref) }} UNION {{ ?c <{_SKOS}altLabel> ?l BIND(false AS ?pref) }}
  FILTER(isIRI(?c))
}}"""


def label_index(store: ox.Store) -> list[LabelEntry]:
    """Every preferred and alternative label of the store, normalised for search."""
    entries = []
    for row in store.query(LABELS_QUERY, use_default_graph_as_union=True):
        label = row["l"]
        entries.append(LabelEntry(row["c"].value, label.value, label.language or "", row["pref"].value == "true",
                                  normalise(label.value)))
    return entries


def search(index: list[LabelEntry], text: str, limit: int = 50, own: str = "") -> list[tuple[LabelEntry, int]]:
    """The entries matching ``text`` (accent- and case-insensitive), best first, one per concept.

    Ranks: exact label, then label starting with the text, then a word starting with it, then containing it;
    our own concepts (IRIs starting with ``own``) before the external ones; preferred labels before
    alternative ones.
    """
    key = normalise(text)
    if not key:
        return []
    best: dict[str, tuple[tuple, LabelEntry]] = {}
    for entry in index:
        if key not in entry.key:
            continue
        if entry.key == key:
            rank = 0
        elif entry.key.startswith(key):
            rank = 1
        elif (" " + key) in (" " + entry.key) or any(w.startswith(key) for w in entry.key.replace("'", " ").split()):
            rank = 2
        else:
            rank = 3
        score = (rank, not entry.iri.startswith(own), not entry.preferred, entry.lang != "fr", len(entry.key), entry.key)
        if entry.iri not in best or score < best[entry.iri][0]:
            best[entry.iri] = (score, entry)
    ranked = sorted(best.values(), key=lambda item: (item[0], item[1].iri))
    return [(entry, score[0]) for score, entry in ranked[:limit]]

# The prefixes our serialisations declare: ours and the vocabularies', not the id/ and scheme/ namespaces
# (their local names contain '/', which Turtle would have to escape).
from .namespaces import PREFIXES as _ALL_PREFIXES  # noqa: E402

TURTLE_PREFIXES = {p: iri for p, iri in _ALL_PREFIXES.items() if p not in ("rmid", "rmscheme")}
