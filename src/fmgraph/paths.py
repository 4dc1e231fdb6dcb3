"""Prerequisite chains and learning plans over the concept graph, with the readings that teach
each step."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # networkx loads when a view is built: `stats` and `show` need none
    import networkx as nx

from .errors import NoPath
from .graphview import prerequisite_graph, rows, rows_over
from .names import graph_index as concept_index
from .query import sparql_literal
from .store import GraphStore
from .vocab import FM


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
    """One concept to learn; ``reason`` says why it needs the step before it; ``readings`` are
    those of the works shown, ``discussed_by`` counts every work that discusses the concept."""

    id: str
    label: str
    reason: str | None
    readings: list[Reading] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    discussed_by: int = 0


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


# Readings are chosen before they are fetched: a concept of a large graph is discussed by
# hundreds of works, and reading each one's identifier and title is what costs. Counting,
# introducers and the works the course reads are index walks, the works are ranked by IRI
# within their group, and only the works shown have their titles and sessions read.
_DISCUSSED_BY = """
SELECT ?c (COUNT(?w) AS ?n) WHERE { VALUES ?c { %s } ?w fm:discusses ?c } GROUP BY ?c
"""
_INTRODUCERS = "SELECT ?c ?w WHERE { VALUES ?c { %s } ?w fm:introduces ?c }"
_DISCUSSING = "SELECT ?c ?w WHERE { VALUES ?c { %s } ?w fm:discusses ?c }"
# The works the course reads are taken first: Oxigraph then joins them with the (indexed)
# works discussing each concept by hash, where a lookup of readings per work is 6x slower.
_READ_DISCUSSING = """
SELECT DISTINCT ?c ?w ?list WHERE {
  { SELECT DISTINCT ?w ?list WHERE {
      VALUES ?list { fm:requiredReading fm:furtherReading } ?s ?list ?w } }
  VALUES ?c { %s } ?w fm:discusses ?c .
}
"""
_WORKS = """
SELECT ?w ?work ?title WHERE { VALUES ?w { %s } ?w dcterms:identifier ?work ; dcterms:title ?title }
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
#: Works shown for each step of a path or plan unless asked otherwise.
READINGS_SHOWN = 3


def resolve_concept(store: GraphStore, name: str) -> str:
    """The concept IRI ``name`` denotes: an exact id, label or alias first (index lookups),
    else the forgiving match of a name index over every concept."""
    exact: list[str] = [r["c"] for r in rows(store, _EXACT % sparql_literal(name.strip()))]
    if len(exact) == 1:
        return exact[0]
    return concept_index(prerequisite_graph(store)).resolve(name, ["concept"])


@dataclass
class Readings:
    """The works shown for one concept, as readings, and how many works discuss it in all."""

    readings: list[Reading]
    discussed_by: int


def readings_for(
    store: GraphStore, concepts: list[str], limit: int | None = None, *, course_only: bool = False
) -> dict[str, Readings]:
    """For each concept IRI, up to ``limit`` works discussing it (all with ``None``), each with
    every place the course reads it: works introducing it first, then works the course reads as
    required, then as further reading, then works it does not read (none with ``course_only``),
    each group in the order of the works' IRIs, which is that of their ids."""
    counts = {r["c"]: int(r["n"]) for r in rows_over(store, _DISCUSSED_BY, concepts)}
    introduced = {(r["c"], r["w"]) for r in rows_over(store, _INTRODUCERS, concepts)}
    lists = rows_over(store, _READ_DISCUSSING, concepts)
    read = {(r["c"], r["w"]) for r in lists}
    required = {(r["c"], r["w"]) for r in lists if r["list"] == FM.requiredReading}

    def rank(pair: tuple[str, str]) -> tuple[bool, bool, bool, str]:
        return (pair not in introduced, pair not in required, pair not in read, pair[1])

    ranked: dict[str, list[str]] = {c: [] for c in concepts}
    for c, w in sorted(read if course_only else introduced | read, key=rank):
        ranked[c].append(w)
    if not course_only:
        short = [c for c in concepts if limit is None or len(ranked[c]) < limit]
        others: dict[str, list[str]] = {}
        for r in rows_over(store, _DISCUSSING, short):
            if (r["c"], r["w"]) not in read and (r["c"], r["w"]) not in introduced:
                others.setdefault(r["c"], []).append(r["w"])
        for c, works in others.items():
            ranked[c] += sorted(works)
    chosen = {c: works[:limit] for c, works in ranked.items()}
    shown = {w for works in chosen.values() for w in works}
    titles = {r["w"]: (r["work"], r["title"]) for r in rows_over(store, _WORKS, shown)}
    read_in: dict[str, list[dict[str, Any]]] = {}
    for r in rows_over(store, _READ_IN, shown):
        read_in.setdefault(r["w"], []).append(r)
    found: dict[str, Readings] = {}
    for c, works in chosen.items():
        readings = []
        for w in works:
            places = sorted(read_in.get(w, []), key=lambda r: (r["role"] != "required",
                            r["code"], int(r["position"])))  # fmt: skip
            for s in places or [{"code": None, "role": None, "position": None}]:
                position = int(s["position"]) if s["position"] else None
                # A work from an RDF file may lack an id or title: it is shown by its IRI.
                work, title = titles.get(w, (w, w))
                readings.append(Reading(work, title, s["code"], s["role"], position,
                                        (c, w) in introduced))  # fmt: skip
        found[c] = Readings(readings, counts.get(c, 0))
    return found


def _steps(
    graph: nx.DiGraph,
    nodes: list[str],
    readings: dict[str, Readings],
    reasons: list[str | None],
    after: list[list[str]] | None = None,
) -> list[Step]:
    after = after or [[] for _ in nodes]
    steps = []
    for n, reason, before in zip(nodes, reasons, after, strict=True):
        node, found = graph.nodes[n], readings[n]
        steps.append(
            Step(node["id"], node["label"], reason, found.readings, before, found.discussed_by)
        )
    return steps


def find_path(
    store: GraphStore,
    source: str,
    target: str,
    *,
    all_paths: bool = False,
    readings: int | None = READINGS_SHOWN,
) -> PathResult:
    """The shortest chain(s) from ``source`` (learned first) to ``target``, which needs it, with
    up to ``readings`` works for each step (every one with ``None``)."""
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
    import networkx as nx

    # Among equally short chains, order by labels, so the answer does not depend on the order
    # the store returned edges in.
    chains = sorted(nx.all_shortest_paths(graph, a, b),
                    key=lambda p: [graph.nodes[n]["label"] for n in p])  # fmt: skip
    chains = chains if all_paths else chains[:1]
    found = readings_for(store, sorted({n for nodes in chains for n in nodes}), readings)
    result = []
    for nodes in chains:
        reasons = [None] + [
            graph.edges[u, v]["reason"] or None for u, v in itertools.pairwise(nodes)
        ]
        result.append(Chain(_steps(graph, nodes, found, reasons)))
    return PathResult(graph.nodes[a]["id"], graph.nodes[b]["id"], result)


def learning_plan(
    store: GraphStore, target: str, *, readings: int | None = READINGS_SHOWN
) -> PlanResult:
    """Everything ``target`` builds on, foundations first, each step after all it requires,
    with up to ``readings`` works for each step (every one with ``None``)."""
    goal = resolve_concept(store, target)
    sub = prerequisite_graph(store, of=goal)
    import networkx as nx

    level: dict[str, int] = {}
    for node in nx.topological_sort(sub):
        level[node] = max((level[p] + 1 for p in sub.predecessors(node)), default=0)
    order = sorted(sub, key=lambda n: (level[n], sub.nodes[n]["label"].casefold()))
    after = [sorted(sub.nodes[p]["id"] for p in sub.predecessors(n)) for n in order]
    found = readings_for(store, order, readings)
    steps = _steps(sub, order, found, [None] * len(order), after)
    return PlanResult(sub.nodes[goal]["id"], steps)
