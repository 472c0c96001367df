"""`refmetiers serve --store URL`: the client queries go to a real Oxigraph server, behind every guard.

The store is loaded with `refmetiers publish`; the same queries are sent to `serve` embedded and to `serve
--store`, and must get the same answers; the refusals, caps, time budget and error mapping are ours.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import rdflib

from fixtures.web.servers import OxigraphServer
from fixtures.web.support import BASE, Server

REFMETIERS = str(Path(sys.executable).with_name("refmetiers"))
RM = BASE + "def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
JSON = "application/sparql-results+json"
# Cheap for our guard, a few seconds of work for any engine: half a million pairs, each through a regex.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(STR(?c), STR(?f))) }"


@pytest.fixture(scope="module")
def servers(web_root, tmp_path_factory):
    folder = tmp_path_factory.mktemp("store")
    root = web_root
    oxigraph = OxigraphServer(folder / "oxigraph")
    started: list[Server] = []
    try:
        done = subprocess.run([REFMETIERS, "publish", "--root", str(root), "--dist", str(root / "dist"),
                               "--to", oxigraph.url + "/store"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        embedded = Server(root)
        started.append(embedded)
        remote = Server(root, env={"REFMETIERS_STORE": oxigraph.url + "/query", "REFMETIERS_MAX_RESULT_ROWS": "50"})
        started.append(remote)
        embedded.wait_ready()
        remote.wait_ready()
        yield {"embedded": embedded, "remote": remote, "oxigraph": oxigraph, "root": root}
    finally:
        for server in started:
            server.stop()
        oxigraph.stop()


def ask(server: Server, query: str, accept: str = JSON, method: str = "GET", **params) -> httpx.Response:
    if method == "GET":
        return httpx.get(server.url + "/sparql", params={"query": query, **params}, headers={"Accept": accept},
                         timeout=60)
    return httpx.post(server.url + "/sparql", data={"query": query, **params}, headers={"Accept": accept}, timeout=60)


def bindings(response: httpx.Response) -> list[dict]:
    rows = response.json()["results"]["bindings"]
    return sorted(rows, key=lambda row: sorted((k, v["value"]) for k, v in row.items()))


@pytest.mark.parametrize("query", [
    f"SELECT ?job ?label WHERE {{ ?job a <{RM}JobType> ; <{SKOS}prefLabel> ?label }}",
    # the default graph is the union of our graphs, and the named graphs stay visible
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{SKOS}inScheme> ?scheme }}",
    # a dataset named by the protocol's parameters
    f"SELECT ?s WHERE {{ ?s a <{RM}JobType> }}",
])
def test_same_answers_as_the_embedded_store(servers, query):
    embedded = ask(servers["embedded"], query)
    remote = ask(servers["remote"], query, method="POST")
    assert embedded.status_code == remote.status_code == 200
    assert bindings(remote) == bindings(embedded) and bindings(remote)


def test_protocol_dataset_is_passed_on(servers):
    query = f"SELECT ?s WHERE {{ ?s a <{RM}JobType> }}"
    for graph, expect_jobs in (("referentiel", True), ("ontology", False)):
        params = {"default-graph-uri": f"{BASE}graph/{graph}"}
        embedded, remote = ask(servers["embedded"], query, **params), ask(servers["remote"], query, **params)
        assert bindings(remote) == bindings(embedded)
        assert bool(bindings(remote)) is expect_jobs


def test_ask_construct_and_every_format(servers):
    yes = ask(servers["remote"], f"ASK {{ ?j a <{RM}JobType> }}")
    assert yes.json()["boolean"] is True
    csv_ask = ask(servers["remote"], f"ASK {{ ?j a <{RM}JobType> }}", accept="text/csv")
    assert csv_ask.headers["content-type"] == ask(servers["embedded"], f"ASK {{ ?j a <{RM}JobType> }}",
                                                  accept="text/csv").headers["content-type"]
    construct = f"CONSTRUCT {{ ?j <{SKOS}prefLabel> ?l }} WHERE {{ ?j a <{RM}JobType> ; <{SKOS}prefLabel> ?l }}"
    for accept, parser in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                           ("application/rdf+xml", "xml"), ("application/n-triples", "nt")):
        remote, embedded = ask(servers["remote"], construct, accept), ask(servers["embedded"], construct, accept)
        assert remote.headers["content-type"] == embedded.headers["content-type"]
        ours = rdflib.Graph().parse(data=remote.content, format=parser)
        assert len(ours) > 5 and set(ours) == set(rdflib.Graph().parse(data=embedded.content, format=parser))
    for accept in ("application/sparql-results+xml", "text/tab-separated-values", "text/csv"):
        query = f"SELECT ?j WHERE {{ ?j a <{RM}JobType> }} ORDER BY ?j"
        remote, embedded = ask(servers["remote"], query, accept), ask(servers["embedded"], query, accept)
        assert remote.content == embedded.content and remote.headers["content-type"] == embedded.headers["content-type"]


@pytest.mark.parametrize("query,status,words", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 400, "SERVICE"),
    (f"INSERT DATA {{ <{BASE}x> <{BASE}y> <{BASE}z> }}", 403, "read-only"),
    ("SELECT * WHERE " + "{ " * 100 + "?s ?p ?o" + " }" * 100, 400, "nests"),
    ("SELECT * WHERE { ?s ?p ?o } # " + "x" * 30_000, 413, "limit"),
])
def test_guards_refuse_before_the_store(servers, query, status, words):
    response = ask(servers["remote"], query, method="POST")
    assert response.status_code == status and words in response.text
    # nothing reached the store: it is as it was published
    count = httpx.get(servers["oxigraph"].url + "/query", params={"query": f"ASK {{ GRAPH ?g {{ <{BASE}x> ?p ?o }} }}"},
                      headers={"Accept": JSON}).json()
    assert count["boolean"] is False


def test_row_cap_applies_to_the_store_s_answer(servers):
    response = ask(servers["remote"], "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 422 and "50" in response.text and "LIMIT" in response.text


def test_syntax_error_is_a_400_with_the_store_s_message(servers):
    response = ask(servers["remote"], "SELECT ?x WHERE { ?x ?y }")
    assert response.status_code == 400 and "refused by the store" in response.text


def test_time_budget_is_kept(servers):
    response = ask(servers["remote"], SLOW, timeout="0.3")
    assert response.status_code == 503 and "time budget" in response.text
    assert ask(servers["remote"], f"ASK {{ ?j a <{RM}JobType> }}").json()["boolean"] is True  # and it goes on


def test_store_down_is_a_503_not_a_500(tmp_path, servers):
    root = servers["root"]
    oxigraph = OxigraphServer(tmp_path / "short-lived")
    server = Server(root, env={"REFMETIERS_STORE": oxigraph.url + "/query"})
    try:
        server.wait_ready()
        oxigraph.stop()
        response = ask(server, f"ASK {{ ?j a <{RM}JobType> }}")
        assert response.status_code == 503 and "cannot be reached" in response.text
        assert response.headers.get("retry-after")
    finally:
        server.stop()


def test_store_option_must_be_a_url(servers):
    root = servers["root"]
    done = subprocess.run([REFMETIERS, "serve", "--root", str(root), "--dist", str(root / "dist"), "--store", "nope"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--store" in done.stderr and "Traceback" not in done.stderr


def test_the_answers_come_from_the_store(servers):
    # A statement only the store holds is seen through `serve --store`, never through the embedded one.
    marker = f"<{BASE}id/marker> <{SKOS}prefLabel> \"only in the store\"@en"
    store = servers["oxigraph"].url
    query = f"ASK {{ <{BASE}id/marker> ?p ?o }}"
    assert httpx.post(store + "/update", content=f"INSERT DATA {{ GRAPH <{BASE}graph/metadata> {{ {marker} }} }}",
                      headers={"Content-Type": "application/sparql-update"}).status_code in (200, 204)
    try:
        assert ask(servers["remote"], query).json()["boolean"] is True
        assert ask(servers["embedded"], query).json()["boolean"] is False
    finally:
        httpx.post(store + "/update", content=f"DELETE DATA {{ GRAPH <{BASE}graph/metadata> {{ {marker} }} }}",
                   headers={"Content-Type": "application/sparql-update"})
