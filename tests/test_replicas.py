"""Two `refmetiers serve` replicas behind nginx `upstream` (the config `refmetiers site --upstream` writes).

Under a steady query load through nginx, one replica gets SIGTERM: it finishes the query it is running,
stops its query workers and exits; nginx sends the following requests to the other replica; no request
of the load fails. uvicorn exits by re-raising the SIGTERM it caught once its shutdown is done (the status
a supervisor expects), so the exit status is -15; the graceful part is checked by what it did before.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from fixtures.web.servers import Nginx
from fixtures.web.support import BASE, Server, free_port

REFMETIERS = str(Path(sys.executable).with_name("refmetiers"))
RM = BASE + "def#"
JSON = "application/sparql-results+json"
SLOW = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g a <{RM}JobType> }}"


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    with sock:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (the query workers of a server)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def descendants(pid: int) -> set[int]:
    """The processes under ``pid``: its query workers, the forkserver they are forked from, its helpers."""
    found, todo = set(), [pid]
    while todo:
        for child in children(todo.pop()) - found:
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.is_file() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def cluster(web_root, tmp_path_factory):
    root = web_root
    first, second = Server(root), Server(root)
    nginx = None
    try:
        first.wait_ready()
        second.wait_ready()
        out = tmp_path_factory.mktemp("lb") / "site"
        port = free_port()
        done = subprocess.run([REFMETIERS, "site", "--root", str(root), "--dist", str(root / "dist"), str(out),
                               "--listen", f"127.0.0.1:{port}", "--upstream", first.url, "--upstream", second.url],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        nginx = Nginx(out, port)
        yield first, second, nginx
    finally:
        if nginx:
            nginx.stop()
        for server in (first, second):
            if server.process.poll() is None:
                server.stop()


def served(server: Server) -> int:
    return httpx.get(server.url + "/readyz", timeout=5).json()["queries_served"]


def test_sigterm_on_one_replica_under_load_loses_no_request(cluster):
    first, second, nginx = cluster
    results: list[tuple[object, bool]] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        with httpx.Client(base_url=nginx.url, timeout=30) as client:
            for n in range(600):
                if stop.is_set():
                    return
                query = f"ASK {{ ?j a <{RM}JobType> }} # {worker}-{n}"
                try:
                    if n % 2:
                        response = client.post("/sparql", data={"query": query}, headers={"Accept": JSON})
                    else:
                        response = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
                    ok = response.status_code == 200 and response.json().get("boolean") is True
                    results.append((response.status_code if ok else f"{response.status_code} {response.text[:200]}",
                                    ok))
                except (httpx.HTTPError, ValueError) as exc:
                    results.append((f"{type(exc).__name__}: {exc}", False))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        while len(results) < 60 and any(t.is_alive() for t in threads):
            time.sleep(0.05)
        assert served(first) > 0 and served(second) > 0  # nginx balances the load over both
        workers = descendants(first.process.pid)
        assert workers, "the replica has query workers"

        # A query in flight on the first replica when it is told to stop: sent on our own connection, and
        # known to be read by the server once a later connection has been answered.
        slow = socket.create_connection(("127.0.0.1", first.port), timeout=60)
        slow.sendall(f"GET /sparql?{urlencode({'query': SLOW})} HTTP/1.1\r\nHost: replica\r\nAccept: {JSON}\r\n"
                     "Connection: close\r\n\r\n".encode())
        assert httpx.get(first.url + "/healthz", timeout=10).status_code == 200
        before = len(results)
        first.process.send_signal(signal.SIGTERM)
        # uvicorn shuts down (in-flight requests, then the app's shutdown), then re-raises the signal it caught.
        assert first.process.wait(30) in (0, -signal.SIGTERM)
        answer = read_all(slow)
        second_before = served(second)
        while len(results) < before + 100 and any(t.is_alive() for t in threads):
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b'"n"' in body and b"integer" in body  # the count came back whole
    # The forkserver the workers come from exits when it sees its parent's pipe close: soon, not at once.
    deadline = time.monotonic() + 30
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if alive(pid)], "the stopped replica's query workers are gone"
    failures = [status for status, ok in results if not ok]
    assert not failures, f"{len(failures)} of {len(results)} requests failed: {sorted(set(map(str, failures)))}"
    assert served(second) > second_before  # the survivor answered what came after
    assert len(results) >= before + 100
