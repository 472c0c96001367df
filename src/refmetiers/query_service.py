"""SPARQL query execution with containment: guards before parsing, worker processes, time budget, caps.

Why worker processes: pyoxigraph 0.5 overflows its stack (and kills the whole process) on a query of a
few hundred chained property-path steps or OPTIONALs, and it cannot interrupt a running query. So every
client query runs in a worker process that holds its own copy of the store; a worker that crashes or
overruns its time budget is killed and replaced while the others go on serving. A lexical guard refuses
the shapes we know to crash the engine (too deep nesting, too many chained operators) before any parser
sees them, and refuses SERVICE (pyoxigraph would make the HTTP request) and updates.

No web framework here: ``web/sparql.py`` maps the errors below to HTTP statuses.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import multiprocessing
import pickle
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import formats
from .errors import RefmetiersError

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------------
# Errors: one class per failure a client can act on (the web layer maps each to a status).
# --------------------------------------------------------------------------------------------------

class QueryError(RefmetiersError):
    """Base of the errors of a client query."""


class QuerySyntaxError(QueryError):
    """The query does not parse; the message carries the parser's position."""


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
    """More queries are waiting than the machine can run; retry later."""


class QueryTooExpensive(QueryError):
    """The query killed its worker (more memory or stack than a worker may use); the worker was replaced."""


class EngineFailure(QueryError):
    """The query engine failed in an unexpected way (our fault: logged)."""


# --------------------------------------------------------------------------------------------------
# Lexical guard: runs before any parser, on text with strings, IRIs and comments blanked out.
# --------------------------------------------------------------------------------------------------

# SPARQL 1.1 §19.2: \uXXXX and \UXXXXXXXX escapes are processed before parsing, so a keyword may be
# spelled with them; we decode them before looking for keywords.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Strings (the four literal forms, with escapes), IRIREF (exact grammar: no spaces, no <>"{}|^`\),
# escapes, and comments; matched left to right so that a '#' inside an IRI or a string is not a comment.
_OPAQUE = re.compile(
    r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|\\."  # an escape outside strings (a prefixed name's \' or \#) is neither a quote nor a comment
    r"|#[^\n\r]*",
    re.DOTALL,
)


def _keyword(word: str) -> re.Pattern:
    # A bare keyword: not part of a prefixed name (ex:service, service:x), a variable or a longer word.
    return re.compile(rf"(?<![\w:?$.\-]){word}(?![\w:\-])", re.IGNORECASE)


_SERVICE = _keyword("SERVICE")
_FROM = _keyword("FROM")
_CHAIN_KEYWORDS = re.compile(r"(?<![\w:?$.\-])(UNION|OPTIONAL|MINUS|EXISTS)(?![\w:\-])", re.IGNORECASE)
# Operators that make left- or right-deep trees in the engine: path steps and alternatives, boolean
# and arithmetic operators, and the separators of triple patterns.
_CHAIN_OPERATORS = re.compile(r"\|\||&&|[/|^+*]|(?<![A-Za-z_])-|-(?!\w)|[.;,](?!\d)")
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s+)(?:<[^>]*>|\s)\s*)*", re.IGNORECASE)
_UPDATE_START = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """The caps every client query is held to."""

    timeout_s: float = 10.0
    max_query_length: int = 20_000
    max_depth: int = 64
    max_operators: int = 256
    max_rows: int = 10_000
    max_triples: int = 100_000
    max_result_bytes: int = 64 * 1024 * 1024
    workers: int = 2
    max_waiting: int = 64
    max_worker_memory: int = 4 * 1024 ** 3  # address space of a worker, in bytes (0: no limit)


def decode_codepoints(text: str) -> str:
    """``text`` with SPARQL's \\u and \\U escapes decoded (invalid code points stay as they are)."""
    def replace(match: re.Match) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else match.group(0)
    return _CODEPOINT.sub(replace, text)


def blank_opaque(text: str) -> str:
    """``text`` with string literals, IRIs and comments replaced by a space: what keywords can be."""
    return _OPAQUE.sub(" ", text)


def check_query(text: str, limits: Limits) -> bool:
    """Refuse, before any parser runs, a query that is too long, an update, SERVICE or a crash shape.

    Returns whether the query names its own dataset (FROM or FROM NAMED).

    Raises:
        QueryTooLarge: longer than ``limits.max_query_length`` characters.
        UpdateRefused: the text is a SPARQL Update request.
        QueryRefused: SERVICE, too deep nesting or too many chained operators.
    """
    if len(text) > limits.max_query_length:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {limits.max_query_length}")
    # Two readings: the text as the engine tokenises it (escapes stay inside strings and IRIs), and the
    # text with \u escapes decoded first, as SPARQL 1.1 §19.2 says. A keyword seen in either is refused:
    # a decoded \u0022 can close a string early in one reading and open one that hides SERVICE in the other.
    codes = [blank_opaque(text)]
    decoded = decode_codepoints(text)
    if decoded != text:
        codes.append(blank_opaque(decoded))
    for code in codes:
        start = _PROLOGUE.match(code)
        rest = code[start.end():] if start else code
        update = _UPDATE_START.match(rest)
        if update:
            raise UpdateRefused(f"this endpoint is read-only: {update.group(1).upper()} (SPARQL Update) is not accepted")
        if _SERVICE.search(code):
            raise QueryRefused("SERVICE is not allowed: this endpoint never queries other endpoints")
    for code in codes:
        depth = deepest = 0
        for char in code:
            if char in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "})]":
                depth -= 1
        if deepest > limits.max_depth:
            raise QueryRefused(f"the query nests brackets {deepest} deep; the limit is {limits.max_depth}")
        operators = len(_CHAIN_KEYWORDS.findall(code)) + len(_CHAIN_OPERATORS.findall(code))
        if operators > limits.max_operators:
            raise QueryRefused(f"the query chains {operators} operators (UNION, OPTIONAL, paths, '.', '||' …); "
                               f"the limit is {limits.max_operators}")
    return any(_FROM.search(code) for code in codes)


def decode_body(body: bytes, charset: str | None) -> str:
    """The text of a request body in ``charset`` (default UTF-8); never a silent replacement.

    Raises:
        QuerySyntaxError: the bytes are not valid in that charset, or the charset is unknown.
    """
    name = (charset or "utf-8").strip().strip('"') or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        raise QuerySyntaxError(f"unknown charset {name!r}") from None
    try:
        return body.decode(name)
    except UnicodeDecodeError as exc:
        raise QuerySyntaxError(f"the request is not valid {name} at byte {exc.start}") from None


# --------------------------------------------------------------------------------------------------
# What a worker is asked and answers.
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueryRequest:
    """One client query and how to answer it."""

    text: str
    results_format: formats.Format = formats.RESULTS_JSON
    graph_format: formats.Format = formats.TURTLE
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    timeout_s: float | None = None
    union_default: bool | None = None  # None: decided from the text (no protocol dataset and no FROM)

    def to_wire(self) -> tuple:
        """A plain tuple for the pipe (pickling dataclasses costs more than the query itself)."""
        return (self.text, self.results_format.name, self.graph_format.name, self.default_graphs, self.named_graphs,
                self.union_default)

    @classmethod
    def from_wire(cls, wire: tuple) -> "QueryRequest":
        text, results, graph, default_graphs, named_graphs, union = wire
        return cls(text, formats.by_name(results), formats.by_name(graph), default_graphs, named_graphs, None, union)


@dataclass(frozen=True)
class QueryResult:
    """A serialised answer: its kind (``boolean``, ``solutions``, ``graph``), format and bytes."""

    kind: str
    format: formats.Format
    body: bytes
    count: int | None = None
    seconds: float = 0.0


_RESULTS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}
_RDF = {"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "rdf": "RDF_XML", "trig": "TRIG", "nq": "N_QUADS"}


class _Capped:
    """A write-only buffer that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise ResultTooLarge(f"the result is larger than {self.limit} bytes")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _count_rows(body: bytes, fmt_name: str, ox) -> int:
    """The number of solutions in a serialised result, exactly; cheap bounds first."""
    if fmt_name == "tsv":  # one line per solution after the header; newlines in literals are escaped
        return max(body.count(b"\n") - 1, 0)
    if fmt_name == "xml":
        return body.count(b"<result>")
    bound = body.count(b"{") if fmt_name == "json" else body.count(b"\n")
    return bound  # an upper bound; the caller re-counts only when it passes the cap


def _exact_rows(body: bytes, fmt_name: str, ox) -> int:
    if fmt_name == "csv":  # pyoxigraph does not read CSV results back (lossy); Python's csv reader does
        import csv
        import io

        return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1, 0)
    parsed = ox.parse_query_results(body, format=getattr(ox.QueryResultsFormat, _RESULTS[fmt_name]))
    return sum(1 for _ in parsed)


def execute(store, request: QueryRequest, limits: Limits) -> QueryResult:
    """Run ``request`` on ``store`` and serialise the answer with pyoxigraph's serializers.

    Raises:
        QuerySyntaxError: the query does not parse.
        ResultTooLarge: more than ``limits.max_rows`` solutions or ``limits.max_triples`` triples.
    """
    import pyoxigraph as ox

    start = time.perf_counter()
    options: dict = {}
    if request.default_graphs or request.named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs] or [ox.DefaultGraph()]
        options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    elif request.union_default if request.union_default is not None else \
            not any(_FROM.search(blank_opaque(t)) for t in (request.text, decode_codepoints(request.text))):
        # Without a dataset from the protocol or FROM clauses, the default graph is the union (DESIGN.md §3).
        options["use_default_graph_as_union"] = True
    try:
        result = store.query(request.text, **options)
    except SyntaxError as exc:
        raise QuerySyntaxError(f"malformed query: {exc}") from None
    except ValueError as exc:  # e.g. a relative or invalid IRI in default-graph-uri
        raise QuerySyntaxError(f"invalid query: {exc}") from None
    buffer = _Capped(limits.max_result_bytes)
    if isinstance(result, ox.QuerySolutions):
        fmt = request.results_format
        result.serialize(buffer, getattr(ox.QueryResultsFormat, _RESULTS[fmt.name]))
        body = buffer.getvalue()
        count = _count_rows(body, fmt.name, ox)
        if count > limits.max_rows:
            count = _exact_rows(body, fmt.name, ox)
        if count > limits.max_rows:
            raise ResultTooLarge(f"the result has {count} rows; the limit is {limits.max_rows} "
                                 "(add LIMIT and OFFSET to page through it, or download a dump)")
        return QueryResult("solutions", fmt, body, count, time.perf_counter() - start)
    if isinstance(result, ox.QueryBoolean):
        fmt = request.results_format
        result.serialize(buffer, getattr(ox.QueryResultsFormat, _RESULTS[fmt.name]))
        return QueryResult("boolean", fmt, buffer.getvalue(), None, time.perf_counter() - start)
    fmt = request.graph_format
    counter = {"n": 0}

    def capped(triples):
        for triple in triples:
            counter["n"] += 1
            if counter["n"] > limits.max_triples:
                raise ResultTooLarge(f"the result has more than {limits.max_triples} triples "
                                     "(narrow the query, or download a dump)")
            yield triple

    from .store import TURTLE_PREFIXES

    prefixes = TURTLE_PREFIXES if fmt.name in ("ttl", "rdf", "trig", "jsonld") else None
    try:
        ox.serialize(capped(result), buffer, getattr(ox.RdfFormat, _RDF[fmt.name]), prefixes=prefixes)
    except ResultTooLarge:
        raise
    except Exception as exc:  # the generator's exception may come back wrapped
        if isinstance(exc.__cause__, ResultTooLarge) or counter["n"] > limits.max_triples:
            raise ResultTooLarge(f"the result has more than {limits.max_triples} triples") from None
        raise
    return QueryResult("graph", fmt, buffer.getvalue(), counter["n"], time.perf_counter() - start)


# --------------------------------------------------------------------------------------------------
# Worker processes.
# --------------------------------------------------------------------------------------------------

def isolate_network() -> bool:
    """Move this process into a new, empty network namespace (no interface up), when the OS allows it.

    The second line of defence behind the SERVICE guard: pyoxigraph makes real HTTP requests for SERVICE,
    and a worker without a network cannot. Needs CAP_SYS_ADMIN or unprivileged user namespaces, and a
    single-threaded process (so: first thing in the worker). Returns whether it worked.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0


def _worker_main(conn, quads_path: str, limits: Limits) -> None:
    """The loop of one worker process: cut the network, load the store, answer requests until the pipe closes."""
    isolated = isolate_network()
    if limits.max_worker_memory:
        # A query that would take the machine's memory makes this worker fail an allocation and die
        # (contained like any crash) instead of waking the kernel's OOM killer.
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.max_worker_memory, limits.max_worker_memory))
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=quads_path, format=ox.RdfFormat.N_QUADS)
    conn.send_bytes(b"ready:isolated" if isolated else b"ready:networked")
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        request = QueryRequest.from_wire(pickle.loads(message))
        try:
            result = execute(store, request, limits)
            reply = ("ok", result.kind, result.format.name, result.body, result.count, result.seconds)
        except QueryError as exc:
            reply = ("error", type(exc).__name__, str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
            reply = ("error", "internal", f"{type(exc).__name__}: {exc}")
        conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))


_ERRORS = {cls.__name__: cls for cls in (QuerySyntaxError, QueryRefused, UpdateRefused, QueryTooLarge,
                                        ResultTooLarge, QueryTimeout)}


class _Worker:
    def __init__(self, context, quads_path: str, limits: Limits):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, quads_path, limits), daemon=True,
                                       name="refmetiers-query-worker")
        self.process.start()
        child.close()
        self.isolated = False

    def wait_ready(self, timeout: float) -> bool:
        try:
            if not self.conn.poll(timeout):
                return False
            message = self.conn.recv_bytes()
        except (EOFError, OSError):
            return False
        self.isolated = message == b"ready:isolated"
        return message.startswith(b"ready")

    async def call(self, loop: asyncio.AbstractEventLoop, payload: bytes, timeout: float):
        """Send one request; return the reply, ``"timeout"`` or ``"crash"``.

        The reply is read when the pipe becomes readable (no thread hop: this is the hot path).
        """
        future = loop.create_future()
        fd = self.conn.fileno()

        def readable():
            loop.remove_reader(fd)
            if future.done():
                return
            try:
                future.set_result(pickle.loads(self.conn.recv_bytes()))
            except (EOFError, OSError, pickle.UnpicklingError):
                future.set_result("crash")

        try:
            self.conn.send_bytes(payload)
        except OSError:
            return "crash"
        loop.add_reader(fd, readable)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            return "timeout"
        finally:
            loop.remove_reader(fd)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


@dataclass
class ServiceStats:
    """Counters for /readyz and the logs."""

    served: int = 0
    timeouts: int = 0
    crashes: int = 0
    refused_busy: int = 0
    replaced: int = 0
    ready_workers: int = 0
    network_isolated: bool | None = None  # every worker so far runs without a network


class QueryService:
    """A pool of worker processes answering client queries within the limits.

    Use ``await service.start()`` in the application's startup, ``await service.run(request)`` per
    query, and ``service.close()`` at shutdown.
    """

    def __init__(self, dist: Path, limits: Limits, *, start_timeout_s: float = 120.0):
        from .store import QUADS_FILE

        self.quads_path = str(Path(dist) / QUADS_FILE)
        self.limits = limits
        self.start_timeout_s = start_timeout_s
        self.stats = ServiceStats()
        self._context = multiprocessing.get_context("spawn")
        self._executor = ThreadPoolExecutor(max_workers=limits.workers + 2, thread_name_prefix="refmetiers-query")
        self._idle: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        self._closed = False
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()

    # -- life cycle --------------------------------------------------------------------------------

    def _spawn(self) -> _Worker | None:
        worker = _Worker(self._context, self.quads_path, self.limits)
        with self._lock:
            self._all.add(worker)
        if worker.wait_ready(self.start_timeout_s) and not self._closed:
            if not worker.isolated and self.stats.network_isolated is not False:
                log.warning("query workers run with the network (no network namespace here); the SERVICE guard "
                            "is the only defence against outbound requests")
            self.stats.network_isolated = worker.isolated and self.stats.network_isolated is not False
            return worker
        if not self._closed:
            log.error("a query worker failed to start")
        self._forget(worker)
        return None

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    async def start(self) -> None:
        """Start the workers (in parallel) and wait until they have loaded the store."""
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*[self._loop.run_in_executor(self._executor, self._spawn)
                                         for _ in range(self.limits.workers)])
        for worker in workers:
            if worker is not None:
                self._idle.put_nowait(worker)
                self.stats.ready_workers += 1

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._forget(worker)
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def waiting(self) -> int:
        """How many queries wait for a free worker."""
        return self._waiting

    @property
    def ready(self) -> bool:
        return self.stats.ready_workers > 0 and not self._closed

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start another in the background; it joins the pool once it is ready."""
        self._forget(worker)
        self.stats.ready_workers -= 1
        self.stats.replaced += 1

        def respawn():
            new = self._spawn()
            if new is not None and self._loop is not None and not self._closed:
                self.stats.ready_workers += 1
                self._loop.call_soon_threadsafe(self._idle.put_nowait, new)

        threading.Thread(target=respawn, daemon=True, name="refmetiers-respawn").start()

    # -- queries -----------------------------------------------------------------------------------

    def budget(self, requested: float | None) -> float:
        """The time budget of a query: the server's, or less if the client asks for less."""
        if requested is not None and 0 < requested < self.limits.timeout_s:
            return requested
        return self.limits.timeout_s

    async def run(self, request: QueryRequest) -> QueryResult:
        """Answer ``request`` in a worker, within its time budget.

        Raises:
            QueryError: one of the subclasses above, each a failure the client can act on.
        """
        names_dataset = check_query(request.text, self.limits)
        budget = self.budget(request.timeout_s)
        deadline = time.monotonic() + budget
        if self._idle is None:
            raise Overloaded("the query service is starting")
        if self._waiting >= self.limits.max_waiting:
            self.stats.refused_busy += 1
            raise Overloaded(f"{self._waiting} queries are already waiting; retry in a moment")
        try:
            worker = self._idle.get_nowait()
        except asyncio.QueueEmpty:
            self._waiting += 1
            try:
                worker = await asyncio.wait_for(self._idle.get(), timeout=budget)
            except asyncio.TimeoutError:
                self.stats.timeouts += 1
                raise QueryTimeout(f"no query worker became free within the time budget ({budget:g} s)") from None
            finally:
                self._waiting -= 1
        union = not (request.default_graphs or request.named_graphs or names_dataset)
        payload = pickle.dumps(replace(request, union_default=union).to_wire(), protocol=pickle.HIGHEST_PROTOCOL)
        remaining = max(deadline - time.monotonic(), 0.001)
        try:
            reply = await worker.call(self._loop, payload, remaining)
        except BaseException:
            # Cancelled (client gone) while the worker runs: it cannot be interrupted, so replace it.
            self._replace(worker)
            raise
        if reply == "timeout":
            self.stats.timeouts += 1
            self._replace(worker)
            raise QueryTimeout(f"the query ran past its time budget ({budget:g} s) and was stopped")
        if reply == "crash":
            self.stats.crashes += 1
            self._replace(worker)
            log.error("a query killed its worker (exit code %s); the worker was replaced: %.200r",
                      worker.process.exitcode, request.text)
            raise QueryTooExpensive("the query needed more memory or stack than a query may use; it was stopped "
                                    "(the server goes on; simplify the query or download a dump)")
        self._idle.put_nowait(worker)
        self.stats.served += 1
        if reply[0] == "ok":
            _, kind, fmt_name, body, count, seconds = reply
            return QueryResult(kind, formats.by_name(fmt_name), body, count, seconds)
        _, name, message = reply
        if name in _ERRORS:
            raise _ERRORS[name](message)
        log.error("query failed inside the engine: %s", message)
        raise EngineFailure(f"the query engine failed: {message}")


def limits_from_settings(settings, **overrides) -> Limits:
    """The limits a server built from ``settings`` applies (``overrides`` for tests and benchmarks)."""
    values = dict(timeout_s=settings.query_timeout_s, max_query_length=settings.max_query_length,
                  max_rows=settings.max_result_rows, max_triples=settings.max_result_rows * 10,
                  workers=max(1, settings.query_workers))
    values.update(overrides)
    return Limits(**values)
