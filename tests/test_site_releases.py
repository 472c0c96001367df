"""The releases in the static site: behind a real nginx and a real Apache, the version IRIs (/def/X.Y.Z,
/dataset/X.Y.Z), each release's files (/dumps/X.Y.Z/…), /releases/ and the published diff (/changes/OLD/NEW)
answer as `refmetiers serve` answers them, on the two fixture releases of test_releases.py."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from fixtures.web.servers import static_client_fixtures
from fixtures.web.support import Server, free_port
from test_releases import cut_fixture_releases
from test_site import ACCEPTS, REFMETIERS, same_answer

VERSION_IRIS = ["/def/0.1.0", "/def/0.2.0", "/dataset/0.1.0", "/dataset/0.2.0"]
LISTINGS = ["/releases/", "/dumps/0.1.0/", "/dumps/0.2.0/"]
LISTING_ACCEPTS = [None, "text/html", "application/json", "text/html,application/xhtml+xml,*/*;q=0.8",
                   "application/ld+json"]
CHANGES_ACCEPTS = [None, "text/html", "application/json", "text/turtle", "application/ld+json",
                   "application/n-triples", "application/rdf+xml", "image/png"]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = cut_fixture_releases(tmp_path_factory.mktemp("site-releases"))
    folder = Path(tempfile.mkdtemp(prefix="refmetiers-site-releases-"))
    folder.chmod(0o755)  # Apache's children run as nobody
    out = folder / "site"
    port = free_port()
    done = subprocess.run([REFMETIERS, "site", "--root", str(root), "--dist", str(root / "dist"), str(out),
                           "--listen", f"127.0.0.1:{port}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    serve = Server(root)
    try:
        serve.wait_ready()
        with httpx.Client(base_url=serve.url) as dynamic:
            yield {"dynamic": dynamic, "out": out, "port": port, "folder": folder}
    finally:
        serve.stop()
        shutil.rmtree(folder, ignore_errors=True)


nginx_client, apache_client = static_client_fixtures("released")


@pytest.fixture(params=["nginx", "apache"])
def servers(request, released):
    return {**released, "static": request.getfixturevalue(f"{request.param}_client")}


def compare(servers, path: str, accepts) -> None:
    for accept in accepts:
        headers = {"Accept": accept} if accept is not None else {}
        same_answer(servers["static"].get(path, headers=headers), servers["dynamic"].get(path, headers=headers),
                    f"{path} Accept: {accept}")


def test_version_iris_answer_as_serve(servers):
    for path in VERSION_IRIS:
        compare(servers, path, ACCEPTS)
    ontology = servers["static"].get("/def/0.1.0", headers={"Accept": "text/turtle"})
    assert "owl:versionIRI" in ontology.text or "versionIRI" in ontology.text


def test_release_listings_answer_as_serve(servers):
    for path in LISTINGS:
        for accept in LISTING_ACCEPTS:
            headers = {"Accept": accept} if accept is not None else {}
            static = servers["static"].get(path, headers=headers)
            dynamic = servers["dynamic"].get(path, headers=headers)
            assert static.status_code == dynamic.status_code, (path, accept)
            assert (static.headers["content-type"].replace(" ", "").lower()
                    == dynamic.headers["content-type"].replace(" ", "").lower()), (path, accept)
            if dynamic.status_code == 200:
                assert static.content == dynamic.content, (path, accept)
    listing = servers["static"].get("/releases/", headers={"Accept": "application/json"}).json()
    assert [entry["version"] for entry in listing["releases"]] == ["0.2.0", "0.1.0"]
    assert servers["static"].get("/releases", follow_redirects=False).headers["location"].endswith("/releases/")


def test_every_release_file_answers_as_serve(servers):
    for version in ("0.1.0", "0.2.0"):
        files = servers["dynamic"].get(f"/dumps/{version}/", headers={"Accept": "application/json"}).json()["files"]
        assert any(f["name"] == "refmetiers.nq.gz" for f in files)
        for entry in files:
            static, dynamic = servers["static"].get(entry["url"]), servers["dynamic"].get(entry["url"])
            assert static.status_code == dynamic.status_code == 200, entry["url"]
            assert (static.headers["content-type"].replace(" ", "").lower()
                    == dynamic.headers["content-type"].replace(" ", "").lower()), entry["url"]
            assert static.content == dynamic.content, entry["url"]


def test_the_published_diff_answers_as_serve(servers):
    compare(servers, "/changes/0.1.0/0.2.0", CHANGES_ACCEPTS)
    diff = servers["static"].get("/changes/0.1.0/0.2.0", headers={"Accept": "application/json"}).json()
    assert any(change["type"] == "NodeRename" for change in diff["changes"])


@pytest.mark.parametrize("path", ["/def/9.9.9", "/dataset/9.9.9", "/dumps/9.9.9/", "/changes/0.0.1/0.1.0",
                                  "/dumps/0.1.0/nothing.nq.gz", "/def/0.1.0.ttl", "/dumps/0.1.0/index.json",
                                  "/changes/0.1.0/0.2.0.json", "/releases/index.html"])
def test_what_is_not_published_is_404_as_serve(servers, path):
    static, dynamic = servers["static"].get(path), servers["dynamic"].get(path)
    assert static.status_code == dynamic.status_code == 404, path
    assert static.json()["error"] == dynamic.json()["error"] == "NotFound"
