"""Benchmark of the build: time and peak memory at 1×, 10× and 100× the reference, and owlrl against
our targeted rules for the entailments, in the same run.

Each measurement runs in a fresh child process, so that peak memory (ru_maxrss) is its own.
Usage: .venv/bin/python bench/build.py [--scales 1 10 100] [--owlrl-timeout 120]

``--baseline REV`` compares instead the whole build (`refmetiers build` in process, wall and CPU seconds, and
the time of each step) with the previous code path: the ``src/`` of git revision REV, exported with `git
archive` and run by the same interpreter on the same sources, the two interleaved ``--runs`` times (so that
the load of a shared machine falls on both alike); it reports the fastest run of each, their ratio, and
whether the two dist/ folders are byte-identical.
    .venv/bin/python bench/build.py --baseline main --runs 5
"""

from __future__ import annotations

import argparse
import gc
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


def cpu_time() -> float:
    """CPU seconds of this process and of its children waited for (a build forks one to write its dumps)."""
    return sum(usage.ru_utime + usage.ru_stime
               for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)))


def measure_one(mode: str, root: Path, src: Path | None = None) -> dict:
    """Run one measurement in this process: ``build`` (the whole pipeline), ``rules`` or ``owlrl``; with ``src``,
    ``build`` runs that source tree's code and writes dist-baseline/."""
    sys.path.insert(0, str(src or REPO / "src"))
    from refmetiers.build import build
    from refmetiers.config import load_settings
    from refmetiers.inference import apply_rules, close_schema, rules_from_schema, skos_axioms
    from refmetiers.sources import load_sources

    settings = load_settings(root=root, dist_dir=root / ("dist-baseline" if src else "dist"))
    start = time.perf_counter()
    cpu = cpu_time()
    if mode in ("build", "build-with-gc"):
        if mode == "build-with-gc":  # the same build with Python's cyclic garbage collector left on (its peer)
            build = build.__wrapped__  # type: ignore[attr-defined]
            gc.enable()
        result = build(settings)
        assert src is None or Path(sys.modules["refmetiers"].__file__).is_relative_to(src)  # type: ignore[arg-type]
        extra = {"triples": sum(result.triple_counts().values()), "steps": result.seconds,
                 "cpu_seconds": round(cpu_time() - cpu, 3)}
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
    # the build's own peak, or its forked dump writer's if higher
    peak_mib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    return {"mode": mode, "seconds": round(seconds, 3), "peak_mib": round(peak_mib, 1), **extra}


def run_child(mode: str, root: Path, timeout: float, src: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(root)] + (["--src", str(src)] if src else [])
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
    parser.add_argument("--baseline", metavar="REV", help="compare the build with git revision REV's code")
    parser.add_argument("--runs", type=int, default=5, help="with --baseline: builds of each")
    parser.add_argument("--collector", action="store_true",
                        help="with --baseline: also this checkout's build with the cyclic garbage collector on")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ROOT"), help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(args.child[0], Path(args.child[1]), args.src)))
        return
    if args.baseline:
        compare(args.baseline, args.runs, args.scales[0] if args.scales != [1, 10, 100] else 1, args.collector)
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


def compare(revision: str, runs: int, scale: int, collector: bool = False) -> None:
    """This checkout's build against ``revision``'s, interleaved, on the same sources (see the module's doc)."""
    import hashlib

    with tempfile.TemporaryDirectory() as tmp:
        from baseline import compile_bytecode, export_baseline

        compile_bytecode(REPO / "src" / "refmetiers")  # both trees start from bytecode, as installed
        baseline = export_baseline(revision, Path(tmp) / "baseline")
        root = make_scaled_root(scale, Path(tmp)) if scale != 1 else Path(tmp) / "root"
        if scale == 1:  # the repository's own sources, releases included (the build reads them)
            for name in ("ontology", "data", "shapes", "releases"):
                shutil.copytree(REPO / name, root / name)
        results: dict[str, list[dict]] = {"this checkout": [], f"@ {revision}": []}
        if collector:
            results["this checkout, cyclic GC on"] = []
        for _ in range(runs):
            results["this checkout"].append(run_child("build", root, 1800))
            results[f"@ {revision}"].append(run_child("build", root, 1800, baseline))
            if collector:
                results["this checkout, cyclic GC on"].append(run_child("build-with-gc", root, 1800))
            print(json.dumps({k: v[-1] for k, v in results.items()}), file=sys.stderr)
        digests = [{p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / d).iterdir())}
                   for d in ("dist", "dist-baseline")]
    print("| code | fastest wall s | fastest CPU s | steps of the fastest (s) | ratio (wall) |")
    print("|---|---:|---:|---|---:|")
    ours = min(r["seconds"] for r in results["this checkout"])
    for code, rows in results.items():
        best = min(rows, key=lambda r: r["seconds"])
        steps = ", ".join(f"{k} {v:.2f}" for k, v in best["steps"].items())
        print(f"| {code} | {best['seconds']:.2f} | {min(r['cpu_seconds'] for r in rows):.2f} | {steps} | "
              f"{best['seconds'] / ours:.2f}× |")
    different = sorted(name for name in digests[0] if digests[0][name] != digests[1].get(name))
    print(f"\nscale {scale}×, {runs} runs each; files differing between the two dist/: "
          f"{', '.join(different) or 'none (byte-identical)'}; only in one: "
          f"{sorted(set(digests[0]) ^ set(digests[1])) or 'none'}")


if __name__ == "__main__":
    main()
