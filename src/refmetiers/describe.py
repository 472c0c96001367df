"""What a linked-data page says about one resource, read from the store the server loaded.

A description keeps apart what the data asserts and what the build inferred (graph ``inferred``), carries
the labels of everything it links to (in every language), the SSSOM record behind each mapping link, and
who links to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .namespaces import PREFIXES, graph_name

SKOS = PREFIXES["skos"]
RM = PREFIXES["rm"]
OWL = PREFIXES["owl"]
SSSOM = PREFIXES["sssom"]
PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
IS_DEFINED_BY = ox.NamedNode(PREFIXES["rdfs"] + "isDefinedBy")
DCTERMS_TITLE = ox.NamedNode(PREFIXES["dcterms"] + "title")
LABEL_PREDICATES = (PREF_LABEL, RDFS_LABEL, DCTERMS_TITLE)
ANNOTATED_SOURCE = ox.NamedNode(OWL + "annotatedSource")

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple



def value_of(term: Term) -> str:
    """The IRI, blank node id or lexical form of a term (a quoted triple: its N-Triples text)."""
    return str(term) if isinstance(term, ox.Triple) else term.value


# Facts of the resources a page links to that the page shows beside their label.
LINKED_FACTS = (RM + "eqfLevel", RM + "frenchQualificationLevel", SKOS + "notation", OWL + "deprecated")


@dataclass(frozen=True)
class MappingRecord:
    """The SSSOM record that justifies one mapping link (graph ``mappings``)."""

    iri: str
    justification: str
    confidence: str | None
    comment: str | None
    author: str | None


@dataclass
class Description:
    """A resource's description: its own triples (and its ``#part`` nodes'), plus what the page needs around them."""

    iri: str
    triples: list[ox.Triple]
    inferred: set[str] = field(default_factory=set)  # str(triple) of the triples found only in graph inferred
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    incoming: list[tuple[str, str, bool]] = field(default_factory=list)  # (predicate, subject, inferred only)
    label_source: list[ox.Triple] = field(default_factory=list)
    mappings: dict[tuple[str, str], MappingRecord] = field(default_factory=dict)  # (predicate, target) → record
    linked: dict[str, dict[str, list[Term]]] = field(default_factory=dict)

    def label(self, iri: str, lang: str = "fr") -> str | None:
        names = self.labels.get(iri, {})
        return names.get(lang) or names.get("") or (next(iter(names.values())) if names else None)

    def is_inferred(self, triple: ox.Triple) -> bool:
        return str(triple) in self.inferred

    def label_triples(self) -> list[ox.Triple]:
        """The label triples of the resources it links to, as the data states them, published alongside."""
        own = {str(t) for t in self.triples}
        return [t for t in self.label_source if str(t) not in own]


def _triples(store: ox.Store, subject: ox.NamedNode, inferred_graph: ox.NamedNode) -> tuple[list[ox.Triple], set[str]]:
    """The distinct triples about ``subject``, and those of them stated in no graph but ``inferred_graph``."""
    seen: dict[str, ox.Triple] = {}
    asserted: set[str] = set()
    for quad in store.quads_for_pattern(subject, None, None, None):
        key = str(quad.triple)
        seen.setdefault(key, quad.triple)
        if quad.graph_name != inferred_graph:
            asserted.add(key)
    return [seen[key] for key in sorted(seen)], set(seen) - asserted


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
        assert isinstance(triple.object, ox.Literal)
        names.setdefault(triple.object.language or "", triple.object.value)
    return names


def _mapping_records(store: ox.Store, node: ox.NamedNode) -> dict[tuple[str, str], MappingRecord]:
    records = {}
    for quad in store.quads_for_pattern(None, ANNOTATED_SOURCE, node, None):
        record = quad.subject
        if not isinstance(record, ox.NamedNode):
            continue
        values: dict[str, str] = {}
        for q in store.quads_for_pattern(record, None, None, None):
            if not isinstance(q.object, ox.Triple):
                values.setdefault(q.predicate.value, q.object.value)
        predicate, target = values.get(OWL + "annotatedProperty"), values.get(OWL + "annotatedTarget")
        if predicate and target:
            records[(predicate, target)] = MappingRecord(
                record.value, values.get(SSSOM + "mapping_justification", ""), values.get(SSSOM + "confidence"),
                values.get(SSSOM + "comment"), values.get(SSSOM + "author_id"))
    return records


def describe(store: ox.Store, iri: str, *, base: str, incoming_limit: int = 500) -> Description | None:
    """The description of ``iri``, or ``None`` when the store says nothing about it.

    Includes the triples of its parts (``iri#part`` objects it links to, or terms ``rdfs:isDefinedBy`` it),
    the labels of every IRI they link to, the mapping records of its mapping links, and who links to it.
    ``base`` names the graphs (``{base}graph/inferred``).
    """
    node = ox.NamedNode(iri)
    inferred_graph = ox.NamedNode(graph_name("inferred", base))
    triples, inferred = _triples(store, node, inferred_graph)
    if not triples:
        return None
    parts = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)
             and t.object.value.startswith(iri + "#")}
    parts |= {q.subject.value for q in store.quads_for_pattern(None, IS_DEFINED_BY, node, None)
              if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(iri + "#")}
    for part in sorted(parts):
        more, more_inferred = _triples(store, ox.NamedNode(part), inferred_graph)
        triples += more
        inferred |= more_inferred
    description = Description(iri, triples, inferred)
    description.mappings = _mapping_records(store, node)
    linked = {iri} | {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.predicate.value for t in triples}
    incoming: dict[tuple[str, str], bool] = {}
    for quad in store.quads_for_pattern(None, None, node, None):
        if isinstance(quad.subject, ox.NamedNode) and not quad.subject.value.startswith(iri + "#"):
            key = (quad.predicate.value, quad.subject.value)
            only_inferred = quad.graph_name == inferred_graph and incoming.get(key, True)
            incoming[key] = only_inferred
            if len(incoming) >= incoming_limit:
                break
    description.incoming = sorted((p, s, flag) for (p, s), flag in incoming.items())
    linked |= {s for _, s, _ in description.incoming} | {p for p, _, _ in description.incoming}
    objects = {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)}
    for other in sorted(linked):
        other_node = ox.NamedNode(other)
        statements = label_statements(store, other_node)
        names: dict[str, str] = {}
        for triple in statements:
            assert isinstance(triple.object, ox.Literal)
            names.setdefault(triple.object.language or "", triple.object.value)
        if names:
            description.labels[other] = names
            if other in objects:  # the labels of what it links to travel with it (not of who links to it)
                description.label_source += statements
        if other in objects:
            facts: dict[str, list[Term]] = {}
            for predicate in LINKED_FACTS:
                values = sorted({q.object for q in store.quads_for_pattern(other_node, ox.NamedNode(predicate), None,
                                                                             None)}, key=str)
                if values:
                    facts[predicate] = values
            if facts:
                description.linked[other] = facts
    return description
