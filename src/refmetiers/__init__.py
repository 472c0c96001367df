"""refmetiers: the French IT job reference as a SKOS/RDF knowledge graph."""


def __getattr__(name: str) -> str:
    # The software's version is stated once, in pyproject.toml; the data's lives in data/metadata/release.ttl.
    # Read on first use: importlib.metadata costs a query worker a tenth of a second at start-up.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("refmetiers")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found
