"""Prerequisite chains and learning plans over the concept graph, with the readings that teach
each step."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .errors import NoPath
from .graphview import (
    ConceptLinks,
    closure,
    concept_links,
    link_reasons,
    prerequisite_graph,
    rows,
    rows_keyed,
    rows_over,
)
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
# within their group, and only the works shown have their titles and sessions read. Each query
# binds its IRIs with a number and answers with the number (graphview.rows_keyed): decoding the
# IRIs of a row costs more than finding it.
_DISCUSSED_BY = """
SELECT ?i (COUNT(?w) AS ?n) WHERE { VALUES (?i ?c) { %s } ?w fm:discusses ?c } GROUP BY ?i
"""
_INTRODUCERS = "SELECT ?i ?w WHERE { VALUES (?i ?c) { %s } ?w fm:introduces ?c }"
_TEACHERS = "SELECT ?i ?w WHERE { VALUES (?i ?c) { %s } ?w fm:teaches ?c }"
# Whether a shown work uses the concept it is shown for: only pairs neither introduced nor
# taught are asked about, each a lookup of one triple.
_USES = "SELECT ?i WHERE { VALUES (?i ?c ?w) { %s } ?w fm:uses ?c }"
_URLS = "SELECT ?i ?url WHERE { VALUES (?i ?w) { %s } ?w schema:url ?url }"
_DISCUSSING = "SELECT ?i ?w WHERE { VALUES (?i ?c) { %s } ?w fm:discusses ?c }"
# The works the course reads are taken first: Oxigraph then joins them with the (indexed)
# works discussing each concept by hash, where a lookup of readings per work is 6x slower.
# As it is a hash join, not index lookups, a VALUES of thousands costs no more per concept,
# and the read works are gathered once rather than once per 500 concepts (0.10 s, not 0.20,
# in a cold process, for the 3,070 steps of a deep plan at 1M triples).
_READ_CHUNK = 4000
_READ_DISCUSSING = """
SELECT DISTINCT ?i ?w ?list ?date WHERE {
  { SELECT DISTINCT ?w ?list ?date WHERE {
      VALUES ?list { fm:requiredReading fm:furtherReading } ?s ?list ?w
      OPTIONAL { ?s dcterms:date ?date } } }
  VALUES (?i ?c) { %s } ?w fm:discusses ?c .
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
SELECT ?i ?work ?title WHERE {
  VALUES (?i ?w) { %s } ?w dcterms:identifier ?work ; dcterms:title ?title
}
"""
# Where the course reads the works shown: looked up per work, or, when more works are shown
# than the course has readings (a plan of thousands of steps), read for the whole course at
# once and filtered (the same rows; 0.07 s, not 0.13, for 8,751 works and 2,711 readings).
_READ_IN = """
SELECT ?w ?code ?role ?position WHERE {
  %s ?r fm:work ?w ; fm:session ?s ; fm:role ?role ; fm:position ?position .
  ?s dcterms:identifier ?code .
}
"""
_READINGS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?r fm:work ?w }"
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
    counts = {r["key"]: int(r["n"]) for r in rows_keyed(store, _DISCUSSED_BY, concepts)}
    introduced = {(r["key"], r["w"]) for r in rows_keyed(store, _INTRODUCERS, concepts)}
    taught = {(r["key"], r["w"]) for r in rows_keyed(store, _TEACHERS, concepts)} | introduced
    role: dict[tuple[str, str], int] = {}  # 0 required, 1 further
    first: dict[tuple[str, str], str] = {}  # the earliest date a session reads the work
    for r in rows_keyed(store, _READ_DISCUSSING, concepts, _READ_CHUNK):
        pair = (r["key"], r["w"])
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
        for r in rows_keyed(store, _DISCUSSING, short):
            if (r["key"], r["w"]) not in known:
                others.setdefault(r["key"], []).append(r["w"])
        for c, works in others.items():
            ranked[c] += sorted(works)
    chosen = {c: works[:limit] for c, works in ranked.items()}
    shown = {w for works in chosen.values() for w in works}
    titles = {r["key"]: (r["work"], r["title"]) for r in rows_keyed(store, _WORKS, shown)}
    asked = {(c, w) for c, works in chosen.items() for w in works if (c, w) not in taught}
    used = {r["key"] for r in rows_keyed(store, _USES, asked)}
    urls: dict[str, str] = {}
    for r in rows_keyed(store, _URLS, shown):
        urls[r["key"]] = min(urls.get(r["key"], r["url"]), r["url"])
    read_in: dict[str, list[dict[str, Any]]] = {}
    for r in _read_in(store, shown):
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


def _read_in(store: GraphStore, works: set[str]) -> list[dict[str, Any]]:
    """Every place the course reads one of ``works``: its session, role and position."""
    if not works:
        return []
    (count,) = rows(store, _READINGS_COUNT)
    if len(works) > int(count["n"]):
        return [r for r in rows(store, _READ_IN % "") if r["w"] in works]
    return rows_over(store, _READ_IN % "VALUES ?w { %s }", works)


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
    # Every chain from a to b lies among what b requires and what requires a: a breadth-first
    # walk from a over the graph of all b requires meets only those (a thousand-fold fewer,
    # when b builds on thousands of concepts), in the same order.
    between = closure(store, b, background=with_background) & closure(
        store, a, background=with_background, up=False
    )
    links = concept_links(store, among=between, background=with_background)
    labels = links.labels
    if a not in labels:
        labels = concept_links(store, of=b, background=with_background).labels
        reverse = concept_links(store, of=a, background=with_background).labels
        label_a, label_b = reverse[a][1], labels[b][1]
        id_a, id_b = reverse[a][0], labels[b][0]
        if b in reverse:
            hint = (f" The reverse chain exists: {label_a} requires {label_b}"
                    f" (try: fmgraph path {id_b} {id_a}).")  # fmt: skip
        elif not with_background and a in closure(store, b, background=True):
            hint = (
                f" {label_b} builds on {label_a} as background (history or context),"
                f" not as a prerequisite: fmgraph path {id_a} {id_b} --with-background"
            )
        else:
            hint = f" Nor does {label_a} require {label_b}."
        raise NoPath(f"No prerequisite chain: {label_b} does not require {label_a}.{hint}")
    # Among equally short chains, order by labels, so the answer does not depend on the order
    # the store returned edges in.
    chains = sorted(_shortest_paths(links, a, b), key=lambda p: [labels[n][1] for n in p])
    chains = chains if all_paths else chains[:1]
    edges = {
        (u, v, links.dependents[u][v]) for nodes in chains for u, v in itertools.pairwise(nodes)
    }
    reasons = link_reasons(store, edges)
    found = readings_for(store, sorted({n for nodes in chains for n in nodes}), readings)
    result = []
    for nodes in chains:
        steps = []
        for i, n in enumerate(nodes):
            reason = (reasons[nodes[i - 1], n] or None) if i else None
            steps.append(Step(*labels[n], reason, found[n].readings, [], found[n].discussed_by))
        result.append(Chain(steps))
    return PathResult(labels[a][0], labels[b][0], result)


def _shortest_paths(links: ConceptLinks, source: str, target: str) -> Iterator[list[str]]:
    """Every shortest chain from ``source`` to ``target`` along the edges of ``links``, in the
    order networkx's ``all_shortest_paths`` yields them on :func:`prerequisite_graph`."""
    level, seen = 0, {source: 0}  # breadth first, as nx.predecessor
    pred: dict[str, list[str]] = {source: []}
    frontier = [source]
    while frontier:
        level += 1
        this, frontier = frontier, []
        for v in this:
            for w in links.dependents[v]:
                if w not in seen:
                    pred[w], seen[w] = [v], level
                    frontier.append(w)
                elif seen[w] == level:
                    pred[w].append(v)
    if target not in pred:
        label_a, label_b = links.labels[source][1], links.labels[target][1]
        raise NoPath(f"No prerequisite chain from {label_a} to {label_b} through named concepts.")
    # then back from the target, depth first, as nx._build_paths_from_predecessors
    on_path, top = {target}, 0
    stack: list[tuple[str, int]] = [(target, 0)]
    while top >= 0:
        node, i = stack[top]
        if node == source:
            yield [n for n, _ in reversed(stack[: top + 1])]
        if len(pred[node]) > i:
            stack[top] = (node, i + 1)
            after = pred[node][i]
            if after in on_path:
                continue
            on_path.add(after)
            top += 1
            if top == len(stack):
                stack.append((after, 0))
            else:
                stack[top] = (after, 0)
        else:
            on_path.discard(node)
            top -= 1


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
    links = concept_links(store, of=goal, background=with_background)
    labels, prerequisites = links.labels, links.prerequisites
    known = known_concepts(store, know)[1] if know else set()
    first = _first_taught(store, list(labels))

    def visit_order(node: str) -> tuple[str, str, str]:
        concept_id, label = labels[node]
        return (first.get(node, "~"), label.casefold(), concept_id)

    order: list[str] = []
    needed_for: dict[str, str] = {}
    if goal not in known:
        done: set[str] = set()
        stack = [(goal, iter(sorted(prerequisites[goal], key=visit_order)))]
        done.add(goal)
        while stack:  # iterative: a plan may be thousands of concepts deep
            node, before = stack[-1]
            prerequisite = next(before, None)
            if prerequisite is None:
                stack.pop()
                order.append(node)
            elif prerequisite not in done and prerequisite not in known:
                done.add(prerequisite)
                needed_for[prerequisite] = node
                more = sorted(prerequisites[prerequisite], key=visit_order)
                stack.append((prerequisite, iter(more)))
    edges = [(n, d, links.dependents[n][d]) for n, d in needed_for.items()]
    reasons = link_reasons(store, edges)
    found = readings_for(store, order, readings)
    steps = []
    for node in order:
        dependent = needed_for.get(node)
        after = sorted(labels[p][0] for p in prerequisites[node] if p not in known)
        steps.append(
            Step(
                *labels[node],
                (reasons[node, dependent] or None) if dependent else None,
                found[node].readings,
                after,
                found[node].discussed_by,
                labels[dependent][0] if dependent else None,
                links.dependents[node][dependent] == "motivatedBy" if dependent else False,
            )
        )
    left_out = sorted(labels[n][0] for n in labels if n in known)
    return PlanResult(labels[goal][0], steps, left_out, with_background)


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
