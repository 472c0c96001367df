"""Settings: one object, built by one function; the only reader of environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError
from .namespaces import BASE

# What the wheel carries of the project (ontology/, shapes/, data/, releases/), copied there by setup.py.
BUNDLED_ROOT = Path(__file__).resolve().parent / "bundled"


def is_project_root(folder: Path) -> bool:
    """Whether ``folder`` holds a refmetiers project: a ``data/`` and an ``ontology/`` folder."""
    return (folder / "data").is_dir() and (folder / "ontology").is_dir()


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that is a project root (as git finds ``.git``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if is_project_root(folder):
            return folder
    return None


def packaged_root() -> Path:
    """The project the installed package carries: the wheel's bundled copy, else (an editable
    install) the checkout that holds this package (src/refmetiers/ → two levels up)."""
    if is_project_root(BUNDLED_ROOT):
        return BUNDLED_ROOT
    return Path(__file__).resolve().parents[2]


def _user_cache() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or (str(Path.home() / ".cache") if Path.home().is_dir() else "")
    return Path(base) / "refmetiers" if base else None


def _default_root() -> Path:
    # The project the user stands in, else the one the package carries (for `validate FILE…` anywhere).
    return find_root(Path.cwd()) or packaged_root()


@dataclass(frozen=True)
class Settings:
    """Where the sources and outputs are, and how the service behaves."""

    root: Path = field(default_factory=_default_root)
    dist_dir: Path | None = None
    base_iri: str = BASE
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout_s: float = 10.0
    max_result_rows: int = 10_000
    max_query_length: int = 20_000
    query_workers: int = 2
    read_timeout_s: float = 20.0  # a client must send each whole request within this time (slow clients)
    max_client_errors: int = 100  # refused queries a client may send in a minute before it gets 429
    # Bytes of answers kept in memory for repeated queries on the build being served (0: none; query/cache.py).
    result_cache_bytes: int = 64 * 1024 * 1024
    # What can be computed again, kept between runs (the inference rules of an ontology); None: no cache.
    cache_dir: Path | None = field(default_factory=lambda: _user_cache())
    store_url: str | None = None  # an external SPARQL endpoint answering the client queries (serve --store)

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def releases_dir(self) -> Path:
        """The releases cut so far, one immutable folder each (releases/X.Y.Z/)."""
        return self.root / "releases"

    @property
    def dist(self) -> Path:
        if self.dist_dir is not None:
            return self.dist_dir
        if self.root == BUNDLED_ROOT and self.cache_dir is not None:
            # The reference an installed wheel carries is built into the user's cache, never into site-packages;
            # one build per version of the package, which carries its own copy of the reference.
            from . import __version__

            return self.cache_dir / f"dist-{__version__}"
        return self.root / "dist"

    def with_overrides(self, **changes) -> Settings:
        """A copy with the given fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV = {
    "REFMETIERS_ROOT": ("root", Path),
    "REFMETIERS_DIST": ("dist_dir", Path),
    "REFMETIERS_BASE_IRI": ("base_iri", str),
    "REFMETIERS_HOST": ("host", str),
    "REFMETIERS_PORT": ("port", int),
    "REFMETIERS_QUERY_TIMEOUT": ("query_timeout_s", float),
    "REFMETIERS_MAX_RESULT_ROWS": ("max_result_rows", int),
    "REFMETIERS_MAX_QUERY_LENGTH": ("max_query_length", int),
    "REFMETIERS_QUERY_WORKERS": ("query_workers", int),
    "REFMETIERS_READ_TIMEOUT": ("read_timeout_s", float),
    "REFMETIERS_MAX_CLIENT_ERRORS": ("max_client_errors", int),
    "REFMETIERS_RESULT_CACHE_BYTES": ("result_cache_bytes", int),
    "REFMETIERS_CACHE_DIR": ("cache_dir", Path),
    "REFMETIERS_STORE": ("store_url", str),
}


def load_settings(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Build the settings from ``environ`` (default: the process environment), then ``overrides``.

    Raises:
        ConfigError: an environment variable does not have the right type.
    """
    source: Mapping[str, str] = os.environ if environ is None else environ
    values = {}
    for variable, (name, kind) in _ENV.items():
        if variable in source:
            try:
                values[name] = kind(source[variable])
            except ValueError as exc:
                raise ConfigError(f"{variable}={source[variable]!r}: {exc} / valeur invalide") from None
    return Settings(**values).with_overrides(**overrides)
