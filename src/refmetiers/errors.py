"""One base exception, and one subclass per failure a caller can act on.

The CLI maps each class to an exit code, the web layer to an HTTP status, in one place each.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path


class RefmetiersError(Exception):
    """Base of every error refmetiers raises on purpose."""


class ConfigError(RefmetiersError):
    """A setting or a command-line parameter is wrong."""


class SourceError(RefmetiersError):
    """A source file cannot be read or parsed; carries the file, line and column when known."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None, *,
                 value: str | None = None, messages: dict[str, str] | None = None,
                 fixes: dict[str, str] | None = None):
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column
        self.value = value  # the offending text, when there is one to show
        # What is wrong and what to do, by language ("fr", "en"); the English message by default.
        self.messages = messages or {"en": message}
        self.fixes = fixes or {}
        super().__init__(self.location() + ": " + message)

    def __reduce__(self):  # whole through pickle: an error of a build's forked child is raised in the build
        return (partial(SourceError, value=self.value, messages=self.messages, fixes=self.fixes),
                (self.path, self.message, self.line, self.column))

    def location(self) -> str:
        """``file[:line[:column]]``, as compilers and editors print it."""
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class ValidationFailed(RefmetiersError):
    """The data violates the shapes: nothing is published."""

    def __init__(self, report, message: str = "the data violates the shapes; nothing was published"):
        self.report = report
        super().__init__(message)


class BuildError(RefmetiersError):
    """The build could not write its outputs."""


class ReleaseRefused(RefmetiersError):
    """A release would break what an earlier one published (an IRI gone, an IRI or code reused); nothing was cut."""

    def __init__(self, version: str, breaches: list, previous: str):
        self.version = version
        self.breaches = breaches
        self.previous = previous
        super().__init__(f"release {version} refused: {len(breaches)} published IRI(s) or code(s) of {previous} "
                         f"would disappear or change meaning (version refusée : des IRI ou codes publiés "
                         f"disparaîtraient ou changeraient de sens)")
