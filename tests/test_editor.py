"""The SPARQL editor page of `fmgraph serve` (/editor): YASGUI vendored in the package, in
Debian's Chromium driven by Playwright, with every request that leaves the server aborted and
recorded. A query typed in the editor runs against /query and its rows are shown."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, sync_playwright
from test_render_browser import ARGS
from test_serve import http, running_server

from fmgraph import editor
from fmgraph.query import bundled_queries
from fmgraph.vocab import PREFIXES

pytestmark = [pytest.mark.browser, pytest.mark.server]

ASSETS = Path(editor.__file__).parent / "assets" / "yasgui"


@pytest.fixture(scope="module")
def server(bundled_store: Any) -> Iterator[str]:
    with running_server("--workers", "2") as (url, _process, _log):
        yield url


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[tuple[Page, list[str], list[str]]]:
    """The editor page; yields it, the outside requests it tried, and its script errors."""
    outside: list[str] = []
    errors: list[str] = []
    context = browser.new_context()
    page = context.new_page()

    def route(r: Route) -> None:
        if r.request.url.startswith(server):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "editor")
    page.wait_for_function("() => window.fmgraphEditor && document.querySelector('.CodeMirror')")
    try:
        yield page, outside, errors
    finally:
        context.close()


def test_the_editor_opens_offline_with_one_tab_per_bundled_query(page: Any) -> None:
    view, outside, errors = page
    tabs = view.locator("a[role=tab] > span").all_inner_texts()
    assert tabs == ["concepts", *(q.name for q in bundled_queries())]
    assert (outside, errors) == ([], [])


def test_a_query_runs_against_the_server_and_its_rows_are_shown(page: Any) -> None:
    view, outside, errors = page
    query = (
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "PREFIX fm: <https://w3id.org/fmgraph/vocab#>\n"
        "SELECT ?code WHERE { ?s a fm:Session ; dcterms:identifier ?code } ORDER BY ?code"
    )
    view.evaluate(
        "(q) => { const tab = window.fmgraphEditor.getTab(); tab.setQuery(q); tab.query(); }",
        query,
    )
    view.wait_for_selector(".yasr table td", timeout=30_000)
    cells = view.locator(".yasr table tbody td").all_inner_texts()
    assert "2024-S5" in " ".join(cells)
    assert (outside, errors) == ([], [])


def test_a_bundled_example_runs_as_it_is(page: Any) -> None:
    view, outside, errors = page
    view.evaluate(
        "(name) => { const y = window.fmgraphEditor;"
        " const id = Object.keys(y._tabs).find(k => y._tabs[k].getName() === name);"
        " y.selectTabId(id); y.getTab().query(); }",
        "readings-per-session",
    )
    view.wait_for_selector(".yasr table td", timeout=30_000)
    assert "2024-S5" in " ".join(view.locator(".yasr table tbody td").all_inner_texts())
    assert (outside, errors) == ([], [])


def test_the_page_and_assets_are_served_with_a_policy_that_allows_no_other_host(
    server: str,
) -> None:
    status, headers, body = http(server + "editor")
    assert status == 200
    assert headers.get_content_type() == "text/html"
    policy = re.search(rb'http-equiv="Content-Security-Policy" content="([^"]*)"', body)
    assert policy is not None
    assert b"connect-src 'self'" in policy.group(1)
    assert b"default-src 'none'" in policy.group(1)
    for name, media in [("yasgui.min.js", "text/javascript"), ("yasgui.min.css", "text/css")]:
        status, headers, body = http(server + "editor/" + name)
        assert (status, headers.get_content_type()) == (200, media)
        assert body == (ASSETS / name).read_bytes()
    assert http(server + "editor/LICENSE")[0] == 404
    assert http(server + "editor/../serve.py")[0] == 404


def test_examples_declare_the_prefixes_they_use_and_no_text_breaks_the_page() -> None:
    examples = editor.examples()
    for example in examples:
        for name in PREFIXES:
            if re.search(rf"(?<![\w?$:]){name}:", example["query"].split("\n", 20)[-1]):
                assert f"PREFIX {name}: <{PREFIXES[name]}>" in example["query"]
    page = editor.page().decode()
    data = re.search(r'<script id="fmgraph-editor" type="application/json">(.*?)</script>', page)
    assert data is not None
    assert "<" not in data.group(1)
    assert json.loads(data.group(1))["examples"] == examples


def test_declared_prefixes_are_not_declared_twice() -> None:
    query = "PREFIX fm: <urn:other#>\nSELECT * { ?s fm:x ?o ; skos:prefLabel ?l }"
    assert editor.with_prefixes(query) == f"PREFIX skos: <{PREFIXES['skos']}>\n" + query


def test_the_vendored_editor_is_licensed_and_small() -> None:
    licence = (ASSETS / "LICENSE").read_text()
    assert "@zazuko/yasgui 4.6.2" in licence
    assert "MIT License" in licence
    total = sum(p.stat().st_size for p in ASSETS.iterdir())
    assert total < 1_200_000
