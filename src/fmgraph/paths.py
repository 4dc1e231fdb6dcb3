"""Prerequisite chains and learning plans over the concept graph, with the readings that teach
each step."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .errors import NoPath
from .graphview import prerequisite_graph, rows
from .names import graph_index as concept_index
from .query import sparql_literal
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


# Works first, then the readings of exactly those works: two index-driven queries, where one
# query with an OPTIONAL over readings makes Oxigraph scan every reading of the graph.
_WORKS_DISCUSSING = """
SELECT ?c ?w ?work ?title ?introduces WHERE {
  VALUES ?c { %s }
  ?w fm:discusses ?c ; dcterms:identifier ?work ; dcterms:title ?title .
  BIND(EXISTS { ?w fm:introduces ?c } AS ?introduces)
}
"""
_READ_IN = """
SELECT ?w ?code ?role ?position WHERE {
  VALUES ?w { %s }
  ?r fm:work ?w ; fm:session ?s ; fm:role ?role ; fm:position ?position .
  ?s dcterms:identifier ?code .
}
"""
_EXACT = """
SELECT DISTINCT ?c WHERE {
  VALUES ?name { dcterms:identifier skos:prefLabel skos:altLabel }
  ?c ?name %s ; a fm:Concept .
}
"""
_VALUES_CHUNK = 2000


def resolve_concept(store: GraphStore, name: str) -> str:
    """The concept IRI ``name`` denotes: an exact id, label or alias first (index lookups),
    else the forgiving match of a name index over every concept."""
    exact: list[str] = [r["c"] for r in rows(store, _EXACT % sparql_literal(name.strip()))]
    if len(exact) == 1:
        return exact[0]
    return concept_index(prerequisite_graph(store)).resolve(name, ["concept"])


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _VALUES_CHUNK] for i in range(0, len(items), _VALUES_CHUNK)]


def readings_for(store: GraphStore, concepts: list[str]) -> dict[str, list[Reading]]:
    """For each concept IRI, the works discussing it: introducers first, required before further."""
    found: dict[str, list[Reading]] = {c: [] for c in concepts}
    works = [
        r
        for chunk in _chunks(concepts)
        for r in rows(store, _WORKS_DISCUSSING % " ".join(f"<{c}>" for c in chunk))
    ]
    read_in: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted({r["w"] for r in works})):
        for r in rows(store, _READ_IN % " ".join(f"<{w}>" for w in chunk)):
            read_in.setdefault(r["w"], []).append(r)
    for r in works:
        for s in read_in.get(r["w"]) or [{"code": None, "role": None, "position": None}]:
            position = int(s["position"]) if s["position"] else None
            reading = Reading(r["work"], r["title"], s["code"], s["role"], position,
                              r["introduces"] == "true")  # fmt: skip
            found[r["c"]].append(reading)
    for readings in found.values():
        readings.sort(key=lambda x: (not x.introduces, x.role != "required", x.session is None,
                                     x.title, x.session or ""))  # fmt: skip
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
    a = resolve_concept(store, source)
    b = resolve_concept(store, target)
    graph = prerequisite_graph(store, of=b)  # every chain ending at b lies in it
    if a not in graph:
        reverse = prerequisite_graph(store, of=a)
        label_a, label_b = reverse.nodes[a]["label"], graph.nodes[b]["label"]
        hint = (
            f" The reverse chain exists: {label_a} requires {label_b}"
            f" (try: fmgraph path {graph.nodes[b]['id']} {reverse.nodes[a]['id']})."
            if b in reverse
            else f" Nor does {label_a} require {label_b}."
        )
        raise NoPath(f"No prerequisite chain: {label_b} does not require {label_a}.{hint}")
    # Among equally short chains, order by labels, so the answer does not depend on the order
    # the store returned edges in.
    chains = sorted(nx.all_shortest_paths(graph, a, b),
                    key=lambda p: [graph.nodes[n]["label"] for n in p])  # fmt: skip
    result = []
    for nodes in chains if all_paths else chains[:1]:
        reasons = [None] + [
            graph.edges[u, v]["reason"] or None for u, v in itertools.pairwise(nodes)
        ]
        result.append(Chain(_steps(store, graph, nodes, reasons)))
    return PathResult(graph.nodes[a]["id"], graph.nodes[b]["id"], result)


def learning_plan(store: GraphStore, target: str) -> PlanResult:
    """Everything ``target`` builds on, foundations first, each step after all it requires."""
    goal = resolve_concept(store, target)
    sub = prerequisite_graph(store, of=goal)
    level: dict[str, int] = {}
    for node in nx.topological_sort(sub):
        level[node] = max((level[p] + 1 for p in sub.predecessors(node)), default=0)
    order = sorted(sub, key=lambda n: (level[n], sub.nodes[n]["label"].casefold()))
    after = [sorted(sub.nodes[p]["id"] for p in sub.predecessors(n)) for n in order]
    return PlanResult(sub.nodes[goal]["id"], _steps(store, sub, order, [None] * len(order), after))
