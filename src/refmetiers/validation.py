"""SHACL validation of the built graphs with pyshacl, fed the entailments we already computed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import Graph
from rdflib.namespace import RDF

from .namespaces import SH, bind_prefixes
from .sources import parse_turtle


@dataclass
class ValidationReport:
    """The outcome of one validation: pyshacl's results graph and its counts by severity."""

    conforms: bool
    graph: Graph
    violations: int
    warnings: int
    infos: int


def load_shapes(shapes_dir: Path) -> Graph:
    """Every ``*.ttl`` file of ``shapes_dir``, merged (an empty graph when there are none)."""
    shapes = Graph()
    bind_prefixes(shapes)
    for path in sorted(Path(shapes_dir).glob("*.ttl")):
        shapes += parse_turtle(path)
    return shapes


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Validate ``data`` (asserted plus entailments) against ``shapes``; only violations fail it."""
    if len(shapes) == 0:
        return ValidationReport(True, Graph(), 0, 0, 0)
    _, results, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                     allow_warnings=True, abort_on_first=False)
    count = lambda severity: sum(1 for _ in results.subjects(SH.resultSeverity, severity))  # noqa: E731
    violations = count(SH.Violation)
    report = ValidationReport(violations == 0, results, violations, count(SH.Warning), count(SH.Info))
    return report
