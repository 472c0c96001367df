"""`refmetiers publish --to URL`: load a build into a triple store through the SPARQL 1.1 Graph Store Protocol.

Each named graph of the N-Quads dump is sent with ``PUT URL?graph=IRI`` (the protocol's "replace this
graph"), as N-Triples, then read back with ``GET`` and counted: a store that accepted less than it was
sent is an error, not a success. Every store speaking the protocol takes it (the Oxigraph server's
``/store``, Fuseki's ``/DATASET/data``, GraphDB's ``/repositories/R/rdf-graphs/service``, Virtuoso's
``/sparql-graph-crud``); credentials go in the URL (``http://user:password@host/…``, HTTP basic).
Each graph is replaced atomically by the store; the graphs are replaced one after the other, so a
failure half-way leaves the graphs already sent new and the others old, and says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from . import formats
from .errors import ConfigError, RefmetiersError
from .namespaces import GRAPH_NAMES
from .store import QUADS_FILE


class PublishError(RefmetiersError):
    """The store refused or lost part of what was sent."""


@dataclass
class PublishResult:
    url: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI → triples now in the store

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def graphs_of(dist: Path) -> dict[str, list[ox.Triple]]:
    """The triples of each named graph of the build in ``dist``, in the order of DESIGN.md §3."""
    path = Path(dist) / QUADS_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: no build found; run `refmetiers build` first / aucune construction trouvée : "
                          "lancez d'abord `refmetiers build`")
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    order = {name: rank for rank, name in enumerate(GRAPH_NAMES)}
    return dict(sorted(graphs.items(), key=lambda item: (order.get(item[0].rsplit("/", 1)[-1], 99), item[0])))


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise PublishError(f"{what}: the store answered {response.status_code}: {response.text.strip()[:300]}")


def publish(dist: Path, url: str, *, timeout_s: float = 120.0) -> PublishResult:
    """Replace each named graph of ``dist``'s build in the Graph Store at ``url``; return what the store holds.

    Raises:
        ConfigError: no build, or ``url`` is not an http(s) URL or cannot be reached.
        PublishError: the store refused a graph, or holds another number of triples than was sent.
    """
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--to {url!r}: give the http(s) URL of a SPARQL 1.1 Graph Store Protocol endpoint / "
                          "donnez l'URL http(s) d'un service SPARQL 1.1 Graph Store Protocol")
    result = PublishResult(url)
    done: list[str] = []
    with httpx.Client(timeout=timeout_s) as client:
        for graph, triples in graphs_of(dist).items():
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            try:
                sent = client.put(url, params={"graph": graph}, content=body,
                                  headers={"Content-Type": formats.NTRIPLES.media_type})
                _check(sent, f"PUT graph <{graph}>")
                back = client.get(url, params={"graph": graph}, headers={"Accept": formats.NTRIPLES.media_type})
                _check(back, f"GET graph <{graph}>")
            except httpx.HTTPError as exc:
                raise ConfigError(f"--to {url}: cannot reach the store ({type(exc).__name__}: {exc})"
                                  + (f"; graphs already replaced: {', '.join(done)}" if done else "")
                                  + " / la base est injoignable") from None
            except PublishError as exc:
                raise PublishError(f"{exc}" + (f"; graphs already replaced: {', '.join(done)}" if done else
                                               "; nothing was replaced") + " / la base a refusé le graphe") from None
            stored = sum(1 for _ in ox.parse(back.content, format=ox.RdfFormat.N_TRIPLES))
            if stored != len(triples):
                raise PublishError(f"graph <{graph}>: sent {len(triples)} triples, the store holds {stored} / "
                                   f"graphe <{graph}> : {len(triples)} triplets envoyés, la base en garde {stored}")
            result.graphs[graph] = stored
            done.append(graph.rsplit("/", 1)[-1])
    return result
