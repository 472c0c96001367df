"""Career mobility between two job types: the skills they share and those to acquire to move from one to the other.

Skills are counted twice over: through our own concepts (the know-how and knowledge items the sheets
name) and through ESCO (the ESCO skills our items are mapped to, and the essential skills of the ESCO
occupations the job matches exactly or closely). The cookbook query ``queries/compare-jobs.rq`` asks the
same question in SPARQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .describe import labels_of
from .namespaces import PREFIXES
from .store import solutions

ESCO_SKILL = "http://data.europa.eu/esco/skill/"

SKILLS_QUERY = """SELECT DISTINCT ?job ?skill ?kind ?via WHERE {
  { ?job rm:requiredKnowHow ?skill BIND("knowhow" AS ?kind) }
  UNION { ?job rm:requiredKnowledge ?skill BIND("knowledge" AS ?kind) }
  UNION { ?job rm:requiredKnowHow|rm:requiredKnowledge ?via .
          ?via skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?skill .
          FILTER(STRSTARTS(STR(?skill), "ESCO_SKILL")) BIND("esco" AS ?kind) }
  UNION { ?job skos:exactMatch|skos:closeMatch ?via . ?via a esco:Occupation ; esco:relatedEssentialSkill ?skill .
          BIND("esco" AS ?kind) }
}""".replace("ESCO_SKILL", ESCO_SKILL)
JOB_TYPE = ox.NamedNode(PREFIXES["rm"] + "JobType")
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")


class NotAJob(ValueError):
    """The IRI names no job type of the reference."""


@dataclass(frozen=True)
class Skill:
    iri: str
    kind: str  # "knowhow", "knowledge" or "esco"
    labels: dict[str, str]
    via: tuple[str, ...] = ()  # for ESCO skills: our items or the ESCO occupations that bring them

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("") or next(iter(self.labels.values()), self.iri)

    def as_json(self) -> dict:
        return {"iri": self.iri, "kind": self.kind, "label": self.labels, "via": list(self.via)}


@dataclass
class Gap:
    """One way of counting (``ours`` or ``esco``): the skills in common, to acquire, and left behind."""

    common: list[Skill] = field(default_factory=list)
    to_acquire: list[Skill] = field(default_factory=list)
    left_behind: list[Skill] = field(default_factory=list)

    @property
    def overlap(self) -> float:
        """The share of the target job's skills the source job already has (0 when the target names none)."""
        total = len(self.common) + len(self.to_acquire)
        return len(self.common) / total if total else 0.0

    def as_json(self) -> dict:
        return {"counts": {"common": len(self.common), "to_acquire": len(self.to_acquire),
                           "left_behind": len(self.left_behind)},
                "overlap": round(self.overlap, 3),
                "common": [s.as_json() for s in self.common], "to_acquire": [s.as_json() for s in self.to_acquire],
                "left_behind": [s.as_json() for s in self.left_behind]}


@dataclass
class Comparison:
    source: str
    target: str
    labels: dict[str, dict[str, str]]
    ours: Gap
    esco: Gap

    def as_json(self) -> dict:
        return {"from": {"iri": self.source, "label": self.labels[self.source]},
                "to": {"iri": self.target, "label": self.labels[self.target]},
                "ours": self.ours.as_json(), "esco": self.esco.as_json()}


def is_job(store: ox.Store, iri: str) -> bool:
    return any(True for _ in store.quads_for_pattern(ox.NamedNode(iri), RDF_TYPE, JOB_TYPE, None))


def skills_of(store: ox.Store, job: str) -> dict[str, Skill]:
    """The skills of ``job``, ours and ESCO's, by IRI."""
    found: dict[str, tuple[str, set[str]]] = {}
    for row in solutions(store, SKILLS_QUERY, use_default_graph_as_union=True, prefixes=PREFIXES,
                           substitutions={ox.Variable("job"): ox.NamedNode(job)}):
        kind, via = found.setdefault(row["skill"].value, (row["kind"].value, set()))
        if row["via"] is not None:
            via.add(row["via"].value)
    return {iri: Skill(iri, kind, labels_of(store, ox.NamedNode(iri)), tuple(sorted(via)))
            for iri, (kind, via) in found.items()}


def _sorted(skills) -> list[Skill]:
    return sorted(skills, key=lambda s: (s.kind, s.label("fr").casefold(), s.iri))


def compare(store: ox.Store, source: str, target: str) -> Comparison:
    """What moving from job ``source`` to job ``target`` asks for.

    Raises:
        NotAJob: either IRI is not a job type of the store.
    """
    for iri in (source, target):
        if not is_job(store, iri):
            raise NotAJob(iri)
    have, need = skills_of(store, source), skills_of(store, target)
    gaps = {}
    for way, kinds in (("ours", ("knowhow", "knowledge")), ("esco", ("esco",))):
        mine = {i: s for i, s in have.items() if s.kind in kinds}
        theirs = {i: s for i, s in need.items() if s.kind in kinds}
        gaps[way] = Gap(_sorted(theirs[i] for i in theirs.keys() & mine.keys()),
                        _sorted(theirs[i] for i in theirs.keys() - mine.keys()),
                        _sorted(mine[i] for i in mine.keys() - theirs.keys()))
    labels = {iri: labels_of(store, ox.NamedNode(iri)) for iri in (source, target)}
    return Comparison(source, target, labels, gaps["ours"], gaps["esco"])


def closest_jobs(store: ox.Store, job: str, limit: int = 5) -> list[tuple[str, int]]:
    """The other job types sharing most of our know-how and knowledge items with ``job``, with the count."""
    query = """SELECT ?job ?other (COUNT(DISTINCT ?skill) AS ?n) WHERE {
      ?job rm:requiredKnowHow|rm:requiredKnowledge ?skill .
      ?other rm:requiredKnowHow|rm:requiredKnowledge ?skill ; a rm:JobType .
      FILTER(?other != ?job)
    } GROUP BY ?job ?other ORDER BY DESC(?n) STR(?other) LIMIT """ + str(int(limit))
    return [(row["other"].value, int(row["n"].value))
            for row in solutions(store, query, use_default_graph_as_union=True, prefixes=PREFIXES,
                                   substitutions={ox.Variable("job"): ox.NamedNode(job)})]
