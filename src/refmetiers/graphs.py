"""The named graphs of DESIGN.md §3 as rdflib graphs: which ones the entailments come from, how they
merge into what the shapes see, and how a published dataset (N-Quads) reads back into them."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .errors import ConfigError
from .namespaces import GRAPH_NAMES, bind_prefixes, graph_iri

# The asserted graphs whose triples the published entailments (graph `inferred`) are computed from.
ENTAILMENT_SOURCES = ("referentiel", "mappings", "reference")


def named_graph(name: str, like: Graph | None = None) -> Graph:
    """An empty graph for named graph ``name``, prefixes bound: in ``like``'s rdflib store when given (one
    store holds every named graph of a build, which ``merge`` then sees without copying them)."""
    graph = Graph(store=like.store if like is not None else "default",
                  identifier=URIRef(f"urn:refmetiers:graph:{name}"))
    bind_prefixes(graph)
    return graph


def empty_asserted() -> dict[str, Graph]:
    """One empty graph per asserted named graph (every name but `inferred`), all in one rdflib store."""
    first = named_graph("ontology")
    return {name: first if name == "ontology" else named_graph(name, first)
            for name in GRAPH_NAMES if name != "inferred"}


def merge(graphs: dict[str, Graph]) -> Graph:
    """Every graph of ``graphs`` merged into one (what the shapes see, asserted and inferred).

    Graphs that share one rdflib store (``named_graph``) are seen together there, as a dataset whose default
    graph is their union: no copy (it cost a second of every build). Others are copied into a new graph.
    """
    first = next(iter(graphs.values()), None)
    if first is not None and all(graph.store is first.store for graph in graphs.values()):
        # the store holds these graphs and no other (an empty graph is no context: it adds nothing)
        held = {context.identifier for context in first.store.contexts()}
        if held <= {graph.identifier for graph in graphs.values()}:
            return Dataset(store=first.store, default_union=True)
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
