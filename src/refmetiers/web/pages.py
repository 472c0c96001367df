"""The home page, /healthz and /readyz."""

from __future__ import annotations

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from ..describe import labels_of
from ..store import select
from . import svg
from .html import Tr, choose_language, render
from .kept import keep_for_build
from .links import local_href, pick_label
from .routes import Api

# Run by store.select (our prefixes).
TREE = """SELECT ?family ?sub ?job ?sheet WHERE {
  ?family a rm:Family .
  OPTIONAL {
    ?job a rm:JobType ; rm:family ?family .
    OPTIONAL { ?job rm:subFamily ?sub }
    OPTIONAL { ?job rm:hasSheet ?sheet }
  }
}"""

DATASET = """SELECT ?title ?description WHERE {
  <%s> dcterms:title ?title ; dcterms:description ?description .
  FILTER(lang(?title) = "%s" && lang(?description) = "%s")
} LIMIT 1"""


def _named(store, iri: str, base: str, lang: str) -> dict:
    label, label_lang = pick_label(labels_of(store, ox.NamedNode(iri)), lang) or (iri, "")
    return {"href": local_href(iri, base), "label": label, "lang": label_lang, "iri": iri}


def family_tree(store, base: str, lang: str = "fr") -> list[dict]:
    """Families → sub-families → job types, sorted by label in ``lang``, for the home page."""
    families: dict[str, dict] = {}
    for row in select(store, TREE):
        family = row["family"].value
        entry = families.setdefault(family, {**_named(store, family, base, lang), "subs": {}})
        if "job" not in row:
            continue
        sub = row["sub"].value if "sub" in row else ""
        group = entry["subs"].setdefault(sub, {**(_named(store, sub, base, lang) if sub else
                                                  {"href": None, "label": "", "lang": ""}), "jobs": {}})
        job = row["job"].value
        group["jobs"][job] = {**_named(store, job, base, lang),
                              "sheet": "sheet" in row and row["sheet"].value == "true"}
    out = []
    for family in sorted(families.values(), key=lambda f: f["label"].casefold()):
        subs = []
        for sub in sorted(family["subs"].values(), key=lambda s: (s["label"] != "", s["label"].casefold())):
            subs.append({**sub, "jobs": sorted(sub["jobs"].values(), key=lambda j: j["label"].casefold())})
        out.append({**family, "subs": subs})
    return out


def tree_picture(families: list[dict], title: str, lang: str):
    """The family tree as an SVG picture (jobs with a full sheet in bold)."""
    roots = []
    for family in families:
        children = []
        for sub in family["subs"]:
            jobs = [svg.Node(j["label"], j["href"], j["lang"], strong=j["sheet"]) for j in sub["jobs"]]
            if sub["href"]:
                children.append(svg.Node(sub["label"], sub["href"], sub["lang"], jobs))
            else:
                children += jobs
        roots.append(svg.Node(family["label"], family["href"], family["lang"], children))
    return svg.tree(roots, title, lang)


def router(context) -> Api:
    api = Api(tags=["Pages"])

    def home(request: Request) -> HTMLResponse:
        lang = choose_language(request)[0]
        rows = select(context.store, DATASET % (context.base + "dataset", lang, lang))
        dataset = {k: v.value for k, v in rows[0].items()} if rows else {}
        families = family_tree(context.store, context.base, lang)
        title = Tr(lang)("Familles, sous-familles et emplois-types", "Families, sub-families and job types")
        page = render(context, request, "home.html", lang=lang, dataset=dataset, families=families,
                      tree=tree_picture(families, title, lang), cookbook=context.cookbook)
        keep_for_build(request, context)
        return page

    async def healthz() -> JSONResponse:
        # Alive unless the query workers are down and fail to restart (the server keeps trying, with back-off).
        service = context.service
        down = service is not None and service.pool.down
        body = {"status": "down" if down else "ok",
                "workers_ready": service.stats.ready_workers if service else 0,
                "worker_restarts": service.stats.replaced if service else 0}
        return JSONResponse(body, status_code=503 if down else 200)

    async def readyz() -> JSONResponse:
        service = context.service
        results = service.results if service is not None else None  # an empty cache is falsy: compare with None
        ready = bool(context.ready and service is not None and service.ready)
        body = {"ready": ready, "data_version": context.version,
                "startup_seconds": round(context.started, 3),
                "workers_ready": service.stats.ready_workers if service else 0,
                "workers_network_isolated": service.stats.network_isolated if service else None,
                "queries_served": service.stats.served if service else 0,
                "worker_restarts": service.stats.replaced if service else 0,
                "worker_start_failures": service.stats.spawn_failures if service else 0,
                "result_cache": results.describe() if results is not None else None}
        return JSONResponse(body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "1"})

    api.add("/", home, methods=["GET", "HEAD"], summary="Home page", response_class=HTMLResponse)
    api.add("/healthz", healthz, methods=["GET"], summary="Liveness")
    api.add("/readyz", readyz, methods=["GET"], summary="Readiness: the store is loaded and workers are up")
    return api
