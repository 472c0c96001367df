"""Parse the sources (ontology/, data/) that ``layout`` finds, each into its named graph.

Errors carry the file, line and column, so that a contributor can go straight to the fault.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from .config import Settings
from .errors import SourceError
from .graphs import empty_asserted
from .layout import SourceFile, discover
from .namespaces import bind_prefixes
from .sssom import mapping_set_to_graph


@dataclass
class Sources:
    """The parsed sources: one rdflib graph per named graph, and the file each triple set came from."""

    graphs: dict[str, Graph]
    files: list[tuple[SourceFile, Graph]] = field(default_factory=list)


_BOMS = {codecs.BOM_UTF8: "UTF-8", codecs.BOM_UTF16_LE: "UTF-16", codecs.BOM_UTF16_BE: "UTF-16"}
_OX_POSITION = re.compile(r"^Parser error (?:at line \d+ between columns \d+ and \d+|between line \d+ column \d+ "
                          r"and line \d+ column \d+): ")
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset`` of ``data``."""
    start = data.rfind(b"\n", 0, offset) + 1
    return data.count(b"\n", 0, offset) + 1, len(data[start:offset].decode("utf-8", errors="replace")) + 1


def decode_utf8(path: Path, data: bytes) -> str:
    """The text of a source file, which must be UTF-8 without a byte-order mark.

    Raises:
        SourceError: a byte-order mark, or bytes that are not UTF-8 (with their line and column).
    """
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            raise SourceError(path, f"the file starts with a {encoding} byte-order mark (BOM)", 1, 1, messages={
                "en": f"The file starts with a {encoding} byte-order mark (BOM), an invisible character "
                      "that Turtle does not allow.",
                "fr": f"Le fichier commence par une marque d'ordre des octets {encoding} (BOM), un caractère "
                      "invisible que Turtle n'accepte pas."}, fixes={
                "en": "Save the file as UTF-8 without BOM (in most editors: Save with encoding → UTF-8, "
                      "not \"UTF-8 with BOM\").",
                "fr": "Enregistrez le fichier en UTF-8 sans BOM (dans la plupart des éditeurs : Enregistrer avec "
                      "l'encodage → UTF-8, et non « UTF-8 avec BOM »)."})
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data, exc.start)
        byte = data[exc.start:exc.start + 1].hex().upper()
        raise SourceError(path, f"not UTF-8: byte 0x{byte} cannot be read", line, column, value=f"0x{byte}", messages={
            "en": f"The file is not in UTF-8: byte 0x{byte} cannot be read (the file was probably saved as "
                  "Latin-1 or Windows-1252).",
            "fr": f"Le fichier n'est pas en UTF-8 : l'octet 0x{byte} est illisible (le fichier a sans doute été "
                  "enregistré en Latin-1 ou Windows-1252)."}, fixes={
            "en": "Save the file as UTF-8 (in most editors: Save with encoding → UTF-8), then check the accents "
                  "on this line.",
            "fr": "Enregistrez le fichier en UTF-8 (dans la plupart des éditeurs : Enregistrer avec l'encodage "
                  "→ UTF-8), puis vérifiez les accents de cette ligne."}) from None


def _syntax_error(path: Path, exc: SyntaxError) -> SourceError:
    """A pyoxigraph parse error as a contributor reads it: what, where, and what to do."""
    reason = _OX_POSITION.sub("", str(exc.msg if exc.msg else exc))
    line, column = exc.lineno, exc.offset
    if "Invalid IRI code point ' '" in reason or "Invalid IRI code point" in reason:
        point = reason.rsplit("code point", 1)[-1].strip()
        messages = {"en": f"An IRI contains a character IRIs cannot hold ({point}), such as a space.",
                    "fr": f"Une IRI contient un caractère interdit dans une IRI ({point}), par exemple une espace."}
        fixes = {"en": "Write the IRI without spaces or accents (use '-' between words, as in "
                       "…/id/job/chef-de-projet); labels keep their spaces and accents.",
                 "fr": "Écrivez l'IRI sans espace ni accent (des '-' entre les mots, comme "
                       "…/id/job/chef-de-projet) ; les libellés, eux, gardent espaces et accents."}
    elif "prefix" in reason.lower() and ("not found" in reason or "undefined" in reason.lower()):
        messages = {"en": f"Undeclared prefix: {reason}.", "fr": f"Préfixe non déclaré : {reason}."}
        fixes = {"en": "Declare the prefix at the top of the file (e.g. @prefix skos: "
                       "<http://www.w3.org/2004/02/skos/core#> .) or correct its spelling.",
                 "fr": "Déclarez le préfixe en tête de fichier (par ex. @prefix skos: "
                       "<http://www.w3.org/2004/02/skos/core#> .) ou corrigez son orthographe."}
    else:
        messages = {"en": f"Turtle syntax error: {reason}.", "fr": f"Erreur de syntaxe Turtle : {reason}."}
        fixes = {"en": "Look at this line and the one before: a missing ' .' at the end of a statement, ' ;' "
                       "between two properties, a closing quote or '>' are the usual causes.",
                 "fr": "Regardez cette ligne et la précédente : un ' .' manquant en fin de description, un ' ;' "
                       "entre deux propriétés, un guillemet ou un '>' fermant oubliés en sont les causes "
                       "habituelles."}
    return SourceError(path, f"Turtle syntax error: {reason}", line, column, messages=messages, fixes=fixes)


def from_oxigraph(term, blank: dict[str, BNode] | None = None):
    """A pyoxigraph term as the rdflib term rdflib's own Turtle parser would have made."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode() if blank is None else blank.setdefault(term.value, BNode())
    raise TypeError(f"unexpected term {term!r}")


def parse_turtle_triples(path: Path, text: str | None = None) -> list[ox.Triple]:
    """Parse one Turtle file with pyoxigraph (exact positions, strict IRIs, and fast).

    Raises:
        SourceError: the file cannot be read, is not UTF-8, has a byte-order mark, or its Turtle is
            malformed (with line and column).
    """
    if text is None:
        text = read_source(path)
    try:
        return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()))
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from None


def to_rdflib(triples: list[ox.Triple]) -> Graph:
    """pyoxigraph triples as an rdflib graph (our prefixes bound)."""
    graph = Graph()
    bind_prefixes(graph)
    blank: dict[str, BNode] = {}
    graph.addN((from_oxigraph(t.subject, blank), from_oxigraph(t.predicate, blank), from_oxigraph(t.object, blank),
                graph) for t in triples)
    return graph


def read_source(path: Path) -> str:
    """The text of a source file (UTF-8, no byte-order mark).

    Raises:
        SourceError: the file cannot be read, is not UTF-8 or has a byte-order mark.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot read the file: {exc.strerror or exc}", messages={
            "en": f"Cannot read the file: {exc.strerror or exc}.",
            "fr": f"Impossible de lire le fichier : {exc.strerror or exc}."}, fixes={
            "en": "Check the file's name and path.", "fr": "Vérifiez le nom et le chemin du fichier."}) from None
    return decode_utf8(path, data)


def parse_turtle(path: Path, text: str | None = None) -> Graph:
    """Parse one Turtle file (with pyoxigraph: exact positions, strict IRIs, and fast) into an rdflib graph.

    Raises:
        SourceError: the file cannot be read, is not UTF-8, has a byte-order mark, or its Turtle is
            malformed (with line and column).
    """
    return to_rdflib(parse_turtle_triples(path, text))


def parse_file_triples(source: SourceFile) -> list[ox.Triple]:
    """Parse a source file according to its kind, as pyoxigraph triples."""
    if source.path.name.endswith(".sssom.tsv"):
        graph = mapping_set_to_graph(source.path)
        return list(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    return parse_turtle_triples(source.path)


def parse_file(source: SourceFile) -> Graph:
    """Parse a source file according to its kind."""
    if source.path.name.endswith(".sssom.tsv"):
        return mapping_set_to_graph(source.path)
    return parse_turtle(source.path)


def load_sources(settings: Settings, sources: list[SourceFile] | None = None) -> Sources:
    """Parse every source into its named graph."""
    graphs = empty_asserted()
    files = []
    for source in discover(settings) if sources is None else sources:
        parsed = parse_file(source)
        graphs[source.graph_name] += parsed
        files.append((source, parsed))
    return Sources(graphs, files)
