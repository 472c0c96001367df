"""Read and write SSSOM mapping sets (TSV with a YAML metadata block) and turn them into RDF.

The curated links of refmetiers live in ``data/mappings/*.sssom.tsv``: one file per target
vocabulary, readable in a spreadsheet and reviewable in a diff. The build publishes each record
twice in graph ``mappings``: as the SKOS mapping triple an integrator follows
(``job skos:closeMatch occupation``), and as a mapping node that keeps the record queryable
(justification, confidence, author, evidence). The node has an IRI (from ``record_id``, or the
set's IRI and the record's ordinal): published data has no blank nodes.

We read the TSV with the csv module and the metadata with PyYAML rather than depend on the
``sssom`` package, whose dependency tree (pandas, linkml …) is far heavier than the format.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from .errors import SourceError
from .namespaces import SEMAPV, SSSOM, bind_prefixes

#: The mapping predicates we publish (SKOS mapping properties only).
PREDICATES = {f"skos:{name}": SKOS[name]
              for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}

#: The SEMAPV justifications we accept (SSSOM's `mapping_justification` value set).
JUSTIFICATIONS = {f"semapv:{name}": SEMAPV[name] for name in (
    "ManualMappingCuration", "LexicalMatching", "LogicalReasoning", "CompositeMatching",
    "UnspecifiedMatching", "SemanticSimilarityThresholdMatching", "LexicalSimilarityThresholdMatching",
    "MappingReview", "MappingChaining", "BackgroundKnowledgeBasedMatching", "InstanceBasedMatching",
    "StructuralMatching", "MappingInversion")}

REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
#: Columns written by :func:`write_mapping_set`, in SSSOM's usual order.
COLUMNS = ("record_id", "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "similarity_score", "similarity_measure", "mapping_tool", "author_id",
           "reviewer_id", "comment")
#: The SSSOM version our sets declare: ``record_id`` and ``similarity_score`` are SSSOM 1.1 slots.
SSSOM_VERSION = "1.1"
#: The one value of SSSOM's ``predicate_modifier``: a negative mapping (the subject does NOT match the object).
NOT = "Not"
#: Score slots: (column, RDF property); each a number between 0 and 1.
_SCORES = ("confidence", "similarity_score")
#: Agent slots: several CURIEs or IRIs separated by "|".
_AGENTS = ("author_id", "reviewer_id")
#: Row-level sources (SSSOM lets a record name its own subject or object source).
_SOURCES = ("subject_source", "object_source")

_BUILTIN_PREFIXES = {"skos": str(SKOS), "semapv": str(SEMAPV), "owl": str(OWL), "rdfs": str(RDFS)}
_CURIE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*):(\S*)$")


@dataclass
class Mapping:
    """One SSSOM record, with the line it starts on in its file."""

    line: int
    subject_id: str
    predicate_id: str
    object_id: str
    mapping_justification: str
    subject_label: str = ""
    object_label: str = ""
    confidence: float | None = None
    author_id: tuple[str, ...] = ()
    comment: str = ""
    record_id: str = ""
    mapping_date: str = ""
    predicate_modifier: str = ""
    similarity_score: float | None = None
    similarity_measure: str = ""
    mapping_tool: str = ""
    reviewer_id: tuple[str, ...] = ()
    subject_source: str = ""
    object_source: str = ""

    @property
    def negated(self) -> bool:
        """A negative mapping (``predicate_modifier: Not``): recorded, never published as a SKOS link."""
        return self.predicate_modifier == NOT


@dataclass
class MappingSet:
    """A parsed SSSOM file: its metadata, prefix map and records."""

    path: Path
    metadata: dict
    curie_map: dict[str, str]
    mappings: list[Mapping] = field(default_factory=list)

    @property
    def mapping_set_id(self) -> str:
        return str(self.metadata["mapping_set_id"])

    def expand(self, curie: str, line: int | None = None, column: str = "") -> URIRef:
        """Expand a CURIE (or pass a full http(s) IRI through).

        Raises:
            SourceError: the value is not a CURIE, or its prefix is not in the ``curie_map``.
        """
        return expand_curie(curie, self.curie_map, self.path, line, column)


def expand_curie(curie: str, curie_map: dict[str, str], path: Path, line: int | None = None,
                 column: str = "") -> URIRef:
    """Expand ``curie`` with ``curie_map``; raise a :class:`SourceError` naming the file, line and column."""
    where = f" in column {column}" if column else ""
    if curie.startswith(("http://", "https://")) and " " not in curie:
        return URIRef(curie)
    match = _CURIE.match(curie)
    if not match:
        raise SourceError(path, f"bad CURIE {curie!r}{where}: expected prefix:local", line)
    prefix, local = match.groups()
    if prefix not in curie_map:
        raise SourceError(path, f"bad CURIE {curie!r}{where}: prefix {prefix!r} is not in the curie_map", line)
    return URIRef(curie_map[prefix] + local)


def _split_metadata(text: str) -> tuple[list[str], list[str], int]:
    """The metadata lines (without their ``#``), the table lines, and the table's first line number."""
    lines = text.splitlines(keepends=True)
    meta: list[str] = []
    for index, line in enumerate(lines):
        if not line.startswith("#"):
            return meta, lines[index:], index + 1
        meta.append(line[1:])
    return meta, [], len(lines) + 1


def read_mapping_set(path: Path | str, text: str | None = None) -> MappingSet:
    """Parse an SSSOM TSV file.

    Raises:
        SourceError: unreadable file, bad YAML metadata, missing column, unknown predicate or
            justification, bad CURIE, bad confidence; the error names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"cannot read the file: {exc}") from None
    meta_lines, table_lines, first_line = _split_metadata(text)
    try:
        metadata = yaml.safe_load("".join(meta_lines)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError(path, f"bad YAML in the metadata block: {getattr(exc, 'problem', exc)}",
                          mark.line + 1 if mark else None) from None
    if not isinstance(metadata, dict):
        raise SourceError(path, "the metadata block must be a YAML mapping", 1)
    curie_map = dict(_BUILTIN_PREFIXES)
    declared = metadata.get("curie_map") or {}
    if not isinstance(declared, dict):
        raise SourceError(path, "curie_map must be a mapping of prefix: IRI", 1)
    curie_map.update({str(k): str(v) for k, v in declared.items()})
    if "mapping_set_id" not in metadata:
        raise SourceError(path, "the metadata block has no mapping_set_id", 1)
    mapping_set = MappingSet(path, metadata, curie_map)

    reader = csv.reader(io.StringIO("".join(table_lines)), delimiter="\t")
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(path, "no table: the header row is missing", first_line) from None
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise SourceError(path, f"missing column(s): {', '.join(missing)}", first_line)
    default_date = str(metadata.get("mapping_date", ""))
    previous_end = reader.line_num
    seen_ids: dict[str, int] = {}
    for row in reader:
        line = first_line + previous_end  # the record starts where the previous one ended
        previous_end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise SourceError(path, f"{len(row)} cells for {len(header)} columns", line)
        record = dict(zip(header, (cell.strip() for cell in row), strict=True))
        mapping = _record(mapping_set, record, line, default_date)
        if mapping.record_id and mapping.record_id in seen_ids:
            first = seen_ids[mapping.record_id]
            raise SourceError(path, f"record_id {mapping.record_id!r} already used on line {first}",
                              line)
        seen_ids[mapping.record_id] = line
        mapping_set.mappings.append(mapping)
    return mapping_set


def _record(mapping_set: MappingSet, record: dict[str, str], line: int, default_date: str) -> Mapping:
    path = mapping_set.path
    for name in REQUIRED_COLUMNS:
        if not record.get(name):
            raise SourceError(path, f"empty {name}", line)
    if record["predicate_id"] not in PREDICATES:
        raise SourceError(path, f"unknown predicate {record['predicate_id']!r}: expected one of "
                          + ", ".join(sorted(PREDICATES)), line)
    if record["mapping_justification"] not in JUSTIFICATIONS:
        raise SourceError(path, f"unknown mapping_justification {record['mapping_justification']!r}: "
                          "expected a SEMAPV term such as semapv:ManualMappingCuration", line)
    for name in ("subject_id", "object_id"):
        mapping_set.expand(record[name], line, name)
    scores: dict[str, float | None] = {}
    for name in _SCORES:
        scores[name] = None
        if record.get(name):
            try:
                scores[name] = float(record[name])
            except ValueError:
                scores[name] = -1.0
            if not 0.0 <= (scores[name] or 0.0) <= 1.0:
                raise SourceError(path, f"{name} {record[name]!r} is not a number between 0 and 1", line)
    if record["mapping_justification"] == "semapv:LexicalMatching" and scores["similarity_score"] is None:
        raise SourceError(path, "a semapv:LexicalMatching record needs a similarity_score (the matcher's score; "
                                "confidence is the curator's confidence in the mapping)", line)
    modifier = record.get("predicate_modifier", "")
    if modifier not in ("", NOT):
        raise SourceError(path, f"unknown predicate_modifier {modifier!r}: the only SSSOM value is {NOT!r}", line)
    agents = {name: tuple(a.strip() for a in record.get(name, "").split("|") if a.strip()) for name in _AGENTS}
    for name, values in agents.items():
        for agent in values:
            mapping_set.expand(agent, line, name)
    for name in _SOURCES:
        if record.get(name):
            mapping_set.expand(record[name], line, name)
    if record.get("record_id"):
        mapping_set.expand(record["record_id"], line, "record_id")
    return Mapping(line=line, subject_id=record["subject_id"], predicate_id=record["predicate_id"],
                   object_id=record["object_id"], mapping_justification=record["mapping_justification"],
                   subject_label=record.get("subject_label", ""), object_label=record.get("object_label", ""),
                   confidence=scores["confidence"], author_id=agents["author_id"], comment=record.get("comment", ""),
                   record_id=record.get("record_id", ""),
                   mapping_date=record.get("mapping_date", "") or default_date, predicate_modifier=modifier,
                   similarity_score=scores["similarity_score"],
                   similarity_measure=record.get("similarity_measure", ""), mapping_tool=record.get("mapping_tool", ""),
                   reviewer_id=agents["reviewer_id"], subject_source=record.get("subject_source", ""),
                   object_source=record.get("object_source", ""))


def to_graph(mapping_set: MappingSet) -> Graph:
    """The SKOS mapping triples and one mapping node per record, plus the set's description."""
    graph = Graph()
    bind_prefixes(graph)
    set_iri = URIRef(mapping_set.mapping_set_id)
    meta = mapping_set.metadata
    graph.add((set_iri, RDF.type, SSSOM.MappingSet))
    for key, prop in (("mapping_set_title", DCTERMS.title), ("mapping_set_description", DCTERMS.description)):
        if meta.get(key):
            graph.add((set_iri, prop, Literal(str(meta[key]), lang="en")))
    if meta.get("mapping_set_version"):
        graph.add((set_iri, SSSOM.mapping_set_version, Literal(str(meta["mapping_set_version"]))))
    if meta.get("license"):
        graph.add((set_iri, DCTERMS.license, URIRef(str(meta["license"]))))
    for creator in meta.get("creator_id") or []:
        graph.add((set_iri, DCTERMS.creator, mapping_set.expand(str(creator), 1, "creator_id")))
    if meta.get("sssom_version"):
        graph.add((set_iri, SSSOM.sssom_version, Literal(str(meta["sssom_version"]))))
    for key in ("subject_source", "object_source"):
        if meta.get(key):
            graph.add((set_iri, SSSOM[key], mapping_set.expand(str(meta[key]), 1, key)))
    if meta.get("object_source_version"):
        graph.add((set_iri, SSSOM.object_source_version, Literal(str(meta["object_source_version"]))))
    graph.add((set_iri, DCTERMS.source, Literal(f"data/mappings/{mapping_set.path.name}")))
    for ordinal, m in enumerate(mapping_set.mappings, 1):
        subject = mapping_set.expand(m.subject_id, m.line)
        predicate = PREDICATES[m.predicate_id]
        obj = mapping_set.expand(m.object_id, m.line)
        if not m.negated:
            graph.add((subject, predicate, obj))
        node = mapping_set.expand(m.record_id, m.line) if m.record_id else URIRef(f"{set_iri}/{ordinal}")
        if m.negated:
            graph.add((node, SSSOM.predicate_modifier, Literal(NOT)))
        graph.add((node, RDF.type, SSSOM.Mapping))
        graph.add((node, DCTERMS.isPartOf, set_iri))
        graph.add((node, OWL.annotatedSource, subject))
        graph.add((node, OWL.annotatedProperty, predicate))
        graph.add((node, OWL.annotatedTarget, obj))
        graph.add((node, SSSOM.mapping_justification, JUSTIFICATIONS[m.mapping_justification]))
        if m.subject_label:
            graph.add((node, SSSOM.subject_label, Literal(m.subject_label)))
        if m.object_label:
            graph.add((node, SSSOM.object_label, Literal(m.object_label)))
        for name in _SCORES:
            value = getattr(m, name)
            if value is not None:
                graph.add((node, SSSOM[name], Literal(value, datatype=XSD.double)))
        for name in ("similarity_measure", "mapping_tool"):
            if getattr(m, name):
                graph.add((node, SSSOM[name], Literal(getattr(m, name))))
        for name in _AGENTS:
            for agent in getattr(m, name):
                graph.add((node, SSSOM[name], mapping_set.expand(agent, m.line)))
        for name in _SOURCES:
            if getattr(m, name):
                graph.add((node, SSSOM[name], mapping_set.expand(getattr(m, name), m.line)))
        if m.comment:
            graph.add((node, SSSOM.comment, Literal(m.comment)))
        if m.mapping_date:
            graph.add((node, SSSOM.mapping_date, Literal(m.mapping_date, datatype=XSD.date)))
    return graph


def mapping_set_to_graph(path: Path | str) -> Graph:
    """Parse the SSSOM file at ``path`` into RDF (the reader the build's source loader calls).

    Raises:
        SourceError: the file is not a valid mapping set (with its line), in French and English.
    """
    try:
        return to_graph(read_mapping_set(path))
    except SourceError as exc:
        if "fr" not in exc.messages:  # the detail names SSSOM's own columns and CURIEs: kept as written
            exc.messages = {"en": f"Invalid SSSOM mapping set: {exc.message}.",
                            "fr": f"Jeu de correspondances SSSOM invalide : {exc.message}."}
            exc.fixes = exc.fixes or {
                "en": "Correct this line of the TSV file: tab-separated columns as in its header, CURIEs whose "
                      "prefix the curie_map declares, a SEMAPV mapping_justification.",
                "fr": "Corrigez cette ligne du fichier TSV : des colonnes séparées par des tabulations, comme "
                      "l'en-tête, des CURIE dont le préfixe est déclaré dans le curie_map, une "
                      "mapping_justification du vocabulaire SEMAPV."}
        raise


def write_mapping_set(out, metadata: dict, mappings: list[Mapping]) -> None:
    """Write an SSSOM TSV (metadata block, then the :data:`COLUMNS`) to the text stream ``out``."""
    block = yaml.safe_dump(metadata, allow_unicode=True, sort_keys=False, width=1000)
    out.write("".join(f"#{line}\n" for line in block.splitlines()))
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    negative = any(m.negated for m in mappings)  # the predicate_modifier column, only where a record needs it
    header = list(COLUMNS)
    if negative:
        header.insert(header.index("predicate_id"), "predicate_modifier")
    writer.writerow(header)
    for m in mappings:
        row = [m.record_id, m.subject_id, m.subject_label, m.predicate_id, m.object_id, m.object_label,
               m.mapping_justification, "" if m.similarity_score is None else f"{m.similarity_score:.3f}",
               m.similarity_measure, m.mapping_tool, "|".join(m.author_id), "|".join(m.reviewer_id), m.comment]
        if negative:
            row.insert(3, m.predicate_modifier)
        writer.writerow(row)
