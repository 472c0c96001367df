"""`refmetiers validate` and the build's refusal to publish: exit codes, file:line, messages in
French and English, the four output formats; the repository's data conforms."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import make_root
from refmetiers.build import check_files, check_sources
from refmetiers.cli import main
from refmetiers.config import load_settings
from refmetiers.rendering import render

REPO = Path(__file__).resolve().parents[1]
VALID = REPO / "tests" / "valid" / "example.ttl"
INVALID = REPO / "tests" / "invalid"
RM = "https://w3id.org/refmetiers/"

# An outside contribution: a new job type that links to concepts of the published graph.
CONTRIBUTION = """@prefix rm: <https://w3id.org/refmetiers/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<https://example.org/jobs/dba-cloud> a rm:JobType ;
    skos:inScheme <https://w3id.org/refmetiers/scheme/jobs> ;
    skos:prefLabel "Administrateur de bases de données cloud"@fr{english} ;
    skos:editorialNote "Our own job type, next to the reference's."@en ;
    skos:broader <https://w3id.org/refmetiers/id/subfamily/exploitation> ;
    rm:family <https://w3id.org/refmetiers/id/family/production> ;
    rm:hasSheet false ;
    rm:nearbyJob <{nearby}> .
"""
GOOD = dict(english=' , "Cloud database administrator"@en',
            nearby=RM + "id/job/administrateur-de-base-de-donnees")
BROKEN = dict(english="", nearby=RM + "id/activity/A001")  # no English label; a nearby "job" that is an activity


@pytest.fixture
def small_root(tmp_path: Path) -> Path:
    """A repository whose data is the valid example: quick to validate against."""
    data = tmp_path / "data"
    (data / "jobs").mkdir(parents=True)
    shutil.copy(VALID, data / "example.ttl")
    return make_root(tmp_path, data)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_repository_data_conforms():
    """The whole of data/ (asserted plus entailments) has no violation."""
    report = check_sources(load_settings(root=REPO))
    assert report.violations == 0, render(report, "text", "en")
    assert report.conforms


def test_a_contribution_to_the_real_reference_validates_and_a_broken_one_fails(tmp_path):
    """Checked together with the repository's graph (no build in --dist: the sources are used)."""
    settings = load_settings(root=REPO, dist_dir=tmp_path / "no-build")
    good = _write(tmp_path, "good.ttl", CONTRIBUTION.format(**GOOD))
    report = check_files(settings, [good])
    assert report.conforms, render(report, "text", "en")
    assert [r.shape_name for r in report.results] == []
    broken = _write(tmp_path, "broken.ttl", CONTRIBUTION.format(**BROKEN))
    report = check_files(settings, [broken])
    assert not report.conforms
    assert sorted(r.shape_name for r in report.results) == ["rmsh:NearbyJobTarget", "rmsh:PrefLabelEnglish"]


def test_validate_files_exit_0_when_the_contribution_conforms(small_root, tmp_path, capsys):
    good = _write(tmp_path, "good.ttl", CONTRIBUTION.format(**GOOD))
    assert main(["validate", "--root", str(small_root), str(good)]) == 0
    assert "conforme : 0 erreur(s), 0 avertissement(s)" in capsys.readouterr().out


def test_validate_files_reports_file_line_label_message_and_fix_in_french(small_root, tmp_path, capsys):
    broken = _write(tmp_path, "broken.ttl", CONTRIBUTION.format(**BROKEN))
    assert main(["validate", "--root", str(small_root), str(broken)]) == 1
    out = capsys.readouterr().out
    nearby = _line_of(broken, "rm:nearbyJob")
    label = _line_of(broken, "skos:prefLabel")
    assert (f"broken.ttl:{nearby}: erreur: Administrateur de bases de données cloud "
            "<https://example.org/jobs/dba-cloud>") in out
    assert "rm:nearbyJob vise une ressource qui n'est pas un emploi-type (rm:JobType)." in out
    assert "→ à faire : Visez l'IRI d'un emploi-type" in out
    assert f"broken.ttl:{label}: erreur:" in out
    assert "n'a pas de libellé préféré en anglais." in out
    assert "non conforme : 2 erreur(s), 0 avertissement(s)" in out


def test_validate_files_in_english(small_root, tmp_path, capsys):
    broken = _write(tmp_path, "broken.ttl", CONTRIBUTION.format(**BROKEN))
    assert main(["validate", "--lang", "en", "--root", str(small_root), str(broken)]) == 1
    out = capsys.readouterr().out
    assert "rm:nearbyJob targets a resource that is not a job type (rm:JobType)." in out
    assert "This family, sub-family or job type has no English preferred label." in out
    assert "→ fix: Add skos:prefLabel" in out
    assert "does not conform: 2 violation(s), 0 warning(s)" in out


def test_warnings_are_printed_but_pass(small_root, tmp_path, capsys):
    undocumented = CONTRIBUTION.format(**GOOD).replace(
        '    skos:editorialNote "Our own job type, next to the reference\'s."@en ;\n', "")
    path = _write(tmp_path, "undocumented.ttl", undocumented)
    assert main(["validate", "--lang", "en", "--root", str(small_root), str(path)]) == 0
    out = capsys.readouterr().out
    assert f"undocumented.ttl:{_line_of(path, 'a rm:JobType')}: warning:" in out
    assert "[rmsh:UndocumentedConcept]" in out


def test_json_format(small_root, tmp_path, capsys):
    broken = _write(tmp_path, "broken.ttl", CONTRIBUTION.format(**BROKEN))
    assert main(["validate", "--format", "json", "--lang", "en", "--root", str(small_root), str(broken)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["conforms"] is False and document["violations"] == 2
    nearby = next(r for r in document["results"] if r["shape"] == "rmsh:NearbyJobTarget")
    assert nearby["line"] == _line_of(broken, "rm:nearbyJob")
    assert nearby["file"].endswith("broken.ttl")
    assert nearby["value"] == RM + "id/activity/A001"
    assert nearby["message"] == nearby["messages"]["en"]
    assert nearby["messages"]["fr"].startswith("rm:nearbyJob vise")


def test_junit_format(small_root, tmp_path, capsys):
    broken = _write(tmp_path, "broken.ttl", CONTRIBUTION.format(**BROKEN))
    assert main(["validate", "--format", "junit", "--root", str(small_root), str(broken)]) == 1
    suites = ElementTree.fromstring(capsys.readouterr().out)
    suite = suites.find("testsuite")
    assert suite.get("failures") == "2" and suite.get("tests") == "2"
    failures = {case.find("failure").get("type"): case.get("classname") for case in suite.iter("testcase")}
    assert failures["rmsh:NearbyJobTarget"].endswith(f"broken.ttl:{_line_of(broken, 'rm:nearbyJob')}")


def test_github_format(small_root, tmp_path, capsys):
    broken = _write(tmp_path, "broken.ttl", CONTRIBUTION.format(**BROKEN))
    assert main(["validate", "--format", "github", "--lang", "en", "--root", str(small_root), str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    nearby = _line_of(broken, "rm:nearbyJob")
    annotation = next(line for line in lines if "NearbyJobTarget" in line)
    assert annotation.startswith("::error file=")
    assert f"broken.ttl,line={nearby},title=rmsh%3ANearbyJobTarget::" in annotation
    assert "rm:nearbyJob targets a resource that is not a job type" in annotation


def test_turtle_syntax_error_exits_2_with_file_line_column(small_root, tmp_path, capsys):
    bad = _write(tmp_path, "bad.ttl", '@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n'
                                      '<https://example.org/x> skos:prefLabel "x"@fr ;\n    skos:altLabel .\n')
    assert main(["validate", "--root", str(small_root), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "bad.ttl:4:" in captured.out and "Erreur de syntaxe Turtle" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_missing_file_exits_2(small_root, tmp_path, capsys):
    assert main(["validate", "--lang", "en", "--root", str(small_root), str(tmp_path / "nowhere.ttl")]) == 2
    out = capsys.readouterr().out
    assert "nowhere.ttl" in out and "Cannot read the file" in out


def test_unknown_format_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "xml"])
    assert exc.value.code == 2
    assert "--format" in capsys.readouterr().err


def test_validate_repository_mode_reports_the_file_and_line(tmp_path, capsys):
    """Without FILE arguments the repository's own data is checked, each result with its file:line."""
    data = tmp_path / "data"
    (data / "jobs").mkdir(parents=True)
    fixture = INVALID / "reference" / "05_nearby-job-not-a-job.ttl"
    shutil.copy(fixture, data / "example.ttl")
    root = make_root(tmp_path, data)
    assert main(["validate", "--lang", "en", "--root", str(root)]) == 1
    out = capsys.readouterr().out
    line = next(n for n, text in enumerate(fixture.read_text(encoding="utf-8").splitlines(), 1)
                if text.rstrip().endswith("# defect"))
    assert f"data/example.ttl:{line}: error: Database administrator" in out
    assert "[rmsh:NearbyJobTarget]" in out


def test_build_refuses_to_publish_a_violation_and_keeps_the_previous_dist(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "jobs").mkdir(parents=True)
    shutil.copy(INVALID / "labels" / "02_job-without-english-pref-label.ttl", data / "example.ttl")
    root = make_root(tmp_path, data)
    dist = root / "dist"
    dist.mkdir()
    (dist / "previous.txt").write_text("the last good build\n", encoding="utf-8")
    assert main(["build", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "Cette famille, sous-famille ou cet emploi-type n'a pas de libellé préféré en anglais." in err
    assert "[rmsh:PrefLabelEnglish]" in err
    assert "refmetiers: error / erreur: " in err  # the CLI's own words in both languages too
    fixture = INVALID / "labels" / "02_job-without-english-pref-label.ttl"
    line = next(n for n, text in enumerate(fixture.read_text(encoding="utf-8").splitlines(), 1)
                if text.rstrip().endswith("# defect"))
    assert f"data/example.ttl:{line}: " in err  # the refusal names the file and line, as validate does
    assert sorted(p.name for p in dist.iterdir()) == ["previous.txt"]


def test_build_publishes_data_with_warnings_only(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "jobs").mkdir(parents=True)
    shutil.copy(INVALID / "quality" / "04_undocumented-job.ttl", data / "example.ttl")
    root = make_root(tmp_path, data)
    assert main(["build", "--root", str(root)]) == 0
    assert "1 SHACL warning(s)" in capsys.readouterr().out
    assert (root / "dist" / "refmetiers.ttl").is_file()


def test_a_wrong_link_in_a_mapping_set_is_reported_at_its_tsv_line(tmp_path):
    """A job type linked to an ESCO skill in data/mappings/: the result names the SSSOM row."""
    root = make_root(tmp_path, REPO / "data")
    tsv = root / "data" / "mappings" / "esco-occupations.sssom.tsv"
    lines = tsv.read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(n for n, line in enumerate(lines) if line.startswith("rmmap:") and "\tskos:exactMatch\tescoocc:" in line)
    occupation = lines[row].split("\t")[4]
    skill = "http://data.europa.eu/esco/skill/00c04e40-35ea-4ed1-824c-82f936c8f876"
    lines[row] = lines[row].replace(f"\t{occupation}\t", f"\t{skill}\t")
    tsv.write_text("".join(lines), encoding="utf-8")
    report = check_sources(load_settings(root=root))
    wrong = [r for r in report.results if r.severity == "violation"]
    assert [r.shape_name for r in wrong] == ["rmsh:EscoLinkFromJob"]
    assert str(wrong[0].value) == skill
    assert (wrong[0].location.path.name, wrong[0].location.line) == (tsv.name, row + 1)


def test_an_edited_data_file_is_checked_against_the_sources_not_the_last_build(tmp_path, capsys):
    """`refmetiers validate data/jobs/x.ttl` after an edit: the build still holds the old labels,
    which must not clash with the new ones (S14); only the edited file's results are shown."""
    data = tmp_path / "data"
    (data / "jobs").mkdir(parents=True)
    edited = data / "example.ttl"
    shutil.copy(VALID, edited)
    root = make_root(tmp_path, data)
    assert main(["build", "--root", str(root)]) == 0
    job = root / "data" / "example.ttl"
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace('"Technicien réseaux"@fr , "Network technician"@en ;', '"Technicien réseau"@fr ;'),
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "--lang", "en", "--root", str(root), str(job)]) == 1
    out = capsys.readouterr().out
    assert "[rmsh:PrefLabelEnglish]" in out
    assert f"example.ttl:{_line_of(job, 'Technicien réseau')}: error: Technicien réseau" in out
    assert "S14" not in out


def test_validate_without_shapes_is_a_configuration_error_not_a_pass(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "jobs").mkdir(parents=True)
    shutil.copy(INVALID / "labels" / "01_no-french-pref-label.ttl", data / "example.ttl")
    root = make_root(tmp_path, data, with_shapes=False)
    assert main(["validate", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert "no SHACL shapes" in err and "--root" in err


def _two_projects(tmp_path: Path) -> tuple[Path, Path]:
    """Two project roots, each with one job type that fails in its own way (to tell which one ran)."""
    roots = []
    for name, defect in (("one", ('"Database administrator"@en', '"Database administrator "@en')),
                         ("two", ('"Network technician"@en', '" Network technician"@en'))):
        data = tmp_path / name / "data"
        (data / "jobs").mkdir(parents=True)
        text = VALID.read_text(encoding="utf-8")
        assert defect[0] in text
        (data / f"{name}.ttl").write_text(text.replace(defect[0], defect[1], 1), encoding="utf-8")
        roots.append(make_root(tmp_path / name, data))
    return roots[0], roots[1]


def test_the_project_root_is_found_from_the_current_folder_like_git(tmp_path, capsys, monkeypatch):
    one, two = _two_projects(tmp_path)
    monkeypatch.delenv("REFMETIERS_ROOT", raising=False)
    monkeypatch.chdir(one / "data" / "jobs")
    main(["validate", "--format", "json"])
    files = {r["file"] for r in json.loads(capsys.readouterr().out)["results"]}
    assert files == {str(one / "data" / "one.ttl")}
    # REFMETIERS_ROOT wins over the current folder, and --root over REFMETIERS_ROOT
    monkeypatch.setenv("REFMETIERS_ROOT", str(two))
    main(["validate", "--format", "json"])
    assert {Path(r["file"]).name for r in json.loads(capsys.readouterr().out)["results"]} == {"two.ttl"}
    main(["validate", "--format", "json", "--root", str(one)])
    assert {Path(r["file"]).name for r in json.loads(capsys.readouterr().out)["results"]} == {"one.ttl"}


# A file that cannot be read: (name, bytes, line, column, the French and the English message's core).
_EXAMPLE = VALID.read_text(encoding="utf-8")
_SPACE_LINE = next(n for n, line in enumerate(_EXAMPLE.splitlines(), 1) if "id/job/" in line and line.startswith("<"))
_ACCENT_LINE, _ACCENT_COLUMN = next((n, line.index("é") + 1) for n, line in enumerate(_EXAMPLE.splitlines(), 1)
                                    if "é" in line)
UNREADABLE = [
    ("space", _EXAMPLE.replace("<https://w3id.org/refmetiers/id/job/", "<https://w3id.org/refmetiers/id/job/x ", 1)
     .encode("utf-8"), _SPACE_LINE, None, "Une IRI contient un caractère interdit", "An IRI contains a character"),
    ("latin1", _EXAMPLE.encode("latin-1"), _ACCENT_LINE, _ACCENT_COLUMN, "n'est pas en UTF-8 : l'octet 0xE9",
     "is not in UTF-8: byte 0xE9"),
    ("bom", b"\xef\xbb\xbf" + _EXAMPLE.encode("utf-8"), 1, 1, "marque d'ordre des octets UTF-8 (BOM)",
     "UTF-8 byte-order mark (BOM)"),
    ("syntax", _EXAMPLE.replace(" ;\n", "\n", 1).encode("utf-8"), None, None, "Erreur de syntaxe Turtle",
     "Turtle syntax error"),
]


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
@pytest.mark.parametrize("name,data,line,column,french,english", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_an_unreadable_file_is_a_parse_error_in_every_format_and_language(
        small_root, tmp_path, capsys, monkeypatch, fmt, name, data, line, column, french, english):
    monkeypatch.chdir(tmp_path)
    (tmp_path / f"{name}.ttl").write_bytes(data)
    for lang, core in (("fr", french), ("en", english)):
        assert main(["validate", "--format", fmt, "--lang", lang, "--root", str(small_root), f"{name}.ttl"]) == 2
        out = capsys.readouterr().out
        assert "Traceback" not in out and "internal error" not in out
        if fmt == "json":
            (result,) = json.loads(out)["results"]
            assert (result["file"], result["kind"], result["severity"]) == (f"{name}.ttl", "parse", "error")
            assert core in result["message"] and result["fix"]
            assert set(result["messages"]) == set(result["fixes"]) == {"fr", "en"}
            assert line is None or (result["line"], result["column"]) == (line, column or 1) or \
                result["line"] == line
            assert result["line"] is not None and result["column"] is not None
        elif fmt == "junit":
            (error,) = ElementTree.fromstring(out).iter("error")
            assert core in error.get("message") and f"{name}.ttl:" in error.text
        elif fmt == "github":
            annotation = out.splitlines()[0]
            assert annotation.startswith(f"::error file={name}.ttl,line=")
            assert ",col=" in annotation and core in annotation
            if line is not None:
                assert f"line={line}," in annotation
        else:
            assert f"{name}.ttl:{line if line is not None else ''}" in out and core in out
            assert ("→ à faire :" if lang == "fr" else "→ fix:") in out
        if column is not None and fmt == "text":
            assert f"{name}.ttl:{line}:{column}:" in out


# Fixtures whose shape reads beyond the focus node's own statements: its neighbours' types and labels,
# statements pointing at it, concepts sharing its labels, the entailments.
NEIGHBOURHOOD = ["reference/05_nearby-job-not-a-job", "reference/02_job-without-family", "quality/02_unused-knowhow",
                 "quality/07_overlapping-labels", "skos-integrity/05_s27-related-to-an-ancestor",
                 "quality/06_broader-cycle", "links/03_link-target-unknown", "reference/13_education-level-as-text",
                 "reference/14_undefined-own-iri", "labels/02_job-without-english-pref-label"]


@pytest.mark.parametrize("name", NEIGHBOURHOOD)
def test_checking_one_file_finds_what_checking_the_whole_finds(tmp_path, name):
    """`validate FILE` reads only the part of the graph around the file's nodes: the same results."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(INVALID / f"{name}.ttl", data / "example.ttl")
    settings = load_settings(root=make_root(tmp_path, data), dist_dir=tmp_path / "no-build")
    whole = check_sources(settings)
    one = check_files(settings, [settings.root / "data" / "example.ttl"])
    as_set = lambda report: sorted((r.shape_name, str(r.focus), str(r.value), r.location.line)  # noqa: E731
                                   for r in report.results)
    assert as_set(one) == as_set(whole) and whole.results


def test_a_broken_mapping_set_is_a_parse_error_in_french_and_english(tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    (data / "mappings").mkdir(parents=True)
    shutil.copy(VALID, data / "example.ttl")
    broken = REPO / "tests" / "fixtures" / "mappings" / "invalid" / "bad_curie.sssom.tsv"
    shutil.copy(broken, data / "mappings" / "bad.sssom.tsv")
    root = make_root(tmp_path, data)
    monkeypatch.chdir(root)
    assert main(["validate", "--format", "json", "data/mappings/bad.sssom.tsv"]) == 2
    (result,) = json.loads(capsys.readouterr().out)["results"]
    assert result["file"] == "data/mappings/bad.sssom.tsv" and result["line"]
    assert result["messages"]["fr"].startswith("Jeu de correspondances SSSOM invalide")
    assert result["messages"]["en"].startswith("Invalid SSSOM mapping set")
    assert set(result["fixes"]) == {"fr", "en"}
