"""/dumps/ (listing) and /dumps/{file} (only the files of dist/, by name), and /.well-known/void."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import anyio
import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import __version__, formats
from ..catalogue import CHECKSUMS_FILE, VOID_FILE, media_type_of, sha256_of
from ..namespaces import iris_of, writer_prefixes
from .common import alternates, choose_format, etag, not_modified, query_params
from .errors import NotFound, NotReady
from .html import render
from .routes import Api

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

    def pinned_unchanged(self) -> bool:
        """Whether the descriptor opened at scan time still reads the listed content (a build renames dist/
        away, which keeps it; overwriting the file in place does not)."""
        try:
            stat = os.fstat(self.fd)
        except OSError:
            return False
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns

    def read_bytes(self) -> bytes:
        """The listed content, read from the descriptor opened at scan time."""
        with PinnedFile(self.fd) as file:
            return file.read()

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
            # hashed from the descriptor served, not the path: a build may swap dist/ in between
            with open(fd, "rb", closefd=False) as opened:
                checksum = sha256_of(opened)
            files[path.name] = DumpFile(path.name, path, stat.st_size, checksum, media_type_of(path.name),
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


def router(context) -> Api:
    api = Api(tags=["Dumps"])
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
            raise NotFound(f"no file {name!r} in the dumps; see /dumps/ for the list",
                           f"aucun fichier {name!r} parmi les exports ; voyez la liste sur /dumps/")
        headers = {"ETag": entry.etag, "Cache-Control": "public, max-age=3600"}
        if not_modified(request, entry.etag):
            return Response(status_code=304, headers=headers)
        media_type = entry.media_type
        if not name.endswith(".gz") and (media_type.startswith("text/") or media_type == "application/n-triples"):
            media_type += "; charset=utf-8"
        # A .gz file is the gzip file itself (application/gzip), never a Content-Encoding of something else.
        disposition = "attachment" if name.endswith(".gz") else "inline"
        if not entry.pinned_unchanged():
            raise NotReady(f"{name} was overwritten in place under this server; it is served again once the server "
                           "has reloaded the build (a build swaps dist/ in whole) or restarted",
                           f"{name} a été réécrit sur place sous ce serveur ; il sera servi de nouveau quand le "
                           "serveur aura rechargé la construction (une construction remplace dist/ en entier) ou "
                           "redémarré")
        # Always the descriptor opened at scan time, never the path: a rebuild renames dist/ away at any moment,
        # and the listed content (size, checksum, ETag) must be what is sent, old build or new.
        return PinnedFileResponse(entry, media_type=media_type, headers=headers,
                                  content_disposition_type=disposition, filename=name)

    def void(request: Request) -> Response:
        params = query_params(request)
        fmt = choose_format(request, params, VOID_OFFER)
        tag = etag(context.version, "void", fmt.name)
        headers = {"Vary": "Accept", "ETag": tag, "Link": alternates("/.well-known/void", VOID_OFFER, fmt)}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        turtle = listing()[VOID_FILE].read_bytes()  # the served build's, even while a rebuild swaps dist/
        if fmt is formats.TURTLE:
            return Response(turtle, media_type=fmt.content_type, headers=headers)
        triples = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
        body = ox.serialize(triples, format=fmt.ox, prefixes=writer_prefixes(fmt, iris_of(triples)))
        return Response(body, media_type=fmt.content_type, headers=headers)

    api.add("/dumps/", index, methods=["GET", "HEAD"], summary="The downloadable files (HTML or JSON)")
    def redirect() -> Response:
        return Response(status_code=308, headers={"Location": "/dumps/"})

    api.add("/dumps", redirect, methods=["GET", "HEAD"], include_in_schema=False)
    api.add("/dumps/{name}", download, methods=["GET", "HEAD"], summary="One file of the build")
    api.add("/.well-known/void", void, methods=["GET", "HEAD"], summary="VoID and DCAT description")
    return api


__all__ = ["router", "scan", "CHECKSUMS_FILE"]



class PinnedFile:
    """A read-only file over a duplicate of an open descriptor, read with ``pread`` at its own offset, so
    concurrent downloads of one dump never move each other's position, and closing it leaves the original open."""

    def __init__(self, fd: int):
        self._fd = os.dup(fd)
        self._offset = 0

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._offset = offset if whence == os.SEEK_SET else self._offset + offset
        return self._offset

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = os.fstat(self._fd).st_size - self._offset
        data = os.pread(self._fd, size, self._offset)
        self._offset += len(data)
        return data

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> PinnedFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PinnedFileResponse(FileResponse):
    """Starlette's FileResponse (ranges, HEAD, Last-Modified) over the descriptor a listing opened, not its path."""

    def __init__(self, entry: DumpFile, **kwargs):
        super().__init__(entry.path, stat_result=os.fstat(entry.fd), **kwargs)
        self._pinned_fd = entry.fd

    async def __call__(self, scope, receive, send) -> None:
        # "pathsend" would hand the server the path, which a rebuild may have renamed away.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if k != "http.response.pathsend"}
        await super().__call__({**scope, "extensions": extensions}, receive, send)

    @contextlib.asynccontextmanager
    async def _open_file(self):
        file = anyio.wrap_file(cast(IO[bytes], PinnedFile(self._pinned_fd)))  # read, seek, close: all it uses
        try:
            yield file
        finally:
            with anyio.CancelScope(shield=True):
                await file.aclose()
