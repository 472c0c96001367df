"""The build: every dump of DESIGN.md §4, parseable, deterministic and atomic; errors name file and line."""

from __future__ import annotations

import gzip
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, RDF

from refmetiers import dumps
from refmetiers.build import build
from refmetiers.config import load_settings
from refmetiers.dumps import DUMPS
from refmetiers.errors import BuildError, ValidationFailed
from refmetiers.forked import can_fork
from refmetiers.namespaces import SPDX, graph_iri

EXPECTED_FILES = {
    "refmetiers.ttl", "refmetiers.nt", "refmetiers.jsonld", "refmetiers.rdf",
    "refmetiers-reference.ttl", "refmetiers-reference.nt",
    "refmetiers-full.ttl", "refmetiers-full.nt", "refmetiers-full.jsonld",
    "refmetiers.trig", "refmetiers.nq", "refmetiers-crosswalk.csv",
}
RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml", "trig": "trig", "nq": "nquads"}


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refmetiers.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def built(fixture_root, tmp_path):
    settings = load_settings(root=fixture_root, dist_dir=tmp_path / "dist")
    result = build(settings)
    return settings, result


def test_build_writes_every_file_of_the_design(built):
    settings, _ = built
    names = {p.name for p in settings.dist.iterdir()}
    expected = EXPECTED_FILES | {f + ".gz" for f in EXPECTED_FILES}
    expected |= {"context.jsonld", "SHA256SUMS", "void.ttl", "validation-report.ttl"}
    assert names == expected


@pytest.mark.parametrize("spec_index,fmt_index",
                         [(i, j) for i, spec in enumerate(DUMPS) for j in range(len(spec.formats))])
def test_every_dump_parses_back_to_the_built_graphs(built, spec_index, fmt_index):
    settings, result = built
    spec = DUMPS[spec_index]
    fmt = spec.formats[fmt_index]
    path = settings.dist / f"{spec.stem}.{fmt.extension}"
    for data in (path.read_bytes(), gzip.decompress((settings.dist / (path.name + ".gz")).read_bytes())):
        if fmt.kind == "dataset":
            parsed = Dataset()
            parsed.parse(data=data, format=RDFLIB_FORMAT[fmt.extension])
            for name in spec.graphs:
                expected = result.graphs[name]
                assert isomorphic(parsed.graph(graph_iri(name)), expected), f"{path.name}: graph {name} differs"
        else:
            parsed = Graph().parse(data=data, format=RDFLIB_FORMAT[fmt.extension])
            expected = Graph()
            for name in spec.graphs:
                expected += result.graphs[name]
            assert len(parsed) == len(expected)
            assert isomorphic(parsed, expected), f"{path.name} differs from the built graphs"


def test_jsonld_dump_uses_the_short_keys_of_its_context(built):
    settings, _ = built
    document = json.loads((settings.dist / "refmetiers.jsonld").read_text(encoding="utf-8"))
    context = json.loads((settings.dist / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    alpha = next(node for node in document["@graph"] if node["id"].endswith("/id/job/alpha"))
    assert alpha["prefLabel"] == {"fr": ["Administrateur alpha"], "en": ["Alpha administrator"]}
    assert alpha["nearbyJob"] == ["https://w3id.org/refmetiers/id/job/beta"]


# --- JSON-LD: one shape, the published context, checked against pyld (the JSON-LD reference implementation)

def _pyld_graph(document: dict) -> Graph:
    return Graph().parse(data=jsonld.to_rdf(document, {"format": "application/n-quads"}), format="nt")


@pytest.mark.parametrize("name", ["refmetiers.jsonld", "refmetiers-full.jsonld"])
def test_jsonld_dumps_mean_the_built_graphs_to_pyld(built, name):
    settings, result = built
    spec = next(s for s in DUMPS if f"{s.stem}.jsonld" == name)
    expected = Graph()
    for graph_name in spec.graphs:
        expected += result.graphs[graph_name]
    document = json.loads((settings.dist / name).read_text(encoding="utf-8"))
    assert isomorphic(_pyld_graph(document), expected)


def test_jsonld_every_value_is_an_array_and_every_key_a_term_of_the_context(built):
    settings, _ = built
    document = json.loads((settings.dist / "refmetiers-full.jsonld").read_text(encoding="utf-8"))
    context = document["@context"]
    for node in document["@graph"]:
        for key, value in node.items():
            if key == "id":
                continue
            assert key in context or ":" in key, key
            values = [v for vs in value.values() for v in vs] if isinstance(value, dict) else value
            assert isinstance(values, list) and values, (key, value)
            if isinstance(value, dict):
                assert all(isinstance(vs, list) for vs in value.values()), (key, value)


def test_jsonld_keeps_datatypes_a_double_stays_a_double():
    ontology = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "refmetiers.ttl")
    context = dumps.jsonld_context(ontology)
    graph = Graph().parse(data="""
        @prefix sssom: <https://w3id.org/sssom/> . @prefix rm: <https://w3id.org/refmetiers/def#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <https://w3id.org/refmetiers/id/mapping/x/1> sssom:similarity_score "1.0"^^xsd:double ;
            sssom:confidence "0.5"^^xsd:decimal .
        <https://w3id.org/refmetiers/id/job/a> rm:minExperienceYears 2.0 ; rm:hasSheet true ; rm:level 2 ;
            rm:sourcePage "4"^^xsd:string .""", format="turtle")
    document = dumps.jsonld_document(graph, context)
    record, job = sorted(document["@graph"], key=lambda node: node["id"], reverse=True)
    assert record["similarity_score"] == ["1.0"]  # typed by the context: xsd:double
    assert record["confidence"] == [{"@value": "0.5", "@type": "xsd:decimal"}]
    assert job["hasSheet"] == ["true"] and job["level"] == ["2"]
    assert job["sourcePage"] == [{"@value": "4"}]  # a plain string escapes the key's xsd:integer
    # pyld's to_rdf cannot take a string typed xsd:double (it formats it as a number), so read its expansion
    expanded = {node["@id"]: node for node in jsonld.expand(document)}
    score = expanded["https://w3id.org/refmetiers/id/mapping/x/1"]["https://w3id.org/sssom/similarity_score"]
    assert score == [{"@value": "1.0", "@type": "http://www.w3.org/2001/XMLSchema#double"}]
    years = expanded["https://w3id.org/refmetiers/id/job/a"]["https://w3id.org/refmetiers/def#minExperienceYears"]
    assert years == [{"@value": "2.0", "@type": "http://www.w3.org/2001/XMLSchema#decimal"}]


def test_jsonld_context_has_a_key_for_every_rm_term_of_the_ontology():
    ontology = Graph().parse(Path(__file__).resolve().parents[1] / "ontology" / "refmetiers.ttl")
    context = dumps.jsonld_context(ontology)["@context"]
    ids = {d["@id"] if isinstance(d, dict) else d for d in context.values()}
    terms = {s for s in ontology.subjects(RDF.type, None) if str(s).startswith("https://w3id.org/refmetiers/def#")}
    assert terms and {str(t) for t in terms} <= ids


def test_void_describes_each_file_with_size_checksum_licence_and_version(built):
    settings, _ = built
    void = Graph().parse(settings.dist / "void.ttl")
    sums = dict(line.split("  ")[::-1] for line in (settings.dist / "SHA256SUMS").read_text().splitlines())
    for path in settings.dist.iterdir():
        if path.name in ("void.ttl", "SHA256SUMS"):
            continue
        distribution = URIRef(f"{settings.base_iri}dumps/{path.name}")
        assert (distribution, RDF.type, DCAT.Distribution) in void, path.name
        assert int(void.value(distribution, DCAT.byteSize)) == path.stat().st_size
        checksum = void.value(distribution, SPDX.checksum)
        assert str(void.value(checksum, SPDX.checksumValue)) == sums[path.name]
        assert void.value(distribution, DCAT.mediaType) is not None
        assert void.value(distribution, URIRef("http://purl.org/dc/terms/license")) is not None
        assert str(void.value(distribution, URIRef("http://www.w3.org/ns/dcat#version"))) == "0.1.0"


def test_two_builds_with_different_hash_seeds_are_byte_identical(fixture_root, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        dist = tmp_path / f"dist-{seed}"
        done = run_cli("build", "--root", str(fixture_root), "--dist", str(dist), env={"PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        outputs.append(digest(dist))
    assert outputs[0] == outputs[1]


def test_broken_turtle_exits_2_naming_file_line_and_column_and_leaves_dist_untouched(fixture_root, tmp_path):
    dist = tmp_path / "dist"
    assert run_cli("build", "--root", str(fixture_root), "--dist", str(dist)).returncode == 0
    before = digest(dist)
    broken = fixture_root / "data" / "jobs" / "broken.ttl"
    broken.write_text('@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n'
                      '<https://w3id.org/refmetiers/id/job/x> skos:prefLabel "unterminated ;\n', encoding="utf-8")
    done = run_cli("build", "--root", str(fixture_root), "--dist", str(dist))
    assert done.returncode == 2
    assert f"{broken}:3:" in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(dist) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "root"]  # no staging folder left behind


def test_a_failure_while_writing_leaves_the_previous_dist(fixture_root, tmp_path, monkeypatch):
    settings = load_settings(root=fixture_root, dist_dir=tmp_path / "dist")
    build(settings)
    before = digest(settings.dist)
    import refmetiers.dumps as dumps

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(dumps, "describe_distributions", explode)
    with pytest.raises(OSError):
        build(settings)
    assert digest(settings.dist) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "root"]


needs_fork = pytest.mark.skipif(not can_fork(), reason="the build writes its dumps in this process here")


def previous_build(fixture_root: Path, tmp_path: Path):
    settings = load_settings(root=fixture_root, dist_dir=tmp_path / "dist")
    build(settings)
    return settings, digest(settings.dist)


def disk_full():
    raise OSError(28, "No space left on device")


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


@needs_fork
@pytest.mark.parametrize("in_the_child,raised,message", [
    (disk_full, OSError, "No space left on device"),
    (killed, BuildError, r"ended without an answer \(exit code -9\)"),
], ids=["write-fails", "killed"])
def test_a_failed_dump_writer_fails_the_build_and_leaves_the_previous_dist(fixture_root, tmp_path, monkeypatch,
                                                                          in_the_child, raised, message):
    settings, before = previous_build(fixture_root, tmp_path)
    builder = os.getpid()
    serialise = dumps.serialise

    def failing_in_the_child(*args, **kwargs):
        if os.getpid() != builder:
            in_the_child()
        return serialise(*args, **kwargs)

    monkeypatch.setattr(dumps, "serialise", failing_in_the_child)
    with pytest.raises(raised, match=message):
        build(settings)
    assert digest(settings.dist) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "root"]
    assert multiprocessing.active_children() == []


@needs_fork
def test_data_that_fails_validation_stops_the_dump_writer_and_publishes_nothing(fixture_root, tmp_path):
    settings, before = previous_build(fixture_root, tmp_path)
    # one shape every job type of the fixture violates
    (fixture_root / "shapes" / "no-labels.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<urn:shape:NoLabel> a sh:NodeShape ; sh:targetClass <https://w3id.org/refmetiers/def#JobType> ;\n"
        "    sh:property [ sh:path skos:prefLabel ; sh:maxCount 0 ] .\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as failed:
        build(settings)
    assert failed.value.report.violations > 0
    assert digest(settings.dist) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "root"]
    assert multiprocessing.active_children() == []


def test_query_command_answers_over_the_build(fixture_root, tmp_path):
    dist = tmp_path / "dist"
    assert run_cli("build", "--root", str(fixture_root), "--dist", str(dist)).returncode == 0
    done = run_cli("query", "--root", str(fixture_root), "--dist", str(dist), "--format", "csv",
                   "SELECT ?l WHERE { <https://w3id.org/refmetiers/id/job/beta> "
                   "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l FILTER(lang(?l)='en') }")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["l", "Beta consultant"]
    bad = run_cli("query", "--root", str(fixture_root), "--dist", str(dist), "SELECT WHERE {")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_missing_build_is_a_clear_error(fixture_root, tmp_path):
    done = run_cli("stats", "--root", str(fixture_root), "--dist", str(tmp_path / "nothing"))
    assert done.returncode == 2
    assert "run `refmetiers build` first" in done.stderr


def test_stats_count_concepts_per_scheme_links_per_job_and_shared_concepts(built):
    from refmetiers.stats import compute, render_text
    from refmetiers.store import load_store

    settings, _ = built
    stats = compute(load_store(settings.dist), settings.base_iri)
    scheme = settings.base_iri + "scheme/"
    assert stats.concepts_per_scheme[scheme + "jobs"] == 5  # 2 families, 1 sub-family, 2 jobs
    assert stats.concepts_per_scheme[scheme + "activities"] == 3
    alpha = next(job for job in stats.links_per_job if job["job"].endswith("/job/alpha"))
    counted = (alpha["main_activities"], alpha["secondary_activities"], alpha["know_how"], alpha["nearby_jobs"])
    assert counted == (1, 1, 1, 1)
    assert stats.most_shared == [(settings.base_iri + "id/activity/A001", "Former les utilisateurs", 2)]
    assert "Former les utilisateurs" in render_text(stats)


def test_a_killed_build_leaves_nothing_behind_after_the_next(tmp_path):
    """Staging folders of builds killed half-way are removed by the next build; a running build's are kept."""
    import os

    from refmetiers.dumps import remove_leftovers

    dist = tmp_path / "dist"
    dist.mkdir()
    dead = tmp_path / ".dist-new-999999999-abc"  # no such process
    old = tmp_path / ".dist-old-999999999-abc"
    alive = tmp_path / f".dist-new-{os.getppid()}-xyz"  # our parent runs: another build at work
    unrelated = tmp_path / ".distant-new-1-x"
    for folder in (dead, old, alive, unrelated):
        folder.mkdir()
        (folder / "refmetiers.nq").write_text("", encoding="utf-8")
    assert sorted(remove_leftovers(dist)) == sorted([dead, old])
    assert alive.is_dir() and unrelated.is_dir() and not dead.exists() and not old.exists()

