"""Security headers on every answer: no MIME sniffing, no referrer leaks, and a Content-Security-Policy
on pages (our own scripts and styles only, no framing).

/docs (Swagger UI) loads its assets from our own /static/vendor/, so it gets the same policy.
"""

from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")]
NO_CSP: tuple[str, ...] = ()


class SecurityHeaders:
    """Pure ASGI middleware (no buffering of bodies: dumps and large answers stream through)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = not scope["path"].startswith(NO_CSP)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in ALWAYS if k not in names]
                if with_csp and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
