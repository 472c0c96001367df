"""The diff between two versions of the reference, as KGCL changes (Knowledge Graph Change Language).

Each change is an instance of a ``kgcl_schema`` class (``NodeRename``, ``NewSynonym``, ``NodeMove``,
``NodeObsoletion``, ``NewMapping`` …), so that the one-line text form is KGCL's own (``rename
rmid:job/x from 'a'@fr to 'b'@fr``) and the RDF change set uses KGCL's classes and slots. Where KGCL
has no term we add one, under our ontology: ``rm:fromVersion`` and ``rm:toVersion`` (the two versions).

Renderers: text (KGCL lines), Markdown (grouped, with labels), JSON and RDF.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import curies
from kgcl_schema.datamodel import kgcl
from kgcl_schema.grammar.render_operations import render
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from .namespaces import DCAT, PREFIXES, RM

KGCL = kgcl.KGCL  # http://w3id.org/kgcl/
PROV_WAS_GENERATED_BY = URIRef("http://www.w3.org/ns/prov#wasGeneratedBy")
CHANGE_PREFIXES = {**PREFIXES, "kgcl": str(KGCL), "prov": "http://www.w3.org/ns/prov#"}

MATCH_PREDICATES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
HIERARCHY_PREDICATES = (SKOS.broader, RM.family, RM.subFamily)
SHEET_PREDICATES = (RM.mainActivity, RM.secondaryActivity, RM.requiredKnowHow, RM.requiredKnowledge,
                    RM.behaviouralRequirement, RM.minEducationLevel, RM.maxEducationLevel, RM.certification,
                    RM.variabilityFactor, RM.nearbyJob, RM.romeV2Code)
# Compared by the steps above, or release bookkeeping (the ontology's version IRI and date change with
# every release): not reported again as "other".
_HANDLED = {SKOS.prefLabel, SKOS.altLabel, SKOS.definition, OWL.deprecated, DCTERMS.isReplacedBy,
            OWL.versionIRI, OWL.versionInfo, DCTERMS.modified,
            *HIERARCHY_PREDICATES, *SHEET_PREDICATES, *MATCH_PREDICATES}
DIFFED_GRAPHS = ("ontology", "referentiel", "mappings")

# Our grouping of KGCL changes, in the order summaries list them (English, French).
CATEGORIES = {
    "concept-added": ("Concepts added", "Concepts ajoutés"),
    "concept-deprecated": ("Concepts deprecated", "Concepts dépréciés"),
    "concept-undeprecated": ("Concepts no longer deprecated", "Concepts qui ne sont plus dépréciés"),
    "concept-removed": ("Concepts removed (an error: IRIs never disappear)",
                        "Concepts supprimés (une erreur : les IRI ne disparaissent jamais)"),
    "relabelled": ("Preferred labels changed", "Libellés préférentiels modifiés"),
    "synonym-added": ("Alternative labels added", "Libellés alternatifs ajoutés"),
    "synonym-removed": ("Alternative labels removed", "Libellés alternatifs retirés"),
    "moved": ("Moved in the hierarchy", "Déplacés dans la hiérarchie"),
    "definition-changed": ("Definitions added, changed or removed", "Définitions ajoutées, modifiées ou retirées"),
    "link-added": ("Links added", "Liens ajoutés"),
    "link-removed": ("Links removed", "Liens retirés"),
    "link-predicate-changed": ("Links whose predicate changed", "Liens dont le prédicat a changé"),
    "sheet-item-added": ("Job sheet items added", "Éléments de fiche ajoutés"),
    "sheet-item-removed": ("Job sheet items removed", "Éléments de fiche retirés"),
    "other": ("Other statements changed", "Autres énoncés modifiés"),
}

# The vocabulary a link points into, by the target IRI's start (longest first wins).
VOCABULARIES = (
    ("http://data.europa.eu/esco/occupation/", "esco-occupation"),
    ("http://data.europa.eu/esco/skill/", "esco-skill"),
    ("http://data.europa.eu/esco/isco/", "isco"),
    ("https://w3id.org/refmetiers/id/rome-appellation/", "rome-appellation"),
    ("https://w3id.org/refmetiers/id/rome/", "rome"),
    ("https://w3id.org/refmetiers/id/pcs2020/", "pcs2020"),
    ("https://w3id.org/refmetiers/id/pcs2003/", "pcs2003"),
)

_CONVERTER = curies.Converter.from_prefix_map(
    {**PREFIXES, "esco-occupation": "http://data.europa.eu/esco/occupation/", "esco-skill": "http://data.europa.eu/esco/skill/",
     "isco": "http://data.europa.eu/esco/isco/"})


def vocabulary(iri: str, base: str) -> str:
    """The target vocabulary of a link (``esco-skill``, ``rome`` …; ``refmetiers`` for ours, else ``other``)."""
    rebased = iri.replace(base, "https://w3id.org/refmetiers/", 1) if iri.startswith(base) else iri
    for start, name in VOCABULARIES:
        if rebased.startswith(start):
            return name
    return "refmetiers" if iri.startswith(base) else "other"


def curie(iri: str) -> str:
    """A CURIE for the KGCL text (``rmid:job/developpeur``), or ``<iri>`` when no prefix fits."""
    compressed = _CONVERTER.compress(iri)
    return compressed if compressed else f"<{iri}>"


@dataclass(frozen=True)
class Value:
    """One side of a change: an IRI or a literal (text, language, datatype)."""

    text: str
    is_iri: bool = False
    language: str | None = None
    datatype: str | None = None

    @classmethod
    def of(cls, node: Node) -> Value:
        if isinstance(node, Literal):
            return cls(str(node), False, node.language, str(node.datatype) if node.datatype else None)
        return cls(str(node), True)

    def node(self) -> Node:
        if self.is_iri:
            return URIRef(self.text)
        return Literal(self.text, lang=self.language, datatype=URIRef(self.datatype) if self.datatype else None)

    def kgcl(self) -> str:
        return curie(self.text) if self.is_iri else self.text


@dataclass(frozen=True)
class Change:
    """One change: its KGCL type, our category, its subject and property, and the old and new values."""

    type: str  # the kgcl_schema class name
    category: str  # a key of CATEGORIES
    subject: str
    predicate: str  # the property that changed
    old: Value | None = None
    new: Value | None = None
    language: str | None = None
    vocabulary: str | None = None  # of a link's target
    replacement: str | None = None  # of a deprecated concept
    target: str | None = None  # of a link whose predicate changed

    @property
    def key(self) -> str:
        """A short identifier computed from the content (the same change gets the same id in every run)."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def sort_key(self) -> tuple:
        order = list(CATEGORIES)
        return (order.index(self.category), self.subject, self.predicate, self.language or "",
                self.old.text if self.old else "", self.new.text if self.new else "")

    def to_kgcl(self, identifier: str = "_:change") -> kgcl.Change:
        """The ``kgcl_schema`` object this change is (its text form comes from KGCL's renderer)."""
        about, prop = curie(self.subject), curie(self.predicate)
        old, new = (self.old.kgcl() if self.old else None), (self.new.kgcl() if self.new else None)
        cls = getattr(kgcl, self.type)
        if self.type in ("NodeCreation", "NodeDeletion", "NodeUnobsoletion"):
            return cls(id=identifier, about_node=about, **({"name": new} if new else {}))
        if self.type in ("NodeObsoletion", "NodeObsoletionWithDirectReplacement"):
            return cls(id=identifier, about_node=about,
                       has_direct_replacement=curie(self.replacement) if self.replacement else None)
        if self.type == "NodeRename":
            return cls(id=identifier, about_node=about, old_value=old or "", new_value=new or "",
                       old_language=self.language, new_language=self.language)
        if self.type == "NewSynonym":
            return cls(id=identifier, about_node=about, new_value=new, language=self.language, predicate=prop)
        if self.type == "RemoveSynonym":
            return cls(id=identifier, about_node=about, old_value=old, language=self.language)
        if self.type in ("NewTextDefinition", "RemoveTextDefinition", "TextDefinitionReplacement"):
            return cls(id=identifier, about_node=about, language=self.language,
                       **({"old_value": old} if old is not None and self.type != "NewTextDefinition" else {}),
                       **({"new_value": new} if new is not None and self.type != "RemoveTextDefinition" else {}))
        if self.type == "NodeMove":
            return cls(id=identifier, about_edge=kgcl.Edge(subject=about, predicate=prop, object=old),
                       old_value=old, new_value=new, old_object_type="uri", new_object_type="uri")
        if self.type in ("NewMapping", "RemoveMapping"):
            return cls(id=identifier, about_node=about, predicate=prop, object=(new or old))
        if self.type == "MappingPredicateChange":
            return cls(id=identifier, about_node=about, old_value=old, new_value=new)
        if self.type in ("EdgeCreation", "EdgeDeletion"):
            return cls(id=identifier, subject=about, predicate=prop, object=(new or old))
        if self.type == "NodeAnnotationChange":
            return cls(id=identifier, about_node=about, annotation_property=prop,
                       language=self.language)
        raise ValueError(f"no KGCL form for {self.type}")

    def text(self) -> str:
        """The KGCL one-line form (``rename rmid:… from 'a'@fr to 'b'@fr``)."""
        about, prop = curie(self.subject), curie(self.predicate)
        old, new = (self.old.kgcl() if self.old else None), (self.new.kgcl() if self.new else None)
        # KGCL's renderer covers these classes through their edge-shaped equivalents.
        if self.type == "NewMapping":
            return render(kgcl.EdgeCreation(id="_:c", subject=about, predicate=prop, object=new))
        if self.type == "RemoveMapping":
            return render(kgcl.EdgeDeletion(id="_:c", subject=about, predicate=prop, object=old))
        if self.type == "MappingPredicateChange":
            edge = kgcl.Edge(subject=about, object=self.vocabulary_object)
            return render(kgcl.PredicateChange(id="_:c", about_edge=edge, old_value=old, new_value=new))
        if self.type == "TextDefinitionReplacement":
            return render(kgcl.NodeTextDefinitionChange(id="_:c", about_node=about, old_value=old, new_value=new))
        if self.type == "NodeAnnotationChange":
            return render(kgcl.NodeAnnotationChange(
                id="_:c", about_node=about, about_node_representation="uri", annotation_property=prop,
                annotation_property_type="uri", old_value=old if old is not None else "",
                new_value=new if new is not None else "",
                old_language=self.old.language if self.old else None,
                new_language=self.new.language if self.new else None))
        return render(self.to_kgcl())

    @property
    def vocabulary_object(self) -> str:
        return curie(self.target or "")


@dataclass
class ChangeSet:
    """The changes from version ``old`` to version ``new`` (``new`` may be ``working`` for the sources)."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # IRI → {lang: prefLabel}
    issued: str | None = None  # the new release's date

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = defaultdict(int)
        for change in self.changes:
            counted[change.category] += 1
        return {category: counted[category] for category in CATEGORIES if counted[category]}

    def links_by_vocabulary(self) -> dict[str, dict[str, int]]:
        """Link changes per target vocabulary: {vocabulary: {category: count}}."""
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for change in self.changes:
            if change.vocabulary:
                table[change.vocabulary][change.category] += 1
        return {vocab: dict(sorted(cats.items())) for vocab, cats in sorted(table.items())}

    def errors(self) -> list[Change]:
        return [c for c in self.changes if c.category == "concept-removed"]

    def iri(self, base: str) -> URIRef:
        return URIRef(f"{base}changes/{self.old}/{self.new}")

    def label(self, iri: str, lang: str = "fr") -> str | None:
        names = self.labels.get(iri, {})
        return names.get(lang) or names.get("fr") or names.get("en")


# --------------------------------------------------------------------------------------------------
# Computing the changes
# --------------------------------------------------------------------------------------------------

def _merged(graphs: dict[str, Graph], names: Iterable[str]) -> Graph:
    merged = Graph()
    for name in names:
        if name in graphs:
            merged += graphs[name]
    return merged


def _nodes(graph: Graph, base: str) -> set[URIRef]:
    """Our described resources: typed subjects under ``base`` (concepts, schemes, terms, sheet parts)."""
    return {s for s in graph.subjects(RDF.type, unique=True)
            if isinstance(s, URIRef) and str(s).startswith(base) and "/id/mapping/" not in str(s)}


def _by_language(graph: Graph, subject: URIRef, predicate: URIRef) -> dict[str, set[Literal]]:
    values: dict[str, set[Literal]] = defaultdict(set)
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            values[value.language or ""].add(value)
    return values


def _french_first(graph: Graph, subject: URIRef) -> Literal | None:
    """The name of a new node: its French preferred label, else English, else any label (the same every run)."""
    names = [v for p in (SKOS.prefLabel, RDFS.label) for v in graph.objects(subject, p) if isinstance(v, Literal)]
    rank = {"fr": 0, "en": 1}
    return min(names, key=lambda v: (rank.get(v.language or "", 2), str(v)), default=None)


def _is_deprecated(graph: Graph, subject: URIRef) -> bool:
    return any(bool(v.toPython()) is True for v in graph.objects(subject, OWL.deprecated) if isinstance(v, Literal))


def compute(old_graphs: dict[str, Graph], new_graphs: dict[str, Graph], base: str, old: str, new: str) -> ChangeSet:
    """The KGCL changes from ``old_graphs`` to ``new_graphs`` (the asserted named graphs of each version)."""
    before, after = _merged(old_graphs, DIFFED_GRAPHS), _merged(new_graphs, DIFFED_GRAPHS)
    changes: list[Change] = []
    add = changes.append
    old_nodes, new_nodes = _nodes(before, base), _nodes(after, base)

    for subject in sorted(new_nodes - old_nodes):
        label = _french_first(after, subject)
        add(Change("NodeCreation", "concept-added", str(subject), str(RDF.type),
                   new=Value.of(label) if label is not None else None, language=label.language if label else None))
    for subject in sorted(old_nodes - new_nodes):
        add(Change("NodeDeletion", "concept-removed", str(subject), str(RDF.type)))

    for subject in sorted(old_nodes & new_nodes):
        s = str(subject)
        was, now = _is_deprecated(before, subject), _is_deprecated(after, subject)
        if now and not was:
            successor = after.value(subject, DCTERMS.isReplacedBy)
            add(Change("NodeObsoletionWithDirectReplacement" if successor else "NodeObsoletion",
                       "concept-deprecated", s, str(OWL.deprecated),
                       replacement=str(successor) if successor else None))
        elif was and not now:
            add(Change("NodeUnobsoletion", "concept-undeprecated", s, str(OWL.deprecated)))

        olds, news = _by_language(before, subject, SKOS.prefLabel), _by_language(after, subject, SKOS.prefLabel)
        for lang in sorted(set(olds) | set(news)):
            if olds.get(lang, set()) != news.get(lang, set()):
                o, n = sorted(olds.get(lang, set())), sorted(news.get(lang, set()))
                add(Change("NodeRename", "relabelled", s, str(SKOS.prefLabel),
                           old=Value.of(o[0]) if o else None, new=Value.of(n[0]) if n else None,
                           language=lang or None))

        olds, news = _by_language(before, subject, SKOS.altLabel), _by_language(after, subject, SKOS.altLabel)
        for lang in sorted(set(olds) | set(news)):
            for label in sorted(news.get(lang, set()) - olds.get(lang, set())):
                add(Change("NewSynonym", "synonym-added", s, str(SKOS.altLabel), new=Value.of(label),
                           language=lang or None))
            for label in sorted(olds.get(lang, set()) - news.get(lang, set())):
                add(Change("RemoveSynonym", "synonym-removed", s, str(SKOS.altLabel), old=Value.of(label),
                           language=lang or None))

        olds, news = _by_language(before, subject, SKOS.definition), _by_language(after, subject, SKOS.definition)
        for lang in sorted(set(olds) | set(news)):
            o, n = sorted(olds.get(lang, set())), sorted(news.get(lang, set()))
            if o == n:
                continue
            kind = "TextDefinitionReplacement" if o and n else ("NewTextDefinition" if n else "RemoveTextDefinition")
            add(Change(kind, "definition-changed", s, str(SKOS.definition),
                       old=Value.of(o[0]) if o else None, new=Value.of(n[0]) if n else None, language=lang or None))

        for predicate in HIERARCHY_PREDICATES:
            gone = sorted(set(before.objects(subject, predicate)) - set(after.objects(subject, predicate)), key=str)
            came = sorted(set(after.objects(subject, predicate)) - set(before.objects(subject, predicate)), key=str)
            if len(gone) == 1 and len(came) == 1:
                add(Change("NodeMove", "moved", s, str(predicate), old=Value.of(gone[0]), new=Value.of(came[0])))
                continue
            for target in came:
                add(Change("EdgeCreation", "moved", s, str(predicate), new=Value.of(target)))
            for target in gone:
                add(Change("EdgeDeletion", "moved", s, str(predicate), old=Value.of(target)))

        for predicate in SHEET_PREDICATES:
            items_before, items_after = set(before.objects(subject, predicate)), set(after.objects(subject, predicate))
            for item in sorted(items_after - items_before, key=str):
                add(Change("EdgeCreation", "sheet-item-added", s, str(predicate), new=Value.of(item)))
            for item in sorted(items_before - items_after, key=str):
                add(Change("EdgeDeletion", "sheet-item-removed", s, str(predicate), old=Value.of(item)))

        old_other: set[tuple[Node, Node]] = {(p, o) for p, o in before.predicate_objects(subject) if p not in _HANDLED}
        new_other: set[tuple[Node, Node]] = {(p, o) for p, o in after.predicate_objects(subject) if p not in _HANDLED}
        removed = sorted(old_other - new_other, key=_pair_key)
        added = sorted(new_other - old_other, key=_pair_key)
        changes.extend(_other_changes(s, removed, added))

    changes += _link_changes(before, after, base)
    mentioned = {c.subject for c in changes} | {v.text for c in changes for v in (c.old, c.new) if v and v.is_iri}
    labels = _labels(after, before, mentioned, new_graphs, old_graphs)
    return ChangeSet(old, new, sorted(changes, key=Change.sort_key), labels)


def _pair_key(pair: tuple[Node, Node]) -> tuple[str, str]:
    return str(pair[0]), str(pair[1])


def _other_changes(subject: str, gone: list[tuple[Node, Node]], came: list[tuple[Node, Node]]) -> list[Change]:
    """Statements outside the steps above: a text replaced in one language is one change (old → new)."""
    def text_key(pair: tuple[Node, Node]) -> tuple[str, str] | None:
        predicate, value = pair
        return (str(predicate), value.language or "") if isinstance(value, Literal) else None

    gone_by: dict[tuple[str, str] | None, list[tuple[Node, Node]]] = defaultdict(list)
    came_by: dict[tuple[str, str] | None, list[tuple[Node, Node]]] = defaultdict(list)
    for pair in gone:
        gone_by[text_key(pair)].append(pair)
    for pair in came:
        came_by[text_key(pair)].append(pair)
    result = []
    for key in sorted(set(gone_by) | set(came_by), key=str):
        olds, news = gone_by.get(key, []), came_by.get(key, [])
        if key is not None and len(olds) == 1 and len(news) == 1:
            (predicate, old), (_, new) = olds[0], news[0]
            result.append(Change("NodeAnnotationChange", "other", subject, str(predicate), old=Value.of(old),
                                 new=Value.of(new), language=key[1] or None))
            continue
        for predicate, value in news:
            kind = "EdgeCreation" if key is None else "NodeAnnotationChange"
            result.append(Change(kind, "other", subject, str(predicate), new=Value.of(value),
                                 language=value.language if isinstance(value, Literal) else None))
        for predicate, value in olds:
            kind = "EdgeDeletion" if key is None else "NodeAnnotationChange"
            result.append(Change(kind, "other", subject, str(predicate), old=Value.of(value),
                                 language=value.language if isinstance(value, Literal) else None))
    return result


def _link_changes(before: Graph, after: Graph, base: str) -> list[Change]:
    """Links (SKOS mapping properties) added, removed, or whose predicate changed, per target."""
    def links(graph: Graph) -> dict[tuple[URIRef, URIRef], set[URIRef]]:
        found: dict[tuple[URIRef, URIRef], set[URIRef]] = defaultdict(set)
        for predicate in MATCH_PREDICATES:
            for subject, target in graph.subject_objects(predicate):
                if isinstance(subject, URIRef) and str(subject).startswith(base) and isinstance(target, URIRef):
                    found[(subject, target)].add(predicate)
        return found

    old, new = links(before), links(after)
    changes = []
    for pair in sorted(set(old) | set(new)):
        subject, target = pair
        was, now = old.get(pair, set()), new.get(pair, set())
        if was == now:
            continue
        vocab = vocabulary(str(target), base)
        if was and now:
            changes.append(Change("MappingPredicateChange", "link-predicate-changed", str(subject),
                                  str(sorted(now)[0]), old=Value.of(sorted(was)[0]), new=Value.of(sorted(now)[0]),
                                  vocabulary=vocab, target=str(target)))
        elif now:
            for predicate in sorted(now):
                changes.append(Change("NewMapping", "link-added", str(subject), str(predicate),
                                      new=Value.of(target), vocabulary=vocab))
        else:
            for predicate in sorted(was):
                changes.append(Change("RemoveMapping", "link-removed", str(subject), str(predicate),
                                      old=Value.of(target), vocabulary=vocab))
    return changes


def _labels(after: Graph, before: Graph, iris: set[str], *more: dict[str, Graph]) -> dict[str, dict[str, str]]:
    """The preferred labels (fr, en) of ``iris``, newest first, from every graph at hand (reference included)."""
    sources = [after, before] + [g for graphs in more for g in graphs.values()]
    labels: dict[str, dict[str, str]] = {}
    for iri in sorted(iris):
        names: dict[str, str] = {}
        for graph in sources:
            for value in graph.objects(URIRef(iri), SKOS.prefLabel):
                if isinstance(value, Literal) and value.language in ("fr", "en"):
                    names.setdefault(value.language, str(value))
        if names:
            labels[iri] = names
    return labels


# --------------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------------

def to_text(change_set: ChangeSet) -> str:
    """One KGCL line per change."""
    return "".join(change.text() + "\n" for change in change_set.changes)


def to_json(change_set: ChangeSet, base: str) -> str:
    """The change set as JSON: versions, counts per category and per link vocabulary, then every change."""
    def value(v: Value | None):
        return None if v is None else {k: x for k, x in asdict(v).items() if x not in (None, False) or k == "is_iri"}

    body = {
        "id": str(change_set.iri(base)),
        "from": change_set.old, "to": change_set.new, "issued": change_set.issued,
        "counts": change_set.counts(),
        "links_by_vocabulary": change_set.links_by_vocabulary(),
        "changes": [{
            "id": f"{change_set.iri(base)}#{change.key}", "type": change.type, "category": change.category,
            "subject": change.subject, "subject_label": change_set.label(change.subject),
            "property": change.predicate, "language": change.language,
            "old": value(change.old), "new": value(change.new),
            "vocabulary": change.vocabulary, "replacement": change.replacement, "target": change.target,
            "kgcl": change.text(),
        } for change in change_set.changes],
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def to_markdown(change_set: ChangeSet, lang: str = "en") -> str:
    """A readable summary: counts, then the changes grouped by category, with labels."""
    english = lang != "fr"
    title = (f"Changes from {change_set.old} to {change_set.new}" if english
             else f"Changements de {change_set.old} à {change_set.new}")
    lines = [f"# {title}", ""]
    if change_set.issued:
        lines += [("Released on " if english else "Publiée le ") + change_set.issued, ""]
    counts = change_set.counts()
    if not counts:
        lines += ["No change." if english else "Aucun changement.", ""]
    colon = ": " if english else " : "
    for category, count in counts.items():
        lines.append(f"- {CATEGORIES[category][0 if english else 1]}{colon}{count}")
    vocabularies = change_set.links_by_vocabulary()
    if vocabularies:
        lines += ["", "## " + ("Link changes per target vocabulary" if english else "Liens modifiés par vocabulaire"),
                  "", "| vocabulary | added | removed | predicate changed |", "|---|---|---|---|"]
        for vocab, cats in vocabularies.items():
            lines.append(f"| {vocab} | {cats.get('link-added', 0)} | {cats.get('link-removed', 0)} | "
                         f"{cats.get('link-predicate-changed', 0)} |")
    for category in counts:
        lines += ["", f"## {CATEGORIES[category][0 if english else 1]}", ""]
        for change in change_set.changes:
            if change.category == category:
                label = change_set.label(change.subject, "en" if english else "fr")
                suffix = f" — {label}" if label else ""
                lines.append(f"- `{change.text()}`{suffix}")
    return "\n".join(lines) + "\n"


def to_graph(change_set: ChangeSet, base: str) -> Graph:
    """The change set as RDF: each change a resource typed with its KGCL class, with its subject
    (``kgcl:about_node``), property (``kgcl:predicate``), old and new values, text form and the two versions."""
    graph = Graph()
    for prefix, namespace in CHANGE_PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    set_iri = change_set.iri(base)
    old_version, new_version = URIRef(f"{base}dataset/{change_set.old}"), URIRef(f"{base}dataset/{change_set.new}")
    graph.add((set_iri, RDF.type, KGCL.Transaction))
    graph.add((set_iri, RM.fromVersion, old_version))
    graph.add((set_iri, RM.toVersion, new_version))
    graph.add((set_iri, DCTERMS.title, Literal(f"Changes from {change_set.old} to {change_set.new}", lang="en")))
    graph.add((set_iri, DCTERMS.title, Literal(f"Changements de {change_set.old} à {change_set.new}", lang="fr")))
    graph.add((old_version, DCAT.version, Literal(change_set.old)))
    graph.add((new_version, DCAT.version, Literal(change_set.new)))
    graph.add((new_version, URIRef(str(DCAT) + "previousVersion"), old_version))
    if change_set.issued:
        graph.add((new_version, DCTERMS.issued, Literal(change_set.issued, datatype=XSD.date)))
        graph.add((set_iri, DCTERMS.date, Literal(change_set.issued, datatype=XSD.date)))
    for change in change_set.changes:
        node = URIRef(f"{set_iri}#{change.key}")
        cls = getattr(kgcl, change.type)
        graph.add((set_iri, KGCL.change_set, node))
        graph.add((node, RDF.type, URIRef(str(cls.class_class_uri))))
        graph.add((node, KGCL.about_node, URIRef(change.subject)))
        graph.add((node, KGCL.predicate, URIRef(change.predicate)))
        if change.old is not None:
            graph.add((node, KGCL.old_value, change.old.node()))
        if change.new is not None:
            graph.add((node, KGCL.new_value, change.new.node()))
        if change.language:
            graph.add((node, KGCL.language, Literal(change.language)))
        if change.replacement and change.type.startswith("NodeObsoletion"):
            graph.add((node, KGCL.has_direct_replacement, URIRef(change.replacement)))
        if change.target:
            graph.add((node, KGCL.object, URIRef(change.target)))
        graph.add((node, KGCL.change_description, Literal(change.text())))
        graph.add((node, RM.changeCategory, Literal(change.category)))
        if change.vocabulary:
            graph.add((node, RM.targetVocabulary, Literal(change.vocabulary)))
        graph.add((node, RM.fromVersion, old_version))
        graph.add((node, RM.toVersion, new_version))
        graph.add((node, PROV_WAS_GENERATED_BY, set_iri))
    return graph


def from_json(text: str) -> ChangeSet:
    """Read back a change set written by :func:`to_json` (the releases' ``changes.json``)."""
    body = json.loads(text)

    def value(v):
        return None if v is None else Value(v["text"], v.get("is_iri", False), v.get("language"), v.get("datatype"))

    changes = [Change(c["type"], c["category"], c["subject"], c["property"], value(c["old"]), value(c["new"]),
                      c.get("language"), c.get("vocabulary"), c.get("replacement"), c.get("target"))
               for c in body["changes"]]
    labels = {c["subject"]: {"fr": c["subject_label"]} for c in body["changes"] if c.get("subject_label")}
    return ChangeSet(body["from"], body["to"], changes, labels, body.get("issued"))
