"""The examples in the code's docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import refmetiers

# ``web.asgi`` builds an app from the environment at import: it is an entry point, not a library module.
SKIPPED = {"refmetiers.web.asgi"}
MODULES = sorted(info.name for info in pkgutil.walk_packages(refmetiers.__path__, "refmetiers.")
                 if info.name not in SKIPPED)
WITH_EXAMPLES = [name for name in MODULES
                 if doctest.DocTestFinder().find(importlib.import_module(name)) and any(
                     test.examples for test in doctest.DocTestFinder().find(importlib.import_module(name)))]


def test_some_modules_have_examples():
    assert {"refmetiers.formats", "refmetiers.query.guard"} <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
