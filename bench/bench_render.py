"""Benchmark of `fmgraph render` on synthetic course graphs: Python time to build the page,
and (with --browser) the time Chromium takes to lay it out and settle.

Run: python bench/bench_render.py [--runs N] [--pyvis] [--browser]. Prints a table (wall
and CPU time of each run, ranges and medians, the load average before and after; with --pyvis,
pyvis' own add_node/add_edge for the same graph, interleaved run by run); docs/explorer.md
quotes the 2,000-node browser rows (the page should be ready within 3 s with its overview).
Sizes grow tenfold so that a quadratic step would show at once (pyvis' add_node/add_edge
scan a list per call: 7 s for 20,000 nodes; --pyvis measures it here).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import networkx as nx

from fmgraph.render import render_html

ID = "https://w3id.org/fmgraph/id/"


def synthetic(n: int, seed: int = 0) -> nx.DiGraph:
    """A course-shaped graph of about ``n`` nodes: 65% concepts, 25% works, 5% sessions and
    5% topics, with the relations fmgraph draws, every concept's prerequisites earlier."""
    rng = random.Random(seed)
    graph = nx.DiGraph()
    counts = {"concept": n * 65 // 100, "work": n * 25 // 100, "session": n // 20}
    counts["topic"] = n - sum(counts.values())
    ids = {kind: [f"{ID}{kind}/{kind[0]}{i}" for i in range(k)] for kind, k in counts.items()}
    for i, node in enumerate(ids["topic"]):
        graph.add_node(node, kind="topic", id=f"t{i}", label=f"Topic {i}")
    for i, node in enumerate(ids["concept"]):
        graph.add_node(
            node,
            kind="concept",
            id=f"c{i}",
            label=f"Concept number {i}",
            aliases=f"C{i}; concept-{i}",
            definition=f"Synthetic concept {i}, defined for the benchmark.",
            topic=f"Topic {i % counts['topic']}",
        )
        graph.add_edge(node, ids["topic"][i % counts["topic"]], relation="inTopic")
        for j in {rng.randrange(i) for _ in range(rng.randint(1, 3))} if i else ():
            graph.add_edge(node, ids["concept"][j], relation="requires", reason=f"{i} after {j}")
    for i, node in enumerate(ids["work"]):
        graph.add_node(
            node,
            kind="work",
            id=f"w{i}",
            label=f"A synthetic paper about things, number {i}",
            title=f"A synthetic paper about things, number {i}",
            work_kind="paper",
            year=str(2015 + i % 10),
            arxiv=f"2301.{i:05d}",
            urls=f"https://arxiv.org/abs/2301.{i:05d}",
            authors="Ada Lovelace; Alan Turing",
        )
        for j, c in enumerate(rng.sample(ids["concept"], 3)):
            graph.add_edge(node, c, relation="introduces" if j == 0 else "discusses")
    for i, node in enumerate(ids["session"]):
        graph.add_node(node, kind="session", id=f"S-{i}", label=f"S-{i}", title=f"Session {i}")
        graph.add_edge(node, ids["topic"][i % counts["topic"]], relation="hasTopic")
        for position, w in enumerate(rng.sample(ids["work"], 5), start=1):
            role = "requiredReading" if position <= 3 else "furtherReading"
            graph.add_edge(node, w, relation=role, position=position)
    return graph


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (this process's, ``process_time``) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def pyvis_build(graph: nx.DiGraph) -> None:
    """What a page made with pyvis costs before any HTML: its own add_node/add_edge."""
    from pyvis.network import Network

    net = Network(directed=True)
    for node, data in graph.nodes(data=True):
        net.add_node(node, label=data["label"])
    for u, v in graph.edges:
        net.add_edge(u, v)


def span(values: list[float]) -> str:
    return f"{min(values):.3f}-{max(values):.3f} s (median {statistics.median(values):.3f})"


def browser_runs(graph: nx.DiGraph, runs: int) -> None:
    """Time Chromium from navigation to the page's ready flag (set once the layout has settled),
    for the page as rendered (an overview above render.OVERVIEW nodes) and, interleaved with
    it, the same graph drawn whole (the page before the overview existed). Each run records
    wall time, the renderer's main-thread task time (Chrome's TaskDuration: CPU spent by the
    page) and the one-minute load average, since a busy machine stretches wall time alone."""
    from playwright.sync_api import sync_playwright

    from fmgraph import render

    overview = render_html(graph, title="Synthetic course")
    limit = render.OVERVIEW
    render.OVERVIEW = 10**9
    try:
        whole = render_html(graph, title="Synthetic course")
    finally:
        render.OVERVIEW = limit
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    found: dict[str, list[tuple[float, float, float]]] = {"whole": [], "overview": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for _ in range(runs):
            for name, html in (("whole", whole), ("overview", overview)):
                path = Path(tmp) / f"{name}.html"
                path.write_text(html, encoding="utf-8")
                page = browser.new_page(viewport={"width": 1366, "height": 800})
                cdp = page.context.new_cdp_session(page)
                cdp.send("Performance.enable")
                load = os.getloadavg()[0]
                start = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_selector("body[data-ready=true]", state="attached", timeout=300_000)
                wall = time.perf_counter() - start
                metrics = {
                    m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                }
                found[name].append((wall, metrics["TaskDuration"], load))
                page.close()
        browser.close()
    for name, rows in found.items():
        walls, cpus, loads = zip(*rows, strict=True)
        print(
            f"    browser, {name:>8}: ready in {min(walls):.2f}-{max(walls):.2f} s"
            f" (median {statistics.median(walls):.2f}), page CPU {min(cpus):.2f}-{max(cpus):.2f} s,"
            f" load average {min(loads):.1f}-{max(loads):.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2_000, 20_000])
    parser.add_argument("--browser", action="store_true", help="also time Chromium's layout")
    parser.add_argument("--pyvis", action="store_true", help="also time pyvis add_node/add_edge")
    args = parser.parse_args()
    render_html(synthetic(50), title="warm-up")  # read the assets once, outside the timing
    print(f"load average (1 min) before: {os.getloadavg()[0]:.2f}")
    print("| nodes | links | render_html, wall | render_html, CPU | CPU per node |"
          " pyvis add_node/add_edge, CPU |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        graph = synthetic(n)
        ours: list[tuple[float, float]] = []
        theirs: list[tuple[float, float]] = []
        for _ in range(args.runs):  # interleaved, so that the machine's noise hits both
            ours.append(timed(partial(render_html, graph, title="Synthetic course")))
            if args.pyvis:
                theirs.append(timed(partial(pyvis_build, graph)))
        cpu = [c for _, c in ours]
        per_node = statistics.median(cpu) / graph.number_of_nodes() * 1e6
        pyvis = span([c for _, c in theirs]) if theirs else "not measured"
        print(f"| {n:,} | {graph.number_of_edges():,} | {span([w for w, _ in ours])} | "
              f"{span(cpu)} | {per_node:.1f} µs | {pyvis} |", flush=True)  # fmt: skip
        if args.browser and n <= 2_000:
            browser_runs(graph, args.runs)
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
