"""Benchmark: pySHACL's time per shape in `refmetiers build`'s validation, with the ``rmsh:candidates`` hints (what
refmetiers runs) and without them (what a SHACL engine that ignores the hint runs: every target of every shape).

Each variant validates the repository's built graphs in a fresh child process, the two interleaved ``--runs`` times;
the table gives each shape's fastest time in each variant (the shapes taking the most first) and the totals. The
results of the two variants are compared: they must be the same.

    .venv/bin/python bench/shapes.py --runs 3
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def measure(hints: bool) -> dict:
    """Validate the repository's graphs in this process; seconds per shape and the results."""
    sys.path.insert(0, str(REPO / "src"))
    from pyshacl.shape import Shape

    from refmetiers import validation
    from refmetiers.build import assemble
    from refmetiers.config import load_settings
    from refmetiers.graphs import merge

    gc.disable()  # as a build runs
    settings = load_settings(root=REPO)
    graphs = assemble(settings)
    shapes = validation.load_shapes(settings.shapes_dir)
    if not hints:
        validation._candidates = lambda *args: None  # type: ignore[assignment]
    seconds: dict[str, float] = {}
    depth = 0
    validate_shape = Shape.validate

    def timed(self, *args, **kwargs):
        nonlocal depth
        depth += 1
        start = time.perf_counter()
        try:
            return validate_shape(self, *args, **kwargs)
        finally:
            depth -= 1
            if depth == 0:  # a shape validated for itself, not as a part of another
                name = str(self.node).rsplit("#", 1)[-1]
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start

    Shape.validate = timed  # type: ignore[method-assign]
    start = time.perf_counter()
    report = validation.validate(merge(graphs), shapes)
    total = time.perf_counter() - start
    results = sorted(f"{r.shape} {r.focus} {r.path} {r.value} {r.severity}" for r in report.results)
    return {"total": total, "shapes": seconds, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=8, help="shapes listed (the slowest without the hints)")
    parser.add_argument("--child", choices=["hints", "none"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child == "hints")))
        return
    runs: dict[str, list[dict]] = {"hints": [], "none": []}
    for _ in range(args.runs):
        for variant in runs:
            done = subprocess.run([sys.executable, __file__, "--child", variant], capture_output=True, text=True,
                                  check=True)
            runs[variant].append(json.loads(done.stdout.splitlines()[-1]))
    same = runs["hints"][0]["results"] == runs["none"][0]["results"]
    fastest = {variant: {name: min(r["shapes"].get(name, 0.0) for r in rows) for name in rows[0]["shapes"]}
               for variant, rows in runs.items()}
    print("| shape | without the hints s | with rmsh:candidates s |")
    print("|---|---:|---:|")
    for name in sorted(fastest["none"], key=lambda n: -fastest["none"][n])[:args.top]:
        print(f"| {name} | {fastest['none'][name]:.3f} | {fastest['hints'].get(name, 0.0):.3f} |")
    totals = {variant: min(r["total"] for r in rows) for variant, rows in runs.items()}
    print(f"| **validation, whole (fastest)** | {totals['none']:.2f} | {totals['hints']:.2f} |")
    print(f"\n{args.runs} runs each; results identical: {'yes' if same else 'NO'} "
          f"({len(runs['hints'][0]['results'])} results)")


if __name__ == "__main__":
    main()
