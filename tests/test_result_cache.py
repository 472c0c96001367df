"""The in-memory result cache of /sparql (issue 17, item 2): repeated queries of one build are answered
without a query worker; the byte bound evicts the least recently used; errors, capped answers and answers
that change from run to run are not kept; GET and POST share it; ETag and 304 are unchanged.

A reload switching the answers is in tests/test_e2e_server.py (the rebuild under a running server).
"""

from __future__ import annotations

import os
import signal

import httpx
import pytest

from fixtures.web.support import BASE, Server, worker_pids
from refmetiers import formats
from refmetiers.query.cache import ENTRY_OVERHEAD, ResultCache, cache_key
from refmetiers.query.execution import QueryRequest, QueryResult

RM = BASE + "def#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
JSON = "application/sparql-results+json"


def labels_query(n: int) -> str:
    return (f"SELECT ?job ?label WHERE {{ ?job a <{RM}JobType> ; <{SKOS}prefLabel> ?label "
            f"FILTER(lang(?label) = 'fr') }} ORDER BY ?job LIMIT {n}")


def readyz(server: Server) -> dict:
    return httpx.get(server.url + "/readyz", timeout=10).json()


def labels(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(b["job"]["value"], b["label"]["value"]) for b in response.json()["results"]["bindings"]]


# --- the cache itself -------------------------------------------------------------------------------------

def _result(size: int) -> QueryResult:
    return QueryResult("solutions", formats.RESULTS_JSON, b"x" * size, 1, 0.001)


def _key(text: str):
    return cache_key(QueryRequest(text, base_iri=BASE))


def test_the_least_recently_used_answer_goes_first():
    one = 1000 + ENTRY_OVERHEAD + 1  # an answer of 1,000 bytes with a one-character text
    cache = ResultCache(3 * one, max_entry_bytes=one)
    for text in "abc":
        cache.put(_key(text), _result(1000))
    assert cache.get(_key("a")) is not None  # "a" is now the most recently used: "b" goes first
    cache.put(_key("d"), _result(1000))
    assert cache.get(_key("b")) is None
    assert [cache.get(_key(t)) is not None for t in "acd"] == [True, True, True]
    assert cache.size <= cache.max_bytes and len(cache) == 3 and cache.stats.evictions == 1


def test_an_answer_too_large_for_its_share_is_not_kept():
    cache = ResultCache(80_000)  # keeps answers up to 10,000 bytes with their key
    cache.put(_key("small"), _result(5_000))
    cache.put(_key("large"), _result(20_000))
    assert cache.get(_key("large")) is None and cache.get(_key("small")) is not None
    assert cache.stats.too_large == 1


def test_the_key_holds_everything_that_changes_the_answer():
    base = QueryRequest("SELECT * WHERE { ?s ?p ?o } LIMIT 1", base_iri=BASE)
    variants = [
        QueryRequest(base.text + " ", base_iri=BASE),
        QueryRequest(base.text, formats.RESULTS_XML, base_iri=BASE),
        QueryRequest(base.text, graph_format=formats.NTRIPLES, base_iri=BASE),
        QueryRequest(base.text, default_graphs=(BASE + "graph/referentiel",), base_iri=BASE),
        QueryRequest(base.text, named_graphs=(BASE + "graph/referentiel",), base_iri=BASE),
        QueryRequest(base.text, base_iri="https://example.org/"),
    ]
    keys = {cache_key(base)} | {cache_key(v) for v in variants}
    assert len(keys) == 1 + len(variants)
    # What only decides whether the answer comes (the budget) or who asked does not.
    assert cache_key(QueryRequest(base.text, timeout_s=1.0, client="10.0.0.1", base_iri=BASE)) == cache_key(base)


@pytest.mark.parametrize("text", ["SELECT (NOW() AS ?t) {}", "SELECT (rand () AS ?r) {}",
                                  "SELECT (UUID() AS ?u) {}", "SELECT (struuid\n() AS ?u) {}", "ASK { FILTER(NOW()) }"])
def test_answers_that_change_from_run_to_run_are_not_kept(text):
    cache = ResultCache(1 << 20)
    cache.put(_key(text), _result(10))
    assert cache.get(_key(text)) is None and cache.stats.volatile == 1


@pytest.mark.parametrize("text", ["SELECT ?now WHERE { ?s <x:knowHow> ?now } # a random pick",
                                  "ASK { FILTER(?s = <x:uuid>) }"])
def test_a_name_alone_is_not_a_call(text):
    cache = ResultCache(1 << 20)
    cache.put(_key(text), _result(10))
    assert cache.get(_key(text)) is not None


# --- through the real server ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(web_root):
    """A server whose cache holds 16 KB (answers up to 2 KB), with 5 rows at most per answer."""
    running = Server(web_root, env={"REFMETIERS_RESULT_CACHE_BYTES": "16384", "REFMETIERS_MAX_RESULT_ROWS": "5"})
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def test_a_repeated_query_is_answered_without_a_worker_even_when_they_are_all_stopped(web_root):
    running = Server(web_root, env={"REFMETIERS_QUERY_TIMEOUT": "2"})
    stopped: list[int] = []
    try:
        running.wait_ready()
        url, query = running.url + "/sparql", labels_query(3)
        first = httpx.get(url, params={"query": query}, headers={"Accept": JSON})
        expected = labels(first)
        assert len(expected) == 3 and all(job.startswith(BASE + "id/job/") for job, _ in expected)
        served = readyz(running)["queries_served"]
        xml = httpx.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+xml"})
        assert xml.status_code == 200 and b"<sparql" in xml.content  # another format: another entry
        assert readyz(running)["queries_served"] == served + 1

        stopped = worker_pids(running.process.pid)
        assert len(stopped) == 2
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)  # from here on, an answer that needs a worker cannot come
        again = httpx.get(url, params={"query": query}, headers={"Accept": JSON}, timeout=30)
        assert labels(again) == expected and again.content == first.content
        assert again.headers["etag"] == first.headers["etag"] and again.headers["cache-control"] == \
            first.headers["cache-control"]
        conditional = httpx.get(url, params={"query": query},
                                headers={"Accept": JSON, "If-None-Match": first.headers["etag"]})
        assert conditional.status_code == 304 and conditional.content == b""
        posted = httpx.post(url, data={"query": query}, headers={"Accept": JSON}, timeout=30)
        assert labels(posted) == expected and "etag" not in posted.headers  # POST shares the answer, not the ETag
        direct = httpx.post(url, content=query.encode(), timeout=30,
                            headers={"Accept": JSON, "Content-Type": "application/sparql-query"})
        assert labels(direct) == expected
        page = httpx.get(url, params={"query": query}, headers={"Accept": "text/html"}, timeout=30)
        assert page.status_code == 200 and expected[0][1] in page.text  # the page renders the kept answer
        state = readyz(running)
        assert state["queries_served"] == served + 1
        assert state["result_cache"]["hits"] == 4  # the GET, the two POSTs, the page

        # A query not kept needs a worker: with every worker stopped it runs out of its budget.
        other = httpx.get(url, params={"query": labels_query(4)}, headers={"Accept": JSON}, timeout=30)
        assert other.status_code == 503 and "budget" in other.text
    finally:
        for pid in stopped:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        running.stop()


def test_the_byte_bound_evicts_the_least_recently_used(small):
    url = small.url + "/sparql"
    texts = [labels_query(2) + f" # {i}" for i in range(40)]  # each answer about 400 bytes: 40 pass 16 KB
    answers = [labels(httpx.get(url, params={"query": text}, headers={"Accept": JSON})) for text in texts]
    assert all(len(a) == 2 for a in answers)
    cache = readyz(small)["result_cache"]
    assert cache["max_bytes"] == 16384 and 0 < cache["bytes"] <= 16384
    assert cache["evictions"] > 0 and cache["entries"] < len(texts)
    served = readyz(small)["queries_served"]
    assert labels(httpx.get(url, params={"query": texts[-1]}, headers={"Accept": JSON})) == answers[-1]
    assert readyz(small)["queries_served"] == served  # the most recent is still kept
    assert labels(httpx.get(url, params={"query": texts[0]}, headers={"Accept": JSON})) == answers[0]
    assert readyz(small)["queries_served"] == served + 1  # the oldest was pushed out: a worker answered again


def _served_twice(server: Server, params: dict, headers: dict | None = None) -> tuple[list[httpx.Response], int]:
    before = readyz(server)["queries_served"]
    responses = [httpx.get(server.url + "/sparql", params=params, headers=headers or {}) for _ in range(2)]
    return responses, readyz(server)["queries_served"] - before


def test_errors_capped_and_volatile_answers_are_asked_again(small):
    # A syntax error (found by the worker's parser), a result over the 5-row cap, NOW(): each reaches a worker
    # every time it is asked.
    bad, runs = _served_twice(small, {"query": "SELECT * WHERE { ?s ?p }"})
    assert [r.status_code for r in bad] == [400, 400] and runs == 2
    capped, runs = _served_twice(small, {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 6"}, {"Accept": JSON})
    assert [r.status_code for r in capped] == [422, 422] and "5" in capped[0].text and runs == 2
    now, runs = _served_twice(small, {"query": "SELECT (NOW() AS ?t) {}"}, {"Accept": JSON})
    assert [r.status_code for r in now] == [200, 200] and runs == 2


def test_an_answer_larger_than_its_share_is_not_kept(small):
    query = 'SELECT ?x WHERE { BIND("%s" AS ?x) }' % ("long " * 600)  # 3 KB of text and 3 KB of answer
    answers, runs = _served_twice(small, {"query": query}, {"Accept": JSON})
    assert [r.status_code for r in answers] == [200, 200] and len(answers[0].content) > 3000
    assert answers[0].content == answers[1].content and runs == 2
    assert readyz(small)["result_cache"]["not_kept_too_large"] >= 2


# --- answers kept at the door (web/kept.py): a repeated GET sent again before routing -----------------------

def _door(server: Server) -> int:
    return readyz(server)["result_cache"]["hits_at_the_door"]


def test_a_repeated_get_is_sent_again_at_the_door_whole_with_every_header(small):
    url, query = small.url + "/sparql", labels_query(2) + " # door"
    asked = {"Accept": JSON, "Origin": "https://example.org"}
    first = httpx.get(url, params={"query": query}, headers=asked)
    before = _door(small)
    again = httpx.get(url, params={"query": query}, headers=asked)
    assert _door(small) == before + 1
    assert again.status_code == 200 and again.content == first.content and len(labels(again)) == 2
    for name in ("content-type", "content-length", "etag", "cache-control", "vary", "access-control-allow-origin",
                 "x-content-type-options", "content-security-policy"):
        assert again.headers.get(name) == first.headers.get(name), name
    head = httpx.head(url, params={"query": query}, headers=asked)
    assert head.status_code == 200 and head.content == b"" and _door(small) == before + 2
    assert head.headers["content-length"] == first.headers["content-length"]
    assert head.headers["etag"] == first.headers["etag"]


def test_the_door_keeps_one_answer_per_accept_header_and_leaves_conditional_requests_to_the_handler(small):
    url, query = small.url + "/sparql", labels_query(3) + " # door formats"
    as_json = httpx.get(url, params={"query": query}, headers={"Accept": JSON})
    as_csv = httpx.get(url, params={"query": query}, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.content != as_json.content
    before = _door(small)
    assert httpx.get(url, params={"query": query}, headers={"Accept": "text/csv"}).content == as_csv.content
    assert httpx.get(url, params={"query": query}, headers={"Accept": JSON}).content == as_json.content
    assert _door(small) == before + 2
    conditional = httpx.get(url, params={"query": query}, headers={"Accept": JSON,
                                                                   "If-None-Match": as_json.headers["etag"]})
    assert conditional.status_code == 304 and _door(small) == before + 2
    page = httpx.get(url, params={"query": query}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    httpx.get(url, params={"query": query}, headers={"Accept": "text/html"})
    assert _door(small) == before + 2  # pages are rendered per request, never kept at the door


def test_answers_that_change_from_run_to_run_are_never_sent_again_at_the_door(small):
    before = _door(small)
    now, runs = _served_twice(small, {"query": "SELECT (STRUUID() AS ?id) {}"}, {"Accept": JSON})
    assert [r.status_code for r in now] == [200, 200] and runs == 2 and now[0].content != now[1].content
    assert _door(small) == before


def test_a_client_past_its_allowance_of_refused_queries_gets_429_even_for_a_kept_answer(web_root):
    running = Server(web_root, env={"REFMETIERS_MAX_CLIENT_ERRORS": "3"})
    try:
        running.wait_ready()
        url, query = running.url + "/sparql", labels_query(2)
        kept = [httpx.get(url, params={"query": query}, headers={"Accept": JSON}) for _ in range(2)]
        assert [r.status_code for r in kept] == [200, 200] and _door(running) == 1
        refused = [httpx.get(url, params={"query": "SELECT * WHERE {"}).status_code for _ in range(3)]
        assert refused == [400, 400, 400]
        blocked = httpx.get(url, params={"query": query}, headers={"Accept": JSON})
        assert blocked.status_code == 429 and _door(running) == 1
    finally:
        running.stop()


@pytest.mark.parametrize("setting,expected", [(None, 64 * 1024 * 1024), ("0", None)], ids=["default", "off"])
def test_readyz_describes_the_cache_from_the_start_and_says_when_it_is_off(web_root, setting, expected):
    running = Server(web_root, env={} if setting is None else {"REFMETIERS_RESULT_CACHE_BYTES": setting})
    try:
        running.wait_ready()
        cache = readyz(running)["result_cache"]  # nothing asked yet: an empty cache, still described
        if expected is None:
            assert cache is None
        else:
            assert cache["max_bytes"] == expected and cache["entries"] == 0 and cache["hits"] == 0
    finally:
        running.stop()


def test_a_resource_is_sent_again_at_the_door_in_each_format_and_language(web_root):
    """A linked-data resource's description is kept at the door per format and per page language (the Accept,
    Accept-Language and Cookie headers and ``?lang=`` are in its key); conditional requests and unknown IRIs go to
    the handler."""
    running = Server(web_root)
    job = running.url + "/id/job/administrateur-de-base-de-donnees"
    try:
        running.wait_ready()
        turtle = httpx.get(job, headers={"Accept": "text/turtle"})
        french = httpx.get(job, headers={"Accept": "text/html", "Accept-Language": "fr"})
        english = httpx.get(job, headers={"Accept": "text/html", "Accept-Language": "en"})
        assert '<html lang="fr">' in french.text and '<html lang="en">' in english.text
        assert turtle.headers["content-type"].startswith("text/turtle") and "prefLabel" in turtle.text
        before = _door(running)
        again = [httpx.get(job, headers={"Accept": "text/turtle"}),
                 httpx.get(job, headers={"Accept": "text/html", "Accept-Language": "fr"}),
                 httpx.get(job, headers={"Accept": "text/html", "Accept-Language": "en"})]
        assert _door(running) == before + 3
        for first, kept in zip((turtle, french, english), again, strict=True):
            assert kept.status_code == 200 and kept.content == first.content
            for name in ("content-type", "etag", "vary", "link", "cache-control", "content-security-policy"):
                assert kept.headers.get(name) == first.headers.get(name), name
        chosen = httpx.get(job, params={"lang": "en"}, headers={"Accept": "text/html", "Accept-Language": "fr"})
        assert '<html lang="en">' in chosen.text and "set-cookie" in chosen.headers
        chosen_again = httpx.get(job, params={"lang": "en"}, headers={"Accept": "text/html", "Accept-Language": "fr"})
        assert chosen_again.content == chosen.content and chosen_again.headers["set-cookie"] == chosen.headers[
            "set-cookie"] and _door(running) == before + 4
        cookie = httpx.get(job, headers={"Accept": "text/html", "Cookie": chosen.headers["set-cookie"].split(";")[0]})
        assert '<html lang="en">' in cookie.text  # another key: the cookie chose the language, not a kept French page
        conditional = httpx.get(job, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["etag"]})
        assert conditional.status_code == 304
        for _ in range(2):
            assert httpx.get(running.url + "/id/job/nobody", headers={"Accept": "text/turtle"}).status_code == 404
        assert _door(running) == before + 4
        assert "Traceback" not in running.output()
    finally:
        running.stop()


def test_the_home_page_and_a_search_are_sent_again_at_the_door(web_root):
    running = Server(web_root)
    try:
        running.wait_ready()
        asked = [("/", {}, {"Accept": "text/html", "Accept-Language": "en"}),
                 ("/search", {"q": "admin"}, {"Accept": "application/json"}),
                 ("/search", {"q": "admin", "lang": "fr"}, {"Accept": "text/html"})]
        first = [httpx.get(running.url + path, params=params, headers=headers) for path, params, headers in asked]
        assert '<html lang="en">' in first[0].text and first[1].json()["total"] >= 1
        assert '<html lang="fr">' in first[2].text
        before = _door(running)
        again = [httpx.get(running.url + path, params=params, headers=headers) for path, params, headers in asked]
        assert _door(running) == before + 3
        assert [a.content for a in again] == [f.content for f in first]
        other = httpx.get(running.url + "/search", params={"q": "développeur"}, headers={"Accept": "application/json"})
        assert other.json()["q"] == "développeur" and _door(running) == before + 3  # another key: answered anew
    finally:
        running.stop()
