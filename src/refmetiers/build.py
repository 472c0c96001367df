"""The pipeline: parse → named graphs → infer → validate → dist/. The only module that knows the order.

Three entry points share it: :func:`build` (publish dist/), :func:`check_sources` and
:func:`check_files` (what `refmetiers validate` reports), and :func:`build_if_stale` (what `serve`
runs first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from .config import Settings
from .dumps import write_dist
from .errors import ConfigError, RefmetiersError, ValidationFailed
from .graphs import merge, read_published
from .inference import with_entailments
from .releases import ReleaseInfo, change_graph, ontology_version_triples, read_info
from .sources import SourceFile, Sources, discover, load_sources, parse_file, parse_turtle, route
from .store import QUADS_FILE
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
    # The ontology's version IRI and the change sets of past releases come from the release model.
    release = read_info(sources.graphs["metadata"], settings.base_iri, required=False)
    sources.graphs["ontology"] += ontology_version_triples(release, settings.base_iri)
    sources.graphs["changes"] = change_graph(settings.releases_dir, settings.base_iri)
    seconds["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    graphs = with_entailments(sources.graphs)
    seconds["infer"] = time.perf_counter() - start
    return sources, graphs


def assemble(settings: Settings, seconds: dict[str, float] | None = None) -> dict[str, Graph]:
    """Parse the sources and compute the inferred graph: every named graph of DESIGN.md §3."""
    return _parse_and_infer(settings, {} if seconds is None else seconds)[1]


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
    report = validate(merge(graphs), load_shapes(settings.shapes_dir))
    seconds["validate"] = time.perf_counter() - start
    if not report.conforms:
        # Point the contributor at the file and line of each result, as `refmetiers validate` does.
        locate(report, [(source.path, graph) for source, graph in sources.files])
        raise ValidationFailed(report)
    result = BuildResult(graphs, report, read_info(graphs["metadata"], settings.base_iri, required=False),
                         seconds=seconds)
    if write:
        start = time.perf_counter()
        result.files = write_dist(settings.dist, graphs, base=settings.base_iri, release=result.release,
                                  validation_report=report.graph)
        seconds["write"] = time.perf_counter() - start
    return result


# ---------------------------------------------------------------------------
# What `refmetiers validate` checks
# ---------------------------------------------------------------------------

def _required_shapes(settings: Settings) -> Graph:
    """The shapes of ``settings``; none is a configuration error here (it would pass anything)."""
    shapes = load_shapes(settings.shapes_dir)
    if len(shapes) == 0:
        raise ConfigError(f"{settings.shapes_dir}: no SHACL shapes; point --root (or REFMETIERS_ROOT) "
                          "at a refmetiers checkout")
    return shapes


def check_sources(settings: Settings, sources: list[SourceFile] | None = None) -> ValidationReport:
    """Validate source files (default: the repository's ontology/ and data/) with their entailments.

    Raises:
        SourceError: a source file is unreadable or malformed.
        ConfigError: there are no shapes to validate with.
    """
    shapes = _required_shapes(settings)
    parsed = load_sources(settings, sources)
    report = validate(merge(with_entailments(parsed.graphs)), shapes)
    return locate(report, [(source.path, graph) for source, graph in parsed.files])


def published_graphs(settings: Settings) -> dict[str, Graph]:
    """The asserted named graphs of the last build (dist/refmetiers.nq), else of the sources."""
    quads = settings.dist / QUADS_FILE
    if not quads.is_file():
        return load_sources(settings).graphs
    return read_published(quads, settings.base_iri)


def check_files(settings: Settings, paths: list[Path]) -> ValidationReport:
    """Validate outside Turtle files together with the published graph.

    The files may link to our concepts; only the results the files are responsible for (stated
    in them, or about a resource they describe) are reported. Files of the repository's own data/
    are checked with the sources on disk rather than the last build.

    Raises:
        SourceError: a file is unreadable or is not valid Turtle (with line and column).
        ConfigError: there are no shapes to validate with.
    """
    shapes = _required_shapes(settings)
    data_dir = settings.data_dir.resolve()
    ours = [Path(path) for path in paths if Path(path).resolve().is_relative_to(data_dir)]
    files = [(Path(path), parse_file(SourceFile(Path(path), route(Path(path), settings))) if Path(path) in ours
              else parse_turtle(Path(path))) for path in paths]
    # Files of the repository's own data/ are checked against the sources as they are on disk (the
    # last build still holds their previous version, which would clash with the edited one).
    graphs = load_sources(settings).graphs if ours else published_graphs(settings)
    for path, graph in files:
        if path not in ours:
            graphs["referentiel"] = graphs["referentiel"] + graph
    report = validate(merge(with_entailments(graphs)), shapes)
    locate(report, files)
    own = {path.resolve() for path, _ in files}
    kept = [r for r in report.results if r.location is not None and r.location.path.resolve() in own]
    report.hidden = len(report.results) - len(kept)
    report.results = kept
    report.violations = sum(1 for r in kept if r.severity == "violation")
    report.warnings = sum(1 for r in kept if r.severity == "warning")
    report.infos = sum(1 for r in kept if r.severity == "info")
    report.conforms = report.violations == 0
    return report


# ---------------------------------------------------------------------------
# What `refmetiers serve` runs first
# ---------------------------------------------------------------------------

def dist_is_stale(settings: Settings) -> bool:
    """Whether dist/ is missing or older than any source (ontology/, data/, shapes/)."""
    built = settings.dist / QUADS_FILE
    if not built.is_file():
        return True
    sources = [s.path for s in discover(settings)] + sorted(settings.shapes_dir.glob("*.ttl"))
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0.0)
    return newest > built.stat().st_mtime


@dataclass
class Freshness:
    """What :func:`build_if_stale` did: nothing, a build, or a failed build with a previous one kept."""

    built: BuildResult | None = None
    failure: RefmetiersError | None = None  # the build failed; dist/ still holds the previous build


def build_if_stale(settings: Settings) -> Freshness:
    """Build when dist/ is missing or older than the sources; keep serving the previous build if that fails.

    Raises:
        RefmetiersError: the build failed and there is no previous build to fall back on.
    """
    if not dist_is_stale(settings):
        return Freshness()
    try:
        return Freshness(built=build(settings))
    except RefmetiersError as exc:
        if not (settings.dist / QUADS_FILE).is_file():
            raise
        return Freshness(failure=exc)
