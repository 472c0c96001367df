"""The guard that runs before any parser: length, updates, SERVICE, and the shapes that crash the engine.

pyoxigraph 0.5 overflows its stack on a few hundred nested brackets or chained operators and cannot be
asked to parse a query without running it, so this guard reads the query as the SPARQL grammar's lexer
does: strings, IRIs, comments and escapes are opaque; variables, prefixed names, blank node labels,
language tags and numbers are whole tokens; what is left are keywords and punctuation. A ``SERVICE``
keyword anywhere among those tokens is refused, however it is spaced or spelled (``.SERVICE``,
``}service``, ``\\u0053ERVICE``).
"""

from __future__ import annotations

import codecs
import re

from .errors import QueryRefused, QuerySyntaxError, QueryTooLarge, UpdateRefused
from .limits import Limits

# SPARQL 1.1 §19.2: \uXXXX and \UXXXXXXXX escapes are processed before parsing, so a keyword may be
# spelled with them; we decode them before looking for keywords.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Strings (the four literal forms, with escapes), IRIREF (exact grammar: no spaces, no <>"{}|^`\),
# escapes, and comments; matched left to right so that a '#' inside an IRI or a string is not a comment.
_OPAQUE = re.compile(
    r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|\\."  # an escape outside strings (a prefixed name's \' or \#) is neither a quote nor a comment
    r"|#[^\n\r]*",
    re.DOTALL,
)
# The grammar's terminals that may contain letters but are not keywords (§19.8): variables, prefixed names
# (a local name may hold dots but not end with one), blank node labels, language tags, numbers. What is
# left as a bare word is a keyword, a function name, ``a``, ``true`` or ``false``.
_TOKEN = re.compile(
    r"(?P<other>[?$]\w+"  # VAR1, VAR2
    r"|(?:[^\W\d_][\w.-]*)?:(?:[\w:%-]+(?:\.+[\w:%-]+)*)?"  # PNAME_NS, PNAME_LN
    r"|_:[\w-]+(?:\.+[\w-]+)*"  # BLANK_NODE_LABEL
    r"|@[A-Za-z]+(?:-[A-Za-z0-9]+)*"  # LANGTAG
    r"|\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.?\d*[eE][+-]?\d+|\d+)"  # numbers
    r"|(?P<word>[^\W\d]\w*)"
)


def _keyword(word: str) -> re.Pattern:
    # A bare keyword: not part of a prefixed name (ex:from, from:x), a variable or a longer word.
    return re.compile(rf"(?<![\w:?$.\-]){word}(?![\w:\-])", re.IGNORECASE)


_FROM = _keyword("FROM")
_CHAIN_KEYWORDS = re.compile(r"(?<![\w:?$.\-])(UNION|OPTIONAL|MINUS|EXISTS)(?![\w:\-])", re.IGNORECASE)
# Operators that make left- or right-deep trees in the engine: path steps and alternatives, boolean
# and arithmetic operators, and the separators of triple patterns.
_CHAIN_OPERATORS = re.compile(r"\|\||&&|[/|^+*]|(?<![A-Za-z_])-|-(?!\w)|[.;,](?!\d)")
_PROLOGUE = re.compile(r"\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s+)(?:<[^>]*>|\s)\s*)*", re.IGNORECASE)
_UPDATE_START = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)


def decode_codepoints(text: str) -> str:
    """``text`` with SPARQL's \\u and \\U escapes decoded (invalid code points stay as they are).

    >>> decode_codepoints(r"\\u0053ERVICE")
    'SERVICE'
    """
    def replace(match: re.Match) -> str:
        value = int(match.group(1) or match.group(2), 16)
        return chr(value) if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else match.group(0)
    return _CODEPOINT.sub(replace, text)


def blank_opaque(text: str) -> str:
    """``text`` with string literals, IRIs and comments replaced by a space: what keywords can be.

    >>> blank_opaque('SELECT * { ?s <urn:x> "SERVICE" } # SERVICE').split()
    ['SELECT', '*', '{', '?s', '}']
    """
    return _OPAQUE.sub(" ", text)


def keywords(code: str) -> list[str]:
    """The bare words of blanked query text, upper-cased: keywords and function names.

    >>> keywords(blank_opaque("SELECT ?service { ?s ex:a.service _:b.service ?o .service <x> }"))
    ['SELECT', 'SERVICE']
    """
    return [m.group("word").upper() for m in _TOKEN.finditer(code) if m.group("word")]


def names_dataset(text: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED)."""
    return any(_FROM.search(blank_opaque(t)) for t in {text, decode_codepoints(text)})


def check_query(text: str, limits: Limits) -> bool:
    """Refuse, before any parser runs, a query that is too long, an update, SERVICE or a crash shape.

    Returns whether the query names its own dataset (FROM or FROM NAMED).

    Raises:
        QueryTooLarge: longer than ``limits.max_query_length`` characters.
        UpdateRefused: the text is a SPARQL Update request.
        QueryRefused: SERVICE, too deep nesting or too many chained operators.
    """
    if len(text) > limits.max_query_length:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {limits.max_query_length}",
                            f"la requête a {len(text)} caractères ; la limite est {limits.max_query_length}")
    # Two readings: the text as the engine tokenises it (escapes stay inside strings and IRIs), and the
    # text with \u escapes decoded first, as SPARQL 1.1 §19.2 says. A keyword seen in either is refused:
    # a decoded \u0022 can close a string early in one reading and open one that hides SERVICE in the other.
    codes = [blank_opaque(text)]
    decoded = decode_codepoints(text)
    if decoded != text:
        codes.append(blank_opaque(decoded))
    for code in codes:
        start = _PROLOGUE.match(code)
        rest = code[start.end():] if start else code
        update = _UPDATE_START.match(rest)
        if update:
            word = update.group(1).upper()
            raise UpdateRefused(f"this endpoint is read-only: {word} (SPARQL Update) is not accepted",
                                f"ce service est en lecture seule : {word} (SPARQL Update) n'est pas accepté")
        if "SERVICE" in keywords(code):
            raise QueryRefused("SERVICE is not allowed: this endpoint never queries other endpoints",
                               "SERVICE n'est pas permis : ce service n'interroge jamais d'autres services")
    for code in codes:
        depth = deepest = 0
        for char in code:
            if char in "{([":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "})]":
                depth -= 1
        if deepest > limits.max_depth:
            raise QueryRefused(f"the query nests brackets {deepest} deep; the limit is {limits.max_depth}",
                               f"la requête imbrique {deepest} niveaux de parenthèses ou d'accolades ; "
                               f"la limite est {limits.max_depth}")
        operators = len(_CHAIN_KEYWORDS.findall(code)) + len(_CHAIN_OPERATORS.findall(code))
        if operators > limits.max_operators:
            raise QueryRefused(f"the query chains {operators} operators (UNION, OPTIONAL, paths, '.', '||' …); "
                               f"the limit is {limits.max_operators}",
                               f"la requête enchaîne {operators} opérateurs (UNION, OPTIONAL, chemins, '.', '||' …) ; "
                               f"la limite est {limits.max_operators}")
    return any(_FROM.search(code) for code in codes)


def decode_body(body: bytes, charset: str | None) -> str:
    """The text of a request body in ``charset`` (default UTF-8); never a silent replacement.

    Raises:
        QuerySyntaxError: the bytes are not valid in that charset, or the charset is unknown.
    """
    name = (charset or "utf-8").strip().strip('"') or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        raise QuerySyntaxError(f"unknown charset {name!r}", f"jeu de caractères inconnu : {name!r}") from None
    try:
        return body.decode(name)
    except UnicodeDecodeError as exc:
        raise QuerySyntaxError(f"the request is not valid {name} at byte {exc.start}",
                               f"la requête n'est pas du {name} valide (octet {exc.start})") from None
