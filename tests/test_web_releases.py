"""/releases/, /dataset/X.Y.Z, /def/X.Y.Z, /dumps/X.Y.Z/…, /changes/OLD/NEW on two fixture releases, and the
the cookbook's query on the change set is pinned in test_cookbook.py)."""

from __future__ import annotations

import gzip
import json

import pytest
import rdflib
from rdflib.namespace import OWL

from fixtures.web.support import app_client
from refmetiers.namespaces import DCAT
from test_releases import BASE, EXPECTED


@pytest.fixture(scope="module")
def root(released_root):
    return released_root


@pytest.fixture(scope="module")
def client(root):
    with app_client(root) as test_client:
        yield test_client


def test_releases_listing_json_has_dates_links_and_counts(client):
    response = client.get("/releases/", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    entries = response.json()["releases"]
    assert [(e["version"], e["issued"], e["previous"]) for e in entries] == [
        ("0.2.0", "2026-12-20", "0.1.0"), ("0.1.0", "2026-12-06", None)]
    assert entries[0]["changes"] == "/changes/0.1.0/0.2.0" and entries[1]["changes"] is None
    assert entries[0]["counts"]["relabelled"] == 1 and sum(entries[0]["counts"].values()) == len(EXPECTED)
    assert entries[0]["dataset"] == BASE + "dataset/0.2.0" and entries[0]["ontology"] == BASE + "def/0.2.0"


def test_releases_listing_html(client):
    page = client.get("/releases/?lang=fr", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/changes/0.1.0/0.2.0"' in page.text and 'href="/dumps/0.1.0/"' in page.text
    assert "Libellés préférentiels modifiés" in page.text and "première version" in page.text
    english = client.get("/releases/?lang=en", headers={"Accept": "text/html"})
    assert "Preferred labels changed" in english.text and "first release" in english.text
    assert client.get("/releases", follow_redirects=False).headers["location"] == "/releases/"


def test_dataset_version_iri_resolves_to_its_void(client):
    response = client.get("/dataset/0.2.0", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    release = rdflib.URIRef(BASE + "dataset/0.2.0")
    assert str(graph.value(release, DCAT.version)) == "0.2.0"
    assert (release, DCAT.distribution, rdflib.URIRef(BASE + "dumps/0.2.0/refmetiers.nq.gz")) in graph
    assert "Accept" in response.headers["vary"] and "rel=\"alternate\"" in response.headers["link"]
    page = client.get("/dataset/0.2.0", headers={"Accept": "text/html"})
    assert 'href="/dumps/0.2.0/refmetiers.nq.gz"' in page.text
    as_jsonld = client.get("/dataset/0.1.0?format=jsonld")
    assert rdflib.Graph().parse(data=as_jsonld.text, format="json-ld").value(
        rdflib.URIRef(BASE + "dataset/0.1.0"), DCAT.version) == rdflib.Literal("0.1.0")


def test_ontology_version_iri_resolves_to_the_ontology_as_released(client):
    for version in ("0.1.0", "0.2.0"):
        response = client.get(f"/def/{version}", headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        graph = rdflib.Graph().parse(data=response.text, format="turtle")
        assert (rdflib.URIRef(BASE + "def"), OWL.versionIRI, rdflib.URIRef(f"{BASE}def/{version}")) in graph
        assert (rdflib.URIRef(BASE + "def#JobType"), rdflib.RDF.type, OWL.Class) in graph
    assert "owl:versionIRI" in client.get("/def/0.1.0", headers={"Accept": "text/html"}).text


def test_release_files_download_with_etag_and_plain_files_come_unzipped(client, root):
    folder = root / "releases" / "0.2.0"
    response = client.get("/dumps/0.2.0/refmetiers.nq.gz")
    assert response.status_code == 200 and response.content == (folder / "refmetiers.nq.gz").read_bytes()
    assert response.headers["content-type"] == "application/gzip"
    again = client.get("/dumps/0.2.0/refmetiers.nq.gz", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    head = client.head("/dumps/0.2.0/refmetiers.nq.gz")
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(response.content)
    plain = client.get("/dumps/0.2.0/refmetiers.ttl")
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("text/turtle")
    assert plain.content == gzip.decompress((folder / "refmetiers.ttl.gz").read_bytes())
    listing = client.get("/dumps/0.2.0/", headers={"Accept": "application/json"}).json()
    assert {f["name"] for f in listing["files"]} == {p.name for p in folder.iterdir()} - {"SHA256SUMS"}


def test_changes_route_serves_the_published_diff_as_json_rdf_and_html(client, root):
    published = (root / "releases" / "0.2.0" / "changes.json").read_text(encoding="utf-8")
    as_json = client.get("/changes/0.1.0/0.2.0", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.json() == json.loads(published)
    as_ttl = client.get("/changes/0.1.0/0.2.0", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=as_ttl.text, format="turtle")
    assert graph.isomorphic(rdflib.Graph().parse(root / "releases" / "0.2.0" / "changes.ttl"))
    page = client.get("/changes/0.1.0/0.2.0?lang=fr", headers={"Accept": "text/html"})
    assert "rename rmid:job/alpha from" in page.text and "Concepts dépréciés" in page.text


@pytest.mark.parametrize("path,needle", [
    ("/dataset/9.9.9", "no release '9.9.9'"), ("/def/0.0.1", "no release '0.0.1'"),
    ("/dumps/0.2.0/nothing.ttl", "no file 'nothing.ttl'"), ("/changes/0.2.0/0.1.0", "/changes/0.1.0/0.2.0"),
])
def test_unknown_releases_files_and_diffs_are_404_with_a_hint(client, path, needle):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404 and needle in response.text


def test_real_clients_follow_the_version_iris_of_a_running_server(root):
    """`refmetiers serve` on loopback: rdflib dereferences /def/X.Y.Z and /dataset/X.Y.Z with its own Accept
    header, and SPARQLWrapper finds the change set in the endpoint."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    from fixtures.web.support import Server

    server = Server(root)
    try:
        server.wait_ready()
        ontology = rdflib.Graph().parse(f"{server.url}/def/0.1.0")
        assert (rdflib.URIRef(BASE + "def"), OWL.versionIRI, rdflib.URIRef(BASE + "def/0.1.0")) in ontology
        description = rdflib.Graph().parse(f"{server.url}/dataset/0.2.0")
        assert str(description.value(rdflib.URIRef(BASE + "dataset/0.2.0"), DCAT.version)) == "0.2.0"
        client = SPARQLWrapper(f"{server.url}/sparql")
        client.setQuery("PREFIX kgcl: <http://w3id.org/kgcl/> SELECT ?text WHERE { GRAPH "
                        f"<{BASE}graph/changes> {{ ?c a kgcl:NodeRename ; kgcl:change_description ?text }} }}")
        client.setReturnFormat(JSON)
        rows = client.query().convert()["results"]["bindings"]
        assert [row["text"]["value"] for row in rows] == [
            "rename rmid:job/alpha from 'Administrateur alpha'@fr to 'Administrateur alpha et oméga'@fr"]
    finally:
        server.stop()
