"""The installed validator works wherever a contributor is (issue 10, deliverable 1).

The wheel is built from a copy of this checkout and installed, without dependencies, into a fresh
virtual environment; that environment borrows the dependencies of the test environment through a
``.pth`` line (no network, no second download of rdflib and pyshacl), so what is tested is the wheel's
own content: a file it forgot to carry fails here. `refmetiers validate` and the pre-commit hooks
then run from a separate temporary git repository, outside any refmetiers project.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COPIED = ("src", "ontology", "shapes", "data", "releases", "setup.py", "pyproject.toml", "MANIFEST.in", "README.md")

GOOD = """@prefix rm: <https://w3id.org/refmetiers/def#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .

<https://example.org/jobs/dba-cloud> a rm:JobType ;
    skos:inScheme <https://w3id.org/refmetiers/scheme/jobs> ;
    skos:prefLabel "Administrateur de bases de données cloud"@fr , "Cloud database administrator"@en ;
    skos:editorialNote "Our own job type, next to the reference's."@en ;
    skos:broader <https://w3id.org/refmetiers/id/subfamily/exploitation> ;
    rm:family <https://w3id.org/refmetiers/id/family/production> ;
    rm:hasSheet false ;
    rm:nearbyJob <https://w3id.org/refmetiers/id/job/administrateur-de-base-de-donnees> .
"""
# A nearby "job" that is an activity of the published reference: caught only with that reference.
BAD = GOOD.replace("id/job/administrateur-de-base-de-donnees", "id/activity/A001")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in COPIED:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                   check=True, capture_output=True)
    (found,) = out.glob("refmetiers-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin/ folder."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    python = home / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    str(wheel)], check=True, capture_output=True)
    return home / "bin"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A git repository that is no refmetiers project, with a good and a bad contribution."""
    repo = tmp_path / "elsewhere"
    repo.mkdir()
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    (repo / "good.ttl").write_text(GOOD, encoding="utf-8")
    (repo / "bad.ttl").write_text(BAD, encoding="utf-8")
    return repo


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFMETIERS_")}
    return env | extra


def _run(command: list, cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, env=_env(**extra))


def test_the_wheel_carries_what_validate_needs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "refmetiers/skos-axioms.ttl" in names
    for folder in ("ontology", "shapes", "data", "releases"):
        expected = {f"refmetiers/bundled/{p.relative_to(REPO).as_posix()}" for p in (REPO / folder).rglob("*")
                    if p.is_file() and (folder == "releases" or p.suffix in (".ttl", ".tsv"))}
        assert expected and expected <= names, folder


def test_validate_outside_any_project_uses_the_packaged_reference(venv, outside):
    good = _run([venv / "refmetiers", "validate", "--lang", "en", "good.ttl"], outside)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "conforms: 0 violation(s)" in good.stdout
    bad = _run([venv / "refmetiers", "validate", "--lang", "en", "bad.ttl"], outside)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    line = next(n for n, text in enumerate(BAD.splitlines(), 1) if "rm:nearbyJob" in text)
    assert f"bad.ttl:{line}: error:" in bad.stdout
    assert "rm:nearbyJob targets a resource that is not a job type" in bad.stdout


def test_build_of_the_packaged_reference_works_from_the_wheel(venv, outside):
    """`build` needs the SKOS axioms and the shapes: the installed package has them."""
    done = _run([venv / "refmetiers", "build", "--dist", outside / "out"], outside)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (outside / "out" / "refmetiers.nq").is_file()


def test_build_then_query_outside_any_project_use_the_user_cache(venv, outside, tmp_path):
    cache = tmp_path / "cache"
    built = _run([venv / "refmetiers", "build"], outside, XDG_CACHE_HOME=str(cache))
    assert built.returncode == 0, built.stdout + built.stderr
    assert str(cache / "refmetiers") in built.stdout  # "built 38 files in …/refmetiers/dist-X.Y.Z"
    asked = _run([venv / "refmetiers", "query", "--format", "csv",
                  "SELECT (COUNT(*) AS ?n) WHERE { ?job a <https://w3id.org/refmetiers/def#JobType> }"],
                 outside, XDG_CACHE_HOME=str(cache))
    assert asked.returncode == 0, asked.stderr
    assert int(asked.stdout.splitlines()[1]) >= 41
    assert sorted(p.name for p in outside.iterdir()) == [".git", "bad.ttl", "good.ttl"]  # nothing written here


def test_serve_outside_any_project_publishes_the_packaged_reference_as_released(venv, outside, tmp_path):
    """The wheel's reference is built into the user's cache (not into site-packages) and served as the last
    release: same data version, same change history as a checkout's."""
    import socket

    import httpx

    from refmetiers.catalogue import latest

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = tmp_path / "cache"
    server = subprocess.Popen([str(venv / "refmetiers"), "serve", "--port", str(port)], cwd=outside,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(XDG_CACHE_HOME=str(cache)))
    try:
        state = None
        for _ in range(600):  # a build, then the start: polled every 0.2 s
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()
                if state.get("ready"):
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            time.sleep(0.2)
        assert state is not None and state["ready"], state
        release = latest(REPO / "releases")
        assert state["data_version"] == release
        changes = httpx.get(f"http://127.0.0.1:{port}/releases/", headers={"Accept": "application/json"}, timeout=10)
        assert changes.status_code == 200 and release in changes.text
    finally:
        server.terminate()
        server.wait(30)
    where = "import os, refmetiers; print(os.path.dirname(refmetiers.__file__))"
    found = subprocess.run([venv / "python", "-c", where], capture_output=True, text=True, check=True)
    site = Path(found.stdout.strip())
    assert not (site / "bundled" / "dist").exists()  # nothing written into the installed package
    (built,) = (cache / "refmetiers").glob("dist-*")
    assert (built / "refmetiers.nq").is_file()


def _hook_config(venv: Path) -> str:
    """The hooks of .pre-commit-hooks.yaml as a local repository's hooks running the installed wheel.

    pre-commit would install a `language: python` hook from the project's repository with pip (and the
    network); here the same hook definitions (id, entry, files, serial) run the wheel just installed.
    """
    hooks = []
    for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")):
        assert hook["entry"].startswith("refmetiers ")
        hooks.append(hook | {"language": "system", "entry": str(venv / hook["entry"])})
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, allow_unicode=True)


def test_the_pre_commit_hook_from_another_repository(venv, outside, tmp_path):
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert pre_commit, "pre-commit is a test dependency (pyproject.toml [test])"
    (outside / ".pre-commit-config.yaml").write_text(_hook_config(venv), encoding="utf-8")
    subprocess.run(["git", "add", "."], cwd=outside, check=True)
    cache = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    good = _run([pre_commit, "run", "refmetiers-validate", "--files", "good.ttl"], outside, **cache)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    bad = _run([pre_commit, "run", "refmetiers-validate", "--files", "bad.ttl"], outside, **cache)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout and "bad.ttl:" in bad.stdout and "rmsh:NearbyJobTarget" in bad.stdout
