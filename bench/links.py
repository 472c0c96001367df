"""Benchmark of the links work: suggest-links with its word index against a naive all-pairs peer,
and the cost of reading the mapping sets and the reference subset.

The peer scores every label pair of the same language, as a plain implementation would. For a
minimum score above 0.5 both must return the same candidates (a pair with no word in common scores
at most 0.5), which the benchmark checks. The peer runs on the first N unlinked concepts only.
Usage: .venv/bin/python bench/links.py [--sample 15] [--min-score 0.6]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import RDF

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from refmetiers.config import load_settings  # noqa: E402
from refmetiers.sssom import mapping_set_to_graph  # noqa: E402
from refmetiers.suggest import KINDS, _labels, load_graph, score, suggest, unlinked  # noqa: E402


def naive(graph: Graph, subjects, min_score: float, top: int):
    """All label pairs of the same language, no index: the peer."""
    classes, target_class = KINDS["skills"]
    targets = sorted(graph.subjects(RDF.type, target_class))
    target_labels = [label for t in targets for label in _labels(graph, t, ("fr", "en"))]
    result = []
    for subject in subjects:
        best = {}
        for label in _labels(graph, subject, ("fr", "en")):
            for other in target_labels:
                if other.lang != label.lang:
                    continue
                value = score(label.normalized, other.normalized)
                if value > best.get(other.concept, -1.0):
                    best[other.concept] = value
        ranked = sorted(((v, t) for t, v in best.items() if v >= min_score), key=lambda item: (-item[0], item[1]))
        result += [(subject, t, v) for v, t in ranked[:top]]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=15)
    parser.add_argument("--min-score", type=float, default=0.6)
    args = parser.parse_args()
    settings = load_settings(root=REPO)

    start = time.perf_counter()
    triples = sum(len(mapping_set_to_graph(p)) for p in sorted((REPO / "data" / "mappings").glob("*.sssom.tsv")))
    print(f"read the SSSOM mapping sets: {time.perf_counter() - start:.2f} s ({triples} triples)")
    start = time.perf_counter()
    reference = Graph()
    for path in sorted((REPO / "data" / "reference").glob("*.ttl")):
        reference.parse(path)
    print(f"parse data/reference/*.ttl: {time.perf_counter() - start:.2f} s ({len(reference)} triples)")

    graph = load_graph(settings)
    classes, target_class = KINDS["skills"]
    subjects = unlinked(graph, classes, target_class)
    print(f"unlinked know-how/knowledge: {len(subjects)}; ESCO skills in graph reference: "
          f"{len(set(graph.subjects(RDF.type, target_class)))}")

    start = time.perf_counter()
    indexed = suggest(graph, "skills", args.min_score, 3)
    all_time = time.perf_counter() - start
    print(f"suggest (word index), all {len(subjects)} concepts: {all_time:.2f} s, {len(indexed)} candidates")

    sample = subjects[: args.sample]
    start = time.perf_counter()
    peer = naive(graph, sample, args.min_score, 3)
    peer_time = time.perf_counter() - start
    start = time.perf_counter()
    sampled = set(sample)
    mine = [(c.subject, c.target, c.score) for c in suggest(graph, "skills", args.min_score, 3) if c.subject in sampled]
    # suggest() always runs on every unlinked concept: prorate to the sample for the comparison
    mine_time = (time.perf_counter() - start) * len(sample) / max(len(subjects), 1)
    print(f"first {len(sample)} concepts: naive all-pairs {peer_time:.2f} s; word index ≈ {mine_time:.2f} s "
          f"(prorated); same candidates: {peer == mine}")
    return 0 if peer == mine else 1


if __name__ == "__main__":
    sys.exit(main())
