"""The caps every client query is held to: one value object, derived from the server's settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The caps every client query is held to (the defaults are ``Settings``' where both exist)."""

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
    max_wait_s: float = 0.0  # how long a query may wait for a worker (0: twice the budget, at least 10 s)
    max_slow_per_client: int = 1  # queries one client may have running past ``slow_after`` at once
    slow_after_s: float = 0.0  # a query running this long makes its client slow (0: a quarter of the budget, 1 s min)

    @property
    def slow_after(self) -> float:
        return self.slow_after_s or max(1.0, self.timeout_s / 4)


def limits_from_settings(settings, **overrides) -> Limits:
    """The limits a server built from ``settings`` applies (``overrides`` for tests and benchmarks)."""
    values = dict(timeout_s=settings.query_timeout_s, max_query_length=settings.max_query_length,
                  max_rows=settings.max_result_rows, max_triples=settings.max_result_rows * 10,
                  workers=max(1, settings.query_workers))
    values.update(overrides)
    return Limits(**values)
