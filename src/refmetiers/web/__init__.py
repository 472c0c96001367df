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
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from .. import __version__
from .. import query as qs
from ..catalogue import data_version
from ..config import Settings
from ..labelsearch import LabelIndex, label_index
from ..store import StoreLoading, start_loading

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger(__name__)


@dataclass
class Cookbook:
    """One query of queries/*.rq: its file name, title (first comment line), French title (a ``# fr:``
    comment line), description and text."""

    name: str
    title: str
    description: str
    text: str
    title_fr: str = ""

    def title_in(self, lang: str) -> str:
        return self.title_fr if lang == "fr" and self.title_fr else self.title

    def title_lang(self, lang: str) -> str:
        return "fr" if lang == "fr" and self.title_fr else "en"


def load_cookbook(folder: Path) -> list[Cookbook]:
    """The queries of ``folder`` (each starts with ``#`` comment lines: a title, then a description;
    a line ``# fr: …`` gives the French title)."""
    recipes = []
    for path in sorted(Path(folder).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comments, title_fr = [], ""
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comment = line.lstrip("#").strip()
            if comment.startswith("fr:"):
                title_fr = comment[3:].strip()
            else:
                comments.append(comment)
        title = comments[0] if comments else path.stem
        recipes.append(Cookbook(path.stem, title, " ".join(c for c in comments[1:] if c), text, title_fr))
    return recipes


@dataclass
class Context:
    """Everything a request handler reads; built once per app, filled at startup."""

    settings: Settings
    limits: qs.Limits
    service: qs.QueryService | None = None
    store: ox.Store | None = None
    version: str = ""
    index: LabelIndex | None = None
    dumps: dict = field(default_factory=dict)
    cookbook: list[Cookbook] = field(default_factory=list)
    started: float = 0.0
    ready: bool = False
    build_identity: tuple[int, int] | None = None  # of the build being served (see reload.py)
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _index_lock: threading.Lock = field(default_factory=threading.Lock)

    def labels(self) -> LabelIndex:
        """The label index for /search, built on first use (it is not needed to answer queries)."""
        with self._index_lock:
            if self.index is None:
                if self.store is None:
                    raise RuntimeError("the store is not loaded yet")
                self.index = label_index(self.store, own=self.base + "def#")
        return self.index

    @cached_property
    def templates(self) -> Environment:
        """The page templates, loaded with the first page (jinja2 is not needed to answer queries)."""
        return _templates()

    @property
    def base(self) -> str:
        return self.settings.base_iri


OPENAPI_URL = "/openapi.json"
DESCRIPTION = ("The French IT job reference (Référentiel métiers informatique) as linked data: SPARQL 1.1 endpoint, "
               "dereferenceable IRIs, dumps, label search.")


def _templates() -> Environment:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("refmetiers.web", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    return env


def create_app(settings: Settings, *, limits: qs.Limits | None = None,
               loading: StoreLoading | None = None) -> Starlette:
    """The ASGI application serving ``settings.dist``.

    Args:
        settings: where dist/ and queries/ are, the base IRI, the query limits.
        limits: overrides the limits derived from ``settings`` (tests, benchmarks).
        loading: the store of ``settings.dist``, already being loaded (``store.start_loading``); used if the
            build has not changed since.
    """
    from . import compare, dumps, errors, pages, releases, resources, search, sparql
    from .dumps import close_files
    from .dumps import scan as scan_dumps
    from .kept import KeptAnswers
    from .reload import build_identity, watch
    from .routes import Api, openapi_document
    from .security import SecurityHeaders

    context = Context(settings, limits or qs.limits_from_settings(settings))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        start = time.perf_counter()
        context.build_identity = build_identity(settings.dist)
        backend = None
        if settings.store_url:
            from ..query.remote import RemotePool

            backend = RemotePool(settings.store_url, context.limits, settings.base_iri)
        context.service = qs.QueryService(settings.dist, context.limits,
                                          max_errors_per_minute=settings.max_client_errors, backend=backend,
                                          result_cache_bytes=settings.result_cache_bytes)
        loop = asyncio.get_running_loop()
        # The workers are forked from the forkserver's store while this process loads its own, reads the
        # build's version and lists (and hashes) its dumps, each in a thread.
        if loading is not None and context.build_identity is not None and loading.identity == context.build_identity:
            store = asyncio.wrap_future(loading.future)
        else:  # none started, or a build was swapped in since: load the one now in dist/
            store = asyncio.wrap_future(start_loading(settings.dist).future)
        context.store, _, context.version, context.dumps = await asyncio.gather(
            store, context.service.start(),
            loop.run_in_executor(None, data_version, settings.dist, settings.releases_dir),
            loop.run_in_executor(None, scan_dumps, settings.dist))
        context.cookbook = load_cookbook(settings.root / "queries")
        context.ready = context.service.ready
        context.started = time.perf_counter() - start
        log.info("refmetiers: serving %s (version %s), ready in %.2f s", settings.dist, context.version,
                 context.started)
        watcher = asyncio.create_task(watch(context), name="refmetiers-build-watch")
        try:
            yield
        finally:
            watcher.cancel()
            context.service.close()
            close_files(context.dumps)

    apis = [module.router(context) for module in (pages, sparql, releases, dumps, search, compare, resources)]
    operations = [operation for api in apis for operation in api.operations]

    @cache
    def openapi_json() -> bytes:
        # FastAPI is imported here, on the first request for the document, not at start-up (see routes.py).
        spec = openapi_document(operations, title="refmetiers", version=__version__, description=DESCRIPTION)
        return bytes(JSONResponse(spec).body)

    async def openapi(request: Request) -> Response:
        return Response(await run_in_threadpool(openapi_json), media_type="application/json")

    def docs(request: Request) -> HTMLResponse:
        # Swagger UI from our own static files (vendored from npm swagger-ui-dist): /docs works offline.
        from fastapi.openapi.docs import get_swagger_ui_html

        page = get_swagger_ui_html(openapi_url=OPENAPI_URL, title="refmetiers API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")
        # The API is documented in English: say so (FastAPI's page names no language).
        return HTMLResponse(bytes(page.body).decode("utf-8").replace("<html>", '<html lang="en">', 1))

    described = Api(tags=[])  # the document and its page, which it does not list
    described.add(OPENAPI_URL, openapi, methods=["GET", "HEAD"])
    described.add("/docs", docs, methods=["GET", "HEAD"])
    routes = [*described.routes, Mount("/static", StaticFiles(packages=[("refmetiers.web", "static")]), name="static"),
              *(route for api in apis for route in api.routes)]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.ctx = context
    # innermost: a kept answer gets the CORS and security headers as any other
    app.add_middleware(KeptAnswers, context=context)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["*"], expose_headers=["ETag", "Link", "Retry-After", "Content-Length"],
                       max_age=86400)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    return app
