"""A validation report as people and CI read it: text, JSON, JUnit XML or GitHub workflow annotations,
in French or English."""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

from rdflib import Literal

from .errors import ConfigError
from .validation import Result, ValidationReport

LANGS = ("fr", "en")
FORMATS = ("text", "json", "junit", "github")


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


RENDERERS = {"text": render_text, "json": render_json, "junit": render_junit, "github": render_github}


def render(report: ValidationReport, fmt: str = "text", lang: str = "fr") -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`) and ``lang`` (``fr`` or ``en``)."""
    if fmt not in RENDERERS:
        raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ConfigError(f"--lang {lang!r}: choose fr or en")
    return RENDERERS[fmt](report, lang)
