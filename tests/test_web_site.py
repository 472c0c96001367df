"""The site as people read it: one language per page, error pages, compare, search, /def, /docs, the query page."""

from __future__ import annotations

import html
import re

import pytest
import rdflib

from fixtures.web.support import BASE, REPO

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DBA = BASE + "id/job/administrateur-de-base-de-donnees"
SYS = BASE + "id/job/administrateur-systeme"


pytestmark = pytest.mark.usefixtures("forget_language")


def page_text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


# --- one language per page --------------------------------------------------------------------------------

@pytest.mark.parametrize("headers,params,lang", [
    ({}, {}, "fr"),
    ({"Accept-Language": "en-GB,en;q=0.9"}, {}, "en"),
    ({"Accept-Language": "de, en;q=0.5, fr;q=0.4"}, {}, "en"),
    ({"Accept-Language": "de"}, {}, "fr"),
    ({"Accept-Language": "en"}, {"lang": "fr"}, "fr"),
    ({}, {"lang": "en"}, "en"),
])
def test_the_page_language(client, headers, params, lang):
    response = client.get("/", params=params, headers={"Accept": BROWSER, **headers})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert response.headers["content-language"] == lang
    assert "Accept-Language" in response.headers["vary"]
    other = "en" if lang == "fr" else "fr"
    assert re.search(rf'<a class="switch" href="/\?lang={other}" lang="{other}"', response.text)


def test_the_switch_is_remembered_for_the_next_pages(client):
    first = client.get("/search", params={"q": "sql", "lang": "en"}, headers={"Accept": BROWSER})
    assert "lang=en" in first.headers["set-cookie"]
    # the switch keeps the page's other parameters
    assert 'href="/search?q=sql&amp;lang=fr"' in first.text
    later = client.get("/id/knowhow/SF002", headers={"Accept": BROWSER})
    assert '<html lang="en">' in later.text and "Tune queries" in later.text


def test_every_english_span_says_so_on_a_french_page(client):
    # The ESCO occupation's label exists only in English in the fixture: on the French page it is marked.
    page = client.get("/id/job/administrateur-de-base-de-donnees", headers={"Accept": BROWSER}).text
    for element in re.findall(r"<(?:a|span|p|li)[^>]*>[^<]*(?:administrator|Database)[^<]*<", page):
        assert 'lang="en"' in element, element


def test_a_bad_language_is_a_400_page(client):
    response = client.get("/", params={"lang": "de"}, headers={"Accept": BROWSER})
    assert response.status_code == 400
    assert "lang='de': choisissez fr ou en" in html.unescape(response.text)  # the page's language: French
    assert "choose fr or en" not in html.unescape(response.text)  # one language at a time
    assert '<nav aria-label' in response.text  # in the site layout


# --- error pages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,status,fr,en", [
    ("/nowhere", 404, "Page introuvable", "Page not found"),
    ("/id/job/nobody", 404, "Page introuvable", "Page not found"),
    ("/search?q=a&limit=lots", 400, "Requête incorrecte", "Bad request"),
])
def test_a_browser_gets_error_pages_in_the_site_layout(client, path, status, fr, en):
    french = client.get(path, headers={"Accept": BROWSER})
    assert french.status_code == status and french.headers["content-type"].startswith("text/html")
    assert fr in french.text and 'href="/static/style.css"' in french.text and '<html lang="fr">' in french.text
    english = client.get(path, headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert en in english.text and fr not in english.text
    # programs keep the JSON shape
    machine = client.get(path, headers={"Accept": "application/json"})
    assert machine.status_code == status and machine.json()["status"] == status


def test_406_page_for_a_browser_asking_only_for_what_we_do_not_serve(client):
    response = client.get("/id/job/administrateur-de-base-de-donnees", headers={"Accept": "text/html;q=0, image/png"})
    assert response.status_code == 406
    assert response.headers["content-type"].startswith("application/json")
    page = client.get("/dumps/", params={"format": "pdf"}, headers={"Accept": BROWSER})
    assert page.status_code == 400 and "Requête incorrecte" in page.text
    assert "le format 'pdf' n'est pas servi ici" in html.unescape(page.text)
    english = client.get("/dumps/", params={"format": "pdf"}, headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert "Bad request" in english.text and "format 'pdf' is not served here" in html.unescape(english.text)


# --- compare ----------------------------------------------------------------------------------------------

def test_compare_as_json(client):
    response = client.get("/compare", params={"from": DBA, "to": SYS}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    assert body["from"]["iri"] == DBA and body["to"]["iri"] == SYS
    ours = body["ours"]
    # DBA: SF001 SF002 SF003 C001 C002; administrateur système: SF001 SF003 SF004 C001 C003 (fixture)
    assert sorted(s["iri"].rsplit("/", 1)[1] for s in ours["common"]) == ["C001", "SF001", "SF003"]
    assert sorted(s["iri"].rsplit("/", 1)[1] for s in ours["to_acquire"]) == ["C003", "SF004"]
    assert sorted(s["iri"].rsplit("/", 1)[1] for s in ours["left_behind"]) == ["C002", "SF002"]
    assert ours["counts"] == {"common": 3, "to_acquire": 2, "left_behind": 2}
    assert ours["overlap"] == 0.6
    assert {s["kind"] for s in ours["common"]} == {"knowhow", "knowledge"}
    assert body["esco"]["counts"]["common"] == 0
    # slugs work as well as IRIs
    by_slug = client.get("/compare", params={"from": "administrateur-de-base-de-donnees",
                                             "to": "administrateur-systeme", "format": "json"})
    assert by_slug.json() == body


def test_compare_page(client):
    response = client.get("/compare", params={"from": DBA, "to": SYS}, headers={"Accept": BROWSER})
    text = page_text(response)
    assert "3 en commun · 2 à acquérir · 2 propres à l'emploi de départ" in " ".join(text.split())
    assert 'href="/id/knowhow/SF004"' in response.text
    # the form lists every job and keeps the choice
    assert re.search(r'<option value="' + re.escape(SYS) + r'" selected', response.text)
    # every job page links to it
    job = client.get("/id/job/administrateur-de-base-de-donnees", headers={"Accept": BROWSER}).text
    assert 'href="/compare?from=https%3A//w3id.org/refmetiers/id/job/administrateur-de-base-de-donnees"' in job
    assert client.get("/compare", headers={"Accept": BROWSER}).status_code == 200


@pytest.mark.parametrize("params,message", [
    ({"from": "nobody", "to": "administrateur-systeme"}, "from='nobody': no job type"),
    ({"from": "administrateur-systeme", "to": BASE + "id/knowhow/SF001"}, "to="),
    ({"from": "administrateur-systeme"}, "give to"),
])
def test_compare_bad_parameters(client, params, message):
    response = client.get("/compare", params=params, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["message"]


# --- search -----------------------------------------------------------------------------------------------

def hits(client, q, **params):
    response = client.get("/search", params={"q": q, **params}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.json()


def test_search_whole_words_before_text_inside_words(client):
    # "reseau" is a whole word of "Réseaux"? no: a prefix of it; "exploitation" is a whole word of several labels
    body = hits(client, "exploitation")
    matches = [r["match"] for r in body["results"]]
    assert matches == sorted(matches, key=["exact", "word", "prefix", "substring"].index)
    assert body["results"][0]["match"] == "exact"
    inside = hits(client, "ploitation")["results"]
    assert inside and all(r["match"] == "substring" for r in inside)
    # two letters never match inside a word
    assert hits(client, "ql")["total"] == 0


def test_search_says_what_each_hit_is(client):
    body = hits(client, "administrateur")
    kinds = {r["iri"]: r["type"] for r in body["results"]}
    assert kinds[DBA]["fr"] == "Emploi-type" and kinds[DBA]["en"] == "Job type"
    page = client.get("/search", params={"q": "sql"}, headers={"Accept": BROWSER}).text
    assert '<span class="badge kind">Connaissance</span>' in page


def test_search_pages_with_a_total(client):
    everything = hits(client, "e", limit=500)
    assert everything["total"] == len(everything["results"]) > 4
    first, second = hits(client, "e", limit=2), hits(client, "e", limit=2, page=2)
    assert first["total"] == second["total"] == everything["total"]
    assert [r["iri"] for r in first["results"] + second["results"]] == [r["iri"] for r in everything["results"][:4]]
    assert first["next"] == "/search?q=e&limit=2&page=2" and first["previous"] is None
    page = client.get("/search", params={"q": "e", "limit": 2}, headers={"Accept": BROWSER}).text
    assert f"1–2 sur {everything['total']}" in html.unescape(page) and 'rel="next"' in page
    assert client.get("/search", params={"q": "e", "page": "0"}).status_code == 400


def test_openapi_documents_the_parameters(client):
    spec = client.get("/openapi.json").json()
    names = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "limit", "page", "lang", "format"} <= names
    assert {p["name"] for p in spec["paths"]["/compare"]["get"]["parameters"]} >= {"from", "to"}


# --- /docs offline, /def documented -----------------------------------------------------------------------

def test_docs_page_loads_its_assets_from_this_server(client):
    page = client.get("/docs").text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in page.lower()


def test_def_documents_every_term_with_an_anchor(client):
    page = client.get("/def", headers={"Accept": BROWSER}).text
    ontology = rdflib.Graph().parse(REPO / "ontology" / "refmetiers.ttl")
    terms = {str(s)[len(BASE + "def#"):] for s in ontology.subjects() if str(s).startswith(BASE + "def#")}
    assert len(terms) > 30
    for term in terms:
        assert f'id="{term}"' in page, term
    assert "Emploi-type" in page and "Job type" in page  # both labels of each term
    assert 'id="mappings"' in page and "sssom:mapping_justification" in page and 'id="graphs"' in page
    # every /def#… link of a job page lands on a described term
    job = client.get("/id/job/administrateur-de-base-de-donnees", headers={"Accept": BROWSER}).text
    for anchor in set(re.findall(r'href="/def#([^"]+)"', job)):
        assert f'id="{anchor}"' in page, anchor


# --- the query page ---------------------------------------------------------------------------------------

def test_a_failed_query_in_a_browser_comes_back_on_the_query_page(client):
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  ?s ?p ?o ?o\n}"
    # a machine client keeps a short text/plain body, which names the position
    plain = client.get("/sparql", params={"query": query})
    assert plain.status_code == 400 and plain.headers["content-type"].startswith("text/plain")
    assert "<" not in plain.text and len(plain.text) < 1000
    line, column = map(int, re.search(r"at line (\d+), column (\d+)", plain.text).groups())
    response = client.get("/sparql", params={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert "<textarea" in page and "  ?s ?p ?o ?o\n}</textarea>" in page  # the query is kept in the editor
    assert f"Ligne {line}, colonne {column}." in page and f"Line {line}, column {column}." in page
    marked = re.search(r'<li class="marked" id="error-line"><code>(.*?)</code></li>', page, re.S)
    assert marked and marked.group(1).startswith(query.split("\n")[line - 1][:column - 1] + "<mark>")
    assert "Requête incorrecte" in page and "Bad request" in page
    english, french = plain.text.strip().split("\n")
    assert english in page and french in page  # the same words as the machine client reads, in both languages


def test_query_page_runs_without_javascript_and_vendors_yasgui(client):
    page = client.get("/sparql", params={"query": "SELECT ?job WHERE { ?job a <" + BASE + "def#JobType> }",
                                         "format": "html"}, headers={"Accept": BROWSER}).text
    assert '<table class="results">' in page and 'href="/id/job/developpeur"' in page
    assert '<form method="get" action="/sparql"' in page
    for asset in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css",
                  "/static/query-page.js"):
        assert asset in page and client.get(asset).status_code == 200
    script = client.get("/static/query-page.js").text
    assert 'autocompleters = ["prefixes", "variables"]' in script  # no LOV look-ups (another host)


@pytest.mark.parametrize("module", ["refmetiers.web.html", "refmetiers.web.links", "refmetiers.labelsearch"])
def test_doctests_of_the_page_helpers(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
