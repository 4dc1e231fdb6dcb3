"""The HTML explorer in a real browser: Debian's Chromium driven by Playwright, fully offline.

Every page is opened from file:// with every other request aborted and recorded; each test
then checks that none was made, that no script failed and that no dialog opened.
Playwright's own browser download is not used: CI installs Debian's ``chromium``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route, sync_playwright

from fmgraph import render
from fmgraph.cli import cli
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

    def opener(
        html: str,
        name: str = "page.html",
        fragment: str = "",
        viewport: tuple[int, int] = (1366, 800),
    ) -> Opened:
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        # Views move without animation, so that what a test reads is where the view ends.
        width, height = viewport
        context = browser.new_context(
            viewport={"width": width, "height": height},
            reduced_motion="reduce",
            accept_downloads=True,
        )
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
        page.goto(path.as_uri() + fragment)
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
    tooltip = page.locator("#tooltip")
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
    expected = render.focus_view(graph, f"{ID}concept/dpo", 1)
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
    result = find_path(bundled_store, "transformer", "rlhf")
    steps = result.chains[0].steps
    chain = [f"{ID}concept/{s.id}" for s in steps]
    readings = {f"{ID}work/{r.work}" for s in steps for r in s.readings}
    opened = open_page(render.build_page(bundled_store, path=("transformer", "rlhf")).html)
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
    # the click fitted the neighbourhood into view; seen whole, the rest of the graph is
    # veiled: its colours fade towards white, the neighbourhood's don't
    page.evaluate("() => { fmgraph.network.fit(); fmgraph.network.redraw(); }")
    concept_blue = [0x56, 0xB4, 0xE9]
    assert page.evaluate(PIXEL, dpo) == concept_blue
    assert min(page.evaluate(PIXEL, f"{ID}concept/lora")) > 200
    page.get_by_role("button", name="Study plan: what to learn and read first").click()
    chain = page.locator("#study .plan-steps .step-head .node-link").all_text_contents()
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
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert tooltip.locator(".card-title").text_content() == "requires"
    assert "it solves the RLHF objective in closed form" in (tooltip.text_content() or "")
    assert page.evaluate("(id) => fmgraph.edges.get(id).font.size", edge) > 0  # label drawn
    page.mouse.move(5, 5)
    opened.assert_clean()


def course_graph(n: int) -> nx.DiGraph:
    """A course-shaped graph of ``n`` nodes: concepts in topics with prerequisites, works that
    discuss them, a quarter of the works linked to no concept, and sessions reading works."""
    graph = nx.DiGraph()
    concepts, works, sessions = n * 65 // 100, n * 25 // 100, n // 20
    topics = n - concepts - works - sessions
    for i in range(topics):
        graph.add_node(f"t{i}", kind="topic", id=f"t{i}", label=f"Topic {i}")
    for i in range(concepts):
        graph.add_node(f"c{i}", kind="concept", id=f"c{i}", label=f"Concept {i}")
        graph.add_edge(f"c{i}", f"t{i % topics}", relation="inTopic")
        for j in {i // 2, i // 3}:
            if j < i:
                graph.add_edge(f"c{i}", f"c{j}", relation="requires")
    for i in range(works):
        graph.add_node(f"w{i}", kind="work", id=f"w{i}", label=f"Work {i}", title=f"Work {i}")
        if i % 4:
            for j in (i, 3 * i + 1):
                graph.add_edge(f"w{i}", f"c{j % concepts}", relation="discusses")
    for i in range(sessions):
        graph.add_node(f"s{i}", kind="session", id=f"S-{i}", label=f"S-{i}", title=f"S {i}")
        graph.add_edge(f"s{i}", f"w{(5 * i) % works}", relation="requiredReading", position=1)
    return graph


@pytest.mark.slow
def test_two_thousand_nodes_open_on_an_overview(open_page: Opener) -> None:
    graph = course_graph(2000)
    opened = open_page(render.render_html(graph, title="2,000 nodes"))
    page = opened.page
    assert page.evaluate("() => fmgraph.network.physics.options.enabled") is False
    drawn = opened.drawn()
    topics = [n for n, k in graph.nodes(data="kind") if k == "topic"]
    unlinked = [f"w{i}" for i in range(0, 500, 4)]
    # one node per topic with its concepts and works; the sessions as they are
    assert sorted(d for d in drawn["nodes"] if d.startswith("cluster:")) == sorted(
        f"cluster:{t}" for t in topics
    )
    sessions = [n for n, k in graph.nodes(data="kind") if k == "session"]
    assert sorted(d for d in drawn["nodes"] if not d.startswith("cluster:")) == sorted(sessions)
    # a click on a topic opens it: its concepts are drawn, around where it stood
    page.evaluate("() => fmgraph.network.fit({ nodes: ['cluster:t3'] })")
    opened.click_node("cluster:t3")
    members = sorted(f"c{i}" for i in range(1300) if i % 100 == 3)
    now = set(opened.drawn()["nodes"])
    assert set(members) | {"t3"} <= now and "cluster:t3" not in now
    assert {n for n in now if n.startswith("w")}  # and the works that discuss them most
    # a search reaches a concept inside a closed topic, and opens it
    page.fill("#search", "concept 1234")
    page.press("#search", "Enter")
    assert page.evaluate("() => fmgraph.focused") == "c1234"
    assert "c1234" in opened.drawn()["nodes"]
    # a closed topic is reached by keyboard too, and Enter opens it
    page.focus("#graph")
    for _ in range(40):
        page.keyboard.press("ArrowRight")
        group = page.evaluate("() => fmgraph.focused")
        if group.startswith("cluster:"):
            break
    assert group.startswith("cluster:")
    topic = group.removeprefix("cluster:t")
    assert page.locator("#details .card-title").text_content() == f"Topic {topic}"
    page.keyboard.press("Enter")
    assert group not in opened.drawn()["nodes"] and f"t{topic}" in opened.drawn()["nodes"]
    # unlinked works wait behind their switch
    page.get_by_label("Unlinked works").check()
    assert set(unlinked) <= set(opened.drawn()["nodes"])
    # a search that focuses and highlights a node costs about one redraw, not a restyle of
    # every node; the bound is loose because CI machines are slow and shared
    elapsed = page.evaluate(
        """() => {
          const t = performance.now();
          document.getElementById("search").value = "concept 17";
          document.getElementById("search-form").requestSubmit();
          fmgraph.network.redraw();
          return performance.now() - t;
        }"""
    )
    assert page.evaluate("() => fmgraph.focused") == "c17"
    assert elapsed < 1500
    opened.assert_clean()


def test_a_few_hundred_nodes_draw_everything(open_page: Opener) -> None:
    graph = course_graph(render.OVERVIEW)
    opened = open_page(render.render_html(graph, title="below the overview"))
    assert opened.drawn()["nodes"] == sorted(graph.nodes)
    opened.assert_clean()


# ---- The study plan --------------------------------------------------------------------------


def cli_json(*argv: str) -> Any:
    result = CliRunner().invoke(cli, list(argv), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def plan_without(target: str, known: set[str]) -> list[str]:
    """The steps of ``fmgraph plan TARGET --know KNOWN``."""
    argv = ["plan", target, "--format", "json"]
    steps = cli_json(*argv, *(["--know", ",".join(sorted(known))] if known else []))["steps"]
    return [s["id"] for s in steps]


def test_plan_page_shows_the_plan_of_the_cli(open_page: Opener, bundled_store: LocalStore) -> None:
    expected = cli_json("plan", "dpo", "--format", "json")
    opened = open_page(render.build_page(bundled_store, plan="dpo").html)
    page = opened.page
    assert page.evaluate("() => location.hash") == "#plan=dpo"
    # the steps the script puts together are those of the CLI, field for field
    assert page.evaluate("() => fmgraph.planSteps('dpo')") == expected["steps"]
    # and the page shows each, in order, with its readings: title, session, role, link
    steps = page.locator("#study .plan-steps > li")
    assert steps.evaluate_all("(lis) => lis.map((li) => li.dataset.step)") == [
        s["id"] for s in expected["steps"]
    ]
    for i, step in enumerate(expected["steps"]):
        li = steps.nth(i)
        assert (li.locator(".step-head").text_content() or "").startswith(step["label"])
        titles = li.locator(".reading > :first-child").all_text_contents()
        assert titles == list(dict.fromkeys(r["title"] for r in step["readings"]))
        where = " ".join(li.locator(".reading .where").all_text_contents())
        for r in step["readings"]:
            if r["session"]:
                assert f"{r['session']}, {r['role']} #{r['position']}" in where
    assert all(s["readings"] for s in expected["steps"])  # every step has a reading to show
    links = page.locator("#study .reading a")
    assert links.count() > 0
    assert all(h.startswith("https://") for h in links.evaluate_all("(a) => a.map((x) => x.href)"))
    # the plan's concepts are what the graph lights up, numbered as the steps
    highlighted = page.evaluate("() => [...fmgraph.highlighted.nodes].sort()")
    assert highlighted == sorted(f"{ID}concept/{s['id']}" for s in expected["steps"])
    labels = page.evaluate("() => fmgraph.nodes.get().map((n) => [n.id, n.label])")
    numbers = {node: label.split(". ", 1)[0] for node, label in labels}
    assert [numbers[f"{ID}concept/{s['id']}"] for s in expected["steps"]] == [
        str(i) for i in range(1, len(expected["steps"]) + 1)
    ]
    opened.assert_clean()


def test_i_know_this_prunes_the_plan_as_plan_know_does(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    opened = open_page(render.build_page(bundled_store).html, fragment="#plan=dpo")
    page = opened.page
    rows = "#study .plan-steps > li"

    def shown() -> list[str]:
        steps: list[str] = page.locator(rows).evaluate_all(
            "(lis) => lis.map((li) => li.dataset.step)"
        )
        return steps

    full = shown()
    assert full == plan_without("dpo", set())
    page.get_by_role("button", name="I know Reward model").click()
    assert shown() == plan_without("dpo", {"reward-model"})
    assert len(shown()) < len(full)
    # step for step, with what each is needed for and its readings
    pruned = page.evaluate("() => fmgraph.prunedPlan('dpo')")
    cli = cli_json("plan", "dpo", "--know", "reward-model", "--format", "json")
    assert pruned == cli["steps"]
    assert page.evaluate("() => location.hash") == "#plan=dpo&know=reward-model"
    page.get_by_role("button", name="Forget all").click()
    assert shown() == full
    # RLHF is a step of InstructGPT's plan (for DPO it is background): known there, it leaves
    # DPO's plan what `plan dpo --know rlhf` leaves
    page.goto(page.url.split("#")[0] + "#plan=instructgpt")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    page.get_by_role("button", name="I know Reinforcement learning from human feedback").click()
    # kept in the browser: a new visit without "know" in the URL still skips it
    page.goto(page.url.split("#")[0] + "#plan=dpo")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    assert shown() == plan_without("dpo", {"rlhf"})
    assert len(shown()) < len(full)
    pruned = page.evaluate("() => fmgraph.prunedPlan('dpo')")
    assert pruned == cli_json("plan", "dpo", "--know", "rlhf", "--format", "json")["steps"]
    assert page.evaluate("() => fmgraph.known") == ["rlhf"]
    # and clearable
    page.get_by_role("button", name="Forget all").click()
    assert shown() == full
    assert page.evaluate("() => localStorage.getItem('fmgraph.known')") is None
    # a shared link says what its sender knows
    for target, know in [("dpo", {"rlhf", "transformer"}), ("lora", {"attention", "tokenization"})]:
        page.goto(f"{page.url.split('#')[0]}#plan={target}&know={','.join(sorted(know))}")
        page.wait_for_selector("body[data-ready=true]", state="attached")
        assert shown() == plan_without(target, know)
    opened.assert_clean()


def test_pruning_in_the_page_is_the_rule_for_every_concept(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    """The script's pruning, for each single known concept, against the same rule in Python."""
    dag = prerequisite_graph(bundled_store)
    opened = open_page(render.build_page(bundled_store).html)
    for node in dag:
        key = dag.nodes[node]["id"]
        expected = {key} | {dag.nodes[a]["id"] for a in nx.ancestors(dag, node)}
        assert set(opened.page.evaluate("(k) => [...fmgraph.pruned([k])]", key)) == expected
    opened.assert_clean()


def test_plan_exports_markdown_and_bibtex_with_text_escaped(
    open_page: Opener, xss_store: LocalStore, tmp_path: Path
) -> None:
    opened = open_page(render.build_page(xss_store, plan="injection").html)
    page = opened.page
    with page.expect_download() as info:
        page.get_by_role("button", name="Markdown").click()
    assert info.value.suggested_filename == "plan-injection.md"
    markdown = Path(info.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Study plan: Injection\n")
    assert "**Escaping \\<b\\>&amp;\\</b\\>**" in markdown
    assert '\\</script\\>\\<img src=x onerror=alert\\(1\\)\\>&amp; "x"' in markdown
    assert "](https://example.org/safe?a=1&b=2)" in markdown
    assert "javascript:" not in markdown
    with page.expect_download() as info:
        page.get_by_role("button", name="BibTeX").click()
    bibtex = Path(info.value.path()).read_text(encoding="utf-8")
    assert bibtex.startswith("@misc{hostile,\n")
    assert 'title = {{</script><img src=x onerror=alert(1)>\\&amp; "x"}}' in bibtex
    assert "author = {<svg onload=alert(4)>}" in bibtex
    assert "year = {2024}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")
    # printed, the plan is a reading list: no picture, no buttons
    page.emulate_media(media="print")
    assert page.locator("#graph").is_hidden() and page.locator(".plan-tools").is_hidden()
    assert page.locator("#study .plan-steps").is_visible()
    opened.assert_clean()


# ---- State in the URL, sessions --------------------------------------------------------------


def test_the_url_holds_the_view_and_back_returns(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    lora, dpo = f"{ID}concept/lora", f"{ID}concept/dpo"
    opened = open_page(render.build_page(bundled_store).html, fragment="#focus=lora")
    page = opened.page
    assert page.evaluate("() => fmgraph.focused") == lora
    assert page.locator("#details .card-title").text_content() == "Low-rank adaptation"
    page.fill("#search", "dpo")
    page.press("#search", "Enter")
    assert page.evaluate("() => location.hash") == "#focus=dpo"
    assert page.evaluate("() => fmgraph.focused") == dpo
    page.go_back()
    page.wait_for_function("() => fmgraph.focused === '" + lora + "'")
    assert page.locator("#details .card-title").text_content() == "Low-rank adaptation"
    page.go_forward()
    page.wait_for_function("() => fmgraph.focused === '" + dpo + "'")
    # the sessions toggle is a place too
    page.get_by_role("button", name="Sessions").click()
    assert page.evaluate("() => location.hash") == "#sessions"
    assert page.locator("#study .sessions").is_visible()
    page.go_back()
    page.wait_for_function("() => document.getElementById('study').hidden")
    assert page.evaluate("() => fmgraph.focused") == dpo
    # Reset clears the selection, the card and the highlight
    page.get_by_role("button", name="Reset view").click()
    assert page.evaluate("() => [fmgraph.focused, fmgraph.highlighted, location.hash]") == [
        None,
        None,
        "",
    ]
    assert page.locator("#details .card").count() == 0
    assert page.locator("#details .hint").is_visible()
    opened.assert_clean()


def test_sessions_view_lists_sessions_in_date_order(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    graph = full_graph(bundled_store)
    sessions = sorted(
        (d["date"], d["id"]) for _, d in graph.nodes(data=True) if d["kind"] == "session"
    )
    opened = open_page(render.build_page(bundled_store, sessions=True).html)
    page = opened.page
    assert page.evaluate("() => location.hash") == "#sessions"
    # the graph lights the sessions
    lit = set(page.evaluate("() => [...fmgraph.highlighted.nodes]"))
    assert {f"{ID}session/{code}" for _, code in sessions} <= lit
    items = page.locator("#study .sessions > li")
    assert items.evaluate_all("(lis) => lis.map((li) => li.dataset.session)") == [
        code for _, code in sessions
    ]
    for i, (_, code) in enumerate(sessions):
        node = f"{ID}session/{code}"
        readings = [
            graph.nodes[w]["title"]
            for _, w, r in graph.out_edges(node, data="relation")
            if r in ("requiredReading", "furtherReading")
        ]
        shown = items.nth(i).locator(".reading > :first-child").all_text_contents()
        assert sorted(shown) == sorted(readings)
        assert items.nth(i).locator(".session-title").text_content() == graph.nodes[node]["title"]
        assert items.nth(i).locator(".concepts button").count() > 0
        assert "Assumes" in items.nth(i).locator("h4").all_text_contents()
    # a concept a session teaches is one click from its card
    # each session shows what `fmgraph audit --format json` finds in it
    findings = json.loads(
        CliRunner().invoke(cli, ["audit", "--format", "json"]).stdout  # exit 1: findings
    )["findings"]
    for i, (_, code) in enumerate(sessions):
        shown = items.nth(i).locator(".finding").all_text_contents()
        mine = [f for f in findings if f["session"] == code]
        assert len(shown) == len(mine)
        for text, f in zip(shown, mine, strict=True):
            assert f["reason"] in text
            assert (f["first_taught_in"] or "taught in no session") in text
    items.nth(0).locator(".concepts button").first.click()
    assert page.locator("#details .card-kind").text_content() == "Concept"
    opened.assert_clean()


# ---- Reading and reaching --------------------------------------------------------------------


def test_search_tolerates_typos_and_matches_at_word_starts(
    open_page: Opener, bundled_store: LocalStore
) -> None:
    opened = open_page(render.build_page(bundled_store).html)
    page = opened.page
    rlhf = "Reinforcement learning from human feedback"
    page.fill("#search", "rlfh")
    page.press("#search", "Enter")
    assert "Did you mean" in (page.locator("#message").text_content() or "")
    assert rlhf in page.locator("#results .node-link").all_text_contents()
    page.fill("#search", "lora")
    suggested = page.locator("#results .node-link").all_text_contents()
    assert "Low-rank adaptation" in suggested
    assert "Elo rating system" not in suggested  # "e-LO RAting": across a word boundary
    assert "Elo rating system" in page.evaluate(
        "() => fmgraph.suggest('elo').map((id) => fmgraph.nodes.get(id).label)"
    )
    # arrows walk the suggestions, Escape closes them and returns to the box
    page.fill("#search", "atten")
    count = page.locator("#results button").count()
    assert count >= 2
    page.press("#search", "ArrowDown")
    first = page.locator("#results button").nth(0).text_content()
    assert page.evaluate("() => document.activeElement.textContent") == first
    page.keyboard.press("ArrowDown")
    second = page.locator("#results button").nth(1).text_content()
    assert page.evaluate("() => document.activeElement.textContent") == second
    page.keyboard.press("Escape")
    assert page.locator("#results").is_hidden()
    assert page.evaluate("() => document.activeElement.id") == "search"
    opened.assert_clean()


def test_nodes_are_reached_by_keyboard(open_page: Opener, tiny_store: LocalStore) -> None:
    opened = open_page(render.build_page(tiny_store).html)
    page = opened.page
    page.focus("#graph")
    outline = page.evaluate("() => getComputedStyle(document.getElementById('graph')).outlineStyle")
    assert outline == "solid"  # the focus shows
    page.keyboard.press("ArrowRight")
    first = page.evaluate("() => fmgraph.focused")
    assert first is not None
    assert page.locator("#details .card").count() == 1
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => fmgraph.focused") not in (None, first)
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("() => fmgraph.focused") == first
    # the most important node comes first: the concept most others need
    assert first == f"{ID}concept/attention"
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#plan=attention"
    page.keyboard.press("Escape")
    assert page.evaluate("() => [fmgraph.focused, fmgraph.plan]") == [None, None]
    opened.assert_clean()


def test_phone_shows_the_selected_card(open_page: Opener, bundled_store: LocalStore) -> None:
    opened = open_page(render.build_page(bundled_store).html, viewport=(390, 844))
    page = opened.page
    header = page.locator("header").bounding_box()
    assert header is not None and header["height"] < 170
    page.fill("#search", "lora")
    page.press("#search", "Enter")
    title = page.locator("#details .card-title")
    box = title.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert title.text_content() == "Low-rank adaptation"
    graph = page.locator("#graph").bounding_box()
    assert graph is not None and graph["height"] > 250
    opened.assert_clean()


LABELS = """() => {
  const network = fmgraph.network, scale = network.getScale();
  const first = network.body.nodes[network.body.nodeIndices[0]];
  const threshold = first.options.scaling.label.drawThreshold;
  const boxes = [];
  for (const id of network.body.nodeIndices) {
    const node = network.body.nodes[id];
    const px = Math.min(node.options.font.size * scale, node.options.scaling.label.maxVisible);
    if (node.options.hidden || px < threshold - 1) continue;
    const s = node.labelModule.size;
    const a = network.canvasToDOM({ x: s.left, y: s.top });
    const b = network.canvasToDOM({ x: s.left + s.width, y: s.top + s.height });
    boxes.push({ id: id, px: px, left: a.x, top: a.y, right: b.x, bottom: b.y });
  }
  return boxes;
}"""


def overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (a["id"], b["id"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["left"] < b["right"] - 1
        and b["left"] < a["right"] - 1
        and a["top"] < b["bottom"] - 1
        and b["top"] < a["bottom"] - 1
    ]


@pytest.mark.parametrize(
    "options",
    [{"focus": "dpo", "depth": 1}, {"path": ("transformer", "rlhf")}, {"plan": "dpo"}, {}],
    ids=["focus", "path", "plan", "whole"],
)
def test_labels_are_legible_and_never_overlap(
    open_page: Opener, bundled_store: LocalStore, options: dict[str, Any]
) -> None:
    opened = open_page(render.build_page(bundled_store, **options).html)
    boxes = opened.page.evaluate(LABELS)
    assert overlapping(boxes) == []
    assert all(b["px"] >= 11.5 for b in boxes)  # what is drawn can be read
    assert len(boxes) >= 5
    # the first labels drawn are those of the nodes that matter most
    if not options:
        concept = opened.page.evaluate(
            "() => fmgraph.nodes.get().filter((n) => n.id.includes('/concept/'))"
            ".sort((a, b) => b.size - a.size)[0].id"
        )
        assert concept in {b["id"] for b in boxes}
    opened.assert_clean()


def test_stale_state_is_cleared(open_page: Opener, tiny_store: LocalStore) -> None:
    opened = open_page(render.build_page(tiny_store).html)
    page = opened.page
    dpo = f"{ID}concept/dpo"
    # a tooltip hides as soon as the view moves
    opened.hover_node(dpo)
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    page.mouse.wheel(0, 200)
    tooltip.wait_for(state="hidden")
    # while a highlight is on, hovering reports the highlighted edge, never a faded one
    opened.click_node(dpo)
    picked = page.evaluate(
        """() => {
          const network = fmgraph.network;
          const lit = [...fmgraph.highlighted.edges][0];
          const faded = fmgraph.edges.getIds().find((id) => !fmgraph.highlighted.edges.has(id));
          const middle = network.canvasToDOM(network.body.edges[lit].edgeType.getPoint(0.5));
          const away = network.canvasToDOM(network.body.edges[faded].edgeType.getPoint(0.5));
          return [lit, fmgraph.pickEdge(faded, middle), fmgraph.pickEdge(faded, away),
                  fmgraph.pickEdge(lit, middle)];
        }"""
    )
    lit, on_lit, elsewhere, itself = picked
    assert on_lit == lit and itself == lit
    assert elsewhere is None or elsewhere == lit
    opened.assert_clean()
