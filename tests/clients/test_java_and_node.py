"""Apache Jena (rsparql, JDK HTTP client) and Comunica 5 (Node 22) against ``refmetiers serve``.

Installed by tests/clients/install.sh (``make test-clients``, run by CI); skipped by a plain ``make test`` where
they are missing, unless REFMETIERS_REQUIRE_CLIENTS=1 (then a missing client fails the run).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from fixtures.web.support import BASE, Server

CLIENTS = Path(__file__).resolve().parents[2] / ".clients"
CLASSPATH = CLIENTS / "jena.classpath"
NODE = CLIENTS / "node_modules" / ".bin" / "node"
COMUNICA = CLIENTS / "node_modules" / ".bin" / "comunica-sparql"
RM = BASE + "def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
JOBS = f"SELECT ?job WHERE {{ ?job a <{RM}JobType> }} ORDER BY ?job"
REQUIRED = os.environ.get("REFMETIERS_REQUIRE_CLIENTS") == "1"


def need(path: Path, what: str) -> None:
    if not path.exists():
        if REQUIRED:
            pytest.fail(f"{what} is not installed ({path}); run tests/clients/install.sh")
        pytest.skip(f"{what} is not installed; `make test-clients` installs it")


@pytest.fixture(scope="module")
def server(web_root, tmp_path_factory):
    running = Server(web_root)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def rsparql(endpoint: str, query: str, *options: str) -> subprocess.CompletedProcess:
    need(CLASSPATH, "Apache Jena")
    return subprocess.run(["java", "-cp", CLASSPATH.read_text().strip(), "arq.rsparql", "--service", endpoint,
                           *options, query], capture_output=True, text=True, timeout=120)


def comunica(endpoint: str, query: str, *options: str) -> subprocess.CompletedProcess:
    need(COMUNICA, "Comunica")
    return subprocess.run([str(NODE), str(COMUNICA), f"sparql@{endpoint}", *options, query], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("post", [False, True], ids=["GET", "POST"])
def test_jena_select(server, post):
    result = rsparql(server.url + "/sparql", JOBS, "--results", "json", *(["--post"] if post else []))
    assert result.returncode == 0, result.stderr
    jobs = [row["job"]["value"] for row in json.loads(result.stdout)["results"]["bindings"]]
    assert jobs and all(job.startswith(BASE + "id/job/") for job in jobs)


def test_jena_long_query_goes_as_post_and_is_answered(server):
    padding = " ".join(f"<{BASE}id/job/x{i}>" for i in range(80))  # over 2 KB: Jena sends POST with Upgrade: h2c
    query = f"SELECT ?job WHERE {{ ?job a <{RM}JobType> FILTER(?job NOT IN ({', '.join(padding.split())})) }}"
    result = rsparql(server.url + "/sparql", query, "--results", "json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["results"]["bindings"]) == 5


def test_jena_ask_and_construct(server):
    assert "Yes" in rsparql(server.url + "/sparql", f"ASK {{ ?j a <{RM}JobType> }}").stdout
    query = f"CONSTRUCT {{ ?j <{SKOS}prefLabel> ?l }} WHERE {{ ?j a <{RM}JobType> ; <{SKOS}prefLabel> ?l }}"
    construct = rsparql(server.url + "/sparql", query, "--results", "nt")
    assert construct.returncode == 0, construct.stderr
    assert construct.stdout.count(f"<{SKOS}prefLabel>") == 10


SERVICE = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
TOO_MANY_ROWS = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 20000"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
TOO_LONG = "ASK { FILTER(1 NOT IN (" + ", ".join(["2"] * 7000) + ")) }"  # clients drop comments: real content
# What each error looks like to each client (our /sparql never answers 406: it falls back to SPARQL JSON or
# Turtle, so neither client can meet one there).
ERRORS = [("400", SERVICE, ""), ("413", TOO_LONG, ""), ("422", TOO_MANY_ROWS, "")]


@pytest.mark.parametrize("status,query,suffix", ERRORS, ids=[e[0] for e in ERRORS])
def test_jena_reports_our_errors(server, status, query, suffix):
    result = rsparql(server.url + "/sparql" + suffix, query)
    assert result.returncode != 0
    assert f"HttpException: {status}" in result.stderr


def test_jena_update_is_403(server):
    need(CLASSPATH, "Apache Jena")
    result = subprocess.run(["java", "-cp", CLASSPATH.read_text().strip(), "arq.rupdate", "--service",
                             server.url + "/sparql", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "403" in result.stderr


def test_comunica_select_keeps_language_tags(server):
    result = comunica(server.url + "/sparql", f"SELECT ?l WHERE {{ <{BASE}id/job/developpeur> <{SKOS}prefLabel> ?l }}")
    assert result.returncode == 0, result.stderr
    labels = sorted(row["l"] for row in json.loads(result.stdout))
    assert labels == ['"Developer"@en', '"Développeur"@fr']


@pytest.mark.parametrize("status,query,suffix", ERRORS, ids=[e[0] for e in ERRORS])
def test_comunica_reports_our_errors(server, status, query, suffix):
    result = comunica(server.url + "/sparql" + suffix, query)
    assert result.returncode != 0
    assert f"HTTP status {status}" in result.stderr


@pytest.fixture(scope="module")
def strict(web_root, tmp_path_factory):
    """A server with a 1 s query budget that allows a client 3 refused queries a minute. (A budget through the
    endpoint URL, ``/sparql?timeout=1``, works with Jena but not with Comunica, which then sends no query.)"""
    running = Server(web_root,
                     env={"REFMETIERS_MAX_CLIENT_ERRORS": "3", "REFMETIERS_QUERY_TIMEOUT": "1"})
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def test_both_clients_report_503(strict):
    jena = rsparql(strict.url + "/sparql", SLOW)
    assert jena.returncode != 0 and "HttpException: 503" in jena.stderr
    node = comunica(strict.url + "/sparql", SLOW)
    assert node.returncode != 0 and "HTTP status 503" in node.stderr


def test_both_clients_report_429(strict):
    import httpx

    for _ in range(3):
        assert httpx.get(strict.url + "/sparql", params={"query": SERVICE}).status_code == 400
    jena = rsparql(strict.url + "/sparql", JOBS)
    assert jena.returncode != 0 and "HttpException: 429" in jena.stderr
    node = comunica(strict.url + "/sparql", JOBS)
    assert node.returncode != 0 and "HTTP status 429" in node.stderr
