"""The HTML explorer in a real browser: Debian's Chromium driven by Playwright, fully offline.

Every page is opened from file:// with every other request aborted and recorded; each test
then checks that none was made, that no script failed and that no dialog opened.
Playwright's own browser download is not used: CI installs Debian's ``chromium``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route, sync_playwright

from fmgraph import render
from fmgraph.graphview import full_graph, prerequisite_graph
from fmgraph.names import node_names, normalize
from fmgraph.paths import find_path
from fmgraph.store import LocalStore

pytestmark = pytest.mark.browser
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURES = Path(__file__).parent / "fixtures"
ID = "https://w3id.org/fmgraph/id/"
HOSTILE_TITLE = '</script><img src=x onerror=alert(1)>&amp; "x"'

# What vis-network draws: nodes not hidden, edges whose two ends are drawn.
DRAWN = """() => {
  const body = fmgraph.network.body;
  const nodes = body.nodeIndices.filter((id) => !body.nodes[id].options.hidden);
  const shown = new Set(nodes);
  const edges = body.edgeIndices.filter((id) => {
    const e = body.edges[id];
    return e.connected && shown.has(e.fromId) && shown.has(e.toId);
  });
  return { nodes: nodes.sort(), edges: edges.length };
}"""
# The colour drawn at the centre of a node.
PIXEL = """(id) => {
  const canvas = document.querySelector("#graph canvas");
  const p = fmgraph.network.canvasToDOM(fmgraph.network.getPosition(id));
  const ratio = canvas.width / canvas.clientWidth;
  const x = Math.round(p.x * ratio), y = Math.round(p.y * ratio);
  return [...canvas.getContext("2d").getImageData(x, y, 1, 1).data.slice(0, 3)];
}"""
# Where a node is on the screen, for real mouse events.
SCREEN = """(id) => {
  const p = fmgraph.network.canvasToDOM(fmgraph.network.getPosition(id));
  const r = document.getElementById("graph").getBoundingClientRect();
  return { x: r.left + p.x, y: r.top + p.y };
}"""


@dataclass
class Opened:
    page: Page
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def drawn(self) -> dict[str, Any]:
        drawn: dict[str, Any] = self.page.evaluate(DRAWN)
        return drawn

    def click_node(self, node: str) -> None:
        where = self.page.evaluate(SCREEN, node)
        self.page.mouse.click(where["x"], where["y"])

    def hover_node(self, node: str) -> None:
        where = self.page.evaluate(SCREEN, node)
        self.page.mouse.move(where["x"] - 30, where["y"] - 30)
        self.page.mouse.move(where["x"], where["y"], steps=3)

    def assert_clean(self) -> None:
        assert self.outside == [], "the page asked another host"
        assert self.errors == []
        assert self.dialogs == []


Opener = Callable[..., Opened]
"""``open_page(html, name="page.html")``: the page opened from a file, its requests watched."""


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, tmp_path: Path) -> Iterator[Opener]:
    contexts = []

    def opener(html: str, name: str = "page.html") -> Opened:
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        context = browser.new_context(viewport={"width": 1366, "height": 800})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page)

        def route(r: Route) -> None:
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                opened.outside.append(r.request.url)
                r.abort()

        def console(message: ConsoleMessage) -> None:
            # the one warning allowed is Chrome's remark on the tests' own pixel reads
            if message.type in ("error", "warning") and "willReadFrequently" not in message.text:
                opened.errors.append(f"console {message.type}: {message.text}")

        def dialog(d: Dialog) -> None:
            opened.dialogs.append(d.message)
            d.dismiss()

        context.route("**/*", route)
        page.on("pageerror", lambda e: opened.errors.append(f"page error: {e}"))
        page.on("console", console)
        page.on("dialog", dialog)
        page.goto(path.as_uri())
        # The script marks the body once physics has settled and been switched off.
        page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
        return opened

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def xss_store() -> LocalStore:
    from fmgraph.cache import open_store

    return open_store(FIXTURES / "render-xss")


def test_bundled_graph_draws_everything_offline(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    graph = full_graph(bundled_store)
    opened = open_page(render.build_page(bundled_store).html)
    drawn = opened.drawn()
    assert drawn["nodes"] == sorted(graph.nodes)
    assert drawn["edges"] == graph.number_of_edges()
    # physics settled and was switched off, so the page stays responsive
    assert opened.page.evaluate("() => fmgraph.network.physics.options.enabled") is False
    assert opened.page.locator("#progress").is_hidden()
    opened.assert_clean()


def test_search_focuses_the_node_named(open_page: Opener, tiny_store: LocalStore) -> None:
    opened = open_page(render.build_page(tiny_store).html)
    page = opened.page
    for query, node in [
        ("rlhf", f"{ID}concept/rlhf"),
        ("Reinforcement-learning  from HUMAN feedback", f"{ID}concept/rlhf"),
        ("lora", f"{ID}concept/lora"),
        (
            "Preference learning <b>without</b> rewards & quotes — NAIVE",
            f"{ID}work/arxiv-2305.18290",
        ),
        ("topic:Alignment & Safety", f"{ID}topic/align"),
        ("t 1", f"{ID}session/T-1"),
    ]:
        page.fill("#search", query)
        page.press("#search", "Enter")
        assert page.evaluate("() => fmgraph.network.getSelectedNodes()") == [node], query
        assert page.evaluate("() => fmgraph.focused") == node
        assert page.evaluate("() => fmgraph.highlighted.nodes.has(fmgraph.focused)")
    title = page.locator("#details .card-title").text_content()
    assert title == "T-1: Foundations"
    # an unknown name is reported with suggestions, and focuses nothing new
    page.fill("#search", "transf")
    page.press("#search", "Enter")
    assert "Nothing here is named “transf”" in (page.locator("#message").text_content() or "")
    assert page.locator("#results .node-link").all_text_contents() == ["Transformer"]
    page.locator("#results .node-link").click()
    assert page.evaluate("() => fmgraph.focused") == f"{ID}concept/transformer"
    opened.assert_clean()


def test_search_normalizes_exactly_like_python(
    open_page: Opener, tiny_store: LocalStore, bundled_store: LocalStore
) -> None:
    """The JavaScript port of fmgraph.names.normalize, on every name in the bundled data,
    on tricky strings, and on every character Python's Unicode database assigns."""
    names = [n for _, d in full_graph(bundled_store).nodes(data=True) for n in node_names(d)]
    names += ["ΟΔΟΣ", "Straße", "STRASSE", "İstanbul", "ﬁne-tuning", "Ǆ", "x²", "ᾳ", "ͺ", "ϲ"]
    names += [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) not in "CnCsCo"]
    opened = open_page(render.build_page(tiny_store).html)
    ours = opened.page.evaluate("(names) => names.map(fmgraph.normalize)", names)
    differ = [
        (n, normalize(n), js) for n, js in zip(names, ours, strict=True) if normalize(n) != js
    ]
    assert differ == []


def test_hostile_title_displays_literally_and_runs_nothing(
    open_page: Opener, xss_store: LocalStore
) -> None:
    heading = '<img src=x onerror=alert(6)> & "Course" &amp;'
    opened = open_page(render.build_page(xss_store, title=heading).html)
    page = opened.page
    hostile = f"{ID}work/hostile"
    assert page.locator("h1").text_content() == heading
    opened.hover_node(hostile)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.locator(".card-title").text_content() == HOSTILE_TITLE
    assert "<svg onload=alert(4)>" in (tooltip.text_content() or "")
    # clicking shows the same card where its links can be clicked: only http(s) ones are links
    opened.click_node(hostile)
    details = page.locator("#details")
    assert details.locator(".card-title").text_content() == HOSTILE_TITLE
    links = details.locator(".card-links a")
    assert links.count() == 1
    assert links.get_attribute("href") == "https://example.org/safe?a=1&b=2"
    assert links.get_attribute("rel") == "noopener noreferrer"
    assert details.locator(".not-a-link").all_text_contents() == ["javascript:alert(5)"]
    # the search box finds a concept by its markup-looking alias
    page.fill("#search", "</script>")
    page.press("#search", "Enter")
    assert page.evaluate("() => fmgraph.focused") == f"{ID}concept/escaping"
    assert page.locator("#details .card-text").text_content() == (
        "Text like <script>alert(2)</script> or &lt;b&gt; is data, not markup."
    )
    assert page.locator("img, [onerror], [onload]").count() == 0
    assert page.locator("script").count() == 3  # the data, vis-network, the explorer
    page.wait_for_timeout(300)  # a dialog from an injected handler would open by now
    opened.assert_clean()


def test_only_http_links_become_links(open_page: Opener) -> None:
    graph = nx.DiGraph()
    urls = "javascript:alert(1) data:text/html,hi vbscript:x //example.org/x http://a.example/ https://b.example/p?q=1&r=2"
    graph.add_node("w", kind="work", id="w", label="W", title="W", urls=urls, arxiv="2301.00001")
    opened = open_page(render.render_html(graph, title="links"))
    opened.click_node("w")
    anchors = opened.page.locator("#details .card-links a")
    hrefs = [anchors.nth(i).get_attribute("href") for i in range(anchors.count())]
    assert hrefs == [
        "https://arxiv.org/abs/2301.00001",
        "http://a.example/",
        "https://b.example/p?q=1&r=2",
    ]
    texts = opened.page.locator("#details .not-a-link").all_text_contents()
    assert texts == ["javascript:alert(1)", "data:text/html,hi", "vbscript:x", "//example.org/x"]
    opened.assert_clean()


def test_focus_view_draws_the_neighbourhood(open_page: Opener, bundled_store: LocalStore) -> None:
    graph = full_graph(bundled_store)
    expected = render.focus_view(graph, "dpo", 1)
    opened = open_page(render.build_page(bundled_store, focus="dpo", depth=1).html)
    drawn = opened.drawn()
    assert drawn["nodes"] == sorted(expected.nodes)
    assert drawn["edges"] == expected.number_of_edges()
    dpo = f"{ID}concept/dpo"
    assert set(graph.to_undirected().neighbors(dpo)) | {dpo} == set(expected)
    assert opened.page.evaluate("() => fmgraph.network.getSelectedNodes()") == [dpo]
    assert opened.page.locator("#details .card-title").text_content() == (
        "Direct preference optimization"
    )
    opened.assert_clean()


def test_concepts_view_draws_the_dag_in_levels(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    dag = prerequisite_graph(bundled_store)
    opened = open_page(render.build_page(bundled_store, concepts=True).html)
    drawn = opened.drawn()
    assert drawn["nodes"] == sorted(dag.nodes)
    assert drawn["edges"] == dag.number_of_edges()
    y = opened.page.evaluate("() => fmgraph.network.getPositions()")
    # foundations on top: every prerequisite is drawn above each concept that needs it
    assert all(y[first]["y"] < y[then]["y"] for first, then in dag.edges)
    foundations = [n for n in dag if dag.in_degree(n) == 0]
    assert len({round(y[n]["y"]) for n in foundations}) == 1
    opened.assert_clean()


def test_path_view_draws_the_chain_and_its_readings(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    result = find_path(bundled_store, "attention", "dpo")
    steps = result.chains[0].steps
    chain = [f"{ID}concept/{s.id}" for s in steps]
    readings = {f"{ID}work/{r.work}" for s in steps for r in s.readings}
    opened = open_page(render.build_page(bundled_store, path=("attention", "dpo")).html)
    drawn = opened.drawn()
    assert drawn["nodes"] == sorted({*chain, *readings})
    teaching = {(r.work, s.id) for s in steps for r in s.readings}
    assert drawn["edges"] == len(chain) - 1 + len(teaching)
    where = opened.page.evaluate("() => fmgraph.network.getPositions()")
    xs = [where[c]["x"] for c in chain]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # the chain reads left to right
    opened.assert_clean()


def test_clicks_highlight_neighbourhood_and_prerequisites(
    open_page: Opener, tiny_store: LocalStore
) -> None:
    opened = open_page(render.build_page(tiny_store).html)
    page = opened.page
    dpo = f"{ID}concept/dpo"
    assert page.evaluate(PIXEL, f"{ID}concept/lora") == [0x56, 0xB4, 0xE9]
    opened.click_node(dpo)
    highlighted = page.evaluate("() => [...fmgraph.highlighted.nodes].sort()")
    assert highlighted == sorted(
        [
            dpo,
            f"{ID}concept/rlhf",
            f"{ID}concept/transformer",
            f"{ID}topic/align",
            f"{ID}work/arxiv-2305.18290",
        ]
    )
    # the rest of the graph is veiled: its colours fade towards white, the neighbourhood's don't
    concept_blue = [0x56, 0xB4, 0xE9]
    assert page.evaluate(PIXEL, dpo) == concept_blue
    assert min(page.evaluate(PIXEL, f"{ID}concept/lora")) > 200
    page.get_by_role("button", name="Show the prerequisite chain").click()
    chain = page.locator("#details .chain-list li").all_text_contents()
    assert chain == [
        "Attention",
        "Transformer",
        "Reinforcement learning from human feedback",
        "Direct preference optimization",
    ]
    highlighted = page.evaluate("() => [...fmgraph.highlighted.nodes].sort()")
    assert highlighted == sorted(
        f"{ID}concept/{c}" for c in ("attention", "transformer", "rlhf", "dpo")
    )
    # a click on the background clears the highlight
    page.mouse.click(30, page.viewport_size["height"] - 30 if page.viewport_size else 700)
    assert page.evaluate("() => fmgraph.highlighted") is None
    opened.assert_clean()


def test_kind_filter_and_print_layout(open_page: Opener, tiny_store: LocalStore) -> None:
    graph = full_graph(tiny_store)
    opened = open_page(render.build_page(tiny_store).html)
    page = opened.page
    page.get_by_label("Works").uncheck()
    works = {n for n, kind in graph.nodes(data="kind") if kind == "work"}
    assert opened.drawn()["nodes"] == sorted(set(graph) - works)
    page.get_by_label("Works").check()
    assert len(opened.drawn()["nodes"]) == graph.number_of_nodes()
    page.emulate_media(media="print")
    assert page.locator(".controls").is_hidden()
    assert page.locator("#legend").is_visible() and page.locator("#graph").is_visible()
    opened.assert_clean()


def test_edge_hover_shows_its_relation(open_page: Opener, tiny_store: LocalStore) -> None:
    opened = open_page(render.build_page(tiny_store).html)
    page = opened.page
    dpo, rlhf = f"{ID}concept/dpo", f"{ID}concept/rlhf"
    edge = page.evaluate(
        f"() => fmgraph.edges.get().find((e) => e.from === '{dpo}' && e.to === '{rlhf}').id"
    )
    where = page.evaluate(
        """(id) => {
          const network = fmgraph.network;
          const middle = network.canvasToDOM(network.body.edges[id].edgeType.getPoint(0.5));
          const r = document.getElementById("graph").getBoundingClientRect();
          return { x: r.left + middle.x, y: r.top + middle.y };
        }""",
        edge,
    )
    assert page.evaluate("(id) => fmgraph.edges.get(id).font", edge) is None
    page.mouse.move(where["x"] - 25, where["y"] - 25)
    page.mouse.move(where["x"], where["y"], steps=4)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.locator(".card-title").text_content() == "requires"
    assert "it solves the RLHF objective in closed form" in (tooltip.text_content() or "")
    assert page.evaluate("(id) => fmgraph.edges.get(id).font.size", edge) > 0  # label drawn
    page.mouse.move(5, 5)
    opened.assert_clean()


@pytest.mark.slow
def test_two_thousand_nodes_settle_and_stay_responsive(open_page: Opener) -> None:
    graph = nx.DiGraph()
    for i in range(1500):
        graph.add_node(f"c{i}", kind="concept", id=f"c{i}", label=f"Concept {i}")
        for j in (i // 2, i // 3):
            if j < i:
                graph.add_edge(f"c{i}", f"c{j}", relation="requires")
    for i in range(500):
        graph.add_node(f"w{i}", kind="work", id=f"w{i}", label=f"Work {i}", title=f"Work {i}")
        for j in (i, 3 * i + 1, 7 * i + 2):
            graph.add_edge(f"w{i}", f"c{j % 1500}", relation="discusses")
    opened = open_page(render.render_html(graph, title="2,000 nodes"))
    page = opened.page
    drawn = opened.drawn()
    assert len(drawn["nodes"]) == 2000 and drawn["edges"] == graph.number_of_edges()
    assert page.evaluate("() => fmgraph.network.physics.options.enabled") is False
    # a search that focuses and highlights a node costs about one redraw, not a restyle of
    # every node; the bound is loose because CI machines are slow and shared
    elapsed = page.evaluate(
        """() => {
          const t = performance.now();
          document.getElementById("search").value = "concept 1234";
          document.getElementById("search-form").requestSubmit();
          fmgraph.network.redraw();
          return performance.now() - t;
        }"""
    )
    assert page.evaluate("() => fmgraph.focused") == "c1234"
    assert elapsed < 1500
    opened.assert_clean()
