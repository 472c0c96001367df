"""The web application: ``create_app(settings)`` builds it; one module per surface.

The app loads what ``build`` wrote (dist/) at startup: an in-process pyoxigraph store for the pages,
search and dumps, and a pool of query workers (``refmetiers.query``) for client SPARQL queries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__
from .. import query as qs
from ..config import Settings
from ..releases import data_version
from ..store import data_version as fingerprint
from ..store import label_index, load_store

log = logging.getLogger(__name__)


@dataclass
class Cookbook:
    """One query of queries/*.rq: its file name, title (first comment line), description and text."""

    name: str
    title: str
    description: str
    text: str


def load_cookbook(folder: Path) -> list[Cookbook]:
    """The queries of ``folder`` (each starts with ``#`` comment lines: a title, then a description)."""
    recipes = []
    for path in sorted(Path(folder).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comments = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.lstrip("#").strip())
        title = comments[0] if comments else path.stem
        recipes.append(Cookbook(path.stem, title, " ".join(c for c in comments[1:] if c), text))
    return recipes


@dataclass
class Context:
    """Everything a request handler reads; built once per app, filled at startup."""

    settings: Settings
    limits: qs.Limits
    templates: Environment
    service: qs.QueryService | None = None
    store: object = None
    version: str = ""
    index: list | None = None
    dumps: dict = field(default_factory=dict)
    cookbook: list[Cookbook] = field(default_factory=list)
    started: float = 0.0
    ready: bool = False
    _index_lock: threading.Lock = field(default_factory=threading.Lock)

    def labels(self) -> list:
        """The label index for /search, built on first use (it is not needed to answer queries)."""
        with self._index_lock:
            if self.index is None:
                self.index = label_index(self.store)
        return self.index

    @property
    def base(self) -> str:
        return self.settings.base_iri


def _templates() -> Environment:
    env = Environment(loader=PackageLoader("refmetiers.web", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    return env


def create_app(settings: Settings, *, limits: qs.Limits | None = None) -> FastAPI:
    """The FastAPI application serving ``settings.dist``.

    Args:
        settings: where dist/ and queries/ are, the base IRI, the query limits.
        limits: overrides the limits derived from ``settings`` (tests, benchmarks).
    """
    from . import dumps, errors, pages, releases, resources, search, sparql
    from .dumps import scan as scan_dumps
    from .security import SecurityHeaders

    context = Context(settings, limits or qs.limits_from_settings(settings), _templates())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        start = time.perf_counter()
        context.service = qs.QueryService(settings.dist, context.limits,
                                          max_errors_per_minute=settings.max_client_errors)
        loop = asyncio.get_running_loop()
        # The workers load their copy of the store while this process loads its own.
        context.store, _ = await asyncio.gather(loop.run_in_executor(None, load_store, settings.dist),
                                                context.service.start())
        context.version = data_version(settings.dist, settings.releases_dir, fingerprint(settings.dist))
        context.dumps = await loop.run_in_executor(None, scan_dumps, settings.dist)
        context.cookbook = load_cookbook(settings.root / "queries")
        context.ready = context.service.ready
        context.started = time.perf_counter() - start
        log.info("refmetiers: serving %s (version %s), ready in %.2f s", settings.dist, context.version, context.started)
        try:
            yield
        finally:
            context.service.close()

    app = FastAPI(title="refmetiers", version=__version__, lifespan=lifespan,
                  description="The French IT job reference (Référentiel métiers informatique) as linked data: "
                              "SPARQL 1.1 endpoint, dereferenceable IRIs, dumps, label search.")
    app.state.ctx = context
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["*"], expose_headers=["ETag", "Link", "Retry-After", "Content-Length"],
                       max_age=86400)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    from starlette.staticfiles import StaticFiles

    app.mount("/static", StaticFiles(packages=[("refmetiers.web", "static")]), name="static")
    for module in (pages, sparql, releases, dumps, search, resources):
        app.include_router(module.router(context))
    return app
