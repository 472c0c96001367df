"""Find and parse the sources (ontology/, data/) and route each file to its named graph.

Errors carry the file, line and column, so that a contributor can go straight to the fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from .config import Settings
from .errors import SourceError
from .graphs import empty_asserted
from .namespaces import bind_prefixes
from .sssom import mapping_set_to_graph

# data/ sub-folders whose files go to a named graph other than `referentiel`.
_DATA_ROUTES = {"metadata": "metadata", "reference": "reference", "mappings": "mappings"}


@dataclass(frozen=True)
class SourceFile:
    """One source file and the named graph its triples go to."""

    path: Path
    graph_name: str


@dataclass
class Sources:
    """The parsed sources: one rdflib graph per named graph, and the file each triple set came from."""

    graphs: dict[str, Graph]
    files: list[tuple[SourceFile, Graph]] = field(default_factory=list)


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


def parse_turtle(path: Path, text: str | None = None) -> Graph:
    """Parse one Turtle file.

    Raises:
        SourceError: the file cannot be read, or its Turtle is malformed (with line and column).
    """
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"cannot read the file: {exc}") from None
    graph = Graph()
    bind_prefixes(graph)
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        offset = exc._i  # character offset of the fault in `text`
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise SourceError(path, f"Turtle syntax error: {exc._why}", line, column) from None
    except Exception as exc:  # rdflib raises plain exceptions for bad IRIs, prefixes, literals
        raise SourceError(path, f"Turtle error: {exc}") from None
    return graph


def parse_file(source: SourceFile) -> Graph:
    """Parse a source file according to its kind."""
    if source.path.name.endswith(".sssom.tsv"):
        return mapping_set_to_graph(source.path)
    return parse_turtle(source.path)


def load_sources(settings: Settings, sources: list[SourceFile] | None = None) -> Sources:
    """Parse every source into its named graph."""
    graphs = empty_asserted()
    files = []
    for source in discover(settings) if sources is None else sources:
        parsed = parse_file(source)
        graphs[source.graph_name] += parsed
        files.append((source, parsed))
    return Sources(graphs, files)
