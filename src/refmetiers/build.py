"""The pipeline: parse → named graphs → infer → validate → dist/. The only module that knows the order.

Three entry points share it: :func:`build` (publish dist/), :func:`check_sources` and
:func:`check_files` (what `refmetiers validate` reports), and :func:`build_if_stale` (what `serve`
runs first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from .checks import SourceChecks
from .config import Settings
from .dumps import write_dist
from .errors import ConfigError, RefmetiersError, ValidationFailed
from .graphs import merge, read_published
from .inference import with_entailments
from .namespaces import RM
from .sources import SourceFile, Sources, discover, from_oxigraph, load_sources, parse_file, parse_turtle, route
from .store import QUADS_FILE
from .validation import RMSH, ValidationReport, load_shapes, locate, validate


@dataclass
class BuildResult:
    """What a build produced and how long each step took."""

    graphs: dict[str, Graph]
    report: ValidationReport
    files: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def triple_counts(self) -> dict[str, int]:
        return {name: len(graph) for name, graph in self.graphs.items()}


def _parse_and_infer(settings: Settings, seconds: dict[str, float]) -> tuple[Sources, dict[str, Graph]]:
    start = time.perf_counter()
    sources = load_sources(settings)
    seconds["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    graphs = with_entailments(sources.graphs)
    seconds["infer"] = time.perf_counter() - start
    return sources, graphs


def assemble(settings: Settings, seconds: dict[str, float] | None = None) -> dict[str, Graph]:
    """Parse the sources and compute the inferred graph: every named graph of DESIGN.md §3."""
    return _parse_and_infer(settings, {} if seconds is None else seconds)[1]


def build(settings: Settings, *, write: bool = True) -> BuildResult:
    """Run the whole pipeline; write dist/ only when the data has no SHACL violation.

    Raises:
        SourceError: a source file is unreadable or malformed (nothing written).
        ValidationFailed: the data violates the shapes (nothing written; the report is attached).
    """
    seconds: dict[str, float] = {}
    sources, graphs = _parse_and_infer(settings, seconds)
    start = time.perf_counter()
    shapes = load_shapes(settings.shapes_dir)
    report = validate(merge(graphs), shapes)
    files = [(source.path, graph) for source, graph in sources.files]
    _source_checks(report, shapes, settings, files, whole=True)
    seconds["validate"] = time.perf_counter() - start
    if not report.conforms:
        # Point the contributor at the file and line of each result, as `refmetiers validate` does.
        locate(report, files)
        raise ValidationFailed(report)
    result = BuildResult(graphs, report, seconds=seconds)
    if write:
        start = time.perf_counter()
        mapping_sets = [source.path for source, _ in sources.files if source.path.name.endswith(".sssom.tsv")]
        result.files = write_dist(settings.dist, graphs, base=settings.base_iri, version=settings.version,
                                  validation_report=report.graph, mapping_sets=mapping_sets)
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
    files = [(source.path, graph) for source, graph in parsed.files]
    _source_checks(report, shapes, settings, files, whole=sources is None)
    return locate(report, files)


def published_job_types(settings: Settings) -> Graph | None:
    """The job types of the last build (their type and labels), or None when nothing was built.

    Read with pyoxigraph, which loads the N-Quads dump in a fraction of rdflib's time.
    """
    quads = settings.dist / QUADS_FILE
    if not quads.is_file():
        return None
    store = ox.Store()
    try:
        store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
    except (OSError, SyntaxError) as exc:
        raise ConfigError(f"{quads}: cannot read the published graph ({exc}); run `refmetiers build`") from None
    jobs = Graph()
    query = (f"SELECT DISTINCT ?job ?label WHERE {{ ?job a <{RM.JobType}> "
             f"OPTIONAL {{ ?job <{SKOS.prefLabel}> ?label }} }}")
    for solution in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        job = from_oxigraph(solution["job"])
        jobs.add((job, RDF.type, RM.JobType))
        if solution["label"] is not None:
            jobs.add((job, SKOS.prefLabel, from_oxigraph(solution["label"])))
    return jobs


def _source_checks(report: ValidationReport, shapes: Graph, settings: Settings, files: list[tuple[Path, Graph]],
                   *, whole: bool, published: Graph | None = None) -> ValidationReport:
    """Add the checks of refmetiers.checks to ``report``: one job type per file, no published job
    type vanished (only when ``whole`` sources are checked), no code taken twice (among ``files``,
    and over ``published``)."""
    checks = SourceChecks(shapes, files)
    jobs_dir = settings.data_dir / "jobs"
    published_jobs = published_job_types(settings) if whole else None
    extra = checks.one_job_per_file(jobs_dir, published_jobs)
    if published_jobs is not None:
        current = Graph()
        for _, graph in files:
            current += graph.triples((None, RDF.type, RM.JobType))
        extra += checks.published_jobs_kept(published_jobs, current, jobs_dir)
    duplicates = checks.duplicate_codes(published)
    taken = {result.focus for result in duplicates}
    # Two labels on one IRI are S14's business unless the IRI is a code taken twice: its advice
    # (keep one label) would merge two different concepts.
    kept = [r for r in report.results if not (r.focus in taken and r.shape == RMSH["S14-OnePrefLabelPerLanguage"])]
    return report.keep(kept + extra + duplicates)


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
    sources = load_sources(settings) if ours else None
    graphs = sources.graphs if sources is not None else published_graphs(settings)
    published = graphs["referentiel"]  # before the files join it (`+` makes a new graph)
    for path, graph in files:
        if path not in ours:
            graphs["referentiel"] = graphs["referentiel"] + graph
    # Only what the files mention can fail because of them: validate those nodes only.
    focus = {term for _, graph in files for triple in graph for term in triple[::2] if isinstance(term, URIRef)}
    report = validate(merge(with_entailments(graphs)), shapes, focus)
    if sources is not None:  # the repository's own sources, edited: checked as the whole repository would be
        _source_checks(report, shapes, settings, [(s.path, g) for s, g in sources.files], whole=True)
    else:
        _source_checks(report, shapes, settings, files, whole=False, published=published)
    locate(report, files)
    own = {path.resolve() for path, _ in files}
    kept = [r for r in report.results if r.location is not None and r.location.path.resolve() in own]
    report.hidden = len(report.results) - len(kept)
    return report.keep(kept)


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
