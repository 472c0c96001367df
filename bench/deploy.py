"""Benchmark of the three ways to run refmetiers (docs/deploy.md), each against its peer in the same run:

  1. static IRIs: nginx serving `refmetiers site` against `refmetiers serve` dereferencing the same IRIs;
  2. cacheable SPARQL: nginx proxy_cache in front of `refmetiers serve` against `refmetiers serve` alone,
     on the cookbook mix (queries/*.rq) sent as GET, the cache warmed by one pass;
  3. replicas: two `refmetiers serve` (one query worker each) behind nginx `upstream` against one
     `refmetiers serve` with two workers (the same number of query processes), on the cookbook mix;
  4. an external store: `refmetiers serve --store` on the Oxigraph server (loaded with `refmetiers publish`)
     against the embedded store, and against the Oxigraph server queried directly, on the cookbook mix.

On the reference as built from data/, on loopback, the client in this process (threads with one persistent
connection each, as bench/endpoint.py). Needs nginx and the Oxigraph server (`make test-servers`).

    .venv/bin/python bench/deploy.py                 # prints a Markdown table
    .venv/bin/python bench/deploy.py --quick         # fewer requests, for a smoke run
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from endpoint import Cell, free_port, reference_dist, stop, timed_gets  # noqa: E402

from fixtures.web.servers import Nginx, OxigraphServer  # noqa: E402

CLI = str(Path(sys.executable).with_name("refmetiers"))
ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def cookbook() -> list[tuple[str, str, str]]:
    """(kind, GET target, Accept) for each query of queries/*.rq."""
    items = []
    for path in sorted((REPO / "queries").glob("*.rq")):
        target = "/sparql?" + urllib.parse.urlencode({"query": path.read_text(encoding="utf-8")})
        items.append((path.stem, target, ACCEPT))
    return items


def iris(site: Path, count: int = 200) -> list[tuple[str, str, str]]:
    """(kind, path, Accept) for ``count`` IRIs of the site, alternately as Turtle and as a browser's page."""
    paths = sorted("/" + str(p.relative_to(site).with_suffix("")) for p in (site / "id").rglob("*.ttl"))
    step = max(1, len(paths) // count)
    chosen = paths[::step][:count]
    return [("turtle" if i % 2 == 0 else "html", path, "text/turtle" if i % 2 == 0 else BROWSER)
            for i, path in enumerate(chosen)]


def pair(workload: str, base: tuple[str, str], other: tuple[str, str], items, c: int, n: int, s: float):
    """Both systems warmed by one pass over ``items`` (this fills the cache, where there is one), then measured."""
    for url, _ in (base, other):
        run(url, items, "warm-up", 1, len(items), s)
    return workload, run(base[0], items, base[1], c, n, s), run(other[0], items, other[1], c, n, s)


def run(url: str, items: list[tuple[str, str, str]], system: str, concurrency: int, max_requests: int,
        max_seconds: float, dataset: str = "reference") -> Cell:
    return timed_gets(url, items, dataset, system, concurrency, max_requests, max_seconds)


class Serve:
    """`refmetiers serve`; ``cached=False`` turns its own result cache off (the "no cache" workloads measure the
    query path, not memory)."""

    def __init__(self, dist: Path, workers: int, store: str | None = None, cached: bool = True):
        from endpoint import wait_http

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "REFMETIERS_QUERY_WORKERS": str(workers)}
        if store:
            env["REFMETIERS_STORE"] = store
        if not cached:
            env["REFMETIERS_RESULT_CACHE_BYTES"] = "0"
        self.process = subprocess.Popen([CLI, "serve", "--dist", str(dist), "--root", str(dist.parent / "no-sources"),
                                         "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        wait_http(self.url + "/readyz", self.process, 300)


def site(dist: Path, out: Path, port: int, upstreams: list[str], cache: bool) -> Path:
    command = [CLI, "site", "--dist", str(dist), "--root", str(dist.parent / "no-sources"), str(out),
               "--listen", f"127.0.0.1:{port}"]
    for upstream in upstreams:
        command += ["--upstream", upstream]
    if cache:
        command.append("--cache")
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print(f"site written in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.max_requests, args.max_seconds = 200, 5.0
    tmp = Path(tempfile.mkdtemp(prefix="refmetiers-deploy-"))
    (tmp / "no-sources").mkdir()
    started: list = []
    cells: list[tuple[str, Cell, Cell]] = []
    c, n, s = args.concurrency, args.max_requests, args.max_seconds
    try:
        dist = reference_dist(tmp)
        mix = cookbook()

        # 1 and 2: one serve (2 workers), nginx with the static site and a cache in front of it.
        one = Serve(dist, 2)
        started.append(one.process)
        port = free_port()
        static = site(dist, tmp / "site-cache", port, [one.url], cache=True)
        nginx = Nginx(static, port)
        started.append(nginx)
        paths = iris(static)
        cells.append(pair("IRIs (Turtle and HTML)", (one.url, "refmetiers serve"), (nginx.url, "nginx, static site"),
                          paths, c, n, s))
        cells.append(pair("SPARQL cookbook mix (GET)", (one.url, "refmetiers serve"),
                          (nginx.url, "nginx proxy_cache + serve"), mix, c, n, s))
        nginx.stop()
        started.remove(nginx)

        # 3: two replicas of one worker each behind nginx, against one serve with two workers (caches off).
        stop(one.process)
        started.remove(one.process)
        one = Serve(dist, 2, cached=False)
        started.append(one.process)
        replicas = [Serve(dist, 1, cached=False), Serve(dist, 1, cached=False)]
        started += [r.process for r in replicas]
        port = free_port()
        balanced = Nginx(site(dist, tmp / "site-replicas", port, [r.url for r in replicas], cache=False), port)
        started.append(balanced)
        cells.append(pair("SPARQL cookbook mix, no cache", (one.url, "serve, 2 workers"),
                          (balanced.url, "nginx + 2 serve × 1 worker"), mix, c, n, s))
        balanced.stop()
        started.remove(balanced)
        for replica in replicas:
            stop(replica.process)
            started.remove(replica.process)

        # 4: the Oxigraph server behind our guards, against the embedded store.
        oxigraph = OxigraphServer(tmp / "oxigraph")
        started.append(oxigraph)
        subprocess.run([CLI, "publish", "--dist", str(dist), "--root", str(tmp / "no-sources"),
                        "--to", oxigraph.url + "/store"], check=True, stdout=subprocess.DEVNULL)
        remote = Serve(dist, 2, store=oxigraph.url + "/query")
        started.append(remote.process)
        cells.append(pair("SPARQL cookbook mix, no cache", (one.url, "serve, embedded store"),
                          (remote.url, "serve --store Oxigraph server"), mix, c, n, s))
        # What the store does alone with the same queries and dataset: our share of the time above.
        from refmetiers.namespaces import GRAPH_NAMES, graph_iri

        graphs = [str(graph_iri(name)) for name in GRAPH_NAMES]
        dataset = urllib.parse.urlencode([("default-graph-uri", g) for g in graphs]
                                         + [("named-graph-uri", g) for g in graphs])
        direct = [(kind, target.replace("/sparql?", "/query?", 1) + "&" + dataset, accept)
                  for kind, target, accept in mix]
        cells.append(("SPARQL cookbook mix, no cache", run(oxigraph.url, direct, "Oxigraph server alone", c, n, s),
                      run(remote.url, mix, "serve --store Oxigraph server", c, n, s)))
    finally:
        for item in reversed(started):
            if isinstance(item, subprocess.Popen):
                stop(item)
            else:
                item.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(render(cells, c))
    return 0


def render(cells: list[tuple[str, Cell, Cell]], concurrency: int) -> str:
    lines = [f"Concurrency {concurrency}, loopback, the reference as built from data/.", "",
             "| workload | baseline | req/s | p50 ms | p99 ms | errors | against | req/s | p50 ms | p99 ms | errors "
             "| ratio (req/s) |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for workload, base, other in cells:
        ratio = other.throughput / base.throughput if base.throughput else float("nan")
        lines.append(f"| {workload.strip()} | {base.system} | {base.throughput:.0f} | {base.pct(0.5):.1f} | "
                     f"{base.pct(0.99):.1f} | {base.errors} | {other.system} | {other.throughput:.0f} | "
                     f"{other.pct(0.5):.1f} | {other.pct(0.99):.1f} | {other.errors} | {ratio:.1f}× |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
