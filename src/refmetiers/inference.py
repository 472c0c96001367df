"""The entailments we publish, computed into their own graph (`inferred`).

Two steps, each with the tool that is exact and cheap for it:
1. owlrl closes the *schema* (our ontology plus the SKOS axioms): a few hundred triples, so its
   OWL-RL closure is quick, and it settles sub-class, sub-property, inverse, symmetric and
   transitive declarations, including the ones that follow from others.
2. Those declarations become targeted SPARQL UPDATE rules run in pyoxigraph over the data, to a
   fixpoint. owlrl over the data itself is orders of magnitude slower and derives many triples
   nobody needs (see bench/build.py); tests/test_inference.py shows both derive the same triples
   for every property we materialise.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from .graphs import ENTAILMENT_SOURCES
from .namespaces import bind_prefixes
from .sources import from_oxigraph

# Super-properties and super-classes we do not materialise: true, but useless to a reader and
# they would double the inferred graph (skos:note would repeat every editorial note).
NOT_MATERIALISED = {
    SKOS.semanticRelation, SKOS.mappingRelation, SKOS.note, OWL.Thing, RDFS.Resource, OWL.Nothing,
    OWL.topObjectProperty, OWL.topDataProperty,
}


@dataclass
class Rules:
    """The data-level rules read off the closed schema."""

    sub_properties: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    inverses: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    symmetric: set[URIRef] = field(default_factory=set)
    transitive: set[URIRef] = field(default_factory=set)
    sub_classes: set[tuple[URIRef, URIRef]] = field(default_factory=set)

    @property
    def properties(self) -> set[URIRef]:
        """Every property some rule can derive a triple for."""
        derived = {q for _, q in self.sub_properties} | {q for _, q in self.inverses}
        return derived | self.symmetric | self.transitive

    @property
    def classes(self) -> set[URIRef]:
        """Every class some rule can derive an rdf:type for."""
        return {d for _, d in self.sub_classes}

    def as_sparql(self) -> list[str]:
        """One SPARQL UPDATE per rule, in a stable order."""
        updates = []
        for p, q in sorted(self.sub_properties):
            updates.append(f"INSERT {{ ?s <{q}> ?o }} WHERE {{ ?s <{p}> ?o }}")
        for p, q in sorted(self.inverses):
            updates.append(f"INSERT {{ ?o <{q}> ?s }} WHERE {{ ?s <{p}> ?o . FILTER(!isLiteral(?o)) }}")
        for p in sorted(self.symmetric):
            updates.append(f"INSERT {{ ?o <{p}> ?s }} WHERE {{ ?s <{p}> ?o . FILTER(!isLiteral(?o)) }}")
        for p in sorted(self.transitive):
            # A property both symmetric and transitive (skos:exactMatch) would make every matched
            # concept its own match (x p e, e p x, so x p x): no reflexive triple for those. For the
            # others (broaderTransitive) a reflexive triple is a real cycle, which a shape reports.
            trivial = " FILTER(?a != ?c)" if p in self.symmetric else ""
            updates.append(f"INSERT {{ ?a <{p}> ?c }} WHERE {{ ?a <{p}>/<{p}>+ ?c{trivial} }}")
        for c, d in sorted(self.sub_classes):
            updates.append(f"INSERT {{ ?x a <{d}> }} WHERE {{ ?x a <{c}> }}")
        return updates


def skos_axioms() -> Graph:
    """The SKOS axioms shipped with the package (see skos-axioms.ttl)."""
    text = resources.files("refmetiers").joinpath("skos-axioms.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


def close_schema(ontology: Graph) -> Graph:
    """The OWL-RL closure of our ontology plus the SKOS axioms (owlrl, on the schema only)."""
    import owlrl  # only when the rules are not cached

    schema = Graph()
    schema += ontology
    schema += skos_axioms()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(schema)
    return schema


def rules_from_schema(schema: Graph) -> Rules:
    """Read the data-level rules off a closed schema."""
    rules = Rules()
    for p, q in schema.subject_objects(RDFS.subPropertyOf):
        if isinstance(p, URIRef) and isinstance(q, URIRef) and p != q and q not in NOT_MATERIALISED:
            rules.sub_properties.add((p, q))
    for p, q in schema.subject_objects(OWL.inverseOf):
        if isinstance(p, URIRef) and isinstance(q, URIRef):
            rules.inverses.add((p, q))
            rules.inverses.add((q, p))
    rules.symmetric = {p for p in schema.subjects(RDF.type, OWL.SymmetricProperty) if isinstance(p, URIRef)}
    rules.transitive = {p for p in schema.subjects(RDF.type, OWL.TransitiveProperty) if isinstance(p, URIRef)}
    for c, d in schema.subject_objects(RDFS.subClassOf):
        if isinstance(c, URIRef) and isinstance(d, URIRef) and c != d and d not in NOT_MATERIALISED:
            rules.sub_classes.add((c, d))
    return rules


_ASSERTED = ox.NamedNode("urn:refmetiers:asserted")


def derive(ntriples: bytes, rules: Rules, max_rounds: int = 50) -> list[ox.Triple]:
    """Run ``rules`` over the N-Triples ``ntriples`` to a fixpoint, in pyoxigraph; the new triples only.

    The rules work on the default graph; a copy of the data in a named graph lets the store itself
    tell the new triples from the asserted ones.
    """
    store = ox.Store()
    store.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
    store.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES, to_graph=_ASSERTED)
    updates = rules.as_sparql()
    size = len(store)
    for _ in range(max_rounds):
        for update in updates:
            store.update(update)
        if len(store) == size:
            break
        size = len(store)
    new = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER NOT EXISTS "
                      f"{{ GRAPH <{_ASSERTED.value}> {{ ?s ?p ?o }} }} }}")
    return list(new)  # type: ignore[arg-type]


def apply_rules(data: Graph | bytes, rules: Rules, max_rounds: int = 50) -> Graph:
    """Run ``rules`` over ``data`` (a graph, or its N-Triples) to a fixpoint; return only the new triples
    (the small difference is all that comes back to rdflib)."""
    text = data if isinstance(data, bytes) else data.serialize(format="nt", encoding="utf-8")
    new = derive(text, rules, max_rounds)
    inferred = Graph()
    # straight from pyoxigraph's terms: no N-Triples text to write and parse back
    blank: dict = {}
    inferred.addN((from_oxigraph(t.subject, blank), from_oxigraph(t.predicate, blank),
                   from_oxigraph(t.object, blank), inferred) for t in new)
    return inferred


_RULE_KINDS = ("sub_properties", "inverses", "symmetric", "transitive", "sub_classes")


@lru_cache(maxsize=8)
def _rules_of(ontology_ntriples: frozenset[str], cache_dir: Path | None) -> Rules:
    # The key: the ontology, the SKOS axioms and this module's code (a change in the rules' making
    # must not read old rules).
    key = hashlib.sha256("\n".join(sorted(ontology_ntriples)).encode("utf-8"))
    key.update(resources.files("refmetiers").joinpath("skos-axioms.ttl").read_bytes())
    key.update(Path(__file__).read_bytes())
    cached = cache_dir / f"rules-{key.hexdigest()[:32]}.json" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        try:
            stored = json.loads(cached.read_text(encoding="utf-8"))
            loaded: dict[str, Any] = {
                kind: {tuple(URIRef(t) for t in item) if isinstance(item, list) else URIRef(item)
                       for item in stored[kind]} for kind in _RULE_KINDS}
            return Rules(**loaded)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged cache is computed again
    ontology = Graph().parse(data="\n".join(ontology_ntriples), format="nt")
    rules = rules_from_schema(close_schema(ontology))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            stored = {kind: sorted([list(item) if isinstance(item, tuple) else item
                                    for item in getattr(rules, kind)]) for kind in _RULE_KINDS}
            cached.write_text(json.dumps(stored), encoding="utf-8")
        except OSError:
            pass  # no cache where nothing may be written: only slower
    return rules


def rules_for(ontology: Graph, cache_dir: Path | None = None) -> Rules:
    """The data-level rules of ``ontology``. owlrl's closure of the schema is a third of the entailments'
    time, so they are computed once per ontology: kept for the process, and in ``cache_dir`` (a JSON
    file per ontology) for the next run."""
    return _rules_of(frozenset(ontology.serialize(format="nt").splitlines()), cache_dir)


def infer(ontology: Graph, data: Graph) -> Graph:
    """The entailments of ``data`` under ``ontology`` that we publish, without the asserted triples."""
    return apply_rules(data, rules_for(ontology))


def with_entailments(graphs: dict[str, Graph], cache_dir: Path | None = None,
                     source: bytes | None = None) -> dict[str, Graph]:
    """``graphs`` (the asserted named graphs) plus graph `inferred`, computed from them (``source``: the
    N-Triples of their ENTAILMENT_SOURCES, when the caller has them already)."""
    # The entailment source as N-Triples, graph by graph: merging the graphs in rdflib first cost more
    # than the rules (the store merges them on loading).
    if source is None:
        source = b"".join(graphs[name].serialize(format="nt", encoding="utf-8") for name in ENTAILMENT_SOURCES)
    inferred = apply_rules(source, rules_for(graphs["ontology"], cache_dir))
    bind_prefixes(inferred)
    return {**graphs, "inferred": inferred}
