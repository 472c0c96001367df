"""The guard that reads the parsed query: a SERVICE anywhere in it is refused, however it is spelled.

pyoxigraph 0.5 cannot parse a query without running it, and it sends SERVICE's HTTP request as soon as it
evaluates one (even inside ``FILTER EXISTS``), so the query is parsed here with rdflib's SPARQL 1.1 parser
and its parse tree searched for a ``ServiceGraphPattern``: in subqueries, EXISTS and NOT EXISTS (in FILTER,
BIND, SELECT, HAVING, ORDER BY), OPTIONAL, UNION, MINUS, GRAPH.

Only a query that could spell the keyword pays for the parse: one whose text, as sent or with its ``\\u``
escapes decoded, holds the letters "service" in any case. Such a query is read twice, as two engines read
it: as Oxigraph does (``\\u`` escapes only inside strings and IRIs, where they cannot open or close one), and
as SPARQL 1.1 §19.2 says (escapes decoded first, as Jena does behind ``serve --store``). A query that
mentions SERVICE but does not parse is refused too: what cannot be checked does not run.

The parser recurses; ``guard.check_query`` caps nesting and chained operators before this runs.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import Any

from .errors import QueryRefused

# The letters a keyword SERVICE is made of, in any case, once lower-cased; and the non-ASCII letters whose
# case mapping is one of them (a parser comparing with Unicode case rules could read ſERVICE or SERVİCE).
_LETTERS = "service"
_CASE_LOOKALIKES = re.compile("[\u017f\u0130\u0131\u212a]")  # ſ, İ, ı, K (Kelvin)
_CODEPOINT = re.compile(r"\\\\|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# rdflib's parser recurses about a dozen frames per triple pattern in a row and per bracket: within the
# guard's caps (64 brackets, 256 operators) it needs up to about 3,300 frames (measured), more than Python's
# default 1,000. Raised only while parsing (the server parses in one thread); Python frames do not grow
# the C stack, so this is safe on the default 8 MB stack (checked at 8,000 frames in the main thread).
_PARSE_RECURSION = 8_000


def could_name_service(text: str, decoded: str) -> bool:
    """Whether ``text`` (or ``decoded``, the same with its \\u escapes decoded) could spell SERVICE.

    An over-approximation: "service" in an IRI, a string or a variable counts; it only costs a parse.

    >>> could_name_service("SELECT * { ?s ?p 'un SerVice' }", "SELECT * { ?s ?p 'un SerVice' }")
    True
    >>> could_name_service("SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p ?o }")
    False
    """
    return any(_LETTERS in t.lower() or _CASE_LOOKALIKES.search(t) for t in (text, decoded))


def oxigraph_reading(text: str) -> str:
    """``text`` with the backslash of each \\u and \\U escape dropped (an escaped backslash is kept).

    Oxigraph decodes these escapes only inside strings and IRIs, where they cannot open or close one; outside
    them they are a syntax error. Without the backslash they are plain letters where they stand: strings and
    IRIs keep the bounds Oxigraph gives them, and a keyword spelled with an escape stays unreadable.

    >>> oxigraph_reading(r'BIND("\\u0022" AS ?a) \\u0053ERVICE "\\\\u0041"')
    'BIND("u0022" AS ?a) u0053ERVICE "\\\\\\\\u0041"'
    """
    return _CODEPOINT.sub(lambda m: m.group(0) if m.group(0) == "\\\\" else m.group(0)[1:], text)


def _holds_service(tree: Any) -> bool:
    """Whether a parse tree (rdflib's ``CompValue``s, ``ParseResults`` and lists) holds a SERVICE pattern.

    Walked with a stack, not recursion: the tree is as deep as the query is nested.
    """
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)
    return False


def _cannot_check(detail: str, detail_fr: str, line: int | None = None, column: int | None = None) -> QueryRefused:
    where_en = f" (line {line}, column {column})" if line is not None else ""
    where_fr = f" (ligne {line}, colonne {column})" if line is not None else ""
    return QueryRefused(
        f"the query mentions SERVICE (perhaps only in a name or a string) but could not be parsed{where_en} to make "
        f"sure it does not call another endpoint: {detail}. Check its syntax; SPARQL extensions are not accepted "
        "in such a query",
        f"la requête mentionne SERVICE (peut-être seulement dans un nom ou une chaîne) mais n'a pas pu être "
        f"analysée{where_fr} pour vérifier qu'elle n'appelle pas un autre service : {detail_fr}. Vérifiez sa syntaxe ; "
        "les extensions de SPARQL ne sont pas acceptées dans une telle requête",
        line=line, column=column)


@functools.lru_cache(maxsize=128)
def _verdict(reading: str) -> tuple[str, str, int | None, int | None] | None:
    """Why ``reading`` is refused (English, French, line, column), or None. Kept for the last 128 readings:
    a parse costs milliseconds, and clients repeat their queries."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import Query

    previous = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(previous, _PARSE_RECURSION))
        tree = Query.parse_string(reading, parse_all=True)
    except ParseBaseException as exc:
        refused = _cannot_check(exc.msg, exc.msg, exc.lineno, exc.col)  # pyparsing speaks English
    except RecursionError:
        refused = _cannot_check("too deeply nested for the check", "trop imbriquée pour la vérification")
    except Exception as exc:  # noqa: BLE001 - a parse action refused a term: unreadable, so refused
        refused = _cannot_check(f"{type(exc).__name__}: {exc}", f"{type(exc).__name__} : {exc}")
    else:
        if not _holds_service(tree):
            return None
        refused = QueryRefused("SERVICE is not allowed: this endpoint never queries other endpoints",
                               "SERVICE n'est pas permis : ce service n'interroge jamais d'autres services")
    finally:
        sys.setrecursionlimit(previous)
    return refused.message, refused.message_fr, refused.line, refused.column


def _refuse_if_service(reading: str) -> None:
    verdict = _verdict(reading)
    if verdict is not None:
        message, message_fr, line, column = verdict
        raise QueryRefused(message, message_fr, line=line, column=column)


def check_service(text: str, decoded: str) -> None:
    """Refuse a query whose parse holds SERVICE, or that mentions it and does not parse.

    ``decoded`` is ``text`` with its \\u escapes decoded (``guard.decode_codepoints``). Costs nothing when
    neither could spell the keyword.

    Raises:
        QueryRefused: SERVICE in either reading, or a mention of it in a query rdflib cannot parse.
    """
    if not could_name_service(text, decoded):
        return
    engine = oxigraph_reading(text)
    _refuse_if_service(engine)
    if decoded != text and decoded != engine:
        _refuse_if_service(decoded)
