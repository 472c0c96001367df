"""`refmetiers fmt`: one canonical, deterministic, lossless Turtle layout; data/ is kept in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from refmetiers.cli import main
from refmetiers.config import load_settings
from refmetiers.errors import SourceError
from refmetiers.formatting import default_files, format_files, format_text

REPO = Path(__file__).resolve().parents[1]
DATA_FILES = default_files(load_settings(root=REPO))

MESSY = """# A header comment, kept.

@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rm: <https://w3id.org/refmetiers/def#> .
@prefix unused: <https://example.org/unused#> .
<https://w3id.org/refmetiers/id/job/b> skos:prefLabel "B"@fr, "B en"@en ; a rm:JobType .
<https://w3id.org/refmetiers/id/job/a> a rm:JobType ; rm:nearbyJob <https://w3id.org/refmetiers/id/job/b>, <https://w3id.org/refmetiers/id/job/c> ; skos:prefLabel "A"@fr .
"""  # noqa: E501 (a messy file is the point)


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_data_is_in_the_canonical_layout():
    outcome = format_files(load_settings(root=REPO), check=True)
    assert outcome.checked == len(DATA_FILES) > 0
    assert [str(p.relative_to(REPO)) for p in outcome.changed] == [], "run `refmetiers fmt`"


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: str(p.relative_to(REPO / "data")))
def test_fmt_keeps_every_triple_and_is_idempotent(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text, path)
    assert isomorphic(_graph(once), _graph(text))
    assert format_text(once, path) == once


def test_layout_sorted_one_object_per_line_used_prefixes_header_kept():
    out = format_text(MESSY)
    lines = out.splitlines()
    assert lines[0] == "# A header comment, kept."
    assert [line for line in lines if line.startswith("PREFIX")] == [
        "PREFIX rm: <https://w3id.org/refmetiers/def#>", "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>"]
    assert out.index("<https://w3id.org/refmetiers/id/job/a>") < out.index("<https://w3id.org/refmetiers/id/job/b>")
    block_a = out[out.index("<https://w3id.org/refmetiers/id/job/a>"):out.index("<https://w3id.org/refmetiers/id/job/b>")]
    assert block_a.index("a rm:JobType") < block_a.index("skos:prefLabel") < block_a.index("rm:nearbyJob")
    assert "        <https://w3id.org/refmetiers/id/job/b> ,\n        <https://w3id.org/refmetiers/id/job/c> ;" in out
    assert isomorphic(_graph(out), _graph(MESSY))


def test_output_does_not_depend_on_the_hash_seed(tmp_path):
    source = REPO / "data" / "schemes" / "jobs.ttl"
    outputs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                              "from refmetiers.formatting import format_text; "
                              "p = Path(sys.argv[1]); sys.stdout.write(format_text(p.read_text(encoding='utf-8'), p))",
                              str(source)], env=env, capture_output=True, text=True, check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_check_lists_the_files_that_differ_and_changes_nothing(tmp_path, capsys):
    messy = tmp_path / "messy.ttl"
    messy.write_text(MESSY, encoding="utf-8")
    assert main(["fmt", "--check", str(messy)]) == 1
    out = capsys.readouterr().out
    assert f"would reformat {messy} / à remettre en forme" in out and "hors de la mise en forme canonique" in out
    assert messy.read_text(encoding="utf-8") == MESSY
    assert main(["fmt", str(messy)]) == 0
    assert f"reformatted {messy} / remis en forme" in capsys.readouterr().out
    assert main(["fmt", "--check", str(messy)]) == 0
    assert messy.read_text(encoding="utf-8") == format_text(MESSY)


def test_a_comment_inside_the_data_is_refused_with_its_line(tmp_path, capsys):
    path = tmp_path / "commented.ttl"
    path.write_text(MESSY.replace('; a rm:JobType .', '; # why B\n    a rm:JobType .'), encoding="utf-8")
    assert main(["fmt", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6:" in err and "skos:editorialNote" in err
    assert "Traceback" not in err


def test_a_blank_node_is_refused_with_its_line(tmp_path, capsys):
    path = tmp_path / "blank.ttl"
    blank_node = 'skos:prefLabel "A"@fr ;\n    rm:behaviouralRequirement [ rm:level 2 ]'
    path.write_text(MESSY.replace('skos:prefLabel "A"@fr', blank_node), encoding="utf-8")
    assert main(["fmt", "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:8:" in err and "blank node" in err


def test_a_syntax_error_exits_2_and_no_file_is_written(tmp_path, capsys):
    good = tmp_path / "a.ttl"
    good.write_text(MESSY, encoding="utf-8")
    bad = tmp_path / "b.ttl"
    bad.write_text("<urn:x> <urn:y> .\n", encoding="utf-8")
    assert main(["fmt", str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and "Turtle syntax error" in err
    assert good.read_text(encoding="utf-8") == MESSY


def test_a_hash_inside_a_string_or_an_iri_is_not_a_comment():
    text = ('@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
            '<https://w3id.org/refmetiers/id/job/a#part> skos:note "C# and F#"@en .\n')
    assert "C# and F#" in format_text(text)


def test_format_text_raises_source_error_on_bad_input():
    with pytest.raises(SourceError) as exc:
        format_text("<urn:x> <urn:y> .\n", "x.ttl")
    assert exc.value.line == 1
