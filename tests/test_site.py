"""`refmetiers site`: the static tree behind a real nginx answers like `refmetiers serve`.

The same linked-data assertions run against both servers, on loopback: for every IRI of the fixture and
every Accept header below, the same status, the same media type and the same triples (the same bytes for
HTML), 404 for what is not published and 406 for what is not served.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest
import rdflib

from fixtures.web.servers import Apache, Nginx, static_client_fixtures
from fixtures.web.support import BASE, Server, free_port
from refmetiers import formats
from refmetiers.web.resources import OFFERED
from refmetiers.web.site import accept_patterns, choose_extension

REFMETIERS = str(Path(sys.executable).with_name("refmetiers"))
PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
           "application/rdf+xml": "xml"}
# What real clients send (shared/clients.md), browsers, and the edge cases of the negotiation.
ACCEPTS = [
    None, "*/*", "", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",  # Firefox
    "application/turtle,text/turtle",  # SPARQLWrapper
    "application/rdf+xml, application/sparql-results+xml",  # rdflib's default
    "text/turtle;q=1.0,application/rdf+xml;q=0.5,*/*;q=0.1",  # Jena
    "application/ld+json;q=0.5, text/turtle;q=0.4", "text/*", "application/*",
    "image/png, application/pdf",  # 406
    "text/turtle;q=0, application/ld+json",  # q=0 refuses Turtle
    "text/html;q=0, */*;q=0.1", "application/xhtml+xml", "TEXT/Turtle; charset=utf-8",
]


# ------------------------------------------------------------------------------------------------
# The negotiation rules alone: the generated expressions against formats.negotiate.
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ACCEPTS)
def test_rules_choose_what_the_app_chooses(accept):
    chosen = formats.negotiate(accept, OFFERED)
    assert choose_extension(accept, OFFERED) == (chosen.extension if chosen else None)


def test_q_values_out_of_order_are_the_documented_difference():
    # The static rules take the first acceptable range; the app weighs q-values (docs/deploy.md).
    accept = "text/turtle;q=0.4, application/ld+json;q=0.5"
    assert formats.negotiate(accept, OFFERED) is formats.JSONLD
    assert choose_extension(accept, OFFERED) == "ttl"


def test_the_rules_never_overlap():
    patterns = accept_patterns(OFFERED)
    for accept in ACCEPTS:
        if accept:
            assert sum(bool(re.search(p, accept, re.IGNORECASE)) for p in patterns.values()) <= 1, accept


# ------------------------------------------------------------------------------------------------
# The site behind nginx against `refmetiers serve`.
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def published(web_root, tmp_path_factory):
    """The fixture's site (readable by everyone: Apache's children run as nobody) and `refmetiers serve`."""
    root = web_root
    folder = Path(tempfile.mkdtemp(prefix="refmetiers-site-test-"))
    folder.chmod(0o755)
    out = folder / "site"
    port = free_port()
    done = subprocess.run([REFMETIERS, "site", "--root", str(root), "--dist", str(root / "dist"), str(out),
                           "--listen", f"127.0.0.1:{port}", "--public-url", "https://refmetiers.example.org/"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    serve = Server(root)
    try:
        serve.wait_ready()
        with httpx.Client(base_url=serve.url) as dynamic:
            yield {"dynamic": dynamic, "out": out, "root": root, "port": port, "folder": folder}
    finally:
        serve.stop()
        shutil.rmtree(folder, ignore_errors=True)


nginx_client, apache_client = static_client_fixtures("published")


@pytest.fixture(params=["nginx", "apache"])
def static(request):
    """The site behind each server, in turn."""
    return request.getfixturevalue(f"{request.param}_client")


@pytest.fixture
def servers(published, static):
    return {**published, "static": static}


def published_paths(out: Path) -> list[str]:
    paths = sorted("/" + str(p.relative_to(out).with_suffix("")) for p in out.rglob("*.ttl")
                   if p.relative_to(out).parts[0] in ("id", "scheme", "def.ttl", "dataset.ttl"))
    return paths


def same_answer(static: httpx.Response, dynamic: httpx.Response, what: str) -> None:
    assert static.status_code == dynamic.status_code, what
    media = dynamic.headers.get("content-type", "").replace(" ", "").lower()
    assert static.headers.get("content-type", "").replace(" ", "").lower() == media, what
    if dynamic.status_code != 200:
        if media.startswith("text/html"):  # a browser's error page: the same title (the message is generic)
            title = re.compile(r"<h1>(.*?)</h1>", re.S)
            assert title.search(static.text).group(1) == title.search(dynamic.text).group(1), what
        else:
            assert static.json()["error"] == dynamic.json()["error"], what
        return
    assert "Accept" in static.headers.get("vary", ""), what
    media_type = media.split(";")[0]
    if media_type in PARSERS:
        ours = rdflib.Graph().parse(data=static.content, format=PARSERS[media_type])
        theirs = rdflib.Graph().parse(data=dynamic.content, format=PARSERS[media_type])
        assert len(ours) > 0 and set(ours) == set(theirs), what
    else:
        assert static.content == dynamic.content, what


def test_every_iri_answers_as_serve_does(servers):
    paths = published_paths(servers["out"])
    assert "/id/job/administrateur-de-base-de-donnees" in paths and "/def" in paths and "/scheme/jobs" in paths
    assert len(paths) > 30
    for path in paths:
        for accept in ACCEPTS:
            headers = {"Accept": accept} if accept is not None else {}
            static = servers["static"].get(path, headers=headers)
            dynamic = servers["dynamic"].get(path, headers=headers)
            same_answer(static, dynamic, f"{path} Accept: {accept}")


def test_no_accept_header_at_all_gets_turtle(servers):
    for client in (servers["static"], servers["dynamic"]):
        request = client.build_request("GET", "/id/job/administrateur-de-base-de-donnees")
        del request.headers["accept"]
        response = client.send(request)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize("path,accept", [
    ("/id/job/nobody", "text/turtle"), ("/id/knowhow/SF999", "text/html"), ("/scheme/nothing", "*/*"),
    ("/id/", "text/turtle"), ("/id/job/%C3%A9", "text/turtle"), ("/id/job/nobody", "image/png"),
    ("/id/job/administrateur-de-base-de-donnees.ttl", "text/turtle"),
    ("/id/job/administrateur-de-base-de-donnees", "image/png"),
])
def test_not_found_and_not_acceptable_as_serve(servers, path, accept):
    static = servers["static"].get(path, headers={"Accept": accept})
    dynamic = servers["dynamic"].get(path, headers={"Accept": accept})
    assert static.status_code in (404, 406)
    same_answer(static, dynamic, path)


@pytest.mark.parametrize("value", ["ttl", "jsonld", "nt", "rdf", "html", "text/turtle", "TTL", "yaml"])
def test_format_parameter_as_serve(servers, value):
    path = "/id/job/administrateur-de-base-de-donnees"
    browser = {"Accept": "text/html,*/*;q=0.8"}
    static = servers["static"].get(path, params={"format": value}, headers=browser)
    dynamic = servers["dynamic"].get(path, params={"format": value}, headers=browser)
    same_answer(static, dynamic, value)


def test_trailing_slash_redirects_as_serve(servers):
    static = servers["static"].get("/def/", follow_redirects=False)
    dynamic = servers["dynamic"].get("/def/", follow_redirects=False)
    assert static.status_code == dynamic.status_code == 307
    assert static.headers["location"].endswith("/def") and dynamic.headers["location"].endswith("/def")


def test_link_header(nginx_client):
    # nginx only: the Apache rules do not write the Link header (docs/deploy.md).
    path = "/id/job/administrateur-de-base-de-donnees"
    response = nginx_client.get(path, headers={"Accept": "text/turtle"})
    for media_type in ("text/html", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        assert f'type="{media_type}"' in response.headers["link"]
    assert f"<{path}?format=jsonld>" in response.headers["link"]
    assert 'type="text/turtle"' not in response.headers["link"]


def test_cache_headers_and_conditional_get(servers):
    path = "/id/job/administrateur-de-base-de-donnees"
    response = servers["static"].get(path, headers={"Accept": "text/turtle"})
    assert response.headers["cache-control"] == "public, max-age=300"
    tag = response.headers["etag"]
    again = servers["static"].get(path, headers={"Accept": "text/turtle", "If-None-Match": tag})
    assert again.status_code == 304
    other = servers["static"].get(path, headers={"Accept": "application/ld+json"})
    assert other.headers["etag"] != tag  # each representation has its own tag
    head = servers["static"].head(path, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == tag


@pytest.mark.parametrize("accept", [None, "text/html", "application/json", "application/ld+json"])
def test_dumps_listing_as_serve(servers, accept):
    headers = {"Accept": accept} if accept else {}
    static = servers["static"].get("/dumps/", headers=headers)
    dynamic = servers["dynamic"].get("/dumps/", headers=headers)
    assert static.status_code == dynamic.status_code
    assert static.headers["content-type"].replace(" ", "") == dynamic.headers["content-type"].replace(" ", "")
    if static.status_code == 200:
        assert static.content == dynamic.content
    assert servers["static"].get("/dumps", follow_redirects=False).headers["location"].endswith("/dumps/")


def test_every_dump_file_as_serve(servers):
    listing = servers["dynamic"].get("/dumps/", headers={"Accept": "application/json"}).json()
    assert len(listing["files"]) > 10
    for entry in listing["files"]:
        static = servers["static"].get(entry["url"])
        dynamic = servers["dynamic"].get(entry["url"])
        assert static.status_code == dynamic.status_code == 200, entry["name"]
        assert (static.headers["content-type"].replace(" ", "").lower()
                == dynamic.headers["content-type"].replace(" ", "").lower()), entry["name"]
        assert static.content == dynamic.content, entry["name"]
    assert servers["static"].get("/dumps/nothing.ttl").status_code == 404


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/rdf+xml", "text/html"])
def test_void_as_serve(servers, accept):
    static = servers["static"].get("/.well-known/void", headers={"Accept": accept})
    dynamic = servers["dynamic"].get("/.well-known/void", headers={"Accept": accept})
    same_answer(static, dynamic, accept)


def test_home_page_and_stylesheet(servers):
    page = servers["static"].get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Administrateur de base de données" in page.text
    assert servers["static"].get("/static/style.css").content == servers["dynamic"].get("/static/style.css").content


def test_search_index_has_every_label(servers):
    index = servers["static"].get("/search-index.json").json()
    labels = {row[2] for row in index["labels"]}
    assert "Administrateur de base de données" in labels and "Database administrator" in labels
    hits = servers["dynamic"].get("/search", params={"q": "base de donnees"}).json()["results"]
    assert {hit["iri"] for hit in hits} <= {row[0] for row in index["labels"]}


def test_server_files_are_not_served(servers):
    for path in ("/server/nginx.conf", "/.refmetiers-site", "/.htaccess", "/.errors/404.json"):
        assert servers["static"].get(path).status_code == 404, path


def test_w3id_rules_redirect_to_the_public_url(published):
    # The rules as w3id.org runs them: an Apache folder refmetiers/ holding them as its .htaccess.
    w3id = published["folder"] / "w3id"
    (w3id / "refmetiers").mkdir(parents=True)
    shutil.copy(published["out"] / "server" / "w3id.htaccess", w3id / "refmetiers" / ".htaccess")
    for folder in (w3id, w3id / "refmetiers"):
        folder.chmod(0o755)
    apache = Apache(w3id, published["folder"] / "apache-w3id")
    try:
        cases = [("/refmetiers/id/job/developpeur?format=ttl", 303,
                  "https://refmetiers.example.org/id/job/developpeur?format=ttl"),
                 ("/refmetiers/def", 303, "https://refmetiers.example.org/def"),
                 ("/refmetiers/sparql?query=ASK%7B%7D", 307, "https://refmetiers.example.org/sparql?query=ASK%7B%7D"),
                 ("/refmetiers/", 302, "https://refmetiers.example.org/")]
        for path, status, location in cases:
            response = httpx.get(apache.url + path, headers={"Accept": "text/turtle"}, follow_redirects=False)
            assert (response.status_code, response.headers.get("location")) == (status, location), path
        posted = httpx.post(apache.url + "/refmetiers/sparql", data={"query": "ASK {}"}, follow_redirects=False)
        assert posted.status_code == 307  # a POSTed query stays a POST
    finally:
        apache.stop()


def test_site_refuses_to_replace_a_folder_it_did_not_write(servers, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    root = servers["root"]
    done = subprocess.run([REFMETIERS, "site", "--root", str(root), "--dist", str(root / "dist"), str(tmp_path)],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "not a site written by" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_dump_files_are_cached_longer(servers):
    response = servers["static"].get("/dumps/refmetiers.ttl.gz")
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["content-disposition"].startswith("attachment")


def test_resources_are_under_the_base(servers):
    ttl = rdflib.Graph().parse(servers["out"] / "id" / "job" / "administrateur-de-base-de-donnees.ttl")
    assert (rdflib.URIRef(BASE + "id/job/administrateur-de-base-de-donnees"), None, None) in ttl


def test_regenerating_the_site_under_a_running_nginx(web_root, tmp_path_factory):
    # `refmetiers site` replaces the folder as a whole; the running nginx serves the new tree, never a half one.
    root = web_root
    out = tmp_path_factory.mktemp("regenerated") / "site"
    port = free_port()
    command = [REFMETIERS, "site", "--root", str(root), "--dist", str(root / "dist"), str(out),
               "--listen", f"127.0.0.1:{port}"]
    assert subprocess.run(command, capture_output=True).returncode == 0
    nginx = Nginx(out, port)
    path = "/id/job/administrateur-de-base-de-donnees"
    try:
        before = httpx.get(nginx.url + path, headers={"Accept": "text/turtle"})
        assert before.status_code == 200
        (out / "stale.txt").write_text("from the previous tree")
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert not (out / "stale.txt").exists()  # a new tree, not files written over the old one
        after = httpx.get(nginx.url + path, headers={"Accept": "text/turtle"})
        assert after.status_code == 200 and after.content == before.content
        assert not [p for p in out.parent.iterdir() if p.name.startswith(".site-")]  # no staging or old tree left
    finally:
        nginx.stop()


def test_a_wrong_upstream_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "site"
    done = subprocess.run([REFMETIERS, "site", str(out), "--upstream", "http://127.0.0.1/no-port"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--upstream" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_apache_gives_a_browser_the_site_s_error_page_when_there_is_one(published, apache_client):
    page = published["out"] / ".errors" / "404.html"
    page.write_text("<!doctype html><title>Introuvable</title>")
    page.chmod(0o644)
    try:
        browser = apache_client.get("/id/job/nobody", headers={"Accept": "text/html,*/*;q=0.8"})
        assert browser.status_code == 404 and browser.headers["content-type"].startswith("text/html")
        assert "Introuvable" in browser.text
        data = apache_client.get("/id/job/nobody", headers={"Accept": "text/turtle"})
        assert data.status_code == 404 and data.json()["error"] == "NotFound"
    finally:
        page.unlink()
