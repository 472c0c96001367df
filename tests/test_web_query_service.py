"""refmetiers.query without HTTP: the lexical guard, the caps of execute(), strict body decoding."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from refmetiers import formats
from refmetiers import query as qs

LIMITS = qs.Limits()


@pytest.mark.parametrize("query,error", [
    ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", qs.QueryRefused),
    ("select * { service silent <http://x/> {} }", qs.QueryRefused),
    ("SELECT * { \\u0053\\u0045RVICE <http://x/> {} }", qs.QueryRefused),
    ("SELECT * { \\U00000053ERVICE <http://x/> {} }", qs.QueryRefused),
    # regression: an escaped quote ("\u0022") read as a quote after decoding opened a long string that hid SERVICE
    ('SELECT * { BIND("\\u0022" AS ?a) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } BIND("\\u0022" AS ?b) }',
     qs.QueryRefused),
    ("SELECT * { BIND('\\u0027' AS ?a) SERVICE <http://127.0.0.1:9/> {} BIND('\\u0027' AS ?b) }", qs.QueryRefused),
    # regression: a prefixed name's escaped quote or hash was read as a string or a comment that hid SERVICE
    ("PREFIX e: <urn:e#> SELECT * { ?s e:a\\' ?o SERVICE <http://127.0.0.1:9/> {} FILTER(?o = 'x') }",
     qs.QueryRefused),
    ("PREFIX e: <urn:e#> SELECT * { ?s e:a\\# ?o SERVICE <http://127.0.0.1:9/> {} }", qs.QueryRefused),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", qs.UpdateRefused),
    ("PREFIX a: <urn:a#>\nBASE <urn:b>\n delete where { ?s ?p ?o }", qs.UpdateRefused),
    ("# LOAD below\nLOAD <http://x/>", qs.UpdateRefused),
    ("CLEAR ALL", qs.UpdateRefused),
    ("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", qs.UpdateRefused),
    ("SELECT * WHERE " + "{" * 65 + "}" * 65, qs.QueryRefused),
    ("ASK { FILTER(" + "(" * 70 + "1" + ")" * 70 + ") }", qs.QueryRefused),
    ("SELECT * { " + " UNION ".join(["{?s ?p ?o}"] * 300) + " }", qs.QueryRefused),
    ("SELECT * { ?s " + "/".join(["<urn:p>"] * 300) + " ?o }", qs.QueryRefused),
    ("ASK { FILTER(" + "||".join(["true"] * 300) + ") }", qs.QueryRefused),
    ("ASK { FILTER(" + "-".join(["1"] * 300) + " = 0) }", qs.QueryRefused),
    ("ASK {} #" + "x" * 20_001, qs.QueryTooLarge),
])
def test_guard_refuses(query, error):
    with pytest.raises(error):
        qs.check_query(query, LIMITS)


@pytest.mark.parametrize("query,names_dataset", [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ('PREFIX service: <urn:s#> SELECT ?service WHERE { ?service service:x "SERVICE" } # SERVICE', False),
    ("SELECT * WHERE { ?s <urn:insert-delete> ?o FILTER(?s < ?o) }", False),
    ("SELECT * WHERE { ?s <http://ex.org/a#SERVICE> ?o }", False),
    ('SELECT * WHERE { ?s ?p """a long "SERVICE" string""" }', False),
    ("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }", True),
    ("select * from named <urn:g> where { graph ?g { ?s ?p ?o } }", True),
    ('SELECT * WHERE { ?s ?p "FROM" }', False),
    ("PREFIX ex: <urn:x#> SELECT * WHERE { ?s ex:from ?o }", False),
    ("SELECT * WHERE " + "{" * 60 + "}" * 60, False),
    ("SELECT ?job WHERE { VALUES ?job { <urn:a-b-c-d> <urn:e-f-g-h> } ?job a ?t }", False),
])
def test_guard_accepts(query, names_dataset):
    assert qs.check_query(query, LIMITS) is names_dataset


@pytest.fixture(scope="module")
def store():
    store = ox.Store()
    graph = ox.NamedNode("urn:g")
    for i in range(30):
        literal = ox.Literal(f"line\n{i}", language="fr")
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), literal, graph))
    return store


@pytest.mark.parametrize("fmt", formats.RESULT_FORMATS, ids=lambda f: f.name)
def test_row_cap_is_exact_in_every_format(store, fmt):
    limits = qs.Limits(max_rows=30)
    at_cap = qs.execute(store, qs.QueryRequest("SELECT * WHERE { ?s ?p ?o }", results_format=fmt), limits)
    assert at_cap.count == 30  # literals with newlines do not fool the count
    with pytest.raises(qs.ResultTooLarge, match="31 rows"):
        qs.execute(store, qs.QueryRequest("SELECT * WHERE { { ?s ?p ?o } UNION { BIND(1 AS ?x) } }",
                                          results_format=fmt), limits)


@pytest.mark.parametrize("fmt", formats.GRAPH_FORMATS, ids=lambda f: f.name)
def test_triple_and_byte_caps(store, fmt):
    with pytest.raises(qs.ResultTooLarge, match="triples"):
        qs.execute(store, qs.QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=fmt), qs.Limits(max_triples=29))
    with pytest.raises(qs.ResultTooLarge, match="bytes"):
        qs.execute(store, qs.QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=fmt),
                   qs.Limits(max_result_bytes=500))
    request = qs.QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", graph_format=fmt)
    result = qs.execute(store, request, qs.Limits(max_triples=30))
    assert result.count == 30


def test_default_graph_is_the_union_unless_a_dataset_is_named(store):
    count = "SELECT (COUNT(*) AS ?n) {FROM} WHERE {{ ?s ?p ?o }}"
    run = lambda text, **kw: ox.parse_query_results(  # noqa: E731
        qs.execute(store, qs.QueryRequest(text, **kw), LIMITS).body, format=ox.QueryResultsFormat.JSON)
    assert next(iter(run(count.format(FROM="")))) ["n"].value == "30"
    assert next(iter(run(count.format(FROM="FROM <urn:other>"))))["n"].value == "0"
    assert next(iter(run(count.format(FROM=""), default_graphs=("urn:g",))))["n"].value == "30"
    assert next(iter(run(count.format(FROM=""), default_graphs=("urn:other",))))["n"].value == "0"


def test_syntax_error_carries_the_position(store):
    with pytest.raises(qs.QuerySyntaxError, match="line 1, column 25") as caught:
        qs.execute(store, qs.QueryRequest("SELECT * WHERE { ?s ?p }"), LIMITS)
    facts = caught.value.facts()
    assert (facts["line"], facts["column"]) == (1, 25)
    assert facts["message_fr"].startswith("requête mal formée à la ligne 1, colonne 25 : expected")
    with pytest.raises(qs.QuerySyntaxError) as caught:
        qs.execute(store, qs.QueryRequest("SELECT *\nWHERE {\n  ?s ?p ?o .\n  FILTER( }"), LIMITS)
    assert (caught.value.line, caught.value.column) == (4, 12)


@pytest.mark.parametrize("body,charset,ok", [
    ("ASK { ?s ?p \"é\" }".encode(), None, True),
    ("ASK { ?s ?p \"é\" }".encode(), "UTF-8", True),
    ("ASK { ?s ?p \"é\" }".encode("latin-1"), "iso-8859-1", True),
    ("ASK { ?s ?p \"é\" }".encode("latin-1"), None, False),
    (b"ASK {}", "no-such-charset", False),
])
def test_decode_body_is_strict(body, charset, ok):
    if ok:
        assert qs.decode_body(body, charset) == 'ASK { ?s ?p "é" }'
    else:
        with pytest.raises(qs.QuerySyntaxError):
            qs.decode_body(body, charset)


def test_a_client_may_only_lower_the_budget(tmp_path):
    service = qs.QueryService(tmp_path, qs.Limits(timeout_s=10.0))
    assert service.budget(None) == 10.0
    assert service.budget(2.5) == 2.5
    assert service.budget(60) == 10.0
    assert service.budget(0) == 10.0


def test_workers_have_no_network_even_past_the_guard(web_root, tmp_path_factory):
    """The second line of defence: a SERVICE that reached a worker could not connect anywhere."""
    import asyncio
    import pickle
    import socket


    root = web_root

    async def scenario():
        service = qs.QueryService(root / "dist", qs.Limits(workers=1))
        await service.start()
        try:
            if not service.stats.network_isolated:
                pytest.skip("no network namespace on this machine (needs CAP_SYS_ADMIN or user namespaces)")
            with socket.socket() as listener:
                listener.bind(("127.0.0.1", 0))
                listener.listen(1)
                listener.settimeout(1.0)
                query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.getsockname()[1]}/> {{ ?s ?p ?o }} }}"
                worker = service._idle.pop()  # past the guard, on purpose
                wire = qs.QueryRequest(query, union_default=True).to_wire()
                reply = await worker.call(pickle.dumps(wire), 20)
                assert reply[0] == "error" and "unreachable" in reply[2].lower(), reply
                with pytest.raises(socket.timeout):
                    listener.accept()
        finally:
            service.close()

    asyncio.run(scenario())


def test_a_worker_that_fails_to_start_is_retried_and_the_truth_told(web_root, tmp_path_factory):
    """Workers that cannot start make every query a 503 Unavailable (not a 422, not a hang), the pool says
    it is down, and once the cause is gone a retry (with back-off) brings the service back."""
    import asyncio
    import shutil


    root = web_root
    dist = tmp_path_factory.mktemp("respawn-dist")
    shutil.copytree(root / "dist", dist, dirs_exist_ok=True)
    quads = dist / "refmetiers.nq"
    saved = quads.read_bytes()

    async def scenario():
        service = qs.QueryService(dist, qs.Limits(workers=1, timeout_s=5.0))
        service.pool.max_backoff_s = 1.0
        await service.start()
        try:
            quads.unlink()  # the next worker cannot load the store
            worker = service._idle[0]
            worker.process.kill()  # an idle worker dies: the pool notices it without any query
            for _ in range(200):
                if service.pool.down:
                    break
                await asyncio.sleep(0.05)
            assert service.pool.down and service.stats.spawn_failures >= 1
            with pytest.raises(qs.Unavailable, match="no query worker is running"):
                await service.run(qs.QueryRequest("ASK {}"))
            quads.write_bytes(saved)
            for _ in range(400):
                if service.ready and service._idle:
                    break
                await asyncio.sleep(0.05)
            result = await service.run(qs.QueryRequest("ASK { ?s ?p ?o }"))
            assert b"true" in result.body
        finally:
            service.close()

    asyncio.run(scenario())
