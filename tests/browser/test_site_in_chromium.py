"""The site in a real browser: what people do on it, with no console error, no broken local link, no other host."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

HERE = Path(__file__).resolve().parent
AXE = HERE / "vendor" / "axe.min.js"
REPORTS = Path(os.environ.get("REFMETIERS_BROWSER_REPORTS", HERE.parents[1] / "build" / "browser"))
DBA = "/id/job/administrateur-de-base-de-donnees"
SYS = "/id/job/ingenieur-administrateur-systeme-et-reseaux"
MAIN_PAGES = {"home": "/", "job": DBA, "compare": f"/compare?from={DBA[8:]}&to={SYS[8:]}",
              "query": "/sparql", "search": "/search?q=base+de+donn%C3%A9es", "ontology": "/def",
              "knowhow": "/id/knowhow/SF001", "downloads": "/dumps/", "api": "/docs"}


def shot(watched, name: str) -> None:
    """A screenshot of the page (build/browser/, or the folder REFMETIERS_SCREENSHOTS names, e.g. docs/screenshots)."""
    folder = Path(os.environ.get("REFMETIERS_SCREENSHOTS", REPORTS / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(folder / f"{name}.png"))


def test_home_page_draws_the_family_tree_and_switches_language(watched):
    watched.goto("/")
    assert watched.page.locator("html").get_attribute("lang") == "fr"
    tree = watched.page.locator("svg.tree")
    assert tree.is_visible()
    assert tree.locator("a text", has_text="Administrateur de base de données").count() == 1
    shot(watched, "home")
    watched.page.get_by_role("link", name="English").click()
    watched.page.wait_for_load_state()
    assert watched.page.locator("html").get_attribute("lang") == "en"
    assert watched.page.locator("svg.tree a text", has_text="Database administrator").count() == 1
    # the choice is kept on the next page
    watched.page.locator("svg.tree a", has_text="Database administrator").click()
    watched.page.wait_for_load_state()
    assert watched.page.locator("h1").inner_text().startswith("Database administrator")
    assert watched.page.get_by_role("heading", name="Know-how").is_visible()


def test_job_page_pictures_and_compare(watched):
    watched.goto(DBA)
    page = watched.page
    assert page.locator("h1").inner_text().startswith("Administrateur de base de données")
    network = page.locator("#nearbyJob svg.network")
    assert network.is_visible() and network.locator("line.edge").count() >= 4
    assert page.locator("#shared svg.bars rect.bar").count() >= 1
    assert page.locator("#inferred h2").inner_text() == "Déduit par la construction"
    shot(watched, "job")
    page.get_by_role("link", name="Comparer avec un autre emploi-type").click()
    page.wait_for_load_state()
    page.select_option("#to", value="https://w3id.org/refmetiers/id/job/ingenieur-administrateur-systeme-et-reseaux")
    page.get_by_role("button", name="Comparer").click()
    page.wait_for_load_state()
    counts = page.locator("p.counts").first.inner_text()
    assert re.search(r"\d+ en commun · \d+ à acquérir", counts), counts
    assert page.locator(".gap").count() == 2
    shot(watched, "compare")


def test_query_editor_runs_a_cookbook_query(watched):
    watched.goto("/sparql")
    page = watched.page
    page.wait_for_selector("#yasgui .CodeMirror")
    assert page.locator("#query-form").is_hidden()
    page.locator("dt#concepts-per-scheme button.load").click()
    editor_text = page.evaluate("window.refmetiersYasgui.getTab().getYasqe().getValue()")
    assert "skos:inScheme" in editor_text or "inScheme" in editor_text
    page.evaluate("window.refmetiersYasgui.getTab().getYasqe().query()")
    page.wait_for_selector("#yasgui .yasr table.dataTable tbody tr")
    rows = page.locator("#yasgui .yasr table.dataTable tbody tr")
    assert rows.count() >= 5
    assert "jobs" in page.locator("#yasgui .yasr table.dataTable").inner_text()
    shot(watched, "query")


def test_a_failed_query_is_marked_in_the_editor(watched):
    watched.goto("/sparql?query=" + "SELECT%20%3Fs%20WHERE%20%7B%0A%20%20%3Fs%20%3Fp%20%3Fo%20%3Fo%0A%7D")
    page = watched.page
    page.wait_for_selector("#yasgui .CodeMirror")
    assert page.locator("#query-error").is_visible()
    assert "?s ?p ?o ?o" in page.evaluate("window.refmetiersYasgui.getTab().getYasqe().getValue()")
    assert page.locator("#yasgui .CodeMirror .error-line").count() == 1
    # the listing names the line; the failed request was the page itself, not a console error of ours
    watched.problems = [p for p in watched.problems if "400" not in p]


def test_the_query_form_works_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False, locale="fr", extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    page.goto(server.url + "/sparql")
    assert page.locator("#query-form").is_visible()
    page.fill("#query", "SELECT ?job WHERE { ?job a <https://w3id.org/refmetiers/def#JobType> }")
    page.get_by_role("button", name="Exécuter").click()
    page.wait_for_load_state()
    assert page.locator("table.results tbody tr").count() == 41
    context.close()


def test_search_from_the_header(watched):
    watched.goto("/")
    page = watched.page
    page.fill("#header-q", "administrateur de base de données")
    page.press("#header-q", "Enter")
    page.wait_for_load_state()
    first = page.locator("ol.hits li").first
    assert "Administrateur de base de données" in first.inner_text()
    assert first.locator(".badge.kind").inner_text() == "Emploi-type"
    assert re.search(r"sur \d+", page.locator("p.meta").inner_text())
    shot(watched, "search")


def test_api_docs_render_offline(watched):
    watched.goto("/docs")
    watched.page.wait_for_selector(".swagger-ui .opblock")
    assert watched.page.locator(".opblock-summary-path", has_text="/search").count() >= 1
    shot(watched, "api")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value and tag in ("a", "link", "script", "img"):
                self.links.append(value)


def test_no_broken_local_link(server):
    """Every local link of the main pages, and of the pages they link to, answers 200 (or a redirect to one)."""
    seen: dict[str, int] = {}
    frontier = list(MAIN_PAGES.values())
    depth = {path: 0 for path in frontier}
    broken = []
    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}, follow_redirects=True) as client:
        while frontier:
            path = frontier.pop()
            response = client.get(path)
            seen[path] = response.status_code
            if response.status_code != 200:
                broken.append((path, response.status_code))
                continue
            if depth[path] >= 1 or not response.headers.get("content-type", "").startswith("text/html"):
                continue
            parser = _Links()
            parser.feed(response.text)
            for link in parser.links:
                absolute = urljoin(server.url + path, link)
                parts = urlsplit(absolute)
                if absolute.startswith(server.url) and parts.path not in ("",):
                    local = parts.path + (f"?{parts.query}" if parts.query else "")
                    if local not in depth:
                        depth[local] = depth[path] + 1
                        frontier.append(local)
    assert len(seen) > 150
    assert broken == []


def test_accessibility_of_the_main_pages(browser, server):
    """axe-core (WCAG 2.1 A and AA rules) on the main pages; the findings are written to build/browser/axe.json."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    report = {}
    for name, path in MAIN_PAGES.items():
        page.goto(server.url + path)
        if name == "query":
            page.wait_for_selector("#yasgui .CodeMirror")
        if name == "api":
            page.wait_for_selector(".swagger-ui .opblock")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
            const r = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            const vendored = n => {
                const element = document.querySelector(n.target[0]);
                return !!(element && element.closest("#yasgui, .swagger-ui"));
            };
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                                           targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
                                           vendored: v.nodes.every(vendored)}));
        }""")
        report[name] = result
    context.close()
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "axe.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print("\naxe-core findings (WCAG 2.1 A/AA):")
    for name, violations in report.items():
        print(f"  {name}: " + (", ".join(f"{v['id']} ({v['impact']}, {v['nodes']})" for v in violations) or "none"))
    # Our own pages must be clean; Swagger UI's and YASGUI's own markup is reported, not held against us.
    ours = {name: [v for v in violations if not v["vendored"]] for name, violations in report.items()}
    assert all(not v for v in ours.values()), ours


@pytest.mark.parametrize("watched", ["en"], indirect=True)
def test_english_reader(watched):
    watched.goto(DBA)
    assert watched.page.locator("html").get_attribute("lang") == "en"
    assert watched.page.get_by_role("heading", name="Main activities").is_visible()
    assert watched.page.locator("#inferred h2").inner_text() == "Inferred by the build"
