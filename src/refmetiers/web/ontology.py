"""/def as documentation: every class and property of the ontology with an anchor (``/def#JobType``).

Read from graph ``ontology`` of the store, in the page language; the modelling notes (mappings, SSSOM
records, named graphs) are the template's. The RDF representations of /def stay those of resources.py.
"""

from __future__ import annotations

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import Response

from ..describe import Description, Term, labels_of, value_of
from ..namespaces import GRAPH_NAMES, PREFIXES, graph_name
from .html import render
from .links import Link, local_href, pick_label

RDFS, OWL, RDF = PREFIXES["rdfs"], PREFIXES["owl"], PREFIXES["rdf"]
KINDS = [(OWL + "Class", "classes", "Classes", "Classes"),
         (OWL + "ObjectProperty", "object-properties", "Propriétés d'objet", "Object properties"),
         (OWL + "DatatypeProperty", "datatype-properties", "Propriétés de données", "Datatype properties")]
RELATIONS = [(RDFS + "subClassOf", "Sous-classe de", "Subclass of"),
             (RDFS + "subPropertyOf", "Sous-propriété de", "Subproperty of"),
             (RDFS + "domain", "Domaine", "Domain"), (RDFS + "range", "Portée", "Range"),
             (OWL + "inverseOf", "Inverse de", "Inverse of"), (RDFS + "seeAlso", "Voir aussi", "See also")]


def _term_link(store: ox.Store, iri: str, base: str, lang: str) -> Link:
    ontology = base + "def#"
    if iri.startswith(ontology):
        href = "#" + iri[len(ontology):]
    else:
        href = local_href(iri, base)
    picked = pick_label(labels_of(store, ox.NamedNode(iri)), lang)
    short = next((f"{p}:{iri[len(ns):]}" for p, ns in PREFIXES.items() if iri.startswith(ns) and len(iri) > len(ns)),
                 iri)
    if picked and iri.startswith(ontology):
        return Link(href, f"{short}", "", iri, note=picked[0])
    return Link(href, short, "", iri)


def terms(store: ox.Store, base: str, lang: str) -> list[dict]:
    """The ontology's terms by kind, each with its labels, comment, relations and anchor."""
    graph = ox.NamedNode(graph_name("ontology", base))
    ontology = base + "def#"
    out = []
    for kind, anchor, fr, en in KINDS:
        entries: list[dict] = []
        for quad in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(kind), graph):
            iri = value_of(quad.subject)
            if not iri.startswith(ontology):
                continue
            facts: dict[str, list[Term]] = {}
            for q in store.quads_for_pattern(quad.subject, None, None, graph):
                facts.setdefault(q.predicate.value, []).append(q.object)
            labels = {o.language or "": o.value for o in facts.get(RDFS + "label", []) if isinstance(o, ox.Literal)}
            comments = {o.language or "": o.value for o in facts.get(RDFS + "comment", [])
                        if isinstance(o, ox.Literal)}
            comment = pick_label(comments, lang)
            relations = []
            for predicate, rfr, ren in RELATIONS:
                targets = sorted({o.value for o in facts.get(predicate, []) if isinstance(o, ox.NamedNode)})
                if targets:
                    relations.append({"name": ren if lang == "en" else rfr,
                                      "links": [_term_link(store, t, base, lang) for t in targets]})
            symmetric = any(value_of(o) == OWL + "SymmetricProperty" for o in facts.get(RDF + "type", []))
            entries.append({"id": iri[len(ontology):], "iri": iri, "labels": labels,
                            "comment": {"text": comment[0], "lang": comment[1]} if comment else None,
                            "relations": relations, "symmetric": symmetric})
        entries.sort(key=lambda e: e["id"].casefold())
        out.append({"anchor": anchor, "title": en if lang == "en" else fr, "terms": entries})
    return out


def ontology_page(context, request: Request, description: Description, lang: str, headers: dict) -> Response:
    facts: dict[str, list[Term]] = {}
    for triple in description.triples:
        if value_of(triple.subject) == description.iri:
            facts.setdefault(triple.predicate.value, []).append(triple.object)

    def text(predicate: str) -> dict | None:
        found = pick_label({o.language or "": o.value for o in facts.get(predicate, []) if isinstance(o, ox.Literal)},
                           lang)
        return {"text": found[0], "lang": found[1]} if found else None

    dcterms = PREFIXES["dcterms"]
    header = {"title": text(dcterms + "title"), "description": text(dcterms + "description"),
              "version": text(OWL + "versionInfo"),
              "version_iri": [value_of(o) for o in facts.get(OWL + "versionIRI", [])],
              "license": [value_of(o) for o in facts.get(dcterms + "license", [])]}
    graphs = [{"name": name, "iri": graph_name(name, context.base)} for name in GRAPH_NAMES]
    return render(context, request, "ontology.html", headers=headers, lang=lang, header=header, iri=description.iri,
                  kinds=terms(context.store, context.base, lang), graphs=graphs, prefix=context.base + "def#")
