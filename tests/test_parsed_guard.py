"""SERVICE is refused on the parsed query, whatever its spelling (issue 16.1).

Each spelling (tests/fixtures/web/service_spellings.py) is first shown to be a real hole: pyoxigraph, run in
this process on a tiny store, connects to a loopback listener. Then the guard must refuse it. Queries that only
mention the word (in a string, an IRI, a name, a comment) must pass the guard and run on the engine.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from fixtures.web.service_spellings import (
    ENGINE_SPELLINGS,
    MENTIONS,
    SPEC_SPELLINGS,
    UNREADABLE_BY_RDFLIB,
    Listener,
)
from refmetiers import query as qs
from refmetiers.query import parsed_guard

LIMITS = qs.Limits()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for value in (ox.Literal("Responsable de service", language="fr"), ox.Literal("1", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))):
        store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), value, ox.NamedNode("urn:g")))
    return store


def run_on_engine(store: ox.Store, query: str) -> None:
    """Run ``query`` as a worker would, to the last answer; the engine's own errors are not ours here."""
    try:
        result = store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except (OSError, RuntimeError, SyntaxError):
        pass


@pytest.mark.parametrize("name", ENGINE_SPELLINGS)
def test_each_spelling_reaches_the_network_without_the_guard_and_is_refused(store, listener, name):
    query = ENGINE_SPELLINGS[name].format(t=listener.iri)
    run_on_engine(store, query)
    assert listener.connections >= 1, "not a hole: the engine did not connect"
    with pytest.raises(qs.QueryRefused) as refused:
        qs.check_query(query, LIMITS)
    if name in UNREADABLE_BY_RDFLIB:
        assert refused.value.message.startswith("the query mentions SERVICE (perhaps only in a name or a string) but "
                                                "could not be parsed")
    else:
        assert refused.value.message == "SERVICE is not allowed: this endpoint never queries other endpoints"
        assert refused.value.message_fr.startswith("SERVICE n'est pas permis")


@pytest.mark.parametrize("query", SPEC_SPELLINGS)
def test_escaped_spellings_are_refused_for_engines_that_decode_first(query):
    with pytest.raises(qs.QueryRefused, match="SERVICE"):
        qs.check_query(query, LIMITS)


@pytest.mark.parametrize("query", MENTIONS)
def test_the_word_alone_passes_and_runs(store, listener, query):
    assert qs.check_query(query, LIMITS) is False
    result = store.query(query, use_default_graph_as_union=True)  # raises if the engine cannot run it
    if not isinstance(result, ox.QueryBoolean):
        list(result)
    assert listener.connections == 0


def test_an_unparseable_mention_is_refused_with_its_place():
    with pytest.raises(qs.QueryRefused) as refused:
        qs.check_query('SELECT * WHERE {\n  ?s <urn:service> ?o .\n  FILTER(?o = "x" }', LIMITS)
    facts = refused.value.facts()
    assert facts["error"] == "QueryRefused"
    assert (facts["line"], facts["column"]) == (3, 3)  # where the FILTER that does not close starts
    assert "mentions SERVICE" in facts["message"] and "could not be parsed (line 3, column 3)" in facts["message"]
    assert "mentionne SERVICE" in facts["message_fr"] and "analysée (ligne 3, colonne 3)" in facts["message_fr"]


def test_a_mention_in_an_extension_oxigraph_accepts_is_refused(store):
    """SPARQL 1.2's triple terms parse in Oxigraph, not in rdflib: with the word in it, the query is refused."""
    query = "SELECT * WHERE { ?s ?p ?o FILTER(?o != <<( <urn:a> <urn:service> <urn:c> )>>) }"
    run_on_engine(store, query)  # Oxigraph reads it
    with pytest.raises(qs.QueryRefused, match="could not be parsed"):
        qs.check_query(query, LIMITS)


def test_queries_without_the_word_are_not_parsed(monkeypatch):
    parsed: list[str] = []
    monkeypatch.setattr(parsed_guard, "_refuse_if_service", parsed.append)
    qs.check_query("SELECT * WHERE { ?s <urn:servic> ?o } # serv ice", LIMITS)
    qs.check_query('SELECT * WHERE { ?s ?p "\\u0073" }', LIMITS)
    assert parsed == []
    qs.check_query("SELECT * WHERE { ?s <urn:Service> ?o }", LIMITS)
    qs.check_query('SELECT * WHERE { ?s ?p "\\u0073ervice" }', LIMITS)  # two readings: as sent, and decoded
    assert parsed == ["SELECT * WHERE { ?s <urn:Service> ?o }", 'SELECT * WHERE { ?s ?p "u0073ervice" }',
                      'SELECT * WHERE { ?s ?p "service" }']


def test_case_lookalikes_are_parsed_and_refused():
    # rdflib compares keywords upper-cased, as a Unicode-aware parser might: ſERVICE reads as SERVICE
    assert parsed_guard.could_name_service("\u017fERVICE", "\u017fERVICE")
    with pytest.raises(qs.QueryRefused, match="SERVICE"):
        qs.check_query("SELECT * { \u017fERVICE <http://127.0.0.1:9/> {} }", LIMITS)
