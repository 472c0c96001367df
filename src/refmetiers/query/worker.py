"""The query worker process: cut the network, cap memory, take the store, answer requests until the pipe
closes. Runs in a process forked by the pool's forkserver (``preload.py``); the parent side is ``pool.py``."""

from __future__ import annotations

import os
import pickle
from typing import Final

from .errors import QueryError
from .execution import QueryRequest, execute
from .limits import Limits

READY_ISOLATED = b"ready:isolated"
READY_NETWORKED = b"ready:networked"
# The first field of a reply, and the names of the failures that are not a QueryError class (errors.BY_NAME):
# both ends of the pipe read them from here.
OK: Final = "ok"
ERROR: Final = "error"
OUT_OF_MEMORY: Final = "memory"
INTERNAL: Final = "internal"


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace (no interface up), when the OS allows it.

    The second line of defence behind the SERVICE guard: pyoxigraph makes real HTTP requests for SERVICE,
    and a worker without a network cannot. Needs CAP_SYS_ADMIN or unprivileged user namespaces, and a
    single-threaded process (so: first thing in the worker). Returns whether it worked.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux") or os.environ.get("REFMETIERS_WORKER_NETWORK") == "1":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    return libc.unshare(clone_newnet) == 0 or libc.unshare(clone_newuser | clone_newnet) == 0


def worker_main(conn, quads_path: str, limits: Limits, stderr_path: str | None = None) -> None:
    """The loop of one worker process."""
    if stderr_path:
        # What the engine prints as it dies (Rust's "has overflowed its stack", "memory allocation … failed")
        # goes to a file the parent reads to say why the worker died.
        fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
    isolated = isolate_network()
    if limits.max_worker_memory:
        # A query that would take the machine's memory makes this worker fail an allocation and die
        # (contained like any crash) instead of waking the kernel's OOM killer.
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limits.max_worker_memory, limits.max_worker_memory))
    from . import preload

    store = preload.take(quads_path)
    if store is None:
        store = preload.load(quads_path)
    conn.send_bytes(READY_ISOLATED if isolated else READY_NETWORKED)
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        request = QueryRequest.from_wire(pickle.loads(message))
        reply: tuple
        try:
            result = execute(store, request, limits)
            reply = (OK, result.kind, result.format.name, result.body, result.count, result.seconds)
        except QueryError as exc:
            reply = (ERROR, type(exc).__name__, exc.message, exc.message_fr, exc.line, exc.column)
        except MemoryError:
            reply = (ERROR, OUT_OF_MEMORY, "", "", None, None)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
            reply = (ERROR, INTERNAL, f"{type(exc).__name__}: {exc}", "", None, None)
        conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
