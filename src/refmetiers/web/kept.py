"""Answers kept at the door: a GET answered already, for this build, is sent again before routing, request parsing and
negotiation (issue 17, item 2: cached answers near the HTTP floor).

The key is what a handler's answer depends on, as the request carries it: the method's family (GET, which HEAD
shares), the path, the raw query string (a SPARQL query and its dataset, ``format``, ``lang``…) and the raw headers
that negotiation reads (Accept; Accept-Language and Cookie, from which a page takes its language); the base IRI is
the server's own, never the request's Host. Only answers a handler marked are kept (``mark_kept``): on /sparql, 200
answers of SPARQL results or graphs whose query answer the result cache holds for this build (not the HTML page,
rendered per request); what is a function of the build and of the key alone (``keep_for_build``): a linked-data
resource's description in each of its formats, the home page, a label search. They are kept in the result cache
(``query/cache.py``): the same bound in bytes, the same LRU, no NOW() or RAND() answers, and gone with the build on
a reload. A request the door cannot answer whole goes through as before: a conditional one (``If-None-Match``: the
handler answers 304), one from a client past its allowance of refused queries (the handler answers 429), one before
the service is ready.

Inside the CORS and security-header middlewares, which add their headers to a kept answer as to any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ..errors import RefmetiersError

_MARK = "refmetiers.kept"
_CONDITIONAL = (b"if-none-match", b"if-modified-since")
_NEGOTIATED = (b"accept", b"accept-language", b"cookie")


@dataclass(frozen=True)
class KeptResponse:
    """An answer as it was sent: status 200, its headers and its whole body."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


def mark_kept(request: Request, results, text: str = "") -> None:
    """Let the door keep this request's answer in ``results`` (the build's cache); ``text``: the SPARQL query it
    answers, if any (the cache keeps no answer of a query that may call NOW() or RAND())."""
    request.scope[_MARK] = (results, text)


def keep_for_build(request: Request, context) -> None:
    """Let the door keep this answer, a function of the build being served and of what the door keys on (a
    description, the home page, a search), in that build's cache (none with ``serve --store``)."""
    service = context.service
    if service is not None and service.results is not None:
        mark_kept(request, service.results)


class KeptAnswers:
    """Pure ASGI middleware answering kept GET and HEAD requests (see the module's text)."""

    def __init__(self, app, context):
        self.app = app
        self.context = context

    async def __call__(self, scope, receive, send):
        service = self.context.service
        results = service.results if service is not None and self.context.ready else None
        if results is None or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        negotiated = []
        for name, value in scope["headers"]:
            if name in _NEGOTIATED:
                negotiated.append((name, value))
            elif name in _CONDITIONAL:
                await self.app(scope, receive, send)
                return
        # The build's identity too: a page rendered from a build swapped in during the request is kept under the
        # identity seen when it began, which no later request asks for.
        key = ("http", self.context.build_identity, scope["path"], scope["query_string"], tuple(negotiated))
        kept = results.get(key, count_miss=False)
        if kept is not None and self._allowed(service, scope):
            results.stats.door += 1
            await send({"type": "http.response.start", "status": 200, "headers": list(kept.headers)})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else kept.body})
            return
        if scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: dict = {}
        parts: list[bytes] = []
        recording = False  # a marked 200 answer, sent whole: the body is collected to be kept

        async def recording_send(message):
            nonlocal recording
            if message["type"] == "http.response.start":
                start.update(message)
                recording = message["status"] == 200 and _MARK in scope  # marked by the handler it has left
            elif recording and message["type"] == "http.response.body":
                if message.get("more_body", False):  # streamed in parts (a dump, a large answer): never kept
                    recording = False
                    parts.clear()
                else:
                    parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, recording_send)
        if recording:
            holder, text = scope[_MARK]
            holder.put(key, KeptResponse(tuple(start.get("headers", ())), b"".join(parts)), text)

    @staticmethod
    def _allowed(service, scope) -> bool:
        client = scope.get("client")
        try:
            service.check_error_allowance(client[0] if client else "")
        except RefmetiersError:
            return False  # the handler answers 429
        return True
