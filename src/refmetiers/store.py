"""The read-only query store: pyoxigraph in memory, loaded from the N-Quads dump of dist/."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import ConfigError

QUADS_FILE = "refmetiers.nq"


def load_store(dist: Path) -> ox.Store:
    """An in-memory store holding every named graph of ``dist``.

    Raises:
        ConfigError: ``dist`` holds no build (run ``refmetiers build`` first).
    """
    path = Path(dist) / QUADS_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: no build found; run `refmetiers build` first")
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def select(store: ox.Store, query: str) -> list[dict[str, ox.Term]]:
    """Run a SELECT over the union of the named graphs; rows as ``{variable: term}``."""
    solutions = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [{name: row[name] for name in names if row[name] is not None} for row in solutions]
