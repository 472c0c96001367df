"""Statistics of a build: concepts per scheme, links per job type, the most shared concepts."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .store import select

# Run by store.select (our prefixes).
CONCEPTS_PER_SCHEME = """
SELECT ?scheme (COUNT(DISTINCT ?concept) AS ?concepts) WHERE {
  GRAPH <%(graph)s> { ?concept skos:inScheme ?scheme }
} GROUP BY ?scheme ORDER BY ?scheme"""

LINKS_PER_JOB = """
SELECT ?job ?label
  (COUNT(DISTINCT ?main) AS ?main_activities) (COUNT(DISTINCT ?secondary) AS ?secondary_activities)
  (COUNT(DISTINCT ?knowhow) AS ?know_how) (COUNT(DISTINCT ?knowledge) AS ?knowledge_items)
  (COUNT(DISTINCT ?nearby) AS ?nearby_jobs)
WHERE {
  GRAPH <%(graph)s> {
    ?job a rm:JobType ; skos:prefLabel ?label . FILTER(lang(?label) = "fr")
    OPTIONAL { ?job rm:mainActivity ?main }
    OPTIONAL { ?job rm:secondaryActivity ?secondary }
    OPTIONAL { ?job rm:requiredKnowHow ?knowhow }
    OPTIONAL { ?job rm:requiredKnowledge ?knowledge }
    OPTIONAL { ?job rm:nearbyJob ?nearby }
  }
} GROUP BY ?job ?label ORDER BY ?job"""

MOST_SHARED = """
SELECT ?concept ?label (COUNT(DISTINCT ?job) AS ?jobs) WHERE {
  GRAPH <%(graph)s> {
    ?job a rm:JobType ;
         rm:mainActivity|rm:secondaryActivity|rm:requiredKnowHow|rm:requiredKnowledge|rm:variabilityFactor ?concept .
    ?concept skos:prefLabel ?label . FILTER(lang(?label) = "fr")
  }
} GROUP BY ?concept ?label HAVING (COUNT(DISTINCT ?job) > 1) ORDER BY DESC(?jobs) ?concept LIMIT %(limit)d"""


@dataclass
class Statistics:
    """The figures ``refmetiers stats`` prints."""

    triples_per_graph: dict[str, int]
    concepts_per_scheme: dict[str, int]
    links_per_job: list[dict[str, object]]
    most_shared: list[tuple[str, str, int]]


def _value(term) -> str:
    return term.value if term is not None else ""


def compute(store: ox.Store, base: str, top: int = 10) -> Statistics:
    """Compute the statistics of the build loaded in ``store``."""
    referentiel = f"{base}graph/referentiel"
    graphs = {}
    for row in select(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"):
        graphs[_value(row["g"]).rsplit("/", 1)[-1]] = int(_value(row["n"]))
    schemes = {_value(r["scheme"]): int(_value(r["concepts"]))
               for r in select(store, CONCEPTS_PER_SCHEME % {"graph": referentiel})}
    jobs: list[dict[str, object]] = []
    for row in select(store, LINKS_PER_JOB % {"graph": referentiel}):
        jobs.append({key: (_value(term) if key in ("job", "label") else int(_value(term)))
                     for key, term in row.items()})
    shared = [(_value(r["concept"]), _value(r["label"]), int(_value(r["jobs"])))
              for r in select(store, MOST_SHARED % {"graph": referentiel, "limit": top})]
    return Statistics(graphs, schemes, jobs, shared)


def render_text(stats: Statistics) -> str:
    """A plain-text report for the terminal."""
    lines = ["Triples per named graph:"]
    lines += [f"  {name:<12} {count:>8}" for name, count in stats.triples_per_graph.items()]
    lines.append("Concepts per scheme:")
    lines += [f"  {scheme:<60} {count:>5}" for scheme, count in stats.concepts_per_scheme.items()]
    lines.append(f"Links per job type ({len(stats.links_per_job)} job types): "
                 "main / secondary activities, know-how, knowledge, nearby jobs")
    for job in stats.links_per_job:
        lines.append(f"  {job['label']:<58} {job['main_activities']:>3} {job['secondary_activities']:>3}"
                     f" {job['know_how']:>3} {job['knowledge_items']:>3} {job['nearby_jobs']:>3}")
    lines.append("Most shared concepts (number of job types):")
    lines += [f"  {count:>3}  {label}  <{concept}>" for concept, label, count in stats.most_shared]
    return "\n".join(lines) + "\n"
