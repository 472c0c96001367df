"""The one JSON-LD shape of refmetiers (the dumps, and a resource's description): statements compacted with the
published context (``dist/context.jsonld``, written by ``dumps.jsonld_context``). pyoxigraph reads the statements;
no rdflib is needed to answer in JSON-LD.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .namespaces import PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph

CONTEXT_FILE = "context.jsonld"
_RDF_TYPE = PREFIXES["rdf"] + "type"
_XSD_STRING = PREFIXES["xsd"] + "string"


# json.dumps(item, sort_keys=True, ensure_ascii=False) without making an encoder per call
_json_text = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _canonical_json(value):
    if isinstance(value, dict):
        return {key: _canonical_json(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        items = [_canonical_json(item) for item in value]
        if len(items) < 2:  # most values are alone: nothing to order, no JSON text to make
            return items
        return sorted(items, key=_json_text)
    return value


class _Compactor:
    """JSON-LD compaction for our context: flat nodes, one key per property, every value in an array.

    pyld (the reference implementation in Python) gives the same document but took about ten minutes on
    the full dump; the context has only the kinds of terms below, so compacting against it is a lookup.
    tests/test_build.py checks the result against pyld on the build fixture and parses every dump back.
    """

    def __init__(self, context: dict):
        self.context = context["@context"]
        self.terms: dict[str, tuple[str, dict]] = {}
        for key, definition in self.context.items():
            if isinstance(definition, dict) and definition.get("@id", "").startswith(("http://", "https://")):
                self.terms[definition["@id"]] = (key, definition)
        self.classes = {iri: key for key, iri in self.context.items() if isinstance(iri, str) and key[0].isupper()}
        self.prefixes = sorted(((iri, key) for key, iri in self.context.items()
                                if isinstance(iri, str) and iri.endswith(("/", "#"))), key=lambda p: -len(p[0]))
        self._compact: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        compact = self._compact.get(iri)
        if compact is None:
            compact = next((f"{prefix}:{iri[len(namespace):]}" for namespace, prefix in self.prefixes
                            if iri.startswith(namespace) and len(iri) > len(namespace)), iri)
            self._compact[iri] = compact
        return compact

    def value(self, term: ox.NamedNode | ox.Literal, definition: dict):
        if isinstance(term, ox.NamedNode):
            return term.value if definition.get("@type") == "@id" else {"id": term.value}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        datatype = term.datatype.value
        if definition.get("@type") == datatype or (datatype == _XSD_STRING and "@type" not in definition):
            return term.value
        if datatype == _XSD_STRING:  # a plain string under a key that coerces: a value object escapes it
            return {"@value": term.value}
        return {"@value": term.value, "@type": self.iri(datatype)}

    def node(self, subject: str, statements: list[tuple[str, ox.NamedNode | ox.Literal]]) -> dict:
        node: dict = {"id": subject}
        for predicate, obj in statements:
            if predicate == _RDF_TYPE:
                node.setdefault("type", []).append(self.classes.get(obj.value) or self.iri(obj.value))
                continue
            key, definition = self.terms.get(predicate, (self.iri(predicate), {}))
            if definition.get("@container") == ["@language", "@set"] and isinstance(obj, ox.Literal) and obj.language:
                node.setdefault(key, {}).setdefault(obj.language, []).append(obj.value)
            elif definition.get("@container") == ["@language", "@set"]:
                node.setdefault(key, {}).setdefault("@none", []).append(self.value(obj, {}))
            else:
                node.setdefault(key, []).append(self.value(obj, definition))
        return node




def jsonld_document(graph: Graph | bytes, context: dict) -> dict:
    """``graph`` (or its N-Triples) as JSON-LD compacted with ``context``: every value in an array, every
    datatype kept.

    The one JSON-LD shape of refmetiers (the dumps; a resource's description can use it too): nodes in
    ``@graph`` sorted by id, the values of each key in a canonical order. Published data has no blank node.
    The statements are read by pyoxigraph (a dump's are its sorted N-Triples lines, already at hand).
    """
    ntriples = graph if isinstance(graph, bytes) else graph.serialize(format="nt", encoding="utf-8")
    by_subject: dict[str, list[tuple[str, ox.NamedNode | ox.Literal]]] = {}
    for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        by_subject.setdefault(triple.subject.value, []).append((triple.predicate.value, triple.object))
    compactor = _Compactor(context)
    nodes = [compactor.node(subject, by_subject[subject]) for subject in sorted(by_subject)]
    return {"@context": context["@context"], "@graph": _canonical_json(nodes)}
