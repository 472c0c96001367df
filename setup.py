"""Packaging hook: the wheel carries the project's ontology/, shapes/ and data/ (the published
reference's sources), so that an installed `refmetiers validate FILE…` works outside any checkout, and its
releases/ (every release as cut: change sets, dumps), so that `refmetiers serve` outside a checkout publishes
what the checkout does (the same version, the same history).

They are copied into the package as ``refmetiers/bundled/`` at build time; the checkout keeps one copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# each folder, with the endings of the files it carries (None: every file)
BUNDLED: dict[str, tuple[str, ...] | None] = {"ontology": (".ttl",), "shapes": (".ttl",), "data": (".ttl", ".tsv"),
                                              "releases": None}


class BuildPyWithProject(build_py):
    """build_py, plus the project folders copied into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "refmetiers" / "bundled"
        shutil.rmtree(target, ignore_errors=True)
        for name, endings in BUNDLED.items():
            for path in sorted((HERE / name).rglob("*")):
                if path.is_file() and (endings is None or path.name.endswith(endings)):
                    destination = target / path.relative_to(HERE)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination)


setup(cmdclass={"build_py": BuildPyWithProject})
