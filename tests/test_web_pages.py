"""Home page, search, health, OpenAPI, static files, and the error shape."""

from __future__ import annotations

import html

import pytest

from fixtures.web.support import BASE

pytestmark = pytest.mark.usefixtures("forget_language")


def test_home_lists_families_and_jobs(client):
    response = client.get("/")
    assert response.status_code == 200
    page = html.unescape(response.text)
    for text in ("Référentiel de test", "Production", "Étude et développement", "Exploitation",
                 "Administrateur de base de données", "Développeur"):
        assert text in page
    assert "Database administrator" not in page  # one language per page
    english = html.unescape(client.get("/", params={"lang": "en"}).text)
    assert "Database administrator" in english and "Administrateur de base de données" not in english
    assert 'href="/id/job/technicien-support"' in response.text
    assert 'href="/sparql"' in response.text and 'href="/dumps/"' in response.text


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok", "workers_ready": 2, "worker_restarts": 0}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True and ready.json()["workers_ready"] >= 1
    assert ready.json()["startup_seconds"] > 0  # how long it took is bench/'s business, not a test's bound


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    for path in ("/sparql", "/id/{rest}", "/dumps/{name}", "/search", "/.well-known/void"):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 200


def test_static_stylesheet(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")


def search_iris(client, q):
    response = client.get("/search", params={"q": q}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    return [r["iri"] for r in response.json()["results"]]


def test_search_ignores_case_and_accents(client):
    found = search_iris(client, "données")
    assert BASE + "id/job/administrateur-de-base-de-donnees" in found
    assert BASE + "id/activity/A001" in found
    assert search_iris(client, "DONNEES") == found == search_iris(client, "Donnees")


def test_search_puts_our_concepts_before_external_ones(client):
    found = search_iris(client, "base de données")
    ours = [i.startswith(BASE + "id/") for i in found]  # (ROME codes have IRIs we mint: ours too)
    assert ours == sorted(ours, reverse=True) and not ours[-1]  # ours first, then ESCO's occupation


@pytest.mark.parametrize("q,expected", [
    ("database administrator", BASE + "id/job/administrateur-de-base-de-donnees"),  # English
    ("gerer les sauvegardes", BASE + "id/knowhow/SF003"),  # an alternative label
    ("developpeur", BASE + "id/job/developpeur"),
])
def test_search_json(client, q, expected):
    response = client.get("/search", params={"q": q}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["iri"] == expected
    assert results[0]["href"] == expected[len(BASE) - 1:]


def test_search_ranks_exact_before_partial_and_one_hit_per_concept(client):
    answer = client.get("/search", params={"q": "exploitation"}, headers={"Accept": "application/json"})
    results = answer.json()["results"]
    iris = [r["iri"] for r in results]
    assert iris[0] == BASE + "id/subfamily/exploitation"
    assert len(iris) == len(set(iris))
    assert BASE + "id/job/technicien-d-exploitation" in iris


def test_search_html_and_empty(client):
    page = client.get("/search", params={"q": "sql"}, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/id/knowledge/C001"' in page.text
    assert client.get("/search", params={"q": ""}, headers={"Accept": "application/json"}).json()["results"] == []
    assert client.get("/search", params={"q": "zzzz"}, headers={"Accept": "application/json"}).json()["count"] == 0


@pytest.mark.parametrize(("url", "params", "named"), [
    ("/search", {"q": "a", "limit": "lots"}, "limit='lots'"),
    ("/search", {"q": "x" * 500}, "at most 200 characters"),
    ("/search?q=%FF", None, "not valid UTF-8"),
])
def test_search_bad_parameters_are_400(client, url, params, named):
    response = client.get(url, params=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert named in response.json()["message"]  # the parameter and what to give


def test_errors_have_one_json_shape(client):
    for response in (client.get("/nowhere"), client.get("/id/job/nobody"), client.delete("/dumps/")):
        body = response.json()
        assert set(body) == {"status", "error", "message", "message_fr"}  # what to change, in English and French
        assert body["status"] == response.status_code and body["message"] and body["message_fr"]
    assert client.delete("/dumps/").status_code == 405
