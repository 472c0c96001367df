"""Where the time of one /sparql request goes, layer by layer (issue 17, item 3).

Each layer is timed on its own, in this process, on the reference build and a query mix sampled from it (the
one of bench/endpoint.py, without its "large" kind): the median of many runs, in microseconds.

  request parsing      Params.parse of the query string (strict UTF-8, as /sparql does)
  negotiation          the format override and Accept negotiation for results and graphs
  etag                 the release-keyed ETag of a GET
  guard                the lexical guard (query/guard.py)
  cache lookup         the cache key and a hit (query/cache.py)
  engine               pyoxigraph: parse, run, serialise within the caps (query/execution.py, as a worker does)
  worker round trip    QueryService.run on a real worker pool, minus the engine time the worker reports:
                       scheduling, pickling, the pipe both ways, the event loop waking up
  process boundary     the floor under it: a 200-byte message to a forked process and back over a
                       multiprocessing pipe, blocking, no event loop
  app, /healthz        the whole ASGI app (Starlette, middleware, handler) called in-process, no socket
  app, /sparql hit     the same for a /sparql GET answered from the result cache
  app, /sparql miss    the same for a /sparql GET that goes to a worker
  app, description ... a job type's page (HTML) and Turtle: the first request for each job (rendered), then the
                       same request again (kept at the door, web/kept.py)
  HTTP, ...            the same three through the real server on loopback (one keep-alive connection, raw
                       socket client): the server's HTTP layer is the difference with the "app" lines

    .venv/bin/python bench/layers.py                      # the HTTP lines through `refmetiers serve` (uvicorn, h11)
    .venv/bin/python bench/layers.py --server granian     # ... through granian instead (pip install granian)
    .venv/bin/python bench/layers.py --dist DIST          # on a build already made
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

import endpoint as eb  # noqa: E402  (the bench's data and mix)

from refmetiers import formats  # noqa: E402
from refmetiers import query as qs  # noqa: E402
from refmetiers.query.cache import ResultCache, cache_key  # noqa: E402
from refmetiers.web.common import Params, etag  # noqa: E402
from refmetiers.web.sparql import GRAPH_OFFER, RESULT_OFFER, _override  # noqa: E402

JSON = "application/sparql-results+json"


def median_us(function, runs: int) -> float:
    """Median wall time of one call of ``function``, in µs, over ``runs`` calls (the garbage collector left on)."""
    return statistics.median(timeit.repeat(function, setup="import gc; gc.enable()", number=1, repeat=runs)) * 1e6


def functions(dataset: eb.Dataset, store: ox.Store, runs: int) -> dict[str, float]:
    limits = qs.Limits()
    out: dict[str, list[float]] = {}
    cache = ResultCache(64 << 20)
    for _, text, accept in dataset.queries:
        raw = urllib.parse.urlencode({"query": text}).encode()
        params = Params.parse(raw)
        request = qs.QueryRequest(text, formats.RESULTS_JSON, formats.TURTLE, base_iri=eb.BASE)
        result = qs.execute(store, request, limits)
        cache.put(cache_key(request), result)

        def negotiate(accept=accept, params=params):
            _override(params, RESULT_OFFER) or formats.negotiate(accept, RESULT_OFFER)
            _override(params, GRAPH_OFFER) or formats.negotiate(accept, GRAPH_OFFER)

        def lookup(request=request):
            cache.get(cache_key(request))

        measured = {
            "request parsing": lambda raw=raw: Params.parse(raw),
            "negotiation": negotiate,
            "etag": lambda text=text: etag("0.2.0", text, (), (), "json", "ttl", False),
            "guard": lambda text=text: qs.check_query(text, limits),
            "cache lookup": lookup,
            "engine": lambda request=request: qs.execute(store, request, limits),
        }
        for name, function in measured.items():
            out.setdefault(name, []).append(median_us(function, runs))
    return {name: statistics.median(values) for name, values in out.items()}


def _echo(conn) -> None:
    while (message := conn.recv_bytes()) != b"":
        conn.send_bytes(message)


def process_boundary(runs: int) -> float:
    """Median µs of a 200-byte message to a forked process and back (multiprocessing pipe)."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(target=_echo, args=(theirs,))
    child.start()
    message = b"x" * 200

    def ping() -> None:
        ours.send_bytes(message)
        ours.recv_bytes()

    try:
        return median_us(ping, max(runs * 20, 1000))
    finally:
        ours.send_bytes(b"")
        child.join(5)


async def round_trip(dataset: eb.Dataset, runs: int) -> float:
    """Median over the mix of (QueryService.run - the engine time the worker reports), in microseconds."""
    service = qs.QueryService(dataset.dist, qs.Limits())
    await service.start()
    try:
        extra = []
        for _, text, _ in dataset.queries:
            request = qs.QueryRequest(text, formats.RESULTS_JSON, formats.TURTLE, base_iri=eb.BASE, client="bench")
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                result = await service.run(request)
                samples.append(time.perf_counter() - start - result.seconds)
            extra.append(statistics.median(samples))
        return statistics.median(extra) * 1e6
    finally:
        service.close()


async def app_calls(dataset: eb.Dataset, store: ox.Store, runs: int) -> dict[str, float]:
    """The ASGI app called in-process: a scope, one request message, the messages it sends dropped."""
    from refmetiers.config import load_settings
    from refmetiers.web import create_app

    settings = load_settings(environ={}, root=dataset.dist.parent / "no-sources", dist_dir=dataset.dist)
    app = create_app(settings)
    lifespan_in: asyncio.Queue = asyncio.Queue()
    lifespan_out: asyncio.Queue = asyncio.Queue()
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                       lifespan_in.get, lifespan_out.put))
    await lifespan_in.put({"type": "lifespan.startup"})
    assert (await lifespan_out.get())["type"] == "lifespan.startup.complete"

    async def call(path: str, query: bytes, accept: str) -> int:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
                 "headers": [(b"host", b"127.0.0.1"), (b"accept", accept.encode())],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
        status = 0

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    async def once(path: str, accept: str) -> float:
        start = time.perf_counter()
        assert await call(path, b"", accept) == 200, path
        return time.perf_counter() - start

    async def timed(path: str, query: bytes, accept: str) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            assert await call(path, query, accept) == 200
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    try:
        out = {"app, /healthz": await timed("/healthz", b"", "*/*")}
        hits, misses = [], []
        for number, (_, text, accept) in enumerate(dataset.queries):
            hits.append(await timed("/sparql", urllib.parse.urlencode({"query": text}).encode(), accept))
            samples = []
            for run in range(runs):  # a new text each time: never in the cache
                query = urllib.parse.urlencode({"query": f"{text}\n# {number}-{run}"}).encode()
                start = time.perf_counter()
                assert await call("/sparql", query, accept) == 200
                samples.append(time.perf_counter() - start)
            misses.append(statistics.median(samples))
        out["app, /sparql hit"] = statistics.median(hits)
        out["app, /sparql miss"] = statistics.median(misses)
        jobs = [row["job"].value for row in store.query(f"SELECT ?job {{ ?job a <{eb.RM}JobType> }}",
                                                              use_default_graph_as_union=True)]
        for kind, accept in (("HTML", "text/html"), ("Turtle", "text/turtle")):
            paths = ["/" + job.removeprefix(eb.BASE) for job in jobs]
            first = [await once(path, accept) for path in paths]
            kept = [await once(path, accept) for path in paths]
            out[f"app, description ({kind}), first request"] = statistics.median(first)
            out[f"app, description ({kind}), kept"] = statistics.median(kept)
        return {k: v * 1e6 for k, v in out.items()}
    finally:
        await lifespan_in.put({"type": "lifespan.shutdown"})
        await lifespan_out.get()
        await lifespan


def http_get(sock: socket.socket, target: str, accept: str) -> bytes:
    """One GET on a keep-alive connection; the answer read by its Content-Length."""
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    return body


def start_server(dist: Path, kind: str) -> tuple[subprocess.Popen, int]:
    port = eb.free_port()
    env = {**os.environ, "REFMETIERS_DIST": str(dist), "REFMETIERS_ROOT": str(dist.parent / "no-sources")}
    bin_dir = Path(sys.executable).parent
    if kind == "granian":
        command = [str(bin_dir / "granian"), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", "1", "--loop", "uvloop", "--no-access-log", "--log-level", "warning",
                   "refmetiers.web.asgi:app"]
    else:
        command = [str(bin_dir / "refmetiers"), "serve", "--dist", str(dist), "--root", str(dist.parent / "no-sources"),
                   "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    eb.wait_http(f"http://127.0.0.1:{port}/readyz", process, 120)
    return process, port


def over_http(dataset: eb.Dataset, kind: str, runs: int) -> dict[str, float]:
    process, port = start_server(dataset.dist, kind)
    try:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def timed(target: str, accept: str) -> float:
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                http_get(sock, target, accept)
                samples.append(time.perf_counter() - start)
            return statistics.median(samples)

        out = {"HTTP, /healthz": timed("/healthz", "*/*")}
        hits, misses = [], []
        for number, (_, text, accept) in enumerate(dataset.queries):
            hits.append(timed("/sparql?" + urllib.parse.urlencode({"query": text}), accept))
            samples = []
            for run in range(runs):
                target = "/sparql?" + urllib.parse.urlencode({"query": f"{text}\n# {number}-{run}"})
                start = time.perf_counter()
                http_get(sock, target, accept)
                samples.append(time.perf_counter() - start)
            misses.append(statistics.median(samples))
        out["HTTP, /sparql hit"] = statistics.median(hits)
        out["HTTP, /sparql miss"] = statistics.median(misses)
        sock.close()
        return {k: v * 1e6 for k, v in out.items()}
    finally:
        eb.stop(process)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs of each query per layer")
    parser.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn")
    parser.add_argument("--dist", type=Path, help="a build to use (default: the reference, built now)")
    parser.add_argument("--http-only", action="store_true", help="only the lines through the real server")
    args = parser.parse_args(argv)
    dist = args.dist or eb.reference_dist(Path(tempfile.mkdtemp(prefix="refmetiers-layers-")))
    dataset = eb.Dataset("reference", dist, eb.RM + "requiredKnowHow", eb.RM + "JobType")
    store = ox.Store()
    store.bulk_load(path=str(dataset.dist / "refmetiers.nq"), format=ox.RdfFormat.N_QUADS)
    eb.query_mix(store, dataset)
    dataset.queries = [q for q in dataset.queries if q[0] != "large"]
    figures: dict[str, float] = {}
    if not args.http_only:
        figures.update(functions(dataset, store, args.runs))
        figures["worker round trip"] = asyncio.run(round_trip(dataset, args.runs))
        figures["process boundary"] = process_boundary(args.runs)
        figures.update(asyncio.run(app_calls(dataset, store, args.runs)))
    figures.update(over_http(dataset, args.server, args.runs))
    load = os.getloadavg()
    print(f"| layer | median µs ({len(dataset.queries)} queries × {args.runs} runs; HTTP via {args.server}) |")
    print("|---|---:|")
    for name, value in figures.items():
        print(f"| {name} | {value:.0f} |")
    print(f"\nload average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
