"""Our mapping sets as the SSSOM reference implementation reads them (sssom-py 0.4.21, issue 12).

sssom-py lives in its own venv (`make test-servers` installs it in .venv-sssom): its dependency tree must not
change the project's. Without it these tests skip, and fail under REFMETIERS_REQUIRE_SERVERS=1 (CI).
`sssom validate` exits 0 even when it drops a malformed record, so the tests also read what it prints and
count the records sssom-py keeps.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO
from refmetiers.sssom import read_mapping_set

# The curated sets, and the curators' review logs of rejected suggestions (curation/, never published).
SETS = sorted((REPO / "data" / "mappings").glob("*.sssom.tsv")) + sorted((REPO / "curation").glob("*.sssom.tsv"))

# One process for everything (sssom-py takes seconds to import): the `sssom validate` and `sssom parse` commands
# run in-process through click, then the parsed sets are described for the assertions below.
PROBE = """
import io, json, logging, sys, tempfile, pathlib
from click.testing import CliRunner
from sssom.cli import main
from sssom.parsers import parse_sssom_table
runner = CliRunner()
out = {}
log = io.StringIO()
logging.getLogger().addHandler(logging.StreamHandler(log))  # sssom-py reports dropped records by logging
for path in sys.argv[1:]:
    log.seek(0); log.truncate()
    validated = runner.invoke(main, ["validate", path])
    validate_log = log.getvalue()
    written = pathlib.Path(tempfile.mkdtemp()) / "parsed.sssom.tsv"
    parsed = runner.invoke(main, ["parse", "-I", "tsv", path, "-o", str(written)])
    text = written.read_text(encoding="utf-8") if written.exists() else ""
    msdf = parse_sssom_table(path)
    df = msdf.df
    out[path] = {
        "validate": [validated.exit_code, validated.output + validate_log + repr(validated.exception or "")],
        "parse": [parsed.exit_code, parsed.output + repr(parsed.exception or "")],
        "parsed_rows": len([line for line in text.splitlines() if line and not line.startswith("#")]) - 1,
        "parsed_version": "sssom_version: '1.1'" in text or "sssom_version: 1.1" in text,
        "rows": len(df), "columns": sorted(df.columns),
        "sssom_version": str(msdf.metadata.get("sssom_version")),
        "compatible": str(msdf.get_compatible_version()),
        "negated": int((df["predicate_modifier"] == "Not").sum()) if "predicate_modifier" in df else 0,
        "object_sources": sorted({str(v) for v in df["object_source"]}) if "object_source" in df else [],
        "subject_sources": sorted({str(v) for v in df["subject_source"]}) if "subject_source" in df else [],
    }
print(json.dumps(out))
"""
BAD = FIXTURES / "mappings" / "invalid" / "bad_curie.sssom.tsv"


@pytest.fixture(scope="module")
def sssom_bin() -> Path:
    folder = Path(os.environ.get("REFMETIERS_SSSOM_VENV", REPO / ".venv-sssom")) / "bin"
    if (folder / "sssom").is_file():
        return folder
    message = f"sssom-py is not installed in {folder.parent}: run `make test-servers`"
    if os.environ.get("REFMETIERS_REQUIRE_SERVERS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def probed(sssom_bin) -> dict[str, dict]:
    done = subprocess.run([str(sssom_bin / "python"), "-c", PROBE, *map(str, SETS), str(BAD)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_sssom_validate_passes_and_drops_nothing(probed, path):
    code, output = probed[str(path)]["validate"]
    assert code == 0, output
    assert "not well-formed" not in output


def test_sssom_validate_output_names_a_malformed_record_so_the_check_above_can_fail(probed):
    assert "not well-formed" in probed[str(BAD)]["validate"][1]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_sssom_parse_writes_every_record_back_as_sssom_1_1(probed, path):
    seen = probed[str(path)]
    assert seen["parse"][0] == 0, seen["parse"][1]
    assert seen["parsed_rows"] == len(read_mapping_set(path).mappings)
    assert seen["parsed_version"]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_sets_declare_sssom_1_1_and_keep_every_record(probed, path):
    seen = probed[str(path)]
    ours = read_mapping_set(path).mappings
    assert seen["rows"] == len(ours)
    assert seen["sssom_version"] == seen["compatible"] == "1.1"
    assert "record_id" in seen["columns"]
    assert seen["negated"] == sum(m.negated for m in ours)


def test_each_record_names_a_single_kind_of_source(probed):
    by_name = {Path(path).name: seen for path, seen in probed.items()}
    assert by_name["esco-occupations.sssom.tsv"]["object_sources"] == [
        "http://data.europa.eu/esco/concept-scheme/occupations"]
    assert by_name["pcs.sssom.tsv"]["object_sources"] == ["rmscheme:pcs2003", "rmscheme:pcs2020"]
    assert by_name["rome.sssom.tsv"]["subject_sources"] == ["rmscheme:jobs", "rmscheme:rome-v2"]
    for path in SETS:
        mapping_set = read_mapping_set(path)
        for m in mapping_set.mappings:
            if m.object_id.startswith("rmpcs2003:"):
                assert m.object_source == "rmscheme:pcs2003", m.line
            if m.subject_id.startswith("rmromev2:"):
                assert m.subject_source == "rmscheme:rome-v2", m.line


def test_lexical_suggestions_name_their_tool_score_and_reviewer(probed):
    seen = probed[str(REPO / "data" / "mappings" / "esco-skills.sssom.tsv")]
    assert {"similarity_score", "similarity_measure", "mapping_tool", "reviewer_id"} <= set(seen["columns"])
    assert "confidence" not in seen["columns"]
