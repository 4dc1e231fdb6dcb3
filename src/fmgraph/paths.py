"""Prerequisite chains and learning plans over the concept graph, with the readings that teach
each step."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .conceptindex import ConceptFacts, LiveFacts, concept_facts
from .errors import NoPath
from .graphview import (
    ConceptLinks,
    closure,
    concept_links,
    link_reasons,
)
from .names import resolve
from .query import rows_over
from .store import GraphStore
from .suggested import READINGS_SHOWN, SuggestedWork, suggested_works


@dataclass
class Step:
    """One concept to learn. In a path, ``reason`` says why it needs the step before it; in a
    plan, why ``needed_for`` (the step it unlocks) needs it, and ``background`` is true when
    that is context (fm:motivatedBy) rather than need. ``readings`` are those of the works
    shown, ``discussed_by`` counts every work that discusses the concept."""

    id: str
    label: str
    reason: str | None
    readings: list[SuggestedWork] = field(default_factory=list)
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


_IDS = "SELECT ?c ?id WHERE { VALUES ?c { %s } ?c dcterms:identifier ?id }"


def resolve_concept(store: GraphStore, name: str) -> str:
    """The IRI of the concept ``name`` denotes (:func:`fmgraph.names.resolve`)."""
    return resolve(store, name, ("concept",)).iri


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
    found = suggested_works(store, sorted({n for nodes in chains for n in nodes}), readings)
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


def known_concepts(
    store: GraphStore, names: list[str], facts: ConceptFacts | None = None
) -> tuple[list[str], set[str]]:
    """The IRIs of the concepts ``names`` denote, and of those and everything they require:
    what someone who knows those concepts knows."""
    named = [resolve_concept(store, name) for name in names]
    return named, (facts or LiveFacts(store)).requires_closure(named)


def learning_plan(
    store: GraphStore,
    target: str,
    *,
    readings: int | None = READINGS_SHOWN,
    know: list[str] | None = None,
    with_background: bool = False,
    progress: Callable[[str], None] | None = None,
) -> PlanResult:
    """Everything ``target`` builds on, in a teaching order, with up to ``readings`` works for
    each step (every one with ``None``).

    The order is depth-first from the target: each concept's prerequisites are visited in the
    order the course first teaches them (then by label), each one's own prerequisites before
    it, so a prerequisite comes right before what needs it rather than in a level of
    unrelated foundations. Each step says which later step it is needed for, and why.
    ``know`` names concepts already understood: they and everything they require are left
    out. ``with_background`` follows fm:motivatedBy as well as fm:requires.

    On a built store, the facts come from its concept index
    (:mod:`fmgraph.conceptindex`), made by the first plan, which tells ``progress``.
    """
    goal = resolve_concept(store, target)
    facts = concept_facts(store, readings, progress)
    links = facts.links(goal, background=with_background)
    labels, prerequisites = links.labels, links.prerequisites
    known = known_concepts(store, know, facts)[1] if know else set()
    first = facts.first_taught(list(labels))

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
    reasons = facts.reasons(edges)
    found = facts.suggested(order, readings)
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
    progress: Callable[[str], None] | None = None,
) -> NextResult:
    """The concepts not yet known whose prerequisites are all known (``know`` and everything
    it requires): what can be learned next. With ``toward``, only those on its plan. The
    facts come from where a plan's do (:func:`learning_plan`)."""
    facts = concept_facts(store, readings, progress)
    named, known = known_concepts(store, know, facts) if know else ([], set())
    goal = resolve_concept(store, toward) if toward is not None else None
    links = facts.links(goal, background=False)
    labels, prerequisites = links.labels, links.prerequisites
    first = facts.first_taught(list(labels))
    ready = [n for n in labels if n not in known and all(p in known for p in prerequisites[n])]
    ready.sort(key=lambda n: (first.get(n, "~"), labels[n][1].casefold()))
    found = facts.suggested(ready, readings)
    steps = [
        Step(
            *labels[n],
            None,
            found[n].readings,
            sorted(labels[p][0] for p in prerequisites[n]),
            found[n].discussed_by,
        )
        for n in ready
    ]
    ids = {r["c"]: r["id"] for r in rows_over(store, _IDS, named)}
    return NextResult(sorted(ids.values()), labels[goal][0] if goal else None, steps)
