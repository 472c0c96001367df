"""Label search: an index of every preferred and alternative label, ranked whole words first.

Each hit says what kind of thing it is (a job type, a know-how item, an ESCO occupation …): the label of
its most specific class, or else of its concept scheme.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox

from .describe import labels_of
from .namespaces import PREFIXES
from .store import solutions

SKOS = PREFIXES["skos"]

# What kind of match a hit is, best first.
MATCHES = ("exact", "word", "prefix", "substring")


def normalise(text: str) -> str:
    """Case- and accent-insensitive form of a label, for search.

    >>> normalise("  Développeur  WEB ")
    'developpeur web'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass(frozen=True)
class LabelEntry:
    iri: str
    label: str
    lang: str
    preferred: bool
    key: str


@dataclass(frozen=True)
class Kind:
    """The kind of a concept, as a reader names it (French and English), and the class or scheme it comes from."""

    iri: str
    fr: str
    en: str


@dataclass
class LabelIndex:
    entries: list[LabelEntry]
    kinds: dict[str, Kind]


LABELS_QUERY = f"""SELECT DISTINCT ?c ?l ?pref WHERE {{
  {{ ?c <{SKOS}prefLabel> ?l BIND(true AS ?pref) }} UNION {{ ?c <{SKOS}altLabel> ?l BIND(false AS ?pref) }}
  FILTER(isIRI(?c))
}}"""
# The classes (other than skos:Concept) and the schemes of every labelled concept.
KINDS_QUERY = f"""SELECT DISTINCT ?c ?class ?scheme WHERE {{
  ?c <{SKOS}prefLabel> ?l .
  {{ ?c a ?class FILTER(?class != <{SKOS}Concept> && ?class != <{SKOS}ConceptScheme>) }}
  UNION {{ ?c <{SKOS}inScheme> ?scheme }}
  FILTER(isIRI(?c))
}}"""


def label_index(store: ox.Store, own: str = "") -> LabelIndex:
    """Every preferred and alternative label of the store, normalised for search, and each concept's kind:
    its class in our ontology (IRIs starting with ``own``), else another labelled class, else its scheme."""
    entries = []
    for row in solutions(store, LABELS_QUERY, use_default_graph_as_union=True):
        label = row["l"]
        entries.append(LabelEntry(row["c"].value, label.value, label.language or "", row["pref"].value == "true",
                                  normalise(label.value)))
    names: dict[str, Kind | None] = {}

    def kind_of(iri: str) -> Kind | None:
        if iri not in names:
            found = labels_of(store, ox.NamedNode(iri))
            names[iri] = Kind(iri, found.get("fr") or found.get("") or found.get("en") or "",
                              found.get("en") or found.get("") or found.get("fr") or "") if found else None
        return names[iri]

    candidates: dict[str, list[tuple[int, str]]] = {}
    for row in solutions(store, KINDS_QUERY, use_default_graph_as_union=True):
        if row["class"] is not None:
            rank = 0 if own and row["class"].value.startswith(own) else 1
            candidates.setdefault(row["c"].value, []).append((rank, row["class"].value))
        if row["scheme"] is not None:
            candidates.setdefault(row["c"].value, []).append((2, row["scheme"].value))
    kinds: dict[str, Kind] = {}
    for concept, options in candidates.items():
        for _, iri in sorted(options):
            kind = kind_of(iri)
            if kind is not None:
                kinds[concept] = kind
                break
    return LabelIndex(entries, kinds)


def _match(key: str, text: str) -> int | None:
    """How ``key`` matches ``text`` (an index into MATCHES), or ``None``.

    >>> [_match("dba", t) for t in ("dba", "dba (database)", "feedback dba", "dbase", "feedback", "admin")]
    [0, 1, 1, 2, 3, None]
    >>> _match("db", "feedback") is None
    True
    """
    if key not in text:
        return None
    if text == key:
        return 0
    if re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", text):
        return 1
    if re.search(r"(?<!\w)" + re.escape(key), text):
        return 2
    return 3 if len(key) >= 3 else None


def search(index: LabelIndex, text: str, own: str = "") -> list[tuple[LabelEntry, str]]:
    """Every concept one of whose labels matches ``text`` (accent- and case-insensitive), best first.

    A hit is ranked by how its best label matches: the whole label, a whole word, the start of a word, then
    inside a word (only for three characters or more); then our own concepts (IRIs starting with ``own``)
    before the external ones, preferred labels before alternative ones, French before English, shorter first.
    """
    key = normalise(text)
    if not key:
        return []
    best: dict[str, tuple[tuple, LabelEntry]] = {}
    for entry in index.entries:
        rank = _match(key, entry.key)
        if rank is None:
            continue
        score = (rank, not entry.iri.startswith(own), not entry.preferred, entry.lang != "fr", len(entry.key),
                 entry.key)
        if entry.iri not in best or score < best[entry.iri][0]:
            best[entry.iri] = (score, entry)
    ranked = sorted(best.values(), key=lambda item: (item[0], item[1].iri))
    return [(entry, MATCHES[score[0]]) for score, entry in ranked]
