"""Running one query on a pyoxigraph store within the caps, and serialising its answer.

This is what a worker process does for each request; it knows nothing of processes or HTTP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from .. import formats
from ..namespaces import iris_of, writer_prefixes
from .errors import QueryRefused, QuerySyntaxError, ResultTooLarge, syntax_error
from .guard import names_dataset
from .limits import Limits

ResultKind = Literal["boolean", "solutions", "graph"]


@dataclass(frozen=True)
class QueryRequest:
    """One client query and how to answer it.

    ``base_iri`` resolves relative IRIs in the query (``<s>``); the server passes its published base.
    """

    text: str
    results_format: formats.Format = formats.RESULTS_JSON
    graph_format: formats.Format = formats.TURTLE
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    timeout_s: float | None = None
    union_default: bool | None = None  # None: decided from the text (no protocol dataset and no FROM)
    base_iri: str | None = None
    client: str = ""  # who asked (an address or a token): the scheduler shares the workers fairly among clients

    def to_wire(self) -> tuple:
        """A plain tuple for the pipe (pickling dataclasses costs more than the query itself)."""
        return (self.text, self.results_format.name, self.graph_format.name, self.default_graphs, self.named_graphs,
                self.union_default, self.base_iri)

    @classmethod
    def from_wire(cls, wire: tuple) -> QueryRequest:
        text, results, graph, default_graphs, named_graphs, union, base = wire
        return cls(text, _format(results, formats.RESULT_FORMATS), _format(graph, formats.GRAPH_FORMATS),
                   default_graphs, named_graphs, None, union, base)


def _format(name: str, among: tuple[formats.Format, ...]) -> formats.Format:
    fmt = formats.by_name(name, among)
    if fmt is None:
        raise ValueError(f"unknown format {name!r}")
    return fmt


@dataclass(frozen=True)
class QueryResult:
    """A serialised answer: its kind, format and bytes."""

    kind: ResultKind
    format: formats.Format
    body: bytes
    count: int | None = None
    seconds: float = 0.0


class _Capped:
    """A write-only buffer that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge(f"the result is larger than {self.limit} bytes",
                                 f"le résultat dépasse {self.limit} octets")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _count_rows(body: bytes, fmt: formats.Format) -> int:
    """The number of solutions in a serialised result, exactly for TSV and XML; an upper bound otherwise."""
    if fmt is formats.RESULTS_TSV:  # one line per solution after the header; newlines in literals are escaped
        return max(body.count(b"\n") - 1, 0)
    if fmt is formats.RESULTS_XML:
        return body.count(b"<result>")
    return body.count(b"{") if fmt is formats.RESULTS_JSON else body.count(b"\n")


def _exact_rows(body: bytes, fmt: formats.Format) -> int:
    import pyoxigraph as ox

    if fmt is formats.RESULTS_CSV:  # pyoxigraph does not read CSV results back (lossy); Python's csv reader does
        import csv
        import io

        return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1, 0)
    parsed = ox.parse_query_results(body, format=fmt.ox)
    assert isinstance(parsed, ox.QuerySolutions)
    return sum(1 for _ in parsed)


def _too_many_rows(count: int, limits: Limits) -> ResultTooLarge:
    return ResultTooLarge(f"the result has {count} rows; the limit is {limits.max_rows} "
                          "(add LIMIT and OFFSET to page through it, or download a dump)",
                          f"le résultat a {count} lignes ; la limite est {limits.max_rows} "
                          "(ajoutez LIMIT et OFFSET pour le parcourir par pages, ou téléchargez un export)")


def _too_many_triples(limits: Limits) -> ResultTooLarge:
    return ResultTooLarge(f"the result has more than {limits.max_triples} triples (narrow the query, or download "
                          "a dump)", f"le résultat a plus de {limits.max_triples} triplets (restreignez la requête, "
                          "ou téléchargez un export)")


def execute(store, request: QueryRequest, limits: Limits) -> QueryResult:
    """Run ``request`` on ``store`` and serialise the answer with pyoxigraph's serializers.

    Raises:
        QuerySyntaxError: the query does not parse.
        QueryRefused: the query calls a function the engine does not have.
        ResultTooLarge: more than ``limits.max_rows`` solutions or ``limits.max_triples`` triples.
    """
    import pyoxigraph as ox

    start = time.perf_counter()
    options: dict = {"base_iri": request.base_iri}
    try:
        if request.default_graphs or request.named_graphs:
            options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs] or [ox.DefaultGraph()]
            options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
        elif request.union_default if request.union_default is not None else not names_dataset(request.text):
            # Without a dataset from the protocol or FROM clauses, the default graph is the union (DESIGN.md §3).
            options["use_default_graph_as_union"] = True
    except ValueError as exc:
        raise QuerySyntaxError(f"invalid graph IRI: {exc}", f"IRI de graphe invalide : {exc}") from None
    try:
        result = store.query(request.text, **options)
    except SyntaxError as exc:
        raise syntax_error(str(exc)) from None
    except ValueError as exc:
        raise QuerySyntaxError(f"invalid query: {exc}", f"requête invalide : {exc}") from None
    except RuntimeError as exc:
        if "custom function" in str(exc):  # e.g. <java:x>(): a function this engine does not have
            raise QueryRefused(f"the query calls a function this endpoint does not have: {exc}",
                               f"la requête appelle une fonction que ce service n'a pas : {exc}") from None
        raise
    buffer = _Capped(limits.max_result_bytes)
    if isinstance(result, ox.QuerySolutions):
        fmt = request.results_format
        result.serialize(buffer, fmt.ox)  # type: ignore[arg-type]  # any object with write() will do
        body = buffer.getvalue()
        count = _count_rows(body, fmt)
        if count > limits.max_rows:
            count = _exact_rows(body, fmt)
        if count > limits.max_rows:
            raise _too_many_rows(count, limits)
        return QueryResult("solutions", fmt, body, count, time.perf_counter() - start)
    if isinstance(result, ox.QueryBoolean):
        # CSV has no form for a boolean (SPARQL 1.1 CSV/TSV results): a bare "true" is read as an empty table
        # by clients that parse by Content-Type (rdflib reads false). Answer SPARQL JSON instead. (TSV keeps
        # Oxigraph's "true"/"false", which pyoxigraph and Oxigraph read back.)
        fmt = formats.RESULTS_JSON if request.results_format is formats.RESULTS_CSV else request.results_format
        result.serialize(buffer, fmt.ox)  # type: ignore[arg-type]  # any object with write() will do
        return QueryResult("boolean", fmt, buffer.getvalue(), None, time.perf_counter() - start)
    fmt = request.graph_format
    counter = {"n": 0}

    def capped(triples):
        for triple in triples:
            counter["n"] += 1
            if counter["n"] > limits.max_triples:
                raise _too_many_triples(limits)
            yield triple

    try:
        if fmt.prefixes == "none":  # streamed as the engine yields them
            ox.serialize(capped(result), buffer, fmt.ox)  # type: ignore[arg-type]
        else:  # the prefixes depend on every IRI of the answer (namespaces.writer_prefixes)
            triples = list(capped(result))
            ox.serialize(triples, buffer, fmt.ox, prefixes=writer_prefixes(fmt, iris_of(triples)))  # type: ignore[arg-type]
    except ResultTooLarge:
        raise
    except Exception as exc:  # the generator's exception may come back wrapped
        if isinstance(exc.__cause__, ResultTooLarge) or counter["n"] > limits.max_triples:
            raise _too_many_triples(limits) from None
        raise
    return QueryResult("graph", fmt, buffer.getvalue(), counter["n"], time.perf_counter() - start)
