"""The one registry of RDF and SPARQL result formats, and Accept-header negotiation.

Dumps, content negotiation, file names and CLI choices all read this table, so that a media
type is spelled in one place only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["graph", "dataset", "results", "html", "data"]
# The short names (``?format=``, CLI choices, the worker pipe): a typo in a comparison is a type error.
FormatName = Literal["ttl", "nt", "jsonld", "rdf", "trig", "nq", "json", "xml", "csv", "tsv", "html", "md"]
# How a writer of the format is given prefixes (namespaces.writer_prefixes): only those under which no local
# name needs an escape (Turtle, TriG); those declared (RDF/XML: they name elements only); none.
PrefixPolicy = Literal["escape-free", "declared", "none"]
W3C = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name, media type, file extension, kind, and how others name it.

    ``pyoxigraph`` is the member of ``pyoxigraph.RdfFormat`` (graphs, datasets) or
    ``pyoxigraph.QueryResultsFormat`` (results) that writes it; ``w3c`` its IRI in the W3C format
    registry (http://www.w3.org/ns/formats/), used by service descriptions; ``charset`` what the
    Content-Type says for text formats; ``prefixes`` how its writer is given prefixes.
    """

    name: FormatName
    media_type: str
    extension: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    pyoxigraph: str | None = None
    w3c: str | None = None
    charset: str | None = None
    prefixes: PrefixPolicy = "none"

    @property
    def all_media_types(self) -> tuple[str, ...]:
        return (self.media_type,) + self.aliases

    @property
    def content_type(self) -> str:
        """The Content-Type header of this format (text formats say their charset)."""
        return self.media_type + (f"; charset={self.charset}" if self.charset else "")

    @property
    def ox(self) -> Any:
        """The pyoxigraph format object that reads and writes this format."""
        import pyoxigraph

        if self.pyoxigraph is None:
            raise ValueError(f"pyoxigraph does not write {self.name}")
        family = pyoxigraph.QueryResultsFormat if self.kind == "results" else pyoxigraph.RdfFormat
        return getattr(family, self.pyoxigraph)


TURTLE = Format("ttl", "text/turtle", "ttl", "graph", ("application/turtle", "application/x-turtle"), "TURTLE",
                W3C + "Turtle", "utf-8", prefixes="escape-free")
NTRIPLES = Format("nt", "application/n-triples", "nt", "graph", (), "N_TRIPLES", W3C + "N-Triples", "utf-8")
JSONLD = Format("jsonld", "application/ld+json", "jsonld", "graph", (), "JSON_LD", W3C + "JSON-LD")
RDFXML = Format("rdf", "application/rdf+xml", "rdf", "graph", (), "RDF_XML", W3C + "RDF_XML", prefixes="declared")
TRIG = Format("trig", "application/trig", "trig", "dataset", (), "TRIG", W3C + "TriG", prefixes="escape-free")
NQUADS = Format("nq", "application/n-quads", "nq", "dataset", (), "N_QUADS", W3C + "N-Quads")
RESULTS_JSON = Format("json", "application/sparql-results+json", "srj", "results", ("application/json",), "JSON",
                      W3C + "SPARQL_Results_JSON")
RESULTS_XML = Format("xml", "application/sparql-results+xml", "srx", "results", ("application/xml",), "XML",
                     W3C + "SPARQL_Results_XML")
RESULTS_CSV = Format("csv", "text/csv", "csv", "results", (), "CSV", W3C + "SPARQL_Results_CSV", "utf-8")
RESULTS_TSV = Format("tsv", "text/tab-separated-values", "tsv", "results", (), "TSV", W3C + "SPARQL_Results_TSV",
                     "utf-8")
HTML = Format("html", "text/html", "html", "html", ("application/xhtml+xml",), charset="utf-8")
# Plain JSON (listings, search answers): not SPARQL results, so not advertised as such. After RESULTS_JSON in
# FORMATS, so that ``json`` and ``application/json`` keep meaning SPARQL results where both are offered.
JSON = Format("json", "application/json", "json", "data")
MARKDOWN = Format("md", "text/markdown", "md", "data", charset="utf-8")  # a release's readable diff (RFC 7763)

FORMATS: tuple[Format, ...] = (
    TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS,
    RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV, HTML, JSON, MARKDOWN,
)
GRAPH_FORMATS = tuple(f for f in FORMATS if f.kind == "graph")
RESULT_FORMATS = tuple(f for f in FORMATS if f.kind == "results")

GZIP_MEDIA_TYPE = "application/gzip"


def by_name(name: str, among: Sequence[Format] = FORMATS) -> Format | None:
    """The format of ``among`` whose short name or extension is ``name`` (case-insensitive).

    >>> by_name("TTL").media_type
    'text/turtle'
    >>> by_name("json", among=(HTML, JSON)) is JSON
    True
    """
    key = name.lower().lstrip(".")
    for fmt in among:
        if key in (fmt.name, fmt.extension):
            return fmt
    return None


def by_media_type(media_type: str, among: Sequence[Format] = FORMATS) -> Format | None:
    """The format of ``among`` served under ``media_type`` (parameters such as charset are ignored)."""
    key = media_type.split(";", 1)[0].strip().lower()
    for fmt in among:
        if key in fmt.all_media_types:
            return fmt
    return None


def by_extension(filename: str) -> Format | None:
    """The format of a file name, by its extension only (a format's short name is not an extension: the results
    format named "json" is written .srj); ``None`` if unknown.

    >>> by_extension("refmetiers.ttl") is TURTLE
    True
    >>> by_extension("changes.json") is JSON
    True
    """
    if "." not in filename:
        return None
    key = filename.rsplit(".", 1)[1].lower()
    return next((fmt for fmt in FORMATS if fmt.extension == key), None)


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return (self.type in ("*", main)) and (self.subtype in ("*", sub))

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header into media ranges; malformed entries are skipped, not fatal."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        main, _, sub = media.partition("/")
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(main.strip(), sub.strip(), q, order))
    return ranges


def negotiate(header: str | None, offered: Sequence[Format]) -> Format | None:
    """Choose among ``offered`` the format the client prefers.

    Each offered media type (and alias) gets the q-value of the most specific range that matches it;
    the highest q wins, ties go to the range the client listed first, then to the server's order.
    Returns ``None`` when nothing offered is acceptable (the caller answers 406 or falls back).
    """
    if header is not None and len(header) > _REMEMBERED_ACCEPT:
        return _negotiate(header, tuple(offered))
    # A client sends the same Accept every time: the choice is remembered (twice per /sparql request, 15-30 µs).
    return _remembered(header, tuple(offered))


_REMEMBERED_ACCEPT = 256  # longer headers are worked out each time: no client can fill the memory with them


def _negotiate(header: str | None, offered: tuple[Format, ...]) -> Format | None:
    ranges = parse_accept(header)
    best: tuple[float, int, int, Format] | None = None
    for server_rank, fmt in enumerate(offered):
        for media_type in fmt.all_media_types:
            matching = [r for r in ranges if r.matches(media_type)]
            if not matching:
                continue
            top = max(matching, key=lambda r: (r.specificity, -r.order))
            if top.q <= 0:
                continue
            key = (top.q, -top.order if top.specificity else -10_000, -server_rank)
            if best is None or key > best[:3]:
                best = (*key, fmt)
    return best[3] if best else None


_remembered = functools.lru_cache(maxsize=1024)(_negotiate)


def names(formats: Iterable[Format]) -> list[str]:
    """Short names, for CLI choices and error messages."""
    return [f.name for f in formats]
