"""Find the file and line that state a triple, so that a validation result points at the fault.

rdflib keeps no positions, so we look for the terms in the file's text, spelled the ways a Turtle
file (or an SSSOM table) can spell them: ``<full IRI>`` or ``prefix:local``. This is a heuristic
that is exact for the layouts we write (``refmetiers fmt``: subjects at column 0, one predicate or
object per line) and close enough for hand-written files: at worst it names the subject's line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

_PREFIX_TURTLE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.MULTILINE | re.IGNORECASE)
_PREFIX_SSSOM = re.compile(r"^#\s+([A-Za-z_][\w.-]*):\s*(\S+)\s*$", re.MULTILINE)
_LOCAL = re.compile(r"^[\w-]([\w.-]*[\w-])?$")


@dataclass(frozen=True)
class Location:
    """A file and a 1-based line (``None`` when only the file is known)."""

    path: Path
    line: int | None


class _Text:
    """One file's lines and prefixes, read once."""

    def __init__(self, path: Path):
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        self.lines = text.splitlines()
        self.tsv = path.name.endswith(".tsv")
        pattern = _PREFIX_SSSOM if self.tsv else _PREFIX_TURTLE
        self.prefixes = [(prefix or "", ns) for prefix, ns in pattern.findall(text)]

    def spellings(self, term) -> list[str]:
        """The ways this file may write ``term``."""
        if isinstance(term, URIRef):
            iri = str(term)
            found = [f"<{iri}>"] if not self.tsv else [iri]
            for prefix, ns in self.prefixes:
                if ns and iri.startswith(ns) and (_LOCAL.match(iri[len(ns):]) or iri == ns):
                    found.append(f"{prefix}:{iri[len(ns):]}")
            if term == RDF.type and not self.tsv:
                found.append("a")
            return found
        if isinstance(term, Literal):
            lexical = str(term)
            if term.datatype is None or term.language:
                return [f'"{lexical}', lexical[:60]] if lexical else ['""']
            return [lexical]
        return []

    @staticmethod
    def _has(line: str, spelling: str) -> bool:
        if spelling.startswith(("<", '"')):
            return spelling in line
        return re.search(rf"(^|[\s\t,;(\[]){re.escape(spelling)}($|[\s\t,;)\]])", line) is not None

    def subject_line(self, term) -> int | None:
        """The 0-based line where ``term`` opens a statement (column 0 first, then anywhere)."""
        spellings = self.spellings(term)
        if not spellings:
            return None
        for column_zero in (True, False):
            for index, line in enumerate(self.lines):
                if line.lstrip().startswith("#") or (column_zero and line[:1].isspace()):
                    continue
                stripped = line.strip() if not column_zero else line
                for spelling in spellings:
                    if stripped.startswith(spelling) and self._has(stripped[: len(spelling) + 1] + " ", spelling):
                        return index
        return None

    def statement_starts(self, term) -> list[int]:
        """The 0-based lines where a statement about ``term`` opens at column 0 (one per block)."""
        spellings = self.spellings(term)
        return [index for index, line in enumerate(self.lines)
                if any(line.startswith(spelling) and self._has(line[: len(spelling) + 1] + " ", spelling)
                       for spelling in spellings)]

    def block_end(self, start: int) -> int:
        """The last line of the statement that starts at ``start``."""
        for index in range(start, len(self.lines)):
            stripped = self.lines[index].split(" #")[0].rstrip()
            ends_statement = stripped.endswith(('".', '>.', ']'))
            if stripped == "." or stripped.endswith(" .") or (stripped.endswith(".") and ends_statement):
                return index
            if index > start and self.lines[index][:1] not in ("", " ", "\t", "#"):
                return index - 1
        return len(self.lines) - 1

    def find_in(self, start: int, end: int, term) -> int | None:
        for index in range(start, end + 1):
            if any(self._has(self.lines[index], spelling) for spelling in self.spellings(term)):
                return index
        return None

    def triple_line(self, subject, predicate, obj) -> int | None:
        """The 0-based line of the triple (its object, else its predicate, else its subject)."""
        if self.tsv:
            for index, line in enumerate(self.lines):
                if line.startswith("#"):
                    continue
                if self.find_in(index, index, subject) is None:
                    continue
                if obj is None or self.find_in(index, index, obj) is not None:
                    return index
            return None
        start = self.subject_line(subject)
        if start is None:
            return None
        end = self.block_end(start)
        at = start
        if predicate is not None:
            found = self.find_in(start, end, predicate)
            if found is not None:
                at = found
        if obj is not None:
            found = self.find_in(at, end, obj)
            if found is not None:
                return found
        return at


class Locator:
    """Answers "which file and line state this?" over a list of parsed source files."""

    def __init__(self, files: list[tuple[Path, Graph]]):
        self.files = [(Path(path), graph) for path, graph in files]
        self._texts: dict[Path, _Text] = {}

    def _text(self, path: Path) -> _Text:
        if path not in self._texts:
            self._texts[path] = _Text(path)
        return self._texts[path]

    def statement_starts(self, path: Path, term) -> list[int]:
        """The 1-based lines of ``path`` where a statement about ``term`` opens (one per block)."""
        return [index + 1 for index in self._text(Path(path)).statement_starts(term)]

    def term_lines(self, path: Path, term) -> list[int]:
        """The 1-based lines of ``path`` that spell ``term`` (an IRI or a literal)."""
        text = self._text(Path(path))
        return [index + 1 for index in range(len(text.lines)) if text.find_in(index, index, term) is not None]

    def line(self, path: Path, subject, predicate, obj) -> Location:
        """The place in ``path`` of the triple (its object's line, else its predicate's, else its subject's)."""
        return self._line(Path(path), subject, predicate, obj)

    def _line(self, path: Path, subject, predicate, obj) -> Location:
        index = self._text(path).triple_line(subject, predicate, obj)
        return Location(path, None if index is None else index + 1)

    def locate(self, focus, predicates: Sequence[tuple[URIRef, bool]] = (), value=None) -> Location | None:
        """The place that best explains a result on ``focus`` (through ``predicates``, about ``value``).

        Tries, in order: a file that asserts the triple (either way round, as the entailments
        may have turned it); for a literal ``value``, a file that states it; a file that gives
        ``focus`` one of the predicates; a file where
        ``focus`` is a subject; a file where it is an object.
        """
        if isinstance(focus, BNode):
            return None
        if value is not None and not isinstance(value, BNode):
            for predicate, inverse in predicates:
                for s, o in ((value, focus), (focus, value)) if inverse else ((focus, value), (value, focus)):
                    for path, graph in self.files:
                        if (s, predicate, o) in graph:
                            return self._line(path, s, predicate, o)
        if isinstance(value, Literal):  # a literal found through a longer path: where it is written
            for path, graph in self.files:
                if (focus, None, None) not in graph and (None, None, focus) not in graph:
                    continue  # the same text in a file that says nothing of the focus is someone else's
                for s, p in graph.subject_predicates(value):
                    if not isinstance(s, BNode):
                        return self._line(path, s, p, value)
        for predicate, inverse in predicates:
            if inverse:
                continue
            for path, graph in self.files:
                if (focus, predicate, None) in graph:
                    return self._line(path, focus, predicate, None)
        subjects = [path for path, graph in self.files if (focus, None, None) in graph]
        typed = [path for path in subjects if (focus, RDF.type, None) in dict(self.files)[path]]
        for path in typed + subjects:
            return self._line(path, focus, None, None)
        for path, graph in self.files:
            for s, p in graph.subject_predicates(focus):
                if not isinstance(s, BNode):
                    return self._line(path, s, p, focus)
        return None
