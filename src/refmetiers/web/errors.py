"""The one place that maps an error to an HTTP status, and the one shape of an error response.

A 4xx is the client's fault and carries a message saying what to change; a 5xx is ours and is logged.
Errors on /sparql are plain text (what SPARQL clients print); elsewhere they are JSON, or a page of the
site (in its layout and the reader's language) when a browser asks for HTML.
"""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from .. import query as qs
from ..errors import ConfigError, RefmetiersError
from .html import LanguageError, error_page, wants_html
from .routes import allowed_methods

log = logging.getLogger(__name__)


class WebError(RefmetiersError):
    """A request the web layer refuses, with what to change in English and in French (both required)."""

    def __init__(self, message: str, message_fr: str):
        super().__init__(message)
        self.message_fr = message_fr

    def facts(self) -> dict:
        return {"message_fr": self.message_fr}


class BadRequest(WebError):
    """The request is malformed (parameters, encoding)."""


class NotFound(WebError):
    """No such resource or file."""


class NotAcceptable(WebError):
    """``Accept`` names only types we do not serve."""


class PayloadTooLarge(WebError):
    """The request body is larger than the cap."""


class UnsupportedMediaType(WebError):
    """A POST body of a type the route does not take."""


class NotReady(WebError):
    """The service is still starting."""


STATUS: dict[type, int] = {
    BadRequest: 400,
    qs.QuerySyntaxError: 400,
    qs.QueryRefused: 400,
    qs.UpdateRefused: 403,
    NotFound: 404,
    NotAcceptable: 406,
    PayloadTooLarge: 413,
    qs.QueryTooLarge: 413,
    UnsupportedMediaType: 415,
    qs.ResultTooLarge: 422,
    qs.QueryTooExpensive: 422,
    qs.Overloaded: 429,
    qs.EngineFailure: 500,
    ConfigError: 500,
    NotReady: 503,
    qs.QueryTimeout: 503,
    qs.Unavailable: 503,
}
RETRY_AFTER = {429: "1", 503: "2"}


def status_of(exc: BaseException) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_response(request: Request, status: int, message: str, code: str, headers: dict | None = None,
                   facts: dict | None = None) -> Response:
    """The error as SPARQL clients print it (``text/plain`` on /sparql: English, then French when known) or as
    JSON elsewhere; ``facts`` (a query error's French message, line, column) go in both."""
    headers = dict(headers or {})
    if status in RETRY_AFTER:
        headers.setdefault("Retry-After", RETRY_AFTER[status])
    facts = facts or {}
    if request.url.path.startswith("/sparql"):
        text = message + "\n"
        if facts.get("message_fr") and facts["message_fr"] != message:
            text += facts["message_fr"] + "\n"
        return Response(text, status_code=status, media_type="text/plain; charset=utf-8", headers=headers)
    if wants_html(request):
        page = error_page(request, status, message, headers, facts.get("message_fr"))
        if page is not None:
            return page
    extra = {key: value for key, value in facts.items() if key in ("message_fr", "line", "column") and value}
    body = json.dumps({"status": status, "error": code, "message": message, **extra}, ensure_ascii=False)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def handle_refmetiers_error(request: Request, exc: RefmetiersError) -> Response:
    status = status_of(exc)
    if status == 500:
        log.error("%s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    facts = exc.facts() if isinstance(exc, qs.QueryError | WebError) else None
    return error_response(request, status, str(exc), type(exc).__name__, facts=facts)


async def handle_language_error(request: Request, exc: LanguageError) -> Response:
    return error_response(request, 400, str(exc), "LanguageError",
                          facts={"message_fr": str(exc).replace("choose fr or en", "choisissez fr ou en")})


async def handle_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    """Starlette's own errors (no route, wrong method) in our words and shape, as the routes' errors are."""
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 404:
        return error_response(request, 404, f"nothing is published at {request.url.path}; see / for what is",
                              "NotFound", headers,
                              {"message_fr": f"rien n'est publié à l'adresse {request.url.path} ; voir / pour ce qui "
                                             "l'est"})
    if exc.status_code == 405:
        # Each method is its own route (one OpenAPI operation each): Starlette's Allow names only the first.
        allowed = ", ".join(allowed_methods(request.url.path))
        headers["Allow"] = allowed
        return error_response(request, 405, f"{request.url.path} takes {allowed}, not {request.method}",
                              "MethodNotAllowed", headers,
                              {"message_fr": f"{request.url.path} accepte {allowed}, pas {request.method}"})
    french = _HTTP_FR.get(exc.status_code)
    return error_response(request, exc.status_code, str(exc.detail), "HTTPException", headers,
                          facts={"message_fr": french} if french else None)


# Starlette's other errors say their status in English: here in French.
_HTTP_FR = {400: "requête invalide", 413: "requête trop grande", 414: "adresse trop longue",
            431: "en-têtes trop grands"}


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error_response(request, 500, "internal error (logged on the server)", "InternalError",
                          facts={"message_fr": "erreur interne (consignée sur le serveur)"})


def install(app) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RefmetiersError, handle_refmetiers_error)
    app.add_exception_handler(LanguageError, handle_language_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
