"""Answers kept at the door: a GET on /sparql that was answered already, for this build, is sent again before
routing, request parsing and negotiation (issue 17, item 2: cached answers near the HTTP floor).

The key is what the handler's answer depends on, as the request carries it: the method's family (GET, which HEAD
shares), the raw query string (query, default-graph-uri, named-graph-uri, format, timeout) and the raw Accept
header(s); the base IRI is the server's own, never the request's Host. Only answers the handler marked are kept
(``mark_kept``): 200 answers of SPARQL results or graphs, not the HTML page, whose query answer the result cache
holds for this build. They are kept in that same cache (``query/cache.py``): the same bound in bytes, the same
LRU, no NOW() or RAND() answers, and gone with the build on a reload. A request the door cannot answer whole
goes through as before: a conditional one (``If-None-Match``: the handler answers 304), one from a client past its
allowance of refused queries (the handler answers 429), one before the service is ready.

Inside the CORS and security-header middlewares, which add their headers to a kept answer as to any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ..errors import RefmetiersError

_MARK = "refmetiers.kept"
_CONDITIONAL = (b"if-none-match", b"if-modified-since")


@dataclass(frozen=True)
class KeptResponse:
    """An answer as it was sent: status 200, its headers and its whole body."""

    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


def mark_kept(request: Request, results, text: str) -> None:
    """Let the door keep this request's answer, that of query ``text`` held by ``results`` (the build's cache)."""
    request.scope[_MARK] = (results, text)


class KeptAnswers:
    """Pure ASGI middleware answering kept GET and HEAD requests on /sparql (see the module's text)."""

    def __init__(self, app, context):
        self.app = app
        self.context = context

    async def __call__(self, scope, receive, send):
        service = self.context.service
        results = service.results if service is not None and self.context.ready else None
        if (results is None or scope["type"] != "http" or scope["path"] != "/sparql"
                or scope["method"] not in ("GET", "HEAD") or not scope.get("query_string")):
            await self.app(scope, receive, send)
            return
        accept = []
        for name, value in scope["headers"]:
            if name == b"accept":
                accept.append(value)
            elif name in _CONDITIONAL:
                await self.app(scope, receive, send)
                return
        key = ("http", scope["query_string"], tuple(accept))
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
        streamed = False

        async def recording_send(message):
            nonlocal streamed
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                streamed = streamed or message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, recording_send)
        marked = scope.get(_MARK)
        if marked is None or start.get("status") != 200 or streamed:
            return
        holder, text = marked
        holder.put(key, KeptResponse(tuple(start.get("headers", ())), b"".join(parts)), text)

    @staticmethod
    def _allowed(service, scope) -> bool:
        client = scope.get("client")
        try:
            service.check_error_allowance(client[0] if client else "")
        except RefmetiersError:
            return False  # the handler answers 429
        return True
