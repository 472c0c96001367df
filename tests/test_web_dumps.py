"""/dumps/ and /dumps/{file}, /.well-known/void: listing, downloads, ETag, HEAD, gzip as files, 404s."""

from __future__ import annotations

import gzip
import hashlib
import shutil

import pyoxigraph as ox
import pytest
import rdflib

from fixtures.web.support import BASE, app_client


@pytest.fixture(scope="module")
def root(web_root, tmp_path_factory):
    return web_root


def test_json_listing_has_every_file_with_size_and_checksum(client, root):
    listing = client.get("/dumps/", headers={"Accept": "application/json"})
    assert listing.status_code == 200
    files = {f["name"]: f for f in listing.json()["files"]}
    on_disk = {p.name: p for p in (root / "dist").iterdir() if p.is_file()}
    assert set(files) == set(on_disk)
    for name, path in on_disk.items():
        assert files[name]["size"] == path.stat().st_size
        assert files[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_html_listing(client):
    page = client.get("/dumps/", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/dumps/refmetiers.nq.gz"' in page.text


def test_checksums_match_sha256sums(client):
    sums = client.get("/dumps/SHA256SUMS").text
    for line in sums.splitlines():
        digest, name = line.split("  ", 1)
        body = client.get(f"/dumps/{name}").content
        assert hashlib.sha256(body).hexdigest() == digest, name


@pytest.mark.parametrize("name,media_type,parser", [
    ("refmetiers.ttl", "text/turtle", "turtle"), ("refmetiers.nt", "application/n-triples", "nt"),
    ("refmetiers.jsonld", "application/ld+json", "json-ld"), ("refmetiers.rdf", "application/rdf+xml", "xml"),
    ("refmetiers.trig", "application/trig", "trig"), ("refmetiers.nq", "application/n-quads", "nquads"),
])
def test_download_parses_with_its_media_type(client, name, media_type, parser):
    response = client.get(f"/dumps/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert int(response.headers["content-length"]) == len(response.content)
    graph = rdflib.Dataset() if parser in ("trig", "nquads") else rdflib.Graph()
    graph.parse(data=response.content, format=parser)
    subjects = {quad[0] for quad in graph.quads()} if parser in ("trig", "nquads") else set(graph.subjects())
    assert rdflib.URIRef(BASE + "id/job/administrateur-de-base-de-donnees") in subjects


def test_gzip_is_a_file_not_an_encoding(client, root):
    response = client.get("/dumps/refmetiers.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in response.headers
    assert "attachment" in response.headers["content-disposition"]
    assert gzip.decompress(response.content) == (root / "dist" / "refmetiers.nt").read_bytes()


def test_etag_304_and_head(client, root):
    response = client.get("/dumps/refmetiers.ttl")
    tag = response.headers["etag"]
    assert client.get("/dumps/refmetiers.ttl", headers={"If-None-Match": tag}).status_code == 304
    head = client.head("/dumps/refmetiers.ttl")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == (root / "dist" / "refmetiers.ttl").stat().st_size
    assert head.headers["etag"] == tag


@pytest.mark.parametrize("path", ["/dumps/nothing.ttl", "/dumps/..%2Fpyproject.toml", "/dumps/%2e%2e%2fpyproject.toml",
                                  "/dumps/.%2e/README.md", "/dumps/%00", "/dumps/refmetiers.ttl%00.gz",
                                  "/dumps/REFMETIERS.TTL", "/dumps/%C3%A9.ttl", "/dumps/refmetiers.ttl/x",
                                  "/dumps/%2e%2e", "/dumps/void.ttl%2f..%2fSHA256SUMS"])
def test_only_files_of_dist_by_name(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    body = response.json()  # an error object, not the content of some file
    assert body["status"] == 404 and body["message"]


def test_void(client):
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert (rdflib.URIRef(BASE + "dataset"), rdflib.RDF.type, dcat.Dataset) in graph
    assert len(list(graph.subjects(rdflib.RDF.type, dcat.Distribution))) > 10
    jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert len(list(ox.parse(jsonld.content, format=ox.RdfFormat.JSON_LD))) == len(graph)


def test_a_file_rebuilt_under_the_server_is_not_served_with_a_stale_etag(web_root, tmp_path_factory):
    source = web_root
    root = tmp_path_factory.mktemp("copy") / "root"
    shutil.copytree(source, root)
    with app_client(root) as client:
        assert client.get("/dumps/refmetiers.nt").status_code == 200
        (root / "dist" / "refmetiers.nt").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
        response = client.get("/dumps/refmetiers.nt")
        assert response.status_code == 503
        assert "restarted" in response.json()["message"]
        assert client.get("/dumps/refmetiers.ttl").status_code == 200


def test_a_dump_is_served_from_the_listed_build_while_dist_is_swapped(web_root, tmp_path_factory):
    """A build swaps dist/ with two renames: between them dist/ does not exist, and after them it holds another
    build. A download started on the listed build gets the listed bytes, whole or by range, never a 500."""
    root = tmp_path_factory.mktemp("swap") / "root"
    shutil.copytree(web_root, root)
    expected = (root / "dist" / "refmetiers.nt").read_bytes()
    with app_client(root) as client:
        (root / "dist").rename(root / ".dist-old")  # the first rename of a swap: no dist/ at all
        whole = client.get("/dumps/refmetiers.nt")
        assert whole.status_code == 200
        assert whole.content == expected
        assert whole.headers["content-length"] == str(len(expected))
        part = client.get("/dumps/refmetiers.nt", headers={"Range": "bytes=10-99"})
        assert part.status_code == 206
        assert part.content == expected[10:100]
        assert part.headers["content-range"] == f"bytes 10-99/{len(expected)}"
        void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
        assert void.status_code == 200
        assert void.content == (root / ".dist-old" / "void.ttl").read_bytes()
        shutil.rmtree(root / ".dist-old")  # the old folder removed: its files live on through the descriptors
        assert client.get("/dumps/refmetiers.nt").content == expected
