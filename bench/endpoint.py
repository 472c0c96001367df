"""Benchmark of the SPARQL endpoint: the same query mix on the same data through

  (a) pyoxigraph in-process (the limit: query + JSON/Turtle serialisation, no HTTP),
  (b) our endpoint over HTTP (`refmetiers serve`: uvicorn, Starlette, query worker processes),
  (c) rdflib-endpoint serving the same N-Quads dump (the closest peer: FastAPI + rdflib),
  (d) the Oxigraph server (Rust, the `oxigraph` binary of the PyPI package of that name, in .[test]) holding
      the same dump in memory, union default graph: the server an integrator could run instead of ours,

at concurrency 1, 8 and 32 on loopback, with bounded request counts and time per cell, on two datasets:
the reference as built in dist/, and a synthetic graph of ESCO's size and shape (3,000 occupations,
14,000 skills, 120,000 occupation-skill relations, labels in two languages: about 0.4 million triples).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/endpoint.py               # both datasets, prints a Markdown table
    .venv/bin/python bench/endpoint.py --quick       # fewer requests, for a smoke run
    make bench-tools && .venv/bin/python bench/endpoint.py --client wrk --datasets reference \
        --systems floor ours oxigraph --concurrency 1 8 --max-seconds 10   # the Oxigraph server, wrk as client
    ... --mix cookbook     # the queries of queries/*.rq instead of the mix sampled from the data
    ... --uncached         # every request's query made unique by a numbered comment: no answer from a cache
    ... --systems floor ours baseline oxigraph --baseline REV   # also `refmetiers serve` from revision REV

The client is this process: threads with one persistent connection each (stdlib http.client); it shares
the machine's cores with the servers, the same way for both. "HTTP floor" is GET /healthz on our server
through the same client: what any request costs before a query runs.

With ``--client wrk`` the HTTP cells are driven by wrk (C, from Debian; ``make bench-tools`` installs it)
instead: ``concurrency`` keep-alive connections over one or two wrk threads, for ``--max-seconds`` each (no
request cap), the query mix cycled by a generated Lua script, so that the client does not cap the figures.
wrk gives the throughput and latency percentiles but no per-kind split.

The mix is cycled, so that from its second round on our endpoint answers it from its result cache (as it would
a reader re-running a cookbook query, or an integrator's client polling); ``--uncached`` measures the path
through the query workers (and the Oxigraph server on the same unique texts).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
from baseline import export_baseline

REPO = Path(__file__).resolve().parents[1]
BASE = "https://w3id.org/refmetiers/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ESCO = "http://data.europa.eu/esco/model#"
RM = BASE + "def#"
JSON_RESULTS = "application/sparql-results+json"


# --------------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------------

def _lit(text: str, lang: str) -> str:
    return json.dumps(text, ensure_ascii=False) + "@" + lang


def synthetic_esco(folder: Path, occupations: int = 3000, skills: int = 14000, relations: int = 120_000,
                   seed: int = 7) -> Path:
    """Write an ESCO-shaped graph as ``folder/refmetiers.nq`` (graph referentiel) and return the folder."""
    rng = random.Random(seed)
    words_fr = ["gérer", "données", "réseau", "sécurité", "client", "projet", "logiciel", "système", "qualité",
                "analyse", "conception", "maintenance", "formation", "vente", "budget", "équipe", "service"]
    words_en = ["manage", "data", "network", "security", "customer", "project", "software", "system", "quality",
                "analysis", "design", "maintenance", "training", "sales", "budget", "team", "service"]
    graph = f"<{BASE}graph/referentiel>"
    occ = [f"<http://data.europa.eu/esco/occupation/{i:05d}>" for i in range(occupations)]
    skl = [f"<http://data.europa.eu/esco/skill/{i:05d}>" for i in range(skills)]
    isco = [f"<http://data.europa.eu/esco/isco/C{2000 + i}>" for i in range(400)]
    lines = []

    def add(s, p, o):
        lines.append(f"{s} <{p}> {o} {graph} .\n")

    def phrase(i: int, words: list[str], n: int) -> str:
        r = random.Random(i * 7919 + n)
        return " ".join(r.choice(words) for _ in range(n)) + f" {i}"

    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    for i, o in enumerate(occ):
        add(o, rdf_type, f"<{ESCO}Occupation>")
        add(o, SKOS + "inScheme", "<http://data.europa.eu/esco/concept-scheme/occupations>")
        add(o, SKOS + "prefLabel", _lit(phrase(i, words_fr, 3), "fr"))
        add(o, SKOS + "prefLabel", _lit(phrase(i, words_en, 3), "en"))
        add(o, SKOS + "altLabel", _lit(phrase(i + 1, words_fr, 4), "fr"))
        add(o, SKOS + "altLabel", _lit(phrase(i + 1, words_en, 4), "en"))
        add(o, SKOS + "definition", _lit(phrase(i, words_en, 12), "en"))
        add(o, SKOS + "notation", json.dumps(f"{2000 + i % 400}.{i}"))
        add(o, SKOS + "broader", isco[i % 400])
    for i, s in enumerate(skl):
        add(s, rdf_type, f"<{ESCO}Skill>")
        add(s, SKOS + "inScheme", "<http://data.europa.eu/esco/concept-scheme/skills>")
        add(s, SKOS + "prefLabel", _lit(phrase(i, words_fr, 3), "fr"))
        add(s, SKOS + "prefLabel", _lit(phrase(i, words_en, 3), "en"))
        for k in range(2):
            add(s, SKOS + "altLabel", _lit(phrase(i + 10 + k, words_fr, 4), "fr"))
            add(s, SKOS + "altLabel", _lit(phrase(i + 10 + k, words_en, 4), "en"))
        add(s, ESCO + "skillType", "<http://data.europa.eu/esco/skill-type/skill>")
    pairs = set()
    while len(pairs) < relations:
        # a skewed distribution, as in ESCO: a few skills are shared by many occupations
        pairs.add((rng.randrange(occupations), int(skills * rng.random() ** 2)))
    for o, s in sorted(pairs):
        prop = "relatedEssentialSkill" if (o + s) % 3 else "relatedOptionalSkill"
        add(occ[o], ESCO + prop, skl[s])
        inverse = "isEssentialForOccupation" if prop == "relatedEssentialSkill" else "isOptionalForOccupation"
        add(skl[s], ESCO + inverse, occ[o])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "refmetiers.nq").write_text("".join(lines), encoding="utf-8")
    return folder


def reference_dist(tmp: Path) -> Path:
    """The reference as built from data/ (into a temporary folder: the repository's dist/ is left alone)."""
    from refmetiers.build import build
    from refmetiers.config import load_settings

    dist = tmp / "reference"
    build(load_settings(environ={}, dist_dir=dist))
    return dist


@dataclass
class Dataset:
    name: str
    dist: Path
    skill_property: str
    job_class: str
    triples: int = 0
    queries: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, text, accept)


def query_mix(store: ox.Store, dataset: Dataset, per_kind: int = 8, seed: int = 11) -> None:
    """The mix, with IRIs and labels sampled from the data: label lookup, a job's skills with labels,
    the jobs sharing most skills with a job (aggregate), an ASK, a CONSTRUCT of a job's triples, and a large
    answer (2,000 triples as SPARQL JSON, over 100 KB: replies that cross the worker pipe in many reads)."""
    rng = random.Random(seed)
    rows = list(store.query(f"SELECT DISTINCT ?j ?l WHERE {{ ?j a <{dataset.job_class}> ; "
                            f"<{dataset.skill_property}> ?s ; <{SKOS}prefLabel> ?l FILTER(lang(?l) = 'fr') }}",
                            use_default_graph_as_union=True))
    rng.shuffle(rows)
    picks = rows[:per_kind]
    prop = f"<{dataset.skill_property}>"
    for row in picks:
        job, label = row["j"].value, row["l"].value
        dataset.queries += [
            ("lookup", f"SELECT ?c WHERE {{ ?c <{SKOS}prefLabel> {_lit(label, 'fr')} }}", JSON_RESULTS),
            ("skills", f"SELECT ?s ?l WHERE {{ <{job}> {prop} ?s . ?s <{SKOS}prefLabel> ?l FILTER(lang(?l) = 'fr') }}",
             JSON_RESULTS),
            ("shared", f"SELECT ?o (COUNT(?s) AS ?n) WHERE {{ <{job}> {prop} ?s . ?o {prop} ?s "
                       f"FILTER(?o != <{job}>) }} GROUP BY ?o ORDER BY DESC(?n) ?o LIMIT 10", JSON_RESULTS),
            ("ask", f"ASK {{ <{job}> {prop} ?s }}", JSON_RESULTS),
            ("construct", f"CONSTRUCT {{ <{job}> ?p ?o }} WHERE {{ <{job}> ?p ?o }}", "text/turtle"),
            ("large", f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} OFFSET {rng.randrange(0, 1000)} LIMIT 2000", JSON_RESULTS),
        ]


def cookbook_mix(store: ox.Store, dataset: Dataset, folder: Path = REPO / "queries") -> None:
    """The queries of the cookbook (queries/*.rq) as they are: what the query page offers, asked again and again by
    its readers. SELECT and ASK are asked as SPARQL JSON, CONSTRUCT and DESCRIBE as Turtle."""
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        result = store.query(text, use_default_graph_as_union=True)
        graph = not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean))
        dataset.queries.append((path.stem, text, "text/turtle" if graph else JSON_RESULTS))


def uncached(text: str, number: int) -> str:
    """``text`` made unique by a trailing comment: the same query, never answered from a cache."""
    return f"{text}\n# {number}"


# --------------------------------------------------------------------------------------------------------
# Runners
# --------------------------------------------------------------------------------------------------------

@dataclass
class Cell:
    dataset: str
    system: str
    concurrency: int
    latencies: list[float]
    seconds: float
    errors: int = 0  # any answer but 200 (or no answer)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    # from wrk, which reports a count and percentiles rather than each latency
    answered: int | None = None
    percentiles_ms: dict[float, float] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies) if self.answered is None else self.answered

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def pct(self, q: float, values: list[float] | None = None) -> float:
        if values is None and q in self.percentiles_ms:
            return self.percentiles_ms[q]
        values = sorted(self.latencies if values is None else values)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


def run_inprocess(store: ox.Store, dataset: Dataset, concurrency: int, max_requests: int, max_seconds: float) -> Cell:
    """pyoxigraph in this process: query and serialise (JSON results, Turtle graphs), no HTTP."""
    def one(item):
        kind, text, accept = item
        start = time.perf_counter()
        result = store.query(text, use_default_graph_as_union=True)
        if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
            result.serialize(format=ox.QueryResultsFormat.JSON)
        else:
            ox.serialize(result, format=ox.RdfFormat.TURTLE)
        return kind, time.perf_counter() - start

    cell = Cell(dataset.name, "pyoxigraph in-process", concurrency, [], 0.0)
    work = [dataset.queries[i % len(dataset.queries)] for i in range(max_requests)]
    start = time.perf_counter()
    deadline = start + max_seconds
    with ThreadPoolExecutor(concurrency) as pool:
        for i in range(0, len(work), concurrency * 4):
            for kind, seconds in pool.map(one, work[i:i + concurrency * 4]):
                cell.latencies.append(seconds)
                cell.by_kind.setdefault(kind, []).append(seconds)
            if time.perf_counter() > deadline:
                break
    cell.seconds = time.perf_counter() - start
    return cell


def run_http(url: str, dataset: Dataset, system: str, concurrency: int, max_requests: int,
             max_seconds: float, path_only: str | None = None, unique: bool = False) -> Cell:
    """The dataset's query mix as GET /sparql?query=… (or ``path_only``, the HTTP floor) through
    :func:`timed_gets`. ``unique``: each request's query made unique (``uncached``)."""
    path = urllib.parse.urlsplit(url).path
    queries = dataset.queries

    def item(i: int) -> tuple[str, str, str]:
        kind, text, accept = queries[i % len(queries)]
        if path_only:
            return "floor", path_only, accept
        return kind, path + "?" + urllib.parse.urlencode({"query": uncached(text, i) if unique else text}), accept

    return timed_gets(url, item, dataset.name, system, concurrency, max_requests, max_seconds)


def timed_gets(url: str, items, dataset: str, system: str, concurrency: int,
               max_requests: int, max_seconds: float) -> Cell:
    """GET each (kind, target, Accept) of ``items`` (a list, or a function of the request's number) in turn,
    timed, until ``max_requests`` or ``max_seconds``: ``concurrency`` client threads, each with one persistent
    HTTP/1.1 connection (stdlib http.client: the lightest client at hand, so that the figures measure the server
    more than the client)."""
    item_at = items if callable(items) else (lambda i: items[i % len(items)])
    parsed = urllib.parse.urlsplit(url)
    cell = Cell(dataset, system, concurrency, [], 0.0)
    counter = iter(range(max_requests))
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + max_seconds

    def worker():
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
        for i in counter:
            if time.perf_counter() > deadline:
                break
            kind, target, accept = item_at(i)
            began = time.perf_counter()
            try:
                connection.request("GET", target, headers={"Accept": accept})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
            elapsed = time.perf_counter() - began
            with lock:
                if ok:
                    cell.latencies.append(elapsed)
                    cell.by_kind.setdefault(kind, []).append(elapsed)
                else:
                    cell.errors += 1
                    cell.errors_by_kind[kind] = cell.errors_by_kind.get(kind, 0) + 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - start
    return cell


# Requests are formatted in init (per wrk thread), once wrk knows the Host header; with ``unique`` each request
# is formatted when sent, its query ending in a comment that numbers it (the thread's id keeps threads apart).
WRK_SCRIPT = """
local targets = {%s}
local unique = %s
local requests = {}
local i = 0
local n = 0
local threads = 0
setup = function(thread)
  thread:set("thread_id", threads)  -- a global of the thread's own Lua state
  threads = threads + 1
end
init = function(_)
  for k, t in ipairs(targets) do
    requests[k] = wrk.format("GET", t[1], {Accept = t[2]})
  end
end
request = function()
  i = i %% #requests + 1
  if unique then
    n = n + 1
    return wrk.format("GET", targets[i][1] .. "%%0A%%23+" .. (thread_id or 0) .. "-" .. n, {Accept = targets[i][2]})
  end
  return requests[i]
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format("WRK-RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def _lua_string(text: str) -> str:
    """A Lua long string: no escapes to get wrong (the paths are percent-encoded ASCII anyway)."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def run_wrk(url: str, dataset: Dataset, system: str, concurrency: int, max_seconds: float,
            path_only: str | None = None, unique: bool = False) -> Cell:
    """The same mix driven by wrk: ``concurrency`` keep-alive connections for ``max_seconds``. A status other
    than 2xx/3xx, a socket error or a timeout counts as an error (wrk counts non-2xx/3xx answers in
    ``summary.requests`` too, so they are taken out of the answered count)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk not found: run `make bench-tools` (Debian package wrk) / wrk introuvable : "
                         "lancer `make bench-tools`")
    parsed = urllib.parse.urlsplit(url)
    if path_only:
        targets = [(path_only, "*/*")]
    else:
        targets = [(parsed.path + "?" + urllib.parse.urlencode({"query": text}), accept)
                   for _, text, accept in dataset.queries]
    lua = WRK_SCRIPT % (", ".join(f"{{{_lua_string(path)}, {_lua_string(accept)}}}" for path, accept in targets),
                        "true" if unique and not path_only else "false")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
    try:
        out = subprocess.run([wrk, "-t", str(min(concurrency, 2)), "-c", str(concurrency),
                              "-d", f"{max(1, round(max_seconds))}s", "--timeout", "30s", "-s", handle.name,
                              f"{parsed.scheme}://{parsed.netloc}/"],
                             capture_output=True, text=True, check=True, timeout=max_seconds + 120).stdout
    finally:
        os.unlink(handle.name)
    line = next(x for x in out.splitlines() if x.startswith("WRK-RESULT "))
    total, duration_us, errors, p50_us, p99_us = (int(x) for x in line.split()[1:])
    non_2xx = 0
    for x in out.splitlines():
        if x.strip().startswith("Non-2xx or 3xx responses:"):
            non_2xx = int(x.split(":")[1])
    return Cell(dataset.name, system, concurrency, [], duration_us / 1e6, errors=errors,
                answered=total - non_2xx, percentiles_ms={0.5: p50_us / 1000, 0.99: p99_us / 1000})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}: not ready in {timeout} s")


def start_ours(dist: Path, workers: int, src: Path | None = None) -> tuple[subprocess.Popen, str, float]:
    """`refmetiers serve` on ``dist``: this checkout's, or the package in ``src`` (another revision's)."""
    port = free_port()
    env = {**os.environ, "REFMETIERS_QUERY_WORKERS": str(workers)}
    command = [str(Path(sys.executable).with_name("refmetiers"))]
    if src is not None:
        env["PYTHONPATH"] = str(src)
        command = [sys.executable, "-m", "refmetiers.cli"]
    # --root is a folder without sources, so that serve loads the given dist as it is.
    process = subprocess.Popen([*command, "serve", "--dist", str(dist), "--root", str(dist.parent / "no-sources"),
                                "--port", str(port), "--log-level", "warning", "--no-access-log"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    ready = wait_http(f"http://127.0.0.1:{port}/readyz", process, 300)
    return process, f"http://127.0.0.1:{port}/sparql", ready


def start_ours_on_granian(dist: Path, workers: int) -> tuple[subprocess.Popen, str, float]:
    """The same app (``refmetiers.web.asgi:app``, settings from the environment) served by granian, an ASGI
    server with a Rust HTTP core (PyPI ``granian``, in .[bench]): one granian worker process, HTTP/1.1 only, the
    request head capped as in web/server.py."""
    from refmetiers.web.server import MAX_REQUEST_HEAD

    port = free_port()
    env = {**os.environ, "REFMETIERS_QUERY_WORKERS": str(workers), "REFMETIERS_DIST": str(dist),
           "REFMETIERS_ROOT": str(dist.parent / "no-sources")}
    binary = Path(sys.executable).with_name("granian")
    if not binary.exists():
        raise SystemExit(f"{binary} not found: pip install -e '.[bench]' / {binary} introuvable")
    process = subprocess.Popen([str(binary), "--interface", "asgi", "--http", "1", "--workers", "1", "--loop", "uvloop",
                                "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
                                "--http1-buffer-size", str(MAX_REQUEST_HEAD), "refmetiers.web.asgi:app"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    ready = wait_http(f"http://127.0.0.1:{port}/readyz", process, 300)
    return process, f"http://127.0.0.1:{port}/sparql", ready


PEER = """
import sys, uvicorn, rdflib
from rdflib_endpoint import SparqlEndpoint
graph = rdflib.Dataset(default_union=True)
graph.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=graph, path="/sparql", cors_enabled=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def start_peer(dist: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", PEER, str(dist / "refmetiers.nq"), str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ready = wait_http(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", process, 600)
    return process, f"http://127.0.0.1:{port}/sparql", ready


def start_oxigraph(dist: Path) -> tuple[subprocess.Popen, str, float]:
    """The Oxigraph server, in memory (no --location), the dump posted to its /store, the union of the graphs
    as the default graph as in our endpoint. Ready = until the dump is loaded."""
    binary = Path(sys.executable).with_name("oxigraph")
    if not binary.exists():
        raise SystemExit(f"{binary} not found: pip install -e '.[test]' (PyPI package oxigraph) / "
                         f"{binary} introuvable : pip install -e '.[test]'")
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([str(binary), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process, 60)
    response = httpx.post(f"http://127.0.0.1:{port}/store", content=(dist / "refmetiers.nq").read_bytes(),
                          headers={"Content-Type": "application/n-quads"}, timeout=600)
    response.raise_for_status()
    return process, f"http://127.0.0.1:{port}/query", time.monotonic() - started


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def same_answers(store: ox.Store, dataset: Dataset, urls: dict[str, str]) -> dict[str, int]:
    """How many queries of the mix each HTTP system answers with the same number of rows as pyoxigraph."""
    agree = {name: 0 for name in urls}
    for _, text, accept in dataset.queries:
        result = store.query(text, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            expected = int(bool(result))
        else:
            expected = len(list(result))
        for name, url in urls.items():
            response = httpx.get(url, params={"query": text}, headers={"Accept": accept}, timeout=300)
            if accept == "text/turtle":
                got = len(list(ox.parse(response.content, format=ox.RdfFormat.TURTLE)))
            else:
                body = response.json()
                got = int(body["boolean"]) if "boolean" in body else len(body["results"]["bindings"])
            agree[name] += got == expected
    return agree


# --------------------------------------------------------------------------------------------------------

SYSTEMS = {"floor": "HTTP floor (our /healthz)", "inprocess": "pyoxigraph in-process",
           "ours": "refmetiers serve (HTTP)", "baseline": "refmetiers serve @ baseline (HTTP)",
           "granian-floor": "HTTP floor, granian (/healthz)",
           "granian": "refmetiers app on granian (HTTP)", "rdflib-endpoint": "rdflib-endpoint (HTTP)",
           "oxigraph": "Oxigraph server (HTTP)"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests per cell (a smoke run)")
    parser.add_argument("--datasets", nargs="*", default=["reference", "esco"], choices=["reference", "esco"])
    parser.add_argument("--concurrency", nargs="*", type=int, default=[1, 8, 32])
    parser.add_argument("--workers", type=int, default=2, help="query worker processes of our endpoint")
    parser.add_argument("--max-requests", type=int, default=600, help="per cell")
    parser.add_argument("--max-seconds", type=float, default=15.0, help="per cell")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS), choices=list(SYSTEMS))
    parser.add_argument("--client", choices=["python", "wrk"], default="python",
                        help="HTTP load generator: threads of this process, or wrk (make bench-tools)")
    parser.add_argument("--mix", choices=["integrator", "cookbook"], default="integrator",
                        help="the query mix: sampled from the data (lookups, skills, ...), or queries/*.rq")
    parser.add_argument("--uncached", action="store_true",
                        help="make every request's query unique (a numbered comment): no answer from a cache")
    parser.add_argument("--baseline", metavar="REV",
                        help="the system 'baseline': `refmetiers serve` from revision REV's src/ (git archive)")
    args = parser.parse_args(argv)
    if ("baseline" in args.systems) != bool(args.baseline):
        parser.error("--baseline REV and the system 'baseline' go together / --baseline REV et le système "
                     "'baseline' vont ensemble")
    if args.quick:
        args.max_requests, args.max_seconds = 100, 5.0
    tmp = Path(tempfile.mkdtemp(prefix="refmetiers-bench-"))
    if args.baseline:
        SYSTEMS["baseline"] = f"refmetiers serve @ {args.baseline} (HTTP)"
    baseline_src = export_baseline(args.baseline, tmp / "baseline") if args.baseline else None
    cells: list[Cell] = []
    notes: list[str] = []
    for name in args.datasets:
        if name == "reference":
            dataset = Dataset("reference", reference_dist(tmp), RM + "requiredKnowHow", RM + "JobType")
        else:
            dataset = Dataset("esco-size", synthetic_esco(tmp / "esco"), ESCO + "relatedEssentialSkill",
                              ESCO + "Occupation")
        store = ox.Store()
        started = time.perf_counter()
        store.bulk_load(path=str(dataset.dist / "refmetiers.nq"), format=ox.RdfFormat.N_QUADS)
        load = time.perf_counter() - started
        dataset.triples = len(store)
        if args.mix == "cookbook":
            cookbook_mix(store, dataset)
        else:
            query_mix(store, dataset)
        servers: dict[str, tuple[subprocess.Popen, str, float]] = {}
        try:
            if {"floor", "ours"} & set(args.systems):
                servers["ours"] = start_ours(dataset.dist, args.workers)
            if baseline_src is not None:
                servers["baseline"] = start_ours(dataset.dist, args.workers, baseline_src)
            if {"granian-floor", "granian"} & set(args.systems):
                servers["granian"] = start_ours_on_granian(dataset.dist, args.workers)
            if "rdflib-endpoint" in args.systems:
                servers["rdflib-endpoint"] = start_peer(dataset.dist)
            if "oxigraph" in args.systems:
                servers["oxigraph"] = start_oxigraph(dataset.dist)
            urls = {name: url for name, (_, url, _) in servers.items()}
            agree = same_answers(store, dataset, urls)
            notes.append(f"{dataset.name}: {dataset.triples} quads; pyoxigraph load {load:.2f} s; ready in "
                         + ", ".join(f"{name} {ready:.1f} s" for name, (_, _, ready) in servers.items())
                         + f"; answers agreeing with pyoxigraph on the {len(dataset.queries)} queries of the mix: "
                         + ", ".join(f"{name} {n}" for name, n in agree.items()))
            print(notes[-1], file=sys.stderr)

            for concurrency in args.concurrency:
                for system in [name for name in SYSTEMS if name in args.systems]:
                    if system == "inprocess":
                        cell = run_inprocess(store, dataset, concurrency, args.max_requests, args.max_seconds)
                    else:
                        if system.endswith("floor"):
                            url, path_only = urls["granian" if system == "granian-floor" else "ours"], "/healthz"
                        else:
                            url, path_only = urls[system], None
                        if args.client == "wrk":
                            cell = run_wrk(url, dataset, SYSTEMS[system], concurrency, args.max_seconds, path_only,
                                           args.uncached)
                        else:
                            cell = run_http(url, dataset, SYSTEMS[system], concurrency, args.max_requests,
                                            args.max_seconds, path_only, args.uncached)
                    cells.append(cell)
                    print(f"{cell.dataset:<10} {cell.system:<26} c={cell.concurrency:<3} n={cell.count:<6} "
                          f"{cell.throughput:9.1f}/s p50 {cell.pct(0.5):8.2f} ms p99 {cell.pct(0.99):9.2f} ms "
                          f"errors {cell.errors}", file=sys.stderr)
            # Again once the mix has been cycled: what the systems keep in memory must still be the right answer.
            agree = same_answers(store, dataset, urls)
            notes.append(f"{dataset.name}: answers agreeing with pyoxigraph after the timed cells: "
                         + ", ".join(f"{name} {n}" for name, n in agree.items()))
            print(notes[-1], file=sys.stderr)
        finally:
            for process, _, _ in servers.values():
                stop(process)
    shutil.rmtree(tmp, ignore_errors=True)
    print(render(cells, notes))
    if args.json:
        args.json.write_text(json.dumps([{
            "dataset": c.dataset, "system": c.system, "concurrency": c.concurrency, "requests": c.count,
            "errors": c.errors, "client": "wrk" if c.answered is not None else "python",
            "throughput": c.throughput, "p50_ms": c.pct(0.5), "p99_ms": c.pct(0.99),
            "p50_ms_by_kind": {k: c.pct(0.5, v) for k, v in c.by_kind.items()},
            "answers_by_kind": {k: len(v) for k, v in c.by_kind.items()}, "errors_by_kind": c.errors_by_kind}
            for c in cells], indent=1))
    return 0


def render(cells: list[Cell], notes: list[str]) -> str:
    lines = ["| dataset | system | concurrency | requests | throughput (req/s) | p50 (ms) | p99 (ms) | errors |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for c in cells:
        lines.append(f"| {c.dataset} | {c.system} | {c.concurrency} | {c.count} | {c.throughput:.1f} | "
                     f"{c.pct(0.5):.2f} | {c.pct(0.99):.2f} | {c.errors} |")
    lines.append("")
    for dataset in sorted({c.dataset for c in cells}):
        by = {(c.system, c.concurrency): c for c in cells if c.dataset == dataset}
        limit = by.get(("pyoxigraph in-process", 1))
        ours = by.get(("refmetiers serve (HTTP)", 1))
        floor = by.get(("HTTP floor (our /healthz)", 1))
        if limit and ours and floor:
            extra = ours.pct(0.5) - floor.pct(0.5) - limit.pct(0.5)
            lines.append(f"- {dataset}: at concurrency 1, p50 of the HTTP floor {floor.pct(0.5):.2f} ms; "
                         f"our /sparql path above floor + pyoxigraph: {extra:.2f} ms")
        if limit and ours and ours.by_kind:
            kinds = sorted(set(limit.by_kind) & set(ours.by_kind))
            added = {k: ours.pct(0.5, ours.by_kind[k]) - limit.pct(0.5, limit.by_kind[k]) for k in kinds}
            lines.append(f"- {dataset}: p50 added by HTTP + worker over pyoxigraph alone, at concurrency 1: "
                         f"{ours.pct(0.5) - limit.pct(0.5):.2f} ms overall; by query kind: "
                         + ", ".join(f"{k} {v:.2f} ms" for k, v in added.items()))
        for concurrency in sorted({c.concurrency for c in cells}):
            mine = by.get(("refmetiers serve (HTTP)", concurrency))
            if mine and mine.seconds and mine.by_kind:  # wrk gives no per-kind split
                lines.append(f"- {dataset}, concurrency {concurrency}, refmetiers serve by kind (answers/s, p50 ms, "
                             "errors): " + ", ".join(
                                 f"{k} {len(v) / mine.seconds:.1f}/s {mine.pct(0.5, v):.1f} ms "
                                 f"{mine.errors_by_kind.get(k, 0)}" for k, v in sorted(mine.by_kind.items())))
            a, b = by.get(("refmetiers serve (HTTP)", concurrency)), by.get(("rdflib-endpoint (HTTP)", concurrency))
            if a and b and b.throughput:
                lines.append(f"- {dataset}, concurrency {concurrency}: ours / rdflib-endpoint throughput = "
                             f"{a.throughput / b.throughput:.1f}×")
            o = by.get(("Oxigraph server (HTTP)", concurrency))
            g = by.get(("refmetiers app on granian (HTTP)", concurrency))
            for label, mine, floor in (("ours", a, by.get(("HTTP floor (our /healthz)", concurrency))),
                                       ("ours on granian", g, by.get(("HTTP floor, granian (/healthz)", concurrency)))):
                if mine and o and o.throughput:
                    lines.append(f"- {dataset}, concurrency {concurrency}: {label} / Oxigraph server throughput = "
                                 f"{mine.throughput / o.throughput:.2f}×, p50 {mine.pct(0.5):.2f} vs "
                                 f"{o.pct(0.5):.2f} ms")
                if mine and floor and floor.throughput:
                    lines.append(f"- {dataset}, concurrency {concurrency}: {label} / its HTTP floor throughput = "
                                 f"{mine.throughput / floor.throughput:.2f}×")
    lines.append("")
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
