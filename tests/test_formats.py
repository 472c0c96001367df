"""Accept negotiation, as a table: the headers real clients send (../shared/clients.md) and what each must get."""

from __future__ import annotations

import pytest

from refmetiers import formats as f

SELECT_OFFER = f.RESULT_FORMATS + (f.HTML,)
GRAPH_OFFER = f.GRAPH_FORMATS + (f.HTML,)

# (who sends it, the Accept header, what is offered, the format that must be chosen; None = 406)
TABLE = [
    ("no header", None, SELECT_OFFER, f.RESULTS_JSON),
    ("empty header", "  ", GRAPH_OFFER, f.TURTLE),
    ("anything", "*/*", GRAPH_OFFER, f.TURTLE),
    ("SPARQLWrapper JSON", "application/sparql-results+json,application/json,text/javascript,application/javascript",
     SELECT_OFFER, f.RESULTS_JSON),
    ("SPARQLWrapper Turtle: first type non-standard, the alias must be found",
     "application/turtle,text/turtle", GRAPH_OFFER, f.TURTLE),
    ("rdflib default (xml) for a SELECT", "application/rdf+xml, application/sparql-results+xml", SELECT_OFFER,
     f.RESULTS_XML),
    ("rdflib default (xml) for a CONSTRUCT", "application/rdf+xml, application/sparql-results+xml", GRAPH_OFFER,
     f.RDFXML),
    ("Jena rsparql SELECT",
     "application/sparql-results+json, application/sparql-results+xml;q=0.9, text/tab-separated-values;q=0.7, "
     "text/csv;q=0.5, application/json;q=0.2, application/xml;q=0.2, */*;q=0.1", SELECT_OFFER, f.RESULTS_JSON),
    ("Jena rsparql CONSTRUCT",
     "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,*/*;q=0.3",
     GRAPH_OFFER, f.TURTLE),
    ("a browser", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
     GRAPH_OFFER, f.HTML),
    ("a browser on a SELECT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", SELECT_OFFER, f.HTML),
    ("q decides over order", "text/turtle;q=0.5, application/ld+json", GRAPH_OFFER, f.JSONLD),
    ("on equal q the client's order decides", "application/n-triples, text/turtle", GRAPH_OFFER, f.NTRIPLES),
    ("the most specific range sets the q", "text/*;q=0.9, text/turtle;q=0, */*;q=0.1", GRAPH_OFFER, f.HTML),
    ("q=0 refuses", "text/turtle;q=0", (f.TURTLE,), None),
    ("nothing acceptable", "image/png", GRAPH_OFFER, None),
    ("media type case does not matter", "TEXT/Turtle", GRAPH_OFFER, f.TURTLE),
    ("parameters other than q are ignored", "application/sparql-query;charset=utf-8, text/csv;charset=utf-8",
     SELECT_OFFER, f.RESULTS_CSV),
    ("a malformed q is q=0", "text/csv;q=abc, text/tab-separated-values;q=0.1", SELECT_OFFER, f.RESULTS_TSV),
    ("malformed entries are skipped", "garbage, ;;, text/csv", SELECT_OFFER, f.RESULTS_CSV),
]


@pytest.mark.parametrize(("who", "accept", "offered", "chosen"), TABLE, ids=[row[0] for row in TABLE])
def test_negotiate(who, accept, offered, chosen):
    assert f.negotiate(accept, offered) is chosen


def test_parse_accept_keeps_q_and_order():
    ranges = f.parse_accept("text/turtle;q=0.5, application/*, */*;q=2")
    assert [(r.type, r.subtype, r.q, r.order) for r in ranges] == [
        ("text", "turtle", 0.5, 0), ("application", "*", 1.0, 1), ("*", "*", 1.0, 2)]  # q is clamped to [0, 1]


@pytest.mark.parametrize(("lookup", "expected"), [
    (lambda: f.by_media_type("application/sparql-query;charset=utf-8"), None),
    (lambda: f.by_media_type("Application/LD+JSON; profile=x"), f.JSONLD),
    (lambda: f.by_extension("refmetiers-full.nt"), f.NTRIPLES),
    (lambda: f.by_extension("README"), None),
    (lambda: f.by_name(".TRIG"), f.TRIG),
])
def test_lookups(lookup, expected):
    assert lookup() is expected


def test_every_format_is_named_once_per_kind():
    seen = {}
    for fmt in f.FORMATS:
        for key in {fmt.name, fmt.extension}:
            assert (fmt.kind, key) not in seen, f"{key} names both {seen.get((fmt.kind, key))} and {fmt}"
            seen[(fmt.kind, key)] = fmt
