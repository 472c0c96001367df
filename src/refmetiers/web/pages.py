"""The home page, /healthz and /readyz."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from ..store import select
from .common import add_route, local_href

TREE = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rm: <https://w3id.org/refmetiers/def#>
SELECT ?family ?familyLabel ?sub ?subLabel ?job ?jobLabel ?jobEn ?sheet WHERE {
  ?family a rm:Family .
  OPTIONAL { ?family skos:prefLabel ?familyLabel FILTER(lang(?familyLabel) = "fr") }
  OPTIONAL {
    ?job a rm:JobType ; rm:family ?family .
    OPTIONAL { ?job skos:prefLabel ?jobLabel FILTER(lang(?jobLabel) = "fr") }
    OPTIONAL { ?job skos:prefLabel ?jobEn FILTER(lang(?jobEn) = "en") }
    OPTIONAL { ?job rm:subFamily ?sub OPTIONAL { ?sub skos:prefLabel ?subLabel FILTER(lang(?subLabel) = "fr") } }
    OPTIONAL { ?job rm:hasSheet ?sheet }
  }
}"""

DATASET = """PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title ?description WHERE {
  <%s> dcterms:title ?title ; dcterms:description ?description .
  FILTER(lang(?title) = "fr" && lang(?description) = "fr")
} LIMIT 1"""


def family_tree(store, base: str) -> list[dict]:
    """Families → sub-families → job types, sorted by label, for the home page."""
    families: dict[str, dict] = {}
    for row in select(store, TREE):
        family = row["family"].value
        entry = families.setdefault(family, {"href": local_href(family, base),
                                             "label": row["familyLabel"].value if "familyLabel" in row else family,
                                             "subs": {}})
        if "job" not in row:
            continue
        sub = row["sub"].value if "sub" in row else ""
        group = entry["subs"].setdefault(sub, {"href": local_href(sub, base) if sub else None,
                                               "label": row["subLabel"].value if "subLabel" in row else "",
                                               "jobs": {}})
        job = row["job"].value
        group["jobs"][job] = {"href": local_href(job, base),
                              "label": row["jobLabel"].value if "jobLabel" in row else job,
                              "label_en": row["jobEn"].value if "jobEn" in row else None,
                              "sheet": "sheet" in row and row["sheet"].value == "true"}
    out = []
    for family in sorted(families.values(), key=lambda f: f["label"].casefold()):
        subs = []
        for sub in sorted(family["subs"].values(), key=lambda s: s["label"].casefold()):
            subs.append({**sub, "jobs": sorted(sub["jobs"].values(), key=lambda j: j["label"].casefold())})
        out.append({**family, "subs": subs})
    return out


def router(context) -> APIRouter:
    api = APIRouter(tags=["Pages"])

    def home(request: Request) -> HTMLResponse:
        rows = select(context.store, DATASET % (context.base + "dataset"))
        dataset = {k: v.value for k, v in rows[0].items()} if rows else {}
        html = context.templates.get_template("home.html").render(
            dataset=dataset, families=family_tree(context.store, context.base), cookbook=context.cookbook,
            version=context.version)
        return HTMLResponse(html)

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
        ready = bool(context.ready and service is not None and service.ready)
        body = {"ready": ready, "data_version": context.version,
                "startup_seconds": round(context.started, 3),
                "workers_ready": service.stats.ready_workers if service else 0,
                "workers_network_isolated": service.stats.network_isolated if service else None,
                "queries_served": service.stats.served if service else 0,
                "worker_restarts": service.stats.replaced if service else 0,
                "worker_start_failures": service.stats.spawn_failures if service else 0}
        return JSONResponse(body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "1"})

    add_route(api, "/", home, methods=["GET", "HEAD"], summary="Home page", response_class=HTMLResponse)
    add_route(api, "/healthz", healthz, methods=["GET"], summary="Liveness")
    add_route(api, "/readyz", readyz, methods=["GET"], summary="Readiness: the store is loaded and workers are up")
    return api
