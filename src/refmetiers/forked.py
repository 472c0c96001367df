"""Run one call in a forked child process while the caller goes on: a build writes its dumps on the second
core while it validates on the first.

The child is a fork, so the call's arguments (graphs, N-Triples lines) are inherited, not pickled; only its
outcome (a value or an exception) comes back through a pipe. Where a fork is unsafe or unavailable (no
``fork`` start method, or other threads running, whose locks a fork could copy held), the call runs in the
caller's process when its result is asked for: the same result, one core.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .errors import BuildError


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class Forked:
    """``call(*args, **kwargs)`` started in a forked child; :meth:`result` waits for it."""

    def __init__(self, call: Callable[..., Any], *args: Any, **kwargs: Any):
        self._call = (call, args, kwargs)
        self._process: multiprocessing.process.BaseProcess | None = None
        self._outcome: Connection | None = None
        if can_fork():
            context = multiprocessing.get_context("fork")
            self._outcome, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(sender, call, args, kwargs),
                                            name=f"refmetiers-{getattr(call, '__name__', 'call')}", daemon=True)
            self._process.start()
            sender.close()

    @property
    def forked(self) -> bool:
        return self._process is not None

    def result(self) -> Any:
        """The call's value; its exception is raised here.

        Raises:
            BuildError: the child died without an answer (killed, or out of memory).
        """
        if self._process is None or self._outcome is None:
            call, args, kwargs = self._call
            return call(*args, **kwargs)
        try:
            kind, value = self._outcome.recv()
        except EOFError:
            self._process.join()
            raise BuildError(f"{self._process.name} ended without an answer (exit code {self._process.exitcode}) / "
                             "s'est arrêté sans réponse") from None
        finally:
            self._outcome.close()
        self._process.join()
        if kind == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if it still runs (the caller gave up on its result)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _child(outcome: Connection, call: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    try:
        answer: tuple[str, Any] = ("value", call(*args, **kwargs))
    except BaseException as exc:  # every failure goes back to the caller, which raises it
        answer = ("error", exc)
    try:
        pickle.loads(pickle.dumps(answer))  # an exception whose class cannot be rebuilt goes back as its text
    except Exception as exc:
        kind, value = answer
        failure = value if kind == "error" else exc
        answer = ("error", BuildError(f"{type(failure).__name__}: {failure}"))
    outcome.send(answer)
    outcome.close()
