"""Shared fixtures: a tiny reference root assembled from the repository's ontology and shapes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_root(tmp: Path, data: Path, with_shapes: bool = True) -> Path:
    """A repository-shaped folder: the real ontology (and shapes), and the given data folder."""
    root = tmp / "root"
    shutil.copytree(REPO / "ontology", root / "ontology")
    if with_shapes and (REPO / "shapes").is_dir():
        shutil.copytree(REPO / "shapes", root / "shapes")
    else:
        (root / "shapes").mkdir()
    shutil.copytree(data, root / "data")
    return root


@pytest.fixture
def fixture_root(tmp_path: Path) -> Path:
    """The build fixture (tests/fixtures/build) as a repository root, without shapes."""
    return make_root(tmp_path, FIXTURES / "build" / "data", with_shapes=False)
