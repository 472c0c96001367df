"""Our namespaces, prefixes and named graph IRIs: the one place that spells them."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VOID, XSD

BASE = "https://w3id.org/refmetiers/"

RM = Namespace(BASE + "def#")
ONTOLOGY_IRI = URIRef(BASE + "def")
ID = Namespace(BASE + "id/")
SCHEME = Namespace(BASE + "scheme/")
DATASET_IRI = URIRef(BASE + "dataset")
# rdflib's DCAT namespace is closed to DCAT 2 terms; we use DCAT 3 (dcat:version, dcat:hasVersion).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ESCO = Namespace("http://data.europa.eu/esco/model#")
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SSSOM = Namespace("https://w3id.org/sssom/")
SEMAPV = Namespace("https://w3id.org/semapv/vocab/")

# The named graphs of DESIGN.md §3, in publication order; `changes` holds the change sets of the
# releases cut so far (releases/*/changes.ttl), so that the endpoint answers "what changed".
GRAPH_NAMES = ("ontology", "referentiel", "mappings", "reference", "inferred", "metadata", "changes")
ASSERTED_OWN = ("ontology", "referentiel", "mappings", "metadata")


def graph_iri(name: str, base: str = BASE) -> URIRef:
    """Return the IRI of the named graph ``name`` under ``base``."""
    return URIRef(f"{base}graph/{name}")


PREFIXES = {
    "rm": str(RM),
    "rmid": str(ID),
    "rmscheme": str(SCHEME),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "void": str(VOID),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "esco": str(ESCO),
    "schema": str(SCHEMA),
    "spdx": str(SPDX),
    "sh": str(SH),
    "sssom": str(SSSOM),
    "semapv": str(SEMAPV),
}


def bind_prefixes(graph) -> None:
    """Bind our prefixes on an rdflib graph or dataset (replacing rdflib's defaults)."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
