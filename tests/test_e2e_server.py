"""The real server process under real use (issues 9 and 16): ``refmetiers serve`` started as ``make serve``
starts it (same event loop, HTTP parser and worker count), on a free loopback port.

Answers of about 1 KB, 100 KB and 5 MB in every format, each counted against pyoxigraph in-process on the
same dump; Java's POST (``Upgrade: h2c``); relative IRIs; HEAD; the OpenAPI parameters; the 42 bad inputs;
the SERVICE guard with the network namespace switched off; slow clients; a killed worker.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from fixtures.web.bad_inputs import BAD_INPUTS, SLOW, send
from fixtures.web.service_spellings import ENGINE_SPELLINGS, SPEC_SPELLINGS, Listener
from fixtures.web.support import BASE, Server, worker_pids

RM = BASE + "def#"
ALIVE = f"ASK {{ ?j a <{RM}JobType> }}"
SELECT = "SELECT * WHERE {{ ?s ?p ?o . ?a ?b ?c }} LIMIT {n}"
CONSTRUCT = "CONSTRUCT {{ ?s ?p ?v }} WHERE {{ ?s ?p ?o . ?a ?b ?c BIND(CONCAT(STR(?o), STR(?c)) AS ?v) }} LIMIT {n}"
# About 1 KB, 100 KB and 5 MB of SPARQL JSON / Turtle on the fixture (732 quads: the cross product is large).
SIZES = {"1KB": (3, 10), "100KB": (200, 1000), "5MB": (10_000, 90_000)}
RESULT_ACCEPT = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                 "csv": "text/csv", "tsv": "text/tab-separated-values"}
GRAPH_ACCEPT = {"ttl": ("text/turtle", ox.RdfFormat.TURTLE), "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
                "rdf": ("application/rdf+xml", ox.RdfFormat.RDF_XML)}
REPEAT = 20


@pytest.fixture(scope="module")
def root(web_root, tmp_path_factory) -> Path:
    return web_root


@pytest.fixture(scope="module")
def server(root):
    running = Server(root)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def local_store(root) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(root / "dist" / "refmetiers.nq"), format=ox.RdfFormat.N_QUADS)
    return store


def alive(url: str) -> bool:
    response = httpx.get(url + "/sparql", params={"query": ALIVE},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return response.status_code == 200 and response.json()["boolean"] is True


def rows_in(body: bytes, name: str) -> int:
    if name == "json":
        return len(json.loads(body)["results"]["bindings"])
    if name == "csv":
        return len(list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))) - 1
    fmt = ox.QueryResultsFormat.XML if name == "xml" else ox.QueryResultsFormat.TSV
    return sum(1 for _ in ox.parse_query_results(body, format=fmt))


def expected_rows(store: ox.Store, query: str) -> int:
    return sum(1 for _ in store.query(query, use_default_graph_as_union=True))


def expected_triples(store: ox.Store, query: str) -> set:
    return triples(store.query(query, use_default_graph_as_union=True, base_iri=BASE))


def triples(items) -> set:
    """Triples or quads (a parser yields quads) as comparable (subject, predicate, object) tuples."""
    return {(t.subject, t.predicate, t.object) for t in items}


# --- every answer size, whole, every time ---------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
def test_select_answers_arrive_whole_every_time(server, local_store, size):
    """The transport: 20 identical requests, each with the full answer (a reply in many pipe reads)."""
    query = SELECT.format(n=SIZES[size][0])
    expected = expected_rows(local_store, query)
    assert expected == SIZES[size][0]
    with httpx.Client(timeout=60) as client:
        bodies = [client.get(server.url + "/sparql", params={"query": query},
                             headers={"Accept": RESULT_ACCEPT["json"]}) for _ in range(REPEAT)]
    assert [r.status_code for r in bodies] == [200] * REPEAT
    assert [rows_in(r.content, "json") for r in bodies] == [expected] * REPEAT
    for name in ("xml", "csv", "tsv"):  # every format once: the serialisers, not the pipe
        response = httpx.get(server.url + "/sparql", params={"query": query}, headers={"Accept": RESULT_ACCEPT[name]},
                             timeout=60)
        assert response.status_code == 200, response.text[:300]
        assert rows_in(response.content, name) == expected


@pytest.mark.parametrize("size", SIZES)
def test_construct_answers_arrive_whole_every_time(server, local_store, size):
    query = CONSTRUCT.format(n=SIZES[size][1])
    expected = expected_triples(local_store, query)
    with httpx.Client(timeout=60) as client:
        bodies = [client.get(server.url + "/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
                  for _ in range(REPEAT)]
    assert [r.status_code for r in bodies] == [200] * REPEAT
    assert all(triples(ox.parse(r.content, format=ox.RdfFormat.TURTLE)) == expected for r in bodies)
    if size == "5MB":
        assert len(bodies[0].content) > 3_000_000  # Turtle with prefixes; about 5 MB as N-Triples
    for name, (accept, fmt) in GRAPH_ACCEPT.items():
        response = httpx.get(server.url + "/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60)
        assert response.status_code == 200, (name, response.text[:300])
        assert triples(ox.parse(response.content, format=fmt)) == expected, name


@pytest.mark.parametrize("name", GRAPH_ACCEPT)
def test_describe_everything_answers_in_every_format(server, local_store, name):
    query = "DESCRIBE ?s WHERE { ?s ?p ?o }"
    accept, fmt = GRAPH_ACCEPT[name]
    response = httpx.get(server.url + "/sparql", params={"query": query}, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert triples(ox.parse(response.content, format=fmt)) == expected_triples(local_store, query)


# --- protocol ---------------------------------------------------------------------------------------------

def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("content_type,body", [
    ("application/sparql-query; charset=utf-8", ALIVE.encode()),
    ("application/x-www-form-urlencoded", urlencode({"query": ALIVE}).encode()),
], ids=["direct", "form"])
def test_java_post_with_upgrade_h2c_keeps_its_body(server, content_type, body):
    """The JDK HTTP client (Jena) sends Upgrade: h2c on every request; the body must still be read."""
    request = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
               f"Upgrade: h2c\r\nHTTP2-Settings: AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA\r\n"
               f"Content-Type: {content_type}\r\nAccept: application/sparql-results+json\r\n"
               f"Content-Length: {len(body)}\r\nUser-Agent: Java-http-client/17\r\n\r\n").encode() + body
    answer = _raw(server.url, request)
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b'"boolean":true' in payload


def test_relative_iris_resolve_against_the_base(server):
    response = httpx.get(server.url + "/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
                         headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    assert response.text.strip() == f'<{BASE}s> <{BASE}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'


def test_rdflib_reads_ask_as_csv(server):
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="csv", method="GET"))
    assert bool(graph.query(ALIVE)) is True
    assert bool(graph.query(f"ASK {{ ?j a <{RM}Nothing> }}")) is False


def test_head_on_sparql(server):
    with_query = httpx.head(server.url + "/sparql", params={"query": ALIVE},
                            headers={"Accept": "application/sparql-results+json"})
    assert with_query.status_code == 200 and with_query.content == b""
    assert with_query.headers["content-type"] == "application/sparql-results+json"
    description = httpx.head(server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200 and description.headers["content-type"].startswith("text/turtle")


def test_openapi_documents_the_sparql_parameters(server):
    spec = httpx.get(server.url + "/openapi.json").json()
    for method in ("get", "post"):
        names = {p["name"] for p in spec["paths"]["/sparql"][method]["parameters"]}
        assert names == {"query", "default-graph-uri", "named-graph-uri", "format", "timeout"}, method
    assert "application/sparql-query" in spec["paths"]["/sparql"]["post"]["requestBody"]["content"]


def test_405_names_every_method(server):
    response = httpx.request("PUT", server.url + "/sparql", content=b"ASK {}")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


def test_the_service_description_ignores_the_host_header(server):
    response = httpx.get(server.url + "/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
    assert response.status_code == 200
    assert b"evil.example" not in response.content
    assert f"<{BASE}sparql>".encode() in response.content or b"sparql>" in response.content


def test_security_headers_on_pages(server):
    response = httpx.get(server.url + "/", headers={"Accept": "text/html"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


# --- the 42 bad inputs ------------------------------------------------------------------------------------

def test_the_42_bad_inputs_are_answered_as_documented(server):
    answers = {}
    for item in BAD_INPUTS:
        status, text = send(server.url, item)
        answers[item.name] = status
        assert "Traceback" not in text, item.name
        assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200, f"after {item.name}"
    assert answers == {item.name: item.status for item in BAD_INPUTS}
    assert alive(server.url)
    assert "Traceback" not in server.output()


# --- a server whose workers keep the network, and which times out slow clients quickly -------------------

@pytest.fixture(scope="module")
def exposed(root):
    """Workers with the network (as where the OS refuses a network namespace), a 2 s read deadline,
    a 20-error allowance."""
    running = Server(root, env={"REFMETIERS_WORKER_NETWORK": "1", "REFMETIERS_READ_TIMEOUT": "2",
                                "REFMETIERS_MAX_CLIENT_ERRORS": "20"})
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def test_service_never_reaches_the_network_even_without_a_namespace(exposed):
    """Every SERVICE spelling found is refused by the real server whose workers keep the network (as where
    the OS refuses a network namespace): a loopback listener receives nothing. Queries that only mention the
    word run and answer."""
    assert httpx.get(exposed.url + "/readyz").json()["workers_network_isolated"] is False
    listener = Listener()
    try:
        queries = [q.format(t=listener.iri) for q in ENGINE_SPELLINGS.values()] + SPEC_SPELLINGS
        refused = []
        for i, query in enumerate(queries):  # from 10 peers at most each: the allowance is 20 errors a minute
            transport = httpx.HTTPTransport(local_address=f"127.0.0.{100 + i // 10}")
            with httpx.Client(timeout=60, transport=transport) as peer:
                refused.append(peer.get(exposed.url + "/sparql", params={"query": query}))
        assert [r.status_code for r in refused] == [400] * len(queries)
        assert all("SERVICE" in r.text for r in refused)
        with httpx.Client(timeout=60) as client:
            mentioned = client.get(exposed.url + "/sparql", headers={"Accept": "application/sparql-results+json"},
                                   params={"query": f'SELECT ?j WHERE {{ ?j a <{RM}JobType> FILTER(!CONTAINS("no '
                                           f'service", "SERVICE")) OPTIONAL {{ ?j <{BASE}service> ?x }} }}'})
            assert mentioned.status_code == 200, mentioned.text
            expected = httpx.get(exposed.url + "/sparql", headers={"Accept": "application/sparql-results+json"},
                                 params={"query": f"SELECT ?j WHERE {{ ?j a <{RM}JobType> }}"}).json()
            assert mentioned.json()["results"]["bindings"] == expected["results"]["bindings"] != []
    finally:
        listener.close()
    assert listener.connections == 0


def test_slow_and_huge_headers_do_not_stall_others(exposed):
    host, port = exposed.url.removeprefix("http://").split(":")
    stalled = socket.create_connection((host, int(port)))
    stalled.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finishes its head
    body = socket.create_connection((host, int(port)))
    body.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                 b"Content-Length: 100\r\n\r\nASK")  # never finishes its body
    assert httpx.get(exposed.url + "/healthz").status_code == 200  # others are served meanwhile
    for sock in (stalled, body):
        sock.settimeout(30)
        assert sock.recv(65536) == b""  # the server closed it (the 2 s read deadline)
        sock.close()
    status, _ = send(exposed.url, BAD_INPUTS[-1])  # 1 MB header
    assert status == 400
    assert httpx.get(exposed.url + "/healthz").status_code == 200


def test_a_killed_idle_worker_is_replaced_before_anyone_asks(exposed):
    before = httpx.get(exposed.url + "/readyz").json()
    workers = worker_pids(exposed.process.pid)
    assert len(workers) == before["workers_ready"] == 2
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = httpx.get(exposed.url + "/readyz").json()
        if now["worker_restarts"] > before["worker_restarts"] and now["workers_ready"] == 2:
            break
        time.sleep(0.2)
    assert now["workers_ready"] == 2 and now["worker_restarts"] == before["worker_restarts"] + 1
    assert [alive(exposed.url) for _ in range(4)] == [True] * 4  # nobody was told their query was too expensive


def test_many_syntax_errors_from_one_client_get_429(exposed):
    statuses = [httpx.get(exposed.url + "/sparql", params={"query": "SELECT {"}).status_code for _ in range(21)]
    assert statuses[:20].count(400) == 20 - statuses[:20].count(429)
    assert statuses[-1] == 429
    response = httpx.get(exposed.url + "/sparql", params={"query": ALIVE})
    assert response.status_code == 429 and "minute" in response.text


# --- a rebuild under the running server ----------------------------------------------------------------

def test_a_rebuild_is_served_without_a_failed_request(root, tmp_path_factory):
    import shutil
    import threading

    from refmetiers.build import build
    from refmetiers.config import load_settings

    copy = tmp_path_factory.mktemp("rebuild") / "root"
    shutil.copytree(root, copy)
    running = Server(copy)
    stop = threading.Event()
    label = f"SELECT ?l WHERE {{ <{BASE}id/job/developpeur> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "\
            "FILTER(lang(?l) = 'fr') }"
    try:
        running.wait_ready()
        url = running.url
        old_version = httpx.get(url + "/readyz").json()["data_version"]
        old = httpx.get(url + "/sparql", params={"query": label}, headers={"Accept": "application/sparql-results+json"})
        assert old.json()["results"]["bindings"][0]["l"]["value"] == "Développeur"
        # The answer is now kept in memory (query/cache.py): the rebuild must not let it outlive its build.
        served = httpx.get(url + "/readyz").json()["queries_served"]
        kept = httpx.get(url + "/sparql", params={"query": label},
                         headers={"Accept": "application/sparql-results+json"})
        assert kept.content == old.content and httpx.get(url + "/readyz").json()["queries_served"] == served
        failures: list = []

        def hammer():
            with httpx.Client(timeout=60) as client:
                while not stop.is_set():
                    for path, params in (("/sparql", {"query": label}), ("/dumps/refmetiers.nt", None),
                                         ("/id/job/developpeur", {"format": "ttl"}), ("/search", {"q": "dév"})):
                        response = client.get(url + path, params=params)
                        if response.status_code != 200:
                            failures.append((path, response.status_code, response.text[:200]))

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for thread in threads:
            thread.start()
        jobs = next(p for p in sorted((copy / "data").rglob("*.ttl"))
                    if '"Développeur"@fr' in p.read_text(encoding="utf-8"))
        jobs.write_text(jobs.read_text(encoding="utf-8").replace('"Développeur"@fr', '"Développeuse"@fr'),
                        encoding="utf-8")
        build(load_settings(environ={}, root=copy, dist_dir=copy / "dist"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and httpx.get(url + "/readyz").json()["data_version"] == old_version:
            time.sleep(0.2)
        time.sleep(1.0)  # the hammer goes on across the switch
        stop.set()
        for thread in threads:
            thread.join(60)
        assert failures == []
        assert httpx.get(url + "/readyz").json()["data_version"] != old_version
        answers = {httpx.get(url + "/sparql", params={"query": label}).json()["results"]["bindings"][0]["l"]["value"]
                   for _ in range(10)}
        assert answers == {"Développeuse"}  # every worker, and the cache, serve the new build
        assert httpx.get(url + "/readyz").json()["result_cache"]["hits"] > 0  # the new build's answers are kept too
        # Descriptions are kept at the door too (web/kept.py): none of the old build's outlives it.
        assert all('"Développeuse"@fr' in httpx.get(url + "/id/job/developpeur", params={"format": "ttl"}).text
                   for _ in range(5))
        assert '"Développeuse"@fr' in httpx.get(url + "/dumps/refmetiers.nt").text
        again = httpx.get(url + "/sparql", params={"query": label}, headers={
            "Accept": "application/sparql-results+json", "If-None-Match": old.headers["etag"]})
        assert again.status_code == 200 and again.headers["etag"] != old.headers["etag"]
        assert "Traceback" not in running.output()
    finally:
        stop.set()
        running.stop()


# --- fair scheduling ------------------------------------------------------------------------------------

def test_slow_clients_do_not_starve_fast_ones(root):
    """4 clients (each from its own loopback address) send queries that run to the 2 s budget, while another
    sends cheap queries: every cheap query is answered (before, 85-90 % got 503 after waiting the budget)."""
    import threading

    running = Server(root, env={"REFMETIERS_QUERY_TIMEOUT": "2"})
    slow_statuses, fast_statuses, stop = [], [], threading.Event()

    def slow_client(address: str):
        with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60) as client:
            while not stop.is_set():
                slow_statuses.append(client.get(running.url + "/sparql", params={"query": SLOW}).status_code)

    try:
        running.wait_ready()
        threads = [threading.Thread(target=slow_client, args=(f"127.0.0.{i}",)) for i in range(2, 6)]
        for thread in threads:
            thread.start()
        # The scheduler knows a client is slow once one of its queries has run long; the cheap queries start when
        # every slow client has had its first answer, so what is tested is the steady state, not the first second.
        while len(slow_statuses) < len(threads) and all(thread.is_alive() for thread in threads):
            time.sleep(0.1)
        with httpx.Client(timeout=60) as client:
            for _ in range(20):
                response = client.get(running.url + "/sparql", params={"query": ALIVE},
                                      headers={"Accept": "application/sparql-results+json"})
                fast_statuses.append(response.status_code)
                time.sleep(0.2)
        stop.set()
        for thread in threads:
            thread.join(60)
    finally:
        running.stop()
    assert fast_statuses == [200] * 20
    assert slow_statuses and set(slow_statuses) <= {503, 429}  # the slow ones hit their budget, as they should
