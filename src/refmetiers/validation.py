"""SHACL validation with pyshacl over the data plus the entailments we already computed.

pyshacl runs with ``inference="none"``: the build has already materialised the entailments we
publish (graph ``inferred``), so the shapes see sub-class types, inverse and symmetric links and
``skos:broaderTransitive`` without pyshacl's own (much slower) RDFS pass. The data graph is
validated in place (pyshacl would otherwise copy it, which cost more than the validation itself).

The raw report is turned into typed :class:`Result` objects that carry the shape's message and
fix in French and English, the focus node's label and, when the source files are known, the file
and line that state the fault (``rendering`` prints them). Which files are checked, with what
context, is the pipeline's business (``build``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS

from .errors import ConfigError
from .locate import Location, Locator
from .namespaces import SH, bind_prefixes
from .sources import from_oxigraph, parse_turtle

RMSH = Namespace("https://w3id.org/refmetiers/shapes#")
_SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass
class Result:
    """One validation result, ready to be read by a person."""

    shape: URIRef | BNode
    severity: str  # "violation", "warning" or "info"
    focus: URIRef | BNode | Literal
    component: URIRef | None = None
    path: list[tuple[URIRef, bool]] = field(default_factory=list)  # (predicate, inverse)
    value: URIRef | BNode | Literal | None = None
    messages: dict[str, str] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    location: Location | None = None

    def message(self, lang: str = "fr") -> str:
        return pick(self.messages, lang) or _short(self.component) or "SHACL"

    def fix(self, lang: str = "fr") -> str:
        return pick(self.fixes, lang)

    def label(self, lang: str = "fr") -> str:
        return pick(self.labels, lang)

    @property
    def shape_name(self) -> str:
        return f"rmsh:{self.shape[len(RMSH):]}" if str(self.shape).startswith(str(RMSH)) else str(self.shape)


@dataclass
class ValidationReport:
    """The outcome of one validation: pyshacl's results graph, counts by severity, typed results."""

    conforms: bool
    graph: Graph
    violations: int
    warnings: int
    infos: int
    results: list[Result] = field(default_factory=list)
    hidden: int = 0  # results about the published graph, left out of a contribution's report

    def keep(self, results: list[Result]) -> ValidationReport:
        """Make ``results`` this report's results, counts and conformance recomputed (in place; returns it)."""
        self.results = results
        self.violations = sum(1 for r in results if r.severity == "violation")
        self.warnings = sum(1 for r in results if r.severity == "warning")
        self.infos = sum(1 for r in results if r.severity == "info")
        self.conforms = self.violations == 0
        return self


def pick(texts: dict[str, str], lang: str) -> str:
    for key in (lang, "en", "fr", ""):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


def _short(iri) -> str:
    return str(iri).rsplit("#", 1)[-1] if iri is not None else ""


def by_lang(graph: Graph, subject, predicate) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            found.setdefault(value.language or "", str(value))
    return found


def load_shapes(shapes_dir: Path) -> Graph:
    """Every ``*.ttl`` file of ``shapes_dir``, merged (an empty graph when there are none)."""
    shapes = Graph()
    bind_prefixes(shapes)
    shapes.bind("rmsh", str(RMSH))
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes += parse_turtle(path)
    return shapes


def path_predicates(graph: Graph, path) -> list[tuple[URIRef, bool]]:
    """The predicates a SHACL path goes through first, each with whether it is followed backwards."""
    if path is None:
        return []
    if isinstance(path, URIRef):
        return [(path, False)]
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return [(p, not back) for p, back in path_predicates(graph, inverse)]
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        found = []
        for item in Collection(graph, alternatives):
            found += path_predicates(graph, item)
        return found
    if (path, RDF.first, None) in graph:  # a sequence path: where the fault shows is its first step
        items = list(Collection(graph, path))
        return path_predicates(graph, items[0]) if items else []
    return []


def _results(report: Graph, shapes: Graph, data: Graph) -> list[Result]:
    """The top-level results of a pyshacl report (nested sh:detail results are left out)."""
    results = []
    for node in report.objects(None, SH.result):
        shape = report.value(node, SH.sourceShape)
        severity = _SEVERITIES.get(cast(URIRef, report.value(node, SH.resultSeverity)), "violation")
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        predicates = path_predicates(report, path) if path is not None else []
        if path is not None and not predicates:
            predicates = path_predicates(shapes, shapes.value(shape, SH.path))
        if not predicates:  # a node shape's result: the shape may say which asserted links show it
            predicates = [(p, False) for p in shapes.objects(shape, RMSH.locateBy) if isinstance(p, URIRef)]
        messages = by_lang(shapes, shape, SH.message) or by_lang(report, node, SH.resultMessage)
        results.append(Result(  # pyshacl's report has these nodes of these kinds
            shape=cast(Any, shape), severity=severity, focus=cast(Any, focus),
            component=cast(Any, report.value(node, SH.sourceConstraintComponent)),
            path=predicates, value=cast(Any, report.value(node, SH.value)),
            messages=messages, fixes=by_lang(shapes, shape, RMSH.fix),
            labels=by_lang(data, focus, SKOS.prefLabel) if focus is not None else {},
        ))
    order = {"violation": 0, "warning": 1, "info": 2}
    results.sort(key=lambda r: (order[r.severity], str(r.shape), str(r.focus), str(r.value)))
    return results


def _prefix_lines(shapes: Graph, node) -> str:
    """The PREFIX lines of the ``sh:prefixes`` declarations of a SPARQL-based target."""
    lines = []
    for declarations in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(declarations, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(lines) + "\n"


_CORE_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def resolve_targets(shapes: Graph, data: Graph, store: ox.Store | None = None,
                    focus: set[URIRef] | None = None) -> Graph:
    """``shapes`` with targets replaced by the nodes they select (``sh:targetNode``), by pyoxigraph.

    Every SPARQL-based target (sh:SPARQLTarget) is: its queries scan the whole data graph (every
    statement pointing at one of our IRIs, every term of our namespace), which took rdflib's engine
    seconds per query and pyoxigraph milliseconds. With ``focus``, every target is, and only the focus
    nodes among its nodes are kept: pyshacl then validates those nodes and no other. A target *is* the
    set of nodes it selects, so listing them changes no result. A SPARQL target that selects a blank
    node is left to pyshacl (blank node labels do not survive the trip). A shape with ``rmsh:candidates``
    keeps those of its targets' nodes that its candidates query selects (see ``_candidates``).
    """
    shaped = {shape for predicate in (*_CORE_TARGETS, SH.target) for shape in shapes.subjects(predicate, None)}
    if not shaped:
        return shapes
    if store is None:  # else the caller's store holds ``data`` (or more: its union is the default graph)
        store = ox.Store()
        store.bulk_load(data.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    values = "VALUES ?this { " + " ".join(f"<{iri}>" for iri in sorted(focus)) + " }" if focus else ""

    def select(pattern: str) -> set:
        query = f"SELECT DISTINCT ?this WHERE {{ {values} {pattern} }}"
        return {solution["this"] for solution in store.query(query, use_default_graph_as_union=True)}  # type: ignore[union-attr]

    evaluated = Graph()
    evaluated += shapes
    for prefix, namespace in shapes.namespaces():
        evaluated.bind(prefix, namespace)
    for shape in sorted(shaped, key=str):
        nodes: set = set()
        replaced = []
        for target in shapes.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in shapes or shapes.value(target, SH.select) is None:
                continue
            query = _prefix_lines(shapes, target) + str(shapes.value(target, SH.select))
            found = {solution["this"] for solution in store.query(query, use_default_graph_as_union=True)}  # type: ignore[union-attr]
            if focus is None and any(not isinstance(node, ox.NamedNode | ox.Literal) for node in found):
                continue
            nodes |= found
            replaced.append((shape, SH.target, target))
        narrowed = _candidates(shapes, shape, store)
        if focus is not None or narrowed is not None:
            core = _core_target_nodes(shapes, shape, select)
            nodes |= core if narrowed is None else core & narrowed
            replaced += [(shape, p, o) for p in _CORE_TARGETS for o in shapes.objects(shape, p)]
        if focus is not None:
            nodes = {node for node in nodes if isinstance(node, ox.NamedNode) and URIRef(node.value) in focus}
        for triple in replaced:
            evaluated.remove(triple)
        for node in nodes:
            evaluated.add((shape, SH.targetNode, from_oxigraph(node)))
    return evaluated


def _core_target_nodes(shapes: Graph, shape, select) -> set:
    """The nodes the SHACL Core targets of ``shape`` select (``select`` runs a pattern binding ?this)."""
    nodes: set = set()
    for cls in shapes.objects(shape, SH.targetClass):
        nodes |= select(f"?this a/<{RDFS.subClassOf}>* <{cls}> .")
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        nodes |= select(f"?this <{predicate}> ?any .")
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        nodes |= select(f"?any <{predicate}> ?this .")
    iris = [node for node in shapes.objects(shape, SH.targetNode) if isinstance(node, URIRef)]
    return nodes | {ox.NamedNode(str(node)) for node in iris}


def _candidates(shapes: Graph, shape, store: ox.Store) -> set | None:
    """The nodes ``rmsh:candidates`` of ``shape`` selects: among its targets, the only ones it can fail on.

    A hint for refmetiers, which then validates those alone (one query instead of the shape on every target);
    another SHACL engine ignores it and validates every target, with the same results. None when the shape
    has no candidates, or when they cannot stand for its targets (a blank node, or a target node not an IRI).
    """
    candidates = shapes.value(shape, RMSH.candidates)
    if candidates is None or shapes.value(candidates, SH.select) is None:
        return None
    if any(not isinstance(node, URIRef) for node in shapes.objects(shape, SH.targetNode)):
        return None
    query = _prefix_lines(shapes, candidates) + str(shapes.value(candidates, SH.select))
    found = {solution["this"] for solution in store.query(query, use_default_graph_as_union=True)}  # type: ignore[union-attr]
    return found if all(isinstance(node, ox.NamedNode) for node in found) else None


def validate(data: Graph, shapes: Graph, focus: set[URIRef] | None = None,
             store: ox.Store | None = None) -> ValidationReport:
    """Validate ``data`` (asserted plus entailments) against ``shapes``; only violations fail it.

    With ``focus``, only the results about those nodes are kept: ``data`` may then be the part of the
    graph around them (``store``, when given, holds the whole graph, which the SPARQL targets select
    from), where other nodes lack statements the shapes would miss. (pyshacl's own ``focus_nodes``
    option loses the results of qualified value shapes, sh:qualifiedMinCount, so it is not used.)
    """
    if len(shapes) == 0:
        return ValidationReport(True, Graph(), 0, 0, 0)
    import pyshacl  # a quarter of a second to import: not on `serve`'s path, which only checks freshness

    runnable = resolve_targets(shapes, data, store, focus)
    _, results_graph, text = pyshacl.validate(data, shacl_graph=runnable, inference="none", advanced=True,
                                              allow_warnings=True, abort_on_first=False, inplace=True)
    if not isinstance(results_graph, Graph):  # pyshacl reports a malformed shape instead of validating
        raise ConfigError(f"the shapes cannot be used: {text} / les formes sont inutilisables")
    bind_prefixes(results_graph)
    results_graph.bind("rmsh", str(RMSH))
    results = _results(results_graph, shapes, data)
    if focus is not None:
        results = [result for result in results if result.focus in focus]
    count = lambda severity: sum(1 for r in results if r.severity == severity)  # noqa: E731
    violations = count("violation")
    return ValidationReport(violations == 0, results_graph, violations, count("warning"), count("info"), results)


def locate(report: ValidationReport, files: list[tuple[Path, Graph]]) -> ValidationReport:
    """Give every result of ``report`` the file and line that state it (in place; returns it)."""
    locator = Locator(files)
    for result in report.results:
        if result.location is None:  # a source check already knows its place
            result.location = locator.locate(result.focus, result.path, result.value)
    return report
