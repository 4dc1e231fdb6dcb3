"""Prerequisite chains and learning plans over the concept graph, with the readings that teach
each step."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import networkx as nx

from .errors import NoPath
from .graphview import SEPARATOR, prerequisite_graph, rows
from .names import NameIndex
from .store import GraphStore


@dataclass
class Reading:
    """A work that teaches a concept, and where the course reads it (if it does)."""

    work: str
    title: str
    session: str | None
    role: str | None
    position: int | None
    introduces: bool


@dataclass
class Step:
    """One concept to learn; ``reason`` says why it needs the step before it."""

    id: str
    label: str
    reason: str | None
    readings: list[Reading] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


@dataclass
class Chain:
    steps: list[Step]


@dataclass
class PathResult:
    source: str
    target: str
    chains: list[Chain]


@dataclass
class PlanResult:
    target: str
    steps: list[Step]


_READINGS = """
SELECT ?c ?work ?title ?code ?role ?position ?introduces WHERE {
  VALUES ?c { %s }
  ?w fm:discusses ?c ; dcterms:identifier ?work ; dcterms:title ?title .
  BIND(EXISTS { ?w fm:introduces ?c } AS ?introduces)
  OPTIONAL { ?r fm:work ?w ; fm:session ?s ; fm:role ?role ; fm:position ?position .
             ?s dcterms:identifier ?code }
}
"""


def concept_index(graph: nx.DiGraph) -> NameIndex:
    """A name index over the concepts of a prerequisite graph."""
    index = NameIndex()
    for node, data in graph.nodes(data=True):
        aliases = [a for a in data.get("aliases", "").split(SEPARATOR) if a]
        index.add(node, "concept", data["id"], data["label"], aliases)
    return index


def readings_for(store: GraphStore, concepts: list[str]) -> dict[str, list[Reading]]:
    """For each concept IRI, the works discussing it: introducers first, required before further."""
    found: dict[str, list[Reading]] = {c: [] for c in concepts}
    if not concepts:
        return found
    values = " ".join(f"<{c}>" for c in concepts)
    for r in rows(store, _READINGS % values):
        found[r["c"]].append(
            Reading(
                r["work"],
                r["title"],
                r["code"],
                r["role"],
                r["position"],
                r["introduces"] == "true",
            )
        )
    for readings in found.values():
        readings.sort(
            key=lambda x: (
                not x.introduces,
                x.role != "required",
                x.session is None,
                x.title,
                x.session or "",
            )
        )
    return found


def _steps(
    store: GraphStore,
    graph: nx.DiGraph,
    nodes: list[str],
    reasons: list[str | None],
    after: list[list[str]] | None = None,
) -> list[Step]:
    readings = readings_for(store, nodes)
    after = after or [[] for _ in nodes]
    return [
        Step(graph.nodes[n]["id"], graph.nodes[n]["label"], reason, readings[n], before)
        for n, reason, before in zip(nodes, reasons, after, strict=True)
    ]


def find_path(
    store: GraphStore, source: str, target: str, *, all_paths: bool = False
) -> PathResult:
    """The shortest chain(s) from ``source`` (learned first) to ``target``, which needs it."""
    graph = prerequisite_graph(store)
    index = concept_index(graph)
    a = index.resolve(source, ["concept"])
    b = index.resolve(target, ["concept"])
    label_a, label_b = graph.nodes[a]["label"], graph.nodes[b]["label"]
    try:
        if all_paths:
            found = sorted(
                nx.all_shortest_paths(graph, a, b),
                key=lambda p: [graph.nodes[n]["label"] for n in p],
            )
        else:
            found = [_shortest_by_label(graph, a, b)]
    except nx.NetworkXNoPath:
        reverse = nx.has_path(graph, b, a)
        hint = (
            f" The reverse chain exists: {label_a} requires {label_b}"
            f" (try: fmgraph path {graph.nodes[b]['id']} {graph.nodes[a]['id']})."
            if reverse
            else f" Nor does {label_a} require {label_b}."
        )
        raise NoPath(
            f"No prerequisite chain: {label_b} does not require {label_a}.{hint}"
        ) from None
    chains = []
    for nodes in found:
        reasons = [None] + [
            graph.edges[u, v]["reason"] or None for u, v in itertools.pairwise(nodes)
        ]
        chains.append(Chain(_steps(store, graph, nodes, reasons)))
    return PathResult(graph.nodes[a]["id"], graph.nodes[b]["id"], chains)


def _shortest_by_label(graph: nx.DiGraph, a: str, b: str) -> list[str]:
    # Among equally short chains, pick the alphabetically first by labels, so the answer does
    # not depend on the order the store returned edges in.
    return min(
        nx.all_shortest_paths(graph, a, b), key=lambda p: [graph.nodes[n]["label"] for n in p]
    )


def learning_plan(store: GraphStore, target: str) -> PlanResult:
    """Everything ``target`` builds on, foundations first, each step after all it requires."""
    graph = prerequisite_graph(store)
    index = concept_index(graph)
    goal = index.resolve(target, ["concept"])
    needed = nx.ancestors(graph, goal) | {goal}
    sub = graph.subgraph(needed)
    level: dict[str, int] = {}
    for node in nx.topological_sort(sub):
        level[node] = max((level[p] + 1 for p in sub.predecessors(node)), default=0)
    order = sorted(needed, key=lambda n: (level[n], graph.nodes[n]["label"].casefold()))
    after = [sorted(graph.nodes[p]["id"] for p in sub.predecessors(n)) for n in order]
    return PlanResult(
        graph.nodes[goal]["id"], _steps(store, graph, order, [None] * len(order), after)
    )
