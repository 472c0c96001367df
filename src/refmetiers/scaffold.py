"""`refmetiers new job|concept`: a correctly laid out start for a contributor, with the next free
codes, every required field marked, and the existing concepts whose labels come close suggested (the
same job or skill may already be there under another wording).

A required value the contributor must supply is written as a literal starting with
:data:`PLACEHOLDER`; the shape rmsh:Placeholder reports each one left, at its line, so that
`refmetiers validate` walks the contributor through the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .checks import next_free_code
from .config import Settings
from .errors import ConfigError
from .formatting import format_text
from .namespaces import ID, RM, SCHEME
from .sources import load_sources
from .suggest import normalize, score

PLACEHOLDER = "À COMPLÉTER"

# The kinds of concept `new concept` makes: class, scheme (and its file), code letters and digits.
KINDS = {
    "activity": (RM.Activity, "activities", "A", 3),
    "knowhow": (RM.KnowHow, "knowhow", "SF", 3),
    "knowledge": (RM.Knowledge, "knowledge", "C", 3),
    "factor": (RM.VariabilityFactor, "factors", "V", 3),
    "certification": (RM.Certification, "certifications", "CE", 3),
}
SOURCE_DOCUMENT = URIRef("https://w3id.org/refmetiers/source/referentiel-metiers-informatique")
_PREFIXES = """PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rm: <https://w3id.org/refmetiers/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


@dataclass
class Scaffold:
    """What `new` wrote, where, and the existing concepts that look alike (label, IRI, score)."""

    path: Path
    iri: URIRef
    line: int
    similar: list[tuple[str, URIRef, float]] = field(default_factory=list)


def slugify(title: str) -> str:
    """The slug of a job title: lower case, no accents, words joined by '-' (``Développeur`` → ``developpeur``)."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def similar(graph: Graph, cls: URIRef, label: str, top: int = 5,
            minimum: float = 0.5) -> list[tuple[str, URIRef, float]]:
    """The concepts of ``cls`` whose French preferred label is closest to ``label``."""
    wanted = normalize(label)
    found = []
    for concept in set(graph.subjects(RDF.type, cls)):
        for pref in graph.objects(concept, SKOS.prefLabel):
            if isinstance(pref, Literal) and pref.language == "fr" and isinstance(concept, URIRef):
                found.append((str(pref), concept, score(wanted, normalize(str(pref)))))
    return sorted((f for f in found if f[2] >= minimum), key=lambda f: (-f[2], f[0]))[:top]


def _header(what: str, command: str, path: str) -> str:
    return f"""# {what}, written by `refmetiers {command}`.
# Replace every value that starts with "{PLACEHOLDER}" (they are the required fields), then run
#   refmetiers fmt {path} && refmetiers validate {path}
# which points at each one left. Provenance rule: content that does not come from the source document
# (the Référentiel métiers informatique) carries dcterms:source naming its origin (a document's IRI, or
# who said it and when), and our own decisions go in skos:editorialNote. See CONTRIBUTING.md.
"""


def new_job(settings: Settings, title: str, *, family: str | None = None, subfamily: str | None = None,
            sheet: bool = True) -> Scaffold:
    """Write data/jobs/{slug}.ttl for a new job type titled ``title``.

    Raises:
        ConfigError: the title gives no slug, the job type exists already, or the family or
            sub-family is not one of the reference's.
    """
    slug = slugify(title)
    if not slug:
        raise ConfigError(f"new job {title!r}: the title gives no slug / l'intitulé ne donne aucun identifiant")
    path = settings.data_dir / "jobs" / f"{slug}.ttl"
    iri = ID[f"job/{slug}"]
    graph = load_sources(settings).graphs["referentiel"]
    if sheet and path.is_file() and (iri, RM.hasSheet, Literal(False)) in graph:
        return _add_sheet(path, iri, graph)
    if path.exists() or (iri, RDF.type, RM.JobType) in graph:
        raise ConfigError(f"new job {title!r}: {path} exists already; edit it (a job type with no sheet gets one "
                          f"by rm:hasSheet true and its sheet's fields) / ce fichier existe déjà : modifiez-le")
    families = sorted(str(f).rsplit("/", 1)[-1] for f in graph.subjects(RDF.type, RM.Family))
    subfamilies = sorted(str(f).rsplit("/", 1)[-1] for f in graph.subjects(RDF.type, RM.SubFamily))
    for name, value, known in (("--family", family, families), ("--subfamily", subfamily, subfamilies)):
        if value is not None and value not in known:
            raise ConfigError(f"{name} {value!r}: choose one of {', '.join(known)} / choisissez parmi ceux-ci")
    fill = lambda text: _literal(f"{PLACEHOLDER} : {text}")  # noqa: E731
    family_value = f"<{ID}family/{family}>" if family else fill("une famille parmi " + ", ".join(families))
    broader = (f"<{ID}subfamily/{subfamily}>" if subfamily else family_value)
    lines = [f"<{iri}>", "    a rm:JobType ;",
             f"    dcterms:source {fill('origine du contenu (IRI du document, ou qui et quand)')}@fr ;",
             f"    skos:inScheme <{SCHEME}jobs> ;",
             f"    skos:prefLabel {_literal(title)}@fr , {fill('intitulé en anglais')}@en ;",
             f"    skos:broader {broader} ;",
             f"    rm:family {family_value} ;"]
    if subfamily:
        lines.append(f"    rm:subFamily <{ID}subfamily/{subfamily}> ;")
    if sheet:
        lines += [f"    skos:definition {fill('description synthétique de la fiche')}@fr ;",
                  f"    rm:mainActivity {fill('IRI d’une activité, créée par refmetiers new concept activity')}@fr ;",
                  "    rm:hasSheet true ;"]
    else:
        lines.append("    rm:hasSheet false ;")
    lines.append(".")
    text = _header(f'New job type "{title}"', f'new job "{title}"', f"data/jobs/{slug}.ttl") + "\n" + \
        _PREFIXES + "\n" + "\n".join(lines) + "\n"
    text = format_text(text, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, content in enumerate(text.splitlines(), 1) if content.startswith(f"<{iri}>"))
    return Scaffold(path, iri, line, similar(graph, RM.JobType, title))


def new_concept(settings: Settings, kind: str, label: str) -> Scaffold:
    """Add a concept of ``kind`` labelled ``label`` to data/schemes/{scheme}.ttl, with the next free code.

    Raises:
        ConfigError: an unknown kind, or an empty label.
    """
    if kind not in KINDS:
        raise ConfigError(f"new concept {kind!r}: choose one of {', '.join(KINDS)} / choisissez parmi ceux-ci")
    if not label.strip():
        raise ConfigError("new concept: the label is empty / le libellé est vide")
    cls, scheme, letters, width = KINDS[kind]
    sources = load_sources(settings)
    graphs = [graph for _, graph in sources.files]
    code = next_free_code(ID[f"{kind}/{letters}{0:0{width}d}"], graphs) or f"{letters}{1:0{width}d}"
    iri = ID[f"{kind}/{code}"]
    path = settings.data_dir / "schemes" / f"{scheme}.ttl"
    existing = path.read_text(encoding="utf-8") if path.is_file() else _PREFIXES
    fill = lambda text: _literal(f"{PLACEHOLDER} : {text}")  # noqa: E731
    block = "\n".join([
        f"\n<{iri}>", f"    a <{cls}> ;",
        f"    <http://purl.org/dc/terms/source> {fill('origine du contenu (IRI du document, ou qui et quand)')}@fr ;",
        f"    <{SKOS.inScheme}> <{SCHEME}{scheme}> ;",
        f"    <{SKOS.topConceptOf}> <{SCHEME}{scheme}> ;",
        f"    <{SKOS.prefLabel}> {_literal(label.strip())}@fr , {fill('libellé en anglais')}@en .", ""])
    text = format_text(existing.rstrip("\n") + "\n" + block, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, content in enumerate(text.splitlines(), 1) if content.startswith(f"<{iri}>"))
    merged = Graph()
    for graph in graphs:
        merged += graph
    return Scaffold(path, iri, line, similar(merged, cls, label))


def _add_sheet(path: Path, iri: URIRef, reference: Graph) -> Scaffold:
    """Turn the existing job type of ``path`` (named in the nomenclature, no sheet) into one with a sheet:
    rm:hasSheet true, and the sheet's required fields as placeholders."""
    text = path.read_text(encoding="utf-8")
    graph = Graph()
    graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    graph.remove((iri, RM.hasSheet, None))
    graph.add((iri, RM.hasSheet, Literal(True)))
    for predicate, hint in ((SKOS.definition, "description synthétique de la fiche"),
                            (RM.mainActivity, "IRI d’une activité, créée par refmetiers new concept activity")):
        graph.add((iri, predicate, Literal(f"{PLACEHOLDER} : {hint}", lang="fr")))
    graph.add((iri, URIRef("http://purl.org/dc/terms/source"),
               Literal(f"{PLACEHOLDER} : origine de la fiche (IRI du document, ou qui et quand)", lang="fr")))
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    for prefix, namespace in (("dcterms", "http://purl.org/dc/terms/"), ("rm", str(RM)), ("skos", str(SKOS))):
        graph.bind(prefix, namespace, override=True, replace=True)
    formatted = format_text(header + graph.serialize(format="longturtle"), path)
    path.write_text(formatted, encoding="utf-8")
    line = next(n for n, content in enumerate(formatted.splitlines(), 1) if content.startswith(f"<{iri}>"))
    label = str(reference.value(iri, SKOS.prefLabel) or "")
    return Scaffold(path, iri, line, [f for f in similar(reference, RM.JobType, label) if f[1] != iri])
