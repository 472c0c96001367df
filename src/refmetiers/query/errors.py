"""The errors of a client query: one class per failure a client can act on (``web/errors.py`` maps each to a
status). Each carries its message in English and French, and, for syntax errors, the line and column, so
that a page can show them and mark the place; ``str()`` is the English message."""

from __future__ import annotations

import re
from typing import Any

from ..errors import RefmetiersError


class QueryError(RefmetiersError):
    """Base of the errors of a client query."""

    def __init__(self, message: str, message_fr: str | None = None, *, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message = message
        self.message_fr = message_fr or message
        self.line = line
        self.column = column

    def facts(self) -> dict[str, Any]:
        """What a page or a JSON client renders: the error's name, both messages, the position if known."""
        return {"error": type(self).__name__, "message": self.message, "message_fr": self.message_fr,
                "line": self.line, "column": self.column}


class QuerySyntaxError(QueryError):
    """The query does not parse; ``line`` and ``column`` say where, when the parser told."""


class QueryRefused(QueryError):
    """The query asks for something this read-only endpoint never does (SERVICE, too deep nesting)."""


class UpdateRefused(QueryError):
    """An update (INSERT, DELETE, LOAD, CLEAR …) was sent to the read-only endpoint."""


class QueryTooLarge(QueryError):
    """The query text or request body is longer than the cap."""


class ResultTooLarge(QueryError):
    """The result has more rows or triples than the cap (never silently cut)."""


class QueryTimeout(QueryError):
    """The query ran past its time budget and was stopped."""


class Overloaded(QueryError):
    """More queries are waiting than the machine can run, or this client holds too many; retry later."""


class QueryTooExpensive(QueryError):
    """The query killed its worker (it hit the worker's memory cap or overflowed its stack); the worker was
    replaced."""


class Unavailable(QueryError):
    """No query worker is running (all failed to start or died); the server keeps trying to start them."""


class EngineFailure(QueryError):
    """The query engine failed in an unexpected way (our fault: logged)."""


# Every class a worker may name in its reply (the pipe carries names, not pickled exceptions).
BY_NAME: dict[str, type[QueryError]] = {cls.__name__: cls for cls in (
    QuerySyntaxError, QueryRefused, UpdateRefused, QueryTooLarge, ResultTooLarge, QueryTimeout, QueryTooExpensive)}

_POSITION = re.compile(r"error at (\d+):(\d+): ?")


def syntax_error(parser_message: str) -> QuerySyntaxError:
    """A syntax error from pyoxigraph's message (``error at LINE:COLUMN: expected …``), position kept apart."""
    match = _POSITION.search(parser_message)
    if match is None:
        return QuerySyntaxError(f"malformed query: {parser_message}", f"requête mal formée : {parser_message}")
    line, column = int(match.group(1)), int(match.group(2))
    detail = parser_message[match.end():]
    return QuerySyntaxError(f"malformed query at line {line}, column {column}: {detail}",
                            f"requête mal formée à la ligne {line}, colonne {column} : {detail}",
                            line=line, column=column)
