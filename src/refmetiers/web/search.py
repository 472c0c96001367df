"""/search?q=: label search over preferred and alternative labels (fr and en, accent- and case-insensitive)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from .. import formats
from ..describe import labels_of
from ..labelsearch import search
from .common import choose_format, query_params
from .errors import BadRequest
from .html import choose_language, render
from .kept import keep_for_build
from .links import local_href, pick_label
from .routes import Api

OFFERED = (formats.JSON, formats.HTML)
DEFAULT_LIMIT, MAX_LIMIT = 20, 500

PARAMETERS = [
    {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 200},
     "description": "The text to find in the French and English preferred and alternative labels (case and "
                    "accents ignored). Whole labels and whole words rank first, then word starts, then (for three "
                    "characters or more) text inside a word."},
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
     "description": "How many hits per page."},
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "default": 1},
     "description": "Which page of hits (1 is the first); the answer gives `total` and the `next` page's URL."},
    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["fr", "en"]},
     "description": "The language of the labels shown (HTML page and `label` of each hit); "
                    "else Accept-Language, else French."},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "html"]},
     "description": "Overrides Accept: `json` or `html`."},
]


def _whole(params, name: str, default: int, low: int, high: int | None) -> int:
    text = params.one(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        bound_fr = f"de {low} à {high}" if high is not None else f"d'au moins {low}"
        raise BadRequest(f"{name}={text!r}: give a whole number {bound}", f"{name}={text!r} : donnez un nombre entier "
                         f"{bound_fr}")
    return int(text)


def router(context) -> Api:
    api = Api(tags=["Search"])

    def endpoint(request: Request) -> Response:
        params = query_params(request)
        text = params.one("q") or ""
        limit = _whole(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        page = _whole(params, "page", 1, 1, None)
        if len(text) > 200:
            raise BadRequest("q: give at most 200 characters", "q : donnez au plus 200 caractères")
        fmt = choose_format(request, params, OFFERED)
        lang = choose_language(request)[0]
        index = context.labels()
        hits = search(index, text, own=context.base + "id/") if text.strip() else []
        total = len(hits)
        results = []
        for entry, match in hits[(page - 1) * limit: page * limit]:
            names = labels_of(context.store, ox.NamedNode(entry.iri))
            label, label_lang = pick_label(names, lang) or (entry.label, entry.lang)
            kind = index.kinds.get(entry.iri)
            results.append({"iri": entry.iri, "href": local_href(entry.iri, context.base), "label": label,
                            "lang": label_lang, "labels": names, "matched": entry.label, "matched_lang": entry.lang,
                            "preferred": entry.preferred, "match": match,
                            "type": {"iri": kind.iri, "fr": kind.fr, "en": kind.en} if kind else None})

        def page_url(number: int) -> str:
            pairs = [("q", text), ("limit", str(limit)), ("page", str(number))]
            return "/search?" + urlencode(pairs)

        paging = {"total": total, "page": page, "limit": limit,
                  "next": page_url(page + 1) if page * limit < total else None,
                  "previous": page_url(page - 1) if page > 1 else None}
        headers = {"Vary": "Accept, Accept-Language"}
        keep_for_build(request, context)  # marked answers are kept only if the status is 200
        if fmt is formats.HTML:
            return render(context, request, "search.html", headers=headers, lang=lang, q=text, results=results,
                          first=(page - 1) * limit + 1, total=total, next=paging["next"],
                          previous=paging["previous"])
        body = {"q": text, **paging, "count": len(results), "results": results}
        return Response(json.dumps(body, ensure_ascii=False), media_type="application/json", headers=headers)

    api.add("/search", endpoint, methods=["GET", "HEAD"], summary="Search the labels",
            description="Label search (JSON or HTML): each hit gives the concept's IRI, its label in the chosen "
                      "language, the label that matched, the kind of match (`exact`, `word`, `prefix`, "
                      "`substring`) and the concept's type. Paged: `total` hits, `page`, `limit`, `next`.",
            openapi_extra={"parameters": PARAMETERS})
    return api
