"""The query service: the guards, then a fair scheduler in front of a backend that runs the query.

Every client query goes through the same steps, whatever runs it: the guard (``guard.py``; a query that could
spell SERVICE is parsed too, in one thread off the event loop), admission (how many wait, how many one client
holds), then the backend with the time budget. The budget starts when a worker takes the query: time spent
waiting in line is not taken from it. The embedded backend is ``pool.WorkerPool``; another backend (a remote
SPARQL endpoint) would offer the same ``start``/``close``/``ready``/``execute`` and inherit every guard here.

Fairness: a client is "slow" from the moment one of its queries has run ``slow_after`` (a quarter of the
budget) until one of its queries is fast again. A free worker goes to the waiting query of a client that is
not slow, holding the fewest running queries (ties: first come). Slow clients share at most ``workers - 1``
workers and each may run ``max_slow_per_client`` at once, so one worker is always left for fast queries. A
query waits at most ``max_wait_s`` for a worker (default: twice the budget, at least 10 s); its budget starts
when a worker takes it. If slow queries still hold more than their share (they started before their clients
were known to be slow) while fast ones wait, the most recent one is stopped (503, saying why).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from .cache import ResultCache, cache_key
from .errors import Overloaded, QueryError, QueryRefused, QuerySyntaxError, QueryTimeout, Unavailable
from .execution import QueryRequest, QueryResult
from .guard import check_query, decode_codepoints
from .limits import Limits
from .parsed_guard import could_name_service
from .pool import Worker, WorkerPool

log = logging.getLogger(__name__)

ERROR_WINDOW_S = 60.0
# A query that could spell SERVICE is parsed (milliseconds, up to about a second for the longest queries the
# caps let through): off the event loop, one at a time, so that it neither stalls other requests nor takes
# more than one core.
_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-guard")


@dataclass
class _Waiter:
    client: str
    future: asyncio.Future
    arrived: float = field(default_factory=time.monotonic)


@dataclass(eq=False)
class _Run:
    """One query running on a worker."""

    client: str
    worker: Worker
    slow: bool = False  # counted in the slow lane (its client was slow, or it ran past slow_after)
    done: bool = False
    preempted: bool = False  # stopped to give its worker back to fast queries
    started: float = field(default_factory=time.monotonic)
    timer: asyncio.TimerHandle | None = None


@dataclass
class _Client:
    running: int = 0
    running_slow: int = 0
    waiting: int = 0
    slow: bool = False
    errors: collections.deque = field(default_factory=collections.deque)


class QueryService:
    """Guards, fair scheduling and the worker pool. ``await start()``, ``await run(request)``, ``close()``."""

    def __init__(self, dist: Path, limits: Limits, *, start_timeout_s: float = 120.0,
                 max_errors_per_minute: int = 100, backend=None, result_cache_bytes: int = 0):
        self.limits = limits
        # Answers of the build the workers serve (cache.py). Not for another backend: a remote store's data
        # changes without our build changing, so nothing would tell its answers are stale.
        self.results = ResultCache(result_cache_bytes) if result_cache_bytes > 0 and backend is None else None
        # The backend runs what passed the guards: the worker pool, or ``remote.RemotePool`` (serve --store).
        self.pool = backend if backend is not None else WorkerPool(dist, limits, start_timeout_s=start_timeout_s)
        self.pool.on_worker = self._offer
        self.max_errors_per_minute = max_errors_per_minute
        self._idle: list[Worker] = []
        self._waiters: list[_Waiter] = []
        self._clients: dict[str, _Client] = collections.defaultdict(_Client)
        self._slow_running = 0
        self._runs: set[_Run] = set()
        self._started = False

    @property
    def stats(self):
        return self.pool.stats

    # -- life cycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers and wait until they have loaded the store."""
        for worker in await self.pool.start():
            self._idle.append(worker)
        self._started = True

    def close(self) -> None:
        self.pool.close()
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()

    async def reload(self, dist: Path) -> None:
        """Serve the build in ``dist``: new workers start first; queries running on old ones finish there."""
        new = await self.pool.reload(dist)
        old, self._idle = self._idle, []
        for worker in old:
            self.pool.retire(worker)
        if self.results is not None:  # in the same step as the workers: no answer of the old build after this
            self.results = ResultCache(self.results.max_bytes, self.results.max_entry_bytes)
        for worker in new:
            self._offer(worker)

    @property
    def ready(self) -> bool:
        return self._started and self.pool.ready

    @property
    def waiting(self) -> int:
        """How many queries wait for a free worker."""
        return len(self._waiters)

    def budget(self, requested: float | None) -> float:
        """The time budget of a query: the server's, or less if the client asks for less."""
        if requested is not None and 0 < requested < self.limits.timeout_s:
            return requested
        return self.limits.timeout_s

    # -- client errors -----------------------------------------------------------------------------

    def note_client_error(self, client: str) -> None:
        """Count a refused request (4xx) of ``client``; past the allowance its next requests get 429."""
        errors = self._clients[client].errors
        errors.append(time.monotonic())

    def check_error_allowance(self, client: str) -> None:
        """Raise ``Overloaded`` if ``client`` made more than the allowed errors in the last minute."""
        if client not in self._clients:
            return
        errors = self._clients[client].errors
        now = time.monotonic()
        while errors and errors[0] < now - ERROR_WINDOW_S:
            errors.popleft()
        if len(errors) >= self.max_errors_per_minute:
            raise Overloaded(f"{len(errors)} refused queries from you in the last minute; wait a minute and check "
                             "your queries", f"{len(errors)} requêtes refusées en une minute ; attendez une minute et "
                             "vérifiez vos requêtes")

    # -- scheduling --------------------------------------------------------------------------------

    def _slow_lane(self) -> int:
        return max(1, self.limits.workers - 1)

    def _eligible(self, client_name: str) -> bool:
        client = self._clients[client_name]
        if not client.slow:
            return True
        return self._slow_running < self._slow_lane() and client.running_slow < self.limits.max_slow_per_client

    def _offer(self, worker: Worker) -> None:
        """A worker is free: give it to the most deserving waiter, or keep it idle."""
        self._idle.append(worker)
        self._dispatch()

    def _priority(self, waiter: _Waiter) -> tuple:
        client = self._clients[waiter.client]
        return (client.slow, client.running, waiter.arrived)

    def _dispatch(self) -> None:
        self._waiters = [w for w in self._waiters if not w.future.done()]
        while self._idle and self._waiters:
            candidates = [w for w in self._waiters if self._eligible(w.client)]
            if not candidates:
                return
            chosen = min(candidates, key=self._priority)
            worker = self._idle.pop()
            if not self.pool.usable(worker):
                continue
            self._waiters.remove(chosen)
            chosen.future.set_result(self._take(chosen.client, worker))

    def _take(self, client: str, worker: Worker) -> _Run:
        """Count a query of ``client`` as running on ``worker``; past ``slow_after`` it counts as slow."""
        state = self._clients[client]
        state.running += 1
        run = _Run(client, worker)
        self._runs.add(run)
        if state.slow:
            self._mark_slow(run)
        else:
            run.timer = asyncio.get_running_loop().call_later(self.limits.slow_after, self._mark_slow, run)
        return run

    def _mark_slow(self, run: _Run) -> None:
        if run.slow or run.done:
            return
        run.slow = True
        state = self._clients[run.client]
        state.slow = True  # its waiting queries now wait for the slow lane
        state.running_slow += 1
        self._slow_running += 1
        self._preempt_if_needed()

    def _preempt_if_needed(self) -> None:
        """More slow queries run than the slow lane holds while fast ones wait (they all started before their
        clients were known to be slow): stop the most recent slow one, so that a worker goes to fast queries."""
        while self._slow_running > self._slow_lane() and any(
                not self._clients[w.client].slow for w in self._waiters if not w.future.done()):
            victims = [r for r in self._runs if r.slow and not r.done and not r.preempted]
            if not victims:
                return
            victim = max(victims, key=lambda r: r.started)
            victim.preempted = True
            victim.slow = False  # no longer holds the slow lane
            self._clients[victim.client].running_slow -= 1
            self._slow_running -= 1
            victim.worker.process.kill()  # its query sees the worker die, and the pool replaces it

    def _give_back(self, run: _Run, seconds: float | None) -> None:
        run.done = True
        self._runs.discard(run)
        if run.timer is not None:
            run.timer.cancel()
        state = self._clients[run.client]
        state.running -= 1
        if run.slow:
            state.running_slow -= 1
            self._slow_running -= 1
        if seconds is not None:
            state.slow = seconds > self.limits.slow_after
        worker = run.worker
        if self.pool.usable(worker):
            self._idle.append(worker)
        elif worker.generation != self.pool.stats.generation:
            self.pool.retire(worker)
        if not state.running and not state.waiting and not state.errors and not state.slow:
            self._clients.pop(run.client, None)
        self._dispatch()

    async def _acquire(self, client: str) -> _Run:
        if not self._started:
            raise Unavailable("the query service is starting", "le service de requêtes démarre")
        state = self._clients[client]
        while self._idle and not self._waiters and self._eligible(client):
            worker = self._idle.pop()
            if self.pool.usable(worker):
                return self._take(client, worker)
        if self.pool.down:
            raise Unavailable("no query worker is running; the server is starting new ones, retry in a moment",
                              "aucun processus de requête ne tourne ; le serveur en relance, réessayez dans un instant")
        if len(self._waiters) >= self.limits.max_waiting:
            raise Overloaded(f"{len(self._waiters)} queries are already waiting; retry in a moment",
                             f"{len(self._waiters)} requêtes attendent déjà ; réessayez dans un instant")
        per_client = max(2, self.limits.max_waiting // 2)  # no one client fills the whole line
        if state.waiting >= per_client:
            raise Overloaded(f"you already have {state.waiting} queries waiting; wait for their answers",
                             f"vous avez déjà {state.waiting} requêtes en attente ; attendez leurs réponses")
        waiter = _Waiter(client, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        state.waiting += 1
        self._preempt_if_needed()
        wait_s = self.limits.max_wait_s or max(2 * self.limits.timeout_s, 10.0)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout=wait_s)
        except (TimeoutError, asyncio.CancelledError):
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                self._give_back(waiter.future.result(), None)  # given a worker just as we gave up: hand it back
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            self.pool.stats.timeouts += 1
            raise QueryTimeout(f"no query worker became free within {wait_s:g} s; retry in a moment",
                               f"aucun processus de requête ne s'est libéré en {wait_s:g} s ; réessayez dans un "
                               "instant") from None
        finally:
            state.waiting -= 1

    async def run(self, request: QueryRequest) -> QueryResult:
        """Answer ``request`` within its time budget.

        Raises:
            QueryError: one of the subclasses in ``errors.py``, each a failure the client can act on.
        """
        client = request.client
        self.check_error_allowance(client)
        results = self.results  # this build's: a query begun before a reload keeps its answer out of the next one's
        key = cache_key(request) if results is not None else None
        if results is not None and key is not None:
            kept = results.get(key)
            if kept is not None:  # its text passed the guard when it was first answered
                return kept
        try:
            if could_name_service(request.text, decode_codepoints(request.text)):
                loop = asyncio.get_running_loop()
                names_dataset = await loop.run_in_executor(_PARSER, check_query, request.text, self.limits)
            else:
                names_dataset = check_query(request.text, self.limits)
        except QueryError:
            self.note_client_error(client)
            raise
        budget = self.budget(request.timeout_s)
        run = await self._acquire(client)
        union = not (request.default_graphs or request.named_graphs or names_dataset)
        started = time.monotonic()
        seconds: float | None = None
        try:
            result = await self.pool.execute(run.worker, replace(request, union_default=union), budget)
            seconds = time.monotonic() - started
            if results is not None and key is not None:
                results.put(key, result)
            return result
        except QueryTimeout:
            seconds = budget
            raise
        except Unavailable:
            if not run.preempted:
                raise
            seconds = budget  # the client stays slow
            raise QueryTimeout(f"the query was stopped after {time.monotonic() - started:.1f} s: too many slow queries "
                               "were running while others waited; retry in a moment, or make it cheaper",
                               f"la requête a été arrêtée après {time.monotonic() - started:.1f} s : trop de requêtes "
                               "lentes tournaient pendant que d'autres attendaient ; réessayez dans un instant, ou "
                               "allégez-la") from None
        except (QuerySyntaxError, QueryRefused):
            self.note_client_error(client)
            raise
        finally:
            self._give_back(run, seconds)
