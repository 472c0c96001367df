"""Serialise the named graphs to dist/: every dump of DESIGN.md §4, deterministic and atomic.

Determinism: N-Triples and N-Quads are sorted lines (canonical, as there are no blank nodes);
Turtle, TriG and RDF/XML are written by pyoxigraph from those sorted lines, in that order (subjects
and predicates sorted, grouped with ``;`` and ``,``; much faster than rdflib's ``longturtle``);
Turtle and TriG use a prefix only where no local name needs an escape (namespaces.turtle_prefixes).
JSON-LD is compacted against the context generated from the ontology (every value an array, datatypes
kept) and put in a canonical order (nodes by id, values by their JSON text). Gzip files carry no name and
no time. The SSSOM mapping sets are published as maintained, beside a flat crosswalk CSV of the job links.
The SHACL report is a canonical tree (see ``canonical_report``).
Atomicity: everything is written to a temporary sibling folder that replaces dist/ only at the end.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VOID, XSD
from rdflib.term import Node

from . import formats
from .catalogue import CHECKSUMS_FILE, VOID_FILE, media_type_of, sha256
from .errors import BuildError
from .jsonld import CONTEXT_FILE, jsonld_document
from .namespaces import (
    ASSERTED_OWN,
    DCAT,
    GRAPH_NAMES,
    ID,
    KIND_PREFIXES,
    PREFIXES,
    RM,
    SPDX,
    SSSOM,
    bind_prefixes,
    graph_iri,
    writer_prefixes,
)
from .releases import ReleaseInfo


@dataclass(frozen=True)
class DumpSpec:
    """One dump: its file stem, the named graphs it holds and the formats it is written in."""

    stem: str
    graphs: tuple[str, ...]
    formats: tuple[formats.Format, ...]
    title_fr: str
    title_en: str


DUMPS = (
    DumpSpec("refmetiers", ASSERTED_OWN,
             (formats.TURTLE, formats.NTRIPLES, formats.JSONLD, formats.RDFXML),
             "Référentiel métiers informatique : données publiées", "French IT job reference: published data"),
    DumpSpec("refmetiers-reference", ("reference",), (formats.TURTLE, formats.NTRIPLES),
             "Concepts externes liés (ESCO, ISCO, ROME, PCS)", "Linked external concepts (ESCO, ISCO, ROME, PCS)"),
    DumpSpec("refmetiers-full", GRAPH_NAMES, (formats.TURTLE, formats.NTRIPLES, formats.JSONLD),
             "Toutes les données, déclarées et déduites", "All data, asserted and inferred"),
    DumpSpec("refmetiers", GRAPH_NAMES, (formats.TRIG, formats.NQUADS),
             "Toutes les données, par graphe nommé", "All data, by named graph"),
)

CROSSWALK_FILE = "refmetiers-crosswalk.csv"
SSSOM_SUFFIX = ".sssom.tsv"
SSSOM_SPEC = URIRef("https://w3id.org/sssom/spec")
CSV_SPEC = URIRef("https://www.rfc-editor.org/rfc/rfc4180")
REPORT_FILE = "validation-report.ttl"


# Vocabulary prefixes of the JSON-LD context. Our own IRI spaces (rmid:, rmscheme:) are left out on purpose:
# node ids and links stay full IRIs, which a reader can follow or paste as they are.
JSONLD_PREFIXES = ("rm", "skos", "dcterms", "dcat", "void", "owl", "rdf", "rdfs", "xsd", "esco", "schema", "spdx",
                   "sh", "sssom", "semapv")
# SKOS and Dublin Core terms people read, with their kind; the rm: terms come from the ontology itself.
_SKOS_LANGUAGE = ("prefLabel", "altLabel", "hiddenLabel", "definition", "scopeNote", "editorialNote", "note",
                  "changeNote", "historyNote", "example")
_SKOS_LINKS = ("broader", "narrower", "related", "broaderTransitive", "narrowerTransitive", "inScheme", "topConceptOf",
               "hasTopConcept", "exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
_SSSOM_SCORES = ("confidence", "similarity_score")


def jsonld_context(ontology: Graph) -> dict:
    """The JSON-LD context of the dumps, generated from ``ontology``: a short key for every rm: term.

    Every key is a set (``@container: @set``, or a language map of sets): a value is an array even when
    there is one, so a reader's code has one shape to handle. A datatype property's key carries the
    range's datatype, so its values keep their type (1.0 stays an xsd:double, "2" an xsd:integer).
    """
    skos, dct = PREFIXES["skos"], PREFIXES["dcterms"]
    context: dict = {prefix: PREFIXES[prefix] for prefix in JSONLD_PREFIXES}
    context.update({"id": "@id", "type": {"@id": "@type", "@container": "@set"}})
    language_set = ["@language", "@set"]
    for term in _SKOS_LANGUAGE:
        context[term] = {"@id": skos + term, "@container": language_set}
    for term in _SKOS_LINKS:
        context[term] = {"@id": skos + term, "@type": "@id", "@container": "@set"}
    context["notation"] = {"@id": skos + "notation", "@container": "@set"}
    context["source"] = {"@id": dct + "source", "@type": "@id", "@container": "@set"}
    context["title"] = {"@id": dct + "title", "@container": language_set}
    context["description"] = {"@id": dct + "description", "@container": language_set}
    for term in _SSSOM_SCORES:
        context[term] = {"@id": PREFIXES["sssom"] + term, "@type": str(XSD.double), "@container": "@set"}
    for term in sorted({s for s in ontology.subjects() if isinstance(s, URIRef)}, key=str):
        if not str(term).startswith(str(RM)):
            continue
        key = str(term)[len(str(RM)):]
        kinds = set(ontology.objects(term, RDF.type))
        if OWL.Class in kinds:
            context[key] = str(term)
        elif OWL.ObjectProperty in kinds:
            context[key] = {"@id": str(term), "@type": "@id", "@container": "@set"}
        elif OWL.DatatypeProperty in kinds:
            datatype = ontology.value(term, RDFS.range)
            if datatype == RDF.langString:
                context[key] = {"@id": str(term), "@container": language_set}
            elif datatype is not None:
                context[key] = {"@id": str(term), "@type": str(datatype), "@container": "@set"}
            else:
                context[key] = {"@id": str(term), "@container": "@set"}
    return {"@context": context}


def ntriples_lines(graph: Graph) -> list[str]:
    """The graph as sorted N-Triples lines (canonical: our published data has no blank nodes)."""
    text = graph.serialize(format="nt")
    return sorted(line + "\n" for line in text.splitlines() if line.strip())


class NTriplesLines:
    """Sorted N-Triples lines of each named graph, computed once per build and shared by every dump (so are
    the texts of the dumps that merge several graphs, and the IRIs of each graph)."""

    def __init__(self, graphs: dict[str, Graph], base: str):
        self.graphs = graphs
        self.base = base
        self._cache: dict[str, list[str]] = {}
        self._merged: dict[tuple[str, ...], str] = {}
        self._quads: dict[tuple[str, ...], str] = {}
        self._iris: dict[str, set[str]] = {}

    def of(self, name: str) -> list[str]:
        if name not in self._cache:
            self._cache[name] = ntriples_lines(self.graphs[name])
        return self._cache[name]

    def merged(self, names: tuple[str, ...]) -> str:
        if names not in self._merged:
            self._merged[names] = "".join(sorted({line for name in names for line in self.of(name)}))
        return self._merged[names]

    def quads(self, names: tuple[str, ...]) -> str:
        if names not in self._quads:
            lines = []
            for name in names:
                suffix = f" <{graph_iri(name, self.base)}> .\n"
                lines += [line[: -len(" .\n")] + suffix for line in self.of(name)]
            self._quads[names] = "".join(sorted(lines))
        return self._quads[names]

    def iris(self, name: str) -> set[str]:
        """Every IRI of graph ``name``: its terms' and its literals' datatypes (read by pyoxigraph)."""
        if name not in self._iris:
            found: set[str] = set()
            for triple in ox.parse("".join(self.of(name)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
                for term in triple:
                    if isinstance(term, ox.NamedNode):
                        found.add(term.value)
                    elif isinstance(term, ox.Literal):
                        found.add(term.datatype.value)
            self._iris[name] = found
        return self._iris[name]


def _jsonld(ntriples: str, context: dict) -> str:
    return json.dumps(jsonld_document(ntriples.encode("utf-8"), context), ensure_ascii=False, indent=1) + "\n"


def _oxigraph(text: str, source: ox.RdfFormat, target: ox.RdfFormat, prefixes: dict[str, str]) -> str:
    """Re-serialise sorted N-Triples/N-Quads with pyoxigraph, which keeps the input order."""
    written = ox.serialize(ox.parse(text.encode("utf-8"), format=source), format=target, prefixes=prefixes)
    return (written or b"").decode("utf-8")


def canonical_turtle(graph: Graph, prefixes: dict[str, str] = PREFIXES) -> str:
    """Turtle written from sorted N-Triples: the same graph (without blank nodes) gives the same bytes.

    ``prefixes`` (with :data:`KIND_PREFIXES`) are the candidates of the one policy (namespaces.writer_prefixes).
    """
    candidates = {**KIND_PREFIXES, **prefixes}
    iris = {str(term) for triple in graph for term in triple if isinstance(term, URIRef)}
    iris.update(str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype)
    used = writer_prefixes(formats.TURTLE, iris, candidates, used_only=False)
    return _oxigraph("".join(ntriples_lines(graph)), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, used or {})


def _iris(lines: NTriplesLines, names: tuple[str, ...], graph_names: list[URIRef]) -> set[str]:
    """Every IRI of the graphs ``names`` (and the graph names ``graph_names``), for the Turtle prefix policy.

    A literal's datatype counts even when it is xsd:string or rdf:langString: their local names need no
    escape, so they never change what the policy keeps."""
    return {str(name) for name in graph_names}.union(*(lines.iris(name) for name in names))


def serialise(spec: DumpSpec, fmt: formats.Format, lines: NTriplesLines, context: dict) -> str:
    """The text of one dump in one format."""
    if fmt is formats.NQUADS:
        return lines.quads(spec.graphs)
    if fmt in (formats.TRIG, formats.TURTLE):
        # Prefixes only where no local name needs an escape (namespaces.writer_prefixes, the one policy).
        names = [graph_iri(name, lines.base) for name in spec.graphs] if fmt is formats.TRIG else []
        prefixes = writer_prefixes(fmt, _iris(lines, spec.graphs, names), used_only=False) or {}
        if fmt is formats.TRIG:
            return _oxigraph(lines.quads(spec.graphs), ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, prefixes)
        return _oxigraph(lines.merged(spec.graphs), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, prefixes)
    if fmt is formats.NTRIPLES:
        return lines.merged(spec.graphs)
    if fmt is formats.RDFXML:  # prefixes name the elements (predicates, classes) only
        prefixes = writer_prefixes(fmt, (), used_only=False) or {}
        return _oxigraph(lines.merged(spec.graphs), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.RDF_XML, prefixes)
    if fmt is formats.JSONLD:
        return _jsonld(lines.merged(spec.graphs), context)
    raise BuildError(f"no writer for {fmt.name}")


_SH_REPORT = URIRef("http://www.w3.org/ns/shacl#ValidationReport")


def canonical_report(report: Graph) -> Graph:
    """The SHACL report with its blank nodes as a tree under the report node, labelled canonically.

    pySHACL copies each result's blank-node path from the shapes, and how it shares (or strands) list
    nodes of that copy depends on the hash seed. Re-copying what the report node reaches as a tree,
    then labelling blank nodes by their content (rdflib's RGDA1), gives the same graph every time.
    """
    tree = Graph()
    bind_prefixes(tree)

    def copy(node: Node, depth: int = 0) -> Node:
        if not isinstance(node, BNode):
            return node
        if depth > 1000:
            raise BuildError("the validation report has a blank-node cycle")
        fresh = BNode()
        for predicate, value in report.predicate_objects(node):
            tree.add((fresh, predicate, copy(value, depth + 1)))
        return fresh

    for root in sorted(report.subjects(RDF.type, _SH_REPORT), key=str):
        copy(root)
    canonical = Graph()
    for prefix, namespace in report.namespaces():
        canonical.bind(prefix, namespace)
    bind_prefixes(canonical)
    for triple in to_canonical_graph(tree):
        canonical.add(triple)
    return canonical


# The columns of the crosswalk CSV: one row per published link of a job type, the target's code in the
# column of its vocabulary (the others empty), so that a spreadsheet filter on a column lists one vocabulary.
CROSSWALK_TARGETS = (
    ("esco_occupation", "http://data.europa.eu/esco/occupation/"),
    ("isco", "http://data.europa.eu/esco/isco/"),
    ("rome_fiche", str(ID) + "rome/"),
    ("rome_appellation", str(ID) + "rome-appellation/"),
    ("pcs2020", str(ID) + "pcs2020/"),
    ("pcs2003", str(ID) + "pcs2003/"),
)
CROSSWALK_COLUMNS = ("job", "label_fr", "label_en", *(name for name, _ in CROSSWALK_TARGETS), "predicate",
                     "target_iri", "target_label", "record_id")


def _label(graph: Graph, node: Node | None, lang: str) -> str:
    labels = sorted(str(o) for o in graph.objects(node, SKOS.prefLabel) if getattr(o, "language", None) == lang)
    return labels[0] if labels else ""


def crosswalk_csv(graphs: dict[str, Graph]) -> str:
    """The job types' links to ESCO, ISCO, ROME and PCS as one flat CSV (RFC 4180), from the mapping records.

    Negative mappings (``predicate_modifier Not``) are left out: they are records of rejected links.
    """
    mappings, referentiel, reference = graphs["mappings"], graphs["referentiel"], graphs["reference"]
    job_prefix = str(ID) + "job/"
    rows = []
    for record in mappings.subjects(RDF.type, SSSOM.Mapping):
        if (record, SSSOM.predicate_modifier, None) in mappings:
            continue
        job, predicate, target = (mappings.value(record, p) for p in
                                  (OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget))
        if not str(job).startswith(job_prefix) or (job, RDF.type, RM.JobType) not in referentiel:
            continue
        codes = {name: "" for name, _ in CROSSWALK_TARGETS}
        for name, prefix in CROSSWALK_TARGETS:
            if str(target).startswith(prefix):
                notation = reference.value(target, SKOS.notation)
                codes[name] = str(notation) if notation is not None else str(target)[len(prefix):]
        if not any(codes.values()):
            continue
        target_label = _label(reference, target, "fr") or _label(reference, target, "en")
        rows.append([str(job)[len(job_prefix):], _label(referentiel, job, "fr"), _label(referentiel, job, "en"),
                     *codes.values(), "skos:" + str(predicate).rsplit("#", 1)[1], str(target), target_label,
                     str(record)])
    vocabularies = slice(3, 3 + len(CROSSWALK_TARGETS))
    rows.sort(key=lambda row: (row[0], [not code for code in row[vocabularies]], row[vocabularies], row[-1]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CROSSWALK_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def _write(path: Path, text: str | bytes) -> None:
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    with open(path.with_name(path.name + ".gz"), "wb") as raw:
        # mtime=0 and no file name: the same bytes give the same gzip.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as zipped:
            zipped.write(data)


def describe_distributions(folder: Path, metadata: Graph, base: str, release_info: ReleaseInfo,
                           download_base: str | None = None) -> Graph:
    """VoID and DCAT for every file in ``folder``: media type, byte size, checksum, licence, version.

    ``download_base`` is where the files are downloaded from (default ``{base}dumps/``; a release's
    own folder is ``{base}dumps/X.Y.Z/``).
    """
    void = Graph()
    bind_prefixes(void)
    void += metadata
    version = release_info.version
    download_base = download_base or f"{base}dumps/"
    dataset = URIRef(base + "dataset")
    release = URIRef(f"{base}dataset/{version}")
    licences = list(metadata.objects(dataset, DCTERMS.license))
    void.add((dataset, DCAT.hasVersion, release))
    void.add((release, RDF.type, DCAT.Dataset))
    void.add((release, RDF.type, VOID.Dataset))
    void.add((release, DCAT.version, Literal(version)))
    void.add((release, DCTERMS.isVersionOf, dataset))
    if release_info.modified is not None:
        void.add((release, DCTERMS.issued, Literal(release_info.modified.isoformat(), datatype=XSD.date)))
    void.add((release, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    for licence in licences:
        void.add((release, DCTERMS.license, licence))
    for path in sorted(folder.iterdir()):
        if path.name in (VOID_FILE, CHECKSUMS_FILE):
            continue
        distribution = URIRef(f"{download_base}{path.name}")
        checksum = URIRef(f"{download_base}{path.name}#sha256")
        void.add((release, DCAT.distribution, distribution))
        if path.name.endswith((".nt", ".ttl", ".nq", ".trig", ".rdf", ".jsonld")) and path.name != CONTEXT_FILE:
            void.add((release, VOID.dataDump, distribution))
        if path.name.endswith((SSSOM_SUFFIX, SSSOM_SUFFIX + ".gz")):
            void.add((distribution, DCTERMS.conformsTo, SSSOM_SPEC))
            void.add((distribution, DCTERMS.description, Literal(
                "Un jeu de correspondances SSSOM de refmetiers, tel qu'il est maintenu dans le dépôt.", lang="fr")))
            void.add((distribution, DCTERMS.description, Literal(
                "A refmetiers SSSOM mapping set, as maintained in the repository.", lang="en")))
        if path.name.startswith(CROSSWALK_FILE):
            void.add((distribution, DCTERMS.conformsTo, CSV_SPEC))
            void.add((distribution, DCTERMS.description, Literal(
                "Les liens des emplois-types vers ESCO, la CITP/ISCO, le ROME et les PCS, une ligne par lien.",
                lang="fr")))
            void.add((distribution, DCTERMS.description, Literal(
                "The job types' links to ESCO, ISCO, ROME and PCS, one row per link.", lang="en")))
        void.add((distribution, RDF.type, DCAT.Distribution))
        void.add((distribution, DCTERMS.title, Literal(path.name)))
        void.add((distribution, DCAT.downloadURL, distribution))
        void.add((distribution, DCAT.accessURL, URIRef(download_base)))
        media_type = URIRef("https://www.iana.org/assignments/media-types/" + media_type_of(path.name))
        void.add((distribution, DCAT.mediaType, media_type))
        void.add((distribution, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        void.add((distribution, DCAT.version, Literal(version)))
        for licence in licences:
            void.add((distribution, DCTERMS.license, licence))
        void.add((distribution, SPDX.checksum, checksum))
        void.add((checksum, RDF.type, SPDX.Checksum))
        void.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        void.add((checksum, SPDX.checksumValue, Literal(sha256(path), datatype=XSD.hexBinary)))
    return void


def write_dist(dist: Path, graphs: dict[str, Graph], *, base: str, release: ReleaseInfo,
               validation_report: Graph | None = None, mapping_sets: Sequence[Path] = (),
               lines: NTriplesLines | None = None) -> list[Path]:
    """Write every dump to ``dist`` atomically; return the paths written.

    ``mapping_sets`` are the SSSOM files, published as they are (and gzipped) beside the crosswalk CSV.
    ``lines`` are ``graphs``' N-Triples lines when the caller has them already. Nothing in ``dist`` changes
    unless every file was written.
    """
    staging = new_staging(dist)
    try:
        stage_dumps(staging, graphs, base=base, mapping_sets=mapping_sets, lines=lines)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return publish(staging, dist, graphs["metadata"], base=base, release=release,
                   validation_report=validation_report)


def new_staging(dist: Path) -> Path:
    """A new empty folder beside ``dist`` for the next build (left over ones of dead builds removed first);
    its name carries this process's id, so another build leaves it alone while it runs."""
    dist = Path(dist)
    dist.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(dist)
    return Path(tempfile.mkdtemp(prefix=f".{dist.name}-new-{os.getpid()}-", dir=dist.parent))


def stage_dumps(staging: Path, graphs: dict[str, Graph], *, base: str, mapping_sets: Sequence[Path] = (),
                lines: NTriplesLines | None = None, last_first: bool = False) -> None:
    """Write into ``staging`` every file of a build that does not depend on its validation: the dumps, the
    JSON-LD context, the mapping sets and the crosswalk.

    Processes may share the work: each file is written by the first to claim it (``last_first`` takes the list
    from its end, so that two processes meet in the middle).
    """
    context = jsonld_context(graphs["ontology"])
    lines = lines or NTriplesLines(graphs, base)
    files: list[tuple[str, Callable[[], str | bytes]]] = [
        (f"{spec.stem}.{fmt.extension}", partial(serialise, spec, fmt, lines, context))
        for spec in DUMPS for fmt in spec.formats]
    files += [(Path(path).name, Path(path).read_bytes) for path in mapping_sets]
    files.append((CROSSWALK_FILE, partial(crosswalk_csv, graphs)))
    if _claim(staging, CONTEXT_FILE):
        (staging / CONTEXT_FILE).write_text(json.dumps(context, ensure_ascii=False, indent=1) + "\n",
                                            encoding="utf-8")
    # zlib compresses without the GIL: each dump is gzipped in a thread while the next one is serialised.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="refmetiers-gzip") as writers:
        written = [writers.submit(_write, staging / name, make())
                   for name, make in (reversed(files) if last_first else files) if _claim(staging, name)]
        for future in written:
            future.result()  # a failed write raises here


_CLAIMS = ".claims"


def _claim(staging: Path, name: str) -> bool:
    """Whether this process is the first to take file ``name`` of ``staging`` (creating a file is atomic)."""
    claims = staging / _CLAIMS
    claims.mkdir(exist_ok=True)
    try:
        os.close(os.open(claims / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True


def publish(staging: Path, dist: Path, metadata: Graph, *, base: str, release: ReleaseInfo,
            validation_report: Graph | None = None) -> list[Path]:
    """Add the validation report, the VoID and the checksums to the dumps staged in ``staging``, then put it in
    place of ``dist`` (``staging`` is removed if that fails); return the paths of ``dist``."""
    try:
        shutil.rmtree(staging / _CLAIMS, ignore_errors=True)
        if validation_report is not None:
            report = canonical_report(validation_report)
            (staging / REPORT_FILE).write_text(report.serialize(format="longturtle"), encoding="utf-8")
        write_void_and_sums(staging, metadata, base, release)
        swap_in(staging, Path(dist))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(Path(dist).iterdir())


def write_void_and_sums(folder: Path, metadata: Graph, base: str, release: ReleaseInfo,
                        download_base: str | None = None) -> None:
    """Describe every file of ``folder`` in void.ttl, then list every file's SHA-256 in SHA256SUMS."""
    void = describe_distributions(folder, metadata, base, release, download_base)
    (folder / VOID_FILE).write_text(void.serialize(format="longturtle"), encoding="utf-8")
    sums = "".join(f"{sha256(p)}  {p.name}\n" for p in sorted(folder.iterdir()) if p.name != CHECKSUMS_FILE)
    (folder / CHECKSUMS_FILE).write_text(sums, encoding="utf-8")


def remove_leftovers(dist: Path) -> list[Path]:
    """Remove the staging and old folders that builds killed half-way left beside ``dist``; return them.

    A folder's name carries the id of the build process that made it; one whose process still runs is
    another build at work and is left alone.
    """
    removed = []
    for path in Path(dist).parent.glob(f".{dist.name}-*-*"):
        kind, _, rest = path.name[len(dist.name) + 2:].partition("-")
        pid = rest.split("-", 1)[0]
        if kind not in ("new", "old") or not path.is_dir():
            continue
        if pid.isdigit() and _running(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def swap_in(staging: Path, dist: Path) -> None:
    """Replace ``dist`` by ``staging`` with two renames (the old folder is removed last): a reader of ``dist``
    sees the old tree or the new one, never half of either. The build's dumps and the static site use it."""
    old = None
    if dist.exists():
        old = dist.with_name(f".{dist.name}-old-{os.getpid()}-{staging.name.rsplit('-', 1)[-1]}")
        dist.rename(old)
    staging.rename(dist)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
