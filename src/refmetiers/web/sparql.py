"""/sparql: the SPARQL 1.1 Protocol (query operation only), on top of ``refmetiers.query``."""

from __future__ import annotations

import json

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import formats
from .. import query as qs
from ..store import TURTLE_PREFIXES
from .common import (
    add_route, client_of, local_href, etag, media_type_of_request, not_modified, Params, query_params, read_body,
)
from .errors import BadRequest, NotReady, UnsupportedMediaType

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
        raise BadRequest(f"timeout={value!r}: give a number of seconds") from None
    if not seconds > 0:
        raise BadRequest(f"timeout={value!r}: give a positive number of seconds")
    return seconds


def service_description(context, endpoint: str) -> list[ox.Triple]:
    """The SPARQL service description (sd:Service) of this endpoint."""
    from ..namespaces import GRAPH_NAMES, graph_iri

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
        ox.Triple(service, n("http://purl.org/dc/terms/title"), ox.Literal("refmetiers SPARQL endpoint", language="en")),
        ox.Triple(service, n("http://rdfs.org/ns/void#rootResource"), n(context.base + "dataset")),
    ]
    for fmt in formats.RESULT_FORMATS + formats.GRAPH_FORMATS:
        triples.append(ox.Triple(service, n(SD + "resultFormat"), n(fmt.w3c)))
    for index, name in enumerate(GRAPH_NAMES):
        named = ox.BlankNode(f"graph{index}")
        triples += [ox.Triple(dataset, n(SD + "namedGraph"), named),
                    ox.Triple(named, rdf_type, n(SD + "NamedGraph")),
                    ox.Triple(named, n(SD + "name"), n(str(graph_iri(name, context.base))))]
    return triples


def router(context) -> APIRouter:
    api = APIRouter(tags=["SPARQL"])
    templates = context.templates

    def render_page(request: Request, params: Params) -> Response:
        fmt = _override(params, DESCRIPTION_OFFER) or formats.negotiate(request.headers.get("accept"), DESCRIPTION_OFFER) \
            or formats.TURTLE
        headers = {"Vary": "Accept"}
        if fmt is formats.HTML:
            html = templates.get_template("sparql.html").render(cookbook=context.cookbook, query="", limits=context.limits,
                                                                version=context.version)
            return HTMLResponse(html, headers=headers)
        endpoint = str(request.url.replace(query=""))
        body = ox.serialize(service_description(context, endpoint), format=fmt.ox,
                            prefixes={"sd": SD, **TURTLE_PREFIXES} if fmt.name in ("ttl", "rdf") else None)
        return Response(body, media_type=fmt.content_type, headers=headers)

    def render_html(result: qs.QueryResult, text: str) -> Response:
        table, boolean, graph = None, None, None
        if result.kind == "solutions":
            parsed = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.JSON)
            variables = [v.value for v in parsed.variables]
            rows = [[row[v] for v in variables] for row in parsed]
            table = {"variables": variables, "rows": rows}
        elif result.kind == "boolean":
            boolean = json.loads(result.body)["boolean"]
        else:
            graph = result.body.decode("utf-8")
        html = templates.get_template("results.html").render(
            query=text, table=table, boolean=boolean, graph=graph, cookbook=context.cookbook, limits=context.limits,
            seconds=result.seconds, term_href=lambda term: _term_href(term, context.base), version=context.version)
        return HTMLResponse(html, headers={"Vary": "Accept"})

    async def answer(request: Request) -> Response:
        if not context.ready or context.service is None:
            raise NotReady("the query service is starting; retry in a moment")
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
                raise qs.UpdateRefused("this endpoint is read-only: SPARQL Update requests are not accepted")
            elif body:
                raise UnsupportedMediaType(f"POST a query as {FORM} (query=…) or as {DIRECT}, not {media_type or 'no type'}")
        if "update" in params:
            raise qs.UpdateRefused("this endpoint is read-only: the update operation is not accepted")
        if text is None:
            text = params.one("query")
        elif "query" in params:
            raise BadRequest("give the query either in the body or as the query parameter, not both")
        if text is None:
            return render_page(request, params)
        if not text.strip():
            raise BadRequest("the query parameter is empty")
        accept = request.headers.get("accept")
        results_format = _override(params, RESULT_OFFER) or formats.negotiate(accept, RESULT_OFFER) or formats.RESULTS_JSON
        graph_format = _override(params, GRAPH_OFFER) or formats.negotiate(accept, GRAPH_OFFER) or formats.TURTLE
        html = results_format is formats.HTML or graph_format is formats.HTML
        if html:
            # Only a browser (or the query page) names text/html first: both kinds render as a page.
            results_format, graph_format = formats.RESULTS_JSON, formats.TURTLE
        request_ = qs.QueryRequest(text, results_format, graph_format, tuple(params.all("default-graph-uri")),
                                   tuple(params.all("named-graph-uri")), _timeout(params), base_iri=context.base,
                                   client=client_of(request))
        tag = None
        headers = {"Vary": "Accept"}
        if request.method in ("GET", "HEAD"):
            tag = etag(context.version, text, request_.default_graphs, request_.named_graphs, results_format.name,
                       graph_format.name, html)
            headers.update({"ETag": tag, "Cache-Control": "public, max-age=300"})
            if not_modified(request, tag):
                return Response(status_code=304, headers=headers)
        result = await context.service.run(request_)
        if html:
            response = render_html(result, text)
            response.headers.update(headers)
            return response
        return Response(result.body, media_type=result.format.content_type, headers=headers)

    add_route(api, "/sparql", answer, methods=["GET", "POST"], summary="SPARQL 1.1 query endpoint",
              description="SPARQL 1.1 Protocol: GET ?query=, POST form or application/sparql-query. "
              "Read-only; a time budget (optional `timeout` parameter, in seconds, may only lower it) "
              "and result caps apply.")
    return api


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
