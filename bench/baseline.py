"""The previous code path as a peer: another revision's ``src/``, exported from git and compiled to bytecode, run by
this interpreter (``PYTHONPATH`` puts its package first; the installed package stays this checkout's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def compile_bytecode(package: Path) -> None:
    """Write ``package``'s bytecode, as pip does when it installs a wheel: every system starts from compiled
    modules (with PYTHONDONTWRITEBYTECODE set, or from a fresh export, each start would compile every module)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, stdout=subprocess.DEVNULL)


def export_baseline(revision: str, into: Path) -> Path:
    """The ``src/`` of ``revision``, exported from git into ``into`` and compiled; returns that ``src``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision, "src"],
                             capture_output=True, check=True).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    compile_bytecode(into / "src" / "refmetiers")
    return into / "src"
