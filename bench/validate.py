"""Benchmark of the validation: time and peak memory at 1×, 10× and 100× the reference, in one run,
for three ways of validating the same data against the same shapes (shapes/):

- ``ours``: pyshacl as refmetiers runs it: the asserted graphs plus the entailments the build
  computed (graph ``inferred``), ``inference="none"``, validated in place;
- ``naive``: pyshacl's own ``inference="rdfs"`` on the asserted graphs only (pyshacl copies the
  data and expands it before validating);
- ``pyrudof``: rudof's native SHACL engine (Rust) on the same data as ``ours``, the peer.

The synthetic copies are made from the built graphs: copy k renames every IRI of our own concepts
(jobs, families, sub-families, activities, know-how, knowledge, factors, education levels,
certifications, mapping records) with a ``-ck`` suffix and every language-tagged text with a `` ck``
suffix, so copies neither merge nor overlap; the ontology, schemes, metadata, behaviour categories,
ROME v2 codes and the external concepts (graph ``reference``) are shared. Entailments are copied the
same way (what the build would compute for each copy, without cross-copy entailments).

Each measurement runs in a fresh child process (peak memory is that process's VmHWM: the parsed
data plus the validation) and is killed after ``--timeout`` seconds.
Usage: .venv/bin/python bench/validate.py [--scales 1 10 100] [--timeout 180] [--only ours naive pyrudof]

``--feedback`` measures instead what a contributor waits for, end to end (a fresh `refmetiers
validate` process: start-up, parse, entailments, shapes, file checks, report), in one run:
``today`` (the whole repository as of ``--baseline``, the commit the contributor loop issue was
filed against, with its own code, shapes and data), ``whole`` (the whole repository now) and
``one file`` (`validate data/jobs/FILE` after an edit of that file). Wall and CPU seconds, median of
``--repeat`` runs, with the load average, since the machine is shared.
Usage: .venv/bin/python bench/validate.py --feedback [--repeat 5] [--baseline f939bae]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ("job", "family", "subfamily", "activity", "knowhow", "knowledge", "factor", "education-level",
         "certification", "mapping")
OWN_IRI = re.compile(r"<(https://w3id\.org/refmetiers/id/(?:" + "|".join(re.escape(k) for k in KINDS) + r")/[^>#]+)")
TEXT = re.compile(r'"((?:[^"\\]|\\.)*)"@(fr|en)\b')
ENGINES = ("ours", "naive", "pyrudof")


def prepare(folder: Path, scales: list[int]) -> dict[int, dict[str, Path]]:
    """Write, per scale, the asserted and the inferred triples as N-Triples files in ``folder``."""
    sys.path.insert(0, str(REPO / "src"))
    from refmetiers.build import assemble
    from refmetiers.config import load_settings
    from refmetiers.validation import load_shapes

    settings = load_settings(root=REPO)
    graphs = assemble(settings)
    asserted_lines = set()
    for name, graph in graphs.items():
        if name != "inferred":
            asserted_lines |= set(graph.serialize(format="nt").splitlines())
    inferred_lines = set(graphs["inferred"].serialize(format="nt").splitlines())
    shapes = folder / "shapes.ttl"
    shapes.write_text(load_shapes(settings.shapes_dir).serialize(format="turtle"), encoding="utf-8")
    files = {}
    for scale in scales:
        out = {}
        for kind, lines in (("asserted", asserted_lines), ("inferred", inferred_lines)):
            scaled = set(lines)
            for copy in range(1, scale):
                for line in lines:
                    renamed = OWN_IRI.sub(lambda m, c=copy: f"<{m.group(1)}-c{c}", line)
                    if renamed != line:
                        renamed = TEXT.sub(lambda m, c=copy: f'"{m.group(1)} c{c}"@{m.group(2)}', renamed)
                    scaled.add(renamed)
            path = folder / f"{kind}-{scale}.nt"
            path.write_text("\n".join(sorted(line for line in scaled if line.strip())) + "\n", encoding="utf-8")
            out[kind] = path
        out["shapes"] = shapes
        files[scale] = out
    return files


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would keep the parent's peak across exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(engine: str, asserted: Path, inferred: Path, shapes: Path) -> dict:
    """One measurement, in this (child) process."""
    if engine == "pyrudof":
        import pyrudof

        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        start = time.perf_counter()
        rudof.read_data(str(asserted), pyrudof.RDFFormat.NTriples)
        rudof.read_data(str(inferred), pyrudof.RDFFormat.NTriples)
        rudof.read_shacl(str(shapes))
        loaded = time.perf_counter()
        report = rudof.validate_shacl()
        seconds = time.perf_counter() - loaded
        entries = report.violations
        results = {"violation": 0, "warning": 0}
        for entry in entries:
            key = "warning" if "Warning" in str(entry.severity) else "violation"
            results[key] += 1
        triples = None
    else:
        import pyshacl
        from rdflib import Graph

        start = time.perf_counter()
        data = Graph()
        data.parse(asserted, format="nt")
        if engine == "ours":
            data.parse(inferred, format="nt")
        shapes_graph = Graph().parse(shapes, format="turtle")
        loaded = time.perf_counter()
        if engine == "ours":
            _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", advanced=True,
                                            allow_warnings=True, inplace=True)
        else:
            _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph, inference="rdfs", advanced=True,
                                            allow_warnings=True)
        seconds = time.perf_counter() - loaded
        sh = "http://www.w3.org/ns/shacl#"
        from rdflib import URIRef

        results = {"violation": 0, "warning": 0}
        for node in report.objects(None, URIRef(sh + "result")):
            severity = str(report.value(node, URIRef(sh + "resultSeverity")))
            results["warning" if severity.endswith("Warning") else "violation"] += 1
        triples = len(data)
    peak_mb = _peak_mib()
    return {"engine": engine, "load_s": round(loaded - start, 2), "validate_s": round(seconds, 2),
            "peak_mb": round(peak_mb), "triples": triples, **results}


def measure(engine: str, files: dict[str, Path], timeout: float) -> dict:
    command = [sys.executable, __file__, "--child", engine, str(files["asserted"]), str(files["inferred"]),
               str(files["shapes"])]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"did not finish in {timeout:.0f} s"}
    if run.returncode != 0:
        return {"engine": engine, "error": (run.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    return json.loads(run.stdout.strip().splitlines()[-1])


def _cli_run(command: list[str], cwd: Path, pythonpath: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds (the child's user + system) and exit code of one CLI run."""
    import os

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "refmetiers.cli", *command], cwd=cwd, capture_output=True,
                         env=os.environ | {"PYTHONPATH": str(pythonpath)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, run.returncode


def feedback(repeat: int, baseline: str, job: str) -> int:
    """What a contributor waits for: today's whole-repository run, the whole repository now, one file now."""
    import os
    import statistics

    with tempfile.TemporaryDirectory(prefix="refmetiers-bench-feedback-") as tmp:
        today = Path(tmp) / "today"
        today.mkdir()
        archive = subprocess.run(["git", "archive", baseline, "src", "shapes", "ontology", "data"], cwd=REPO,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(today)], input=archive, check=True)
        now = Path(tmp) / "now"
        now.mkdir()
        for name in ("shapes", "ontology", "data"):
            subprocess.run(["cp", "-r", str(REPO / name), str(now / name)], check=True)
        edited = now / "data" / "jobs" / job
        runs = {
            "today (whole repository, " + baseline + ")": (["validate", "--root", str(today)], today, today / "src"),
            "whole repository, now": (["validate", "--root", str(now)], now, REPO / "src"),
            f"one file, now (data/jobs/{job})": (["validate", "--root", str(now), str(edited)], now, REPO / "src"),
        }
        # a last build, so that the published-job check has something to compare with (as on a contributor's machine)
        subprocess.run([sys.executable, "-m", "refmetiers.cli", "build", "--root", str(now)], cwd=now,
                       capture_output=True, env=os.environ | {"PYTHONPATH": str(REPO / "src")}, check=True)
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print("| run | wall s (median) | wall s (min–max) | CPU s (median) | exit |")
        print("|---|---|---|---|---|")
        medians = {}
        for name, (command, cwd, pythonpath) in runs.items():
            walls, cpus, codes = [], [], set()
            for _ in range(repeat):
                os.utime(edited)  # the contributor just saved the file
                wall, cpu, code = _cli_run(command, cwd, pythonpath)
                walls.append(wall)
                cpus.append(cpu)
                codes.add(code)
            medians[name] = statistics.median(walls)
            print(f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f}–{max(walls):.2f} "
                  f"| {statistics.median(cpus):.2f} | {','.join(map(str, sorted(codes)))} |", flush=True)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        names = list(medians)
        print(f"ratios (wall, medians): whole now / today {medians[names[1]] / medians[names[0]]:.2f}; "
              f"one file / today {medians[names[2]] / medians[names[0]]:.2f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feedback", action="store_true", help="time `refmetiers validate` end to end instead")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (--feedback)")
    parser.add_argument("--baseline", default="f939bae", help="the commit of today's run (--feedback)")
    parser.add_argument("--job", default="administrateur-de-base-de-donnees.ttl", help="the edited file (--feedback)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--timeout", type=float, default=180, help="seconds before a measurement is killed")
    parser.add_argument("--only", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "ASSERTED", "INFERRED", "SHAPES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.feedback:
        return feedback(args.repeat, args.baseline, args.job)
    if args.child:
        engine, asserted, inferred, shapes = args.child
        print(json.dumps(child(engine, Path(asserted), Path(inferred), Path(shapes))))
        return 0
    with tempfile.TemporaryDirectory(prefix="refmetiers-bench-validate-") as tmp:
        files = prepare(Path(tmp), args.scales)
        print("| scale | engine | triples (asserted + inferred) | load s | validate s | peak MiB "
              "| violations | warnings |")
        print("|---|---|---|---|---|---|---|---|")
        for scale in args.scales:
            size = sum(1 for kind in ("asserted", "inferred") for _ in files[scale][kind].open(encoding="utf-8"))
            for engine in args.only:
                row = measure(engine, files[scale], args.timeout)
                if "error" in row:
                    print(f"| {scale}× | {engine} | {size} | – | {row['error']} | – | – | – |", flush=True)
                else:
                    print(f"| {scale}× | {engine} | {size} | {row['load_s']} | {row['validate_s']} | {row['peak_mb']} "
                          f"| {row['violation']} | {row['warning']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
