"""The repository's own data, built as it is published: what integrators see in the dumps and the union graph.

Each test is named after a defect the audits of issue 12 found in the published data (../shared/reviews/).
The build runs once for the module, into a temporary folder (the repository's dist/ is left alone).
"""

from __future__ import annotations

import csv
import doctest
import html
import io
import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, SKOS, XSD
from starlette.testclient import TestClient

from conftest import REPO
from refmetiers import namespaces
from refmetiers.build import BuildResult, build
from refmetiers.config import load_settings
from refmetiers.dumps import CROSSWALK_COLUMNS, CROSSWALK_FILE, CROSSWALK_TARGETS
from refmetiers.namespaces import BASE, RM
from refmetiers.sssom import read_mapping_set
from refmetiers.validation import validate
from refmetiers.web import create_app
from test_transcription import SCAN, sheet_wordings_from_scan

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
    foreign = {(s, o) for s in concepts for o in union.objects(s, RDF.type)
               if not str(o).startswith((str(RM), str(SKOS)))}
    assert foreign == set()


def test_every_scheme_states_its_top_concepts_in_the_main_dump(published, main_dump):
    schemes = set(main_dump.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) >= 9
    for scheme in schemes:
        tops = set(main_dump.subjects(SKOS.topConceptOf, scheme))
        assert tops and set(main_dump.objects(scheme, SKOS.hasTopConcept)) == tops, scheme


# --- the mapping sets and the crosswalk under /dumps/ -----------------------------------------------------

def dist_of(published) -> Path:
    return published.files[0].parent


def test_each_sssom_set_and_the_crosswalk_are_published_and_listed_in_void(published):
    dist = dist_of(published)
    void = Graph().parse(dist / "void.ttl")
    for name in [p.name for p in sorted((REPO / "data" / "mappings").glob("*.sssom.tsv"))] + [CROSSWALK_FILE]:
        if name.endswith(".sssom.tsv"):  # published as maintained, byte for byte
            assert (dist / name).read_bytes() == (REPO / "data" / "mappings" / name).read_bytes()
        distribution = URIRef(BASE + "dumps/" + name)
        media = "text/tab-separated-values" if name.endswith(".tsv") else "text/csv"
        assert (None, DCAT.distribution, distribution) in void
        assert (distribution, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/" + media)) in void
        assert (distribution, DCTERMS.conformsTo, None) in void


def crosswalk(published) -> list[dict[str, str]]:
    text = (dist_of(published) / CROSSWALK_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_crosswalk_has_one_row_per_published_job_link_with_its_code_in_its_column(published):
    rows = crosswalk(published)
    assert list(rows[0]) == list(CROSSWALK_COLUMNS)
    records = [m for path in sorted((REPO / "data" / "mappings").glob("*.sssom.tsv"))
               for m in read_mapping_set(path).mappings if m.subject_id.startswith("rmjob:") and not m.negated]
    assert sorted(row["record_id"].rsplit("/mapping/", 1)[1] for row in rows) == \
        sorted(m.record_id.split(":", 1)[1] for m in records)
    for row in rows:
        filled = [name for name, _ in CROSSWALK_TARGETS if row[name]]
        assert len(filled) == 1 and row["label_fr"] and row["label_en"] and row["predicate"].startswith("skos:"), row
    dba = {(row["predicate"], code) for row in rows if row["job"] == "administrateur-de-base-de-donnees"
           for code in [row["esco_occupation"], row["isco"], row["rome_fiche"], row["pcs2020"]] if code}
    assert {("skos:exactMatch", "2521.1"), ("skos:broadMatch", "2521"), ("skos:closeMatch", "M1894"),
            ("skos:broadMatch", "38G3")} <= dba


def test_dumps_route_serves_the_crosswalk_and_the_sssom_sets(published):
    with TestClient(create_app(load_settings(environ={}, root=REPO, dist_dir=dist_of(published)))) as client:
        listing = client.get("/dumps/", headers={"Accept": "text/html"}).text
        for name in ("refmetiers-crosswalk.csv", "esco-occupations.sssom.tsv", "pcs.sssom.tsv"):
            assert name in listing
        response = client.get("/dumps/refmetiers-crosswalk.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        assert response.text.startswith("job,label_fr,label_en,esco_occupation")


# --- our links against the ESCO-ROME crosswalk (shapes/crosswalk.ttl) ---------------------------------------

def _crosswalk_results(graphs: dict[str, Graph]) -> set[str]:
    union = Graph()
    for name in ("mappings", "reference"):  # what the shape reads: the records and the crosswalk
        union += graphs[name]
    report = validate(union, Graph().parse(REPO / "shapes" / "crosswalk.ttl"))
    return {str(r.focus).rsplit("/mapping/", 1)[1] for r in report.results}


def test_published_links_agree_with_the_crosswalk(published):
    assert _crosswalk_results(published.graphs) == set()


@pytest.mark.parametrize("record,was,caught", [
    ("esco-occupations/0002", SKOS.exactMatch, "rome/0004"),  # Administrateur de réseau d'entreprise
    ("rome/0018", SKOS.closeMatch, "rome/0018"),  # Chef de produit: 12218 is exact to ESCO 'product manager'
])
def test_the_crosswalk_shape_catches_the_contradictions_the_audit_found(published, record, was, caught):
    graphs = dict(published.graphs)
    mappings = Graph()
    mappings += graphs["mappings"]
    node = URIRef(BASE + "id/mapping/" + record)
    mappings.set((node, OWL.annotatedProperty, was))
    graphs["mappings"] = mappings
    assert _crosswalk_results(graphs) == {caught}


# --- Turtle people read -------------------------------------------------------------------------------------

ESCAPED = re.compile(r"\S*\\\S*")


@pytest.mark.parametrize("name", ["refmetiers.ttl", "refmetiers-full.ttl", "refmetiers-reference.ttl",
                                  "refmetiers.trig"])
def test_turtle_dumps_write_no_escaped_local_name(published, name):
    text = (dist_of(published) / name).read_text(encoding="utf-8")
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    assert ESCAPED.findall(outside_strings) == []
    if name != "refmetiers-reference.ttl":
        assert "rmactivity:A001 " in text and "rmjob:" not in text  # job IRIs carry #parts: written in full


def test_the_prefix_policy_is_pinned_by_its_doctests():
    assert doctest.testmod(namespaces).failed == 0


def test_jsonld_dump_holds_the_same_triples_as_the_ntriples_dump(published, main_dump):
    document = Graph().parse(dist_of(published) / "refmetiers.jsonld", format="json-ld")
    assert len(document) == len(main_dump)
    assert isomorphic(document, main_dump)


# --- README: what each dump holds, with counts that match the build ----------------------------------------

def _readme_count(stem: str) -> int:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{stem}."))
    return int(row.rsplit("|", 2)[1].strip().replace(",", ""))


@pytest.mark.parametrize("stem,graphs", [
    ("refmetiers", ("ontology", "referentiel", "mappings", "metadata")),
    ("refmetiers-reference", ("reference",)),
    ("refmetiers-full", ("ontology", "referentiel", "mappings", "reference", "inferred", "metadata", "changes")),
])
def test_readme_says_what_each_dump_holds_with_its_triple_count(published, stem, graphs):
    lines = (dist_of(published) / f"{stem}.nt").read_text(encoding="utf-8").count("\n")
    assert _readme_count(stem) == lines == len({t for name in graphs for t in published.graphs[name]})


def test_readme_counts_the_crosswalk_links(published):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `refmetiers-crosswalk.csv`"))
    assert row.rstrip(" |").endswith(f"| {len(crosswalk(published))} links")


# --- each job page shows its sheet's own wording of a shared item (issue 12 item 7) -------------------------

@pytest.mark.skipif(not SCAN.exists(), reason="the scanned source lies outside the repository")
def test_each_job_page_shows_its_sheets_own_wording(published):
    """The wordings are read off the scan (../shared/seed), not off the data: a wording node missing, or
    a page showing the shared concept's label only, fails."""
    data = Graph()
    for path in sorted((REPO / "data" / "jobs").glob("*.ttl")) + sorted((REPO / "data" / "schemes").glob("*.ttl")):
        data.parse(path, format="turtle")
    expected = sheet_wordings_from_scan(data)
    assert sum(len(w) for w in expected.values()) >= 20
    with TestClient(create_app(load_settings(environ={}, root=REPO, dist_dir=dist_of(published)))) as client:
        for slug, wordings in sorted(expected.items()):
            for lang in ("fr", "en"):
                page = html.unescape(client.get(f"/id/job/{slug}", params={"lang": lang},
                                                headers={"Accept": "text/html"}).text)
                quote = '<q class="wording">' if lang == "fr" else '<q class="wording" lang="fr">'
                for concept, wording in wordings.items():
                    assert f"{quote}{wording}</q>" in page, (slug, lang, wording)
                    assert f'href="/id/{concept.split("/id/", 1)[1]}"' in page
    # an item whose sheet wording is the concept's preferred label shows that label, with no wording note
    with TestClient(create_app(load_settings(environ={}, root=REPO, dist_dir=dist_of(published)))) as client:
        page = html.unescape(client.get("/id/job/technicien-de-maintenance", params={"lang": "fr"},
                                        headers={"Accept": "text/html"}).text)
    assert "Installer et configurer les postes de travail d'un parc informatique</a>" in page
    assert page.count('<q class="wording">') == len(expected["technicien-de-maintenance"])


# --- /id/… JSON-LD: the dumps' context and shape (issue 12, "one shape everywhere") -------------------------

def test_an_id_answer_and_the_dump_use_the_same_context_and_shape(published):
    dist = dist_of(published)
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))
    dump = json.loads((dist / "refmetiers.jsonld").read_text(encoding="utf-8"))
    iri = BASE + "id/job/technicien-de-maintenance"
    with TestClient(create_app(load_settings(environ={}, root=REPO, dist_dir=dist))) as client:
        answer = client.get("/id/job/technicien-de-maintenance", headers={"Accept": "application/ld+json"})
        ntriples = client.get("/id/job/technicien-de-maintenance", params={"format": "nt"}).text
        ontology_answer = client.get("/def", params={"format": "jsonld"}).json()
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/ld+json")
    document = answer.json()
    assert document["@context"] == dump["@context"] == context["@context"] == ontology_answer["@context"]
    node = next(n for n in document["@graph"] if n["id"] == iri)
    in_dump = next(n for n in dump["@graph"] if n["id"] == iri)
    # the same keys, each with the same kind of value (an array, or a language map of arrays) and the same
    # values for what the dump holds (the answer adds the build's inferences about the job)
    for key, values in in_dump.items():
        if key == "id":
            continue
        assert type(node[key]) is type(values), key
        if isinstance(values, list):
            assert all(v in node[key] for v in values), key
        else:
            assert all(set(texts) <= set(node[key][lang]) for lang, texts in values.items()), key
    assert all(isinstance(v, list | dict) for n in document["@graph"] for k, v in n.items() if k != "id")
    # typed values as the dump writes them: the lexical form under a key whose context entry carries the datatype
    assert node["sourcePage"] == ["43", "44", "45"] and node["openToBeginners"] == ["true"]
    assert context["@context"]["sourcePage"]["@type"] == str(XSD.integer)
    assert node["prefLabel"] == {"en": ["Desktop support technician"], "fr": ["Technicien de maintenance"]}
    # it parses back to the triples of the N-Triples answer
    assert isomorphic(Graph().parse(data=answer.text, format="json-ld"), Graph().parse(data=ntriples, format="nt"))
