"""CI agrees with validate: a correct new sheet, as a contributor writes it, passes both `refmetiers
validate` and the transcription tests (which pin the 41 source job types and 16 sheets only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from refmetiers.build import check_sources
from refmetiers.config import load_settings
from refmetiers.rendering import render

REPO = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/refmetiers/id/"
NEW_SHEET = f"""# A sheet written for our own needs, not taken from the source document.
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rm: <https://w3id.org/refmetiers/def#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

<{ID}job/ingenieur-fiabilite>
    a rm:JobType ;
    dcterms:source "Fiche rédigée par le groupe de travail RH, décembre 2026"@fr ;
    skos:broader <{ID}subfamily/exploitation> ;
    skos:definition "Il garantit la disponibilité des services en production et automatise leur exploitation."@fr ;
    skos:inScheme <https://w3id.org/refmetiers/scheme/jobs> ;
    skos:prefLabel
        "Reliability engineer"@en ,
        "Ingénieur fiabilité"@fr ;
    rm:family <{ID}family/production> ;
    rm:subFamily <{ID}subfamily/exploitation> ;
    rm:hasSheet true ;
    rm:mainActivity <{ID}activity/A001> ;
    rm:nearbyJob <{ID}job/administrateur-de-base-de-donnees> ;
.
"""


def test_a_correct_new_sheet_passes_validate_and_the_transcription_tests(tmp_path):
    root = tmp_path / "repo"
    for name in ("ontology", "shapes", "data"):
        shutil.copytree(REPO / name, root / name)
    (root / "data" / "jobs" / "ingenieur-fiabilite.ttl").write_text(NEW_SHEET, encoding="utf-8")
    report = check_sources(load_settings(root=root, dist_dir=tmp_path / "no-build"))
    assert report.violations == 0, render(report, "text", "en")
    assert not [r for r in report.results if "ingenieur-fiabilite" in str(r.location)]
    env = os.environ | {"REFMETIERS_TRANSCRIPTION_DATA": str(root / "data")}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(REPO / "tests" / "test_transcription.py")], cwd=REPO, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
