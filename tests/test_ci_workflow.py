"""The GitHub workflow shows the validation annotations even when another step fails."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows" / "ci.yml"


def test_every_check_runs_whatever_the_other_checks_did():
    steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["test"]["steps"]
    runs = [step for step in steps if "run" in step]
    setup = next(step for step in runs if step.get("id") == "setup")
    assert "make test" not in setup["run"]  # setting up is not testing: a red test must not skip the checks
    checks = runs[runs.index(setup) + 1:]
    assert any("validate --format github" in step["run"] for step in checks)
    assert any("make test" in step["run"] for step in checks)
    for step in checks:
        condition = step.get("if", "")
        assert "!cancelled()" in condition or "always()" in condition, step["name"]
        assert "steps.setup.outcome == 'success'" in condition, step["name"]
