"""The store every query worker starts with, loaded once in the process the workers are forked from.

The pool forks its workers from a multiprocessing forkserver, which imports this module before its first fork.
When the pool started that forkserver, it named the build's N-Quads dump in ``QUADS_ENV``: the dump is read
here, once, and every worker forked afterwards inherits the loaded store (its memory shared copy-on-write)
instead of parsing the dump again. A worker checks that the file it was asked for is still the one loaded
(same inode, time and size): after a rebuild, or in a forkserver started for another build, it loads its own.

Nothing here runs in the server process: the variable is set only in the forkserver's environment.
"""

from __future__ import annotations

import os

import pyoxigraph as ox

QUADS_ENV = "REFMETIERS_PRELOAD_QUADS"


def identity(path: str) -> tuple[int, int, int] | None:
    """What tells one dump from its successor at the same path (a build swaps dist/ in with renames)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def load(path: str) -> ox.Store:
    """The dump at ``path`` in a new in-memory store.

    Lenient parsing (no IRI or language tag validation): the dump is the build's own output, written by
    pyoxigraph from strictly parsed and validated sources, and it parses twice as fast.
    """
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


def _preload() -> tuple[str, tuple[int, int, int] | None, ox.Store | None]:
    path = os.environ.get(QUADS_ENV, "")
    if not path:
        return "", None, None
    before = identity(path)
    try:
        store = load(path)
    except (OSError, SyntaxError, ValueError):  # the workers load it themselves and report what is wrong
        return path, None, None
    return path, (before if before == identity(path) else None), store


_path, _identity, _store = _preload()


def take(path: str) -> ox.Store | None:
    """The preloaded store if it holds the dump now at ``path``, else None (a worker of another build keeps
    it unused rather than freeing it: freeing would write to, hence copy, every page it shares)."""
    if _store is None or path != _path or _identity is None or identity(path) != _identity:
        return None
    return _store
