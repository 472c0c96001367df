"""Answers already computed, kept in memory for the build they were computed on (issue 17, item 2).

An answer is a function of the build's data, the query text, the protocol dataset (``default-graph-uri``,
``named-graph-uri``), the base IRI and the two formats asked for (results, graph): the key holds all but the
build, and each build has a cache of its own (``QueryService.reload`` swaps it in the same step as the workers,
so no answer of the previous build is served after a reload, whatever the data version says).

What is kept, and why it is safe:
- only complete answers: a query over a cap fails (``ResultTooLarge``) instead of answering part, and errors are
  raised, never stored;
- not answers of queries calling NOW(), RAND(), UUID() or STRUUID(), which change from one run to the next (a
  lexical check: a false alarm only costs a run);
- what the time budget (``timeout``) or the client changes is whether the answer comes, not what it is: a kept
  answer is given whatever the budget asked;
- GET and POST share it: the SPARQL 1.1 Protocol makes the three ways of sending a query the same query
  operation, whose answer depends on the query and its dataset only (HTTP caches still see only GET answers as
  cacheable: ``Cache-Control`` and ``ETag`` stay on GET).

LRU, bounded in bytes (answer bodies and query texts, plus a fixed allowance per entry); an answer larger than
``max_entry_bytes`` (an eighth of the bound by default) is not kept: it would push out everything else.
Everything runs on the event loop's thread: no locks.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from .execution import QueryRequest

ENTRY_OVERHEAD = 400  # bytes: key tuple, result object, dictionary slot (about 350 measured with tracemalloc)
VOLATILE_FUNCTIONS = ("now", "rand", "uuid")  # and STRUUID, which ends in UUID

CacheKey = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str | None]


class Kept(Protocol):
    """What the cache keeps: an answer (``QueryResult``) or the HTTP response that carried one."""

    @property
    def body(self) -> bytes: ...


def volatile(text: str) -> bool:
    """Whether ``text`` may call NOW(), RAND(), UUID() or STRUUID(): one of the names right before a "(" (inside a
    string or an IRI counts too: a false alarm only costs a run). It looks back from each "(" with str.find: one
    regular expression over the text, or lowering a French text, takes 20-200 µs on a 2 KB cookbook query."""
    at = text.find("(")
    while at >= 0:
        end = at
        while end > 0 and text[end - 1].isspace():
            end -= 1
        if text[max(0, end - 4):end].lower().endswith(VOLATILE_FUNCTIONS):
            return True
        at = text.find("(", at + 1)
    return False


def cache_key(request: QueryRequest) -> CacheKey:
    """What the answer to ``request`` depends on, besides the build."""
    return (request.text, request.results_format.name, request.graph_format.name, request.default_graphs,
            request.named_graphs, request.base_iri)


@dataclass
class CacheStats:
    """Counters for /readyz (of the build being served)."""

    hits: int = 0
    misses: int = 0
    stored: int = 0
    evictions: int = 0
    too_large: int = 0  # answers not kept because they pass ``max_entry_bytes``
    volatile: int = 0  # answers not kept because their query may call NOW(), RAND(), UUID() or STRUUID()
    door: int = 0  # of the hits, HTTP responses sent again whole before routing (web/kept.py)


class ResultCache:
    """Complete answers of one build, least recently used first out, within ``max_bytes``."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None):
        self.max_bytes = max(0, max_bytes)
        self.max_entry_bytes = self.max_bytes // 8 if max_entry_bytes is None else max_entry_bytes
        self.size = 0
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, tuple[Kept, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, *, count_miss: bool = True):
        """The answer kept under ``key`` (a ``cache_key``, or another kind of key for what ``put`` was given)."""
        entry = self._entries.get(key)
        if entry is None:
            self.stats.misses += count_miss
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return entry[0]

    def holds(self, key: Hashable, kept: Kept) -> bool:
        """Whether ``kept`` itself is what ``key`` holds (no counting, no reordering)."""
        entry = self._entries.get(key)
        return entry is not None and entry[0] is kept

    def put(self, key: Hashable, result: Kept, text: str | None = None) -> None:
        """Keep ``result``, the answer to query ``text`` (by default ``key[0]``, as in a ``cache_key``), unless it is
        too large or the query's answer changes from run to run (checked here, once per answer computed, rather than
        at each lookup: what was never stored is never found)."""
        text = key[0] if text is None else text  # type: ignore[index]
        cost = len(result.body) + len(text) + ENTRY_OVERHEAD
        if cost > self.max_entry_bytes or cost > self.max_bytes:
            self.stats.too_large += 1
            return
        if volatile(text):
            self.stats.volatile += 1
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[1]
        self._entries[key] = (result, cost)
        self.size += cost
        self.stats.stored += 1
        while self.size > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.size -= evicted
            self.stats.evictions += 1

    def describe(self) -> dict:
        """The figures /readyz shows."""
        return {"entries": len(self._entries), "bytes": self.size, "max_bytes": self.max_bytes,
                "hits": self.stats.hits, "misses": self.stats.misses, "evictions": self.stats.evictions,
                "not_kept_too_large": self.stats.too_large, "not_kept_volatile": self.stats.volatile,
                "hits_at_the_door": self.stats.door}
