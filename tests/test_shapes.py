"""The shapes: every shape has its messages and its failing fixture, and each fixture fires exactly
its shape, at the line marked "# defect" (tests/invalid/<shapes file>/NN_<rule>.ttl, each the valid
example tests/valid/example.ttl with one defect)."""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from conftest import make_root
from refmetiers import dumps, validation
from refmetiers.build import build, check_sources
from refmetiers.config import load_settings
from refmetiers.layout import SourceFile
from refmetiers.namespaces import SH
from refmetiers.releases import read_info
from refmetiers.sources import load_sources, parse_turtle
from refmetiers.validation import RMSH, load_shapes, validate

REPO = Path(__file__).resolve().parents[1]
SHAPES = REPO / "shapes"
VALID = REPO / "tests" / "valid" / "example.ttl"
INVALID = REPO / "tests" / "invalid"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
FIXTURE = re.compile(r"Failing fixture: (tests/invalid/(\S+?)/(\d\d_[\w-]+\.ttl))")


def _shapes_by_file() -> list[tuple[str, URIRef, Graph]]:
    """(shapes file stem, shape IRI, the file's graph) for every shape that has a target."""
    found = []
    for path in sorted(SHAPES.glob("*.ttl")):
        graph = parse_turtle(path)
        subjects = {s for target in TARGETS for s in graph.subjects(target, None)}
        found += [(path.stem, shape, graph) for shape in sorted(subjects) if isinstance(shape, URIRef)]
    return found


SHAPE_LIST = _shapes_by_file()
SETTINGS = load_settings(root=REPO)


def _fixture_of(stem: str, shape: URIRef, graph: Graph) -> Path:
    comments = " ".join(str(c) for c in graph.objects(shape, RDFS.comment))
    match = FIXTURE.search(comments)
    assert match, f"{shape}: rdfs:comment names no failing fixture"
    assert match.group(2) == stem, f"{shape}: its fixture must sit in tests/invalid/{stem}/"
    return REPO / match.group(1)


def _check(path: Path):
    ontology = [SourceFile(p, "ontology") for p in sorted(SETTINGS.ontology_dir.glob("*.ttl"))]
    return check_sources(SETTINGS, ontology + [SourceFile(path, "referentiel")])


def _marked_lines(path: Path) -> list[int]:
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.rstrip().endswith("# defect")]


def test_there_is_one_shapes_file_per_concern():
    assert sorted(p.stem for p in SHAPES.glob("*.ttl")) == [
        "crosswalk", "labels", "links", "metadata", "quality", "reference", "skos-integrity"]


@pytest.mark.parametrize("stem,shape,graph", SHAPE_LIST, ids=[str(s).split("#")[-1] for _, s, _ in SHAPE_LIST])
def test_shape_has_messages_severity_fix_and_fixture(stem, shape, graph):
    languages = lambda p: sorted(o.language for o in graph.objects(shape, p))  # noqa: E731
    assert languages(SH.message) == ["en", "fr"]
    assert languages(RMSH.fix) == ["en", "fr"]
    assert graph.value(shape, SH.severity) in (SH.Violation, SH.Warning)
    assert _fixture_of(stem, shape, graph).is_file()


@pytest.mark.parametrize("stem,shape,graph", SHAPE_LIST, ids=[str(s).split("#")[-1] for _, s, _ in SHAPE_LIST])
def test_fixture_fires_its_shape_alone_at_the_marked_line(stem, shape, graph):
    fixture = _fixture_of(stem, shape, graph)
    report = _check(fixture)
    assert {r.shape for r in report.results} == {shape}, [r.shape_name for r in report.results]
    severity = "violation" if graph.value(shape, SH.severity) == SH.Violation else "warning"
    assert {r.severity for r in report.results} == {severity}
    assert report.conforms is (severity == "warning")
    marked = _marked_lines(fixture)
    assert len(marked) == 1, f"{fixture}: mark exactly one line with '# defect'"
    assert {r.location.path for r in report.results} == {fixture}
    assert marked[0] in {r.location.line for r in report.results}
    french = next(str(m) for m in graph.objects(shape, SH.message) if m.language == "fr")
    for result in report.results:
        assert result.message("fr") == french
        assert result.message("en") not in ("", french)


def test_every_fixture_belongs_to_a_shape():
    named = {_fixture_of(stem, shape, graph) for stem, shape, graph in SHAPE_LIST}
    assert set(INVALID.rglob("*.ttl")) == named


@pytest.mark.parametrize("fixture", sorted(INVALID.rglob("*.ttl")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_is_the_valid_example_with_one_defect(fixture):
    def body(path):
        return [line.replace("# defect", "").rstrip() for line in path.read_text(encoding="utf-8").splitlines()
                if not line.startswith("#")]

    diff = [line for line in difflib.ndiff(body(VALID), body(fixture)) if line[:2] in ("- ", "+ ")]
    changed = max(sum(1 for line in diff if line.startswith("- ")), sum(1 for line in diff if line.startswith("+ ")))
    assert 1 <= changed <= 3, diff


def test_valid_example_has_no_result_at_all():
    report = _check(VALID)
    assert report.conforms
    assert [r.shape_name for r in report.results] == []


def test_s27_is_caught_only_through_the_entailments():
    """The S27 fixture states `A001 skos:related A002` and `A002 skos:broader A001`: the clash is on
    A002, visible only once related is made symmetric and broader transitive (graph `inferred`)."""
    fixture = INVALID / "skos-integrity" / "05_s27-related-to-an-ancestor.ttl"
    shapes = load_shapes(SHAPES)
    raw = load_sources(SETTINGS, [SourceFile(p, "ontology") for p in sorted(SETTINGS.ontology_dir.glob("*.ttl"))]
                       + [SourceFile(fixture, "referentiel")])
    data = Graph()
    for graph in raw.graphs.values():
        data += graph
    assert "rmsh:S27-RelatedNotBroader" not in {r.shape_name for r in validate(data, shapes).results}
    fired = [r for r in _check(fixture).results if r.shape_name == "rmsh:S27-RelatedNotBroader"]
    assert [str(r.focus) for r in fired] == ["https://w3id.org/refmetiers/id/activity/A002"]


def test_the_distributions_the_build_describes_conform(tmp_path):
    """dist/void.ttl as dumps.describe_distributions writes it passes the distribution shapes."""
    (tmp_path / "refmetiers.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    (tmp_path / "refmetiers.nt").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    metadata = parse_turtle(REPO / "data" / "metadata" / "dataset.ttl")
    metadata += parse_turtle(REPO / "data" / "metadata" / "release.ttl")  # the version and dates live there
    release = read_info(metadata, "https://w3id.org/refmetiers/")
    void = dumps.describe_distributions(tmp_path, metadata, "https://w3id.org/refmetiers/", release)
    report = validate(void, load_shapes(SHAPES))
    assert len(list(void.subjects(predicate=None, object=URIRef("http://www.w3.org/ns/dcat#Distribution")))) == 2
    assert [r.shape_name for r in report.results if r.shape_name.startswith("rmsh:Distribution")] == []
    assert [r.shape_name for r in report.results if r.shape_name.startswith("rmsh:Dataset")] == []


# --- The source checks (refmetiers.checks): declared with the shapes, run on files ---------------

SHAPES_GRAPH = load_shapes(SHAPES)
SOURCE_CHECKS = sorted(SHAPES_GRAPH.subjects(RDF.type, RMSH.SourceCheck))
# Where each failing fixture of tests/invalid-files/ sits in a project whose data is the valid example.
PLACED = {"OneJobPerFile": "data/jobs/two-jobs.ttl", "PublishedJobKept": "data/jobs/pupitreur.ttl",
          "DuplicateCode": "data/code-taken.ttl"}
PUPITREUR = """@prefix rm: <https://w3id.org/refmetiers/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<https://w3id.org/refmetiers/id/job/pupitreur> a rm:JobType ;
    skos:inScheme <https://w3id.org/refmetiers/scheme/jobs> ;
    skos:prefLabel "Pupitreur"@fr , "Console operator"@en ;
    skos:editorialNote "A test job."@en ;
    skos:broader <https://w3id.org/refmetiers/id/family/production> ;
    rm:family <https://w3id.org/refmetiers/id/family/production> ;
    rm:hasSheet false .
"""


def test_every_source_check_is_declared_with_messages_and_a_fixture():
    assert sorted(str(c).split("#")[-1] for c in SOURCE_CHECKS) == sorted(PLACED)
    named = set()
    for check in SOURCE_CHECKS:
        for predicate in (SH.message, RMSH.fix):
            assert sorted(o.language for o in SHAPES_GRAPH.objects(check, predicate)) == ["en", "fr"]
        comment = str(SHAPES_GRAPH.value(check, RDFS.comment))
        match = re.search(r"Failing fixture: (tests/invalid-files/\S+\.ttl)", comment)
        assert match and (REPO / match.group(1)).is_file(), check
        named.add(REPO / match.group(1))
    assert set((REPO / "tests" / "invalid-files").glob("*.ttl")) == named


@pytest.mark.parametrize("check", SOURCE_CHECKS, ids=lambda c: str(c).split("#")[-1])
def test_source_check_fixture_fires_its_check_alone_at_the_marked_line(check, tmp_path):
    name = str(check).split("#")[-1]
    fixture = REPO / re.search(r"(tests/invalid-files/\S+\.ttl)", str(SHAPES_GRAPH.value(check, RDFS.comment)))[1]
    data = tmp_path / "data"
    (data / "schemes").mkdir(parents=True)
    shutil.copy(VALID, data / "schemes" / "example.ttl")
    root = make_root(tmp_path, data)
    settings = load_settings(root=root)
    placed = root / PLACED[name]
    placed.parent.mkdir(parents=True, exist_ok=True)
    if name == "PublishedJobKept":  # published first, then emptied
        placed.write_text(PUPITREUR, encoding="utf-8")
        build(settings)
    shutil.copy(fixture, placed)
    report = check_sources(settings)
    assert {r.shape for r in report.results} == {check}, [(r.shape_name, r.message("en")) for r in report.results]
    assert not report.conforms and {r.severity for r in report.results} == {"violation"}
    assert {r.location.path for r in report.results} == {placed}
    assert _marked_lines(fixture)[0] in {r.location.line for r in report.results}
    for result in report.results:
        for lang in ("fr", "en"):
            filled = result.message(lang) + result.fix(lang)
            assert result.message(lang) and not re.search(r"\{(found|label|code|other|place|next)\}", filled)


# --- rmsh:candidates: a hint that narrows a shape's targets, and changes none of its results ---

CANDIDATE_SHAPES = [entry for entry in SHAPE_LIST if (entry[1], RMSH.candidates, None) in entry[2]]


def _results(report) -> list[tuple]:
    return sorted((str(r.shape), str(r.focus), str(r.path), str(r.value), r.severity, str(r.location))
                  for r in report.results)


def _without_candidates(monkeypatch) -> None:
    """Validate as a SHACL engine that does not know rmsh:candidates: every target of every shape."""
    monkeypatch.setattr(validation, "_candidates", lambda *args: None)


def test_some_shapes_have_candidates():
    assert len(CANDIDATE_SHAPES) >= 6


@pytest.mark.parametrize("stem,shape,graph", CANDIDATE_SHAPES, ids=[str(s[1]).split("#")[-1] for s in CANDIDATE_SHAPES])
def test_candidates_find_the_failing_node_of_the_shape_fixture(stem, shape, graph, monkeypatch):
    fixture = _fixture_of(stem, shape, graph)
    narrowed = _check(fixture)
    assert any(result.shape == shape for result in narrowed.results)
    _without_candidates(monkeypatch)
    assert _results(_check(fixture)) == _results(narrowed)


def test_candidates_change_no_result_on_the_repository(monkeypatch):
    narrowed = check_sources(SETTINGS)
    _without_candidates(monkeypatch)
    assert _results(check_sources(SETTINGS)) == _results(narrowed)


def test_a_shape_with_candidates_is_validated_on_those_of_its_targets_only():
    data = Graph().parse(data="""
        @prefix ex: <https://example.org/> .
        ex:a a ex:Thing . ex:b a ex:Thing . ex:c a ex:Thing ; ex:flag true . ex:d ex:flag true .""", format="turtle")
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix rmsh: <https://w3id.org/refmetiers/shapes#> .
        @prefix ex: <https://example.org/> .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ;
            rmsh:candidates [ sh:select "SELECT ?this WHERE { ?this <https://example.org/flag> true }" ] .""",
                           format="turtle")
    resolved = validation.resolve_targets(shapes, data)
    shape = URIRef("https://example.org/Shape")
    # ex:d is a candidate but no target: the candidates narrow the targets, never add to them
    assert set(resolved.objects(shape, SH.targetNode)) == {URIRef("https://example.org/c")}
    assert (shape, SH.targetClass, None) not in resolved
