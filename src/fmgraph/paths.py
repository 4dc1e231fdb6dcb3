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
    """A work about a concept, how it treats it (``relation``: introduces, teaches, uses or
    discusses), and where the course reads it (if it does)."""

    work: str
    title: str
    session: str | None
    role: str | None
    position: int | None
    introduces: bool
    relation: str = "discusses"
    url: str | None = None


@dataclass
class Step:
    """One concept to learn. In a path, ``reason`` says why it needs the step before it; in a
    plan, why ``needed_for`` (the step it unlocks) needs it, and ``background`` is true when
    that is context (fm:motivatedBy) rather than need. ``readings`` are those of the works
    shown, ``discussed_by`` counts every work that discusses the concept."""

    id: str
    label: str
    reason: str | None
    readings: list[Reading] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    discussed_by: int = 0
    needed_for: str | None = None
    background: bool = False


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
    """The steps to ``target`` in teaching order; ``known`` lists the concepts left out because
    they, or something that requires them, were given as known."""

    target: str
    steps: list[Step]
    known: list[str] = field(default_factory=list)
    with_background: bool = False


@dataclass
class NextResult:
    """Concepts whose prerequisites are all ``known``: what can be learned next (toward
    ``toward``'s plan only, when given)."""

    known: list[str]
    toward: str | None
    steps: list[Step]


# Readings are chosen before they are fetched: a concept of a large graph is discussed by
# hundreds of works, and reading each one's identifier and title is what costs. Counting,
# introducers and the works the course reads are index walks, the works are ranked by IRI
# within their group, and only the works shown have their titles and sessions read.
_DISCUSSED_BY = """
SELECT ?c (COUNT(?w) AS ?n) WHERE { VALUES ?c { %s } ?w fm:discusses ?c } GROUP BY ?c
"""
_INTRODUCERS = "SELECT ?c ?w WHERE { VALUES ?c { %s } ?w fm:introduces ?c }"
_TEACHERS = "SELECT ?c ?w WHERE { VALUES ?c { %s } ?w fm:teaches ?c }"
_USED_BY = "SELECT ?w ?c WHERE { VALUES ?w { %s } ?w fm:uses ?c }"
_URLS = "SELECT ?w ?url WHERE { VALUES ?w { %s } ?w schema:url ?url }"
_DISCUSSING = "SELECT ?c ?w WHERE { VALUES ?c { %s } ?w fm:discusses ?c }"
# The works the course reads are taken first: Oxigraph then joins them with the (indexed)
# works discussing each concept by hash, where a lookup of readings per work is 6x slower.
_READ_DISCUSSING = """
SELECT DISTINCT ?c ?w ?list ?date WHERE {
  { SELECT DISTINCT ?w ?list ?date WHERE {
      VALUES ?list { fm:requiredReading fm:furtherReading } ?s ?list ?w
      OPTIONAL { ?s dcterms:date ?date } } }
  VALUES ?c { %s } ?w fm:discusses ?c .
}
"""
# The day a concept is first taught in the course: plans visit earlier-taught ones first.
_FIRST_TAUGHT = """
SELECT ?c (MIN(?date) AS ?first) WHERE {
  VALUES ?c { %s } ?w fm:teaches ?c . ?s fm:reading ?w ; dcterms:date ?date .
} GROUP BY ?c
"""
_KNOWN = "SELECT DISTINCT ?c WHERE { VALUES ?k { %s } ?k fm:requires* ?c }"
_IDS = "SELECT ?c ?id WHERE { VALUES ?c { %s } ?c dcterms:identifier ?id }"
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
    every place the course reads it. Works that introduce it come first, then works that teach
    it, then works that only use or discuss it; within each, works the course reads as
    required, then as further reading, then works it does not read (none with
    ``course_only``); then the earliest session first, then the works' IRIs (their ids)."""
    counts = {r["c"]: int(r["n"]) for r in rows_over(store, _DISCUSSED_BY, concepts)}
    introduced = {(r["c"], r["w"]) for r in rows_over(store, _INTRODUCERS, concepts)}
    taught = {(r["c"], r["w"]) for r in rows_over(store, _TEACHERS, concepts)} | introduced
    role: dict[tuple[str, str], int] = {}  # 0 required, 1 further
    first: dict[tuple[str, str], str] = {}  # the earliest date a session reads the work
    for r in rows_over(store, _READ_DISCUSSING, concepts):
        pair = (r["c"], r["w"])
        role[pair] = min(role.get(pair, 2), 0 if r["list"] == FM.requiredReading else 1)
        if r["date"]:
            first[pair] = min(first.get(pair, r["date"]), r["date"])

    def rank(pair: tuple[str, str]) -> tuple[int, int, str, str]:
        how = 0 if pair in introduced else 1 if pair in taught else 2
        return (how, role.get(pair, 2), first.get(pair, "~"), pair[1])

    ranked: dict[str, list[str]] = {c: [] for c in concepts}
    known = set(role) if course_only else taught | set(role)
    for c, w in sorted(known, key=rank):
        ranked[c].append(w)
    if not course_only:
        short = [c for c in concepts if limit is None or len(ranked[c]) < limit]
        others: dict[str, list[str]] = {}
        for r in rows_over(store, _DISCUSSING, short):
            if (r["c"], r["w"]) not in known:
                others.setdefault(r["c"], []).append(r["w"])
        for c, works in others.items():
            ranked[c] += sorted(works)
    chosen = {c: works[:limit] for c, works in ranked.items()}
    shown = {w for works in chosen.values() for w in works}
    titles = {r["w"]: (r["work"], r["title"]) for r in rows_over(store, _WORKS, shown)}
    used = {(r["c"], r["w"]) for r in rows_over(store, _USED_BY, shown)}
    urls: dict[str, str] = {}
    for r in rows_over(store, _URLS, shown):
        urls[r["w"]] = min(urls.get(r["w"], r["url"]), r["url"])
    read_in: dict[str, list[dict[str, Any]]] = {}
    for r in rows_over(store, _READ_IN, shown):
        read_in.setdefault(r["w"], []).append(r)
    found: dict[str, Readings] = {}
    for c, works in chosen.items():
        readings = []
        for w in works:
            pair = (c, w)
            relation = ("introduces" if pair in introduced else "teaches" if pair in taught
                        else "uses" if pair in used else "discusses")  # fmt: skip
            places = sorted(read_in.get(w, []), key=lambda r: (r["role"] != "required",
                            r["code"], int(r["position"])))  # fmt: skip
            for s in places or [{"code": None, "role": None, "position": None}]:
                position = int(s["position"]) if s["position"] else None
                # A work from an RDF file may lack an id or title: it is shown by its IRI.
                work, title = titles.get(w, (w, w))
                readings.append(Reading(work, title, s["code"], s["role"], position,
                                        pair in introduced, relation, urls.get(w)))  # fmt: skip
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
    with_background: bool = False,
) -> PathResult:
    """The shortest chain(s) from ``source`` (learned first) to ``target``, which needs it, with
    up to ``readings`` works for each step (every one with ``None``). Only hard prerequisites
    are followed unless ``with_background``."""
    a = resolve_concept(store, source)
    b = resolve_concept(store, target)
    # every chain ending at b lies in it
    graph = prerequisite_graph(store, of=b, background=with_background)
    if a not in graph:
        reverse = prerequisite_graph(store, of=a, background=with_background)
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


def known_concepts(store: GraphStore, names: list[str]) -> tuple[list[str], set[str]]:
    """The IRIs of the concepts ``names`` denote, and of those and everything they require:
    what someone who knows those concepts knows."""
    named = [resolve_concept(store, name) for name in names]
    return named, {r["c"] for r in rows_over(store, _KNOWN, named)}


def _first_taught(store: GraphStore, concepts: list[str]) -> dict[str, str]:
    return {r["c"]: r["first"] for r in rows_over(store, _FIRST_TAUGHT, concepts) if r["first"]}


def learning_plan(
    store: GraphStore,
    target: str,
    *,
    readings: int | None = READINGS_SHOWN,
    know: list[str] | None = None,
    with_background: bool = False,
) -> PlanResult:
    """Everything ``target`` builds on, in a teaching order, with up to ``readings`` works for
    each step (every one with ``None``).

    The order is depth-first from the target: each concept's prerequisites are visited in the
    order the course first teaches them (then by label), each one's own prerequisites before
    it, so a prerequisite comes right before what needs it rather than in a level of
    unrelated foundations. Each step says which later step it is needed for, and why.
    ``know`` names concepts already understood: they and everything they require are left
    out. ``with_background`` follows fm:motivatedBy as well as fm:requires.
    """
    goal = resolve_concept(store, target)
    sub = prerequisite_graph(store, of=goal, background=with_background)
    known = known_concepts(store, know)[1] if know else set()
    first = _first_taught(store, list(sub))

    def visit_order(node: str) -> tuple[str, str, str]:
        data = sub.nodes[node]
        return (first.get(node, "~"), data["label"].casefold(), data["id"])

    order: list[str] = []
    needed_for: dict[str, str] = {}
    if goal not in known:
        done: set[str] = set()
        stack = [(goal, iter(sorted(sub.predecessors(goal), key=visit_order)))]
        done.add(goal)
        while stack:  # iterative: a plan may be thousands of concepts deep
            node, prerequisites = stack[-1]
            prerequisite = next(prerequisites, None)
            if prerequisite is None:
                stack.pop()
                order.append(node)
            elif prerequisite not in done and prerequisite not in known:
                done.add(prerequisite)
                needed_for[prerequisite] = node
                more = sorted(sub.predecessors(prerequisite), key=visit_order)
                stack.append((prerequisite, iter(more)))
    found = readings_for(store, order, readings)
    steps = []
    for node in order:
        data, dependent = sub.nodes[node], needed_for.get(node)
        edge = sub.edges[node, dependent] if dependent else {}
        after = sorted(sub.nodes[p]["id"] for p in sub.predecessors(node) if p not in known)
        steps.append(
            Step(
                data["id"],
                data["label"],
                edge.get("reason") or None,
                found[node].readings,
                after,
                found[node].discussed_by,
                sub.nodes[dependent]["id"] if dependent else None,
                edge.get("relation") == "motivatedBy",
            )
        )
    left_out = sorted(sub.nodes[n]["id"] for n in sub if n in known)
    return PlanResult(sub.nodes[goal]["id"], steps, left_out, with_background)


def next_concepts(
    store: GraphStore,
    know: list[str],
    *,
    toward: str | None = None,
    readings: int | None = READINGS_SHOWN,
) -> NextResult:
    """The concepts not yet known whose prerequisites are all known (``know`` and everything
    it requires): what can be learned next. With ``toward``, only those on its plan."""
    named, known = known_concepts(store, know) if know else ([], set())
    goal = resolve_concept(store, toward) if toward is not None else None
    graph = prerequisite_graph(store, of=goal)
    first = _first_taught(store, list(graph))
    ready = [
        n for n in graph
        if n not in known and all(p in known for p in graph.predecessors(n))
    ]  # fmt: skip
    ready.sort(key=lambda n: (first.get(n, "~"), graph.nodes[n]["label"].casefold()))
    found = readings_for(store, ready, readings)
    steps = [
        Step(
            graph.nodes[n]["id"],
            graph.nodes[n]["label"],
            None,
            found[n].readings,
            sorted(graph.nodes[p]["id"] for p in graph.predecessors(n)),
            found[n].discussed_by,
        )
        for n in ready
    ]
    ids = {r["c"]: r["id"] for r in rows_over(store, _IDS, named)}
    return NextResult(sorted(ids.values()), graph.nodes[goal]["id"] if goal else None, steps)
