"""End to end: `refmetiers serve` on 127.0.0.1 and a free port, queried by third-party clients.

SPARQLWrapper (GET, POST form, POST direct), rdflib's SPARQLStore and SPARQLConnector, curl; every answer
parsed back; refusals and limits each followed by a check that the server still answers.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
import subprocess
import threading

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlconnector import SPARQLConnector
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from SPARQLWrapper.Wrapper import POSTDIRECTLY, URLENCODED

from fixtures.web.support import BASE, Server

SKOS = "http://www.w3.org/2004/02/skos/core#"
RM = BASE + "def#"
JOBS = f"SELECT ?job WHERE {{ ?job a <{RM}JobType> }} ORDER BY ?job"
ALL_JOBS = sorted(BASE + "id/job/" + slug for slug in (
    "administrateur-de-base-de-donnees", "administrateur-systeme", "developpeur", "technicien-d-exploitation",
    "technicien-support"))
LABELS = (f"SELECT ?l WHERE {{ <{BASE}id/job/administrateur-de-base-de-donnees> <{SKOS}prefLabel> ?l }} ORDER BY ?l")
CONSTRUCT = (f"CONSTRUCT {{ ?j <{SKOS}prefLabel> ?l }} WHERE {{ ?j a <{RM}JobType> ; <{SKOS}prefLabel> ?l }}")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def server(web_root, tmp_path_factory):
    root = web_root
    running = Server(root)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture
def endpoint(server):
    return server.url + "/sparql"


def alive(server) -> bool:
    response = httpx.get(server.url + "/sparql", params={"query": f"ASK {{ ?j a <{RM}JobType> }}"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=10)
    return response.status_code == 200 and response.json()["boolean"] is True


def wrapper(endpoint: str, query: str, fmt, method=GET, request_method=URLENCODED) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint, agent="refmetiers-tests/1")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    client.setTimeout(20)
    return client


def test_readyz_reports_its_start(server):
    # How quickly is measured in bench/ (timings in tests make a flaky CI); here, that /readyz tells.
    ready = httpx.get(server.url + "/readyz").json()
    assert ready["ready"] is True and ready["workers_ready"] >= 1 and ready["data_version"]
    assert ready["startup_seconds"] > 0


# --- SPARQLWrapper -------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,request_method", [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)],
                         ids=["GET", "POST-form", "POST-direct"])
def test_sparqlwrapper_select_json(endpoint, method, request_method):
    result = wrapper(endpoint, JOBS, JSON, method, request_method).query().convert()
    assert [row["job"]["value"] for row in result["results"]["bindings"]] == ALL_JOBS


def test_sparqlwrapper_select_xml(endpoint):
    document = wrapper(endpoint, LABELS, XML).query().convert()  # an xml.dom.minidom document
    literals = sorted((node.firstChild.data, node.getAttribute("xml:lang"))
                      for node in document.getElementsByTagName("literal"))
    assert literals == [("Administrateur de base de données", "fr"), ("Database administrator", "en")]


def test_sparqlwrapper_select_csv_and_tsv(endpoint):
    rows = list(csv.reader(io.StringIO(wrapper(endpoint, LABELS, CSV).query().convert().decode("utf-8"))))
    assert sorted(r[0] for r in rows[1:]) == ["Administrateur de base de données", "Database administrator"]
    tsv = wrapper(endpoint, LABELS, TSV).query().convert().decode("utf-8").splitlines()
    assert tsv[0] == "?l"
    assert sorted(tsv[1:]) == ['"Administrateur de base de données"@fr', '"Database administrator"@en']


def test_sparqlwrapper_ask(endpoint):
    assert wrapper(endpoint, f"ASK {{ ?j a <{RM}JobType> }}", JSON).query().convert()["boolean"] is True
    assert wrapper(endpoint, f"ASK {{ ?j a <{RM}Nothing> }}", JSON, POST).query().convert()["boolean"] is False


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, XML], ids=["turtle", "jsonld", "rdfxml"])
def test_sparqlwrapper_construct(endpoint, fmt):
    result = wrapper(endpoint, CONSTRUCT, fmt).query().convert()
    graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(
        data=result, format={TURTLE: "turtle", JSONLD: "json-ld"}[fmt])
    assert len(graph) == 10
    assert (rdflib.URIRef(BASE + "id/job/developpeur"), rdflib.URIRef(SKOS + "prefLabel"),
            rdflib.Literal("Développeur", lang="fr")) in graph


def test_sparqlwrapper_syntax_error(endpoint, server):
    with pytest.raises(QueryBadFormed):
        wrapper(endpoint, "SELECT * WHERE { ?s ?p }", JSON).query()
    assert alive(server)


# --- rdflib ----------------------------------------------------------------------------------------------

def test_rdflib_sparqlstore_get(endpoint):
    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="json", method="GET"))
    rows = list(graph.query(JOBS))
    assert [str(row[0]) for row in rows] == ALL_JOBS
    assert bool(graph.query(f"ASK {{ ?j a <{RM}JobType> }}")) is True
    assert len(graph) > 100  # SELECT (count(*) as ?c) over the union default graph
    # CONSTRUCT with returnFormat json: rdflib asks for a result-table type; we answer Turtle, it parses it.
    constructed = graph.query(CONSTRUCT).graph
    assert len(constructed) == 10


def test_rdflib_default_xml_and_post_form(endpoint):
    graph = rdflib.Graph(store=SPARQLStore(endpoint, method="POST_FORM"))  # returnFormat xml by default
    assert sorted(str(row[0]) for row in graph.query(LABELS)) == ["Administrateur de base de données",
                                                                   "Database administrator"]
    connector = SPARQLConnector(query_endpoint=endpoint, returnFormat="json", method="POST_FORM")
    assert [str(row[0]) for row in connector.query(JOBS)] == ALL_JOBS


def test_rdflib_store_is_read_only_and_errors_are_400(endpoint, server):
    store = SPARQLStore(endpoint, returnFormat="json", method="GET")
    with pytest.raises(ValueError):
        list(rdflib.Graph(store=store).query("SELECT * WHERE {"))
    assert alive(server)


# --- curl ---------------------------------------------------------------------------------------------------

curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def run_curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, timeout=30)


@curl
def test_curl_get_post_form_post_direct(endpoint):
    get = run_curl("-G", endpoint, "--data-urlencode", f"query={JOBS}", "-H", "Accept: application/sparql-results+json")
    form = run_curl(endpoint, "--data-urlencode", f"query={JOBS}")
    direct = run_curl("-X", "POST", endpoint, "-H", "Content-Type: application/sparql-query", "--data-binary", JOBS)
    for result in (get, form, direct):
        assert result.returncode == 0, result.stderr
        assert [row["job"]["value"] for row in json.loads(result.stdout)["results"]["bindings"]] == ALL_JOBS


@curl
def test_curl_construct_and_error(endpoint):
    turtle = run_curl("-G", endpoint, "--data-urlencode", f"query={CONSTRUCT}", "-H", "Accept: text/turtle")
    assert len(rdflib.Graph().parse(data=turtle.stdout, format="turtle")) == 10
    error = run_curl("-o", "/dev/null", "-w", "%{http_code} %{content_type}", "-G", endpoint,
                     "--data-urlencode", "query=ASK {")
    assert error.stdout.decode().startswith("400 text/plain")


@curl
def test_curl_head_on_a_dump(server):
    result = run_curl("-I", server.url + "/dumps/refmetiers.nt")
    headers = result.stdout.decode().lower()
    assert "200" in headers.splitlines()[0]
    assert "content-length:" in headers and "etag:" in headers


# --- limits and refusals against the real server -------------------------------------------------------------

def test_timeout_then_still_serving(server):
    response = httpx.get(server.url + "/sparql", params={"query": SLOW, "timeout": "1"}, timeout=30)
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert "time budget (1 s)" in response.text
    assert alive(server)


def test_crash_shape_then_still_serving(server):
    query = "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"
    response = httpx.post(server.url + "/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400
    assert "nests brackets 5002 deep" in response.text
    assert alive(server)


def test_update_refused_then_still_serving(server):
    response = httpx.post(server.url + "/sparql", content="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                          headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 403
    assert "read-only" in response.text
    assert alive(server)


def test_never_reaches_the_network(server):
    # A listener standing in for "the network": SERVICE, FROM and LOAD name it; nothing may connect to it.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(1.5)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/data"
        statuses = [httpx.get(server.url + "/sparql", params={"query": q}).status_code for q in (
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f'SELECT * WHERE {{ BIND("\\u0022" AS ?a) SERVICE <{target}> {{ ?s ?p ?o }} BIND("\\u0022" AS ?b) }}',
            f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"LOAD <{target}>",
            f"DESCRIBE <{target}>",
        )]
        assert statuses == [400, 400, 200, 200, 403, 200]
        with pytest.raises(socket.timeout):
            listener.accept()
    assert alive(server)


def test_concurrent_clients_get_correct_answers(endpoint):
    answers, errors = [], []

    def client():
        try:
            for _ in range(5):
                result = wrapper(endpoint, JOBS, JSON).query().convert()
                answers.append([row["job"]["value"] for row in result["results"]["bindings"]])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert answers == [ALL_JOBS] * 40
