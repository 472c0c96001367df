"""Propose links for concepts that have none, by label similarity, as an SSSOM file for a curator.

``refmetiers suggest-links`` compares the labels of our concepts that lack a link (job types
without an ESCO occupation; know-how and knowledge without an ESCO skill) with the labels of the
outside concepts of graph ``reference`` (and of any extra Turtle files given), in French and in
English, preferred and alternative labels, ignoring case and accents. Each candidate gets a score
in [0, 1]; the best ones are written as ``semapv:LexicalMatching`` records with that score as
``similarity_score``. Nothing is published: a curator copies the records they accept into a curated set
(``data/mappings/``), which this module never writes to, with their ``reviewer_id``. The pairs a curator
rejected are never proposed again: the negative mappings (``predicate_modifier: Not``) of the curated sets
and of the review logs in ``curation/*.sssom.tsv`` (kept outside ``data/``, so never published).

The score of two labels is the mean of the Dice coefficient of their word sets (stop words removed,
plural "s" stripped) and difflib's character ratio; the score of two concepts is the best score
over their label pairs in the same language. It is deterministic: same inputs, same file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import TextIO

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from .config import Settings
from .errors import ConfigError
from .namespaces import ESCO, RM
from .sssom import SSSOM_VERSION, Mapping, read_mapping_set, write_mapping_set

#: How the suggester names itself and its score in the SSSOM records it writes (mapping_tool, similarity_measure).
MAPPING_TOOL = "refmetiers suggest-links"
SIMILARITY_MEASURE = "mean of the Dice coefficient of the word sets and difflib's character ratio"

#: The folder (under the project root) of the curators' review logs: SSSOM sets of rejected suggestions.
REVIEW_FOLDER = "curation"

MAPPING_PROPERTIES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)

#: What can be suggested: our concept classes → the class of the outside concepts to link them to.
KINDS = {
    "skills": ((RM.KnowHow, RM.Knowledge), ESCO.Skill),
    "occupations": ((RM.JobType,), ESCO.Occupation),
}

STOPWORDS = frozenset("""
a au aux avec ce ces d dans de des du en et l la le les leur leurs ou par pour sa se ses son sur un une
an and as at by for from in into of on or the to with
""".split())

PREFIX_MAP = {
    "rmid": "https://w3id.org/refmetiers/id/",
    "escoskill": "http://data.europa.eu/esco/skill/",
    "escoocc": "http://data.europa.eu/esco/occupation/",
    "rmmap": "https://w3id.org/refmetiers/id/mapping/",
}


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces.

    >>> normalize("  Développeur  C++ / Java, Œuvre ")
    'developpeur c++ java oeuvre'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    stripped = stripped.replace("œ", "oe").replace("æ", "ae")  # NFKD keeps ligatures: "mise en œuvre"
    return " ".join(re.sub(r"[^0-9a-z+#]+", " ", stripped).split())


def variants(label: str) -> list[str]:
    """The label, and each side of an ESCO/ROME gendered form "administrateur/administratrice".

    >>> variants("administrateur/administratrice réseau")
    ['administrateur/administratrice réseau', 'administrateur', 'administratrice réseau']
    >>> variants("UX/UI")
    ['UX/UI']
    """
    found = [label]
    if "/" in label:
        found += [part for part in (p.strip() for p in label.split("/")) if len(part) > 2]
    return found


def words(normalized: str) -> frozenset[str]:
    """The content words of a normalized label, a final plural ``s`` dropped.

    >>> sorted(words("gestion des incidents reseaux"))
    ['gestion', 'incident', 'reseaux']
    """
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w
                     for w in normalized.split() if w not in STOPWORDS)


def score(a: str, b: str) -> float:
    """Similarity of two normalized labels, in [0, 1].

    >>> score("gestion des incidents", "gestion des incidents")
    1.0
    >>> score("gestion des incidents", "") == 0.0
    True
    >>> 0 < score("gestion des incidents", "gerer les incidents") < 1
    True
    """
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    dice = 2 * len(wa & wb) / (len(wa) + len(wb))
    return round((dice + SequenceMatcher(None, a, b, autojunk=False).ratio()) / 2, 3)


@dataclass(frozen=True)
class Label:
    concept: URIRef
    text: str  # as written
    normalized: str
    lang: str


@dataclass(frozen=True)
class Candidate:
    """One proposed link, with the label pair that gave its score."""

    subject: URIRef
    subject_label: str
    target: URIRef
    target_label: str
    score: float
    lang: str
    matched_subject: str
    matched_target: str


def _labels(graph: Graph, concept: URIRef, languages: tuple[str, ...]) -> list[Label]:
    labels = []
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for literal in graph.objects(concept, prop):
            lang = getattr(literal, "language", None)
            if lang not in languages:
                continue
            for text in variants(str(literal)):
                normalized = normalize(text)
                if normalized:
                    labels.append(Label(concept, str(literal), normalized, lang))
    return sorted(set(labels), key=lambda label: (label.lang, label.normalized, label.text))


def _pref(graph: Graph, concept: URIRef, lang: str = "fr") -> str:
    for literal in sorted(graph.objects(concept, SKOS.prefLabel), key=str):
        if getattr(literal, "language", None) == lang:
            return str(literal)
    return ""


def unlinked(graph: Graph, classes: Iterable[URIRef], target_class: URIRef) -> list[URIRef]:
    """Our concepts of ``classes`` with no SKOS mapping link to a concept of ``target_class``."""
    concepts = sorted({c for cls in classes for c in graph.subjects(RDF.type, cls) if isinstance(c, URIRef)})
    result = []
    for concept in concepts:
        linked = any((target, RDF.type, target_class) in graph
                     for prop in MAPPING_PROPERTIES for target in graph.objects(concept, prop))
        if not linked:
            result.append(concept)
    return result


def rejected_pairs(settings: Settings) -> set[tuple[URIRef, URIRef]]:
    """The (subject, object) pairs a curator rejected: the negative mappings of the curated sets
    (``data/mappings/``) and of the review logs (``curation/*.sssom.tsv``).

    Raises:
        SourceError: a set cannot be read (with file and line).
    """
    paths = sorted((settings.data_dir / "mappings").glob("*.sssom.tsv"))
    paths += sorted((settings.root / REVIEW_FOLDER).glob("*.sssom.tsv"))
    pairs = set()
    for path in paths:
        mapping_set = read_mapping_set(path)
        for m in mapping_set.mappings:
            if m.negated:
                pairs.add((mapping_set.expand(m.subject_id, m.line), mapping_set.expand(m.object_id, m.line)))
    return pairs


def suggest(graph: Graph, kind: str = "skills", min_score: float = 0.6, top: int = 3,
            languages: tuple[str, ...] = ("fr", "en"),
            rejected: set[tuple[URIRef, URIRef]] | frozenset = frozenset()) -> list[Candidate]:
    """Candidates for every unlinked concept of ``kind`` in ``graph``, best first per concept.

    Args:
        graph: our concepts, the existing links and the outside concepts, in one graph.
        kind: a key of :data:`KINDS`.
        min_score: candidates scoring below are dropped.
        top: at most this many candidates per concept.
        rejected: (subject, object) pairs a curator rejected: never proposed again.

    Raises:
        ConfigError: unknown kind, or a score/top out of range.
    """
    if kind not in KINDS:
        raise ConfigError(f"--kind: unknown kind {kind!r}; expected one of {', '.join(KINDS)} / sorte inconnue ; "
                          f"choisissez parmi {', '.join(KINDS)}")
    if not 0.0 <= min_score <= 1.0:
        raise ConfigError(f"--min-score: {min_score} is not between 0 and 1 / n'est pas entre 0 et 1")
    if top < 1:
        raise ConfigError(f"--top: {top} must be at least 1 / doit valoir au moins 1")
    classes, target_class = KINDS[kind]
    targets = sorted(t for t in graph.subjects(RDF.type, target_class) if isinstance(t, URIRef))
    index: dict[tuple[str, str], list[Label]] = {}
    for target in targets:
        for label in _labels(graph, target, languages):
            for word in words(label.normalized):
                index.setdefault((label.lang, word), []).append(label)
    candidates = []
    for subject in unlinked(graph, classes, target_class):
        best: dict[URIRef, tuple[float, Label, Label]] = {}
        for label in _labels(graph, subject, languages):
            seen = set()
            for word in words(label.normalized):
                for target_label in index.get((label.lang, word), ()):
                    key = (target_label.concept, target_label.normalized)
                    if key in seen:
                        continue
                    seen.add(key)
                    value = score(label.normalized, target_label.normalized)
                    current = best.get(target_label.concept)
                    if current is None or value > current[0]:
                        best[target_label.concept] = (value, label, target_label)
        ranked = sorted(((v, t) for t, v in best.items() if v[0] >= min_score and (subject, t) not in rejected),
                        key=lambda item: (-item[0][0], item[1]))
        for (value, label, target_label), target in ranked[:top]:
            candidates.append(Candidate(subject, _pref(graph, subject) or label.text, target,
                                        _pref(graph, target, "fr") or _pref(graph, target, "en") or target_label.text,
                                        value, label.lang, label.text, target_label.text))
    return candidates


def _curie(iri: URIRef) -> str:
    for prefix, namespace in PREFIX_MAP.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace):]}"
    return str(iri)


def to_mappings(candidates: list[Candidate], kind: str) -> tuple[dict, list[Mapping]]:
    """The SSSOM metadata and records of the candidates."""
    metadata = {
        "curie_map": dict(PREFIX_MAP) | {"skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"},
        "mapping_set_id": f"https://w3id.org/refmetiers/id/mapping/suggestions-{kind}",
        "mapping_set_title": f"Suggested links ({kind}) for review: not curated",
        "mapping_set_description": "Candidates by label similarity (refmetiers suggest-links). Review each one; "
                                   "copy the accepted records into a curated set with your reviewer_id.",
        "sssom_version": SSSOM_VERSION,
        "license": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    }
    records = []
    for number, c in enumerate(candidates, 1):
        predicate = "skos:exactMatch" if c.score == 1.0 else "skos:closeMatch"
        records.append(Mapping(
            line=0, record_id=f"rmmap:suggestions-{kind}/{number:04d}", subject_id=_curie(c.subject),
            subject_label=c.subject_label, predicate_id=predicate, object_id=_curie(c.target),
            object_label=c.target_label, mapping_justification="semapv:LexicalMatching", similarity_score=c.score,
            similarity_measure=SIMILARITY_MEASURE, mapping_tool=MAPPING_TOOL,
            comment=f"{c.lang}: '{c.matched_subject}' ~ '{c.matched_target}'"))
    return metadata, records


def check_output(path: Path, settings: Settings) -> None:
    """Refuse to write inside the curated mapping folder: the curated sets are never overwritten.

    Raises:
        ConfigError: ``path`` is inside ``data/mappings/`` (where the build would also publish it).
    """
    curated = (settings.data_dir / "mappings").resolve()
    if path.resolve().is_relative_to(curated):
        raise ConfigError(f"--output: {path} is inside {curated}, the curated mapping sets; "
                          "write suggestions elsewhere and copy the accepted records by hand / écrivez les suggestions "
                          "ailleurs et recopiez à la main celles qui sont acceptées")


def load_graph(settings: Settings, extra_targets: Iterable[Path] = ()) -> Graph:
    """Our sources (referentiel, mappings, reference) in one graph, plus extra target Turtle files.

    Raises:
        SourceError: a source or an extra file cannot be parsed (with file and line).
    """
    from .sources import load_sources, parse_turtle

    sources = load_sources(settings)
    graph = Graph()
    for name in ("referentiel", "mappings", "reference"):
        graph += sources.graphs[name]
    for path in extra_targets:
        graph += parse_turtle(Path(path))
    return graph


def suggest_links(settings: Settings, out: TextIO, kind: str = "skills", min_score: float = 0.6, top: int = 3,
                  extra_targets: Iterable[Path] = ()) -> int:
    """Write the SSSOM file of candidates to ``out``; return the number of candidates."""
    candidates = suggest(load_graph(settings, extra_targets), kind, min_score, top,
                         rejected=rejected_pairs(settings))
    metadata, records = to_mappings(candidates, kind)
    write_mapping_set(out, metadata, records)
    return len(records)
