"""Dereferenceable IRIs: /id/…, /scheme/…, /def, /dataset, negotiated between HTML and the RDF formats."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from .. import formats
from ..compare import closest_jobs
from ..describe import Description, describe, labels_of, value_of
from ..jsonld import CONTEXT_FILE, jsonld_document
from ..namespaces import PREFIXES, iris_of, writer_prefixes
from . import svg
from .common import (
    alternates,
    choose_format,
    etag,
    not_modified,
    query_params,
)
from .errors import NotFound
from .html import Tr, choose_language, render
from .kept import keep_for_build
from .links import Link, local_href, pick_label
from .routes import Api

# Turtle first: a client that says only */* (curl, most RDF libraries) gets data; browsers name text/html.
OFFERED = (formats.TURTLE, formats.HTML, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)

SKOS = PREFIXES["skos"]
RM = PREFIXES["rm"]
OWL = PREFIXES["owl"]
DCTERMS = PREFIXES["dcterms"]
RDF_TYPE = PREFIXES["rdf"] + "type"
MATCHES = [SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "broadMatch", SKOS + "narrowMatch", SKOS + "relatedMatch"]

# The sections of a page, in the order of a job sheet (DESIGN.md §10): (title fr, title en, predicates).
SECTIONS = [
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
    ("Codes ROME (v2) cités par la fiche", "ROME (v2) codes quoted by the sheet", [RM + "romeV2Code"]),
    ("Concepts plus spécifiques", "Narrower concepts", [SKOS + "narrower", SKOS + "hasTopConcept"]),
    ("Concepts plus génériques", "Broader concepts", [SKOS + "broader"]),
]
# Shown in the page's header, or in its own block.
HEADER = {SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition", RDF_TYPE, RM + "family", RM + "subFamily",
          SKOS + "editorialNote", DCTERMS + "source", RM + "sourcePage", RM + "printedPage", RM + "hasSheet",
          OWL + "deprecated",
          DCTERMS + "isReplacedBy", SKOS + "inScheme", SKOS + "topConceptOf", SKOS + "notation",
          RM + "sheetWording"} | set(MATCHES)

# How each mapping target is named, by the start of its IRI (after our base for ours).
TARGETS = [
    ("http://data.europa.eu/esco/occupation/", "ESCO (métier)", "ESCO (occupation)"),
    ("http://data.europa.eu/esco/skill/", "ESCO (compétence)", "ESCO (skill)"),
    ("http://data.europa.eu/esco/isco/", "CITP-08 (ISCO-08)", "ISCO-08"),
    ("id/rome/", "ROME 4.0 (fiche)", "ROME 4.0 (fiche)"),
    ("id/rome-appellation/", "ROME 4.0 (appellation)", "ROME 4.0 (job title)"),
    ("id/pcs2020/", "PCS 2020", "PCS 2020"),
    ("id/pcs2003/", "PCS 2003", "PCS 2003"),
]
MATCH_NAMES = {"exactMatch": ("équivalent", "exact match"), "closeMatch": ("proche", "close match"),
               "broadMatch": ("plus large", "broader"), "narrowMatch": ("plus étroit", "narrower"),
               "relatedMatch": ("apparenté", "related")}


def short(iri: str) -> str:
    """``prefix:local`` for our known namespaces, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _is_true(terms) -> bool:
    return any(isinstance(t, ox.Literal) and t.value in ("true", "1") for t in terms)


class View:
    """What the page template reads, computed from a description, in one language."""

    def __init__(self, description: Description, base: str, lang: str):
        self.d = description
        self.base = base
        self.lang = lang
        self.tr = Tr(lang)
        self.iri = description.iri
        # A concept's link to itself (reflexive closure of exactMatch) says nothing to a reader.
        own = [t for t in description.triples if value_of(t.subject) == self.iri and t.object != t.subject]
        self.asserted: dict[str, list] = {}
        self.inferred_triples: list[ox.Triple] = []
        for triple in own:
            if description.is_inferred(triple):
                self.inferred_triples.append(triple)
            else:
                self.asserted.setdefault(triple.predicate.value, []).append(triple.object)
        self.parts: dict[str, dict[str, list]] = {}
        for triple in description.triples:
            if value_of(triple.subject) != self.iri:
                self.parts.setdefault(value_of(triple.subject), {}).setdefault(triple.predicate.value, []).append(
                    triple.object)
        self.shown: set[str] = {self.iri}
        self.shown_predicates: set[str] = set()
        # The sheet's own wording of a shared item (rm:SheetWording parts): concept IRI → the sheet's text.
        self.wordings: dict[str, str] = {}
        for node in self.asserted.get(RM + "sheetWording", []):
            props = self.parts.get(node.value, {}) if isinstance(node, ox.NamedNode) else {}
            concepts = [o.value for o in props.get(RM + "wordingOf", []) if isinstance(o, ox.NamedNode)]
            texts = [o.value for o in props.get(RM + "wording", []) if isinstance(o, ox.Literal)]
            if concepts and texts:
                self.wordings[concepts[0]] = texts[0]

    # ---- names -------------------------------------------------------------------------------------------
    def name(self, iri: str) -> tuple[str, str]:
        picked = pick_label(self.d.labels.get(iri, {}), self.lang)
        return picked if picked else (short(iri), "")

    def link(self, node, note: str = "") -> Link:
        iri = node.value
        label, lang = self.name(iri)
        facts = self.d.linked.get(iri, {})
        return Link(local_href(iri, self.base), label, lang, iri, _is_true(facts.get(OWL + "deprecated", [])), note)

    def texts(self, predicate: str) -> list[dict]:
        """The literals of ``predicate`` in the page language, or (when there are none) in the others."""
        values = [o for o in self.asserted.get(predicate, []) if isinstance(o, ox.Literal)]
        mine = [o for o in values if (o.language or "") in (self.lang, "")]
        chosen = mine or values
        return [{"text": o.value, "lang": o.language or ""} for o in sorted(chosen, key=lambda o: o.value)]

    @property
    def title(self) -> Link:
        label, lang = self.name(self.iri)
        return Link("", label, lang, self.iri)

    @property
    def types(self) -> list[Link]:
        return [self.link(o) for o in self.asserted.get(RDF_TYPE, []) if isinstance(o, ox.NamedNode)]

    @property
    def is_job(self) -> bool:
        return any(t.iri == RM + "JobType" for t in self.types)

    @property
    def deprecated(self) -> bool:
        return _is_true(self.asserted.get(OWL + "deprecated", []))

    @property
    def replaced_by(self) -> list[Link]:
        return [self.link(o) for o in self.asserted.get(DCTERMS + "isReplacedBy", []) if isinstance(o, ox.NamedNode)]

    @property
    def path(self) -> list[Link]:
        """Family › sub-family, as the sheet states them."""
        out = []
        for predicate in (RM + "family", RM + "subFamily"):
            for node in self.asserted.get(predicate, []):
                if isinstance(node, ox.NamedNode):
                    out.append(self.link(node))
                    self.shown.add(node.value)
        if not out:
            for node in self.asserted.get(SKOS + "broader", []):
                if isinstance(node, ox.NamedNode) and not self.is_job:
                    out.append(self.link(node))
        return out

    @property
    def notation(self) -> list[str]:
        return sorted(o.value for o in self.asserted.get(SKOS + "notation", []) if isinstance(o, ox.Literal))

    @property
    def source(self) -> dict | None:
        sources = [self.link(o) for o in self.asserted.get(DCTERMS + "source", []) if isinstance(o, ox.NamedNode)]
        def numbers(predicate: str) -> list[int]:
            return sorted({int(o.value) for o in self.asserted.get(predicate, []) + self.inferred_objects(predicate)
                           if isinstance(o, ox.Literal) and o.value.isdigit()})

        pages, printed = numbers(RM + "sourcePage"), numbers(RM + "printedPage")
        if not sources and not pages:
            return None
        self.shown_predicates.update({RM + "sourcePage", RM + "printedPage"})
        return {"documents": sources, "pages": pages, "printed": printed,
                "sheet": _is_true(self.asserted.get(RM + "hasSheet", []))}

    def inferred_objects(self, predicate: str) -> list:
        return [t.object for t in self.inferred_triples if t.predicate.value == predicate]

    # ---- the sheet ---------------------------------------------------------------------------------------
    def value(self, node) -> dict:
        if isinstance(node, ox.NamedNode):
            if node.value.startswith(self.iri + "#") and node.value in self.parts:
                return {"part": self.part(node.value)}
            self.shown.add(node.value)
            facts = self.d.linked.get(node.value, {})
            note = ""
            if RM + "eqfLevel" in facts:
                note = self.tr("niveau CEC ", "EQF level ") + ", ".join(value_of(t) for t in facts[RM + "eqfLevel"])
            shown: dict = {"link": self.link(node, note)}
            if node.value in self.wordings:
                shown["wording"] = self.wordings[node.value]
            return shown
        if isinstance(node, ox.Literal):
            if node.datatype and node.datatype.value.endswith("#boolean"):
                return {"text": self.tr("oui", "yes") if node.value in ("true", "1") else self.tr("non", "no"),
                        "lang": self.lang}
            return {"text": node.value, "lang": node.language or ""}
        return {"text": str(node), "lang": ""}

    def part(self, iri: str) -> dict:
        """A ``#part`` node (a behavioural requirement): its category, level and precisions."""
        props = self.parts[iri]
        category = [self.link(o) for o in props.get(RM + "behaviourCategory", []) if isinstance(o, ox.NamedNode)]
        for link in category:
            self.shown.add(link.iri)
        return {"iri": iri, "category": category,
                "level": [o.value for o in props.get(RM + "level", [])],
                "precision": [{"text": o.value, "lang": o.language or ""}
                              for o in sorted(props.get(RM + "precision", []), key=lambda o: o.value)
                              if isinstance(o, ox.Literal)]}

    def _literal_wanted(self, node) -> bool:
        """Language-tagged texts are shown in the page language only, when the page language has one."""
        return not isinstance(node, ox.Literal) or not node.language or node.language == self.lang

    def rows(self, predicates: list[str]) -> list[dict]:
        rows = []
        for predicate in predicates:
            objects = self.asserted.get(predicate)
            if not objects:
                continue
            if any(isinstance(o, ox.Literal) and o.language == self.lang for o in objects):
                objects = [o for o in objects if self._literal_wanted(o)]
            # Nothing twice: a concept the page already shows (the family path, an earlier section) is left out.
            objects = [o for o in objects if not (isinstance(o, ox.NamedNode) and o.value in self.shown)]
            if not objects:
                continue
            values = sorted((self.value(o) for o in objects), key=_sort_key)
            rows.append({"predicate": self.link(ox.NamedNode(predicate)), "values": values})
        return rows

    def sections(self) -> list[dict]:
        used = set(HEADER)
        out = []
        for title_fr, title_en, predicates in SECTIONS:
            rows = self.rows(predicates)
            used.update(predicates)
            if rows:
                out.append({"title": self.tr(title_fr, title_en), "rows": rows, "id": predicates[0].rsplit("#")[-1]})
        other = self.rows(sorted(p for p in self.asserted if p not in used))
        if other:
            out.append({"title": self.tr("Autres propriétés", "Other properties"), "rows": other, "id": "other"})
        return out

    def mapping_groups(self) -> list[dict]:
        """The links to ESCO, ROME, ISCO and PCS, grouped by target, each with its SSSOM record."""
        groups: dict[str, dict] = {}
        for predicate in MATCHES:
            for node in self.asserted.get(predicate, []):
                if not isinstance(node, ox.NamedNode):
                    continue
                target = node.value
                name = next(((fr, en) for start, fr, en in TARGETS
                             if target.startswith(start) or target.startswith(self.base + start)), None)
                if name is None:
                    name = ("Autres référentiels", "Other references")
                group = groups.setdefault(name[0], {"title": self.tr(*name), "links": []})
                facts = self.d.linked.get(target, {})
                record = self.d.mappings.get((predicate, target))
                kind = predicate.rsplit("#", 1)[-1]
                group["links"].append({
                    "link": self.link(node),
                    "notation": ", ".join(value_of(t) for t in facts.get(SKOS + "notation", [])),
                    "match": self.tr(*MATCH_NAMES.get(kind, (kind, kind))), "predicate": short(predicate),
                    "record": record, "justification": short(record.justification) if record else ""})
                self.shown.add(target)
        for group in groups.values():
            group["links"].sort(key=lambda item: (item["notation"], item["link"].label.casefold()))
        order = [self.tr(fr, en) for _, fr, en in TARGETS]
        return sorted(groups.values(), key=lambda g: order.index(g["title"]) if g["title"] in order else 99)

    def notes(self) -> list[dict]:
        return self.texts(SKOS + "editorialNote")

    def incoming(self) -> list[dict]:
        """Who links here (as the data states it), leaving out what the page already shows."""
        groups: dict[str, list[Link]] = {}
        for predicate, subject, only_inferred in self.d.incoming:
            if only_inferred or subject in self.shown or predicate == OWL + "annotatedSource":
                continue
            groups.setdefault(predicate, []).append(self.link(ox.NamedNode(subject)))
        for links in groups.values():
            self.shown.update(link.iri for link in links)
        return [{"predicate": self.link(ox.NamedNode(p)), "subjects": sorted(s, key=lambda link: link.label.casefold())}
                for p, s in sorted(groups.items())]

    def inferred(self) -> list[dict]:
        """What the build inferred and the page does not already show (call after the other blocks)."""
        groups: dict[str, list[dict]] = {}
        for triple in self.inferred_triples:
            obj = triple.object
            if isinstance(obj, ox.NamedNode) and obj.value in self.shown:
                continue
            if triple.predicate.value in self.shown_predicates:
                continue
            if not self._literal_wanted(obj):
                continue
            groups.setdefault(triple.predicate.value, []).append(self.value(obj))
        return [{"predicate": self.link(ox.NamedNode(p)), "values": sorted(v, key=_sort_key)}
                for p, v in sorted(groups.items())]

    # ---- pictures ----------------------------------------------------------------------------------------
    def nearby_picture(self):
        """The sheet's nearby jobs, with direction: named by this sheet, naming this job, or both."""
        said = {o.value for o in self.asserted.get(RM + "nearbyJob", []) if isinstance(o, ox.NamedNode)}
        named_by = {s for p, s, _ in self.d.incoming if p == RM + "nearbyJob"} - {self.iri}
        # The inverse half of the symmetric closure sits in graph inferred; only the sheets' own words count.
        named_by = {s for s in named_by if not self._incoming_only_inferred(RM + "nearbyJob", s)}
        if not said and not named_by:
            return None
        neighbours = []
        for iri in sorted(said | named_by, key=lambda i: self.name(i)[0].casefold()):
            label, lang = self.name(iri)
            direction = "both" if iri in said and iri in named_by else ("out" if iri in said else "in")
            neighbours.append((svg.Node(label, local_href(iri, self.base), lang), direction))
        title, lang = self.name(self.iri)
        legend = (self.tr("cité par cette fiche", "named by this sheet"),
                  self.tr("cite cet emploi-type", "names this job type"),
                  self.tr("dans les deux sens", "both ways"))
        caption = self.tr("Emplois-types de proximité de ", "Nearby job types of ") + title
        return svg.network(svg.Node(title, "", lang), neighbours, caption, self.lang, legend)

    def _incoming_only_inferred(self, predicate: str, subject: str) -> bool:
        return any(p == predicate and s == subject and flag for p, s, flag in self.d.incoming)


def _sort_key(value: dict):
    if "link" in value:
        return (0, value["link"].label.casefold())
    if "part" in value:
        return (1, value["part"]["iri"])
    return (2, value.get("lang") or "", value["text"])


def jsonld_body(triples: list[ox.Triple], context: dict) -> bytes:
    """The triples as the dumps write JSON-LD: compacted with the published context (dist/context.jsonld)."""
    ntriples = ox.serialize(list(dict.fromkeys(triples)), format=ox.RdfFormat.N_TRIPLES)  # a set, as a graph is
    assert ntriples is not None  # (None only when writing to a file)
    document = jsonld_document(ntriples, context)
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def serialise(description: Description, fmt: formats.Format, context: dict | None = None) -> bytes:
    """The description in ``fmt``; JSON-LD needs the published ``context`` (one shape with the dumps)."""
    triples = description.triples + description.label_triples()
    if fmt is formats.JSONLD:
        if context is None:
            raise ValueError("JSON-LD needs the published context")
        return jsonld_body(triples, context)
    body = ox.serialize(triples, format=fmt.ox, prefixes=writer_prefixes(fmt, iris_of(triples)))
    assert body is not None  # (None only when writing to a file)
    return body


def published_context(app_context) -> dict:
    """The JSON-LD context of the build being served, read once per build from its listed context.jsonld."""
    entry = app_context.dumps.get(CONTEXT_FILE)
    if entry is None:
        raise RuntimeError(f"the build being served has no {CONTEXT_FILE}")
    cached = _CONTEXTS.get(entry.sha256)
    if cached is None:
        cached = json.loads(entry.read_bytes())
        _CONTEXTS.clear()  # one build at a time (a reload switches builds)
        _CONTEXTS[entry.sha256] = cached
    return cached


_CONTEXTS: dict[str, dict] = {}


def shared_skills_picture(context, view: View):
    """The jobs sharing most know-how and knowledge items with this one, each bar linking to the comparison."""
    rows = []
    for other, count in closest_jobs(context.store, view.iri, limit=6):
        picked = pick_label(labels_of(context.store, ox.NamedNode(other)), view.lang) or (other, "")
        href = "/compare?" + urlencode({"from": view.iri, "to": other})
        rows.append((svg.Node(picked[0], local_href(other, context.base), picked[1]), count, href))
    title = view.tr("Emplois-types partageant le plus de compétences avec ", "Job types sharing most skills with ")
    return svg.bars(rows, title + view.title.label, view.lang, view.tr("en commun", "shared"))


# The characters an IRI path may hold (RFC 3987 ipath, without the ones IRIs forbid: space, <>"{}|\\^`).
VALID_PATH = re.compile(r"[^\s<>\"{}|\\^`]*")


def router(context) -> Api:
    api = Api(tags=["Linked data"])

    def resource(request: Request, path: str) -> Response:
        iri = context.base + path
        params = query_params(request)
        if not VALID_PATH.fullmatch(path):  # a space, a quote, a bracket: never one of our IRIs
            raise NotFound(f"no resource <{iri}> in this dataset",
                           f"aucune ressource <{iri}> dans ce jeu de données")
        try:
            description = describe(context.store, iri, base=context.base)
        except ValueError:  # an IRI pyoxigraph refuses is not one of ours
            raise NotFound(f"no resource <{iri}> in this dataset",
                           f"aucune ressource <{iri}> dans ce jeu de données") from None
        if description is None:
            raise NotFound(f"no resource <{iri}> in this dataset",
                           f"aucune ressource <{iri}> dans ce jeu de données")
        fmt = choose_format(request, params, OFFERED)
        lang = choose_language(request)[0] if fmt is formats.HTML else ""
        tag = etag(context.version, iri, fmt.name, lang)
        headers = {"Vary": "Accept", "ETag": tag, "Link": alternates(request.url.path, OFFERED, fmt),
                   "Cache-Control": "public, max-age=300"}
        if not_modified(request, tag):
            return Response(status_code=304, headers=headers)
        if fmt is formats.HTML:
            if path == "def":
                from .ontology import ontology_page

                return ontology_page(context, request, description, lang, headers)
            view = View(description, context.base, lang)
            pictures = {}
            if view.is_job:
                pictures = {"nearby": view.nearby_picture(), "shared": shared_skills_picture(context, view)}
            page = render(context, request, "resource.html", headers=headers, lang=lang, view=view, iri=iri,
                          formats=[f for f in OFFERED if f is not formats.HTML], pictures=pictures)
            keep_for_build(request, context)
            return page
        jsonld_context = published_context(context) if fmt is formats.JSONLD else None
        keep_for_build(request, context)
        return Response(serialise(description, fmt, jsonld_context), media_type=fmt.content_type, headers=headers)


    def route(prefix: str):
        def endpoint(request: Request, rest: str) -> Response:
            return resource(request, f"{prefix}/{rest}")
        return endpoint

    api.add("/id/{rest:path}", route("id"), methods=["GET", "HEAD"], summary="A concept of the reference")
    api.add("/scheme/{rest:path}", route("scheme"), methods=["GET", "HEAD"], summary="A concept scheme")

    def fixed(path: str):
        def endpoint(request: Request) -> Response:
            return resource(request, path)
        return endpoint

    api.add("/def", fixed("def"), methods=["GET", "HEAD"], summary="The ontology")
    api.add("/dataset", fixed("dataset"), methods=["GET", "HEAD"], summary="The dataset description")
    return api
