"""/dumps/ (listing) and /dumps/{file} (only the files of dist/, by name), and /.well-known/void."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from .. import __version__, formats
from ..dumps import CHECKSUMS_FILE, VOID_FILE, media_type_of, sha256
from ..store import TURTLE_PREFIXES
from .common import add_route, alternates, choose_format, etag, not_modified, query_params
from .errors import NotFound, NotReady
from .html import render

LISTING = (formats.HTML, formats.JSON)
VOID_OFFER = (formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)


@dataclass(frozen=True)
class DumpFile:
    name: str
    path: Path
    size: int
    sha256: str
    media_type: str
    mtime_ns: int = 0
    fd: int = -1  # opened at scan time: the listed content stays readable after a rebuild replaces the file

    def unchanged(self) -> bool:
        """Whether the file on disk is still the one listed (a rebuild replaces dist/ under a running server)."""
        try:
            stat = self.path.stat()
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns

    def pinned_unchanged(self) -> bool:
        """Whether the descriptor opened at scan time still reads the listed content (a build renames dist/
        away, which keeps it; overwriting the file in place does not)."""
        try:
            stat = os.fstat(self.fd)
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns

    @property
    def etag(self) -> str:
        return f'"{self.sha256[:32]}"'


def scan(dist: Path) -> dict[str, DumpFile]:
    """The regular files of ``dist`` by name, with size, checksum and media type (read once at startup)."""
    files = {}
    for path in sorted(Path(dist).iterdir()):
        if path.is_file() and not path.name.startswith("."):
            fd = os.open(path, os.O_RDONLY)
            stat = os.fstat(fd)
            files[path.name] = DumpFile(path.name, path, stat.st_size, sha256(path), media_type_of(path.name),
                                        stat.st_mtime_ns, fd)
    return files


def close_files(files: dict[str, DumpFile]) -> None:
    """Close the descriptors ``scan`` opened."""
    for entry in files.values():
        if entry.fd >= 0:
            try:
                os.close(entry.fd)
            except OSError:
                pass


def router(context) -> APIRouter:
    api = APIRouter(tags=["Dumps"])
    def listing() -> dict[str, DumpFile]:
        return context.dumps  # scanned at start-up, with the store: the listing describes what is served

    def index(request: Request) -> Response:
        params = query_params(request)
        fmt = choose_format(request, params, LISTING)
        entries = list(listing().values())
        tag = etag(context.version, "dumps", fmt.name)
        headers = {"Vary": "Accept", "ETag": tag, "Link": alternates("/dumps/", LISTING, fmt)}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        if fmt is formats.HTML:
            return render(context, request, "dumps.html", headers=headers, files=entries)
        body = {"data_version": context.version, "software_version": __version__,
                "files": [{"name": f.name, "url": f"/dumps/{f.name}", "size": f.size, "sha256": f.sha256,
                           "media_type": f.media_type} for f in entries]}
        return Response(json.dumps(body, ensure_ascii=False, indent=1), media_type=formats.JSON.content_type,
                        headers=headers)

    def download(request: Request, name: str) -> Response:
        entry = listing().get(name)
        if entry is None:
            raise NotFound(f"no file {name!r} in the dumps; see /dumps/ for the list")
        headers = {"ETag": entry.etag, "Cache-Control": "public, max-age=3600"}
        if not_modified(request, entry.etag):
            return Response(status_code=304, headers=headers)
        media_type = entry.media_type
        if not name.endswith(".gz") and (media_type.startswith("text/") or media_type == "application/n-triples"):
            media_type += "; charset=utf-8"
        # A .gz file is the gzip file itself (application/gzip), never a Content-Encoding of something else.
        disposition = "attachment" if name.endswith(".gz") else "inline"
        if not entry.unchanged() and not entry.pinned_unchanged():
            raise NotReady(f"{name} was overwritten in place under this server; it is served again once the server "
                           "has reloaded the build (a build swaps dist/ in whole) or restarted")
        if entry.unchanged():
            return FileResponse(entry.path, media_type=media_type, headers=headers,
                                content_disposition_type=disposition, filename=name)
        # Rebuilt on disk, not yet reloaded: the listed (previous) content, from the descriptor opened at scan time.
        headers.update({"Content-Length": str(entry.size), "Content-Disposition": f'{disposition}; filename="{name}"'})
        body = b"" if request.method == "HEAD" else pinned_reader(entry.fd, entry.size)
        if isinstance(body, bytes):
            return Response(body, media_type=media_type, headers=headers)
        return StreamingResponse(body, media_type=media_type, headers=headers)

    def void(request: Request) -> Response:
        params = query_params(request)
        fmt = choose_format(request, params, VOID_OFFER)
        tag = etag(context.version, "void", fmt.name)
        headers = {"Vary": "Accept", "ETag": tag, "Link": alternates("/.well-known/void", VOID_OFFER, fmt)}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        path = context.settings.dist / VOID_FILE
        if fmt is formats.TURTLE:
            return Response(path.read_bytes(), media_type=fmt.content_type, headers=headers)
        triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        body = ox.serialize(triples, format=fmt.ox,
                            prefixes=TURTLE_PREFIXES if fmt.name == "rdf" else None)
        return Response(body, media_type=fmt.content_type, headers=headers)

    add_route(api, "/dumps/", index, methods=["GET", "HEAD"], summary="The downloadable files (HTML or JSON)")
    def redirect() -> Response:
        return Response(status_code=308, headers={"Location": "/dumps/"})

    add_route(api, "/dumps", redirect, methods=["GET", "HEAD"], include_in_schema=False)
    add_route(api, "/dumps/{name}", download, methods=["GET", "HEAD"], summary="One file of the build")
    add_route(api, "/.well-known/void", void, methods=["GET", "HEAD"], summary="VoID and DCAT description")
    return api


__all__ = ["router", "scan", "CHECKSUMS_FILE"]


def pinned_reader(fd: int, size: int, chunk: int = 1 << 16):
    """The ``size`` bytes of the open file ``fd`` from the start, read on a descriptor of its own."""
    own = os.dup(fd)
    try:
        offset = 0
        while offset < size:
            data = os.pread(own, min(chunk, size - offset), offset)
            if not data:
                break
            offset += len(data)
            yield data
    finally:
        os.close(own)
