"""The embedded backend: a pool of worker processes, each with its own copy of the store.

Why processes: pyoxigraph 0.5 overflows its stack (and kills the whole process) on some queries, and it
cannot interrupt a running query. A worker that crashes or overruns its budget is killed and replaced while
the others go on serving. The pool watches its workers (a dead idle worker is replaced at once, not found
by the next client), restarts failed spawns with back-off, and reloads a new build on request, old workers
finishing their queries while new ones take over.

Start-up: the workers are forked by a multiprocessing forkserver that loads the build's store once for all of
them (``preload.py``), started by ``start_forkserver`` as early as the server can (before it imports its web
stack), so that the load runs beside the server's own start. A fork takes milliseconds and shares the store's
memory; a worker of another build (a reload, a second pool in one process) loads its own.

Wire protocol: ``multiprocessing.Connection`` framing (a 4-byte big-endian length, then a pickled tuple).
The parent reads replies without blocking from the event loop (any loop: uvloop makes the pipe
non-blocking, so a reply is gathered over as many reads as it takes).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import select
import signal
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import formats
from .errors import BY_NAME, EngineFailure, QueryError, QueryTooExpensive, Unavailable
from .execution import QueryRequest, QueryResult
from .limits import Limits
from .worker import OK, OUT_OF_MEMORY, READY_ISOLATED, worker_main

log = logging.getLogger(__name__)

_READ_CHUNK = 1 << 20
_TIMEOUT = object()  # what a query's deadline sets as its reply


_forkserver_lock = threading.Lock()


def start_forkserver(quads_path: str) -> None:
    """Start the forkserver the workers are forked from, loading ``quads_path`` for them, and return at once.

    A forkserver already running (started for another build) is kept: only its workers load their own store.
    """
    from multiprocessing import forkserver

    from . import preload

    with _forkserver_lock:
        multiprocessing.get_context("forkserver").set_forkserver_preload(
            ["__main__", "refmetiers.query.worker", "refmetiers.query.preload"])
        # The path reaches the forkserver through its environment only (it imports preload at its start).
        previous = os.environ.get(preload.QUADS_ENV)
        os.environ[preload.QUADS_ENV] = quads_path
        try:
            forkserver.ensure_running()
        finally:
            if previous is None:
                del os.environ[preload.QUADS_ENV]
            else:
                os.environ[preload.QUADS_ENV] = previous


class WorkerDied(Exception):
    """The worker process ended while answering; ``reason`` says what killed it, as far as we can tell."""

    def __init__(self, reason: str, reason_fr: str, resource: bool):
        super().__init__(reason)
        self.reason, self.reason_fr, self.resource = reason, reason_fr, resource


class _Frames:
    """Gathers one ``Connection.send_bytes`` frame from however many reads it arrives in."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> bytes | None:
        self.buffer += data
        if len(self.buffer) < 4:
            return None
        (size,) = struct.unpack("!i", self.buffer[:4])
        start = 4
        if size == -1:  # frames over 2 GiB carry an 8-byte length
            if len(self.buffer) < 12:
                return None
            (size,) = struct.unpack("!Q", self.buffer[4:12])
            start = 12
        if len(self.buffer) < start + size:
            return None
        return bytes(self.buffer[start:start + size])


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context, quads_path: str, limits: Limits, generation: int):
        self.conn, child = context.Pipe()
        handle, self.stderr_path = tempfile.mkstemp(prefix="refmetiers-worker-", suffix=".log")
        os.close(handle)
        self.process = context.Process(target=worker_main, args=(child, quads_path, limits, self.stderr_path),
                                       daemon=True, name="refmetiers-query-worker")
        self.process.start()
        child.close()
        # The sentinel becomes readable when the process ends: polled before each query (is_alive() would
        # build a selector every time, about a tenth of a query's round trip).
        self._ended = select.poll()
        self._ended.register(self.process.sentinel, select.POLLIN)
        self.isolated = False
        self.generation = generation
        self.busy = False

    def wait_ready(self, timeout: float) -> bool:
        try:
            if not self.conn.poll(timeout):
                return False
            message = self.conn.recv_bytes()
        except (EOFError, OSError):
            return False
        self.isolated = message == READY_ISOLATED
        return message.startswith(b"ready")

    def alive(self) -> bool:
        return not self._ended.poll(0) or self.process.is_alive()

    def death(self) -> WorkerDied:
        """Why this worker died: what the engine printed as it went, else the signal or exit code."""
        self.process.join(2)
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as log_file:
                printed = log_file.read()[-4000:]
        except OSError:
            printed = ""
        code = self.process.exitcode
        if "overflowed its stack" in printed or code == -signal.SIGSEGV:
            return WorkerDied("it overflowed the worker's stack", "elle a dépassé la pile du processus", True)
        if "memory allocation" in printed or "MemoryError" in printed:
            return WorkerDied("it needed more memory than a worker may use",
                              "elle demandait plus de mémoire qu'un processus n'en a le droit", True)
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return WorkerDied(f"its worker was killed by {name}", f"son processus a été tué par {name}",
                              code in (-signal.SIGABRT, -signal.SIGBUS))
        return WorkerDied(f"its worker exited with code {code}", f"son processus s'est arrêté (code {code})", False)

    async def call(self, payload: bytes, timeout: float):
        """Send one request; return the reply tuple, or ``"timeout"``.

        Raises:
            WorkerDied: the process ended before replying.
            EngineFailure: the reply could not be read (the worker is alive: our fault, not the query's).
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        try:
            fd = self.conn.fileno()
        except OSError:  # closed: the pool replaced this worker when it saw it die
            raise self.death() from None
        frames = _Frames()

        def readable() -> None:
            if future.done():
                return
            try:
                data = os.read(fd, _READ_CHUNK)
            except (BlockingIOError, InterruptedError):
                return  # spurious wake-up: wait for the next one
            except OSError as exc:
                future.set_exception(exc)
                return
            if not data:
                future.set_exception(EOFError())
                return
            frame = frames.feed(data)
            if frame is not None:
                future.set_result(frame)

        try:
            os.set_blocking(fd, True)  # an event loop may have left it non-blocking; the worker is waiting to read
            self.conn.send_bytes(payload)
        except OSError:
            raise self.death() from None
        loop.add_reader(fd, readable)
        # A timer, not asyncio.wait_for: the same deadline without a second future and its callbacks per query.
        def expire() -> None:
            if not future.done():
                future.set_result(_TIMEOUT)

        deadline = loop.call_later(timeout, expire)
        try:
            frame = await future
        except (EOFError, OSError):
            raise self.death() from None
        finally:
            deadline.cancel()
            loop.remove_reader(fd)
        if frame is _TIMEOUT:
            return "timeout"
        try:
            return pickle.loads(frame)
        except Exception as exc:  # noqa: BLE001 - a reply we cannot read is our failure
            raise EngineFailure(f"the query worker's reply could not be read ({type(exc).__name__})",
                                "la réponse du processus de requête est illisible") from None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass


@dataclass
class PoolStats:
    """Counters for /readyz and the logs."""

    served: int = 0
    timeouts: int = 0
    crashes: int = 0
    replaced: int = 0
    spawn_failures: int = 0
    failing_spawns: int = 0  # consecutive failures to start a worker (0 once one starts)
    ready_workers: int = 0
    network_isolated: bool | None = None  # every worker so far runs without a network
    generation: int = 0


class WorkerPool:
    """Worker processes answering queries on one build (``dist``); swapped to a new build by ``reload``.

    The scheduler (``service.py``) decides who gets a worker; this class keeps the workers alive.
    """

    def __init__(self, dist: Path, limits: Limits, *, start_timeout_s: float = 120.0,
                 max_backoff_s: float = 30.0):
        from ..store import QUADS_FILE

        self.quads_path = str(Path(dist) / QUADS_FILE)
        self.limits = limits
        self.start_timeout_s = start_timeout_s
        self.max_backoff_s = max_backoff_s
        self.stats = PoolStats()
        self._context = multiprocessing.get_context("forkserver")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self.on_worker: Callable[[Worker], None] | None = None  # called (in the loop) with each new worker
        self._respawning = 0

    # -- life cycle --------------------------------------------------------------------------------

    def _spawn(self, quads_path: str | None = None, generation: int | None = None) -> Worker | None:
        worker = Worker(self._context, quads_path or self.quads_path, self.limits,
                        self.stats.generation if generation is None else generation)
        with self._lock:
            self._all.add(worker)
        if worker.wait_ready(self.start_timeout_s) and not self._closed:
            if not worker.isolated and self.stats.network_isolated is not False:
                log.warning("query workers run with the network (no network namespace here); the SERVICE guard "
                            "is the only defence against outbound requests")
            self.stats.network_isolated = worker.isolated and self.stats.network_isolated is not False
            self.stats.failing_spawns = 0
            return worker
        if not self._closed:
            self.stats.spawn_failures += 1
            self.stats.failing_spawns += 1
            log.error("a query worker failed to start (exit code %s)", worker.process.exitcode)
        self._forget(worker)
        return None

    def _forget(self, worker: Worker) -> None:
        if self._loop is not None and not self._loop.is_closed():
            try:
                self._loop.remove_reader(worker.process.sentinel)
            except (ValueError, OSError, RuntimeError):
                pass
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    async def start(self) -> list[Worker]:
        """Start the workers (in parallel), wait until they have loaded the store; return the ready ones.

        Workers that fail to start are retried in the background with back-off.
        """
        self._loop = asyncio.get_running_loop()
        start_forkserver(self.quads_path)
        started = await asyncio.gather(*[asyncio.to_thread(self._spawn) for _ in range(self.limits.workers)])
        ready = [w for w in started if w is not None]
        for worker in ready:
            self._adopt(worker)
        for _ in range(self.limits.workers - len(ready)):
            self._respawn_later()
        return ready

    def _adopt(self, worker: Worker) -> None:
        """Count ``worker`` as ready and watch its process: if it dies while idle, it is replaced at once."""
        self.stats.ready_workers += 1
        assert self._loop is not None
        self._loop.add_reader(worker.process.sentinel, self._died_idle, worker)

    def _died_idle(self, worker: Worker) -> None:
        if worker.busy:  # the query in flight will see it and say why
            return
        log.error("an idle query worker died (exit code %s); replacing it", worker.process.exitcode)
        self.stats.crashes += 1
        self.replace(worker)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._forget(worker)

    @property
    def ready(self) -> bool:
        return self.stats.ready_workers > 0 and not self._closed

    @property
    def down(self) -> bool:
        """No worker runs and the last attempts to start one failed: waiting would not help."""
        return self.stats.ready_workers <= 0 and self.stats.failing_spawns > 0

    def replace(self, worker: Worker) -> None:
        """Kill ``worker`` and start another in the background; it joins the pool once it is ready."""
        with self._lock:
            known = worker in self._all
        self._forget(worker)
        if not known:
            return
        self.stats.ready_workers -= 1
        self.stats.replaced += 1
        if worker.generation == self.stats.generation:
            self._respawn_later()

    def _respawn_later(self) -> None:
        """Start one worker in a thread, retrying with back-off (1 s, 2 s … ``max_backoff_s``) until it starts."""
        self._respawning += 1

        def respawn() -> None:
            delay = 1.0
            generation = self.stats.generation
            try:
                while not self._closed and generation == self.stats.generation:
                    new = self._spawn(generation=generation)
                    if new is not None:
                        if self._closed or self._loop is None or generation != self.stats.generation:
                            self._forget(new)
                        else:
                            self._loop.call_soon_threadsafe(self._welcome, new)
                        return
                    time.sleep(delay)
                    delay = min(delay * 2, self.max_backoff_s)
            finally:
                self._respawning -= 1

        threading.Thread(target=respawn, daemon=True, name="refmetiers-respawn").start()

    def _welcome(self, worker: Worker) -> None:
        if self._closed or worker.generation != self.stats.generation:
            self._forget(worker)
            return
        self._adopt(worker)
        if not worker.alive():
            self._died_idle(worker)
            return
        if self.on_worker is not None:
            self.on_worker(worker)

    async def reload(self, dist: Path) -> list[Worker]:
        """Start a full set of workers on the build in ``dist``; return them once all are ready.

        The caller swaps them in (``retire`` the old ones when their queries end). Raises ``EngineFailure``
        if the new workers do not start: the old build keeps serving.
        """
        from ..store import QUADS_FILE

        quads = str(Path(dist) / QUADS_FILE)
        generation = self.stats.generation + 1
        started = await asyncio.gather(*[asyncio.to_thread(self._spawn, quads, generation)
                                         for _ in range(self.limits.workers)])
        ready = [w for w in started if w is not None]
        if len(ready) < self.limits.workers:
            for worker in ready:
                self._forget(worker)
            raise EngineFailure("the new build's query workers did not start; the previous build goes on serving",
                                "les processus de requête du nouvel export n'ont pas démarré ; l'ancien reste servi")
        self.quads_path = quads
        self.stats.generation = generation
        self.stats.ready_workers = 0
        for worker in ready:
            self._adopt(worker)
        return ready

    def retire(self, worker: Worker) -> None:
        """Stop a worker of a previous generation (it has finished its query)."""
        self._forget(worker)

    # -- one query ---------------------------------------------------------------------------------

    def usable(self, worker: Worker) -> bool:
        """Whether ``worker`` may take another query (it is alive, known, and serves the current build)."""
        with self._lock:
            known = worker in self._all
        return known and worker.alive() and worker.generation == self.stats.generation

    async def execute(self, worker: Worker, request: QueryRequest, budget: float) -> QueryResult:
        """Run ``request`` on ``worker`` within ``budget`` seconds.

        Raises a ``QueryError``; the worker is then already replaced when it had to be (see ``usable``).
        """
        from .errors import QueryTimeout

        payload = pickle.dumps(request.to_wire(), protocol=pickle.HIGHEST_PROTOCOL)
        worker.busy = True
        try:
            reply = await worker.call(payload, budget)
        except WorkerDied as died:
            self.stats.crashes += 1
            self.replace(worker)
            log.error("a query ended its worker (%s, exit code %s); the worker was replaced: %.200r",
                      died.reason, worker.process.exitcode, request.text)
            if died.resource:
                raise QueryTooExpensive(
                    f"the query was stopped: {died.reason} (the server goes on; simplify the query or download "
                    "a dump)", f"la requête a été arrêtée : {died.reason_fr} (le serveur continue ; simplifiez la "
                    "requête ou téléchargez un export)") from None
            # Not the query's doing (an operator or the system stopped the worker): retrying is the answer.
            raise Unavailable(f"the query could not be answered: {died.reason}; retry it",
                              f"la requête n'a pas pu aboutir : {died.reason_fr} ; réessayez-la") from None
        except EngineFailure:
            self.replace(worker)
            raise
        except BaseException:
            # Cancelled (client gone) while the worker runs: it cannot be interrupted, so replace it.
            self.replace(worker)
            raise
        finally:
            worker.busy = False
        if reply == "timeout":
            self.stats.timeouts += 1
            self.replace(worker)
            raise QueryTimeout(f"the query ran past its time budget ({budget:g} s) and was stopped",
                               f"la requête a dépassé son temps imparti ({budget:g} s) et a été arrêtée")
        self.stats.served += 1
        if reply[0] == OK:
            _, kind, fmt_name, body, count, seconds = reply
            fmt = formats.by_name(fmt_name, formats.RESULT_FORMATS if kind != "graph" else formats.GRAPH_FORMATS)
            assert fmt is not None
            return QueryResult(kind, fmt, body, count, seconds)
        _, name, message, message_fr, line, column = reply
        if name == OUT_OF_MEMORY:
            self.replace(worker)  # a MemoryError may leave the worker's heap in a poor state
            raise QueryTooExpensive("the query was stopped: it needed more memory than a worker may use",
                                    "la requête a été arrêtée : elle demandait plus de mémoire qu'un processus "
                                    "n'en a le droit")
        if name in BY_NAME:
            error: QueryError = BY_NAME[name](message, message_fr, line=line, column=column)
            raise error
        log.error("query failed inside the engine: %s", message)
        raise EngineFailure(f"the query engine failed: {message}", f"le moteur de requêtes a échoué : {message}")
