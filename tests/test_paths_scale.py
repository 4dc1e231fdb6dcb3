"""Plans, paths and readings, as optimised, against a plain reference implementation.

The reference reads every relation of a generated course whole (no VALUES, no chunks, no
numbered keys), ranks readings straight from their definition, walks the networkx
prerequisite graph and asks networkx for the shortest chains. The course has a few thousand
triples: ties in labels' order, in session dates and in IRIs; several sessions reading the
same work, as required and as further reading; works that introduce, teach, use or only
discuss a concept; background (motivated-by) links.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from fmgraph.cache import open_store
from fmgraph.errors import NoPath
from fmgraph.graphview import prerequisite_graph
from fmgraph.paths import find_path, known_concepts, learning_plan
from fmgraph.query import rows
from fmgraph.store import GraphStore
from fmgraph.suggested import SuggestedWork, Suggestions, suggested_works
from fmgraph.vocab import concept_iri

CONCEPTS = 60
WORKS = 260
SESSIONS = 9


def _course(directory: Path, seed: int = 11) -> None:
    """A layered concept DAG and works and sessions linked to it at random (seeded)."""
    rng = random.Random(seed)
    lines = ["topics:", "  - id: t", "    label: T", "    definition: A topic.", "concepts:"]
    for i in range(CONCEPTS):
        label = f"Concept {i % 7} {'ab'[i % 2]}{i:02d}" if i % 5 else f"concept {i % 7} A{i:02d}"
        lines += [f"  - id: c{i:02d}", f'    label: "{label}"', "    topic: t",
                  f"    definition: Concept number {i}."]  # fmt: skip
        below = list(range(max(0, i - 12), i))
        if below:
            lines.append("    requires:")
            for p in sorted(rng.sample(below, min(len(below), rng.randint(1, 3)))):
                lines += [f"      - concept: c{p:02d}", f'        reason: "r {i} {p}"']
        if i > 3 and rng.random() < 0.3:
            p = rng.randrange(0, i - 1)
            lines += ["    motivated_by:", f"      - concept: c{p:02d}", f'        reason: "m {i}"']
    lines.append("works:")
    for w in range(WORKS):
        lines += [f"  - id: w{w:03d}", f'    title: "Work {w % 40}"', "    kind: paper"]
        if w % 9:
            lines.append(f"    urls: [https://example.org/{w % 13}/{w}, https://example.org/a{w}]")
        picked = rng.sample(range(CONCEPTS), 6)
        groups = {"introduces": picked[:1] if w < CONCEPTS * 2 else [],
                  "teaches": picked[1 : rng.randint(1, 3)],
                  "uses": picked[3 : rng.randint(3, 5)],
                  "discusses": picked[5 : rng.randint(5, 6)]}  # fmt: skip
        for key, concepts in groups.items():
            if concepts:
                lines.append(f"    {key}: [{', '.join(f'c{c:02d}' for c in concepts)}]")
    lines.append("sessions:")
    for s in range(SESSIONS):
        read = rng.sample(range(80), 12)  # the first works, so that many are read twice
        lines += [f"  - code: S{s}", f"    title: Session {s}",
                  f"    date: 2024-0{1 + s // 3}-1{s % 2}",
                  f"    required: [{', '.join(f'w{w:03d}' for w in read[:4])}]",
                  f"    further: [{', '.join(f'w{w:03d}' for w in read[4:])}]"]  # fmt: skip
    directory.mkdir()
    (directory / "course.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> GraphStore:
    directory = tmp_path_factory.mktemp("scale") / "data"
    _course(directory)
    return open_store(directory)


def _all(store: GraphStore, sparql: str) -> list[dict[str, Any]]:
    return list(rows(store, sparql))


def _reference_readings(
    store: GraphStore, concepts: list[str], limit: int | None
) -> dict[str, Suggestions]:
    """Suggestions from their definition, over relations read whole."""
    pairs = {
        name: {(r["c"], r["w"]) for r in _all(store, f"SELECT ?w ?c WHERE {{ ?w fm:{name} ?c }}")}
        for name in ("introduces", "teaches", "uses", "discusses")
    }
    lists = _all(
        store,
        """SELECT ?w ?list ?date WHERE {
        VALUES ?list { fm:requiredReading fm:furtherReading } ?s ?list ?w
        OPTIONAL { ?s dcterms:date ?date } }""",
    )
    places = _all(
        store,
        """SELECT ?w ?code ?role ?position WHERE {
        ?r fm:work ?w ; fm:session ?s ; fm:role ?role ; fm:position ?position .
        ?s dcterms:identifier ?code }""",
    )
    ids = {r["w"]: r["v"] for r in _all(store, "SELECT ?w ?v WHERE { ?w dcterms:identifier ?v }")}
    titles = {r["w"]: r["v"] for r in _all(store, "SELECT ?w ?v WHERE { ?w dcterms:title ?v }")}
    urls: dict[str, list[str]] = {}
    for r in _all(store, "SELECT ?w ?v WHERE { ?w schema:url ?v }"):
        urls.setdefault(r["w"], []).append(r["v"])
    found = {}
    for c in concepts:
        introducers = {w for cc, w in pairs["introduces"] if cc == c}
        teachers = {w for cc, w in pairs["teaches"] if cc == c} | introducers
        discussers = {w for cc, w in pairs["discusses"] if cc == c}
        read = [r for r in lists if r["w"] in discussers]
        rank = {}
        for w in teachers | discussers:
            roles = [0 if r["list"].endswith("requiredReading") else 1 for r in read if r["w"] == w]
            dates = [r["date"] for r in read if r["w"] == w and r["date"]]
            how = 0 if w in introducers else 1 if w in teachers else 2
            rank[w] = (how, min(roles, default=2), min(dates, default="~"), w)
        chosen = sorted(rank, key=rank.__getitem__)[:limit]
        readings = []
        for w in chosen:
            relation = ("introduces" if w in introducers else "teaches" if w in teachers
                        else "uses" if (c, w) in pairs["uses"] else "discusses")  # fmt: skip
            where = sorted(
                (r for r in places if r["w"] == w),
                key=lambda r: (r["role"] != "required", r["code"], int(r["position"])),
            )
            url = min(urls[w]) if w in urls else None
            for p in where or [{"code": None, "role": None, "position": None}]:
                position = int(p["position"]) if p["position"] else None
                reading = SuggestedWork(ids.get(w, w), titles.get(w, w), p["code"], p["role"],
                                  position, w in introducers, relation, url)  # fmt: skip
                readings.append(reading)
        found[c] = Suggestions(readings, len(discussers))
    return found


def _first_taught(store: GraphStore) -> dict[str, str]:
    found: dict[str, str] = {}
    taught = "SELECT ?c ?d WHERE { ?w fm:teaches ?c . ?s fm:reading ?w ; dcterms:date ?d }"
    for r in _all(store, taught):
        found[r["c"]] = min(found.get(r["c"], r["d"]), r["d"])
    return found


def _reference_plan(
    store: GraphStore, target: str, know: list[str], background: bool, limit: int | None
) -> list[tuple[Any, ...]]:
    goal = concept_iri(target)
    graph = prerequisite_graph(store, of=goal, background=background)
    known = known_concepts(store, know)[1] if know else set()
    first = _first_taught(store)

    def key(n: str) -> tuple[str, str, str]:
        return (first.get(n, "~"), graph.nodes[n]["label"].casefold(), graph.nodes[n]["id"])

    order: list[str] = []
    needed_for: dict[str, str] = {}

    def visit(node: str) -> None:  # recursive: the plain way
        for p in sorted(graph.predecessors(node), key=key):
            if p not in needed_for and p != goal and p not in known:
                needed_for[p] = node
                visit(p)
        order.append(node)

    if goal not in known:
        visit(goal)
    readings = _reference_readings(store, order, limit)
    steps = []
    for n in order:
        d = needed_for.get(n)
        edge = graph.edges[n, d] if d else {}
        after = sorted(graph.nodes[p]["id"] for p in graph.predecessors(n) if p not in known)
        steps.append((graph.nodes[n]["id"], graph.nodes[n]["label"], edge.get("reason") or None,
                      readings[n].readings, after, readings[n].discussed_by,
                      graph.nodes[d]["id"] if d else None,
                      edge.get("relation") == "motivatedBy"))  # fmt: skip
    return steps


@pytest.mark.parametrize("limit", [None, 1, 3])
def test_readings_equal_the_reference(store: GraphStore, limit: int | None) -> None:
    concepts = [concept_iri(f"c{i:02d}") for i in range(CONCEPTS)]
    assert suggested_works(store, concepts, limit) == _reference_readings(store, concepts, limit)


@pytest.mark.parametrize(
    ("target", "know", "background", "limit"),
    [("c59", [], False, 3), ("c59", ["c40"], False, 3), ("c55", [], True, 2),
     ("c48", ["c20", "c33"], True, None), ("c30", [], False, 1), ("c00", [], False, 3)],
)  # fmt: skip
def test_plan_equals_the_reference(
    store: GraphStore, target: str, know: list[str], background: bool, limit: int | None
) -> None:
    plan = learning_plan(store, target, readings=limit, know=know, with_background=background)
    got = [(s.id, s.label, s.reason, s.readings, s.after, s.discussed_by, s.needed_for,
            s.background) for s in plan.steps]  # fmt: skip
    assert got == _reference_plan(store, target, know, background, limit)
    assert len(got) > 1 or target == "c00"


def test_paths_equal_the_reference(store: GraphStore) -> None:
    checked = 0
    for source, target, background in itertools.product(
        ["c00", "c03", "c10", "c21"], ["c40", "c52", "c59"], [False, True]
    ):
        a, b = concept_iri(source), concept_iri(target)
        graph = prerequisite_graph(store, of=b, background=background)
        if a not in graph:
            with pytest.raises(NoPath):
                find_path(store, source, target, with_background=background)
            continue
        chains = sorted(nx.all_shortest_paths(graph, a, b),
                        key=lambda p: [graph.nodes[n]["label"] for n in p])  # fmt: skip
        result = find_path(store, source, target, all_paths=True, with_background=background)
        readings = _reference_readings(store, sorted({n for c in chains for n in c}), 3)
        expected = []
        for chain in chains:
            steps = []
            for u, n in zip([None, *chain], chain, strict=False):
                reason = (graph.edges[u, n]["reason"] or None) if u else None
                node = graph.nodes[n]
                steps.append((node["id"], node["label"], reason, readings[n].readings,
                              readings[n].discussed_by))  # fmt: skip
            expected.append(steps)
        got = [[(s.id, s.label, s.reason, s.readings, s.discussed_by) for s in chain.steps]
               for chain in result.chains]  # fmt: skip
        assert got == expected, (source, target, background)
        checked += len(chains)
    assert checked > 24  # several chains of equal length among them
