"""The releases and their version IRIs: ``/releases/`` (HTML, JSON), ``/dataset/X.Y.Z`` (the release's
VoID and DCAT), ``/def/X.Y.Z`` (the ontology as released), ``/dumps/X.Y.Z/…`` (the release's files)
and ``/changes/OLD/NEW`` (the diff, as RDF, JSON or HTML).

Everything is read from releases/X.Y.Z/, which never changes once cut: answers are cached for a day
and their ETags are the files' checksums.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from .. import formats
from ..catalogue import CHANGES_STEM, QUADS_DUMP, CutRelease, media_type_of, sha256
from ..catalogue import catalogue as read_catalogue
from ..namespaces import KIND_PREFIXES, graph_name, iris_of, writer_prefixes
from .common import alternates, choose_format, etag, not_modified, query_params
from .errors import NotFound
from .html import render as render_page
from .resources import OFFERED
from .routes import Api

LISTING = (formats.HTML, formats.JSON)
RDF_OFFER = (formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)
PAGE_OFFER = OFFERED  # a version IRI negotiates as its unversioned IRI does (/def, /dataset): Turtle by default
CHANGES_OFFER = (formats.HTML, formats.JSON, *RDF_OFFER)
IMMUTABLE = "public, max-age=86400"


def _serialise(triples: list, fmt: formats.Format) -> bytes:
    from ..changes import CHANGE_PREFIXES  # kgcl-schema and linkml take 0.6 s to import: not at start-up

    candidates = {**CHANGE_PREFIXES, **KIND_PREFIXES}
    written = ox.serialize(triples, format=fmt.ox, prefixes=writer_prefixes(fmt, iris_of(triples), candidates))
    return written or b""


def router(context) -> Api:
    api = Api(tags=["Releases"])
    settings = context.settings
    base = settings.base_iri
    cache: dict[str, object] = {}

    def catalogue() -> list[CutRelease]:
        if cache.get("version") != context.version:  # a new build may come with a new release
            cache.clear()
            cache["version"] = context.version
        if "catalogue" not in cache:
            cache["catalogue"] = read_catalogue(settings.releases_dir, base)
        return cache["catalogue"]  # type: ignore[return-value]

    def release(version: str) -> CutRelease:
        for entry in catalogue():
            if entry.version == version:
                return entry
        cut = ", ".join(e.version for e in reversed(catalogue())) or "none yet"
        raise NotFound(f"no release {version!r}; releases: {cut} (see /releases/)",
                       f"aucune version {version!r} ; versions : {cut} (voyez /releases/)")

    def respond(request: Request, path: str, offered: tuple[formats.Format, ...], key: str, html, rdf, json_body=None):
        """Negotiate, answer 304 when the client holds it, else build only the representation asked for."""
        params = query_params(request)
        fmt = choose_format(request, params, offered)
        tag = etag(key, fmt.name)
        headers = {"Vary": "Accept", "ETag": tag, "Link": alternates(path, offered, fmt), "Cache-Control": IMMUTABLE}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        if fmt is formats.HTML:
            from ..changes import CATEGORIES  # kgcl-schema and linkml take 0.6 s to import: not at start-up

            template, values = html()
            return render_page(context, request, template, headers=headers, categories=CATEGORIES, **values)
        if fmt is formats.JSON:
            return Response(json_body(), media_type=fmt.content_type, headers=headers)
        return Response(_serialise(rdf(), fmt), media_type=fmt.content_type, headers=headers)

    # ---- /releases/ ----
    def listing(request: Request) -> Response:
        entries = catalogue()
        key = "releases:" + ",".join(e.version for e in entries)

        def body() -> str:
            return json.dumps({"releases": [{
                "version": e.version, "issued": e.issued, "previous": e.previous,
                "dataset": f"{base}dataset/{e.version}", "ontology": f"{base}def/{e.version}",
                "dumps": f"/dumps/{e.version}/", "changes": f"/changes/{e.previous}/{e.version}" if e.has_changes
                else None, "counts": e.counts} for e in entries]}, ensure_ascii=False, indent=1)

        return respond(request, "/releases/", LISTING, key, lambda: ("releases.html", {"releases": entries}),
                       None, body)

    def listing_redirect() -> Response:
        return Response(status_code=308, headers={"Location": "/releases/"})

    # ---- /dataset/X.Y.Z ----
    def dataset(request: Request, version: str) -> Response:
        entry = release(version)
        void = entry.folder / "void.ttl"

        def triples() -> list:
            return list(ox.parse(path=str(void), format=ox.RdfFormat.TURTLE))

        return respond(request, f"/dataset/{version}", PAGE_OFFER, "dataset:" + sha256(void),
                       lambda: ("release.html", {"entry": entry, "files": _files(entry.folder)}), triples)

    # ---- /def/X.Y.Z ----
    def ontology(request: Request, version: str) -> Response:
        entry = release(version)
        dump = entry.folder / QUADS_DUMP

        def triples() -> list:
            if "def:" + version not in cache:
                graph = ox.NamedNode(graph_name("ontology", base))
                quads = ox.parse(gzip.decompress(dump.read_bytes()), format=ox.RdfFormat.N_QUADS)
                cache["def:" + version] = [ox.Triple(q.subject, q.predicate, q.object) for q in quads
                                           if q.graph_name == graph]
            return cache["def:" + version]  # type: ignore[return-value]

        def html() -> tuple[str, dict]:
            turtle = _serialise(triples(), formats.TURTLE).decode("utf-8")
            return "release-ontology.html", {"entry": entry, "turtle": turtle}

        return respond(request, f"/def/{version}", PAGE_OFFER, "def:" + sha256(dump), html, triples)

    # ---- /dumps/X.Y.Z/ and /dumps/X.Y.Z/{name} ----
    def dumps_listing(request: Request, version: str) -> Response:
        entry = release(version)
        files = _files(entry.folder)

        def body() -> str:
            return json.dumps({"version": version, "files": [
                {"name": name, "url": f"/dumps/{version}/{name}", "size": size, "sha256": digest,
                 "media_type": media_type} for name, size, digest, media_type in files]}, ensure_ascii=False,
                indent=1)

        return respond(request, f"/dumps/{version}/", LISTING, "dumps:" + sha256(entry.folder / "SHA256SUMS"),
                       lambda: ("release.html", {"entry": entry, "files": files}), None, body)

    def download(request: Request, version: str, name: str) -> Response:
        entry = release(version)
        path = entry.folder / name
        if name.startswith(".") or "/" in name:
            raise NotFound(f"no file {name!r} in release {version}",
                           f"aucun fichier {name!r} dans la version {version}")
        if path.is_file():
            digest = sha256(path)
            headers = {"ETag": f'"{digest[:32]}"', "Cache-Control": IMMUTABLE}
            if not_modified(request, headers["ETag"]):
                return Response(status_code=304, headers=headers)
            media_type = media_type_of(name)
            fmt = formats.by_extension(name)
            if fmt is not None and fmt.charset and not name.endswith(".gz"):
                media_type = fmt.content_type
            disposition = "attachment" if name.endswith(".gz") else "inline"
            return FileResponse(path, media_type=media_type, headers=headers, content_disposition_type=disposition,
                                filename=name)
        zipped = entry.folder / (name + ".gz")
        fmt = formats.by_extension(name)
        if zipped.is_file() and fmt is not None:  # a release keeps dumps gzipped; the plain file is unzipped here
            data = gzip.decompress(zipped.read_bytes())
            tag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
            headers = {"ETag": tag, "Cache-Control": IMMUTABLE}
            if not_modified(request, tag):
                return Response(status_code=304, headers=headers)
            return Response(data, media_type=fmt.content_type, headers=headers)
        raise NotFound(f"no file {name!r} in release {version}; see /dumps/{version}/ for the list",
                       f"aucun fichier {name!r} dans la version {version} ; voyez la liste sur /dumps/{version}/")

    # ---- /changes/OLD/NEW ----
    def change_set(request: Request, old: str, new: str) -> Response:
        entry = release(new)
        if entry.previous != old or not entry.has_changes:
            pairs = ", ".join(f"/changes/{e.previous}/{e.version}" for e in catalogue() if e.has_changes) or "none"
            raise NotFound(f"no published diff from {old!r} to {new!r}; published: {pairs} (or run "
                           f"`refmetiers diff {old} {new}`)", f"aucune différence publiée de {old!r} à {new!r} ; "
                           f"publiées : {pairs} (ou lancez `refmetiers diff {old} {new}`)")
        stem = entry.folder / CHANGES_STEM
        json_file, ttl_file = stem.with_suffix(".json"), stem.with_suffix(".ttl")

        def html() -> tuple[str, dict]:
            from ..changes import from_json

            published = from_json(json_file.read_text(encoding="utf-8"))
            return "changes.html", {"change_set": published, "entry": entry, "base": base}

        def triples() -> list:
            return list(ox.parse(path=str(ttl_file), format=ox.RdfFormat.TURTLE))

        return respond(request, f"/changes/{old}/{new}", CHANGES_OFFER, "changes:" + sha256(json_file), html, triples,
                       lambda: json_file.read_text(encoding="utf-8"))

    api.add("/releases/", listing, methods=["GET", "HEAD"], summary="The releases (HTML or JSON)")
    api.add("/releases", listing_redirect, methods=["GET", "HEAD"], include_in_schema=False)
    api.add("/dataset/{version}", dataset, methods=["GET", "HEAD"],
            summary="A release's description (VoID, DCAT)")
    api.add("/def/{version}", ontology, methods=["GET", "HEAD"], summary="The ontology as released")
    api.add("/dumps/{version}/", dumps_listing, methods=["GET", "HEAD"], summary="A release's files")
    api.add("/dumps/{version}/{name}", download, methods=["GET", "HEAD"], summary="One file of a release")
    api.add("/changes/{old}/{new}", change_set, methods=["GET", "HEAD"],
            summary="The diff between a release and the previous one (KGCL: RDF, JSON, HTML)")
    return api


def _files(folder: Path) -> list[tuple[str, int, str, str]]:
    """(name, size, sha256, media type) of each file of a release, from its SHA256SUMS and the disk."""
    sums = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        sums[name] = digest
    return [(name, (folder / name).stat().st_size, digest, media_type_of(name))
            for name, digest in sorted(sums.items())]
