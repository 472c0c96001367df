"""One SPARQL query over the last build, answered as the text `refmetiers query` prints (no service, no caps)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..errors import ConfigError
from ..store import load_store

# The result formats of SELECT answers, by their command-line name.
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                  "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}


def answer(dist: Path, text: str, results_format: str = "tsv") -> str:
    """Run ``text`` over the build in ``dist`` (default graph = union of the named graphs).

    SELECT answers come in ``results_format`` (a key of :data:`RESULT_FORMATS`), ASK as ``true`` or
    ``false`` and a line break, CONSTRUCT and DESCRIBE as Turtle.

    Raises:
        ConfigError: there is no build in ``dist``, or the query is not valid SPARQL.
    """
    store = load_store(dist)
    try:
        result = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise ConfigError(f"query: {exc} / requête mal formée") from None
    if isinstance(result, bool | ox.QueryBoolean):  # pyoxigraph 0.5 answers ASK with a QueryBoolean
        return "true\n" if result else "false\n"
    if isinstance(result, ox.QuerySolutions):
        return (result.serialize(format=RESULT_FORMATS[results_format]) or b"").decode("utf-8")
    return (ox.serialize(result, format=ox.RdfFormat.TURTLE) or b"").decode("utf-8")
