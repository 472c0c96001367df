"""The repository's own data, built as it is published: what integrators see in the dumps and the union graph.

Each test is named after a defect the audits of issue 12 found in the published data (../shared/reviews/).
The build runs once for the module, into a temporary folder (the repository's dist/ is left alone).
"""

from __future__ import annotations

import pytest
from conftest import REPO
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from refmetiers.build import BuildResult, build
from refmetiers.config import load_settings
from refmetiers.namespaces import BASE, RM

MAPPING_PROPERTIES = {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> BuildResult:
    dist = tmp_path_factory.mktemp("published") / "dist"
    return build(load_settings(environ={}, root=REPO, dist_dir=dist))


@pytest.fixture(scope="module")
def main_dump(published) -> Graph:
    return Graph().parse(published.files[0].parent / "refmetiers.nt", format="nt")


def ours(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(BASE)


def test_inferred_graph_makes_no_concept_its_own_match(published):
    inferred = published.graphs["inferred"]
    assert [(s, p) for p in MAPPING_PROPERTIES for s, o in inferred.subject_objects(p) if s == o] == []


def test_nearby_jobs_say_what_their_sheet_says_in_its_direction_only(published):
    assert list(published.graphs["inferred"].triples((None, RM.nearbyJob, None))) == []
    site = URIRef(BASE + "id/job/administrateur-de-site")
    union = published.graphs["referentiel"] + published.graphs["inferred"]
    assert set(union.objects(site, RM.nearbyJob)) == {URIRef(BASE + "id/job/administrateur-de-reseaux-d-entreprise")}


def test_our_concepts_are_in_no_class_of_another_vocabulary(published):
    union = Graph()
    for graph in published.graphs.values():
        union += graph
    concepts = {s for s in union.subjects(RDF.type, SKOS.Concept) if ours(s)}
    assert len(concepts) > 400
    foreign = {(s, o) for s in concepts for o in union.objects(s, RDF.type) if not str(o).startswith((str(RM), str(SKOS)))}
    assert foreign == set()


def test_every_scheme_states_its_top_concepts_in_the_main_dump(published, main_dump):
    schemes = set(main_dump.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) >= 9
    for scheme in schemes:
        tops = set(main_dump.subjects(SKOS.topConceptOf, scheme))
        assert tops and set(main_dump.objects(scheme, SKOS.hasTopConcept)) == tops, scheme
