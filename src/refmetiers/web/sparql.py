"""/sparql: the SPARQL 1.1 Protocol (query operation only), on top of ``refmetiers.query``."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .. import formats
from .. import query as qs
from ..errors import RefmetiersError
from ..namespaces import ALL_PREFIXES, iris_of, writer_prefixes
from ..query.cache import cache_key
from .common import (
    Params,
    client_of,
    etag,
    media_type_of_request,
    not_modified,
    query_params,
    read_body,
)
from .errors import BadRequest, NotReady, UnsupportedMediaType, status_of
from .html import query_error_view, render
from .kept import mark_kept
from .links import local_href
from .routes import Api

SD = "http://www.w3.org/ns/sparql-service-description#"
RESULT_OFFER = formats.RESULT_FORMATS + (formats.HTML,)
GRAPH_OFFER = formats.GRAPH_FORMATS + (formats.HTML,)
DESCRIPTION_OFFER = formats.GRAPH_FORMATS + (formats.HTML,)
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


def _override(params: Params, offered) -> formats.Format | None:
    """``format=`` when it names one of ``offered`` by our short name; clients' other values are ignored."""
    for value in params.all("format"):
        fmt = formats.by_name(value, offered)
        if fmt is not None:
            return fmt
    return None


def _timeout(params: Params) -> float | None:
    value = params.one("timeout")
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise BadRequest(f"timeout={value!r}: give a number of seconds",
                         f"timeout={value!r} : donnez un nombre de secondes") from None
    if not seconds > 0:
        raise BadRequest(f"timeout={value!r}: give a positive number of seconds",
                         f"timeout={value!r} : donnez un nombre de secondes positif")
    return seconds


def service_description(context, endpoint: str) -> list[ox.Triple]:
    """The SPARQL service description (sd:Service) of this endpoint."""
    from ..namespaces import GRAPH_NAMES, graph_name

    n = ox.NamedNode
    rdf_type = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, default = n(endpoint), ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, rdf_type, n(SD + "Service")),
        ox.Triple(service, n(SD + "endpoint"), service),
        ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
        ox.Triple(service, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
        ox.Triple(service, n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, n(SD + "Dataset")),
        ox.Triple(dataset, n(SD + "defaultGraph"), default),
        ox.Triple(default, rdf_type, n(SD + "Graph")),
        ox.Triple(service, n("http://purl.org/dc/terms/title"),
                  ox.Literal("refmetiers SPARQL endpoint", language="en")),
        ox.Triple(service, n("http://rdfs.org/ns/void#rootResource"), n(context.base + "dataset")),
    ]
    for fmt in formats.RESULT_FORMATS + formats.GRAPH_FORMATS:
        if fmt.w3c:
            triples.append(ox.Triple(service, n(SD + "resultFormat"), n(fmt.w3c)))
    for index, name in enumerate(GRAPH_NAMES):
        named = ox.BlankNode(f"graph{index}")
        triples += [ox.Triple(dataset, n(SD + "namedGraph"), named),
                    ox.Triple(named, rdf_type, n(SD + "NamedGraph")),
                    ox.Triple(named, n(SD + "name"), n(graph_name(name, context.base)))]
    return triples


def router(context) -> Api:
    api = Api(tags=["SPARQL"])

    def render_page(request: Request, params: Params) -> Response:
        fmt = _override(params, DESCRIPTION_OFFER) \
            or formats.negotiate(request.headers.get("accept"), DESCRIPTION_OFFER) \
            or formats.TURTLE
        headers = {"Vary": "Accept"}
        if fmt is formats.HTML:
            return query_page(context, request, headers=headers)
        endpoint = context.base + "sparql"  # the published address, never the request's Host header
        triples = service_description(context, endpoint)
        body = ox.serialize(triples, format=fmt.ox,
                            prefixes=writer_prefixes(fmt, iris_of(triples), {**ALL_PREFIXES, "sd": SD}))
        return Response(body, media_type=fmt.content_type, headers=headers)

    def render_html(request: Request, result: qs.QueryResult, text: str) -> Response:
        table, boolean, graph = None, None, None
        if result.kind == "solutions":
            parsed = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.JSON)
            assert isinstance(parsed, ox.QuerySolutions)  # the worker wrote solutions
            variables = [v.value for v in parsed.variables]
            rows = [[_term_href(row[v], context.base) for v in variables] for row in parsed]
            table = {"variables": variables, "rows": rows}
        elif result.kind == "boolean":
            boolean = json.loads(result.body)["boolean"]
        else:
            graph = result.body.decode("utf-8")
        return query_page(context, request, query=text, results={"table": table, "boolean": boolean, "graph": graph,
                                                                 "seconds": result.seconds})

    async def answer(request: Request) -> Response:
        if not context.ready or context.service is None:
            raise NotReady("the query service is starting; retry in a moment",
                           "le service de requêtes démarre ; réessayez dans un instant")
        params = query_params(request)
        text = None
        if request.method == "POST":
            media_type, charset = media_type_of_request(request)
            body = await read_body(request, context.limits.max_query_length * 3 + 8192)
            if media_type == FORM:
                params.extend(Params.parse(body, charset or "utf-8"))
            elif media_type == DIRECT:
                text = qs.decode_body(body, charset)
            elif media_type == UPDATE:
                raise qs.UpdateRefused("this endpoint is read-only: SPARQL Update requests are not accepted",
                                       "ce service est en lecture seule : les requêtes SPARQL Update ne sont pas "
                                       "acceptées")
            elif body:
                raise UnsupportedMediaType(
                    f"POST a query as {FORM} (query=…) or as {DIRECT}, not {media_type or 'no type'}",
                    f"envoyez la requête en {FORM} (query=…) ou en {DIRECT}, pas en {media_type or 'sans type'}")
        if "update" in params:
            raise qs.UpdateRefused("this endpoint is read-only: the update operation is not accepted",
                                   "ce service est en lecture seule : l'opération update n'est pas acceptée")
        if text is None:
            text = params.one("query")
        elif "query" in params:
            raise BadRequest("give the query either in the body or as the query parameter, not both",
                             "donnez la requête soit dans le corps, soit dans le paramètre query, pas les deux")
        if text is None:
            if request.method == "POST":
                raise BadRequest("no query: POST it as query=… (form) or as the body (application/sparql-query)",
                                 "aucune requête : envoyez-la en query=… (formulaire) ou comme corps "
                                 "(application/sparql-query)")
            return render_page(request, params)
        if not text.strip():
            raise BadRequest("the query parameter is empty", "le paramètre query est vide")
        default_graphs, named_graphs = graph_iris(params, "default-graph-uri"), graph_iris(params, "named-graph-uri")
        accept = request.headers.get("accept")
        results_format = (_override(params, RESULT_OFFER) or formats.negotiate(accept, RESULT_OFFER)
                          or formats.RESULTS_JSON)
        graph_format = _override(params, GRAPH_OFFER) or formats.negotiate(accept, GRAPH_OFFER) or formats.TURTLE
        html = results_format is formats.HTML or graph_format is formats.HTML
        if html:
            # Only a browser (or the query page) names text/html first: both kinds render as a page.
            results_format, graph_format = formats.RESULTS_JSON, formats.TURTLE
        request_ = qs.QueryRequest(text, results_format, graph_format, default_graphs, named_graphs, _timeout(params),
                                   base_iri=context.base, client=client_of(request))
        tag = None
        headers = {"Vary": "Accept"}
        if request.method in ("GET", "HEAD"):
            tag = etag(context.version, text, request_.default_graphs, request_.named_graphs, results_format.name,
                       graph_format.name, html)
            headers.update({"ETag": tag, "Cache-Control": "public, max-age=300"})
            if not_modified(request, tag):
                return Response(status_code=304, headers=headers)
        if html:
            try:
                result = await context.service.run(request_)
            except RefmetiersError as exc:
                # A browser gets the query page back, the query kept and the error marked on it.
                status = status_of(exc)
                if status >= 500 and status != 503:
                    raise
                return query_page(context, request, query=text, status=status,
                                  error=query_error_view(exc, status, text), headers={"Vary": "Accept"})
            # A page of 10,000 rows takes a while to render: off the event loop, which serves everyone.
            response = await run_in_threadpool(render_html, request, result, text)
            response.headers.update(headers)
            return response
        result = await context.service.run(request_)
        results = context.service.results  # this build's cache holds the answer: the door may keep the response
        if request.method == "GET" and results is not None and results.holds(cache_key(request_), result):
            mark_kept(request, results, text)
        return Response(result.body, media_type=result.format.content_type, headers=headers)

    for methods, extra in ((["GET", "HEAD"], {"parameters": OPENAPI["parameters"], "responses": OPENAPI["responses"]}),
                           (["POST"], OPENAPI)):
        api.add("/sparql", answer, methods=methods, summary="SPARQL 1.1 query endpoint", description=DESCRIPTION
                  .format(base=context.base), openapi_extra=extra)
    return api


def query_page(context, request: Request, *, query: str = "", status: int = 200, error: dict | None = None,
               results: dict | None = None, headers: dict | None = None) -> Response:
    """The query page: the editor (YASGUI over a plain form that works without JavaScript), the cookbook, and
    the results or the error of the query just run."""
    return render(context, request, "sparql.html", status=status, headers=headers or {"Vary": "Accept"},
                  cookbook=context.cookbook, query=query, limits=context.limits, error=error, results=results)


DESCRIPTION = (
    "SPARQL 1.1 Protocol, query operation: GET `?query=`, POST form (`query=`) or POST `application/sparql-query`. "
    "Read-only. Relative IRIs in a query resolve against the base `{base}`. A time budget (`timeout`, in seconds, "
    "may only lower the server's) and result caps apply. Results are negotiated with `Accept` (or `format`): SELECT "
    "and ASK as SPARQL JSON, XML, CSV or TSV (an ASK asked as CSV or TSV, which have no boolean form, is answered as "
    "SPARQL JSON); CONSTRUCT and DESCRIBE as Turtle, N-Triples, JSON-LD or RDF/XML; `text/html` gives a page. "
    "Without a query: the service description (RDF) or the query page (HTML).")


def graph_iris(params: Params, name: str) -> tuple[str, ...]:
    """The IRIs given as ``name`` (``default-graph-uri``, ``named-graph-uri``); each must be absolute."""
    values = tuple(params.all(name))
    for value in values:
        if not ABSOLUTE_IRI.match(value):
            raise BadRequest(f"{name}={value!r}: give an absolute IRI (such as {GRAPH_EXAMPLE})",
                             f"{name}={value!r} : donnez un IRI absolu (comme {GRAPH_EXAMPLE})")
    return values


ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$")
GRAPH_EXAMPLE = "https://w3id.org/refmetiers/graph/referentiel"


def _parameter(name: str, description: str, schema: dict, example=None) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if example is not None:
        parameter["example"] = example
    return parameter


IRI_LIST = {"type": "array", "items": {"type": "string", "format": "iri"}}
OPENAPI = {
    "parameters": [
        _parameter("query", "The SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE). Without it: the service "
                   "description or the query page.", {"type": "string", "maxLength": 20_000},
                   "SELECT ?job ?label WHERE { ?job a <https://w3id.org/refmetiers/def#JobType> ; "
                   "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label } LIMIT 10"),
        _parameter("default-graph-uri", "A graph of the query's default graph (repeatable; absolute IRI). Without "
                   "it and without FROM, the default graph is the union of all graphs.", IRI_LIST),
        _parameter("named-graph-uri", "A graph the query may name with GRAPH (repeatable; absolute IRI).", IRI_LIST),
        _parameter("format", "Overrides Accept: json, xml, csv, tsv (SELECT, ASK); ttl, nt, jsonld, rdf (CONSTRUCT, "
                   "DESCRIBE); html. Other values are ignored.",
                   {"type": "string", "enum": ["json", "xml", "csv", "tsv", "ttl", "nt", "jsonld", "rdf", "html"]}),
        _parameter("timeout", "Seconds the query may run; may only lower the server's budget.",
                   {"type": "number", "exclusiveMinimum": 0}),
    ],
    "requestBody": {"required": False, "content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            "query": {"type": "string"}, "default-graph-uri": IRI_LIST, "named-graph-uri": IRI_LIST,
            "format": {"type": "string"}, "timeout": {"type": "number"}}, "required": ["query"]}},
        "application/sparql-query": {"schema": {"type": "string"}},
    }},
    "responses": {
        "400": {"description": "Malformed query or parameter (text/plain, English then French; syntax errors "
                "say line and column)"},
        "403": {"description": "An update (the endpoint is read-only)"},
        "406": {"description": "No acceptable format"},
        "413": {"description": "Query or body longer than the cap"},
        "422": {"description": "The result passes a cap (rows, triples, bytes), or the query hit a worker's memory "
                "or stack cap"},
        "429": {"description": "Too many queries waiting, or too many refused queries from this client in a minute"},
        "503": {"description": "The time budget ran out, or the service is starting"},
    },
}


def _term_href(term, base: str) -> tuple[str, str | None]:
    """How the results page shows a term: its text, and a link when it is an http(s) IRI."""
    if term is None:
        return "", None
    if isinstance(term, ox.NamedNode):
        return term.value, local_href(term.value, base)
    if isinstance(term, ox.Literal):
        suffix = f"@{term.language}" if term.language else ""
        return term.value + suffix, None
    return str(term), None
