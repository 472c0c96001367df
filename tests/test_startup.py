"""Start-up (issue 17, item 5): the store the forkserver loads once for every query worker is handed only to a
worker asked for that very dump; a rebuilt dump at the same path is loaded again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

QUAD = '<https://example.org/s> <https://example.org/p> "{}" <https://example.org/g> .\n'

# What a forked worker does: take the preloaded store for a path, or not; then say what it holds.
WORKER = """
import os, sys
from refmetiers.query import preload
path = sys.argv[1]
if sys.argv[2] == "replace":
    os.replace(sys.argv[3], path)
store = preload.take(path)
print("none" if store is None else next(iter(store)).object.value)
"""


def _worker(dump: Path, *args: str) -> str:
    env = {**os.environ, "REFMETIERS_PRELOAD_QUADS": str(dump)}
    done = subprocess.run([sys.executable, "-c", WORKER, str(dump), *args], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_worker_takes_the_preloaded_store_of_its_dump(tmp_path):
    dump = tmp_path / "refmetiers.nq"
    dump.write_text(QUAD.format("old"), encoding="utf-8")
    assert _worker(dump, "keep") == "old"


def test_a_rebuilt_dump_at_the_same_path_is_not_taken_from_the_preload(tmp_path):
    dump, new = tmp_path / "refmetiers.nq", tmp_path / "new.nq"
    dump.write_text(QUAD.format("old"), encoding="utf-8")
    new.write_text(QUAD.format("new"), encoding="utf-8")
    assert _worker(dump, "replace", str(new)) == "none"  # the worker loads the new dump itself


def test_nothing_is_preloaded_without_the_variable(tmp_path):
    dump = tmp_path / "refmetiers.nq"
    dump.write_text(QUAD.format("old"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", WORKER, str(dump), "keep"], capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "REFMETIERS_PRELOAD_QUADS"}, timeout=60)
    assert done.stdout.strip() == "none"


def test_serve_answers_before_importing_rdflib_fastapi_or_jinja2(web_root):
    """`refmetiers serve` on a fresh build imports neither rdflib (the build's), FastAPI and pydantic (the OpenAPI
    document's) nor jinja2 (the pages') before /readyz says ready, in the server, its forkserver or its workers;
    the first request for the document and for a page imports what each needs, and both are answered."""
    import re

    import httpx

    from fixtures.web.support import Server

    server = Server(web_root, env={"PYTHONPROFILEIMPORTTIME": "1"})  # every process logs each import to stderr
    try:
        server.wait_ready()
        ready_answer = httpx.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
        server.log.flush()
        server.log.seek(0)
        before = server.log.read()
        spec = httpx.get(server.url + "/openapi.json", timeout=30)
        page = httpx.get(server.url + "/", headers={"Accept": "text/html"}, timeout=30)
        server.log.flush()
        server.log.seek(0)
        after = server.log.read()
    finally:
        server.stop()

    def imported(log: str) -> set[str]:
        return {match.group(1).split(".")[0] for match in re.finditer(r"^import time:.*\|\s*(\S+)$", log, re.M)}

    assert ready_answer.json()["boolean"] is True
    assert "starlette" in imported(before) and "pyoxigraph" in imported(before)  # the log is read as it should be
    assert not imported(before) & {"rdflib", "fastapi", "pydantic", "jinja2", "pyshacl"}
    assert "/sparql" in spec.json()["paths"]
    assert page.status_code == 200 and "<html" in page.text
    assert {"fastapi", "jinja2"} <= imported(after)
