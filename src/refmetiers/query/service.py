"""The query service: the guards, then a fair scheduler in front of a backend that runs the query.

Every client query goes through the same steps, whatever runs it: the lexical guard and the protocol
checks (``guard.py``), admission (how many wait, how many one client holds), then the backend with the
time budget. The budget starts when a worker takes the query: time spent waiting in line is not taken
from it. The embedded backend is ``pool.WorkerPool``; another backend (a remote SPARQL endpoint) would
offer the same ``start``/``close``/``ready``/``execute`` and inherit every guard here.

Fairness: a free worker goes to the waiting client that holds the fewest running queries (ties: first
come). A client whose last query ran past ``slow_after_s`` is "slow" until one of its queries is fast
again: slow clients share at most ``workers - 1`` workers, and each may run ``max_slow_per_client`` at
once, so one worker is always left for fast queries.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import Overloaded, QueryError, QueryRefused, QuerySyntaxError, QueryTimeout, Unavailable
from .execution import QueryRequest, QueryResult
from .guard import check_query
from .limits import Limits
from .pool import Worker, WorkerPool

log = logging.getLogger(__name__)

ERROR_WINDOW_S = 60.0


@dataclass
class _Waiter:
    client: str
    slow: bool
    future: asyncio.Future
    arrived: float = field(default_factory=time.monotonic)


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
                 max_errors_per_minute: int = 100):
        self.limits = limits
        self.pool = WorkerPool(dist, limits, start_timeout_s=start_timeout_s)
        self.pool.on_worker = self._offer
        self.max_errors_per_minute = max_errors_per_minute
        self._idle: list[Worker] = []
        self._waiters: list[_Waiter] = []
        self._clients: dict[str, _Client] = collections.defaultdict(_Client)
        self._slow_running = 0
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

    def _eligible(self, client_name: str, slow: bool) -> bool:
        if not slow:
            return True
        client = self._clients[client_name]
        return self._slow_running < self._slow_lane() and client.running_slow < self.limits.max_slow_per_client

    def _offer(self, worker: Worker) -> None:
        """A worker is free: give it to the most deserving waiter, or keep it idle."""
        self._idle.append(worker)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._idle and self._waiters:
            candidates = [w for w in self._waiters if not w.future.done() and self._eligible(w.client, w.slow)]
            if not candidates:
                self._waiters = [w for w in self._waiters if not w.future.done()]
                return
            chosen = min(candidates, key=lambda w: (self._clients[w.client].running, w.arrived))
            self._waiters.remove(chosen)
            worker = self._idle.pop()
            if not self.pool.usable(worker):
                self._waiters.insert(0, chosen)
                continue
            self._take(chosen.client, chosen.slow)
            chosen.future.set_result(worker)

    def _take(self, client: str, slow: bool) -> None:
        state = self._clients[client]
        state.running += 1
        if slow:
            state.running_slow += 1
            self._slow_running += 1

    def _give_back(self, client: str, slow: bool, worker: Worker, seconds: float | None) -> None:
        state = self._clients[client]
        state.running -= 1
        if slow:
            state.running_slow -= 1
            self._slow_running -= 1
        if seconds is not None:
            state.slow = seconds > self.limits.slow_after_s
        if self.pool.usable(worker):
            self._idle.append(worker)
        elif worker.generation != self.pool.stats.generation:
            self.pool.retire(worker)
        if not state.running and not state.waiting and not state.errors and not state.slow:
            self._clients.pop(client, None)
        self._dispatch()

    async def _acquire(self, client: str, slow: bool) -> Worker:
        if not self._started:
            raise Unavailable("the query service is starting", "le service de requêtes démarre")
        state = self._clients[client]
        while self._idle and not self._waiters:
            worker = self._idle.pop()
            if not self.pool.usable(worker):
                continue
            if self._eligible(client, slow):
                self._take(client, slow)
                return worker
            self._idle.append(worker)
            break
        if self.pool.down:
            raise Unavailable("no query worker is running; the server is starting new ones, retry in a moment",
                              "aucun processus de requête ne tourne ; le serveur en relance, réessayez dans un instant")
        if len(self._waiters) >= self.limits.max_waiting:
            raise Overloaded(f"{len(self._waiters)} queries are already waiting; retry in a moment",
                             f"{len(self._waiters)} requêtes attendent déjà ; réessayez dans un instant")
        per_client = max(2, self.limits.max_waiting // 4)
        if state.waiting >= per_client:
            raise Overloaded(f"you already have {state.waiting} queries waiting; wait for their answers",
                             f"vous avez déjà {state.waiting} requêtes en attente ; attendez leurs réponses")
        waiter = _Waiter(client, slow, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        state.waiting += 1
        wait_s = self.limits.timeout_s
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.future), timeout=wait_s)
        except (TimeoutError, asyncio.CancelledError):
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                # Given a worker just as we gave up: hand it back.
                self._give_back(client, slow, waiter.future.result(), None)
            if asyncio.current_task() is not None and asyncio.current_task().cancelling():  # type: ignore[union-attr]
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
        try:
            names_dataset = check_query(request.text, self.limits)
        except QueryError:
            self.note_client_error(client)
            raise
        budget = self.budget(request.timeout_s)
        slow = client in self._clients and self._clients[client].slow
        worker = await self._acquire(client, slow)
        union = not (request.default_graphs or request.named_graphs or names_dataset)
        started = time.monotonic()
        seconds: float | None = None
        try:
            result = await self.pool.execute(worker, replace(request, union_default=union), budget)
            seconds = time.monotonic() - started
            return result
        except QueryTimeout:
            seconds = budget
            raise
        except (QuerySyntaxError, QueryRefused):
            self.note_client_error(client)
            raise
        finally:
            self._give_back(client, slow, worker, seconds)
