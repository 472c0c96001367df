"""Benchmark of the query guard (issue 16.1): what a query pays before it reaches a worker, in one run.

- ``cookbook``: ``check_query`` on each query of ``queries/*.rq`` as it is (none spells "service": the
  lexical caps only, no parse);
- ``cookbook + mention``: the same queries with ``# service`` appended, which makes the guard parse them
  with rdflib's SPARQL parser (the SERVICE check), the first time (the verdict cache emptied before each
  run) and again (the verdict of the last 128 readings is kept);
- ``worst``: the slowest query found that the lexical caps let through and that mentions the word (250
  operators in one ``||`` chain), parsed.

The peer in the same run is pyoxigraph's own parse-and-plan of the same cookbook query (``Store.query`` on
an empty store, SELECT and CONSTRUCT only: they return before evaluating), as a scale for "cheap".
Usage: .venv/bin/python bench/guard.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import timeit
from pathlib import Path

import pyoxigraph as ox

from refmetiers import query as qs
from refmetiers.query import parsed_guard

ROOT = Path(__file__).resolve().parents[1]
LIMITS = qs.Limits()


def median_us(run, repeat: int) -> float:
    """Median wall time of one call of ``run``, in µs, over ``repeat`` calls (the garbage collector left on)."""
    return statistics.median(timeit.repeat(run, setup="import gc; gc.enable()", number=1, repeat=repeat)) * 1e6


def first_time(query: str) -> None:
    parsed_guard._verdict.cache_clear()
    qs.check_query(query, LIMITS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    cookbook = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    assert not any("service" in q.lower() for q in cookbook), "a cookbook query mentions the word"
    empty = ox.Store()
    lazy = [q for q in cookbook if not isinstance(empty.query(q), ox.QueryBoolean)]
    rows = {
        "cookbook (no parse)": [median_us(lambda q=q: qs.check_query(q, LIMITS), args.repeat) for q in cookbook],
        "cookbook + mention, first time (rdflib parse)": [
            median_us(lambda q=q: first_time(q + "\n# service"), max(args.repeat // 10, 5)) for q in cookbook],
        "cookbook + mention, again (cached verdict)": [
            median_us(lambda q=q: qs.check_query(q + "\n# service", LIMITS), args.repeat) for q in cookbook],
        "pyoxigraph parse and plan (peer)": [median_us(lambda q=q: empty.query(q), args.repeat) for q in lazy],
    }
    worst = "ASK { FILTER(" + " || ".join(["?service"] * 250) + ") }"
    worst_us = median_us(lambda: first_time(worst), 3)
    print(f"load average: {os.getloadavg()[0]:.1f}; {len(cookbook)} cookbook queries, median of each, µs")
    print("| what | median over queries (µs) | max (µs) |")
    print("|---|---|---|")
    for name, values in rows.items():
        print(f"| {name} | {statistics.median(values):.0f} | {max(values):.0f} |")
    print(f"| worst case within the caps (250 × `||`, parsed) | {worst_us:.0f} | |")
    base = statistics.median(rows["cookbook (no parse)"])
    parsed = statistics.median(rows["cookbook + mention, first time (rdflib parse)"])
    print(f"ratio mention / no mention: {parsed / base:.0f}×; "
          f"no mention / pyoxigraph: {base / statistics.median(rows['pyoxigraph parse and plan (peer)']):.2f}×")


if __name__ == "__main__":
    main()
