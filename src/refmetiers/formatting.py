"""`refmetiers fmt`: one canonical Turtle layout, so that diffs stay small and reviewable.

The layout is rdflib's ``longturtle``: ``PREFIX`` lines for the prefixes the file uses (its own
names), subjects and predicates sorted, one object per line, each statement closed by a ``.`` on
its own line. It is deterministic (no hash-seed dependence; tests/test_fmt.py checks it across
seeds) and parsing the output gives the same graph. Two things a serialiser cannot keep:

- comments: the file's leading comment block (its header) is kept; comments inside the data would
  be lost, so fmt refuses a file that has any (write them as skos:editorialNote instead);
- blank nodes: published data has none (DESIGN.md §2), so fmt refuses them with the line.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from .config import Settings
from .errors import SourceError

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.MULTILINE | re.IGNORECASE)


@dataclass
class FormatOutcome:
    """What a run of fmt did: the files it looked at and those that were (or would be) changed."""

    checked: int = 0
    changed: list[Path] = field(default_factory=list)


def _header(lines: list[str]) -> list[str]:
    """The leading comment block, without trailing blank lines."""
    header: list[str] = []
    for line in lines:
        if line.startswith("#") or (not line.strip() and header):
            header.append(line.rstrip())
        elif not line.strip():
            continue
        else:
            break
    while header and not header[-1]:
        header.pop()
    return header


def _strings_blanked(text: str) -> str:
    """``text`` with the inside of every string literal replaced by spaces (same length, same lines)."""
    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))
    long_strings = r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    return re.sub(long_strings + r'|"(?:[^"\\\n]|\\.)*"|<[^>\s]*>', blank, text)


def _line_of(text: str, pattern: str, start_line: int = 0) -> int | None:
    code = _strings_blanked(text).splitlines()
    for index in range(start_line, len(code)):
        if re.search(pattern, code[index]):
            return index + 1
    return None


def format_text(text: str, path: Path | str = "<text>") -> str:
    """The canonical layout of the Turtle ``text``.

    Raises:
        SourceError: the text is not valid Turtle, holds blank nodes, or has comments that the
            layout would lose (each with its line).
    """
    path = Path(path)
    lines = text.splitlines()
    header = _header(lines)
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in _PREFIX.findall(text):
        graph.bind(prefix or "", namespace, override=True, replace=True)
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        offset = exc._i
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise SourceError(path, f"Turtle syntax error: {exc._why}", line, column) from None
    except Exception as exc:  # rdflib raises plain exceptions for bad IRIs, prefixes, literals
        raise SourceError(path, f"Turtle error: {exc}") from None
    if any(isinstance(term, BNode) for triple in graph for term in triple):
        blank_at = _line_of(text, r"\[|_:")
        raise SourceError(path, "blank node: published data has none; give the node an IRI "
                                "(…/id/job/{slug}#{part}) / nœud anonyme : donnez-lui une IRI", blank_at)
    comment = _line_of(text, r"#", start_line=len(header))
    if comment is not None:
        raise SourceError(path, "a comment inside the data would be lost by fmt; move it to the header at the "
                                "top of the file or into skos:editorialNote / un commentaire au milieu des données "
                                "serait perdu : placez-le en tête de fichier ou dans skos:editorialNote", comment)
    body = graph.serialize(format="longturtle") if len(graph) else ""
    parts = ["\n".join(header) + "\n"] if header else []
    if body.strip():
        parts.append(body.strip("\n") + "\n")
    return "\n".join(parts)


def default_files(settings: Settings) -> list[Path]:
    """The files fmt keeps formatted: every Turtle file of data/."""
    return sorted(settings.data_dir.rglob("*.ttl"))


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def format_files(settings: Settings, paths: list[Path] | None = None, *, check: bool = False) -> FormatOutcome:
    """Put ``paths`` (default: data/**/*.ttl) in the canonical layout, or with ``check`` only report.

    Every file is read and formatted before any is written, so a bad file changes nothing.

    Raises:
        SourceError: a file is unreadable, not Turtle, or cannot be formatted without loss.
    """
    paths = default_files(settings) if paths is None else [Path(p) for p in paths]
    outcome = FormatOutcome()
    pending = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(path, f"cannot read the file: {exc}") from None
        formatted = format_text(text, path)
        outcome.checked += 1
        if formatted != text:
            outcome.changed.append(path)
            pending.append((path, formatted))
    if not check:
        for path, formatted in pending:
            _write_atomically(path, formatted)
    return outcome
