"""The build pipeline: parse → named graphs → infer → validate → dist/. The only module that knows the order."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from .config import Settings
from .dumps import write_dist
from .errors import ValidationFailed
from .inference import infer
from .namespaces import bind_prefixes
from .releases import ReleaseInfo, change_graph, ontology_version_triples, read_info
from .sources import Sources, load_sources
from .validation import ValidationReport, load_shapes, locate, validate


@dataclass
class BuildResult:
    """What a build produced and how long each step took."""

    graphs: dict[str, Graph]
    report: ValidationReport
    release: ReleaseInfo
    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def triple_counts(self) -> dict[str, int]:
        return {name: len(graph) for name, graph in self.graphs.items()}


def _parse_and_infer(settings: Settings, seconds: dict[str, float]) -> tuple[Sources, dict[str, Graph]]:
    start = time.perf_counter()
    sources = load_sources(settings)
    graphs = dict(sources.graphs)
    # The ontology's version IRI and the change sets of past releases come from the release model.
    graphs["ontology"] += ontology_version_triples(read_info(graphs["metadata"], settings.base_iri), settings.base_iri)
    graphs["changes"] = change_graph(settings.releases_dir)
    seconds["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    data = graphs["referentiel"] + graphs["mappings"] + graphs["reference"]
    inferred = infer(graphs["ontology"], data)
    bind_prefixes(inferred)
    graphs["inferred"] = inferred
    seconds["infer"] = time.perf_counter() - start
    return sources, graphs


def assemble(settings: Settings, seconds: dict[str, float] | None = None) -> dict[str, Graph]:
    """Parse the sources and compute the inferred graph: every named graph of DESIGN.md §3."""
    return _parse_and_infer(settings, {} if seconds is None else seconds)[1]


def validation_input(graphs: dict[str, Graph]) -> Graph:
    """What the shapes see: every named graph, asserted and inferred, merged."""
    merged = Graph()
    bind_prefixes(merged)
    for graph in graphs.values():
        merged += graph
    return merged


def build(settings: Settings, *, write: bool = True, pending_changes: Graph | None = None) -> BuildResult:
    """Run the whole pipeline; write dist/ only when the data has no SHACL violation.

    ``pending_changes`` joins graph ``changes``: the change set of a release being cut, not yet in releases/.

    Raises:
        SourceError: a source file is unreadable or malformed (nothing written).
        ValidationFailed: the data violates the shapes (nothing written; the report is attached).
    """
    seconds: dict[str, float] = {}
    sources, graphs = _parse_and_infer(settings, seconds)
    if pending_changes is not None:
        graphs["changes"] += pending_changes
    start = time.perf_counter()
    report = validate(validation_input(graphs), load_shapes(settings.shapes_dir))
    seconds["validate"] = time.perf_counter() - start
    if not report.conforms:
        # Point the contributor at the file and line of each result, as `refmetiers validate` does.
        locate(report, [(source.path, graph) for source, graph in sources.files])
        raise ValidationFailed(report)
    result = BuildResult(graphs, report, read_info(graphs["metadata"], settings.base_iri), seconds=seconds)
    if write:
        start = time.perf_counter()
        result.files = write_dist(settings.dist, graphs, base=settings.base_iri, release=result.release,
                                  validation_report=report.graph)
        seconds["write"] = time.perf_counter() - start
    return result
