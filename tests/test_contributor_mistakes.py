"""The typical mistakes of a new contributor (issue 10), each caught with the right exit code and a
message that names the place, the value and the fix. The project is the valid example
(tests/valid/example.ttl as data/schemes/example.ttl) plus the contributor's file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import make_root
from refmetiers.cli import main

REPO = Path(__file__).resolve().parents[1]
VALID = REPO / "tests" / "valid" / "example.ttl"
JOB = """@prefix rm: <https://w3id.org/refmetiers/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<https://w3id.org/refmetiers/id/job/pupitreur> a rm:JobType ;
    skos:inScheme <https://w3id.org/refmetiers/scheme/jobs> ;
    skos:prefLabel "Pupitreur"@fr , "Console operator"@en ;
    skos:editorialNote "A test job."@en ;
    skos:broader <https://w3id.org/refmetiers/id/family/production> ;
    rm:family <https://w3id.org/refmetiers/id/family/production> ;
    rm:hasSheet false .
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "schemes").mkdir(parents=True)
    (data / "jobs").mkdir()
    shutil.copy(VALID, data / "schemes" / "example.ttl")
    root = make_root(tmp_path, data)
    (root / "data" / "jobs" / "pupitreur.ttl").write_text(JOB, encoding="utf-8")
    return root


def _validate(root: Path, capsys, *files: Path) -> tuple[int, list[dict]]:
    code = main(["validate", "--format", "json", "--lang", "en", "--root", str(root), *map(str, files)])
    return code, json.loads(capsys.readouterr().out)["results"]


def _edit(root: Path, old: str, new: str) -> Path:
    path = root / "data" / "jobs" / "pupitreur.ttl"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_project_conforms_before_the_mistakes(project, capsys):
    assert _validate(project, capsys) == (0, [])


def test_a_typo_in_the_rm_prefix_declaration_is_a_violation(project, capsys):
    _edit(project, "<https://w3id.org/refmetiers/def#>", "<https://w3id.org/refmetiers/def/>")
    code, results = _validate(project, capsys)
    assert code == 1
    shapes = {r["shape"] for r in results}
    assert "rmsh:DeclaredTerm" in shapes and "rmsh:OneJobPerFile" in shapes  # the job silently stopped being one
    declared = [r for r in results if r["shape"] == "rmsh:DeclaredTerm"]
    assert {r["value"] for r in declared} >= {"https://w3id.org/refmetiers/def/JobType"}
    assert all(r["file"].endswith("pupitreur.ttl") and r["line"] for r in declared)


@pytest.mark.parametrize("old,new,shape,value", [
    ("rm:hasSheet false", 'rm:hasSheet "maybe"', "rmsh:TypedLiteral", "maybe"),
    ("rm:hasSheet false .", 'rm:hasSheet false ;\n    rm:minEducationLevel "Bac+2"@fr .', "rmsh:ClosedVocabulary",
     "Bac+2"),
    ("rm:hasSheet false .",
     "rm:hasSheet false ;\n    rm:requiredKnowHow <https://w3id.org/refmetiers/id/knowhow/SF750> .",
     "rmsh:OwnIriDefined", "https://w3id.org/refmetiers/id/knowhow/SF750"),
    ("rm:hasSheet false .", "rm:hasSheet false ;\n    skos:exactMatch <http://data.europa.eu/esco/occupation/"
     "00000000-0000-0000-0000-000000000000> .", "rmsh:LinkTargetDescribed", None),
    ("rm:hasSheet false .", "rm:hasSheet false ;\n    skos:broadMatch <https://w3id.org/refmetiers/id/rome/M9999> .",
     "rmsh:LinkTargetDescribed", None),
])
def test_a_mistake_in_a_job_file_is_a_violation_at_its_line(project, capsys, old, new, shape, value):
    path = _edit(project, old, new)
    code, results = _validate(project, capsys)
    assert code == 1
    fired = [r for r in results if r["shape"] == shape]
    assert fired, results
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if new.splitlines()[-1].strip() in text)
    assert any(r["file"].endswith("pupitreur.ttl") and r["line"] == line for r in fired), fired
    if value is not None:
        assert value in {r["value"] for r in fired}
    assert all(r["fix"] and set(r["messages"]) == {"fr", "en"} for r in fired)


def test_a_broader_cycle_is_a_violation(project, capsys):
    _edit(project, "rm:hasSheet false .",
          "rm:hasSheet false ;\n    skos:narrower <https://w3id.org/refmetiers/id/family/production> .")
    path = project / "data" / "schemes" / "example.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('skos:prefLabel "Production"@fr , "Production"@en ;',
                                 'skos:prefLabel "Production"@fr , "Production"@en ;\n    '
                                 'skos:broader <https://w3id.org/refmetiers/id/job/pupitreur> ;', 1), encoding="utf-8")
    code, results = _validate(project, capsys)
    assert code == 1
    assert "rmsh:CyclicHierarchy" in {r["shape"] for r in results if r["severity"] == "violation"}


def test_an_emptied_published_job_file_names_the_job(project, capsys):
    assert main(["build", "--root", str(project)]) == 0
    capsys.readouterr()
    (project / "data" / "jobs" / "pupitreur.ttl").write_text("# emptied\n", encoding="utf-8")
    code, results = _validate(project, capsys)
    assert code == 1
    (result,) = results
    assert result["shape"] == "rmsh:PublishedJobKept" and result["file"].endswith("data/jobs/pupitreur.ttl")
    assert '"Pupitreur"' in result["message"] and "owl:deprecated" in result["fix"]
    # and the build refuses to publish without it, keeping the 3 job types published
    assert main(["build", "--root", str(project)]) == 1
    capsys.readouterr()
    # deleting the file is the same mistake
    (project / "data" / "jobs" / "pupitreur.ttl").unlink()
    code, results = _validate(project, capsys)
    assert code == 1 and [r["shape"] for r in results] == ["rmsh:PublishedJobKept"]


def test_a_code_reused_in_the_same_file_names_both_concepts_and_the_next_free_code(project, capsys):
    path = project / "data" / "schemes" / "example.ttl"
    with path.open("a", encoding="utf-8") as out:
        out.write('\n<https://w3id.org/refmetiers/id/knowhow/SF001> a rm:KnowHow ;\n'
                  '    skos:inScheme <https://w3id.org/refmetiers/scheme/knowhow> ;\n'
                  '    skos:prefLabel "Optimiser un index"@fr , "Tune an index"@en .\n')
    code, results = _validate(project, capsys)
    assert code == 1
    assert [r["shape"] for r in results] == ["rmsh:DuplicateCode"]  # not S14, whose advice would merge them
    (result,) = results
    assert result["line"] == len(path.read_text(encoding="utf-8").splitlines())
    assert 'Code SF001 is already taken by "Savoir sauvegarder une base"' in result["message"]
    assert "example.ttl:" in result["message"]
    assert "SF002" in result["fix"] and "SF002" in result["messages"]["fr"] + result["fixes"]["fr"]
