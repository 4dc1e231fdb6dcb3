"""The HTML explorer without a browser: views, page contents, escaping, determinism, CLI.

What the page does once loaded (drawing, search, tooltips) is tested in Chromium, in
test_render_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

from fmgraph import render
from fmgraph.cli import cli
from fmgraph.errors import NoPath, OutputError, UnknownName
from fmgraph.graphview import full_graph, prerequisite_graph
from fmgraph.names import resolve
from fmgraph.paths import find_path
from fmgraph.store import LocalStore

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny"
XSS = FIXTURES / "render-xss"
ID = "https://w3id.org/fmgraph/id/"
HOSTILE_TITLE = '</script><img src=x onerror=alert(1)>&amp; "x"'


def concept(name: str) -> str:
    return f"{ID}concept/{name}"


def work(name: str) -> str:
    return f"{ID}work/{name}"


class Page(HTMLParser):
    """The parts of a rendered page the tests read, as the browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h1 = ""
        self.title = ""
        self._in: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append((dict(attrs), ""))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        where = self._in[-1] if self._in else ""
        if where == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif where == "h1":
            self.h1 += data
        elif where == "title":
            self.title += data

    def payload(self) -> dict[str, Any]:
        (text,) = [t for a, t in self.scripts if a.get("type") == "application/json"]
        payload: dict[str, Any] = json.loads(text)
        return payload


@pytest.fixture(scope="module")
def xss_store() -> LocalStore:
    from fmgraph.cache import open_store

    return open_store(XSS)


@pytest.fixture(scope="module")
def tiny_graph(tiny_store: LocalStore) -> nx.DiGraph:
    return full_graph(tiny_store)


# --- views -----------------------------------------------------------------------------------


def test_focus_view_is_the_neighbourhood_in_both_directions(tiny_graph: nx.DiGraph) -> None:
    view = render.focus_view(tiny_graph, concept("dpo"), 1)
    assert set(view) == {
        concept("dpo"),
        concept("rlhf"),  # dpo requires it
        concept("transformer"),
        f"{ID}topic/align",  # dpo is in it
        work("arxiv-2305.18290"),  # introduces dpo: an incoming edge
    }
    assert view.graph["focus"] == concept("dpo")
    assert set(view.edges) == {(u, v) for u, v in tiny_graph.edges if u in view and v in view}


def test_focus_view_depth(tiny_graph: nx.DiGraph) -> None:
    assert set(render.focus_view(tiny_graph, concept("dpo"), 0)) == {concept("dpo")}
    two = render.focus_view(tiny_graph, concept("dpo"), 2)
    assert concept("attention") in two and f"{ID}session/T-2" in two
    assert len(two) > len(render.focus_view(tiny_graph, concept("dpo"), 1))


def test_focus_resolves_names_like_fmgraph_show(tiny_store: LocalStore) -> None:
    """--focus takes any name `fmgraph show` takes: the one resolver, names.resolve."""
    # label with other case and punctuation, alias, arXiv id, session code, qualified kind
    for name, node in [
        ("direct  PREFERENCE-optimization", concept("dpo")),
        ("rlhf", concept("rlhf")),
        ("2305.18290", work("arxiv-2305.18290")),
        ("t-1", f"{ID}session/T-1"),
        ("topic:alignment & safety", f"{ID}topic/align"),
    ]:
        page = render.build_page(tiny_store, focus=name, depth=0)
        assert node in page.html
        assert resolve(tiny_store, name).iri == node
    with pytest.raises(UnknownName, match="transformer"):
        render.build_page(tiny_store, focus="transfomer", depth=1)


@pytest.mark.parametrize(
    "options",
    [{"focus": "dpo", "depth": 0}, {"focus": "DPO", "depth": 1}, {"focus": "2024-S5", "depth": 2},
     {"focus": "2305.18290", "depth": 3}, {"path": ("transformer", "rlhf")},
     {"path": ("diffusion", "dreambooth")}],
)  # fmt: skip
def test_focus_and_path_pages_read_only_around_their_nodes_and_match_the_whole_graphs(
    bundled_store: LocalStore, options: dict[str, Any]
) -> None:
    """The page is byte-identical to one cut from the whole graph: the same nodes, sizes,
    'needed by' counts and 'read in' lists."""
    from fmgraph import graphview

    whole = full_graph(bundled_store)
    if "focus" in options:
        centre = resolve(bundled_store, options["focus"]).iri
        view = render.focus_view(whole, centre, options["depth"])
    else:
        view = render.path_view(whole, find_path(bundled_store, *options["path"]))
    study = render.study_data(bundled_store, view)
    expected = render.render_html(view, title=view.graph["title"], context=whole, study=study)
    with pytest.MonkeyPatch.context() as mp:
        calls: list[object] = []

        def spy(store: LocalStore, nodes: Any = None, concepts: Any = None) -> nx.DiGraph:
            calls.append(nodes)
            return graphview.full_graph(store, nodes, concepts)

        mp.setattr(render, "full_graph", spy)
        assert render.build_page(bundled_store, **options).html == expected
    assert calls and all(nodes is not None for nodes in calls)


def test_concepts_view_levels_foundations_first(tiny_store: LocalStore) -> None:
    view = render.concepts_view(prerequisite_graph(tiny_store))
    levels = {view.nodes[n]["id"]: view.nodes[n]["level"] for n in view}
    assert levels == {"attention": 0, "transformer": 1, "rlhf": 2, "lora": 2, "dpo": 3}
    # edges point from the dependent to its prerequisite, as in full_graph
    assert (concept("dpo"), concept("rlhf")) in view.edges
    assert {r for *_, r in view.edges(data="relation")} == {"requires"}
    assert len(view.edges) == 5


def test_path_view_is_the_chain_with_its_readings(
    tiny_store: LocalStore, tiny_graph: nx.DiGraph
) -> None:
    view = render.path_view(tiny_graph, find_path(tiny_store, "attention", "dpo"))
    chain = [concept("attention"), concept("transformer"), concept("dpo")]
    assert set(view) == {*chain, work("attention-notes"), work("arxiv-2305.18290")}
    assert {(u, v, r) for u, v, r in view.edges(data="relation")} == {
        (concept("transformer"), concept("attention"), "requires"),
        (concept("dpo"), concept("transformer"), "requires"),
        (work("attention-notes"), concept("attention"), "discusses"),
        (work("attention-notes"), concept("transformer"), "discusses"),
        (work("arxiv-2305.18290"), concept("dpo"), "introduces"),
    }
    xs = [view.nodes[n]["pin"][0] for n in chain]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert view.graph["title"] == "From Attention to Direct preference optimization"


def test_path_view_without_a_chain_is_no_path(tiny_store: LocalStore) -> None:
    with pytest.raises(NoPath):
        render.build_page(tiny_store, path=("dpo", "attention"))


def test_dependents_counts_concepts_that_need_one_directly_or_not(
    tiny_graph: nx.DiGraph,
) -> None:
    counts = {tiny_graph.nodes[n]["id"]: c for n, c in render.dependents(tiny_graph).items()}
    assert counts == {"attention": 4, "transformer": 3, "rlhf": 1, "dpo": 0, "lora": 0}


def test_dependents_survives_a_cycle() -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from("ab", kind="concept")
    graph.add_edge("a", "b", relation="requires")
    graph.add_edge("b", "a", relation="requires")
    assert set(render.dependents(graph)) == {"a", "b"}


# What levels and "needed by" counts were before they were computed over plain dicts: the
# reference the faster code must agree with, cycles and odd edges included.
def _old_requires_graph(graph: nx.DiGraph) -> nx.DiGraph:
    requires = nx.DiGraph()
    requires.add_nodes_from(n for n, d in graph.nodes(data=True) if d.get("kind") == "concept")
    requires.add_edges_from(
        (u, v) for u, v, r in graph.edges(data="relation") if r == "requires" and u in requires
    )
    return requires


def _old_topological(graph: nx.DiGraph) -> list[str]:
    try:
        return list(nx.topological_sort(graph))
    except nx.NetworkXUnfeasible:
        return list(graph)


def old_levels(graph: nx.DiGraph) -> dict[str, int]:
    requires = _old_requires_graph(graph)
    level: dict[str, int] = {}
    for node in reversed(_old_topological(requires)):
        level[node] = max(
            (level[p] + 1 for p in requires.successors(node) if p in level), default=0
        )
    return level


def old_dependents(graph: nx.DiGraph) -> dict[str, int]:
    requires = _old_requires_graph(graph)
    return {n: len(nx.ancestors(requires, n)) for n in requires}


def _random_concepts(seed: int, cyclic: bool) -> nx.DiGraph:
    rng = random.Random(seed)
    graph = nx.DiGraph()
    names = [f"c{i}" for i in range(rng.randint(1, 60))]
    rng.shuffle(names)
    for name in names:
        graph.add_node(name, kind="concept" if rng.random() < 0.9 else "work")
    for i, u in enumerate(names):
        for _ in range(rng.randint(0, 3)):
            v = rng.choice(names if cyclic else names[i:])
            relation = "requires" if rng.random() < 0.85 else "discusses"
            graph.add_edge(u, v, relation=relation)
    if rng.random() < 0.3:  # a prerequisite that is not a concept of the graph
        graph.add_edge(names[0], "elsewhere", relation="requires")
    return graph


@pytest.mark.parametrize("seed", range(60))
def test_levels_and_dependents_are_those_of_the_networkx_reference(seed: int) -> None:
    graph = _random_concepts(seed, cyclic=seed % 3 == 0)
    assert render.prerequisite_levels(graph) == old_levels(graph)
    acyclic = nx.is_directed_acyclic_graph(_old_requires_graph(graph))
    if acyclic:  # with a cycle, counts follow the node order, as before
        assert render.dependents(graph) == old_dependents(graph)
    else:
        assert set(render.dependents(graph)) == set(old_dependents(graph))


def _old_concepts_page(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> str:
    """The concept page as it was built before the whole DAG was read once and copied
    shallowly: the DAG read by each step that needs it, reversed with deep copies, levels
    and sizes from networkx."""
    view = prerequisite_graph(store).reverse(copy=True)
    for node, level in old_levels(view).items():
        view.nodes[node]["level"] = level
    view.graph.update(render.concepts_view(prerequisite_graph(store)).graph)
    study = render.study_data(store, view)
    with monkeypatch.context() as patch:
        patch.setattr(render, "dependents", old_dependents)
        return render.render_html(view, title=view.graph["title"], study=study)


def test_the_concept_page_is_the_one_the_old_path_built(
    bundled_store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every concept's plan, the sessions and the audit are in it (a course small enough to
    browse): the page is byte for byte the old one."""
    page = render.build_page(bundled_store, concepts=True)
    assert page.html == _old_concepts_page(bundled_store, monkeypatch)
    study = Page(page.html).payload()["study"]
    assert study["plans"] and study["sessions"] and study["audit"]


@pytest.mark.slow  # building the course: 3 s
def test_the_concept_page_of_a_larger_course_is_the_one_the_old_path_built(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """400 concepts (bench/synth.py at 80,000 triples) with levels, reasons, aliases and
    topics, in a graph too big to browse: the same bytes."""
    from test_bench_synth import _synth

    from fmgraph.cache import open_store

    directory = tmp_path_factory.mktemp("synth")
    _synth().main(["--triples", "80000", "--seed", "7", "--yaml-works", "400", str(directory)])
    store = open_store(directory)
    page = render.build_page(store, concepts=True)
    assert (page.nodes, page.links) == (400, 634)
    assert page.html == _old_concepts_page(store, monkeypatch)
    payload = Page(page.html).payload()
    assert max(n["level"] for n in payload["nodes"]) >= 5
    assert all(e.get("reason") for e in payload["edges"])


# --- page contents ---------------------------------------------------------------------------


def tiny_page(tiny_store: LocalStore, **options: Any) -> Page:
    return Page(render.build_page(tiny_store, **options).html)


def test_page_asks_no_other_host(tiny_store: LocalStore) -> None:
    text = render.build_page(tiny_store).html
    page = Page(text)
    assert not [t for t, a in page.tags if t in ("script", "img", "iframe") and "src" in a]
    assert not [t for t, a in page.tags if t == "link"]
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", text)
    for cdn in ("jsdelivr", "unpkg", "cdnjs", "bootstrapcdn", "googleapis"):
        assert cdn not in text  # what pyvis' own template loads from
    (csp,) = [
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp is not None and "default-src 'none'" in csp and "unsafe-eval" not in csp
    # every executable script is allowed by its hash, and nothing else is
    code = [s for a, s in page.scripts if a.get("type") != "application/json"]
    assert len(code) == 2
    for script in code:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_page_inlines_vis_network_from_pyvis(tiny_store: LocalStore) -> None:
    page = tiny_page(tiny_store)
    vis = [s for a, s in page.scripts if "@version 9.1.2" in s]
    assert len(vis) == 1 and "vis-network" in vis[0]


def test_payload_counts_and_order(tiny_store: LocalStore, tiny_graph: nx.DiGraph) -> None:
    payload = tiny_page(tiny_store).payload()
    assert len(payload["nodes"]) == tiny_graph.number_of_nodes() == 12
    assert len(payload["edges"]) == tiny_graph.number_of_edges()
    kinds = [n["kind"] for n in payload["nodes"]]
    assert kinds == sorted(kinds, key=render.KIND_ORDER.index)
    assert [e["id"] for e in payload["edges"]] == [f"e{i}" for i in range(len(payload["edges"]))]
    assert set(payload["kinds"]) == {"session", "work", "concept", "topic"}
    shapes = {k: s["shape"] for k, s in payload["kinds"].items()}
    colours = {s["color"] for s in payload["kinds"].values()}
    assert len(set(shapes.values())) == 4 and len(colours) == 4
    styles = {(s["color"], str(s["dashes"])) for s in payload["relations"].values()}
    assert len(styles) == len(payload["relations"])


def test_sizes_grow_with_what_depends_on_a_concept(tiny_store: LocalStore) -> None:
    nodes = {n["id"]: n for n in tiny_page(tiny_store).payload()["nodes"]}
    size = {name: nodes[concept(name)]["size"] for name in ("attention", "transformer", "dpo")}
    assert size["attention"] > size["transformer"] > size["dpo"]


def test_tooltips_carry_what_the_issue_asks(tiny_store: LocalStore) -> None:
    nodes = {n["id"]: n for n in tiny_page(tiny_store).payload()["nodes"]}
    paper = nodes[work("arxiv-2203.02155")]["info"]
    assert paper["title"] == "Human feedback at scale"
    assert paper["kind"] == "Work · paper"
    assert ["Year", "2022"] in paper["rows"]
    assert ["Read in", "T-1 (required, #2); T-2 (further, #2)"] in paper["rows"]
    assert paper["links"] == [["arXiv:2203.02155", "https://arxiv.org/abs/2203.02155"]]
    dpo = nodes[concept("dpo")]
    assert dpo["info"]["text"] == "Learning from preference pairs with a classification loss."
    assert ["Also", "DPO"] in dpo["info"]["rows"]
    assert set(dpo["names"]) == {"dpo", "Direct preference optimization", "DPO"}
    session = nodes[f"{ID}session/T-2"]["info"]
    assert session["title"] == "T-2: Aligning models"
    assert ["Readings", "1 required, 1 further"] in session["rows"]


def test_hostile_text_stays_data(xss_store: LocalStore) -> None:
    title = '<b>Course</b> & "friends" &amp; </script>'
    text = render.build_page(xss_store, title=title).html
    page = Page(text)
    # the parser sees exactly three scripts and the heading as the literal text
    assert len(page.scripts) == 3
    assert page.h1 == title and page.title == title
    assert "&amp;amp;" in text  # the literal "&amp;" escaped once, not left as an entity
    for raw in ("<img src=x", "<svg onload", "Escaping <b>", "<script>alert", "<u>one"):
        assert raw not in text
    # the data round-trips through the JSON block unchanged
    nodes = {n["id"]: n for n in page.payload()["nodes"]}
    assert nodes[work("hostile")]["info"]["title"] == HOSTILE_TITLE
    assert nodes[concept("escaping")]["label"] == "Escaping <b>&amp;</b>"
    assert ["Authors", "<svg onload=alert(4)>"] in nodes[work("hostile")]["info"]["rows"]


def test_json_block_cannot_close_its_script() -> None:
    payload = {"a": "</script><!-- & -->", "b": "\u2028"}
    text = render._json_for_html(payload)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == payload


def test_same_data_same_bytes_across_processes(tmp_path: Path) -> None:
    """No random ids, timestamps or set order: hash randomisation must not change the page."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"page-{seed}.html"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run(
            [sys.executable, "-c", "from fmgraph.cli import main; main()", "--data", str(TINY),
             "render", "--focus", "transformer", "--depth", "2", "-o", str(out)],
            check=True, env=env, capture_output=True,
        )  # fmt: skip
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_render_does_not_import_pyvis_or_ipython(tmp_path: Path) -> None:
    code = (
        "import sys; from fmgraph.cache import open_store; from fmgraph.render import build_page;"
        f"build_page(open_store(__import__('pathlib').Path({str(TINY)!r})));"
        "print(sorted(m for m in ('pyvis', 'IPython') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_cli_does_not_import_the_renderer() -> None:
    code = "import sys, fmgraph.cli; print('fmgraph.render' in sys.modules, 'pyvis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False False"


def test_missing_vis_network_is_an_output_error(monkeypatch: pytest.MonkeyPatch) -> None:
    render._vis_network.cache_clear()
    monkeypatch.setattr(render, "VIS_NETWORK", "no/such/file.js")
    try:
        with pytest.raises(OutputError, match="pyvis"):
            render._vis_network()
    finally:
        render._vis_network.cache_clear()


# --- command line ----------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--data", str(TINY), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "graph.html"
    code, stdout, stderr = run("render", "-o", str(out), "--title", "Tiny")
    assert (code, stdout) == (0, "")
    page = Page(out.read_text(encoding="utf-8"))
    assert page.h1 == "Tiny" and len(page.payload()["nodes"]) == 12
    links = len(page.payload()["edges"])
    assert stderr.endswith(f"wrote {out}: 12 nodes, {links} links\n")


def test_cli_suggests_a_view_when_the_whole_graph_is_too_big_to_browse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "BROWSER_NODES", 10)
    _code, _out, stderr = run("render", "-o", str(tmp_path / "g.html"))
    assert "note: a browser draws about 10 nodes smoothly" in stderr and "--concepts" in stderr
    for view in (["--concepts"], ["--focus", "dpo", "--depth", "3"]):
        assert "note:" not in run("render", "-o", str(tmp_path / "v.html"), *view)[2]


def test_cli_default_output_is_fmgraph_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("render", "--concepts")[0] == 0
    assert len(Page((tmp_path / "fmgraph.html").read_text()).payload()["nodes"]) == 5


def test_cli_views(tmp_path: Path) -> None:
    out = str(tmp_path / "p.html")
    assert run("render", "--focus", "dpo", "--depth", "0", "-o", out)[0] == 0
    assert [n["id"] for n in Page(Path(out).read_text()).payload()["nodes"]] == [concept("dpo")]
    assert run("render", "--path", "attention", "dpo", "-o", out)[0] == 0
    assert len(Page(Path(out).read_text()).payload()["nodes"]) == 5
    # --plan draws the plan's concepts in levels and opens on the plan
    assert run("render", "--plan", "DPO", "-o", out)[0] == 0
    payload = Page(Path(out).read_text()).payload()
    assert sorted(n["key"] for n in payload["nodes"]) == ["attention", "dpo", "rlhf", "transformer"]
    assert all("level" in n for n in payload["nodes"])
    assert (payload["study"]["start"], payload["study"]["target"]) == ("plan", "dpo")
    # --sessions draws the whole graph and opens on the sessions
    assert run("render", "--sessions", "-o", out)[0] == 0
    payload = Page(Path(out).read_text()).payload()
    assert len(payload["nodes"]) == 12 and payload["study"]["start"] == "sessions"
    assert [s["id"] for s in payload["study"]["sessions"]] == ["T-1", "T-2"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--focus", "nosuch"], 2, "Error: no concept or session or work or topic is named"),
        (["--focus", "dpo", "--concepts"], 2, "choose one view"),
        (["--depth", "2"], 2, "--depth goes with --focus"),
        (["--path", "dpo", "attention"], 1, "Error: No prerequisite chain"),
        (["--plan", "dpo", "--sessions"], 2, "choose one view"),
        (["--plan", "nosuch"], 2, "Error: no concept is named"),
    ],
)
def test_cli_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["--data", str(TINY), "render", "-o", str(out), *args])
    assert result.exit_code == code
    assert message in result.stderr
    assert not out.exists()


def test_cli_help_ends_with_examples() -> None:
    result = CliRunner().invoke(cli, ["render", "--help"])
    assert result.exit_code == 0
    assert "Examples:\n    fmgraph render\n" in result.stdout


def test_the_served_explorer_is_the_whole_graph_unless_too_big_to_browse(
    tiny_store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = render.explorer_page(tiny_store)
    assert page.whole and page.nodes == 12
    monkeypatch.setattr(render, "BROWSER_NODES", 11)
    page = render.explorer_page(tiny_store)
    assert not page.whole and page.nodes == 5  # the five concepts
    assert page.html == render.build_page(tiny_store, concepts=True).html


# ---- Study plans and sessions ----------------------------------------------------------------


def test_every_concept_carries_the_plan_of_the_cli(tiny_store: LocalStore) -> None:
    """Put back together as the page's script does, each plan is `fmgraph plan X --format
    json`, byte for byte once serialized the same way."""
    payload = Page(render.build_page(tiny_store).html).payload()
    study = payload["study"]
    assert sorted(study["plans"]) == ["attention", "dpo", "lora", "rlhf", "transformer"]
    for target, steps in study["plans"].items():
        result = CliRunner().invoke(
            cli, ["--data", str(TINY), "plan", target, "--format", "json"], catch_exceptions=False
        )
        expected = json.loads(result.output)
        rebuilt = [{**study["concepts"][s["id"]], **s} for s in steps]
        assert rebuilt == expected["steps"] and target == expected["target"]
    # what "I know this" prunes by: the prerequisites of each concept that has some, by id
    assert study["requires"] == {
        "transformer": ["attention"],
        "rlhf": ["transformer"],
        "dpo": ["rlhf", "transformer"],
        "lora": ["transformer"],
    }
    # the works of the readings, for the Markdown and BibTeX exports
    assert study["works"]["arxiv-2305.18290"] == {
        "title": 'Preference learning <b>without</b> rewards & "quotes" — naïve',
        "kind": "paper",
        "authors": ["Ada Lovelace", "Émile Zola"],
        "year": "2023",
        "arxiv": "2305.18290",
        "url": "https://arxiv.org/abs/2305.18290",
    }


def test_a_large_view_carries_only_the_plan_asked_for(
    tiny_store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "PLANS_FOR_ALL", 2)
    study = Page(render.build_page(tiny_store, plan="rlhf").html).payload()["study"]
    assert list(study["plans"]) == ["rlhf"]
    assert list(Page(render.build_page(tiny_store).html).payload()["study"]["plans"]) == []
    # and part of a graph too big to browse, the plan of its focus alone
    monkeypatch.setattr(render, "PLANS_FOR_ALL", 300)
    monkeypatch.setattr(render, "BROWSER_NODES", 5)
    page = Page(render.build_page(tiny_store, focus="rlhf", depth=1).html).payload()
    assert list(page["study"]["plans"]) == ["rlhf"] and page["study"]["sessions"] == []


def test_sessions_in_date_order_with_readings_and_what_they_teach(tiny_store: LocalStore) -> None:
    sessions = render.course_sessions(tiny_store)
    assert sessions == [
        {
            "id": "T-1",
            "title": "Foundations",
            "date": "2024-01-30",
            "readings": [
                {"work": "attention-notes", "role": "required", "position": 1},
                {"work": "arxiv-2203.02155", "role": "required", "position": 2},
            ],
            "teaches": ["rlhf"],  # what its readings introduce
            "discusses": ["attention", "transformer"],
            "assumes": [],
        },
        {
            "id": "T-2",
            "title": "Aligning models",
            "date": "2024-02-06",
            "readings": [
                {"work": "arxiv-2305.18290", "role": "required", "position": 1},
                {"work": "arxiv-2203.02155", "role": "further", "position": 2},
            ],
            "teaches": ["dpo", "rlhf"],
            "discusses": [],
            "assumes": [],
        },
    ]


# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB.
MACHADO = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}


def _lab(hex_colour: str, matrix: list[list[float]] | None) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour as seen with ``matrix``'s colour-vision deficiency."""

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5)]
    if matrix is not None:
        rgb = [
            min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True)))) for row in matrix
        ]
    r, g, b = rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


#: The smallest CIELAB distance (CIE76) two edge colours may have, in any vision: about five
#: times a just-noticeable difference, enough for thin lines.
MIN_DISTANCE = 25


def test_edge_kinds_stay_distinguishable_with_colour_vision_deficiencies() -> None:
    styles = render.RELATION_STYLES
    colours = sorted({s.color for s in styles.values()})
    for vision, matrix in [("normal", None), *MACHADO.items()]:
        for i, a in enumerate(colours):
            for b in colours[i + 1 :]:
                d = math.dist(_lab(a, matrix), _lab(b, matrix))
                assert d >= MIN_DISTANCE, f"{a} and {b} are {d:.1f} apart with {vision}"
    # the simulation is the real one: the old "requires" and "required reading" merge
    assert (
        math.dist(
            _lab("#D55E00", MACHADO["deuteranopia"]), _lab("#B07800", MACHADO["deuteranopia"])
        )
        < 5
    )
    # colour is never the only cue: any two relations differ in dashes or arrowhead
    cues = [(json.dumps(s.dashes), s.arrow) for s in styles.values()]
    assert len(set(cues)) == len(cues)
    # and the families the reader tells apart most often differ in colour too
    for a, b in [
        ("requires", "requiredReading"),
        ("requires", "introduces"),
        ("requiredReading", "introduces"),
    ]:
        assert styles[a].color != styles[b].color


def test_legend_draws_each_relation_with_its_dashes_and_arrowhead(tiny_store: LocalStore) -> None:
    html = render.build_page(tiny_store).html
    assert 'stroke-dasharray="3 4"' in html  # discusses
    assert '<circle cx="35" cy="6" r="3.5"/>' in html  # the arrowhead of work-to-concept links


def test_an_id_that_names_two_concepts_has_no_plan_and_breaks_nothing(tmp_path: Path) -> None:
    """`fmgraph plan ID` cannot tell apart a concept from another that has ID as its alias,
    so the page carries no plan for it, and still renders."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "course.yaml").write_text(
        "topics:\n  - label: Basics\n"
        "concepts:\n"
        "  - id: attention\n    label: Attention\n    definition: Weighting inputs.\n"
        "    topic: basics\n"
        "  - id: transformer\n    label: Transformer\n    definition: Stacked attention.\n"
        "    topic: basics\n"
        "    requires:\n      - concept: attention\n        reason: its layers attend\n"
        "  - id: t5\n    label: T5\n    aliases: [transformer]\n    definition: A model.\n"
        "    topic: basics\n"
        "    requires:\n      - concept: attention\n        reason: it is a transformer\n",
        encoding="utf-8",
    )
    out = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["--data", str(data), "render", "-o", str(out)])
    assert result.exit_code == 0, result.output
    plans = Page(out.read_text(encoding="utf-8")).payload()["study"]["plans"]
    assert sorted(plans) == ["attention", "t5"]
