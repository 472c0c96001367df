"""The project's layout on disk: which files are the sources (ontology/, data/), the named graph each feeds, and
whether dist/ is older than them. Light on purpose: `refmetiers serve` asks it before importing the build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .store import QUADS_FILE

# data/ sub-folders whose files go to a named graph other than `referentiel`.
_DATA_ROUTES = {"metadata": "metadata", "reference": "reference", "mappings": "mappings"}


@dataclass(frozen=True)
class SourceFile:
    """One source file and the named graph its triples go to."""

    path: Path
    graph_name: str


def route(path: Path, settings: Settings) -> str:
    """The named graph of the file at ``path``."""
    path = path.resolve()
    if path.is_relative_to(settings.ontology_dir.resolve()):
        return "ontology"
    relative = path.relative_to(settings.data_dir.resolve())
    first = relative.parts[0] if len(relative.parts) > 1 else ""
    return _DATA_ROUTES.get(first, "referentiel")


def discover(settings: Settings) -> list[SourceFile]:
    """Every source file, sorted, so that the build never depends on the file system's order."""
    found = sorted(settings.ontology_dir.glob("*.ttl")) + sorted(settings.data_dir.rglob("*.ttl"))
    found += sorted(settings.data_dir.rglob("*.sssom.tsv"))
    return [SourceFile(path, route(path, settings)) for path in found]


def dist_is_stale(settings: Settings) -> bool:
    """Whether dist/ is missing or older than any source (ontology/, data/, shapes/)."""
    built = settings.dist / QUADS_FILE
    if not built.is_file():
        return True
    sources = [s.path for s in discover(settings)] + sorted(settings.shapes_dir.glob("*.ttl"))
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0.0)
    return newest > built.stat().st_mtime
