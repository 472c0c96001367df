"""What every surface shares: strict parameter decoding, conditional requests, negotiation, links."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from starlette.requests import Request

from .. import formats
from .errors import BadRequest, NotAcceptable, PayloadTooLarge


class Params:
    """Parameters decoded strictly as UTF-8 (Starlette would silently replace invalid bytes)."""

    def __init__(self, pairs: list[tuple[str, str]] | None = None):
        self.pairs = list(pairs or [])

    @classmethod
    def parse(cls, raw: bytes, charset: str = "utf-8") -> Params:
        try:
            text = raw.decode("ascii") if charset.lower() in ("utf-8", "utf8") else raw.decode(charset)
        except UnicodeDecodeError:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRequest(f"the parameters are not valid UTF-8 (byte {exc.start})",
                                 f"les paramètres ne sont pas de l'UTF-8 valide (octet {exc.start})") from None
        except LookupError:
            raise BadRequest(f"unknown charset {charset!r}", f"jeu de caractères inconnu : {charset!r}") from None
        try:
            return cls(parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"))
        except UnicodeDecodeError as exc:
            raise BadRequest(f"a parameter is not valid UTF-8 once percent-decoded: {exc.reason}",
                             f"un paramètre n'est pas de l'UTF-8 valide une fois décodé : {exc.reason}") from None

    def extend(self, other: Params) -> None:
        self.pairs += other.pairs

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise BadRequest(f"the parameter {name!r} is given {len(values)} times; give it once",
                             f"le paramètre {name!r} est donné {len(values)} fois ; donnez-le une seule fois")
        return values[0] if values else None

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)


def client_of(request: Request) -> str:
    """Who sent ``request``, for fair scheduling and error allowances: the peer address."""
    return request.client.host if request.client else ""


def query_params(request: Request) -> Params:
    """The query string's parameters, strictly decoded (parsed once: Starlette's ``request.query_params`` would
    parse it again, and leniently)."""
    return Params.parse(request.scope.get("query_string", b""))


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body has {declared} bytes; the limit is {limit}",
                              f"le corps de la requête a {declared} octets ; la limite est {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the request body is larger than {limit} bytes",
                                  f"le corps de la requête dépasse {limit} octets")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_and_charset(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"')
    return parts[0].lower(), charset


def etag(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:24]
    return f'"{digest}"'


def not_modified(request: Request, tag: str) -> bool:
    """Whether ``If-None-Match`` already names ``tag`` (weak comparison, as RFC 9110 asks for GET)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return tag in tags


def choose_format(request: Request, params: Params, offered: tuple[formats.Format, ...]) -> formats.Format:
    """``?format=`` if given (400 if we do not serve it here), else ``Accept`` (406 if nothing fits)."""
    override = params.one("format")
    if override:
        fmt = formats.by_name(override, offered) or formats.by_media_type(override, offered)
        if fmt is None or fmt not in offered:
            choices = ", ".join(formats.names(offered))
            raise BadRequest(f"format {override!r} is not served here; choose one of {choices}",
                             f"le format {override!r} n'est pas servi ici ; choisissez parmi {choices}")
        return fmt
    fmt = formats.negotiate(request.headers.get("accept"), offered)
    if fmt is None:
        served = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(f"none of the media types in Accept is served here; this resource is available as {served}",
                            f"aucun des types de l'en-tête Accept n'est servi ici ; cette ressource existe en {served}")
    return fmt


def alternates(path: str, offered: tuple[formats.Format, ...], current: formats.Format) -> str:
    """A ``Link`` header listing the other formats of the same resource."""
    return ", ".join(f'<{path}?format={f.name}>; rel="alternate"; type="{f.media_type}"'
                     for f in offered if f is not current)


def media_type_of_request(request: Request) -> tuple[str, str | None]:
    """The media type and charset of the request body."""
    return media_type_and_charset(request.headers.get("content-type"))
