"""The reliability run (issue 16): the attack and load trial replayed against `refmetiers serve` on loopback.

1. the 42 bad inputs (tests/fixtures/web/bad_inputs.py), each answered as documented, the server alive after each;
2. 32 clients for 60 s on the integrator mix of bench/endpoint.py: errors that are not the client's fault (must be 0);
3. the same with 4 more clients sending queries that run to the time budget, each from its own loopback address:
   fast-query p50/p95 and errors, against step 2 (the unloaded value);
4. a query worker killed (SIGKILL) every 5 s under load: failed requests;
5. a rebuild of the data swapped in under load (the server reloads it): failed requests, and the time until the
   new build is served.

    .venv/bin/python bench/reliability.py                 # about 4 minutes
    .venv/bin/python bench/reliability.py --seconds 10    # a shorter run

The client is this process (threads, one keep-alive connection each); it shares the cores with the server.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
import pyoxigraph as ox

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from endpoint import Dataset, query_mix  # noqa: E402

from fixtures.web.bad_inputs import BAD_INPUTS, SLOW, send  # noqa: E402

RM = "https://w3id.org/refmetiers/def#"


class Server:
    def __init__(self, root: Path, env: dict[str, str] | None = None):
        from fixtures.web.support import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cli = str(Path(sys.executable).with_name("refmetiers"))
        environment = {k: v for k, v in os.environ.items() if not k.startswith("REFMETIERS_")} | (env or {})
        self.log = open(root.parent / f"server-{self.port}.log", "w+")
        self.process = subprocess_popen([cli, "serve", "--root", str(root), "--port", str(self.port),
                                         "--log-level", "warning", "--no-access-log"], self.log, environment)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.seek(0)
        errors = [line.rstrip() for line in self.log if line.strip()]
        self.log.close()
        if errors:
            print(f"server log: {len(errors)} lines, the last ones:", *errors[-20:], sep="\n", file=sys.stderr)


def subprocess_popen(command, log, env):
    import subprocess

    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


class Load:
    """``clients`` threads looping over ``queries`` until stopped; statuses and latencies. Each thread is its own
    client, from its own loopback address (127.0.1.N), unless ``address`` names one for all."""

    def __init__(self, url: str, queries: list[tuple[str, str, str]], clients: int, address: str | None = None):
        self.url, self.queries, self.address = urllib.parse.urlsplit(url), queries, address
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.samples: dict[int, set[str]] = {}  # first line of the answers that were not 200
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(clients)]
        self.lock = threading.Lock()

    def connect(self, index: int) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=120,
                                          source_address=(self.address or f"127.0.1.{index + 1}", 0))

    def client(self, index: int) -> None:
        connection = self.connect(index)
        i = index
        while not self.stop.is_set():
            _, text, accept = self.queries[i % len(self.queries)]
            i += 1
            began = time.perf_counter()
            try:
                connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": text}),
                                   headers={"Accept": accept})
                response = connection.getresponse()
                body = response.read()
                status = response.status
                if status != 200:
                    line = body.decode("utf-8", "replace").split("\n", 1)[0][:120]
                    with self.lock:
                        self.samples.setdefault(status, set()).add(line)
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = self.connect(index)
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = self.connect(index)
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.latencies.append(time.perf_counter() - began)
        connection.close()

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def pct(self, q: float) -> float:
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000 if values else float("nan")

    def summary(self, seconds: float) -> str:
        answered = sum(self.statuses.values())
        samples = "; ".join(f"{status}: {' | '.join(sorted(lines)[:3])}"
                            for status, lines in sorted(self.samples.items()))
        return (f"{answered} requests, {len(self.latencies) / seconds:.1f} answers/s, p50 {self.pct(0.5):.1f} ms, "
                f"p95 {self.pct(0.95):.1f} ms, statuses {dict(sorted(self.statuses.items()))}"
                + (f" ({samples})" if samples else ""))


def workers_of(pid: int) -> list[int]:
    """The query workers of server ``pid``: the children of the multiprocessing forkserver it started."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                processes[int(entry.name)] = (parent, (entry / "cmdline").read_bytes())
            except (OSError, ValueError):
                continue
    forkservers = {child for child, (parent, cmdline) in processes.items()
                   if parent == pid and b"forkserver" in cmdline}
    return sorted(child for child, (parent, _) in processes.items() if parent in forkservers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each load step")
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args(argv)
    from fixtures.web.support import REPO

    tmp = Path(tempfile.mkdtemp(prefix="refmetiers-reliability-"))
    root = tmp / "root"
    for folder in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    from refmetiers.build import build
    from refmetiers.config import load_settings

    build(load_settings(environ={}, root=root))
    store = ox.Store()
    store.bulk_load(path=str(root / "dist" / "refmetiers.nq"), format=ox.RdfFormat.N_QUADS)
    dataset = Dataset("reference", root / "dist", RM + "requiredKnowHow", RM + "JobType")
    query_mix(store, dataset)
    report: list[str] = [f"- data: the reference as built ({len(store)} quads); mix of {len(dataset.queries)} "
                         f"queries (bench/endpoint.py); {args.clients} clients; {args.seconds:g} s per load step"]
    server = Server(root, {"REFMETIERS_MAX_CLIENT_ERRORS": "1000000"})
    try:
        # 1. the 42 bad inputs
        wrong = []
        for item in BAD_INPUTS:
            status, text = send(server.url, item)
            alive = httpx.get(server.url + "/healthz", timeout=30).status_code == 200
            if status != item.status or "Traceback" in text or not alive:
                wrong.append((item.name, status, item.status, alive))
        report.append(f"- 42 bad inputs: {42 - len(wrong)} answered as documented, server alive after each"
                      + (f"; wrong: {wrong}" if wrong else ""))
        print(report[-1], file=sys.stderr)
        # 2. the integrator mix
        with Load(server.url + "/sparql", dataset.queries, args.clients) as base:
            time.sleep(args.seconds)
        report.append(f"- {args.clients} clients, integrator mix: {base.summary(args.seconds)}")
        print(report[-1], file=sys.stderr)
        # 3. the same with 4 slow clients
        with Load(server.url + "/sparql", dataset.queries, args.clients) as fast:
            slows = [Load(server.url + "/sparql", [("slow", SLOW, "application/sparql-results+json")], 1,
                          f"127.0.0.{i}") for i in range(2, 6)]
            for slow in slows:
                slow.__enter__()
            time.sleep(args.seconds)
            for slow in slows:
                slow.__exit__()
        slow_statuses: dict[int, int] = {}
        for slow in slows:
            for status, count in slow.statuses.items():
                slow_statuses[status] = slow_statuses.get(status, 0) + count
        report.append(f"- the same with 4 slow-query clients: fast {fast.summary(args.seconds)} (p95 "
                      f"{fast.pct(0.95) / base.pct(0.95):.1f}× the mix alone); slow clients' statuses {slow_statuses}")
        print(report[-1], file=sys.stderr)
        # 4. workers killed under load
        kills = 0
        with Load(server.url + "/sparql", dataset.queries, args.clients) as killed:
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                time.sleep(5)
                pids = workers_of(server.process.pid)
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    kills += 1
        report.append(f"- {kills} workers killed (SIGKILL, every 5 s) under load: {killed.summary(args.seconds)}")
        print(report[-1], file=sys.stderr)
        # 5. a rebuild under load
        jobs = root / "data" / "jobs"
        target = next(p for p in sorted(jobs.glob("*.ttl")) if "skos:definition" in p.read_text(encoding="utf-8"))
        before = httpx.get(server.url + "/readyz").json()["data_version"]
        with Load(server.url + "/sparql", dataset.queries, args.clients) as rebuilt:
            time.sleep(2)
            text = target.read_text(encoding="utf-8")
            # A changed definition: a new build (new dumps, new version), valid as the old one was.
            at = text.index("skos:definition")
            end = text.index('"@fr', at)
            target.write_text(text[:end] + ' (révisé)' + text[end:], encoding="utf-8")
            started = time.monotonic()
            build(load_settings(environ={}, root=root))
            built = time.monotonic() - started
            while httpx.get(server.url + "/readyz").json()["data_version"] == before and \
                    time.monotonic() - started < 300:
                time.sleep(0.1)
            switched = time.monotonic() - started - built
            time.sleep(2)
        report.append(f"- a rebuild under load (build {built:.1f} s, new build served {switched:.1f} s after it): "
                      f"{rebuilt.summary(built + switched + 4)}")
        print(report[-1], file=sys.stderr)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
