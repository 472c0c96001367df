"""Every Turtle the web writes follows the one prefix policy of the dumps (issue 15): no local name that needs an
escape (``rmid:job\\/x``), short names where a prefix allows them (``rmjob:x``), the same triples as N-Triples."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from fixtures.web.support import BASE, app_client
from refmetiers.namespaces import KIND_PREFIXES

# What a Turtle document holds outside its strings, IRIs and comments: a backslash there escapes a local name.
_OPAQUE = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|<[^<>"\s]*>|#[^\n]*')
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
DESCRIBE = f"DESCRIBE <{BASE}id/job/developpeur>"


def escaped_local_names(turtle: str) -> list[str]:
    """The prefixed names of ``turtle`` written with a backslash escape.

    >>> escaped_local_names('@prefix a: <urn:x/> . a:b\\\\/c a:p "x\\\\"y", <urn:x/d\\\\e> . # a:z\\\\/w')
    ['a:b\\\\/c']
    """
    return re.findall(r"[\w.-]*:\S*\\\S*", _OPAQUE.sub(" ", turtle))


def check(response, path: str) -> None:
    assert response.status_code == 200, (path, response.text[:300])
    assert response.headers["content-type"].startswith("text/turtle"), path
    turtle = response.text
    assert escaped_local_names(turtle) == [], path
    assert list(ox.parse(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)), path  # parses, and says something


def resource_paths(web_root) -> list[str]:
    """Three resources of every kind under /id/ and /scheme/, and /def and /dataset."""
    store = ox.Store()
    store.bulk_load(path=str(web_root / "dist" / "refmetiers.nq"), format=ox.RdfFormat.N_QUADS)
    by_kind: dict[str, list[str]] = {}
    for quad in store.quads_for_pattern(None, None, None, None):
        iri = quad.subject.value if isinstance(quad.subject, ox.NamedNode) else ""
        if iri.startswith((BASE + "id/", BASE + "scheme/")) and "#" not in iri:
            path = iri.removeprefix(BASE)
            kind = "/".join(path.split("/")[:2])
            if path not in by_kind.setdefault(kind, []) and len(by_kind[kind]) < 3:
                by_kind[kind].append(path)
    return ["/def", "/dataset"] + ["/" + p for paths in by_kind.values() for p in paths]


def test_resources_service_description_void_and_answers(client, web_root):
    paths = resource_paths(web_root)
    assert any(p.startswith("/id/job/") for p in paths) and any(p.startswith("/scheme/") for p in paths)
    for path in paths:
        check(client.get(path, headers={"Accept": "text/turtle"}), path)
    for path, params in (("/sparql", {}), ("/.well-known/void", {}), ("/sparql", {"query": CONSTRUCT}),
                         ("/sparql", {"query": DESCRIBE})):
        check(client.get(path, params=params, headers={"Accept": "text/turtle"}), f"{path} {params}")


def test_the_policy_shortens_what_it_can_and_keeps_the_triples(client):
    turtle = client.get("/id/job/developpeur", headers={"Accept": "text/turtle"})
    assert f"@prefix rmjob: <{KIND_PREFIXES['rmjob']}> ." in turtle.text
    assert "rmjob:developpeur " in turtle.text
    assert "@prefix rmid:" not in turtle.text  # its local names (job/developpeur) would need an escape
    assert "@prefix sssom:" not in turtle.text  # only prefixes the answer uses
    lines = client.get("/id/job/developpeur", headers={"Accept": "application/n-triples"})
    assert set(ox.parse(turtle.content, format=ox.RdfFormat.TURTLE)) == \
        set(ox.parse(lines.content, format=ox.RdfFormat.N_TRIPLES))
    answer = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    assert "@prefix rmid:" not in answer.text
    assert "rmjob:" not in answer.text  # some job IRIs have fragments (…/job/x#part-1): rmjob would need escapes


@pytest.fixture(scope="module")
def released(released_root):
    with app_client(released_root) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/dataset/0.2.0", "/def/0.2.0", "/changes/0.1.0/0.2.0"])
def test_release_answers(released, path):
    check(released.get(path, headers={"Accept": "text/turtle"}), path)
