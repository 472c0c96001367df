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
