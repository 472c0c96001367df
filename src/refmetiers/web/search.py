"""/search?q=: label search over preferred and alternative labels (fr and en, accent- and case-insensitive)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import formats
from ..store import labels_of, search
from .common import add_route, choose_format, local_href, query_params
from .errors import BadRequest

OFFERED = (formats.JSON, formats.HTML)


def router(context) -> APIRouter:
    api = APIRouter(tags=["Search"])

    def endpoint(request: Request) -> Response:
        params = query_params(request)
        text = params.one("q") or ""
        limit_text = params.one("limit") or "50"
        if not limit_text.isdigit() or not 0 < int(limit_text) <= 500:
            raise BadRequest("limit: give a whole number from 1 to 500")
        if len(text) > 200:
            raise BadRequest("q: give at most 200 characters")
        fmt = choose_format(request, params, OFFERED)
        hits = search(context.labels(), text, int(limit_text), own=context.base + "id/") if text.strip() else []
        results = []
        for entry, rank in hits:
            names = labels_of(context.store, ox.NamedNode(entry.iri))
            results.append({"iri": entry.iri, "href": local_href(entry.iri, context.base),
                            "label": names.get("fr") or names.get("") or entry.label, "label_en": names.get("en"),
                            "matched": entry.label, "lang": entry.lang, "preferred": entry.preferred,
                            "match": ["exact", "prefix", "word", "substring"][rank]})
        headers = {"Vary": "Accept"}
        if fmt is formats.HTML:
            html = context.templates.get_template("search.html").render(q=text, results=results, version=context.version)
            return HTMLResponse(html, headers=headers)
        return Response(json.dumps({"q": text, "count": len(results), "results": results}, ensure_ascii=False),
                        media_type="application/json", headers=headers)

    add_route(api, "/search", endpoint, methods=["GET", "HEAD"], summary="Search the labels")
    return api
