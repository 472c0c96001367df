"""The entailments we publish: exactly the expected ones on a fixture, and the same as owlrl's."""

from __future__ import annotations

import owlrl
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import RDF

from refmetiers.build import assemble
from refmetiers.config import load_settings
from refmetiers.inference import close_schema, rules_from_schema, skos_axioms

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
# symmetric skos:related and nearby jobs (a sub-property of skos:related)
id:activity\\/A001 skos:related id:activity\\/A003 .
id:job\\/beta rm:nearbyJob id:job\\/alpha .
id:job\\/alpha skos:related id:job\\/beta .
id:job\\/beta skos:related id:job\\/alpha .
# inverses of our own properties
id:activity\\/A003 rm:mainActivityOf id:job\\/alpha .
id:activity\\/A001 rm:secondaryActivityOf id:job\\/alpha , id:job\\/beta .
id:knowhow\\/SF001 rm:knowHowRequiredBy id:job\\/alpha .
# alignment: required know-how is an ESCO essential skill
id:job\\/alpha esco:relatedEssentialSkill id:knowhow\\/SF001 .
# types from our sub-classes
id:family\\/production a skos:Concept .
id:family\\/conseil a skos:Concept .
id:subfamily\\/exploitation a skos:Concept .
id:job\\/alpha a skos:Concept , schema:Occupation .
id:job\\/beta a skos:Concept , schema:Occupation .
id:activity\\/A001 a skos:Concept .
id:activity\\/A002 a skos:Concept .
id:activity\\/A003 a skos:Concept .
id:knowhow\\/SF001 a skos:Concept , esco:Skill .
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
