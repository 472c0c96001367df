"""Checks the shapes cannot make over the merged graph: they need to know which file says what, or
what the published reference held.

- ``rmsh:OneJobPerFile``: a file under data/jobs/ defines exactly one job type;
- ``rmsh:PublishedJobKept``: a job type of the published reference does not vanish (an emptied or
  deleted file); leaving the reference goes through deprecation (``owl:deprecated true``);
- ``rmsh:DuplicateCode``: a concept's code (its IRI) is not given to a second concept, in another
  file or over the published reference; the message names both places and the next free code.

Their messages, fixes and severities are declared with the shapes (``a rmsh:SourceCheck`` in
shapes/reference.ttl), so that every message lives in one place; a message may hold ``{name}``
fields filled per result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .locate import Location, Locator
from .namespaces import ID, RM, SH
from .validation import RMSH, Result, by_lang

_SEVERITIES: dict = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
_CODE = re.compile(r"^(?P<kind>[a-z0-9-]+)/(?P<letters>[A-Za-z]*)(?P<digits>[0-9]+)$")


@dataclass(frozen=True)
class Vanished:
    """A concept of the published reference that the current sources no longer define."""

    iri: URIRef
    labels: dict[str, str]


def vanished(published: Graph, current: Graph, classes: tuple[URIRef, ...] = (RM.JobType,)) -> list[Vanished]:
    """The instances of ``classes`` in ``published`` that are no longer instances of them in ``current``.

    A deprecated concept (``owl:deprecated true``) stays an instance: deprecation is how a concept
    leaves the reference; only a concept that disappears is returned. Used by `validate` and `build`
    against the last build, and reusable against any release's graph.
    """
    gone = []
    for cls in classes:
        for iri in sorted(s for s in published.subjects(RDF.type, cls) if isinstance(s, URIRef)):
            if (iri, RDF.type, cls) not in current:
                gone.append(Vanished(iri, by_lang(published, iri, SKOS.prefLabel)))
    return gone


def next_free_code(iri: URIRef, graphs: list[Graph]) -> str | None:
    """The next unused code of ``iri``'s kind and letters (``…/id/knowhow/SF042`` → ``SF123``), or None
    when its code has no number."""
    match = _CODE.match(str(iri).removeprefix(str(ID)))
    if match is None:
        return None
    kind, letters, width = match["kind"], match["letters"], len(match["digits"])
    used = 0
    for graph in graphs:
        for subject in set(graph.subjects(RDF.type, None)):
            found = _CODE.match(str(subject).removeprefix(str(ID)))
            if found and found["kind"] == kind and found["letters"] == letters:
                used = max(used, int(found["digits"]))
    return f"{letters}{used + 1:0{width}d}"


class SourceChecks:
    """The checks over a list of parsed source files, with their messages read from the shapes."""

    def __init__(self, shapes: Graph, files: list[tuple[Path, Graph]]):
        self.shapes = shapes
        self.files = [(Path(path), graph) for path, graph in files]
        self.locator = Locator(self.files)

    def _result(self, name: str, focus, location: Location | None, value=None, path=(), **fields: str) -> Result:
        shape = RMSH[name]
        severity = _SEVERITIES.get(self.shapes.value(shape, SH.severity), "violation")
        fill = lambda texts: {lang: text.format(**fields) for lang, text in texts.items()}  # noqa: E731
        labels: dict[str, str] = {}
        for _, graph in self.files:
            labels = labels or by_lang(graph, focus, SKOS.prefLabel)
        return Result(shape=shape, severity=severity, focus=focus, value=value, path=list(path),
                      messages=fill(by_lang(self.shapes, shape, SH.message)),
                      fixes=fill(by_lang(self.shapes, shape, RMSH.fix)), labels=labels, location=location)

    def one_job_per_file(self, jobs_dir: Path, published: Graph | None = None) -> list[Result]:
        """A file under ``jobs_dir`` defines exactly one job type (an empty file that held a published
        job is left to :meth:`published_jobs_kept`)."""
        results = []
        published_slugs = set() if published is None else {
            str(s).rsplit("/", 1)[-1] for s in published.subjects(RDF.type, RM.JobType)}
        for path, graph in self.files:
            if not path.resolve().is_relative_to(jobs_dir.resolve()):
                continue
            jobs = sorted(s for s in graph.subjects(RDF.type, RM.JobType) if isinstance(s, URIRef))
            if not jobs and path.stem not in published_slugs:
                results.append(self._result("OneJobPerFile", URIRef(path.resolve().as_uri()), Location(path, 1),
                                            found="0"))
            for extra in jobs[1:]:
                results.append(self._result("OneJobPerFile", extra, self.locator.locate(extra), value=jobs[0],
                                            found=str(len(jobs))))
        return results

    def published_jobs_kept(self, published: Graph, current: Graph, jobs_dir: Path) -> list[Result]:
        """Every job type of ``published`` is still one in ``current`` (deleted or emptied files)."""
        results = []
        for gone in vanished(published, current):
            path = jobs_dir / f"{str(gone.iri).rsplit('/', 1)[-1]}.ttl"
            result = self._result("PublishedJobKept", gone.iri, Location(path, 1 if path.is_file() else None),
                                  label=gone.labels.get("fr") or gone.labels.get("en") or str(gone.iri))
            result.labels = gone.labels
            results.append(result)
        return results

    def duplicate_codes(self, published: Graph | None = None) -> list[Result]:
        """A code (a concept IRI of ours) given to two different concepts: two statement blocks with
        different French preferred labels, in one file or two, or a label that differs from the one the
        published reference holds. The first definition (the published one, then data/schemes/, then by
        file and line) owns the code; every later one with another label is reported at its label."""
        definitions: dict[URIRef, list[tuple[tuple, str, Location | None]]] = {}
        if published is not None:
            for iri, label in published.subject_objects(SKOS.prefLabel):
                if isinstance(iri, URIRef) and _own_label(iri, label):
                    definitions.setdefault(iri, []).append(((0, "", 0), str(label), None))
        texts: dict[URIRef, set[str]] = {iri: {text for _, text, _ in found} for iri, found in definitions.items()}
        for _, graph in self.files:
            for iri, label in graph.subject_objects(SKOS.prefLabel):
                if isinstance(iri, URIRef) and _own_label(iri, label):
                    texts.setdefault(iri, set()).add(str(label))
        suspects = {iri for iri, found in texts.items() if len(found) > 1}  # locating every label costs seconds
        for path, graph in self.files:
            for iri, label in graph.subject_objects(SKOS.prefLabel):
                if not isinstance(iri, URIRef) or iri not in suspects or not _own_label(iri, label):
                    continue
                starts = self.locator.statement_starts(path, iri)
                spelled = self.locator.term_lines(path, label)
                # the label's line in the block that states it (the same IRI may open several blocks)
                line = next((n for n in spelled if any(start <= n for start in starts)), None)
                where = Location(path, line) if line else self.locator.line(path, iri, SKOS.prefLabel, label)
                block = max((start for start in starts if where.line is None or start <= where.line), default=0)
                order = (1 if path.parent.name == "schemes" else 2, str(path), block)
                definitions.setdefault(iri, []).append((order, str(label), where))
        graphs = [graph for _, graph in self.files] + ([published] if published is not None else [])
        results = []
        for iri, found in sorted(definitions.items()):
            found.sort(key=lambda item: item[0])
            blocks = {order for order, _, _ in found}
            if len({text for _, text, _ in found}) < 2 or len(blocks) < 2:
                continue  # one definition (with several labels: S14's business), or the same concept
            (owner_order, owner_label, owner_where) = found[0]
            place = ("the published reference / le référentiel publié" if owner_where is None
                     else f"{owner_where.path}:{owner_order[2]}")
            for order, text, at in found[1:]:
                if order == owner_order or text == owner_label:
                    continue
                results.append(self._result(
                    "DuplicateCode", iri, at, value=Literal(text, lang="fr"), path=[(SKOS.prefLabel, False)],
                    code=str(iri).rsplit("/", 1)[-1], other=owner_label, place=place,
                    next=next_free_code(iri, graphs) or "?"))
        return results


def _own_label(iri, label) -> bool:
    """A French preferred label of a concept of ours (not of a part of a sheet, …/id/job/x#part)."""
    return (isinstance(iri, URIRef) and isinstance(label, Literal) and label.language == "fr"
            and str(iri).startswith(str(ID)) and "#" not in str(iri))
