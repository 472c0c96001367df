"""Dereferenceable IRIs: /id/…, /scheme/…, /def, /dataset, negotiated between HTML and the RDF formats."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .. import formats
from .. import query as qs
from ..namespaces import PREFIXES
from ..store import TURTLE_PREFIXES
from ..store import Description, describe
from .common import (
    add_route, alternates, choose_format, etag, Link, local_href, not_modified, query_params,
)
from .errors import NotFound

# Turtle first: a client that says only */* (curl, most RDF libraries) gets data; browsers name text/html.
OFFERED = (formats.TURTLE, formats.HTML, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)

SKOS = PREFIXES["skos"]
RM = PREFIXES["rm"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# The sections of a page, in the order of a job sheet (DESIGN.md §10): (title fr, title en, predicates).
SECTIONS = [
    ("Famille et sous-famille", "Family and sub-family", [RM + "family", RM + "subFamily", SKOS + "broader"]),
    ("Activités principales", "Main activities", [RM + "mainActivity"]),
    ("Activités accessoires", "Secondary activities", [RM + "secondaryActivity"]),
    ("Savoir-faire spécifique", "Know-how", [RM + "requiredKnowHow"]),
    ("Connaissances spécifiques", "Knowledge", [RM + "requiredKnowledge"]),
    ("Compétences comportementales", "Behavioural competencies", [RM + "behaviouralRequirement"]),
    ("Prérequis", "Prerequisites", [RM + "prerequisites", RM + "experience", RM + "minExperienceYears",
                                    RM + "openToBeginners", RM + "minEducationLevel", RM + "maxEducationLevel",
                                    RM + "certification"]),
    ("Variabilité et particularités", "Variability factors", [RM + "variabilityFactor"]),
    ("Emplois-types de proximité", "Nearby job types", [RM + "nearbyJob", RM + "nearbyJobNote"]),
    ("Codes ROME (v2)", "ROME codes (v2)", [RM + "romeV2Code", SKOS + "notation"]),
    ("Liens vers d'autres référentiels", "Links to other references",
     [SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch", SKOS + "relatedMatch",
      "http://www.w3.org/2000/01/rdf-schema#seeAlso", "http://www.w3.org/2002/07/owl#sameAs"]),
    ("Concepts plus spécifiques", "Narrower concepts", [SKOS + "narrower", SKOS + "hasTopConcept"]),
]
HEADER = {SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition", RDF_TYPE}


def short(iri: str) -> str:
    """``prefix:local`` for our known namespaces, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


class View:
    """What the page template reads, computed from a description."""

    def __init__(self, description: Description, base: str):
        self.d = description
        self.base = base
        self.iri = description.iri
        # A concept's link to itself (reflexive closure of exactMatch) says nothing to a reader.
        own = [t for t in description.triples if t.subject.value == self.iri and t.object != t.subject]
        self.by_predicate: dict[str, list] = {}
        for triple in own:
            self.by_predicate.setdefault(triple.predicate.value, []).append(triple.object)
        self.parts = {}
        for triple in description.triples:
            if triple.subject.value != self.iri:
                self.parts.setdefault(triple.subject.value, {}).setdefault(triple.predicate.value, []).append(triple.object)

    def literals(self, predicate: str, lang: str | None = None) -> list[str]:
        return sorted(o.value for o in self.by_predicate.get(predicate, [])
                      if isinstance(o, ox.Literal) and (lang is None or (o.language or "") == lang))

    @property
    def title(self) -> str:
        return (self.d.label(self.iri, "fr") or short(self.iri))

    @property
    def title_en(self) -> str | None:
        names = self.d.labels.get(self.iri, {})
        return names.get("en") if names.get("en") != self.title else None

    @property
    def types(self) -> list[Link]:
        return [self.link(o) for o in self.by_predicate.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)]

    def link(self, node) -> Link:
        iri = node.value
        names = self.d.labels.get(iri, {})
        label = names.get("fr") or names.get("") or names.get("en") or short(iri)
        english = names.get("en") if names.get("en") and names.get("en") != label else None
        return Link(local_href(iri, self.base), label, english, iri)

    def value(self, node):
        if isinstance(node, ox.NamedNode):
            if node.value.startswith(self.iri + "#") and node.value in self.parts:
                return {"part": self.part(node.value)}
            return {"link": self.link(node)}
        if isinstance(node, ox.Literal):
            return {"text": node.value, "lang": node.language}
        return {"text": str(node)}

    def part(self, iri: str) -> dict:
        """A ``#part`` node (a behavioural requirement): its category, level and precisions."""
        props = self.parts[iri]
        category = [self.link(o) for o in props.get(RM + "behaviourCategory", []) if isinstance(o, ox.NamedNode)]
        return {"iri": iri, "category": category,
                "level": [o.value for o in props.get(RM + "level", [])],
                "precision": sorted(o.value for o in props.get(RM + "precision", []) if isinstance(o, ox.Literal)),
                "other": [(short(p), [self.value_plain(o) for o in objs]) for p, objs in sorted(props.items())
                          if p not in (RM + "behaviourCategory", RM + "level", RM + "precision", RDF_TYPE)]}

    def value_plain(self, node):
        return {"link": self.link(node)} if isinstance(node, ox.NamedNode) else {"text": node.value,
                                                                                  "lang": getattr(node, "language", None)}

    def sections(self) -> list[dict]:
        used = set(HEADER)
        out = []
        for title_fr, title_en, predicates in SECTIONS:
            rows = []
            for predicate in predicates:
                objects = self.by_predicate.get(predicate)
                if not objects:
                    continue
                used.add(predicate)
                values = sorted((self.value(o) for o in objects), key=_sort_key)
                rows.append({"predicate": self.link(ox.NamedNode(predicate)), "values": values})
            if rows:
                out.append({"title": title_fr, "title_en": title_en, "rows": rows})
        other = [{"predicate": self.link(ox.NamedNode(p)), "values": sorted((self.value(o) for o in objs), key=_sort_key)}
                 for p, objs in sorted(self.by_predicate.items()) if p not in used]
        if other:
            out.append({"title": "Autres propriétés", "title_en": "Other properties", "rows": other})
        return out

    def incoming(self) -> list[dict]:
        groups: dict[str, list[Link]] = {}
        for predicate, subject in self.d.incoming:
            groups.setdefault(predicate, []).append(self.link(ox.NamedNode(subject)))
        return [{"predicate": self.link(ox.NamedNode(p)), "subjects": sorted(s, key=lambda link: link.label.casefold())}
                for p, s in sorted(groups.items())]


def _sort_key(value: dict):
    if "link" in value:
        return (0, value["link"].label.casefold())
    if "part" in value:
        return (1, value["part"]["iri"])
    return (2, value.get("lang") or "", value["text"])


def serialise(description: Description, fmt: formats.Format) -> bytes:
    triples = description.triples + description.label_triples()
    return ox.serialize(triples, format=fmt.ox,
                        prefixes=TURTLE_PREFIXES if fmt.name in ("ttl", "rdf") else None)


def router(context) -> APIRouter:
    api = APIRouter(tags=["Linked data"])

    def resource(request: Request, path: str) -> Response:
        iri = context.base + path
        params = query_params(request)
        description = describe(context.store, iri)
        if description is None:
            raise NotFound(f"no resource <{iri}> in this dataset")
        fmt = choose_format(request, params, OFFERED)
        tag = etag(context.version, iri, fmt.name)
        headers = {"Vary": "Accept", "ETag": tag, "Link": alternates(request.url.path, OFFERED, fmt),
                   "Cache-Control": "public, max-age=300"}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        if fmt is formats.HTML:
            view = View(description, context.base)
            html = context.templates.get_template("resource.html").render(
                view=view, iri=iri, formats=[f for f in OFFERED if f is not formats.HTML], path=request.url.path,
                version=context.version)
            return HTMLResponse(html, headers=headers)
        return Response(serialise(description, fmt), media_type=fmt.content_type, headers=headers)

    def route(prefix: str):
        def endpoint(request: Request, rest: str) -> Response:
            return resource(request, f"{prefix}/{rest}")
        return endpoint

    add_route(api, "/id/{rest:path}", route("id"), methods=["GET", "HEAD"], summary="A concept of the reference")
    add_route(api, "/scheme/{rest:path}", route("scheme"), methods=["GET", "HEAD"], summary="A concept scheme")
    def fixed(path: str):
        def endpoint(request: Request) -> Response:
            return resource(request, path)
        return endpoint

    add_route(api, "/def", fixed("def"), methods=["GET", "HEAD"], summary="The ontology")
    add_route(api, "/dataset", fixed("dataset"), methods=["GET", "HEAD"], summary="The dataset description")
    return api
