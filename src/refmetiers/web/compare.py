"""/compare?from=…&to=…: two job types side by side, the skills they share and those to acquire (HTML and JSON)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from .. import formats
from ..compare import compare
from ..describe import labels_of
from ..store import select
from .common import choose_format, query_params
from .errors import BadRequest
from .html import choose_language, render
from .links import Link, local_href, pick_label
from .routes import Api

OFFERED = (formats.HTML, formats.RESULTS_JSON)
JOBS = """SELECT ?job WHERE { ?job a <https://w3id.org/refmetiers/def#JobType> }"""

PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"},
     "description": f"The job type to move {word}: its IRI (…/id/job/{{slug}}) or its slug."}
    for name, word in (("from", "from"), ("to", "to"))
] + [
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "html"]},
     "description": "Overrides Accept."},
    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["fr", "en"]},
     "description": "The page language (HTML)."},
]


def router(context) -> Api:
    api = Api(tags=["Compare"])

    def job_iri(params, name: str) -> str | None:
        value = (params.one(name) or "").strip()
        if not value:
            return None
        iri = value if "/" in value else context.base + "id/job/" + value
        if iri not in jobs():
            raise BadRequest(f"{name}={value!r}: no job type of the reference has this IRI or slug; "
                             "see /compare for the list", f"{name}={value!r} : aucun emploi-type du référentiel n'a "
                             "cet IRI ou cet identifiant ; voyez la liste sur /compare")
        return iri

    cache: dict[str, set[str]] = {}

    def jobs() -> set[str]:
        if "all" not in cache:
            cache["all"] = {row["job"].value for row in select(context.store, JOBS)}
        return cache["all"]

    def choices(lang: str) -> list[Link]:
        out = []
        for iri in jobs():
            label, label_lang = pick_label(labels_of(context.store, ox.NamedNode(iri)), lang) or (iri, "")
            out.append(Link(local_href(iri, context.base), label, label_lang, iri))
        return sorted(out, key=lambda link: link.label.casefold())

    def endpoint(request: Request) -> Response:
        params = query_params(request)
        fmt = choose_format(request, params, OFFERED)
        source, target = job_iri(params, "from"), job_iri(params, "to")
        headers = {"Vary": "Accept, Accept-Language"}
        if fmt is not formats.HTML:
            missing = [name for name, iri in (("from", source), ("to", target)) if iri is None]
            if missing:
                raise BadRequest(f"give {' and '.join(missing)}: the IRI or slug of a job type",
                                 f"donnez {' et '.join(missing)} : l'IRI ou l'identifiant d'un emploi-type")
            assert source is not None and target is not None
            body = compare(context.store, source, target).as_json()
            return Response(json.dumps(body, ensure_ascii=False), media_type="application/json", headers=headers)
        lang = choose_language(request)[0]
        result = compare(context.store, source, target) if source and target else None
        return render(context, request, "compare.html", headers=headers, lang=lang, source=source, target=target,
                      jobs=choices(lang), result=result,
                      json_url=f"/compare?{request.url.query}&format=json" if result else None,
                      href=lambda iri: local_href(iri, context.base))

    api.add("/compare", endpoint, methods=["GET", "HEAD"], summary="Compare two job types",
            description="The skills two job types share and those to acquire to move from one to the other, "
                      "through our own know-how and knowledge items and through ESCO skills, with the counts. "
                      "Without `from` and `to`, the HTML page is a form.",
            openapi_extra={"parameters": PARAMETERS})
    return api
