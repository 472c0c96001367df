"""Benchmark of the build: time and peak memory at 1×, 10× and 100× the reference, and owlrl against
our targeted rules for the entailments, in the same run.

Each measurement runs in a fresh child process, so that peak memory (ru_maxrss) is its own.
Usage: .venv/bin/python bench/build.py [--scales 1 10 100] [--owlrl-timeout 120]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Only our own concepts are copied; the closed vocabularies (behaviour categories, education levels)
# and the official codes (ROME, PCS), whose IRIs carry the code, are shared.
LANG_LITERAL = re.compile(r'([^"\\])"@(fr|en)\b')
ID_IRI = re.compile(r"<https://w3id\.org/refmetiers/id/((?:job|family|subfamily|activity|knowhow|knowledge|factor|certification)/[^>#]+)")


def make_scaled_root(scale: int, into: Path) -> Path:
    """A repository root whose data/ holds ``scale`` renamed copies of the reference's own concepts.

    Every IRI of our own concepts gets a suffix per copy, so copies do not merge;
    schemes, metadata, the ontology and the reference subset (ESCO, ROME, PCS) are shared.
    Files that do not write full IRIs are copied once, unchanged.
    """
    root = into / f"scale-{scale}"
    shutil.copytree(REPO / "ontology", root / "ontology")
    (root / "shapes").mkdir()
    if (REPO / "shapes").is_dir():
        shutil.copytree(REPO / "shapes", root / "shapes", dirs_exist_ok=True)
    data = root / "data"
    shutil.copytree(REPO / "data" / "metadata", data / "metadata")
    for path in sorted((REPO / "data").rglob("*.ttl")):
        relative = path.relative_to(REPO / "data")
        if relative.parts[0] == "metadata":
            continue
        text = path.read_text(encoding="utf-8")
        # The outside concepts we link to (graph `reference`) are one vocabulary, whatever our size.
        # So are the files that define only shared concepts (closed vocabularies, ROME v2 codes).
        copies = 1 if relative.parts[0] == "reference" or not ID_IRI.search(text) else scale
        for copy in range(copies):
            target = data / relative.parent / f"{path.stem}-{copy}.ttl"
            target.parent.mkdir(parents=True, exist_ok=True)
            renamed = text
            if copy:
                renamed = ID_IRI.sub(lambda m, c=copy: f"<https://w3id.org/refmetiers/id/{m.group(1)}-c{c}", renamed)
                # Distinct labels too, as a larger reference would have (identical labels in every copy
                # would make the overlapping-labels check quadratic in the number of copies).
                renamed = LANG_LITERAL.sub(lambda m, c=copy: f'{m.group(1)} {c}"@{m.group(2)}', renamed)
            target.write_text(renamed, encoding="utf-8")
    return root


def measure_one(mode: str, root: Path) -> dict:
    """Run one measurement in this process: ``build`` (the whole pipeline), ``rules`` or ``owlrl``."""
    sys.path.insert(0, str(REPO / "src"))
    from refmetiers.build import build
    from refmetiers.config import load_settings
    from refmetiers.inference import apply_rules, close_schema, rules_from_schema, skos_axioms
    from refmetiers.sources import load_sources

    settings = load_settings(root=root, dist_dir=root / "dist")
    start = time.perf_counter()
    if mode == "build":
        result = build(settings)
        extra = {"triples": sum(result.triple_counts().values()), "steps": result.seconds}
    else:
        graphs = load_sources(settings).graphs
        data = graphs["referentiel"] + graphs["mappings"] + graphs["reference"]
        start = time.perf_counter()
        if mode == "rules":
            inferred = apply_rules(data, rules_from_schema(close_schema(graphs["ontology"])))
            extra = {"data_triples": len(data), "derived": len(inferred)}
        else:
            import owlrl

            full = data + graphs["ontology"] + skos_axioms()
            before = len(full)
            owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                                   datatype_axioms=False).expand(full)
            extra = {"data_triples": len(data), "derived": len(full) - before}
    seconds = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "seconds": round(seconds, 3), "peak_mib": round(peak_mib, 1), **extra}


def run_child(mode: str, root: Path, timeout: float) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(root)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"mode": mode, "seconds": None, "note": f"did not finish in {timeout:.0f} s"}
    if done.returncode != 0:
        return {"mode": mode, "seconds": None, "note": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--owlrl-timeout", type=float, default=120.0)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(args.child[0], Path(args.child[1]))))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            root = make_scaled_root(scale, Path(tmp))
            build = run_child("build", root, timeout=1800)
            rules = run_child("rules", root, timeout=1800)
            owl = run_child("owlrl", root, timeout=args.owlrl_timeout)
            rows.append({"scale": scale, "build": build, "rules": rules, "owlrl": owl})
            print(json.dumps(rows[-1]), file=sys.stderr)
    print("| scale | triples built | build s | build peak MiB | rules s | owlrl s | owlrl / rules "
          "| derived (rules / owlrl) |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        b, r, o = row["build"], row["rules"], row["owlrl"]
        ratio = f"{o['seconds'] / r['seconds']:.0f}×" if o.get("seconds") and r.get("seconds") else "–"
        owl_s = o["seconds"] if o.get("seconds") is not None else o.get("note")
        print(f"| {row['scale']}× | {b.get('triples')} | {b.get('seconds')} | {b.get('peak_mib')} | "
              f"{r.get('seconds')} | {owl_s} | {ratio} | {r.get('derived')} / {o.get('derived', '–')} |")


if __name__ == "__main__":
    main()
