"""refmetiers: the French IT job reference as a SKOS/RDF knowledge graph."""

__version__ = "0.1.0"
