"""The HTML side of every surface: one language per page, the page renderer, and the error pages.

A page speaks one language (DESIGN.md §5): ``?lang=fr|en`` first (remembered in a cookie so that the
links of the page keep it), then the cookie, then ``Accept-Language``, French by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
COOKIE = "lang"


class LanguageError(ValueError):
    """``?lang=`` names a language the site is not written in."""


def accepted_language(header: str | None) -> str | None:
    """The first of our languages in an ``Accept-Language`` header, by weight (``None`` if it names neither).

    >>> accepted_language("en-GB,en;q=0.9,fr;q=0.8")
    'en'
    >>> accepted_language("de, fr;q=0.5, en;q=0.4")
    'fr'
    >>> accepted_language("de") is None
    True
    """
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGS:
            continue
        weight = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                weight = float(match.group(1))
            except ValueError:
                weight = 0.0
        if weight <= 0:
            continue
        key = (-weight, position, primary)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def choose_language(request: Request) -> tuple[str, bool]:
    """The page language and whether ``?lang=`` chose it explicitly.

    Raises:
        LanguageError: ``?lang=`` is neither ``fr`` nor ``en``.
    """
    asked = request.query_params.get("lang")
    if asked is not None:
        if asked not in LANGS:
            raise LanguageError(f"lang={asked!r}: choose fr or en")
        return asked, True
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGS:
        return cookie, False
    return accepted_language(request.headers.get("accept-language")) or DEFAULT_LANG, False


def safe_language(request: Request) -> str:
    """The page language, falling back to the default on a bad ``?lang=`` (for error pages)."""
    try:
        return choose_language(request)[0]
    except LanguageError:
        return DEFAULT_LANG


@dataclass(frozen=True)
class Tr:
    """Picks the French or the English text of a pair: ``tr("Métiers", "Jobs")``."""

    lang: str

    def __call__(self, fr: str, en: str) -> str:
        return en if self.lang == "en" else fr


def switch_url(request: Request, lang: str) -> str:
    """The same page in ``lang`` (its other parameters kept, but ``format``: a browser's page is HTML anyway)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "format")] + [("lang", lang)]
    return request.url.path + "?" + urlencode(pairs)


def render(context, request: Request, template: str, *, status: int = 200, headers: dict | None = None,
           lang: str | None = None, **values) -> HTMLResponse:
    """Render ``template`` in the page language, with the layout's values (language switch, version)."""
    explicit = False
    if lang is None:
        lang, explicit = choose_language(request)
    else:
        explicit = request.query_params.get("lang") == lang
    other = "en" if lang == "fr" else "fr"
    page = context.templates.get_template(template).render(
        lang=lang, tr=Tr(lang), other_lang=other, switch=switch_url(request, other), version=context.version,
        path=request.url.path, **values)
    response = HTMLResponse(page, status_code=status, headers=headers or {})
    response.headers["Content-Language"] = lang
    vary = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    for name in ("Accept", "Accept-Language", "Cookie"):
        if name not in vary:
            vary.append(name)
    response.headers["Vary"] = ", ".join(vary)
    if explicit:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


# What each error status means to a reader, in both languages (the specific message follows it).
STATUS_TEXT = {
    400: ("Requête incorrecte", "Bad request"),
    403: ("Opération refusée", "Operation refused"),
    404: ("Page introuvable", "Page not found"),
    405: ("Méthode non acceptée", "Method not allowed"),
    406: ("Format non disponible", "Format not available"),
    413: ("Requête trop volumineuse", "Request too large"),
    415: ("Type de contenu non accepté", "Unsupported content type"),
    422: ("Requête trop coûteuse", "Query too expensive"),
    429: ("Trop de requêtes", "Too many requests"),
    500: ("Erreur interne", "Internal error"),
    503: ("Service momentanément indisponible", "Service temporarily unavailable"),
}
HINT = {
    404: ("Vérifiez l'adresse, ou cherchez un libellé ci-dessous.", "Check the address, or search a label below."),
    406: ("Cette ressource existe dans les formats listés ci-dessous.", "This resource exists in the formats below."),
    429: ("Réessayez dans un instant.", "Try again in a moment."),
    503: ("Réessayez dans un instant.", "Try again in a moment."),
}


def wants_html(request: Request) -> bool:
    """Whether the client (a browser) asks for HTML before JSON or text."""
    from .. import formats

    return formats.negotiate(request.headers.get("accept"), (formats.RESULTS_JSON, formats.HTML)) is formats.HTML \
        and "text/html" in (request.headers.get("accept") or "")


def error_page(request: Request, status: int, message: str, headers: dict | None = None,
               message_fr: str | None = None) -> HTMLResponse | None:
    """The error as a page of the site (``None`` when the app has no templates to render it); the French message,
    where the error has one, on French pages."""
    context = getattr(request.app.state, "ctx", None)
    if context is None:
        return None
    lang = safe_language(request)
    title = STATUS_TEXT.get(status, ("Erreur", "Error"))
    shown, shown_lang = (message_fr, "fr") if lang == "fr" and message_fr else (message, "en")
    return render(context, request, "error.html", status=status, headers=headers, lang=lang, status_code=status,
                  title=title, hint=HINT.get(status), message=shown, message_lang=shown_lang)


_POSITION = re.compile(r"(?:error )?at (?:line )?(\d+)[:,]\s*(?:column )?(\d+)")


def error_position(exc: BaseException) -> tuple[int, int] | None:
    """The 1-based line and column a query error points at: the exception's own ``line``/``column``,
    or the ``error at L:C`` oxigraph writes in its message.

    >>> error_position(SyntaxError("error at 2:5: expected one of ..."))
    (2, 5)
    >>> error_position(ValueError("no position")) is None
    True
    """
    line, column = getattr(exc, "line", None), getattr(exc, "column", None)
    if isinstance(line, int) and isinstance(column, int):
        return line, column
    match = _POSITION.search(str(exc))
    return (int(match.group(1)), int(match.group(2))) if match else None


def query_error_view(exc: BaseException, status: int, query: str) -> dict:
    """What the query page shows for a failed query: a message in French and in English, the position,
    and the query's lines with the one at fault marked."""
    detail = str(exc)
    fr = getattr(exc, "message_fr", None)
    en = getattr(exc, "message_en", None) or detail
    title = STATUS_TEXT.get(status, ("Erreur", "Error"))
    position = error_position(exc)
    lines = query.split("\n")
    listing = [{"number": n, "text": text, "marked": bool(position and position[0] == n)}
               for n, text in enumerate(lines, start=1)]
    return {"status": status, "title": title, "fr": fr, "en": en, "line": position[0] if position else None,
            "column": position[1] if position else None, "listing": listing}
