"""The browser tests: Debian's Chromium driven by Playwright for Python, against ``refmetiers serve`` on the real data.

They run from ``make test-browser`` (which installs Chromium and Playwright); ``make test`` does not collect
them. With REFMETIERS_BROWSER=1 a missing browser is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

if os.environ.get("REFMETIERS_BROWSER") != "1":
    collect_ignore_glob = ["test_*.py"]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The launch flags of the brief: no GPU, no QUIC, and none of Chromium's own background calls to other hosts.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """``refmetiers serve`` on a free loopback port, over a build of the repository's own data."""
    from fixtures.web.support import Server
    from refmetiers.build import build
    from refmetiers.config import load_settings

    root = tmp_path_factory.mktemp("browser") / "root"
    for folder in ("ontology", "data", "shapes", "queries"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    build(load_settings(environ={}, root=root, dist_dir=root / "dist"))
    running = Server(root)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM}: no Chromium; `make test-browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Watched:
    """A page, with what went wrong on it: console errors, uncaught exceptions, requests to other hosts."""

    def __init__(self, page, origin: str):
        self.page = page
        self.origin = origin
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.origin + "/") or url == self.origin or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"request to another host: {url}")
            route.abort()

    def goto(self, path: str):
        response = self.page.goto(self.origin + path)
        assert response is not None
        return response


@pytest.fixture
def watched(browser, server, request):
    """A fresh French browser page on the server; the test fails on any problem the page showed."""
    lang = getattr(request, "param", "fr")
    context = browser.new_context(locale=lang, extra_http_headers={"Accept-Language": lang},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watched(page, server.url)
    yield watch
    context.close()
    assert watch.problems == [], watch.problems
