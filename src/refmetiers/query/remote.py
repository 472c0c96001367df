"""The remote backend: client queries answered by an external SPARQL 1.1 endpoint (``serve --store URL``).

It sits where ``pool.WorkerPool`` sits, behind the same scheduler and guards (``service.py``): the query
has passed the lexical guard and admission before it gets here, and the same ``execution.execute`` shapes
the answer, so the caps (rows, triples, bytes), the ASK-as-CSV rule and the serialisers are the embedded
backend's own. What changes is only who evaluates the query: a store reached over HTTP, through
``RemoteStore.query``, which speaks the SPARQL 1.1 Protocol and reads the answer back as pyoxigraph
objects (SPARQL JSON results, N-Triples graphs: formats every store writes).

Our default graph is the union of our named graphs (DESIGN.md §3); a store's default graph is its own
business, so a query that names no dataset is sent with our graphs as both ``default-graph-uri`` and
``named-graph-uri`` (the protocol's way of saying the same thing, on every store).

The time budget: the HTTP request is abandoned when it runs out (503, as embedded). A store keeps
running a query nobody waits for unless it has its own timeout: set one there (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

import httpx

from ..namespaces import GRAPH_NAMES, graph_name
from .errors import EngineFailure, QueryError, QuerySyntaxError, QueryTimeout, ResultTooLarge, Unavailable
from .execution import QueryRequest, QueryResult, execute
from .limits import Limits
from .pool import PoolStats

log = logging.getLogger(__name__)

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class Slot:
    """A permission to have one query running at the store (the remote counterpart of a worker)."""

    def __init__(self, generation: int):
        self.generation = generation
        self.busy = False


class RemoteStore:
    """The part of pyoxigraph's ``Store.query`` that ``execute`` uses, answered by a SPARQL endpoint."""

    def __init__(self, client: httpx.Client, url: str, graphs: tuple[str, ...], limits: Limits, budget: float):
        self.client, self.url, self.graphs, self.limits, self.budget = client, url, graphs, limits, budget

    def query(self, text: str, *, base_iri: str | None = None, default_graph=None, named_graphs=None,
              use_default_graph_as_union: bool = False):
        import pyoxigraph as ox

        form: list[tuple[str, str]] = [("query", f"BASE <{base_iri}> {text}" if base_iri else text)]
        if use_default_graph_as_union:
            form += [("default-graph-uri", g) for g in self.graphs] + [("named-graph-uri", g) for g in self.graphs]
        else:
            form += [("default-graph-uri", g.value) for g in default_graph or [] if isinstance(g, ox.NamedNode)]
            form += [("named-graph-uri", g.value) for g in named_graphs or []]
        body, media_type = self._post(form)
        if media_type in ("application/sparql-results+json", "application/json"):
            try:
                return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            except (SyntaxError, ValueError) as exc:
                raise _store_failure(f"its results do not parse: {exc}") from None
        if media_type in ("application/n-triples", "text/plain"):
            return ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        raise _store_failure(f"it answered {media_type or 'no media type'}, neither SPARQL JSON nor N-Triples")

    def _post(self, form: list[tuple[str, str]]) -> tuple[bytes, str]:
        timeout = httpx.Timeout(self.budget, connect=min(self.budget, 5.0))
        try:
            with self.client.stream("POST", self.url, data=dict(_grouped(form)), timeout=timeout,
                                    headers={"Accept": ACCEPT}) as response:
                if response.status_code != 200:
                    response.read()
                    raise _mapped(response)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.limits.max_result_bytes:
                        raise ResultTooLarge(f"the result is larger than {self.limits.max_result_bytes} bytes",
                                             f"le résultat dépasse {self.limits.max_result_bytes} octets")
                    chunks.append(chunk)
                media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return b"".join(chunks), media_type
        except httpx.TimeoutException:
            raise _timeout(self.budget) from None
        except httpx.HTTPError as exc:
            raise Unavailable(f"the SPARQL store cannot be reached ({type(exc).__name__}); retry in a moment",
                              f"la base SPARQL est injoignable ({type(exc).__name__}) ; réessayez dans un instant") \
                from None


def _grouped(form: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in form:
        grouped.setdefault(key, []).append(value)
    return grouped


def _timeout(budget: float) -> QueryTimeout:
    return QueryTimeout(f"the query ran past its time budget ({budget:g} s) and was stopped",
                        f"la requête a dépassé son temps imparti ({budget:g} s) et a été arrêtée")


def _store_failure(what: str) -> EngineFailure:
    log.error("the SPARQL store failed: %s", what)
    return EngineFailure(f"the SPARQL store failed: {what}", f"la base SPARQL a échoué : {what}")


def _mapped(response: httpx.Response) -> QueryError:
    """The error a store's refusal means for our client (its message kept)."""
    said = response.text.strip()[:500]
    if response.status_code == 400:
        return QuerySyntaxError(f"the query was refused by the store: {said}", f"la base a refusé la requête : {said}")
    if response.status_code in (408, 504):
        return QueryTimeout(f"the store stopped the query: {said}", f"la base a arrêté la requête : {said}")
    if response.status_code in (429, 503):
        return Unavailable(f"the SPARQL store is busy or unavailable ({response.status_code}); retry in a moment",
                           f"la base SPARQL est occupée ou indisponible ({response.status_code}) ; réessayez")
    return _store_failure(f"HTTP {response.status_code}: {said}")


class RemotePool:
    """``WorkerPool``'s interface over an external endpoint: ``limits.workers`` queries at a time."""

    def __init__(self, url: str, limits: Limits, base_iri: str):
        self.url = url
        self.limits = limits
        self.graphs = tuple(graph_name(name, base_iri) for name in GRAPH_NAMES)
        self.stats = PoolStats(network_isolated=None)
        self.on_worker = None
        self._client = httpx.Client(limits=httpx.Limits(max_connections=limits.workers + 2))
        self._executor = ThreadPoolExecutor(max_workers=limits.workers + 1, thread_name_prefix="refmetiers-remote")
        self._closed = False

    async def start(self) -> list[Slot]:
        """Check that the store answers (a failure is logged; /readyz stays 503 until a query succeeds)."""
        probe = QueryRequest("ASK {}", union_default=False)
        try:
            await self._run(probe, min(self.limits.timeout_s, 10.0))
            self.stats.ready_workers = self.limits.workers
        except QueryError as exc:
            log.error("the SPARQL store at %s does not answer: %s", self.url, exc)
        return [Slot(self.stats.generation) for _ in range(self.limits.workers)]

    def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    @property
    def ready(self) -> bool:
        return self.stats.ready_workers > 0 and not self._closed

    @property
    def down(self) -> bool:
        return False  # the store's state is learnt per query (503 when it cannot be reached)

    async def reload(self, dist) -> list[Slot]:
        """A new build is loaded into the store by `refmetiers publish`; the slots start afresh."""
        self.stats.generation += 1
        return [Slot(self.stats.generation) for _ in range(self.limits.workers)]

    def retire(self, slot: Slot) -> None:
        pass

    def usable(self, slot: Slot) -> bool:
        return not self._closed and slot.generation == self.stats.generation

    async def execute(self, slot: Slot, request: QueryRequest, budget: float) -> QueryResult:
        """Run ``request`` at the store within ``budget`` seconds; the answer is shaped by ``execute``."""
        slot.busy = True
        try:
            result = await self._run(request, budget)
        except QueryTimeout:
            self.stats.timeouts += 1
            raise
        except Unavailable:
            self.stats.ready_workers = 0
            raise
        finally:
            slot.busy = False
        self.stats.served += 1
        self.stats.ready_workers = self.limits.workers
        return result

    async def _run(self, request: QueryRequest, budget: float) -> QueryResult:
        store = RemoteStore(self._client, self.url, self.graphs, self.limits, budget)
        loop = asyncio.get_running_loop()
        try:
            # The thread's own HTTP timeout ends it soon after; the client is answered at the budget.
            return await asyncio.wait_for(loop.run_in_executor(self._executor, execute, store, request, self.limits),
                                          budget + 0.5)
        except TimeoutError:
            raise _timeout(budget) from None
