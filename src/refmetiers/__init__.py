"""refmetiers: the French IT job reference as a SKOS/RDF knowledge graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The software's version is stated once, in pyproject.toml; the data's lives in data/metadata/release.ttl.
    __version__ = version("refmetiers")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
