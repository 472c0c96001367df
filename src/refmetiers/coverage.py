"""Coverage of the links: how many of our concepts reach each outside vocabulary, and how.

``refmetiers stats`` prints it after the other figures. The figures are read from the build's
graphs: the mapping records of graph ``mappings`` (subject, predicate, target, justification), the
kinds of our concepts in graph ``referentiel``, and the schemes of the targets in graph ``reference``
(a target that is not there is counted as unresolved: every link must resolve).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store import select

RM = "https://w3id.org/refmetiers/def#"
ESCO_MODEL = "http://data.europa.eu/esco/model#"

#: Our concept kinds that carry links, by class.
SUBJECT_KINDS = {RM + "JobType": "job types", RM + "KnowHow": "know-how", RM + "Knowledge": "knowledge",
                 RM + "RomeV2Code": "ROME v2 codes"}

#: The outside vocabularies, by what the target is in graph ``reference`` (a class or a scheme).
VOCABULARIES = {
    ESCO_MODEL + "Occupation": "ESCO occupations",
    ESCO_MODEL + "Skill": "ESCO skills",
    "http://data.europa.eu/esco/concept-scheme/isco": "ISCO-08",
    "https://w3id.org/refmetiers/scheme/rome": "ROME 4.0 fiches",
    "https://w3id.org/refmetiers/scheme/rome-appellations": "ROME 4.0 appellations",
    "https://w3id.org/refmetiers/scheme/pcs2020": "PCS 2020",
    "https://w3id.org/refmetiers/scheme/pcs2003": "PCS 2003",
}
#: What every job type must reach (issue 6).
REQUIRED_FOR_JOBS = ("ESCO occupations", "ISCO-08", "ROME 4.0 fiches", "PCS 2020", "PCS 2003")

# Run by store.select (our prefixes).
RECORDS = """SELECT ?s ?p ?o ?j WHERE { GRAPH <%(mappings)s> {
  ?r a sssom:Mapping ; owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
     sssom:mapping_justification ?j
  FILTER NOT EXISTS { ?r sssom:predicate_modifier "Not" } } }"""

KINDS = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?s ?type ?deprecated WHERE { GRAPH <%(referentiel)s> { ?s a ?type OPTIONAL { ?s owl:deprecated ?deprecated } }
  VALUES ?type { %(types)s } }"""

TARGETS = """SELECT ?o ?kind WHERE { GRAPH <%(reference)s> {
  { ?o skos:inScheme ?kind } UNION { ?o a ?kind } } VALUES ?kind { %(kinds)s } }"""


def _short(iri: str) -> str:
    for prefix, namespace in (("skos:", "http://www.w3.org/2004/02/skos/core#"),
                              ("semapv:", "https://w3id.org/semapv/vocab/")):
        if iri.startswith(namespace):
            return prefix + iri[len(namespace):]
    return iri


@dataclass
class VocabularyCoverage:
    """The links to one outside vocabulary."""

    vocabulary: str
    records: int = 0
    linked: dict[str, int] = field(default_factory=dict)  # subject kind → concepts with a link
    targets: int = 0
    by_predicate: dict[str, int] = field(default_factory=dict)
    by_justification: dict[str, int] = field(default_factory=dict)


@dataclass
class Coverage:
    """Totals of our concepts, one line per vocabulary, and what is missing."""

    totals: dict[str, int]
    vocabularies: list[VocabularyCoverage]
    unresolved: list[str]  # targets not found in graph `reference`
    jobs_missing: dict[str, list[str]]  # required vocabulary → job types without a link to it


def compute(store: ox.Store, base: str) -> Coverage:
    """The coverage of the build loaded in ``store`` (graph IRIs under ``base``)."""
    graphs = {name: f"{base}graph/{name}" for name in ("mappings", "referentiel", "reference")}
    kinds = {}
    for row in select(store, KINDS % {**graphs, "types": " ".join(f"<{t}>" for t in SUBJECT_KINDS)}):
        # A deprecated concept (kept so that its IRI stays) is counted apart: coverage is of the concepts in use.
        retired = "deprecated" in row and row["deprecated"].value in ("true", "1")
        kinds[row["s"].value] = ("deprecated " if retired else "") + SUBJECT_KINDS[row["type"].value]
    totals = Counter(kinds.values())
    target_vocabulary = {}
    for row in select(store, TARGETS % {**graphs, "kinds": " ".join(f"<{k}>" for k in VOCABULARIES)}):
        target_vocabulary[row["o"].value] = VOCABULARIES[row["kind"].value]
    lines = {name: VocabularyCoverage(name) for name in VOCABULARIES.values()}
    linked = defaultdict(set)
    targets = defaultdict(set)
    unresolved = set()
    for row in select(store, RECORDS % graphs):
        subject, target = row["s"].value, row["o"].value
        vocabulary = target_vocabulary.get(target)
        if vocabulary is None:
            unresolved.add(target)
            continue
        line = lines[vocabulary]
        line.records += 1
        line.by_predicate[_short(row["p"].value)] = line.by_predicate.get(_short(row["p"].value), 0) + 1
        line.by_justification[_short(row["j"].value)] = line.by_justification.get(_short(row["j"].value), 0) + 1
        linked[vocabulary, kinds.get(subject, "other concepts")].add(subject)
        targets[vocabulary].add(target)
    for (vocabulary, kind), subjects in linked.items():
        lines[vocabulary].linked[kind] = len(subjects)
    for vocabulary, found in targets.items():
        lines[vocabulary].targets = len(found)
    jobs = sorted(s for s, kind in kinds.items() if kind == "job types")
    missing = {}
    for vocabulary in REQUIRED_FOR_JOBS:
        reached = linked.get((vocabulary, "job types"), set())
        missing[vocabulary] = [job.rsplit("/", 1)[-1] for job in jobs if job not in reached]
    return Coverage(dict(sorted(totals.items())), [line for line in lines.values()], sorted(unresolved), missing)


def render_text(coverage: Coverage) -> str:
    """A plain-text report for the terminal."""
    out = ["Link coverage (graph mappings):"]
    out.append("  our concepts: " + ", ".join(f"{n} {kind}" for kind, n in coverage.totals.items()))
    for line in coverage.vocabularies:
        reached = ", ".join(f"{n}/{coverage.totals.get(kind, n)} {kind}" for kind, n in sorted(line.linked.items()))
        out.append(f"  {line.vocabulary:<22} {line.records:>4} links to {line.targets:>3} concepts; "
                   f"linked: {reached or 'none'}")
        if line.records:
            out.append("  " + " " * 22 + " by predicate: "
                       + ", ".join(f"{p} {n}" for p, n in sorted(line.by_predicate.items())))
            out.append("  " + " " * 22 + " by justification: "
                       + ", ".join(f"{j} {n}" for j, n in sorted(line.by_justification.items())))
    for vocabulary, jobs in coverage.jobs_missing.items():
        if jobs:
            out.append(f"  job types without {vocabulary}: {', '.join(jobs)}")
    out.append(f"  unresolved targets (not in graph reference): {len(coverage.unresolved)}")
    out += [f"    <{target}>" for target in coverage.unresolved]
    return "\n".join(out) + "\n"
