"""Client SPARQL queries with containment, in layers that import downward:

- ``errors``: one class per failure a client can act on (bilingual messages, syntax error position);
- ``limits``: the caps;
- ``guard``: what is refused before the engine runs (length, updates, crash shapes, then SERVICE);
- ``parsed_guard``: SERVICE looked for in the query parsed by rdflib, when the text could spell it;
- ``execution``: one query on one pyoxigraph store, within the caps, serialised (runs in a worker);
- ``worker`` / ``pool``: the worker processes and the parent's end of their pipes (the embedded backend);
- ``cache``: complete answers of the build being served, for repeated queries (LRU, bounded in bytes);
- ``service``: the guards, the cache and the fair scheduler in front of the backend.

No web framework here: ``web/sparql.py`` maps the errors to HTTP statuses.
"""

from .errors import (
    EngineFailure,
    Overloaded,
    QueryError,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooExpensive,
    QueryTooLarge,
    ResultTooLarge,
    Unavailable,
    UpdateRefused,
)
from .execution import QueryRequest, QueryResult, execute
from .guard import blank_opaque, check_query, decode_body, decode_codepoints
from .limits import Limits, limits_from_settings
from .service import QueryService
from .worker import isolate_network

__all__ = [
    "EngineFailure", "Overloaded", "QueryError", "QueryRefused", "QuerySyntaxError", "QueryTimeout",
    "QueryTooExpensive", "QueryTooLarge", "ResultTooLarge", "Unavailable", "UpdateRefused", "QueryRequest",
    "QueryResult", "execute", "blank_opaque", "check_query", "decode_body", "decode_codepoints", "Limits",
    "limits_from_settings", "QueryService", "isolate_network",
]
