"""The read-only query store: pyoxigraph in memory, loaded from the N-Quads dump of dist/.

What the pages read from it lives in ``describe`` (a resource's description) and ``labelsearch`` (the label
index and its ranking)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import ConfigError
from .namespaces import PREFIXES

QUADS_FILE = "refmetiers.nq"


def load_store(dist: Path) -> ox.Store:
    """An in-memory store holding every named graph of ``dist``.

    Raises:
        ConfigError: ``dist`` holds no build (run ``refmetiers build`` first).
    """
    path = Path(dist) / QUADS_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: no build found; run `refmetiers build` first / aucune construction trouvée : "
                          "lancez d'abord `refmetiers build`")
    store = ox.Store()
    # Lenient (no IRI or language tag validation): the dump is the build's own output, written by pyoxigraph
    # from strictly parsed, validated sources; it loads twice as fast (the query workers do the same).
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


def solutions(store: ox.Store, query: str, **options) -> ox.QuerySolutions:
    """The solutions of a SELECT (``options`` as ``Store.query`` takes them)."""
    result = store.query(query, **options)
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError("not a SELECT query")
    return result


def select(store: ox.Store, query: str, **options) -> list[dict[str, Any]]:
    """Run a SELECT over the union of the named graphs; rows as ``{variable: term}``.

    The query may use our prefixes (``namespaces.PREFIXES``) without declaring them; ``options`` as
    ``Store.query`` takes them.
    """
    solutions = store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES, **options)
    if not isinstance(solutions, ox.QuerySolutions):
        raise TypeError("not a SELECT query")
    names = [v.value for v in solutions.variables]
    return [{name: row[name] for name in names if row[name] is not None} for row in solutions]


def data_version(dist: Path) -> str:
    """A short fingerprint of the build in ``dist`` (it changes whenever any dump changes)."""
    sums = Path(dist) / "SHA256SUMS"
    source = sums if sums.is_file() else Path(dist) / QUADS_FILE
    return hashlib.sha256(source.read_bytes()).hexdigest()[:16]

