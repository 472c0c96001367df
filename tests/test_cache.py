"""Cacheable SPARQL: nginx proxy_cache (as `refmetiers site --upstream … --cache` writes it) in front of serve.

A repeated GET query is answered by the cache without reaching a query worker; each Accept gets its own
entry (Vary); POSTed queries and errors are never cached; If-None-Match gives 304 through the cache.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fixtures.web.servers import Nginx
from fixtures.web.support import BASE, Server, free_port

REFMETIERS = str(Path(sys.executable).with_name("refmetiers"))
RM = BASE + "def#"
JOBS = f"SELECT ?job WHERE {{ ?job a <{RM}JobType> }} ORDER BY ?job"


@pytest.fixture(scope="module")
def cached(web_root, tmp_path_factory):
    root = web_root
    # Without the server's own result cache (tests/test_result_cache.py): what is counted here is nginx's.
    serve = Server(root, env={"REFMETIERS_RESULT_CACHE_BYTES": "0"})
    nginx = None
    try:
        serve.wait_ready()
        out = tmp_path_factory.mktemp("cached") / "site"
        port = free_port()
        done = subprocess.run([REFMETIERS, "site", "--root", str(root), "--dist", str(root / "dist"), str(out),
                               "--listen", f"127.0.0.1:{port}", "--upstream", serve.url, "--cache"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        nginx = Nginx(out, port)
        yield serve, nginx
    finally:
        if nginx:
            nginx.stop()
        serve.stop()


def served(serve: Server) -> int:
    return httpx.get(serve.url + "/readyz").json()["queries_served"]


def test_repeated_get_is_answered_by_the_cache(cached):
    serve, nginx = cached
    query = JOBS + " # repeated"
    first = httpx.get(nginx.url + "/sparql", params={"query": query},
                      headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == 200 and first.headers["x-cache-status"] == "MISS"
    assert first.headers["cache-control"].startswith("public") and first.headers["etag"]
    jobs = [b["job"]["value"] for b in first.json()["results"]["bindings"]]
    assert BASE + "id/job/administrateur-de-base-de-donnees" in jobs
    count = served(serve)
    for _ in range(5):
        again = httpx.get(nginx.url + "/sparql", params={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
        assert again.headers["x-cache-status"] == "HIT" and again.content == first.content
    assert served(serve) == count  # no worker was asked

    xml = httpx.get(nginx.url + "/sparql", params={"query": query},
                    headers={"Accept": "application/sparql-results+xml"})
    assert xml.headers["x-cache-status"] == "MISS"  # another variant of the same URL (Vary: Accept)
    assert xml.headers["content-type"].startswith("application/sparql-results+xml") and b"<sparql" in xml.content
    assert served(serve) == count + 1


def test_if_none_match_gives_304_through_the_cache(cached):
    _, nginx = cached
    url, params = nginx.url + "/sparql", {"query": JOBS + " # conditional"}
    first = httpx.get(url, params=params, headers={"Accept": "text/csv"})
    again = httpx.get(url, params=params, headers={"Accept": "text/csv", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_post_and_errors_are_not_cached(cached):
    serve, nginx = cached
    count = served(serve)
    for _ in range(2):
        posted = httpx.post(nginx.url + "/sparql", data={"query": JOBS + " # posted"},
                            headers={"Accept": "application/sparql-results+json"})
        assert posted.status_code == 200 and posted.headers.get("x-cache-status") != "HIT"
    assert served(serve) == count + 2
    for _ in range(2):
        bad = httpx.get(nginx.url + "/sparql", params={"query": "SELECT * WHERE {"})
        assert bad.status_code == 400 and bad.headers.get("x-cache-status") != "HIT"
        assert "malformed" in bad.text or "syntax" in bad.text.lower()


def test_every_cookbook_query_and_a_long_one_pass_through_the_cache(cached):
    """The cookbook's queries are 1-3 KB, up to 8 KB percent-encoded: nginx keeps a cached answer's URI in the
    buffer of its head, which its default size (4 KB) could not hold (502 "upstream sent too big header" for a
    third of them). A URI too long for the buffer is passed through uncached, up to the length `serve` takes."""
    _, nginx = cached
    accept = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
    cookbook = sorted((Path(__file__).resolve().parents[1] / "queries").glob("*.rq"))
    assert len(cookbook) >= 10
    for path in cookbook:
        query = path.read_text(encoding="utf-8") + "\n# through the cache"
        first = httpx.get(nginx.url + "/sparql", params={"query": query}, headers=accept)
        assert first.status_code == 200, (path.name, first.status_code, first.text[:200])
        again = httpx.get(nginx.url + "/sparql", params={"query": query}, headers=accept)
        assert again.headers["x-cache-status"] == "HIT" and again.content == first.content, path.name
    long = JOBS + "\n#" + "x" * 19_000  # a 19 KB URI (under the 20,000 characters of a query): past nginx's 8 KB
    for _ in range(2):
        answer = httpx.get(nginx.url + "/sparql", params={"query": long},
                           headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.headers.get("x-cache-status") not in ("HIT", "MISS")  # uncached
        assert BASE + "id/job/administrateur-de-base-de-donnees" in answer.text
