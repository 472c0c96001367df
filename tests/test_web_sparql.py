"""/sparql in-process: the SPARQL 1.1 Protocol, every format parsed back, refusals and limits."""

from __future__ import annotations

import csv
import io
import json
import time

import pyoxigraph as ox
import pytest
import rdflib

from fixtures.web.support import BASE, app_client
from refmetiers import query as qs

SKOS = "http://www.w3.org/2004/02/skos/core#"
RM = BASE + "def#"
JOBS = f"SELECT ?job WHERE {{ ?job a <{RM}JobType> }} ORDER BY ?job"
LABEL_DBA = (f"SELECT ?l WHERE {{ <{BASE}id/job/administrateur-de-base-de-donnees> <{SKOS}prefLabel> ?l }} "
             "ORDER BY ?l")
CONSTRUCT_DBA = (f"CONSTRUCT {{ ?job <{SKOS}prefLabel> ?l }} "
                 f"WHERE {{ BIND(<{BASE}id/job/administrateur-de-base-de-donnees> AS ?job) "
                 f"?job <{SKOS}prefLabel> ?l }}")
ALL_JOBS = sorted(BASE + "id/job/" + slug for slug in (
    "administrateur-de-base-de-donnees", "administrateur-systeme", "developpeur", "technicien-d-exploitation",
    "technicien-support"))
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def root(web_root, tmp_path_factory):
    return web_root


def still_answers(client) -> bool:
    response = client.get("/sparql", params={"query": f"ASK {{ ?j a <{RM}JobType> }}"})
    return response.status_code == 200 and json.loads(response.content)["boolean"] is True


def rows_json(response) -> list[dict]:
    return json.loads(response.content)["results"]["bindings"]


def job_iris(response) -> list[str]:
    return [row["job"]["value"] for row in rows_json(response)]


# --- the three ways of sending a query ---------------------------------------------------------------

def test_get_returns_every_job(client):
    response = client.get("/sparql", params={"query": JOBS}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert job_iris(response) == ALL_JOBS


def test_post_form_returns_every_job(client):
    response = client.post("/sparql", data={"query": JOBS}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert job_iris(response) == ALL_JOBS


@pytest.mark.parametrize("content_type", ["application/sparql-query", "application/sparql-query; charset=utf-8",
                                          "application/sparql-query;charset=UTF-8"])
def test_post_direct_with_or_without_charset(client, content_type):
    response = client.post("/sparql", content=JOBS.encode(), headers={"Content-Type": content_type})
    assert response.status_code == 200
    assert job_iris(response) == ALL_JOBS


def test_unknown_parameters_are_ignored(client):
    # SPARQLWrapper adds format, output and results to every request.
    response = client.get("/sparql", params={"query": JOBS, "format": "json", "output": "json", "results": "json",
                                             "whatever": "x"})
    assert response.status_code == 200
    assert job_iris(response) == ALL_JOBS


def test_utf8_query_text_round_trips(client):
    query = f'ASK {{ ?c <{SKOS}prefLabel> "Administrateur de base de données"@fr }}'
    for response in (client.get("/sparql", params={"query": query}),
                     client.post("/sparql", data={"query": query}),
                     client.post("/sparql", content=query.encode("utf-8"),
                                 headers={"Content-Type": "application/sparql-query"})):
        assert response.status_code == 200
        assert json.loads(response.content)["boolean"] is True


# --- result formats, each parsed back with a real parser ---------------------------------------------

def test_select_as_xml(client):
    response = client.get("/sparql", params={"query": LABEL_DBA}, headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"].startswith("application/sparql-results+xml")
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.XML)
    assert sorted((row["l"].value, row["l"].language) for row in parsed) == [
        ("Administrateur de base de données", "fr"), ("Database administrator", "en")]


def test_select_as_csv(client):
    response = client.get("/sparql", params={"query": LABEL_DBA}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == ["l"]
    assert sorted(r[0] for r in rows[1:]) == ["Administrateur de base de données", "Database administrator"]


def test_select_as_tsv(client):
    response = client.get("/sparql", params={"query": LABEL_DBA}, headers={"Accept": "text/tab-separated-values"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")
    parsed = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.TSV)
    assert sorted(row["l"].value for row in parsed) == ["Administrateur de base de données", "Database administrator"]


@pytest.mark.parametrize("accept,fmt", [("application/sparql-results+json", ox.QueryResultsFormat.JSON),
                                        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
                                        ("text/tab-separated-values", ox.QueryResultsFormat.TSV)])
def test_ask_true_and_false(client, accept, fmt):
    yes = client.get("/sparql", params={"query": f"ASK {{ ?j a <{RM}JobType> }}"}, headers={"Accept": accept})
    no = client.get("/sparql", params={"query": f"ASK {{ ?j a <{RM}NoSuchClass> }}"}, headers={"Accept": accept})
    assert bool(ox.parse_query_results(yes.content, format=fmt)) is True
    assert bool(ox.parse_query_results(no.content, format=fmt)) is False


def test_ask_as_csv_is_answered_as_sparql_json(client):
    # CSV has no boolean form; a bare "true" in text/csv is an empty table to rdflib (it read false).
    for query, expected in ((f"ASK {{ ?j a <{RM}JobType> }}", True), (f"ASK {{ ?j a <{RM}Nothing> }}", False)):
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert response.headers["content-type"] == "application/sparql-results+json"
        assert json.loads(response.content) == {"head": {}, "boolean": expected}


@pytest.mark.parametrize("accept,rdflib_format", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                                  ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_construct_in_every_rdf_format(client, accept, rdflib_format):
    response = client.get("/sparql", params={"query": CONSTRUCT_DBA}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    labels = sorted(str(o) for o in graph.objects(rdflib.URIRef(BASE + "id/job/administrateur-de-base-de-donnees"),
                                                  rdflib.URIRef(SKOS + "prefLabel")))
    assert labels == ["Administrateur de base de données", "Database administrator"]


def test_describe_as_turtle(client):
    response = client.get("/sparql", params={"query": f"DESCRIBE <{BASE}id/knowledge/C001>"},
                          headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    assert (rdflib.URIRef(BASE + "id/knowledge/C001"), rdflib.URIRef(SKOS + "prefLabel"),
            rdflib.Literal("Langage SQL", lang="fr")) in graph


# --- Accept negotiation with real clients' headers ---------------------------------------------------

@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json,application/json,text/javascript,application/javascript",
     "application/sparql-results+json"),  # SPARQLWrapper JSON
    ("application/rdf+xml, application/sparql-results+xml", "application/sparql-results+xml"),  # rdflib default
    ("application/sparql-results+json, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.7, "
     "text/csv;q=0.5, application/json;q=0.2, application/xml;q=0.2, */*;q=0.1",
     "application/sparql-results+json"),  # Jena rsparql
    ("text/csv;q=0.4, text/tab-separated-values;q=0.8", "text/tab-separated-values"),
    ("image/png", "application/sparql-results+json"),  # nothing acceptable: the default, not a 406
])
def test_select_negotiation(client, accept, expected):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/sparql", params={"query": LABEL_DBA}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize("accept,expected", [
    ("application/turtle,text/turtle", "text/turtle"),  # SPARQLWrapper TURTLE: the first type is non-standard
    ("application/sparql-results+json", "text/turtle"),  # rdflib SPARQLStore, returnFormat json, on CONSTRUCT
    ("text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,*/*;q=0.3",
     "text/turtle"),  # Jena
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples;q=1, text/turtle;q=0.5", "application/n-triples"),
])
def test_construct_negotiation(client, accept, expected):
    response = client.get("/sparql", params={"query": CONSTRUCT_DBA}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_browser_gets_an_html_table(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", params={"query": LABEL_DBA}, headers={"Accept": accept})
    assert response.headers["content-type"].startswith("text/html")
    assert "Database administrator" in response.text and "<table" in response.text


# --- dataset: default-graph-uri, named-graph-uri, FROM -----------------------------------------------

def test_default_graph_uri_restricts_the_default_graph(client):
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{SKOS}closeMatch> ?o }}"
    union = client.get("/sparql", params={"query": query})
    only_referentiel = client.get("/sparql", params={"query": query, "default-graph-uri": BASE + "graph/referentiel"})
    only_mappings = client.get("/sparql", params={"query": query, "default-graph-uri": BASE + "graph/mappings"})
    count = lambda r: int(rows_json(r)[0]["n"]["value"])  # noqa: E731
    assert count(union) >= 3
    assert count(only_referentiel) == 0
    assert count(only_mappings) == 3


def test_named_graph_uri_limits_graph_clauses(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    response = client.post("/sparql", data={"query": query, "named-graph-uri": [BASE + "graph/mappings",
                                                                                 BASE + "graph/ontology"]})
    assert [r["g"]["value"] for r in rows_json(response)] == [BASE + "graph/mappings", BASE + "graph/ontology"]


def test_from_names_a_graph_and_is_never_fetched(client):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{BASE}graph/mappings> WHERE {{ ?s <{SKOS}closeMatch> ?o }}"
    assert int(rows_json(client.get("/sparql", params={"query": query}))[0]["n"]["value"]) == 3
    outside = "SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"
    assert int(rows_json(client.get("/sparql", params={"query": outside}))[0]["n"]["value"]) == 0


# --- no query: service description or query page ------------------------------------------------------

def test_service_description_for_rdf_clients(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    services = list(graph.subjects(rdflib.RDF.type, sd.Service))
    assert len(services) == 1
    assert (services[0], sd.supportedLanguage, sd.SPARQL11Query) in graph
    formats_ = set(graph.objects(services[0], sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats_
    names = {str(o) for o in graph.objects(None, sd.name)}
    assert BASE + "graph/referentiel" in names


def test_query_page_for_browsers_lists_the_cookbook(client):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert "<textarea" in response.text
    assert "Job types of a family" in response.text or "famille" in response.text


# --- read-only: updates, LOAD, SERVICE ---------------------------------------------------------------

@pytest.mark.parametrize("send", [
    lambda c: c.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
    lambda c: c.post("/sparql", content=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                     headers={"Content-Type": "application/sparql-update"}),
    lambda c: c.get("/sparql", params={"query": "PREFIX ex: <urn:x> INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
    lambda c: c.get("/sparql", params={"query": "LOAD <http://127.0.0.1:9/data.ttl>"}),
    lambda c: c.get("/sparql", params={"query": "drop all"}),
    lambda c: c.get("/sparql", params={"update": "CLEAR ALL"}),
], ids=["update-form", "update-direct", "insert-as-query", "load", "drop", "update-get"])
def test_updates_are_refused(client, send):
    response = send(client)
    assert response.status_code == 403
    assert "read-only" in response.text
    answer = client.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"})
    assert json.loads(answer.content)["boolean"] is False


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?s < ?o) SERVICE\n<http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { # a comment\n SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
])
def test_service_is_refused_in_any_spelling(client, query):
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.text
    assert still_answers(client)


def test_the_word_service_elsewhere_is_fine(client):
    query = 'PREFIX service: <urn:s#> SELECT ?service WHERE { ?service service:x "SERVICE" } # SERVICE'
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert rows_json(response) == []


# --- errors -------------------------------------------------------------------------------------------

def test_syntax_error_is_400_with_position(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "line 1, column 25" in response.text and "Traceback" not in response.text
    assert "ligne 1, colonne 25" in response.text  # French on the second line
    assert still_answers(client)


def test_empty_and_repeated_query_are_400(client):
    empty = client.get("/sparql", params={"query": ""})
    assert empty.status_code == 400 and "query parameter is empty" in empty.text
    repeated = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert repeated.status_code == 400 and "'query' is given 2 times" in repeated.text


def test_invalid_utf8_in_get_is_400(client):
    response = client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D")
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_invalid_utf8_in_form_body_is_400(client):
    response = client.post("/sparql", content=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%22%C3%28%22%20%7D",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_invalid_utf8_in_direct_body_is_400(client):
    response = client.post("/sparql", content=b'ASK { ?s ?p "\xff\xfe" }',
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert "utf-8" in response.text.lower()


def test_unknown_body_type_is_415(client):
    response = client.post("/sparql", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 415


def test_too_long_query_is_413(client):
    query = "ASK { ?s ?p ?o } #" + "x" * 25_000
    assert client.get("/sparql", params={"query": query}).status_code == 413
    assert client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"}
                       ).status_code == 413
    assert still_answers(client)


def test_too_large_body_is_413_before_reading_it(client):
    body = b"query=" + b"a" * 200_000
    response = client.post("/sparql", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert still_answers(client)


def test_bad_timeout_is_400(client):
    assert client.get("/sparql", params={"query": "ASK {}", "timeout": "soon"}).status_code == 400
    assert client.get("/sparql", params={"query": "ASK {}", "timeout": "-1"}).status_code == 400


# --- HTTP caching and CORS -----------------------------------------------------------------------------

def test_get_results_have_an_etag_and_304(client):
    first = client.get("/sparql", params={"query": JOBS})
    tag = first.headers["etag"]
    again = client.get("/sparql", params={"query": JOBS}, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    other_format = client.get("/sparql", params={"query": JOBS}, headers={"Accept": "text/csv", "If-None-Match": tag})
    assert other_format.status_code == 200
    assert other_format.headers["etag"] != tag


def test_cors_preflight_and_header(client):
    preflight = client.options("/sparql", headers={"Origin": "https://example.org",
                                                    "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"


# --- limits: caps, time budget, crash guard, containment, overload ------------------------------------

@pytest.fixture(scope="module")
def limited(root):
    limits = qs.Limits(timeout_s=3.0, max_rows=3, max_triples=5, workers=2, max_waiting=2)
    with app_client(root, limits=limits) as test_client:
        yield test_client


def test_row_cap_is_signalled_not_cut(limited):
    response = limited.get("/sparql", params={"query": JOBS})
    assert response.status_code == 422
    assert "5 rows" in response.text and "limit is 3" in response.text
    within = limited.get("/sparql", params={"query": JOBS + " LIMIT 3"})
    assert len(job_iris(within)) == 3
    assert still_answers(limited)


@pytest.mark.parametrize("accept", ["text/csv", "application/sparql-results+xml", "text/tab-separated-values"])
def test_row_cap_in_every_results_format(limited, accept):
    assert limited.get("/sparql", params={"query": JOBS}, headers={"Accept": accept}).status_code == 422


def test_triple_cap(limited):
    response = limited.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert response.status_code == 422
    assert "triples" in response.text
    assert still_answers(limited)


def test_time_budget_stops_the_query_and_the_server_goes_on(limited):
    response = limited.get("/sparql", params={"query": SLOW, "timeout": "1"})
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert "time budget (1 s)" in response.text  # the client's 1 s, not the server's 3 s
    after = limited.get("/sparql", params={"query": f"ASK {{ ?j a <{RM}JobType> }}"})
    assert after.status_code == 200 and json.loads(after.content)["boolean"] is True


def test_a_client_cannot_raise_the_budget(limited):
    response = limited.get("/sparql", params={"query": SLOW, "timeout": "600"})
    assert response.status_code == 503
    assert "time budget (3 s)" in response.text  # the server's budget, not the 600 s asked for


@pytest.mark.parametrize(("query", "status", "cap"), [
    ("SELECT * WHERE " + "{" * 3000 + "}" * 3000, 400, "nests brackets 3000 deep; the limit is 64"),
    ("SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * 2000) + " ?o }", 400, "chains 2000 operators"),
    ("SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 1200) + " }", 413, "the limit is 20000"),
    ("ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }", 400, "nests brackets 5002 deep"),
], ids=["braces", "path", "union", "parentheses"])
def test_crash_shapes_are_refused_before_parsing(client, query, status, cap):
    response = client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == status
    assert cap in response.text and "la limite est" in response.text  # the cap it hit, in English and French
    assert still_answers(client)


def test_an_engine_crash_is_contained(root):
    # Without the guard, pyoxigraph overflows its stack on 5000 nested parentheses: the worker dies, the server
    # does not.
    limits = qs.Limits(max_depth=100_000, max_operators=100_000, workers=1, timeout_s=20.0)
    with app_client(root, limits=limits) as test_client:
        crash = "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"  # segfaults pyoxigraph 0.5.13
        response = test_client.post("/sparql", content=crash.encode(),
                                    headers={"Content-Type": "application/sparql-query"})
        assert response.status_code == 422
        assert "stopped" in response.text and "Traceback" not in response.text
        after = test_client.get("/sparql", params={"query": f"ASK {{ ?j a <{RM}JobType> }}"})
        assert after.status_code == 200 and json.loads(after.content)["boolean"] is True


def test_overload_is_429_with_retry_after(root):
    import threading

    limits = qs.Limits(workers=1, max_waiting=1, timeout_s=5.0)
    with app_client(root, limits=limits) as test_client:
        service = test_client.app.state.ctx.service
        statuses = []

        def slow():
            statuses.append(test_client.get("/sparql", params={"query": SLOW, "timeout": "3"}).status_code)

        threads = [threading.Thread(target=slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 5
        while service.waiting < 1 and time.monotonic() < deadline:  # one query runs, one waits: the queue is full
            time.sleep(0.02)
        assert service.waiting == 1
        response = test_client.get("/sparql", params={"query": "ASK {}"})
        for thread in threads:
            thread.join()
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        assert statuses.count(503) >= 1
        assert test_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_html_results_never_link_a_script_iri(client):
    query = 'SELECT ?x ?y WHERE { BIND(IRI("javascript:alert(1)") AS ?x) BIND(IRI("https://example.org/a") AS ?y) }'
    response = client.get("/sparql", params={"query": query, "format": "html"})
    assert response.status_code == 200
    assert 'href="javascript:' not in response.text
    assert "javascript:alert(1)" in response.text  # shown as text
    assert 'href="https://example.org/a"' in response.text


def test_a_memory_hog_is_contained(root):
    # Sorting a cross product would take gigabytes; the worker's address-space cap stops it in about a second.
    limits = qs.Limits(max_worker_memory=700 * 1024 ** 2, workers=1, timeout_s=30.0)
    with app_client(root, limits=limits) as test_client:
        hog = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i LIMIT 1"
        response = test_client.get("/sparql", params={"query": hog})
        assert response.status_code == 422
        assert "memory" in response.text  # stopped by the cap, not by the 30 s budget (that would be a 503)
        assert still_answers(test_client)
