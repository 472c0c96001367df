"""Benchmark of start-up: from launching `refmetiers serve` to the first 200 on /readyz, on the reference and
on a synthetic graph of ESCO's size (bench/endpoint.py's), against two peers in the same run:

  - the Oxigraph server (Rust, the `oxigraph` binary of the PyPI package, in .[test]): `serve` in memory, then
    the same N-Quads dump posted to its /store, until that POST returns (the server an integrator could run
    instead, loading the same file into the same engine);
  - the previous code path: `refmetiers serve` from the source tree of another commit (``--baseline``, default
    ``main``), exported with `git archive` and run by the same interpreter on the same dist/.

Each system is started ``--runs`` times in turn (interleaved, so that the load of a shared machine falls on
all of them alike); the table gives the median and the fastest run, and ratios of medians. /readyz is polled
every 10 ms; our figure also gives the app's own ``startup_seconds`` (from the start of its lifespan). Both source
trees are compiled to bytecode first, as an installed wheel is.

    .venv/bin/python bench/startup.py                      # both datasets, 5 runs each
    .venv/bin/python bench/startup.py --datasets reference --runs 3 --baseline HEAD~3
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import compile_bytecode, export_baseline  # noqa: E402
from endpoint import reference_dist, stop, synthetic_esco  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, started: float, timeout: float = 300) -> float:
    """Seconds from ``started`` to the first 200 from ``url``."""
    with httpx.Client(timeout=5) as client:
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the server exited with {process.returncode}")
            try:
                if client.get(url).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
    raise RuntimeError(f"{url}: not ready in {timeout} s")


def run_ours(command: list[str], dist: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    port = free_port()
    started = time.monotonic()
    # --root is a folder without sources, so that serve loads the given dist as it is (no freshness build).
    process = subprocess.Popen([*command, "serve", "--dist", str(dist), "--root", str(dist.parent / "no-sources"),
                                "--port", str(port), "--log-level", "warning", "--no-access-log"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    try:
        seconds = wait_ready(f"http://127.0.0.1:{port}/readyz", process, started)
        inner = httpx.get(f"http://127.0.0.1:{port}/readyz").json()["startup_seconds"]
    finally:
        stop(process)
    return seconds, inner


def run_oxigraph(dist: Path) -> tuple[float, float]:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process, started)
        with (dist / "refmetiers.nq").open("rb") as dump:
            httpx.post(f"http://127.0.0.1:{port}/store", content=dump.read(),
                       headers={"Content-Type": "application/n-quads"}, timeout=600).raise_for_status()
        seconds = time.monotonic() - started
    finally:
        stop(process)
    return seconds, float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=["reference", "esco"], choices=["reference", "esco"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", default="main", help="git revision of the previous code path ('' for none)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="refmetiers-startup-"))
    compile_bytecode(REPO / "src" / "refmetiers")
    systems: dict[str, object] = {"refmetiers serve": lambda dist: run_ours([str(BIN / "refmetiers")], dist)}
    if args.baseline:
        src = export_baseline(args.baseline, tmp / "baseline")
        # PYTHONPATH puts the baseline's package first; its workers (spawned) inherit it.
        systems[f"refmetiers serve @ {args.baseline}"] = lambda dist: run_ours(
            [sys.executable, "-m", "refmetiers.cli"], dist, {"PYTHONPATH": str(src)})
    systems["Oxigraph server"] = run_oxigraph
    lines = ["| dataset | system | median s | fastest s | app's own start-up s (median) | ratio to ours |",
             "|---|---|---:|---:|---:|---:|"]
    try:
        for name in args.datasets:
            dist = reference_dist(tmp) if name == "reference" else synthetic_esco(tmp / "esco")
            quads = sum(1 for _ in (dist / "refmetiers.nq").open("rb"))
            times: dict[str, list[tuple[float, float]]] = {system: [] for system in systems}
            for _ in range(args.runs):
                for system, run in systems.items():
                    times[system].append(run(dist))  # type: ignore[operator]
                    print(f"{name} {system}: {times[system][-1][0]:.2f} s", file=sys.stderr)
            ours = statistics.median(t for t, _ in times["refmetiers serve"])
            for system, runs in times.items():
                median = statistics.median(t for t, _ in runs)
                inner = statistics.median(i for _, i in runs)
                lines.append(f"| {name} ({quads:,} quads) | {system} | {median:.2f} | {min(t for t, _ in runs):.2f} | "
                             f"{'–' if inner != inner else f'{inner:.2f}'} | {median / ours:.2f}× |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
