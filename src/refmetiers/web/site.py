"""`refmetiers site OUT/`: the whole publication as static files, and the server rules that negotiate them.

Every IRI we publish (``/id/…``, ``/scheme/…``, ``/def``, ``/dataset`` and every release's ``/def/X.Y.Z``,
``/dataset/X.Y.Z``) gets one file per representation (HTML, Turtle, JSON-LD, N-Triples, RDF/XML), the dumps
are copied under ``dumps/`` (a release's under ``dumps/X.Y.Z/``, with ``/releases/`` and ``/changes/…``), the VoID under
``.well-known/``, and the label index goes to ``search-index.json``. The files are the web application's
own answers: the site is made by asking the app (in process, no socket) for each IRI in each format, so
a page or a serialisation is rendered by exactly the code ``refmetiers serve`` runs, never a copy of it.
Like ``web/`` and ``cli.py`` this module sits on top of the others.

Next to the tree, ``server/`` holds the rules that do the content negotiation on a plain HTTP server:
an nginx configuration (a ``map`` on ``Accept``, ``Vary: Accept``), an Apache ``.htaccess`` and the
w3id.org redirect rules. The ``Accept`` rules are regular expressions derived from the format registry:
the first media range in ``Accept`` that names a representation we have (or a wildcard) decides; a range
with ``q=0`` is skipped. That is our negotiation whenever the client lists its types in order of
preference (browsers, curl, SPARQLWrapper, rdflib, Jena); a header that puts a lower q-value first
(``text/turtle;q=0.4, application/ld+json;q=0.5``) gets its first type from the static server, its
preferred one from ``refmetiers serve`` (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .. import formats
from ..config import Settings
from ..dumps import swap_in
from ..errors import ConfigError
from ..labelsearch import label_index
from ..store import select

MARKER = ".refmetiers-site"
# The dynamic routes a static host cannot answer; the nginx config proxies them when given an upstream.
DYNAMIC_ROUTES = ("/sparql", "/search", "/compare", "/docs", "/openapi.json", "/healthz", "/readyz")
RESOURCE_ROOTS = ("id/", "scheme/", "def/", "dataset/")  # def/X.Y.Z, dataset/X.Y.Z: when the app serves them
RESOURCE_FIXED = ("def", "dataset")
# How long a cache may keep an answer; the same values as the app's (web/resources.py, web/dumps.py).
RESOURCE_MAX_AGE = 300
DUMP_MAX_AGE = 3600
RELEASE_MAX_AGE = 86400  # a release never changes once cut (web/releases.py)


@dataclass(frozen=True)
class SiteOptions:
    """How the generated server configuration is set up."""

    listen: str = "8080"
    server_name: str = "_"
    upstreams: tuple[str, ...] = ()  # `refmetiers serve` replicas (URLs) answering the dynamic routes
    cache: bool = False  # nginx proxy_cache in front of the upstreams (SPARQL GET answers are cacheable)
    public_url: str | None = None  # where the site is published: the target of the w3id.org redirects


@dataclass
class SiteResult:
    out: Path
    resources: int = 0
    files: int = 0
    bytes: int = 0
    data_version: str = ""
    written: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Accept negotiation as regular expressions (PCRE for nginx and Apache; Python's re reads them alike).
# --------------------------------------------------------------------------------------------------

def _alternatives(media_types: list[str]) -> str:
    return "|".join(t.replace("+", "\\+").replace(".", "\\.").replace("*", "\\*") for t in media_types)


def _entry(media_types: list[str]) -> str:
    """One media range of ``Accept`` naming one of ``media_types``, with parameters but no ``q=0``."""
    return (r"\s*(?:" + _alternatives(media_types) + r")\s*"
            r"(?:;(?![^,]*q\s*=\s*0(?:\.0*)?\s*(?:[;,]|$))[^,]*)?(?:,|$)")


def accept_patterns(offered: tuple[formats.Format, ...]) -> dict[str, str]:
    """For each offered format's extension, the regular expression of the ``Accept`` headers that choose it.

    The first media range naming something we offer (or ``*/*``, ``type/*``) decides; other ranges
    before it are skipped. A wildcard goes to the first offered format it covers, as ``formats.negotiate``
    does on a tie. The expressions never overlap; a header none matches gets 406.
    """
    by_format: dict[str, list[str]] = {f.extension: list(f.all_media_types) for f in offered}
    for wildcard in ("*/*", *sorted({t.split("/")[0] + "/*" for f in offered for t in f.all_media_types})):
        main = wildcard.split("/")[0]
        covering = [f for f in offered if any(main in ("*", t.split("/")[0]) for t in f.all_media_types)]
        by_format[covering[0].extension].append(wildcard)
    every = [t for types in by_format.values() for t in types]
    skip = r"^(?:(?!" + _entry(every) + r")[^,]*,)*"
    return {ext: skip + _entry(types) for ext, types in by_format.items()}


def choose_extension(accept: str | None, offered: tuple[formats.Format, ...]) -> str | None:
    """What the generated rules choose for ``accept`` (for tests and docs): an extension, or ``None`` (406)."""
    import re

    if not accept:
        return offered[0].extension
    for ext, pattern in accept_patterns(offered).items():
        if re.search(pattern, accept, re.IGNORECASE):
            return ext
    return None


def format_parameter_values(offered: tuple[formats.Format, ...]) -> dict[str, str]:
    """The ``?format=`` values the app takes (short name, extension, media types), percent-encoded too."""
    values: dict[str, str] = {}
    for fmt in offered:
        for value in (fmt.name, fmt.extension, *fmt.all_media_types):
            values[value.lower()] = fmt.extension
            values[quote(value, safe="").lower()] = fmt.extension
    return values


# --------------------------------------------------------------------------------------------------
# The tree.
# --------------------------------------------------------------------------------------------------

RESOURCES_QUERY = """SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "%s")) }"""


def resource_paths(store, base: str) -> list[str]:
    """The paths (under ``base``) of the resources the app may dereference: /id/…, /scheme/…, /def…, /dataset…."""
    paths = set()
    for row in select(store, RESOURCES_QUERY % base):
        rest = row["s"].value[len(base):]
        if "#" in rest or "?" in rest:
            continue
        if rest in RESOURCE_FIXED or (rest.startswith(RESOURCE_ROOTS) and rest.split("/", 1)[1]
                                      and not rest.endswith("/") and ".." not in rest.split("/")):
            paths.add(rest)
    return sorted(paths)


class _Writer:
    """Writes the files of the tree with a modification time keyed on the data release and the format.

    nginx and Apache derive their ``ETag`` from the modification time and size: a release-keyed time makes
    the tag change with the data, and a different time per format keeps the representations of one IRI apart.
    """

    def __init__(self, root: Path, data_version: str, result: SiteResult):
        self.root = root
        # The data version is "X.Y.Z" or "X.Y.Z+<hex>" (releases.data_version): hash it to a number of seconds.
        self.epoch = 1_500_000_000 + int(hashlib.sha256(data_version.encode("utf-8")).hexdigest()[:7], 16)
        self.result = result

    def write(self, relative: str, body: bytes, slot: int = 0) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.utime(path, (self.epoch + slot, self.epoch + slot))
        self.result.files += 1
        self.result.bytes += len(body)


async def _get(client, path: str, accept: str | None = None, params: dict | None = None) -> bytes:
    response = await client.get(path, headers={"Accept": accept} if accept else {}, params=params)
    if response.status_code != 200:
        raise ConfigError(f"{path}: the application answered {response.status_code} while writing the site: "
                          f"{response.text[:300]} / l'application a répondu {response.status_code} pendant l'écriture "
                          "du site")
    return response.content


def write_site(settings: Settings, out: Path, options: SiteOptions | None = None) -> SiteResult:
    """Write the static publication of ``settings.dist`` to ``out`` (replaced as a whole, atomically).

    Raises:
        ConfigError: ``out`` is a folder that is not a previous site (it is never overwritten), or the
            build is missing.
    """
    import asyncio

    options = options or SiteOptions()
    check_options(options)
    out = Path(out).absolute()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ConfigError(f"{out}: exists and is not a site written by `refmetiers site`; choose an empty or new "
                          "folder / ce dossier existe et n'a pas été écrit par `refmetiers site` ; choisissez un "
                          "dossier vide ou nouveau")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp's 0700 would hide the tree from the web server's user
    result = SiteResult(out)
    try:
        asyncio.run(_write_tree(settings, staging, result))
        from .dumps import LISTING, VOID_OFFER
        from .releases import CHANGES_OFFER
        from .resources import OFFERED

        server = staging / "server"
        server.mkdir()
        (server / "nginx.conf").write_text(nginx_config(out, options, OFFERED, VOID_OFFER, LISTING, CHANGES_OFFER)
                                           .replace("{version}", result.data_version), encoding="utf-8")
        (server / "nginx-standalone.conf").write_text(NGINX_STANDALONE, encoding="utf-8")
        (staging / ".htaccess").write_text(htaccess(options, OFFERED, VOID_OFFER, LISTING, CHANGES_OFFER),
                                           encoding="utf-8")
        if options.public_url:
            (server / "w3id.htaccess").write_text(w3id_htaccess(settings.base_iri, options.public_url),
                                                  encoding="utf-8")
        (staging / MARKER).write_text(json.dumps({"data_version": result.data_version,
                                                  "resources": result.resources}) + "\n", encoding="utf-8")
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


async def _write_tree(settings: Settings, staging: Path, result: SiteResult) -> None:
    """Ask the web application, in process, for every representation, and write each to ``staging``."""
    import httpx

    from .. import query as qs
    from . import create_app
    from .dumps import LISTING, VOID_OFFER
    from .resources import OFFERED

    app = create_app(settings, limits=qs.Limits(workers=1))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://site.invalid") as client:
            context = app.state.ctx
            result.data_version = context.version
            writer = _Writer(staging, context.version, result)
            paths = resource_paths(context.store, settings.base_iri)
            result.resources = len(paths)
            for path in paths:
                url = "/" + quote(path, safe="/")
                if (await client.head(url)).status_code == 404:  # a subject the app does not dereference
                    result.resources -= 1
                    continue
                for slot, fmt in enumerate(OFFERED):
                    writer.write(f"{path}.{fmt.extension}", await _get(client, url, params={"format": fmt.name}),
                                 slot)
            for slot, fmt in enumerate(VOID_OFFER):
                writer.write(f".well-known/void.{fmt.extension}",
                             await _get(client, "/.well-known/void", params={"format": fmt.name}), slot)
            for slot, fmt in enumerate(LISTING):
                writer.write(f"dumps/index.{fmt.extension}",
                             await _get(client, "/dumps/", params={"format": fmt.name}), slot)
            for name, entry in sorted(context.dumps.items()):
                writer.write(f"dumps/{name}", entry.read_bytes())
            await _write_releases(client, settings, writer)
            writer.write("index.html", await _get(client, "/", accept="text/html"))
            for name in static_files():
                writer.write(f"static/{name}", await _get(client, f"/static/{name}"))
            writer.write("search-index.json", search_index(context.store, settings.base_iri))
            for status, body in _error_bodies().items():
                writer.write(f".errors/{status}.json", json.dumps(body, ensure_ascii=False).encode("utf-8"))
            # What a browser gets instead (a page of the site; nginx picks it when Accept names text/html).
            for status, (path, params, accept) in HTML_ERRORS.items():
                writer.write(f".errors/{status}.html", await _get_error(client, path, params, accept, status))


async def _write_releases(client, settings: Settings, writer: _Writer) -> None:
    """Every release's version IRIs and files, as the app answers them: ``/def/X.Y.Z`` (``/dataset/X.Y.Z`` is a
    resource of the store), ``/dumps/X.Y.Z/`` and its files, ``/releases/`` and ``/changes/OLD/NEW``."""
    from ..catalogue import catalogue
    from .releases import CHANGES_OFFER
    from .releases import LISTING as RELEASES_LISTING
    from .resources import OFFERED

    cut = catalogue(settings.releases_dir, settings.base_iri)
    if not cut:
        return
    for slot, fmt in enumerate(RELEASES_LISTING):
        writer.write(f"releases/index.{fmt.extension}", await _get(client, "/releases/", params={"format": fmt.name}),
                     slot)
    for entry in cut:
        version = entry.version
        for iri in ("def", "dataset"):
            if (writer.root / f"{iri}/{version}.{OFFERED[0].extension}").is_file():
                continue  # already written as a resource of the store
            for slot, fmt in enumerate(OFFERED):
                writer.write(f"{iri}/{version}.{fmt.extension}",
                             await _get(client, f"/{iri}/{version}", params={"format": fmt.name}), slot)
        for slot, fmt in enumerate(RELEASES_LISTING):
            writer.write(f"dumps/{version}/index.{fmt.extension}",
                         await _get(client, f"/dumps/{version}/", params={"format": fmt.name}), slot)
        listed = json.loads(await _get(client, f"/dumps/{version}/", params={"format": "json"}))
        for file in listed["files"]:
            writer.write(f"dumps/{version}/{file['name']}", await _get(client, file["url"]))
        if entry.has_changes:
            for slot, fmt in enumerate(CHANGES_OFFER):
                writer.write(f"changes/{entry.previous}/{version}.{fmt.extension}",
                             await _get(client, f"/changes/{entry.previous}/{version}", params={"format": fmt.name}),
                             slot)


def static_files() -> list[str]:
    """The files under /static/ (stylesheet, icon, the query page's script, the vendored YASGUI and Swagger UI)."""
    from importlib.resources import files

    names, folders = [], [(files("refmetiers.web") / "static", "")]
    while folders:
        folder, prefix = folders.pop()
        for child in folder.iterdir():
            if child.is_dir():
                folders.append((child, f"{prefix}{child.name}/"))
            elif not child.name.startswith(".") and child.name != "README.md":
                names.append(prefix + child.name)
    return sorted(names)


def search_index(store, base: str) -> bytes:
    """The label index as JSON for a page script: one entry per label, with its normalised search key."""
    from .links import local_href

    entries = sorted(label_index(store).entries, key=lambda e: (e.iri, not e.preferred, e.lang, e.label))
    body = {"own": base + "id/",
            "fields": ["iri", "href", "label", "lang", "preferred", "key"],
            "labels": [[e.iri, local_href(e.iri, base), e.label, e.lang, e.preferred, e.key] for e in entries]}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------------------------------
# Server configuration.
# --------------------------------------------------------------------------------------------------

# A request that makes the app answer each status to a browser, for the static error pages.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"
HTML_ERRORS = {400: ("/def", {"format": "pdf"}, BROWSER_ACCEPT), 404: ("/id/.errors-404", None, BROWSER_ACCEPT),
               406: ("/.well-known/void", None, "text/html")}


async def _get_error(client, path: str, params: dict | None, accept: str, status: int) -> bytes:
    response = await client.get(path, params=params, headers={"Accept": accept})
    if response.status_code != status or not response.headers.get("content-type", "").startswith("text/html"):
        raise ConfigError(f"{path}: expected a {status} page, got {response.status_code} / page {status} attendue, "
                          f"{response.status_code} reçue")
    return response.content


def _error_bodies() -> dict[int, dict]:
    return {
        400: {"status": 400, "error": "BadRequest",
              "message": "format: not served here; choose one of ttl, html, jsonld, nt, rdf",
              "message_fr": "format : non servi ici ; choisissez ttl, html, jsonld, nt ou rdf"},
        404: {"status": 404, "error": "NotFound", "message": "no such resource in this dataset",
              "message_fr": "aucune ressource à cette adresse dans ce jeu de données"},
        406: {"status": 406, "error": "NotAcceptable",
              "message": "none of the media types in Accept is served here",
              "message_fr": "aucun des types de média de l'en-tête Accept n'est servi ici"},
    }


def _types_block(offered_sets) -> str:
    # Every extension of the format registry (dumps such as the crosswalk CSV and the SSSOM TSV files need
    # theirs), then the offered sets, whose choice wins where two formats share an extension.
    lines = {fmt.extension: fmt.media_type for fmt in formats.FORMATS}
    for offered in offered_sets:
        for fmt in offered:
            lines[fmt.extension] = fmt.media_type
    lines.update({"html": "text/html", "css": "text/css", "json": "application/json", "gz": formats.GZIP_MEDIA_TYPE,
                  "trig": formats.TRIG.media_type, "nq": formats.NQUADS.media_type,
                  "csv": formats.RESULTS_CSV.media_type, "tsv": formats.RESULTS_TSV.media_type})
    return "\n".join(f"        {media} {ext};" for ext, media in sorted(lines.items()))


def _charset_types() -> str:
    return " ".join(sorted({"text/plain"} | {f.media_type for f in formats.FORMATS
                            if f.media_type.startswith("text/") or f.media_type == "application/n-triples"}))


def _nginx_map(variable: str, source: str, patterns: dict[str, str], empty: str) -> str:
    lines = [f"map {source} {variable} {{", '    default "";', f'    "" {empty};']
    lines += [f'    "~*{pattern}" {ext};' for ext, pattern in patterns.items()]
    return "\n".join(lines + ["}"])


def _nginx_format_map(variable: str, values: dict[str, str]) -> str:
    lines = [f"map $arg_format {variable} {{", "    default bad;", '    "" "";']
    lines += [f'    "{value}" {ext};' for value, ext in sorted(values.items())]
    return "\n".join(lines + ["}"])


def _nginx_link_map(variable: str, source: str, offered: tuple[formats.Format, ...]) -> str:
    lines = [f"map {source} {variable} {{", '    default "";']
    for fmt in offered:
        others = ", ".join(f'<$rm_path?format={o.name}>; rel=\\"alternate\\"; type=\\"{o.media_type}\\"'
                           for o in offered if o is not fmt)
        lines.append(f'    {fmt.extension} "{others}";')
    return "\n".join(lines + ["}"])


def check_options(options: SiteOptions) -> None:
    """Refuse wrong options before anything is built or written.

    Raises:
        ConfigError: an ``--upstream`` is not http://HOST:PORT.
    """
    _nginx_upstream(options)


# nginx keeps a cached answer's key (its URI: a GET query, percent-encoded) in the buffer of the answer's head, so
# that buffer must hold both; a longer URI is passed through uncached (it would fail with 502 "upstream sent too big
# header" with nginx's default 4 KB, which a third of the cookbook's queries pass).
PROXY_HEAD_BUFFER_KB = 16
LONGEST_CACHED_URI = 12_000


def _nginx_upstream(options: SiteOptions) -> tuple[str, str, str]:
    """The ``upstream`` (and cache) of the replicas, the server's directives for long requests, and the location
    that proxies the dynamic routes to them."""
    from urllib.parse import urlsplit

    from .server import MAX_REQUEST_HEAD

    if not options.upstreams:
        return "", "", ""
    servers = []
    for url in options.upstreams:
        parts = urlsplit(url if "//" in url else "http://" + url)
        if not parts.hostname or not parts.port or parts.path not in ("", "/"):
            raise ConfigError(f"--upstream {url!r}: give http://HOST:PORT of a `refmetiers serve` / donnez "
                              "http://HÔTE:PORT d'un `refmetiers serve`")
        servers.append(f"    server {parts.hostname}:{parts.port} max_fails=1 fail_timeout=2s;")
    upstream = "\n".join(["", "upstream refmetiers_replicas {", *servers, "    keepalive 32;", "}"])
    cache = ""
    if options.cache:
        upstream += ("\nproxy_cache_path cache levels=1:2 keys_zone=refmetiers_cache:10m max_size=1g inactive=10m "
                     "use_temp_path=off;\nmap $request_uri $refmetiers_uncached {\n    default 0;\n"
                     f'    "~^.{{{LONGEST_CACHED_URI},}}" 1;\n}}')
        cache = f"""
        # SPARQL GET answers carry Cache-Control and a release-keyed ETag: repeated queries stop here.
        proxy_cache refmetiers_cache;
        proxy_cache_revalidate on;
        proxy_cache_lock on;
        proxy_cache_use_stale error timeout updating;
        # The answer's head and its key (the URI) share one buffer: URIs too long for it are not cached.
        proxy_buffer_size {PROXY_HEAD_BUFFER_KB}k;
        proxy_buffers 8 {PROXY_HEAD_BUFFER_KB}k;
        proxy_busy_buffers_size {2 * PROXY_HEAD_BUFFER_KB}k;
        proxy_cache_bypass $refmetiers_uncached;
        proxy_no_cache $refmetiers_uncached;
        add_header X-Cache-Status $upstream_cache_status always;"""
    routes = "|".join(r.lstrip("/").replace(".", "\\.") for r in DYNAMIC_ROUTES)
    location = f"""
    # The dynamic routes go to the replicas. A replica that refuses the connection (stopping, down) is
    # skipped and the request tried on the next: the endpoint is read-only, so a POSTed query may be retried.
    # A 503 (a query past its time budget) is not retried: it would cost another replica as much.
    location ~ ^/({routes})(/|$) {{
        proxy_pass http://refmetiers_replicas;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_next_upstream error timeout non_idempotent;
        proxy_next_upstream_tries 3;{cache}
    }}
"""
    # A GET query as long as `serve` takes (its request head up to MAX_REQUEST_HEAD), not nginx's 8 KB (414).
    server = f"    large_client_header_buffers 4 {MAX_REQUEST_HEAD // 1024}k;\n"
    return upstream, server, location


def nginx_config(out: Path, options: SiteOptions, offered, void_offer, listing, changes) -> str:
    """An nginx ``http``-level include: the negotiation maps and one ``server`` serving ``out``.

    ``nginx -c`` needs a main file around it (events, pid, temp paths): ``include`` this one in its
    ``http`` block, or see docs/deploy.md for a complete example.
    """
    groups = {"res": offered, "void": void_offer, "list": listing, "changes": changes}
    maps = []
    for key, group in groups.items():
        maps.append(_nginx_map(f"$rm_{key}_accept", "$http_accept", accept_patterns(group), group[0].extension))
        maps.append(_nginx_format_map(f"$rm_{key}_param", format_parameter_values(group)))
        maps.append(f"map $rm_{key}_param $rm_{key} {{\n    default $rm_{key}_param;\n    \"\" $rm_{key}_accept;\n}}")
    # The path as requested ($uri changes when try_files picks the file), for the Link header.
    maps.append('map $request_uri $rm_path {\n    default $uri;\n    "~^(?<rm_p>[^?]*)" $rm_p;\n}')
    # A browser (Accept names text/html, not at q=0) gets the error as a page of the site, others JSON.
    maps.append('map $http_accept $rm_error {\n    default json;\n'
                '    "~*text/html(?!\\s*;\\s*q=0(\\.0*)?\\s*(,|$))" html;\n}')
    maps.append(_nginx_link_map("$rm_res_link", "$rm_res", offered))
    root = str(out)

    def negotiated(key: str, file_prefix: str, max_age: int) -> str:
        return f"""        if (!-f {file_prefix}.{groups[key][0].extension}) {{ return 404; }}
        if ($rm_{key} = bad) {{ return 400; }}
        if ($rm_{key} = "") {{ return 406; }}
        add_header Vary Accept always;
        add_header Cache-Control "public, max-age={max_age}";
        try_files {file_prefix.replace("$document_root", "")}.$rm_{key} =404;"""

    upstream, long_requests, proxied = _nginx_upstream(options)
    errors = "\n".join(f"    error_page {status} /.errors/{status}.{'$rm_error' if status in HTML_ERRORS else 'json'};"
                       for status in _error_bodies())
    return f"""# Generated by `refmetiers site` (data version {{version}}); regenerate rather than edit.
# Include it in nginx's http {{ }} block. The static tree is {root}.

{chr(10).join(maps)}
{upstream}
server {{
    listen {options.listen};
    server_name {options.server_name};
    root {root};
    charset utf-8;
    charset_types {_charset_types()};
    types {{
{_types_block([offered, void_offer, listing, changes])}
    }}
    default_type application/octet-stream;
    absolute_redirect off;
{long_requests}{errors}

    location ^~ /.errors/ {{
        internal;
        default_type application/json;
        types {{ text/html html; application/json json; }}
        add_header Vary Accept always;
    }}
    location = /.refmetiers-site {{ return 404; }}
    location ^~ /server/ {{ return 404; }}

    # Every IRI we publish: one file per representation, chosen by ?format= or Accept. A version IRI
    # (/def/X.Y.Z, /dataset/X.Y.Z) never changes: it is cached longer.
    location ~ ^/(def|dataset)/$ {{ return 307 /$1; }}
    location ~ ^/(def|dataset)/[^/]+$ {{
{negotiated("res", "$document_root$uri", RELEASE_MAX_AGE)}
        add_header Link $rm_res_link;
    }}
    location ~ ^/(id|scheme|def|dataset)(/|$) {{
{negotiated("res", "$document_root$uri", RESOURCE_MAX_AGE)}
        add_header Link $rm_res_link;
    }}
    location = /.well-known/void {{
{negotiated("void", "$document_root/.well-known/void", RESOURCE_MAX_AGE)}
    }}
    location = /dumps {{ return 308 /dumps/; }}
    location = /dumps/ {{
        types {{ text/html html; application/json {listing[-1].extension}; }}
{negotiated("list", "$document_root/dumps/index", RESOURCE_MAX_AGE)}
    }}
    location ^~ /dumps/ {{
        add_header Cache-Control "public, max-age={DUMP_MAX_AGE}";
        location ~ \\.gz$ {{
            add_header Cache-Control "public, max-age={DUMP_MAX_AGE}";
            add_header Content-Disposition "attachment";
        }}
        location ~ /SHA256SUMS$ {{
            default_type text/plain;
            types {{ }}
            add_header Cache-Control "public, max-age={DUMP_MAX_AGE}";
        }}
        location ~ ^/dumps/(?:[^/]+/)?index\\. {{ return 404; }}
        # A release's files: /dumps/X.Y.Z/ lists them.
        location ~ ^/dumps/[^/]+/$ {{
            types {{ text/html html; application/json {listing[-1].extension}; }}
{negotiated("list", "$document_root${uri}index", RELEASE_MAX_AGE)}
        }}
    }}
    # The releases and their published diffs (web/releases.py).
    location = /releases {{ return 308 /releases/; }}
    location = /releases/ {{
        types {{ text/html html; application/json {listing[-1].extension}; }}
{negotiated("list", "$document_root/releases/index", RESOURCE_MAX_AGE)}
    }}
    location ^~ /releases/ {{ return 404; }}
    location ~ ^/changes/[^/]+/[^/]+$ {{
        types {{
{_types_block([changes])}
        }}
{negotiated("changes", "$document_root$uri", RELEASE_MAX_AGE)}
    }}
    location = / {{
        try_files /index.html =404;
    }}
    location = /search-index.json {{
        add_header Cache-Control "public, max-age={RESOURCE_MAX_AGE}";
        add_header Access-Control-Allow-Origin *;
    }}
    location ^~ /static/ {{ }}
{proxied}
    location / {{ return 404; }}
}}
"""


NGINX_STANDALONE = """# A complete nginx main file around nginx.conf, for a quick start or a test:
#   nginx -p /var/lib/refmetiers-nginx -c OUT/server/nginx-standalone.conf
# nginx writes its pid, log, temporary files and cache under the -p folder: keep it outside OUT, which
# `refmetiers site` replaces as a whole (then `nginx -s reload` is not even needed: the files are read per request).
daemon off;
worker_processes auto;
pid nginx.pid;
error_log error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000;
    client_body_temp_path tmp-body;
    proxy_temp_path tmp-proxy;
    fastcgi_temp_path tmp-fastcgi;
    uwsgi_temp_path tmp-uwsgi;
    scgi_temp_path tmp-scgi;
    include nginx.conf;
}
"""


def htaccess(options: SiteOptions, offered, void_offer, listing, changes) -> str:
    """Apache rules (mod_rewrite, mod_headers, mod_mime) for the same tree, in the site's root folder."""
    # The same table as nginx's types block (every extension of the registry), and the listing's JSON as the
    # app answers it.
    mimes = dict(line.split()[::-1] for line in
                 (entry.strip().rstrip(";") for entry in
                  _types_block([offered, void_offer, listing, changes]).splitlines()))
    mimes[listing[-1].extension] = "application/json"
    text = sorted(ext for ext, media in mimes.items() if media.startswith("text/") or media == "application/n-triples")
    representations = "|".join(sorted({f.extension for g in (offered, void_offer, listing, changes) for f in g}))
    lines = [
        "# Generated by `refmetiers site`; regenerate rather than edit. The same negotiation as server/nginx.conf",
        "# (a map on Accept, then ?format=); needs AllowOverride All and mod_rewrite, mod_headers, mod_mime.",
        "Options -MultiViews -Indexes",
        "AddDefaultCharset utf-8",
        *[f"AddType {media} .{ext}" for ext, media in sorted(mimes.items())],
        "AddCharset utf-8 " + " ".join(f".{ext}" for ext in text),
        '<Files "SHA256SUMS">', '    ForceType "text/plain; charset=utf-8"', "</Files>",
        "RemoveEncoding .gz",  # a .gz dump is the gzip file itself, never a Content-Encoding of another type
        '<FilesMatch "\\.gz$">', f"    ForceType {formats.GZIP_MEDIA_TYPE}",
        '    Header set Content-Disposition "attachment"', "</FilesMatch>",
        *[f"ErrorDocument {status} /.errors/{status}.json" for status in _error_bodies()],
        # A browser gets an error page of the site instead, where the site has one.
        *[line for status in _error_bodies() for line in (
            f"<If \"-f '%{{DOCUMENT_ROOT}}/.errors/{status}.html' && %{{HTTP_ACCEPT}} =~ "
            "m#text/html(?!\\s*;\\s*q=0(\\.0*)?\\s*(,|$))#i\">",
            f"    ErrorDocument {status} /.errors/{status}.html", "</If>")],
        'Header merge Vary Accept env=REDIRECT_RM_NEGOTIATED',
        f'Header set Cache-Control "public, max-age={RESOURCE_MAX_AGE}" env=REDIRECT_RM_NEGOTIATED',
        '<If "%{THE_REQUEST} =~ m#^\\S+ /dumps/(?:[^/?\\s]+/)?[^/?\\s]+[?\\s]#">',
        f'    Header set Cache-Control "public, max-age={DUMP_MAX_AGE}"',
        "</If>",
        "RewriteEngine on",
        "# Only what is published: not these rules, the site's marker, the error bodies, nor the files behind a",
        "# negotiated IRI (they are reached through it).",
        "RewriteCond %{ENV:REDIRECT_STATUS} ^$",
        "RewriteRule ^(server/.*|\\.refmetiers-site|\\.htaccess|\\.errors/.*|(id|scheme|def|dataset|changes)/.+\\.("
        + representations + ")|(def|dataset|\\.well-known/void|dumps/index|dumps/[^/]+/index|releases/index)\\.("
        + representations + "))$ - [R=404,L]",
        "RewriteRule ^dumps$ /dumps/ [R=308,L]",
        "RewriteRule ^releases$ /releases/ [R=308,L]",
        "RewriteRule ^(def|dataset)/$ /$1 [R=307,L]",
    ]
    groups = [("(?:id|scheme|def|dataset)/.+|def|dataset", offered, ""), ("\\.well-known/void", void_offer, ""),
              ("dumps/", listing, "index"), ("releases/", listing, "index"), ("dumps/[^/]+/", listing, "index"),
              ("changes/[^/]+/[^/]+", changes, "")]
    for path_pattern, group, suffix in groups:
        rule = f"^({path_pattern})$"
        first = f"%{{DOCUMENT_ROOT}}/$1{suffix}.{group[0].extension}"
        values = format_parameter_values(group)
        for fmt in group:
            names = "|".join(sorted(re_escape(v) for v, e in values.items() if e == fmt.extension))
            lines += [f'RewriteCond "%{{QUERY_STRING}}" "(?:^|&)format=(?:{names})(?:&|$)" [NC]',
                      f"RewriteCond %{{DOCUMENT_ROOT}}/$1{suffix}.{fmt.extension} -f",
                      f"RewriteRule {rule} /$1{suffix}.{fmt.extension} [END,E=RM_NEGOTIATED:1]"]
        lines += ['RewriteCond "%{QUERY_STRING}" "(?:^|&)format=[^&]"', f"RewriteCond {first} -f",
                  f"RewriteRule {rule} - [R=400,L]"]
        for ext, pattern in accept_patterns(group).items():
            if ext == group[0].extension:
                lines += [f'RewriteCond "%{{HTTP_ACCEPT}}" "{pattern}" [NC,OR]', 'RewriteCond "%{HTTP_ACCEPT}" "^$"']
            else:
                lines.append(f'RewriteCond "%{{HTTP_ACCEPT}}" "{pattern}" [NC]')
            lines += [f"RewriteCond %{{DOCUMENT_ROOT}}/$1{suffix}.{ext} -f",
                      f"RewriteRule {rule} /$1{suffix}.{ext} [END,E=RM_NEGOTIATED:1]"]
        lines += [f"RewriteCond {first} -f", f"RewriteRule {rule} - [R=406,L]"]
    return "\n".join(lines) + "\n"


def re_escape(value: str) -> str:
    return value.replace("+", "\\+").replace(".", "\\.")


def w3id_htaccess(base: str, public_url: str) -> str:
    """The rules to submit to github.com/perma-id/w3id.org as ``refmetiers/.htaccess``.

    Every path under the persistent base goes to the same path on the host, with the query string; the
    client's ``Accept`` travels with the redirect, so the host negotiates. 303 (see other) for the
    IRIs of things, 307 for /sparql so that a POSTed query stays a POST.
    """
    target = public_url.rstrip("/") + "/"
    return f"""# w3id.org rules for {base} (generated by `refmetiers site --public-url {public_url}`).
# Submit as refmetiers/.htaccess to https://github.com/perma-id/w3id.org
Options +FollowSymLinks
RewriteEngine on
RewriteRule ^sparql$ {target}sparql [R=307,L]
RewriteRule ^$ {target} [R=302,L]
RewriteRule ^(.*)$ {target}$1 [R=303,L]
"""
