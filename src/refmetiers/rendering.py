"""A validation report as people and CI read it: text, JSON, JUnit XML or GitHub workflow annotations,
in French or English."""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from rdflib import Literal

from .errors import ConfigError, SourceError
from .validation import Result, ValidationReport, pick

Lang = typing.Literal["fr", "en"]  # (rdflib's Literal is the RDF term)
ReportFormat = typing.Literal["text", "json", "junit", "github"]
LANGS: tuple[Lang, ...] = typing.get_args(Lang)
FORMATS: tuple[ReportFormat, ...] = typing.get_args(ReportFormat)


def result_dict(result: Result, lang: str = "fr") -> dict:
    """One result as the JSON report gives it."""
    return {
        "file": _display(result.location.path) if result.location else None,
        "line": result.location.line if result.location else None,
        "severity": result.severity,
        "shape": result.shape_name,
        "focus": str(result.focus),
        "label": result.label(lang) or None,
        "path": [("^" if inverse else "") + str(p) for p, inverse in result.path],
        "value": None if result.value is None else str(result.value),
        "message": result.message(lang),
        "fix": result.fix(lang) or None,
        "messages": result.messages,
        "fixes": result.fixes,
    }



_WORDS = {
    "fr": {"violation": "erreur", "warning": "avertissement", "info": "info", "violations": "erreur(s)",
           "warnings": "avertissement(s)", "conforms": "conforme", "fails": "non conforme",
           "nofile": "(fichier inconnu)", "value": "valeur", "fix": "à faire",
           "hidden": "résultat(s) concernant le graphe publié non affiché(s)",
           "hint": "lancez `refmetiers validate` pour le fichier et la ligne de chaque résultat", "colon": " :",
           "parse": "erreur de lecture", "unreadable": "non conforme : fichier illisible, rien n'a été validé",
           "parse_title": "Fichier illisible"},
    "en": {"violation": "error", "warning": "warning", "info": "info", "violations": "violation(s)",
           "warnings": "warning(s)", "conforms": "conforms", "fails": "does not conform",
           "nofile": "(unknown file)", "value": "value", "fix": "fix",
           "hidden": "result(s) about the published graph not shown",
           "hint": "run `refmetiers validate` for the file and line of each result", "colon": ":",
           "parse": "parse error", "unreadable": "does not conform: a file cannot be read, nothing was validated",
           "parse_title": "Unreadable file"},
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
        "results": [result_dict(result, lang) for result in report.results],
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


RENDERERS: dict[ReportFormat, Callable[[ValidationReport, str], str]] = {
    "text": render_text, "json": render_json, "junit": render_junit, "github": render_github}


def render(report: ValidationReport, fmt: ReportFormat = "text", lang: str = "fr") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`) and ``lang`` (``fr`` or ``en``)."""
    if fmt not in RENDERERS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)} / choisissez parmi "
                          f"{', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ConfigError(f"--lang {lang!r}: choose fr or en / choisissez fr ou en")
    return RENDERERS[fmt](report, lang)


# ---------------------------------------------------------------------------
# A file that cannot be read: the same four formats, so that CI shows it where it shows violations
# ---------------------------------------------------------------------------

def source_error_dict(error: SourceError, lang: str = "fr") -> dict:
    """A parse error as the JSON report gives it (a result without a shape)."""
    return {
        "file": _display(error.path), "line": error.line, "column": error.column, "severity": "error",
        "kind": "parse", "shape": None, "value": error.value,
        "message": pick(error.messages, lang), "fix": pick(error.fixes, lang) or None,
        "messages": error.messages, "fixes": error.fixes,
    }


def _position(error: SourceError) -> str:
    where = _display(error.path)
    if error.line is not None:
        where += f":{error.line}" + (f":{error.column}" if error.column is not None else "")
    return where


def render_source_error(error: SourceError, fmt: ReportFormat = "text", lang: str = "fr") -> str:
    """A file that cannot be read, in ``fmt`` and ``lang`` (what is wrong, where, and what to do)."""
    words = _WORDS[lang]
    message, fix = pick(error.messages, lang), pick(error.fixes, lang)
    if fmt == "json":
        document = {"conforms": False, "violations": 0, "warnings": 0, "infos": 0, "hidden": 0,
                    "parse_errors": 1, "results": [source_error_dict(error, lang)]}
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if fmt == "junit":
        suite = ElementTree.Element("testsuite", name="refmetiers validate", tests="1", failures="0", errors="1",
                                    skipped="0")
        case = ElementTree.SubElement(suite, "testcase", classname=_display(error.path), name=words["parse"])
        failure = ElementTree.SubElement(case, "error", message=message, type="parse-error")
        failure.text = f"{_position(error)}: {message}\n{fix}".strip()
        suites = ElementTree.Element("testsuites")
        suites.append(suite)
        ElementTree.indent(suites)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"
    if fmt == "github":
        props = [f"file={_escape_property(_display(error.path))}"]
        if error.line is not None:
            props.append(f"line={error.line}")
            if error.column is not None:
                props.append(f"col={error.column}")
        props.append(f"title={_escape_property(words['parse_title'])}")
        text = message + (f" {fix}" if fix else "")
        return f"::error {','.join(props)}::{_escape_data(text)}\n{words['unreadable']}\n"
    lines = [f"{_position(error)}: {words['parse']}{words['colon']} {message}"]
    if fix:
        lines.append(f"      → {words['fix']}{words['colon']} {fix}")
    lines.append(words["unreadable"])
    return "\n".join(lines) + "\n"
