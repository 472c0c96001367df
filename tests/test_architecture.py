"""Imports flow one way (DESIGN.md §7): the modules' import graph has no cycle, call-time imports
included, and no domain module imports the CLI, the web layer or FastAPI."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "refmetiers"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def _imports(path: Path) -> set[str]:
    """The refmetiers modules ``path`` imports, wherever the import statement sits."""
    package = _module_name(path).rsplit(".", 1)[0] if "." in _module_name(path) else ""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: max(0, len(package.split(".")) - (node.level - 1))] if package else []
            target = ".".join([*base, node.module] if node.module else base)
            names = [f"{target}.{alias.name}" if target else alias.name for alias in node.names]
            found |= {name for name in names if (PACKAGE / (name.replace(".", "/") + ".py")).is_file()
                      or (PACKAGE / name.replace(".", "/")).is_dir()} or ({target} if target else set())
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("refmetiers"):
            found.add(node.module.removeprefix("refmetiers").lstrip(".") or "__init__")
    return {name for name in found if name}


GRAPH = {_module_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_the_import_graph_has_no_cycle():
    try:
        list(TopologicalSorter({name: deps - {name} for name, deps in GRAPH.items()}).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None


def test_domain_modules_import_neither_cli_nor_web_nor_fastapi():
    for path in sorted(PACKAGE.glob("*.py")):
        name = _module_name(path)
        if name in ("cli", "site"):  # site renders every page through the web app: it sits on top, as cli does
            continue
        assert not {dep for dep in GRAPH[name] if dep == "cli" or dep.startswith("web")}, name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        third_party = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                       for alias in node.names}
        third_party |= {(node.module or "").split(".")[0] for node in ast.walk(tree)
                        if isinstance(node, ast.ImportFrom) and not node.level}
        assert not third_party & {"fastapi", "starlette", "uvicorn"}, name


def test_the_pipeline_has_one_owner():
    """validation and rendering know nothing of the pipeline; build is the one that orders the steps."""
    assert not GRAPH["validation"] & {"build", "inference", "rendering", "graphs"}
    assert not GRAPH["rendering"] & {"build", "inference", "sources"}
    assert {"inference", "validation", "sources", "graphs", "dumps"} <= GRAPH["build"]
