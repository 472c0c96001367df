"""The entailments we publish: exactly the expected ones on a fixture, and the same as owlrl's."""

from __future__ import annotations

from pathlib import Path

import owlrl
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import REPO
from refmetiers.build import assemble
from refmetiers.config import load_settings
from refmetiers.inference import close_schema, infer, rules_from_schema, skos_axioms
from refmetiers.namespaces import BASE, RM

EXPECTED = """
@prefix rm: <https://w3id.org/refmetiers/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix esco: <http://data.europa.eu/esco/model#> .
@prefix schema: <https://schema.org/> .
@prefix id: <https://w3id.org/refmetiers/id/> .
@prefix scheme: <https://w3id.org/refmetiers/scheme/> .

# skos:narrower from skos:broader
id:family\\/production skos:narrower id:subfamily\\/exploitation .
id:subfamily\\/exploitation skos:narrower id:job\\/alpha .
id:family\\/conseil skos:narrower id:job\\/beta .
id:activity\\/A003 skos:narrower id:activity\\/A002 .
# broaderTransitive (from broader, rm:family, and transitivity) and its inverse
id:job\\/alpha skos:broaderTransitive id:subfamily\\/exploitation , id:family\\/production .
id:subfamily\\/exploitation skos:broaderTransitive id:family\\/production .
id:job\\/beta skos:broaderTransitive id:family\\/conseil .
id:activity\\/A002 skos:broaderTransitive id:activity\\/A003 .
id:family\\/production skos:narrowerTransitive id:subfamily\\/exploitation , id:job\\/alpha .
id:subfamily\\/exploitation skos:narrowerTransitive id:job\\/alpha .
id:family\\/conseil skos:narrowerTransitive id:job\\/beta .
id:activity\\/A003 skos:narrowerTransitive id:activity\\/A002 .
# topConceptOf / hasTopConcept both ways
id:family\\/production skos:topConceptOf scheme:jobs .
scheme:jobs skos:hasTopConcept id:family\\/conseil .
# symmetric skos:related; rm:nearbyJob (a sub-property of skos:related) keeps its sheet's direction
id:activity\\/A001 skos:related id:activity\\/A003 .
id:job\\/alpha skos:related id:job\\/beta .
id:job\\/beta skos:related id:job\\/alpha .
# inverses of our own properties
id:activity\\/A003 rm:mainActivityOf id:job\\/alpha .
id:activity\\/A001 rm:secondaryActivityOf id:job\\/alpha , id:job\\/beta .
id:knowhow\\/SF001 rm:knowHowRequiredBy id:job\\/alpha .
# types from our sub-classes
id:family\\/production a skos:Concept .
id:family\\/conseil a skos:Concept .
id:subfamily\\/exploitation a skos:Concept .
id:job\\/alpha a skos:Concept .
id:job\\/beta a skos:Concept .
id:activity\\/A001 a skos:Concept .
id:activity\\/A002 a skos:Concept .
id:activity\\/A003 a skos:Concept .
id:knowhow\\/SF001 a skos:Concept .
"""


def _fixture_graphs(fixture_root):
    return assemble(load_settings(root=fixture_root))


def test_inferred_graph_holds_exactly_the_expected_entailments(fixture_root):
    inferred = _fixture_graphs(fixture_root)["inferred"]
    expected = Graph().parse(data=EXPECTED, format="turtle")
    _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(inferred))
    assert not list(missing), "missing entailments:\n" + missing.serialize(format="nt")
    assert not list(extra), "unexpected entailments:\n" + extra.serialize(format="nt")


def test_inferred_graph_holds_no_asserted_triple(fixture_root):
    graphs = _fixture_graphs(fixture_root)
    asserted = graphs["referentiel"] + graphs["mappings"] + graphs["reference"]
    assert not [t for t in graphs["inferred"] if t in asserted]


def test_targeted_rules_derive_what_owlrl_derives_for_every_materialised_property(fixture_root):
    graphs = _fixture_graphs(fixture_root)
    data = graphs["referentiel"]
    rules = rules_from_schema(close_schema(graphs["ontology"]))

    full = Graph()
    full += graphs["ontology"]
    full += skos_axioms()
    full += data
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(full)
    subjects = set(data.subjects()) | {o for o in data.objects() if isinstance(o, URIRef)}

    def relevant(triple) -> bool:
        s, p, o = triple
        if s not in subjects or triple in data:
            return False
        if p == RDF.type:
            return o in rules.classes
        return p in rules.properties

    by_owlrl = {t for t in full if relevant(t)}
    by_rules = {t for t in graphs["inferred"] if relevant(t)}
    assert by_rules == by_owlrl
    assert len(by_rules) > 30  # the comparison is not vacuous


# --- regressions named after what the audits found (issue 12) -----------------------------------------

MATCHES = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rm: <https://w3id.org/refmetiers/def#> .
<https://w3id.org/refmetiers/id/job/a> a rm:JobType ; skos:exactMatch <http://example.org/esco/x> ;
    rm:nearbyJob <https://w3id.org/refmetiers/id/job/b> ;
    rm:requiredKnowHow <https://w3id.org/refmetiers/id/knowhow/SF001> .
<https://w3id.org/refmetiers/id/job/b> a rm:JobType ; skos:closeMatch <http://example.org/esco/y> .
<http://example.org/esco/x> skos:exactMatch <http://example.org/rome/r> .
<https://w3id.org/refmetiers/id/knowhow/SF001> a rm:KnowHow ; skos:closeMatch <http://example.org/esco/s> .
"""


def _infer_over(fixture_root, data: str) -> Graph:
    ontology = _fixture_graphs(fixture_root)["ontology"]
    return infer(ontology, Graph().parse(data=data, format="turtle"))


def test_no_entailment_makes_a_concept_its_own_match(fixture_root):
    inferred = _infer_over(fixture_root, MATCHES)
    assert not [(s, p) for s, p, o in inferred if s == o]
    # the chain itself is still followed, both ways
    job_a, rome = URIRef(BASE + "id/job/a"), URIRef("http://example.org/rome/r")
    assert (job_a, SKOS.exactMatch, rome) in inferred
    assert (rome, SKOS.exactMatch, job_a) in inferred


def test_nearby_job_keeps_the_direction_of_its_sheet(fixture_root):
    inferred = _infer_over(fixture_root, MATCHES)
    job_a, job_b = URIRef(BASE + "id/job/a"), URIRef(BASE + "id/job/b")
    assert (job_b, RM.nearbyJob, job_a) not in inferred
    assert (job_b, SKOS.related, job_a) in inferred  # navigation both ways goes through skos:related


def test_no_entailment_puts_our_resources_into_another_vocabularys_class_or_property(fixture_root):
    inferred = _infer_over(fixture_root, MATCHES)
    ours = [s for s in set(inferred.subjects()) if str(s).startswith(BASE)]
    foreign_types = {(s, o) for s in ours for o in inferred.objects(s, RDF.type)
                     if not str(o).startswith((str(RM), str(SKOS)))}
    assert not foreign_types
    foreign_properties = {p for s, p, _ in inferred if str(s).startswith(BASE)
                          and not str(p).startswith((str(RM), str(SKOS), str(RDF)))}
    assert not foreign_properties


def test_every_alignment_axiom_of_the_ontology_stays_within_our_terms_and_skos():
    ontology = Graph().parse(REPO / "ontology" / "refmetiers.ttl")
    for predicate in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty):
        for sub, sup in ontology.subject_objects(predicate):
            assert str(sup).startswith((str(RM), str(SKOS))), f"{sub} {predicate} {sup}"


def test_every_rm_term_the_ontology_uses_is_declared():
    ontology = Graph().parse(REPO / "ontology" / "refmetiers.ttl")
    declared = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith(str(RM))}
    used = {o for _, _, o in ontology if isinstance(o, URIRef) and str(o).startswith(str(RM))}
    assert used <= declared, sorted(used - declared)


def test_the_rules_read_from_the_cache_are_the_rules_computed(tmp_path):
    from refmetiers.inference import _rules_of, rules_for
    from refmetiers.sources import parse_turtle

    ontology = parse_turtle(Path(__file__).resolve().parents[1] / "ontology" / "refmetiers.ttl")
    computed = rules_for(ontology, tmp_path)
    (cached,) = tmp_path.glob("rules-*.json")
    _rules_of.cache_clear()  # the next call reads the file
    assert rules_for(ontology, tmp_path) == computed
    assert computed.sub_properties and computed.inverses and computed.transitive
    cached.write_text("{damaged", encoding="utf-8")
    _rules_of.cache_clear()
    assert rules_for(ontology, tmp_path) == computed  # a damaged cache is computed again
