"""The named graphs of DESIGN.md §3 as rdflib graphs: which ones the entailments come from, how they
merge into what the shapes see, and how a published dataset (N-Quads) reads back into them."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from .errors import ConfigError
from .namespaces import GRAPH_NAMES, bind_prefixes, graph_iri

# The asserted graphs whose triples the published entailments (graph `inferred`) are computed from.
ENTAILMENT_SOURCES = ("referentiel", "mappings", "reference")


def empty_asserted() -> dict[str, Graph]:
    """One empty graph per asserted named graph (every name but `inferred`), prefixes bound."""
    graphs = {name: Graph() for name in GRAPH_NAMES if name != "inferred"}
    for graph in graphs.values():
        bind_prefixes(graph)
    return graphs


def merge(graphs: dict[str, Graph]) -> Graph:
    """Every graph of ``graphs`` merged into one (what the shapes see, asserted and inferred)."""
    merged = Graph()
    bind_prefixes(merged)
    for graph in graphs.values():
        merged += graph
    return merged


def read_published(quads: Path, base: str) -> dict[str, Graph]:
    """The asserted named graphs of a published N-Quads dump (graph `inferred` left out).

    Raises:
        ConfigError: the dump cannot be read (a damaged dump is bad input, not an internal error).
    """
    dataset = Dataset()
    try:
        dataset.parse(quads, format="nquads")
    except Exception as exc:  # rdflib raises plain exceptions for malformed N-Quads
        raise ConfigError(f"{quads}: cannot read the published graph ({exc}); run `refmetiers build` / "
                          "impossible de lire le graphe publié : lancez `refmetiers build`") from None
    graphs = empty_asserted()
    for name, graph in graphs.items():
        graph += dataset.graph(graph_iri(name, base))
    return graphs
