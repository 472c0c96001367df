"""The guard that runs before the engine: length, updates, the shapes that crash a parser, and SERVICE.

pyoxigraph 0.5 overflows its stack on a few hundred nested brackets or chained operators (so does rdflib's
parser, a little later), so this guard first reads the query as the SPARQL grammar's lexer does: strings,
IRIs, comments and escapes are opaque; what is left are keywords, names and punctuation, whose brackets and
operators are counted. Only then is SERVICE looked for, in the parsed query (``parsed_guard.py``): a lexical
reading of it had a hole (``?o .SERVICE <…>``, issue 16).
"""

from __future__ import annotations

import codecs
import re

from .errors import QueryRefused, QuerySyntaxError, QueryTooLarge, UpdateRefused
from .limits import Limits
from .parsed_guard import check_service

# SPARQL 1.1 §19.2: \uXXXX and \UXXXXXXXX escapes are processed before parsing, so a keyword or a bracket
# may be spelled with them; the text is read once as sent and once with them decoded.
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


def names_dataset(text: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED)."""
    return any(_FROM.search(blank_opaque(t)) for t in {text, decode_codepoints(text)})


def check_query(text: str, limits: Limits) -> bool:
    """Refuse, before the engine runs, a query that is too long, an update, a crash shape or SERVICE.

    Returns whether the query names its own dataset (FROM or FROM NAMED). Parses the query (milliseconds,
    ``parsed_guard.py``) only if it could spell SERVICE; otherwise a few microseconds of regular expressions.

    Raises:
        QueryTooLarge: longer than ``limits.max_query_length`` characters.
        UpdateRefused: the text is a SPARQL Update request.
        QueryRefused: too deep nesting, too many chained operators, SERVICE, or a mention of SERVICE in a
            query that does not parse.
    """
    if len(text) > limits.max_query_length:
        raise QueryTooLarge(f"the query has {len(text)} characters; the limit is {limits.max_query_length}",
                            f"la requête a {len(text)} caractères ; la limite est {limits.max_query_length}")
    # Two readings: the text as Oxigraph tokenises it (escapes stay inside strings and IRIs), and the text
    # with \u escapes decoded first, as SPARQL 1.1 §19.2 says (and Jena does). What is refused in either is
    # refused: a decoded \u0022 can close a string early in one reading and open one in the other.
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
    check_service(text, decoded)  # after the caps: rdflib's parser recurses too
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
