"""`refmetiers new job|concept`: the file it writes is laid out canonically, takes the next free code,
marks every required field so that `validate` points at each, and validates once they are filled in."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import make_root
from refmetiers.cli import main
from refmetiers.formatting import format_text
from refmetiers.scaffold import PLACEHOLDER, slugify

REPO = Path(__file__).resolve().parents[1]
VALID = REPO / "tests" / "valid" / "example.ttl"
ID = "https://w3id.org/refmetiers/id/"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "schemes").mkdir(parents=True)
    shutil.copy(VALID, data / "schemes" / "example.ttl")
    return make_root(tmp_path, data)


def _results(root: Path, capsys, *files: Path) -> tuple[int, list[dict]]:
    code = main(["validate", "--format", "json", "--root", str(root), *map(str, files)])
    return code, json.loads(capsys.readouterr().out)["results"]


def test_slugs():
    assert slugify("Développeur") == "developpeur"
    assert slugify("Ingénieur qualité / méthodes") == "ingenieur-qualite-methodes"
    assert slugify("Chef d'équipe") == "chef-d-equipe"


def test_new_job_marks_each_required_field_and_validates_once_filled(project, capsys):
    assert main(["new", "job", "Administrateur de bases de données cloud", "--family", "production",
                 "--root", str(project)]) == 0
    out = capsys.readouterr().out
    path = project / "data" / "jobs" / "administrateur-de-bases-de-donnees-cloud.ttl"
    assert f"{path}:" in out
    assert "Administrateur de base de données" in out  # the close existing job type is suggested
    text = path.read_text(encoding="utf-8")
    assert format_text(text, path) == text  # already in the canonical layout
    assert "dcterms:source" in text and "Provenance rule" in text
    placeholders = [n for n, line in enumerate(text.splitlines(), 1) if PLACEHOLDER in line and line[:1] != "#"]
    assert len(placeholders) == 4  # source, English title, definition, main activity
    code, results = _results(project, capsys)
    assert code == 1
    placeholder_lines = {r["line"] for r in results if r["shape"] == "rmsh:Placeholder"}
    assert placeholder_lines == set(placeholders)
    filled = (text.replace(f'"{PLACEHOLDER} : intitulé en anglais"@en', '"Cloud database administrator"@en')
              .replace(f'"{PLACEHOLDER} : description synthétique de la fiche"@fr', '"Il administre des bases."@fr')
              .replace(f'"{PLACEHOLDER} : IRI d’une activité, créée par refmetiers new concept activity"@fr',
                       f"<{ID}activity/A001>")
              .replace(f'"{PLACEHOLDER} : origine du contenu (IRI du document, ou qui et quand)"@fr',
                       '"Fiche rédigée par l\'équipe RH, 2026-12"@fr'))
    path.write_text(filled, encoding="utf-8")
    assert _results(project, capsys) == (0, [])


def test_new_concept_takes_the_next_free_code_and_suggests_close_concepts(project, capsys):
    assert main(["new", "concept", "knowhow", "Sauvegarder une base de données", "--root", str(project)]) == 0
    out = capsys.readouterr().out
    scheme = project / "data" / "schemes" / "knowhow.ttl"
    assert f"<{ID}knowhow/SF002>" in out  # the example holds SF001
    assert "Savoir sauvegarder une base" in out
    text = scheme.read_text(encoding="utf-8")
    assert f"<{ID}knowhow/SF002>" in text and format_text(text, scheme) == text
    assert main(["new", "concept", "knowhow", "Restaurer une base", "--root", str(project)]) == 0
    assert f"<{ID}knowhow/SF003>" in capsys.readouterr().out


def test_new_job_refuses_an_existing_file_and_an_unknown_family(project, capsys):
    assert main(["new", "job", "Pupitreur", "--family", "nowhere", "--root", str(project)]) == 2
    assert "--family 'nowhere'" in capsys.readouterr().err
    assert main(["new", "job", "Pupitreur", "--no-sheet", "--root", str(project)]) == 0
    capsys.readouterr()
    assert main(["new", "job", "Pupitreur", "--no-sheet", "--root", str(project)]) == 2
    assert "exists already" in capsys.readouterr().err


def test_new_job_on_a_job_without_a_sheet_adds_the_sheet_fields(project, capsys):
    assert main(["new", "job", "Pupitreur", "--no-sheet", "--family", "production", "--root", str(project)]) == 0
    path = project / "data" / "jobs" / "pupitreur.ttl"
    assert "rm:hasSheet false" in path.read_text(encoding="utf-8")
    assert main(["new", "job", "Pupitreur", "--root", str(project)]) == 0
    text = path.read_text(encoding="utf-8")
    assert "rm:hasSheet true" in text and "rm:hasSheet false" not in text
    assert text.count(PLACEHOLDER) >= 3


@pytest.mark.parametrize("argv,writes", [(["new", "job", "Développeur mobile"], "data/"),
                                         (["new", "concept", "knowhow", "Coder une application"], "data/"),
                                         (["fmt"], "data/"), (["build"], "dist/"), (["release", "9.9.9"], "releases/")])
def test_a_writing_command_outside_any_project_refuses_and_writes_nothing(tmp_path, monkeypatch, capsys, argv,
                                                                          writes):
    """Outside a checkout the root falls back to the copy the package carries (for `validate FILE` anywhere):
    a command that would write there (into site-packages, or another checkout) refuses, saying why."""
    from refmetiers.config import packaged_root

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REFMETIERS_ROOT", raising=False)
    before = sorted(str(p) for p in (packaged_root() / "data").rglob("*"))
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert str(tmp_path) in error and f"writes {writes}" in error and "passez --root" in error
    assert sorted(str(p) for p in (packaged_root() / "data").rglob("*")) == before
