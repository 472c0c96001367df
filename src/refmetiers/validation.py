"""SHACL validation with pyshacl over the data plus the entailments we already computed.

pyshacl runs with ``inference="none"``: the build has already materialised the entailments we
publish (graph ``inferred``), so the shapes see sub-class types, inverse and symmetric links and
``skos:broaderTransitive`` without pyshacl's own (much slower) RDFS pass. The data graph is
validated in place (pyshacl would otherwise copy it, which cost more than the validation itself).

The raw report is turned into typed :class:`Result` objects that carry the shape's message and
fix in French and English, the focus node's label and, when the source files are known, the file
and line that state the fault; renderers print them as text, JSON, JUnit XML or GitHub workflow
annotations.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pyshacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SKOS

from .config import Settings
from .errors import ConfigError
from .locate import Location, Locator
from .namespaces import GRAPH_NAMES, SH, bind_prefixes, graph_iri
from .sources import SourceFile, load_sources, parse_file, parse_turtle, route

RMSH = Namespace("https://w3id.org/refmetiers/shapes#")
LANGS = ("fr", "en")
FORMATS = ("text", "json", "junit", "github")
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
        return _pick(self.messages, lang) or _short(self.component) or "SHACL"

    def fix(self, lang: str = "fr") -> str:
        return _pick(self.fixes, lang)

    def label(self, lang: str = "fr") -> str:
        return _pick(self.labels, lang)

    @property
    def shape_name(self) -> str:
        return f"rmsh:{self.shape[len(RMSH):]}" if str(self.shape).startswith(str(RMSH)) else str(self.shape)

    def as_dict(self, lang: str = "fr") -> dict:
        return {
            "file": _display(self.location.path) if self.location else None,
            "line": self.location.line if self.location else None,
            "severity": self.severity,
            "shape": self.shape_name,
            "focus": str(self.focus),
            "label": self.label(lang) or None,
            "path": [("^" if inverse else "") + str(p) for p, inverse in self.path],
            "value": None if self.value is None else str(self.value),
            "message": self.message(lang),
            "fix": self.fix(lang) or None,
            "messages": self.messages,
            "fixes": self.fixes,
        }


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


def _pick(texts: dict[str, str], lang: str) -> str:
    for key in (lang, "en", "fr", ""):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


def _short(iri) -> str:
    return str(iri).rsplit("#", 1)[-1] if iri is not None else ""


def _by_lang(graph: Graph, subject, predicate) -> dict[str, str]:
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
        severity = _SEVERITIES.get(report.value(node, SH.resultSeverity), "violation")
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        predicates = path_predicates(report, path) if path is not None else []
        if path is not None and not predicates:
            predicates = path_predicates(shapes, shapes.value(shape, SH.path))
        if not predicates:  # a node shape's result: the shape may say which asserted links show it
            predicates = [(p, False) for p in shapes.objects(shape, RMSH.locateBy) if isinstance(p, URIRef)]
        messages = _by_lang(shapes, shape, SH.message) or _by_lang(report, node, SH.resultMessage)
        results.append(Result(
            shape=shape, severity=severity, focus=focus,
            component=report.value(node, SH.sourceConstraintComponent),
            path=predicates, value=report.value(node, SH.value),
            messages=messages, fixes=_by_lang(shapes, shape, RMSH.fix),
            labels=_by_lang(data, focus, SKOS.prefLabel) if focus is not None else {},
        ))
    order = {"violation": 0, "warning": 1, "info": 2}
    results.sort(key=lambda r: (order[r.severity], str(r.shape), str(r.focus), str(r.value)))
    return results


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate ``data`` (asserted plus entailments) against ``shapes``; only violations fail it."""
    if len(shapes) == 0:
        return ValidationReport(True, Graph(), 0, 0, 0)
    _, results_graph, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                           allow_warnings=True, abort_on_first=False, inplace=True)
    bind_prefixes(results_graph)
    results_graph.bind("rmsh", str(RMSH))
    results = _results(results_graph, shapes, data)
    count = lambda severity: sum(1 for r in results if r.severity == severity)  # noqa: E731
    violations = count("violation")
    return ValidationReport(violations == 0, results_graph, violations, count("warning"), count("info"), results)


def locate(report: ValidationReport, files: list[tuple[Path, Graph]]) -> ValidationReport:
    """Give every result of ``report`` the file and line that state it (in place; returns it)."""
    locator = Locator(files)
    for result in report.results:
        result.location = locator.locate(result.focus, result.path, result.value)
    return report


# ---------------------------------------------------------------------------
# What `refmetiers validate` checks
# ---------------------------------------------------------------------------

def _with_entailments(graphs: dict[str, Graph]) -> Graph:
    """Every named graph, plus graph `inferred` computed from them, merged: what the shapes see."""
    from .build import validation_input  # build imports this module: import at call time
    from .inference import infer

    graphs = dict(graphs)
    inferred = infer(graphs["ontology"], graphs["referentiel"] + graphs["mappings"] + graphs["reference"])
    graphs["inferred"] = inferred
    return validation_input(graphs)


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
    report = validate(_with_entailments(parsed.graphs), shapes)
    return locate(report, [(source.path, graph) for source, graph in parsed.files])


def published_graphs(settings: Settings) -> dict[str, Graph]:
    """The asserted named graphs of the last build (dist/refmetiers.nq), else of the sources."""
    from rdflib import Dataset

    quads = settings.dist / "refmetiers.nq"
    if not quads.is_file():
        return load_sources(settings).graphs
    dataset = Dataset()
    try:
        dataset.parse(quads, format="nquads")
    except Exception as exc:  # a damaged dump is bad input, not an internal error
        raise ConfigError(f"{quads}: cannot read the published graph ({exc}); run `refmetiers build`") from None
    graphs = {}
    for name in GRAPH_NAMES:
        if name == "inferred":
            continue
        graph = Graph()
        bind_prefixes(graph)
        graph += dataset.graph(graph_iri(name, settings.base_iri))
        graphs[name] = graph
    return graphs


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
    report = validate(_with_entailments(graphs), shapes)
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
# Renderers
# ---------------------------------------------------------------------------

_WORDS = {
    "fr": {"violation": "erreur", "warning": "avertissement", "info": "info", "violations": "erreur(s)",
           "warnings": "avertissement(s)", "conforms": "conforme", "fails": "non conforme",
           "nofile": "(fichier inconnu)", "value": "valeur", "fix": "à faire",
           "hidden": "résultat(s) concernant le graphe publié non affiché(s)",
           "hint": "lancez `refmetiers validate` pour le fichier et la ligne de chaque résultat", "colon": " :"},
    "en": {"violation": "error", "warning": "warning", "info": "info", "violations": "violation(s)",
           "warnings": "warning(s)", "conforms": "conforms", "fails": "does not conform",
           "nofile": "(unknown file)", "value": "value", "fix": "fix",
           "hidden": "result(s) about the published graph not shown",
           "hint": "run `refmetiers validate` for the file and line of each result", "colon": ":"},
}


def _display(path: Path) -> str:
    """``path`` relative to the working folder when it is under it (as editors and CI expect)."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:
        return str(path)


def _where(result: Result) -> str:
    if result.location is None:
        return ""
    where = _display(result.location.path)
    return f"{where}:{result.location.line}" if result.location.line else where


def _term(term) -> str:
    if isinstance(term, Literal):
        return f'"{term}"' + (f"@{term.language}" if term.language else "")
    return f"<{term}>"


def summary(report: ValidationReport, lang: str = "fr") -> str:
    words = _WORDS[lang]
    state = words["conforms"] if report.conforms else words["fails"]
    line = f"{state}{words['colon']} {report.violations} {words['violations']}, {report.warnings} {words['warnings']}"
    if report.hidden:
        line += f" ({report.hidden} {words['hidden']})"
    return line


def render_text(report: ValidationReport, lang: str = "fr") -> str:
    """Results grouped by file: ``file:line: severity: label <IRI>``, the message, the fix."""
    words = _WORDS[lang]
    groups: dict[str, list[Result]] = {}
    for result in report.results:
        key = _display(result.location.path) if result.location else words["nofile"]
        groups.setdefault(key, []).append(result)
    out = []
    for key in sorted(groups, key=lambda k: (k == words["nofile"], k)):
        out.append(key)
        for result in sorted(groups[key], key=lambda r: (r.location.line or 0) if r.location else 0):
            where = _where(result) or key
            label = result.label(lang)
            subject = f"{label} {_term(result.focus)}" if label else _term(result.focus)
            out.append(f"  {where}: {words[result.severity]}: {subject}")
            message = result.message(lang)
            if result.value is not None and result.value != result.focus:
                message += f" ({words['value']}{words['colon']} {_term(result.value)})"
            out.append(f"      {message} [{result.shape_name}]")
            if result.fix(lang):
                out.append(f"      → {words['fix']}{words['colon']} {result.fix(lang)}")
    if report.results and all(r.location is None for r in report.results):
        out.append(words["hint"])
    out.append(summary(report, lang))
    return "\n".join(out) + "\n"


def render_json(report: ValidationReport, lang: str = "fr") -> str:
    document = {
        "conforms": report.conforms, "violations": report.violations, "warnings": report.warnings,
        "infos": report.infos, "hidden": report.hidden,
        "results": [result.as_dict(lang) for result in report.results],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def render_junit(report: ValidationReport, lang: str = "fr") -> str:
    """JUnit XML for CI test reports: one test case per result (violations fail), or one that passes."""
    suite = ElementTree.Element("testsuite", name="refmetiers validate", tests=str(max(1, len(report.results))),
                                failures=str(report.violations), errors="0", skipped="0")
    for result in report.results:
        case = ElementTree.SubElement(suite, "testcase", classname=_where(result) or "refmetiers",
                                      name=f"{result.shape_name} {result.focus}")
        text = f"{_where(result)}: {result.message(lang)}\n{result.fix(lang)}".strip()
        if result.severity == "violation":
            failure = ElementTree.SubElement(case, "failure", message=result.message(lang), type=result.shape_name)
            failure.text = text
        else:
            ElementTree.SubElement(case, "system-out").text = f"{result.severity}: {text}"
    if not report.results:
        ElementTree.SubElement(suite, "testcase", classname="refmetiers", name=summary(report, lang))
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport, lang: str = "fr") -> str:
    """GitHub workflow commands: ``::error file=…,line=…,title=…::message``, one per result."""
    out = []
    for result in report.results:
        command = {"violation": "error", "warning": "warning"}.get(result.severity, "notice")
        props = []
        if result.location is not None:
            props.append(f"file={_escape_property(_display(result.location.path))}")
            if result.location.line:
                props.append(f"line={result.location.line}")
        props.append(f"title={_escape_property(result.shape_name)}")
        label = result.label(lang)
        text = f"{label} <{result.focus}>: " if label else f"<{result.focus}>: "
        text += result.message(lang) + (f" {result.fix(lang)}" if result.fix(lang) else "")
        out.append(f"::{command} {','.join(props)}::{_escape_data(text)}")
    out.append(summary(report, lang))
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit, "github": render_github}


def render(report: ValidationReport, fmt: str = "text", lang: str = "fr") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`) and ``lang`` (``fr`` or ``en``)."""
    if fmt not in RENDERERS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ConfigError(f"--lang {lang!r}: choose fr or en")
    return RENDERERS[fmt](report, lang)
