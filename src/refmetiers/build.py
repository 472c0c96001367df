"""The pipeline: parse → named graphs → infer → validate → dist/. The only module that knows the order.

Three entry points share it: :func:`build` (publish dist/), :func:`check_sources` and
:func:`check_files` (what `refmetiers validate` reports), and :func:`build_if_stale` (what `serve`
runs first).
"""

from __future__ import annotations

import gc
import gzip
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from . import catalogue
from .checks import SourceChecks
from .config import Settings
from .dumps import NTriplesLines, new_staging, publish, stage_dumps
from .errors import ConfigError, RefmetiersError, ValidationFailed
from .forked import Forked
from .graphs import ENTAILMENT_SOURCES, merge, read_published
from .inference import derive, rules_for, with_entailments
from .layout import SourceFile, discover, dist_is_stale, route
from .namespaces import GRAPH_NAMES, ID, RM, graph_name
from .releases import ReleaseInfo, change_graph, ontology_version_triples, read_info
from .sources import Sources, from_oxigraph, load_sources, parse_file_triples, parse_turtle_triples, to_rdflib
from .store import QUADS_FILE
from .validation import RMSH, ValidationReport, load_shapes, locate, validate


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


def _parse_and_infer(settings: Settings, seconds: dict[str, float]) -> tuple[Sources, dict[str, Graph], NTriplesLines]:
    """The named graphs, and their N-Triples lines (made once: the entailments' source, then the dumps)."""
    start = time.perf_counter()
    sources = load_sources(settings)
    # The ontology's version IRI and the change sets of past releases come from the release model.
    release = read_info(sources.graphs["metadata"], settings.base_iri, required=False)
    sources.graphs["ontology"] += ontology_version_triples(release, settings.base_iri)
    sources.graphs["changes"] += change_graph(settings.releases_dir, settings.base_iri)
    seconds["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    lines = NTriplesLines(sources.graphs, settings.base_iri)
    source = "".join(line for name in ENTAILMENT_SOURCES for line in lines.of(name)).encode("utf-8")
    graphs = with_entailments(sources.graphs, settings.cache_dir, source)
    lines.graphs = graphs
    seconds["infer"] = time.perf_counter() - start
    return sources, graphs, lines


def assemble(settings: Settings, seconds: dict[str, float] | None = None) -> dict[str, Graph]:
    """Parse the sources and compute the inferred graph: every named graph of DESIGN.md §3."""
    return _parse_and_infer(settings, {} if seconds is None else seconds)[1]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A build (or a validation) makes about a million objects that all live until it ends (rdflib terms,
    indexes, pySHACL's shapes): the cyclic garbage collector would scan them again and again for next to no
    garbage (15 % of a build's CPU, measured; the peak memory grows by 4 %)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_without_cycle_collection()
def build(settings: Settings, *, write: bool = True, pending_changes: Graph | None = None) -> BuildResult:
    """Run the whole pipeline; write dist/ only when the data has no SHACL violation.

    ``pending_changes`` joins graph ``changes``: the change set of a release being cut, not yet in releases/.

    Raises:
        SourceError: a source file is unreadable or malformed (nothing written).
        ValidationFailed: the data violates the shapes (nothing written; the report is attached).
    """
    seconds: dict[str, float] = {}
    sources, graphs, lines = _parse_and_infer(settings, seconds)
    if pending_changes is not None:
        graphs["changes"] += pending_changes
    start = time.perf_counter()
    # The N-Quads of every graph load the store the SPARQL targets of the shapes run on; made before the
    # dumps are staged, so both have them.
    quads = lines.quads(GRAPH_NAMES).encode("utf-8")
    staging = writing = None
    mapping_sets = [source.path for source, _ in sources.files if source.path.name.endswith(".sssom.tsv")]
    if write:
        # The dumps do not depend on the validation: a forked child writes them on the other core meanwhile
        # (this process takes the rest once it has validated), into a folder that replaces dist/ only if the
        # data conforms.
        staging = new_staging(settings.dist)
        writing = Forked(stage_dumps, staging, graphs, base=settings.base_iri, mapping_sets=mapping_sets,
                         lines=lines)
    try:
        shapes = load_shapes(settings.shapes_dir)
        store = ox.Store()
        store.bulk_load(quads, ox.RdfFormat.N_QUADS)
        report = validate(merge(graphs), shapes, store=store)
        files = [(source.path, graph) for source, graph in sources.files]
        _source_checks(report, shapes, settings, files, whole=True)
        seconds["validate"] = time.perf_counter() - start
        if not report.conforms:
            # Point the contributor at the file and line of each result, as `refmetiers validate` does.
            locate(report, files)
            raise ValidationFailed(report)
        result = BuildResult(graphs, report, read_info(graphs["metadata"], settings.base_iri, required=False),
                             seconds=seconds)
        if writing is not None and staging is not None:
            start = time.perf_counter()
            # the dumps the child has not started yet are written here meanwhile
            stage_dumps(staging, graphs, base=settings.base_iri, mapping_sets=mapping_sets, lines=lines,
                        last_first=True)
            writing.result()
            result.files = publish(staging, settings.dist, graphs["metadata"], base=settings.base_iri,
                                   release=result.release, validation_report=report.graph)
            # after validating: the dumps left, the wait for the child, publishing
            seconds["write"] = time.perf_counter() - start
    except BaseException:
        if writing is not None:
            writing.cancel()
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


# ---------------------------------------------------------------------------
# What `refmetiers validate` checks
# ---------------------------------------------------------------------------

def _required_shapes(settings: Settings) -> Graph:
    """The shapes of ``settings``; none is a configuration error here (it would pass anything)."""
    shapes = load_shapes(settings.shapes_dir)
    if len(shapes) == 0:
        raise ConfigError(f"{settings.shapes_dir}: no SHACL shapes; point --root (or REFMETIERS_ROOT) "
                          "at a refmetiers checkout / aucune forme SHACL : faites pointer --root (ou REFMETIERS_ROOT) "
                          "vers une copie de refmetiers")
    return shapes


@_without_cycle_collection()
def check_sources(settings: Settings, sources: list[SourceFile] | None = None) -> ValidationReport:
    """Validate source files (default: the repository's ontology/ and data/) with their entailments.

    Raises:
        SourceError: a source file is unreadable or malformed.
        ConfigError: there are no shapes to validate with.
    """
    shapes = _required_shapes(settings)
    context = _Context(settings)
    parsed = []
    for source in discover(settings) if sources is None else sources:
        triples = parse_file_triples(source)
        context.add_file(source.path, source.graph_name, triples)
        parsed.append((source.path, triples))
    context.entail()
    files = [(path, to_rdflib(triples)) for path, triples in parsed]
    report = validate(context.everything(), shapes, store=context.store)
    _source_checks(report, shapes, settings, files, whole=sources is None)
    return locate(report, files)


def published_job_types(settings: Settings) -> Graph | None:
    """The job types published so far (their type and labels): those of the last release (releases/) and
    of the last build (dist/); None when there is neither.

    Read with pyoxigraph, which loads the N-Quads dump in a fraction of rdflib's time.
    """
    quads = settings.dist / QUADS_FILE
    released = catalogue.latest(settings.releases_dir)
    if not quads.is_file() and released is None:
        return None
    store = ox.Store()
    try:
        if quads.is_file():
            store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
        if released is not None:
            dump = settings.releases_dir / released / catalogue.QUADS_DUMP
            store.bulk_load(gzip.decompress(dump.read_bytes()), format=ox.RdfFormat.N_QUADS)
    except (OSError, SyntaxError, EOFError, gzip.BadGzipFile) as exc:
        raise ConfigError(f"{quads}: cannot read the published graph ({exc}); run `refmetiers build` / "
                          "impossible de lire le graphe publié : lancez `refmetiers build`") from None
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
                   *, whole: bool, published: Graph | None = None, current: Graph | None = None) -> ValidationReport:
    """Add the checks of refmetiers.checks to ``report``: one job type per file, no published job
    type vanished (only when ``whole`` sources are checked: their job types are ``current``'s, by
    default ``files``'), no code taken twice (among ``files``, and over ``published``)."""
    checks = SourceChecks(shapes, files)
    jobs_dir = settings.data_dir / "jobs"
    published_jobs = published_job_types(settings) if whole else None
    extra = checks.one_job_per_file(jobs_dir, published_jobs)
    if published_jobs is not None:
        if current is None:
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


@_without_cycle_collection()
def check_files(settings: Settings, paths: list[Path]) -> ValidationReport:
    """Validate a few files: the project's own files as edited, or outside files with the published graph.

    The context (every other source of the project, or the last build's asserted graphs, else the
    sources the package carries) is parsed, merged and entailed in pyoxigraph; the shapes then run
    on the nodes the files mention only, over the part of the graph around them (their statements,
    the statements about their neighbours, the concepts sharing their labels, the ontology), and the
    SPARQL targets select from the whole. Only the results the files are responsible for (stated in
    them, or about a resource they describe) are reported.

    Raises:
        SourceError: a file is unreadable or is not valid Turtle (with line and column).
        ConfigError: there are no shapes to validate with.
    """
    shapes = _required_shapes(settings)
    data_dir = settings.data_dir.resolve()
    own = {Path(path).resolve(): Path(path) for path in paths}
    ours = any(path.is_relative_to(data_dir) for path in own)
    own_triples = {resolved: parse_file_triples(SourceFile(shown, route(shown, settings)))
                   if resolved.is_relative_to(data_dir) else parse_turtle_triples(shown)
                   for resolved, shown in own.items()}
    context = _Context(settings)
    # The project's own data/ is checked against the sources as they are on disk (the last build still
    # holds the edited files' previous version, which would clash with the new one).
    if ours or not (settings.dist / QUADS_FILE).is_file():
        for source in discover(settings):
            resolved = source.path.resolve()
            context.add_file(source.path, source.graph_name, own_triples.get(resolved) or parse_file_triples(source))
    else:
        context.add_published(settings.dist / QUADS_FILE, settings.base_iri)
    for resolved, shown in own.items():
        if not context.has_file(resolved):
            context.add_file(shown, "referentiel", own_triples[resolved])
    context.entail()
    files = [(shown, to_rdflib(own_triples[resolved])) for resolved, shown in own.items()]
    focus = {term for _, graph in files for triple in graph for term in triple[::2] if isinstance(term, URIRef)}
    report = validate(context.around(focus), shapes, focus, context.store)
    # the other files that label an IRI these files label too: where a code taken twice was taken first
    labelled = {s for _, graph in files for s in graph.subjects(SKOS.prefLabel, None) if isinstance(s, URIRef)}
    others = context.files_labelling(labelled, exclude=set(own))
    if ours:
        _source_checks(report, shapes, settings, files + others, whole=True, current=context.job_types())
    else:
        _source_checks(report, shapes, settings, files + others, whole=False, published=context.labels_of(labelled))
    locate(report, files + others)
    kept = [r for r in report.results if r.location is not None and r.location.path.resolve() in own]
    report.hidden = len(report.results) - len(kept)
    return report.keep(kept)


# What the shapes read of a focus node's neighbours (sh:class, closed vocabularies, link targets, labels).
NEIGHBOUR_PREDICATES = " ".join(f"<{p}>" for p in (RDF.type, SKOS.prefLabel, SKOS.inScheme, SKOS.topConceptOf,
                                                    SKOS.broader, SKOS.broaderTransitive))


class _Context:
    """The graph a few files are checked in, held by pyoxigraph: one named graph per source file (or
    per published named graph), and graph `inferred`."""

    INFERRED = ox.NamedNode("urn:refmetiers:inferred")

    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = ox.Store()
        self.kinds: dict[ox.NamedNode, str] = {}  # graph → the named graph of DESIGN.md §3 it belongs to
        self.paths: dict[ox.NamedNode, Path] = {}  # graph → its file, for a per-file graph

    def add_file(self, path: Path, kind: str, triples: list[ox.Triple]) -> None:
        graph = ox.NamedNode(path.resolve().as_uri())
        self.kinds[graph], self.paths[graph] = kind, path
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def has_file(self, resolved: Path) -> bool:
        return ox.NamedNode(resolved.as_uri()) in self.kinds

    def add_published(self, quads: Path, base: str) -> None:
        try:
            self.store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError) as exc:
            raise ConfigError(f"{quads}: cannot read the published graph ({exc}); run `refmetiers build` / "
                          "impossible de lire le graphe publié : lancez `refmetiers build`") from None
        for name in GRAPH_NAMES:
            graph = ox.NamedNode(graph_name(name, base))
            if name == "inferred":
                self.store.remove_graph(graph)  # computed again, with the files
            else:
                self.kinds[graph] = name

    def _graphs(self, *kinds: str) -> list[ox.NamedNode]:
        return [graph for graph, kind in self.kinds.items() if kind in kinds]

    def entail(self) -> None:
        """Add graph `inferred`: the entailments of the asserted graphs they come from."""
        ontology = to_rdflib([quad.triple for graph in self._graphs("ontology")
                              for quad in self.store.quads_for_pattern(None, None, None, graph)])
        source = b"".join(self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) or b""
                          for g in self._graphs(*ENTAILMENT_SOURCES))
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, self.INFERRED)
                          for t in derive(source, rules_for(ontology, self.settings.cache_dir)))

    def around(self, focus: set[URIRef]) -> Graph:
        """The part of the graph the shapes read for ``focus``: the statements about the focus nodes (both
        ways), what their neighbours are (type, labels, scheme, place in the hierarchy), the statements
        sharing their labels (overlapping labels), and the ontology and metadata."""
        values = " ".join(f"<{iri}>" for iri in sorted(focus))
        query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
            {{ VALUES ?f {{ {values} }} {{ ?f ?p ?o BIND(?f AS ?s) }} UNION {{ ?s ?p ?f BIND(?f AS ?o) }} }}
            UNION {{ {{ SELECT DISTINCT ?s WHERE {{ VALUES ?f {{ {values} }} {{ ?f ?q ?s }} UNION {{ ?s ?q ?f }}
                                                  FILTER(isIRI(?s)) }} }}
                     VALUES ?p {{ {NEIGHBOUR_PREDICATES} }} ?s ?p ?o }}
            UNION {{ VALUES ?f {{ {values} }} ?f ?q ?label FILTER(isLiteral(?label)) ?s ?p ?label BIND(?label AS ?o) }}
        }}"""
        triples = list(self.store.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]
        for graph in self._graphs("ontology", "metadata"):
            triples += [quad.triple for quad in self.store.quads_for_pattern(None, None, None, graph)]
        return to_rdflib(triples)

    def everything(self) -> Graph:
        """Every graph, asserted and inferred, merged: what the shapes see of the whole."""
        return to_rdflib([quad.triple for quad in self.store])

    def job_types(self) -> Graph:
        """The job types the context defines (their rdf:type statements)."""
        jobs = Graph()
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RM.JobType))):
            if quad.graph_name != self.INFERRED:
                jobs.add((from_oxigraph(quad.subject), RDF.type, RM.JobType))
        return jobs

    def _labelled(self, focus: set[URIRef]):
        label = ox.NamedNode(str(SKOS.prefLabel))
        for iri in sorted(focus):
            if str(iri).startswith(str(ID)):
                yield from self.store.quads_for_pattern(ox.NamedNode(str(iri)), label, None)

    def files_labelling(self, focus: set[URIRef], exclude: set[Path]) -> list[tuple[Path, Graph]]:
        """The source files, other than ``exclude``, that give one of ``focus`` a preferred label."""
        graphs = {quad.graph_name for quad in self._labelled(focus) if quad.graph_name in self.paths}
        return [(self.paths[g], to_rdflib([q.triple for q in self.store.quads_for_pattern(None, None, None, g)]))
                for g in sorted(graphs, key=lambda g: g.value) if self.paths[g].resolve() not in exclude]

    def labels_of(self, focus: set[URIRef]) -> Graph:
        """The preferred labels the published graphs (not per-file sources) give ``focus``."""
        return to_rdflib([quad.triple for quad in self._labelled(focus)
                          if quad.graph_name not in self.paths and quad.graph_name != self.INFERRED])


# ---------------------------------------------------------------------------
# What `refmetiers serve` runs first
# ---------------------------------------------------------------------------

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
