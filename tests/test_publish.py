"""`refmetiers publish --to URL`: a build loaded into a real Oxigraph server through the Graph Store Protocol."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from fixtures.web.servers import OxigraphServer
from fixtures.web.support import BASE, free_port

REFMETIERS = str(Path(sys.executable).with_name("refmetiers"))


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([REFMETIERS, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def root(web_root, tmp_path_factory):
    return web_root


@pytest.fixture
def oxigraph(tmp_path):
    server = OxigraphServer(tmp_path / "oxigraph")
    yield server
    server.stop()


def build_quads(root: Path) -> set[str]:
    # Through an Oxigraph store too: it keeps literals by value ("2.0"^^xsd:decimal comes back as "2"^^xsd:decimal).
    store = ox.Store()
    store.bulk_load(path=str(root / "dist" / "refmetiers.nq"), format=ox.RdfFormat.N_QUADS)
    return {str(q) for q in store}


def store_quads(url: str) -> set[str]:
    response = httpx.get(url + "/store", headers={"Accept": "application/n-quads"})
    assert response.status_code == 200
    return {str(q) for q in ox.parse(response.content, format=ox.RdfFormat.N_QUADS)}


def test_publish_loads_every_graph_and_replaces_it_on_the_next_release(root, oxigraph):
    # Something already in one of our graphs (an older release) is replaced, and other graphs are left alone.
    stale = (f"<{BASE}id/job/gone> <http://www.w3.org/2004/02/skos/core#prefLabel> \"Ancien\"@fr "
             f"<{BASE}graph/referentiel> .\n")
    other = "<http://example.org/s> <http://example.org/p> \"theirs\" <http://example.org/their-graph> .\n"
    loaded = httpx.post(oxigraph.url + "/store", content=stale + other, headers={"Content-Type": "application/n-quads"})
    assert loaded.status_code in (200, 201, 204)

    done = run("publish", "--root", str(root), "--dist", str(root / "dist"), "--to", oxigraph.url + "/store")
    assert done.returncode == 0, done.stderr
    assert "published" in done.stdout and f"{BASE}graph/referentiel" in done.stdout

    quads = store_quads(oxigraph.url)
    expected = build_quads(root)
    assert expected <= quads
    assert quads - expected == {other.strip().rstrip(" .")}  # the old release's triple is gone, theirs is kept
    # and the store answers SPARQL over what was published
    answer = httpx.get(oxigraph.url + "/query", params={"query": f"ASK {{ GRAPH <{BASE}graph/referentiel> "
                       f"{{ <{BASE}id/job/administrateur-de-base-de-donnees> ?p ?o }} }}"},
                       headers={"Accept": "application/sparql-results+json"})
    assert answer.json()["boolean"] is True

    again = run("publish", "--root", str(root), "--dist", str(root / "dist"), "--to", oxigraph.url + "/store")
    assert again.returncode == 0, again.stderr
    assert store_quads(oxigraph.url) == quads  # publishing twice changes nothing


def test_unreachable_store_is_a_clear_error(root):
    done = run("publish", "--root", str(root), "--dist", str(root / "dist"),
               "--to", f"http://127.0.0.1:{free_port()}/store")
    assert done.returncode == 2
    assert "cannot reach the store" in done.stderr and "Traceback" not in done.stderr


def test_a_store_refusing_the_graph_is_a_clear_error(root, oxigraph):
    # /query is not a Graph Store: the store's own refusal is reported, with what was (not) replaced.
    done = run("publish", "--root", str(root), "--dist", str(root / "dist"), "--to", oxigraph.url + "/query")
    assert done.returncode == 3
    assert "the store answered" in done.stderr and "nothing was replaced" in done.stderr
    assert "Traceback" not in done.stderr


def test_not_an_http_url(root):
    done = run("publish", "--root", str(root), "--dist", str(root / "dist"), "--to", "file:///tmp/x")
    assert done.returncode == 2 and "Graph Store Protocol" in done.stderr
