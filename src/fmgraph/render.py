"""Render the graph as one self-contained HTML page: an interactive explorer that works offline.

The page carries everything it needs: vis-network, read from the installed pyvis package (pyvis
itself is never imported: it pulls in IPython), the explorer's own script and style from
``assets/``, and the graph as JSON. Its Content-Security-Policy allows exactly those scripts
and no other host, so "no request leaves the file" is enforced by the browser, not promised.

Text from the data never becomes markup: the heading is HTML-escaped, the graph travels in a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` written as ``\\u003c``
and so on, and the script builds tooltips from DOM text nodes, linking only http(s) URLs.

Views choose what to draw: the whole graph, a neighbourhood (:func:`focus_view`), the
prerequisite DAG in levels (:func:`concepts_view`) and one chain of ``fmgraph path`` with the
readings that teach each step (:func:`path_view`). A neighbourhood or a chain is cut from a
:func:`context_graph` read from the store around its nodes, never from the whole graph.
Building the page is linear in the size of the graph: node and edge lists are written
directly, never through pyvis' ``add_node``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import networkx as nx

from .errors import OutputError, UnknownName
from .gcpause import paused_gc
from .graphview import (
    add_prerequisites,
    full_graph,
    neighbourhood,
    node_count,
    prerequisite_graph,
)
from .names import SEPARATOR, node_label, node_names, resolve
from .paths import PathResult, find_path, resolve_concept
from .query import rows
from .store import GraphStore
from .vocab import FM, concept_iri, work_iri

#: Where pyvis 0.3.2 keeps the vis-network build its own template would fetch from a CDN.
VIS_NETWORK = "templates/lib/vis-9.1.2/vis-network.min.js"
KIND_ORDER = ("session", "work", "concept", "topic")
ARXIV_ABS = "https://arxiv.org/abs/"
#: Above this many nodes the page trades looks for speed (straight edges, shorter layout).
LARGE = 400
#: Above this many nodes the page opens on an overview: a topic and its concepts are one node
#: until clicked, and works that link to no concept are hidden behind a switch.
OVERVIEW = 400
#: About as many nodes as a browser still lays out and moves smoothly on a laptop.
BROWSER_NODES = 5_000


@dataclass(frozen=True)
class NodeStyle:
    label: str
    plural: str
    shape: str
    color: str
    border: str


@dataclass(frozen=True)
class EdgeStyle:
    label: str
    inverse: str
    meaning: str
    color: str
    dashes: bool | list[int]
    width: float
    arrow: str  # vis-network's arrowhead: the second cue beside colour


# Okabe–Ito colours for nodes: distinguishable with the common colour-vision deficiencies and
# in grey print, helped by shapes.
NODE_STYLES = {
    "session": NodeStyle("Session", "Sessions", "diamond", "#E69F00", "#8A5F00"),
    "work": NodeStyle("Work", "Works", "square", "#009E73", "#005C43"),
    "concept": NodeStyle("Concept", "Concepts", "dot", "#56B4E9", "#0072B2"),
    "topic": NodeStyle("Topic", "Topics", "hexagon", "#CC79A7", "#8C4A72"),
}
# One colour per family of relations, chosen as the six colours (from Okabe–Ito, Tol and
# IBM's palettes, dark enough for a white page) whose smallest CIELAB distance stays largest
# under Machado et al.'s protanopia, deuteranopia and tritanopia simulations: 31 at worst,
# where the previous "requires" and "required reading" came within 3 under deuteranopia.
# Within a family the dash pattern differs, and each family has its own arrowhead, so colour
# is never the only cue (tests/test_render.py checks both).
_PREREQUISITE, _READING, _TEACHING = "#000000", "#E69F00", "#117733"
_TOPIC, _CITES, _ASSUMES = "#8C4A72", "#5D3A9B", "#56B4E9"
RELATION_STYLES = {
    "requires": EdgeStyle(
        "requires",
        "required by",
        "points to the prerequisite",
        _PREREQUISITE,
        False,
        2.5,
        "arrow",
    ),
    "motivatedBy": EdgeStyle(
        "motivated by",
        "motivates",
        "background, not needed",
        _PREREQUISITE,
        [6, 4],
        1.5,
        "arrow",
    ),
    "broader": EdgeStyle("broader", "narrower", "a kind of", _PREREQUISITE, [2, 3], 1.5, "arrow"),
    "requiredReading": EdgeStyle(
        "required reading", "required reading in", "session to work", _READING, False, 2.0, "vee"
    ),
    "furtherReading": EdgeStyle(
        "further reading", "further reading in", "session to work", _READING, [8, 5], 1.5, "vee"
    ),
    "introduces": EdgeStyle(
        "introduces", "introduced by", "work to concept", _TEACHING, False, 1.8, "circle"
    ),
    "teaches": EdgeStyle(
        "teaches", "taught by", "work to concept", _TEACHING, [12, 3], 1.5, "circle"
    ),
    "discusses": EdgeStyle(
        "discusses", "discussed by", "work to concept", _TEACHING, [3, 4], 1.2, "circle"
    ),
    "uses": EdgeStyle("uses", "used by", "work to concept", _TEACHING, [1, 4], 1.2, "circle"),
    "assumes": EdgeStyle(
        "assumes", "assumed by", "session to concept", _ASSUMES, [4, 3], 1.5, "diamond"
    ),
    "hasTopic": EdgeStyle("has topic", "topic of", "session to topic", _TOPIC, False, 1.2, "bar"),
    "inTopic": EdgeStyle("in topic", "contains", "concept to topic", _TOPIC, [2, 4], 1.0, "bar"),
    "cites": EdgeStyle("cites", "cited by", "work to work", _CITES, [10, 4], 1.0, "box"),
}
_OTHER_NODE = NodeStyle("Node", "Other", "dot", "#BBBBBB", "#777777")
_OTHER_EDGE = EdgeStyle("link", "linked from", "", "#999999", [1, 2], 1.0, "inv_triangle")


# ---------------------------------------------------------------------------------------------
# Views


def focus_view(graph: nx.DiGraph, centre: str, depth: int = 1) -> nx.DiGraph:
    """The nodes at most ``depth`` links from ``centre`` (an IRI of ``graph``; a name is
    resolved by :func:`fmgraph.names.resolve` first), in either direction."""
    if centre not in graph:
        raise UnknownName(f"{centre!r} is not a node of the graph drawn.", [])
    near = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), centre, depth)
    view: nx.DiGraph = graph.subgraph(near).copy()
    view.graph.update(
        focus=centre,
        title=f"Around {node_label(graph.nodes[centre])}",
        description=f"Everything within {depth} link{'s' if depth != 1 else ''} of "
        f"{node_label(graph.nodes[centre])}",
    )
    return view


def concepts_view(prerequisites: nx.DiGraph) -> nx.DiGraph:
    """The prerequisite DAG with ``requires`` edges (dependent to prerequisite) and a ``level``
    on every concept: 0 for foundations, else one more than its deepest prerequisite."""
    # prerequisites.reverse(copy=True), with the attribute dicts copied rather than deep-copied
    # (their values are strings and numbers): 0.18 s less at 5,000 concepts
    view = nx.DiGraph()
    view.graph.update(prerequisites.graph)
    view.add_nodes_from((n, dict(d)) for n, d in prerequisites.nodes(data=True))
    view.add_edges_from((v, u, dict(d)) for u, v, d in prerequisites.edges(data=True))
    for node, level in prerequisite_levels(view).items():
        view.nodes[node]["level"] = level
    view.graph["title"] = "Concept prerequisites"
    view.graph["description"] = (
        "Prerequisites in levels: foundations at the top, arrows point to what comes first"
    )
    return view


def path_view(graph: nx.DiGraph, result: PathResult) -> nx.DiGraph:
    """The first chain of ``fmgraph path``, laid out left to right, with its readings."""
    by_id = {(d.get("kind"), d.get("id")): n for n, d in graph.nodes(data=True)}
    chain = result.chains[0]
    view = nx.DiGraph()
    previous = None
    for i, step in enumerate(chain.steps):
        concept = by_id["concept", step.id]
        view.add_node(concept, **graph.nodes[concept], pin=(i * 220, 0))
        if previous is not None:
            view.add_edge(concept, previous, **_edge_data(graph, concept, previous, "requires"))
        for reading in step.readings:
            work = by_id.get(("work", reading.work))
            if work is None:  # a work without an id or title is not a node of the graph
                continue
            if work not in view:
                view.add_node(work, **graph.nodes[work])
            relation = "introduces" if reading.introduces else "discusses"
            view.add_edge(work, concept, **_edge_data(graph, work, concept, relation))
        previous = concept
    first, last = (
        node_label(graph.nodes[by_id["concept", s.id]]) for s in (chain.steps[0], chain.steps[-1])
    )
    view.graph["title"] = f"From {first} to {last}"
    view.graph["description"] = (
        "A prerequisite chain, left to right, with the readings of each step"
    )
    return view


def plan_view(prerequisites: nx.DiGraph, goal: str) -> nx.DiGraph:
    """The concepts of ``fmgraph plan`` for the concept ``goal`` (a :func:`prerequisite_graph`
    of it), in levels as in :func:`concepts_view`; the page lists the steps beside it."""
    view = concepts_view(prerequisites)
    label = node_label(prerequisites.nodes[goal])
    view.graph.update(
        focus=goal,
        title=f"Study plan: {label}",
        description=f"What to learn before {label}, in the order of fmgraph plan",
    )
    return view


def _edge_data(graph: nx.DiGraph, u: str, v: str, relation: str) -> dict[str, Any]:
    return dict(graph.edges[u, v]) if graph.has_edge(u, v) else {"relation": relation}


def prerequisite_levels(graph: nx.DiGraph) -> dict[str, int]:
    """For ``requires`` edges (dependent to prerequisite): 0 for a concept that requires
    nothing, else one more than the highest level among what it requires."""
    requires = _requires(graph)
    level: dict[str, int] = {}
    for node in reversed(_topological(requires)):
        level[node] = max((level[p] + 1 for p in requires[node] if p in level), default=0)
    return level


def _requires(graph: nx.DiGraph) -> dict[str, list[str]]:
    """What each concept of ``graph`` requires, in the graph's order of nodes and edges. A
    node required that is not a concept comes after the concepts, with what it requires in
    the edges that follow (as when this was a networkx graph, built edge by edge).

    Plain dicts, not a networkx graph: building one twice per page (levels, then sizes) cost
    0.1 s at 5,000 concepts.
    """
    requires: dict[str, list[str]] = {
        n: [] for n, kind in graph.nodes(data="kind") if kind == "concept"
    }
    others: dict[str, list[str]] = {}
    for u, v, relation in graph.edges(data="relation"):
        if relation == "requires" and (u in requires or u in others):
            (requires[u] if u in requires else others[u]).append(v)
            if v not in requires:
                others.setdefault(v, [])
    return requires | others


def _topological(requires: dict[str, list[str]]) -> list[str]:
    """Each node before what it requires (Kahn's algorithm). For levels and "needed by" counts
    any such order gives the same answer. The data is validated acyclic; should a cycle slip
    through, the nodes come in their own order, to draw it anyway rather than fail."""
    waiting = dict.fromkeys(requires, 0)
    for prerequisites in requires.values():
        for p in prerequisites:
            waiting[p] += 1
    order = [n for n, count in waiting.items() if count == 0]
    for node in order:  # grows as it is read
        for p in requires[node]:
            waiting[p] -= 1
            if waiting[p] == 0:
                order.append(p)
    return order if len(order) == len(requires) else list(requires)


def dependents(graph: nx.DiGraph) -> dict[str, int]:
    """For each concept, how many concepts need it, directly or through others.

    One pass in topological order with an integer as a bit set per concept: near-linear for
    the graph sizes fmgraph draws, where a search from every concept would be quadratic.
    """
    requires = _requires(graph)
    bit = {n: 1 << i for i, n in enumerate(requires)}
    needed_by = dict.fromkeys(requires, 0)
    for node in _topological(requires):
        for prerequisite in requires[node]:
            needed_by[prerequisite] |= needed_by[node] | bit[node]
    return {n: needed_by[n].bit_count() for n in requires}


# ---------------------------------------------------------------------------------------------
# The page


@dataclass
class Page:
    """A rendered page and the size of the view it draws."""

    html: str
    nodes: int
    links: int
    whole: bool  # the whole graph, no view asked for


def build_page(
    store: GraphStore,
    *,
    focus: str | None = None,
    depth: int = 1,
    concepts: bool = False,
    path: tuple[str, str] | None = None,
    plan: str | None = None,
    sessions: bool = False,
    title: str | None = None,
) -> Page:
    """The page of one view: the whole graph unless ``focus``, ``concepts``, ``path`` or
    ``plan``; ``sessions`` draws the whole graph and opens on the course's sessions."""
    context: nx.DiGraph | None
    target = None
    # The whole DAG is read once: every view and the study data need it (at 5,000 concepts
    # it is 0.5 s of store reads, and it used to be read twice).
    dag = prerequisite_graph(store)
    if concepts:
        view = concepts_view(dag)
        context = None
    elif focus is not None:
        centre = resolve(store, focus).iri
        context = context_graph(store, neighbourhood(store, [centre], depth), dag)
        view = focus_view(context, centre, depth)
    elif path is not None:
        result = find_path(store, *path)
        steps = result.chains[0].steps
        nodes = {concept_iri(s.id) for s in steps}
        nodes |= {work_iri(r.work) for s in steps for r in s.readings}
        context = context_graph(store, nodes, dag)
        view = path_view(context, result)
    elif plan is not None:
        goal = resolve_concept(store, plan)
        sub = prerequisite_graph(store, of=goal)
        target = sub.nodes[goal]["id"]
        context = context_graph(store, set(sub), dag)
        view = plan_view(sub, goal)
    else:
        view = context = full_graph(store, concepts=dag)
        view.graph["title"] = "fmgraph: the course as a graph"
        view.graph["description"] = "The whole course: sessions, works, concepts and topics"
        if sessions:
            view.graph["title"] = "fmgraph: the course in time"
            view.graph["description"] = "Sessions in date order, with what each one teaches"
    study = study_data(
        store,
        view,
        target=target,
        asked=plan,
        start="plan" if plan is not None else "sessions" if sessions else None,
        whole=context is view,
        dag=dag,
    )
    html = render_html(view, title=title or view.graph["title"], context=context, study=study)
    whole = not concepts and focus is None and path is None and plan is None
    return Page(html, view.number_of_nodes(), view.number_of_edges(), whole)


def explorer_page(store: GraphStore) -> Page:
    """The page ``fmgraph serve`` shows at ``/``: the whole graph, or the concept map when the
    graph has more nodes than a browser draws smoothly."""
    return build_page(store, concepts=node_count(store, up_to=BROWSER_NODES) > BROWSER_NODES)


#: Up to this many concepts in the view, the page carries the plan of each of them (one call of
#: :func:`~fmgraph.paths.learning_plan` each, about 8 ms on the bundled course); above it, only
#: the plan asked for with ``--plan``.
PLANS_FOR_ALL = 300


def study_data(
    store: GraphStore,
    view: nx.DiGraph,
    *,
    target: str | None = None,
    asked: str | None = None,
    start: str | None = None,
    whole: bool = False,
    dag: nx.DiGraph | None = None,
) -> dict[str, Any]:
    """What the page's study plan and sessions list read.

    ``plans`` holds, for each concept of the view (or ``target`` alone in a large view), the
    JSON of ``fmgraph plan CONCEPT --format json`` with each step's label, readings and count
    moved to ``concepts`` once per concept, so a page that carries a hundred plans carries each
    reading once; the script puts the steps back together. ``requires`` (concept id to the ids
    it requires) is what "I know this" prunes by. ``whole`` says the view is the whole graph:
    its page lists the sessions whatever the graph's size; a page of part of a graph too big
    to browse does not. ``asked`` is the name ``target`` was given by (``--plan NAME``): its
    plan is made from that name, as ``fmgraph plan NAME`` makes it. ``dag``, the whole
    :func:`prerequisite_graph` when the caller has read it, is used instead of reading it again.
    """
    from .audit import audit
    from .output import as_json
    from .paths import learning_plan

    # ids as the views have them (also for concepts of a graph made without identifiers)
    if dag is None:
        dag = prerequisite_graph(store)
    requires = {
        dag.nodes[c]["id"]: sorted(dag.nodes[p]["id"] for p in dag.predecessors(c))
        for c in dag
        if dag.in_degree(c)
    }
    # Part of a graph too big to browse carries the plan of its own concept only: a plan per
    # concept of a neighbourhood would cost more than the neighbourhood.
    small = whole or node_count(store, up_to=BROWSER_NODES) <= BROWSER_NODES
    ids = sorted(d["id"] for _, d in view.nodes(data=True) if d.get("kind") == "concept")
    targets = ids if small and len(ids) <= PLANS_FOR_ALL else []
    focus = view.graph.get("focus")
    if focus in view and view.nodes[focus].get("kind") == "concept":
        target = target or view.nodes[focus]["id"]
    if target is not None and target not in targets:
        targets.append(target)
    plans: dict[str, list[dict[str, Any]]] = {}
    concepts: dict[str, dict[str, Any]] = {}
    for name in targets:
        try:
            made = learning_plan(store, asked if asked is not None and name == target else name)
        except UnknownName:
            # an id that is also another concept's name: `fmgraph plan ID` cannot tell the two
            # apart either, so the page carries no plan for it rather than a guess
            if asked is not None and name == target:
                raise
            continue
        result = json.loads(as_json(made))
        steps = []
        for step in result["steps"]:
            shared = {k: step.pop(k) for k in ("label", "readings", "discussed_by") if k in step}
            known = concepts.setdefault(step["id"], shared)
            if known != shared:  # readings that depend on the target stay with the step
                step.update(shared)
            steps.append(step)
        plans[result["target"]] = steps
    works = {r["work"] for c in concepts.values() for r in c.get("readings", [])}
    for steps in plans.values():
        works |= {r["work"] for step in steps for r in step.get("readings", [])}
    # The sessions of a graph too big to browse are left out of a page of some of it.
    sessions = course_sessions(store) if small else []
    # and so is the syllabus-order check, `fmgraph audit --format json` as it prints it
    checked = json.loads(as_json(audit(store))) if small else None
    works |= {r["work"] for s in sessions for r in s["readings"]}
    return {
        "start": start,
        "target": target,
        "plans": plans,
        "concepts": concepts,
        "requires": requires,
        "works": _works(store, works),
        "sessions": sessions,
        "audit": checked,
    }


_SESSION_ROWS = """
SELECT ?code ?title ?date WHERE {
  ?s a fm:Session ; dcterms:identifier ?code .
  OPTIONAL { ?s dcterms:title ?title } OPTIONAL { ?s dcterms:date ?date }
}
"""
_SESSION_READINGS = """
SELECT ?code ?work ?role ?position WHERE {
  ?s a fm:Session ; dcterms:identifier ?code ; fm:hasReading ?r .
  ?r fm:work ?w ; fm:role ?role ; fm:position ?position . ?w dcterms:identifier ?work .
}
"""
_SESSION_CONCEPTS = """
SELECT DISTINCT ?code ?concept ?p WHERE {
  VALUES ?p { fm:introduces fm:teaches fm:discusses }
  ?s a fm:Session ; dcterms:identifier ?code ; fm:hasReading/fm:work ?w .
  ?w ?p ?c . ?c a fm:Concept ; dcterms:identifier ?concept .
}
"""
_SESSION_ASSUMES = """
SELECT ?code ?concept WHERE {
  ?s a fm:Session ; dcterms:identifier ?code ; fm:assumes ?c . ?c dcterms:identifier ?concept .
}
"""


def course_sessions(store: GraphStore) -> list[dict[str, Any]]:
    """Sessions in date order (then code), each with its readings (required, then further, in
    list order), the concepts its readings teach (introduce or ``teaches``: what ``fmgraph
    audit`` counts as taught), the other concepts they discuss, and the concepts the session
    declares it assumes."""
    found: dict[str, dict[str, Any]] = {}
    for r in rows(store, _SESSION_ROWS):
        found.setdefault(
            r["code"],
            {"id": r["code"], "title": r["title"] or "", "date": r["date"] or "",
             "readings": [], "teaches": set(), "discusses": set(), "assumes": set()},
        )  # fmt: skip
    for r in rows(store, _SESSION_READINGS):
        if r["code"] in found:
            reading = {"work": r["work"], "role": r["role"], "position": int(r["position"])}
            found[r["code"]]["readings"].append(reading)
    for r in rows(store, _SESSION_CONCEPTS):
        if r["code"] in found:
            key = "discusses" if r["p"] == FM.discusses else "teaches"
            found[r["code"]][key].add(r["concept"])
    for r in rows(store, _SESSION_ASSUMES):
        if r["code"] in found:
            found[r["code"]]["assumes"].add(r["concept"])
    sessions = sorted(found.values(), key=lambda s: (s["date"] or "9999", s["id"]))
    for s in sessions:
        s["readings"].sort(key=lambda r: (r["role"] != "required", r["position"], r["work"]))
        s["discusses"] -= s["teaches"]
        for key in ("teaches", "discusses", "assumes"):
            s[key] = sorted(s[key])
    return sessions


def _works(store: GraphStore, works: set[str]) -> dict[str, dict[str, Any]]:
    """Title, authors, year and links of each work id, for the plan's Markdown and BibTeX."""
    iris = {w if "/" in w else work_iri(w): w for w in works}
    graph = full_graph(store, list(iris), nx.DiGraph())
    found = {}
    for iri, work in sorted(iris.items(), key=lambda item: item[1]):
        data = graph.nodes[iri] if iri in graph else {}
        entry: dict[str, Any] = {
            "title": data.get("title") or work,
            "kind": data.get("work_kind", ""),
            "authors": [a for a in data.get("authors", "").split(SEPARATOR) if a],
        }
        for key in ("year", "arxiv"):
            if data.get(key):
                entry[key] = str(data[key])
        urls = data.get("urls", "").split()
        if data.get("arxiv"):
            urls.insert(0, ARXIV_ABS + data["arxiv"])
        if urls:
            entry["url"] = urls[0]
        found[work] = entry
    return found


def context_graph(
    store: GraphStore, nodes: set[str], concepts: nx.DiGraph | None = None
) -> nx.DiGraph:
    """What a view of ``nodes`` is cut from and sized by, read from the store around them only:
    the nodes and everything one link away with every relation between them, so each node of
    the view has its whole graph's links (sizes, "read in"), and the whole prerequisite DAG
    (``concepts`` when the caller has read it), so "needed by" counts are those of the whole
    graph."""
    if concepts is None:
        concepts = prerequisite_graph(store)
    graph = full_graph(store, neighbourhood(store, nodes, 1), concepts)
    add_prerequisites(graph, concepts)
    return graph


@paused_gc()
def render_html(
    graph: nx.DiGraph,
    *,
    title: str,
    description: str | None = None,
    context: nx.DiGraph | None = None,
    study: dict[str, Any] | None = None,
) -> str:
    """One self-contained HTML page drawing ``graph``; the same graph gives the same bytes.

    ``context`` is the graph that tooltips and sizes are computed from (the whole graph when
    ``graph`` is a view of it), so a work shows every session that reads it even when the
    sessions are not drawn. ``study`` is :func:`study_data` (plans and sessions); without it
    the page has neither.
    """
    payload = graph_payload(graph, context if context is not None else graph)
    payload["study"] = study or {
        "start": None, "target": None, "plans": {}, "concepts": {}, "requires": {},
        "works": {}, "sessions": [], "audit": None,
    }  # fmt: skip
    data = _json_for_html(payload)
    vis, app, css = _vis_network(), _inline(_asset("explorer.js")), _asset("explorer.css")
    policy = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_csp_hash(vis)} {_csp_hash(app)}",
            "style-src 'unsafe-inline'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    description = description or graph.graph.get("description", "")
    counts = f"{len(payload['nodes'])} nodes, {len(payload['edges'])} links"
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="referrer" content="no-referrer">\n',
        f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n",
        '<header>\n<div class="heading">\n',
        f"<h1>{html.escape(title)}</h1>\n",
        f'<p class="subtitle">{html.escape(description)}{" · " if description else ""}'
        f"{counts}</p>\n</div>\n",
        _controls(payload),
        "</header>\n<main>\n",
        '<div id="graph" tabindex="0" role="application" aria-roledescription="graph" '
        'aria-label="The graph. Arrow keys move from node to node, Enter shows the study plan '
        'of a concept, Escape resets the view" aria-describedby="details"></div>\n',
        "<aside>\n",
        '<section id="study" aria-live="polite" hidden></section>\n',
        '<section id="details" aria-live="polite"><p class="hint">Hover a node for a '
        "summary; click it to see its links and, for a concept, its study plan.</p>"
        "</section>\n",
        _legend(payload),
        "</aside>\n</main>\n",
        '<div id="progress" role="status">Laying out the graph…</div>\n',
        f'<script type="application/json" id="fmgraph-data">{data}</script>\n',
        f"<script>{vis}</script>\n<script>{app}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def graph_payload(graph: nx.DiGraph, context: nx.DiGraph) -> dict[str, Any]:
    """What the page's script reads: nodes and edges in a fixed order, styles and options."""
    info = _Context(context)
    order = {kind: i for i, kind in enumerate(KIND_ORDER)}

    def node_key(item: tuple[str, dict[str, Any]]) -> tuple[int, str, str]:
        node, data = item
        return order.get(data.get("kind", ""), len(order)), str(data.get("id", "")), node

    nodes = []
    for node, data in sorted(graph.nodes(data=True), key=node_key):
        entry: dict[str, Any] = {
            "id": node,
            "kind": data.get("kind", "concept"),
            "key": str(data.get("id", node)),
            "label": _short(node_label(data)),
            "size": info.size(node, data),
            "names": node_names(data),
            "info": info.card(node, data),
        }
        if "level" in data:
            entry["level"] = data["level"]
        if "pin" in data:
            entry["x"], entry["y"] = data["pin"]
        nodes.append(entry)
    edges = []
    for i, (u, v, data) in enumerate(sorted(graph.edges(data=True), key=lambda e: (e[0], e[1]))):
        edge: dict[str, Any] = {"id": f"e{i}", "from": u, "to": v}
        edge["relation"] = data.get("relation", "link")
        for key in ("reason", "position"):
            if data.get(key) not in (None, ""):
                edge[key] = data[key]
        edges.append(edge)
    kinds = sorted({n["kind"] for n in nodes}, key=lambda k: order.get(k, len(order)))
    relations = sorted({e["relation"] for e in edges}, key=_relation_order)
    layout = "levels" if nodes and all("level" in n for n in nodes) else "force"
    return {
        "nodes": nodes,
        "edges": edges,
        "kinds": {k: NODE_STYLES.get(k, _OTHER_NODE).__dict__ for k in kinds},
        "relations": {r: RELATION_STYLES.get(r, _OTHER_EDGE).__dict__ for r in relations},
        "focus": graph.graph.get("focus"),
        "options": _vis_options(len(nodes), len(edges), layout),
        "overview": layout == "force" and len(nodes) > OVERVIEW,
    }


class _Context:
    """Tooltips and sizes, computed once over the graph a view was cut from."""

    def __init__(self, graph: nx.DiGraph) -> None:
        self.graph = graph
        self.needed_by = dependents(graph)
        self.read_in: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for u, v, data in graph.edges(data=True):
            role = {"requiredReading": "required", "furtherReading": "further"}.get(
                data.get("relation", "")
            )
            if role:
                code = graph.nodes[u].get("id", u)
                self.read_in[v].append((code, role, data.get("position") or 0))

    def size(self, node: str, data: dict[str, Any]) -> float:
        """Concepts grow with how much depends on them, other nodes with how linked they are."""
        kind = data.get("kind")
        if kind == "concept":
            weight = self.needed_by.get(node, 0)
            return round(min(12 + 3.2 * math.sqrt(weight), 44), 1)
        weight = self.graph.degree(node) if node in self.graph else 0
        base = {"session": 16, "topic": 12}.get(kind or "", 10)
        return round(min(base + 1.8 * math.sqrt(weight), 32), 1)

    def card(self, node: str, data: dict[str, Any]) -> dict[str, Any]:
        """A tooltip as plain data: the script turns it into text nodes and links."""
        kind = data.get("kind", "")
        style = NODE_STYLES.get(kind, _OTHER_NODE)
        rows: list[list[str]] = []
        links: list[list[str]] = []
        text = ""
        heading = node_label(data)
        if kind == "concept":
            if data.get("aliases"):
                rows.append(["Also", data["aliases"].replace(SEPARATOR, ", ")])
            if data.get("topic"):
                rows.append(["Topic", data["topic"]])
            n = self.needed_by.get(node, 0)
            rows.append(["Needed by", f"{n} concept{'' if n == 1 else 's'}, directly or not"])
            text = data.get("definition", "")
        elif kind == "work":
            heading = data.get("title") or heading
            work_kind = data.get("work_kind", "")
            style_label = f"Work · {work_kind.replace('-', ' ')}" if work_kind else style.label
            for label, key in (("Year", "year"), ("Authors", "authors")):
                if data.get(key):
                    rows.append([label, data[key].replace(SEPARATOR, ", ")])
            reads = sorted(self.read_in.get(node, []))
            rows.append(
                [
                    "Read in",
                    "; ".join(f"{code} ({role}, #{pos})" for code, role, pos in reads)
                    or "no session",
                ]
            )
            if data.get("arxiv"):
                links.append([f"arXiv:{data['arxiv']}", ARXIV_ABS + data["arxiv"]])
            links += [[url, url] for url in data.get("urls", "").split() if url]
            return {"kind": style_label, "title": heading, "rows": rows, "text": "", "links": links}
        elif kind == "session":
            if data.get("title"):
                heading = f"{data.get('id', '')}: {data['title']}"
            if data.get("date"):
                rows.append(["Date", data["date"]])
            topics, required, further = [], 0, 0
            for _, target, relation in self.graph.out_edges(node, data="relation"):
                if relation == "hasTopic":
                    topics.append(node_label(self.graph.nodes[target]))
                required += relation == "requiredReading"
                further += relation == "furtherReading"
            if topics:
                rows.append(["Topics", ", ".join(sorted(topics))])
            rows.append(["Readings", f"{required} required, {further} further"])
        elif kind == "topic":
            members = [self.graph.nodes[s].get("kind") for s in self.graph.predecessors(node)]
            rows.append(["Concepts", str(members.count("concept"))])
            rows.append(["Sessions", str(members.count("session"))])
        return {"kind": style.label, "title": heading, "rows": rows, "text": text, "links": links}


def _short(label: str, limit: int = 38) -> str:
    """A label short enough to draw; the tooltip keeps the whole of it."""
    if len(label) <= limit:
        return label
    cut = label[:limit].rsplit(" ", 1)[0] if " " in label[:limit] else label[:limit]
    return cut.rstrip(" ,:;-") + "…"


def _relation_order(relation: str) -> int:
    names = list(RELATION_STYLES)
    return names.index(relation) if relation in names else len(names)


def _vis_options(n_nodes: int, n_edges: int, layout: str) -> dict[str, Any]:
    """vis-network options: deterministic layout, physics that settles and is then switched
    off by the script, and cheaper drawing for large graphs."""
    large = n_nodes > LARGE
    options: dict[str, Any] = {
        "autoResize": True,
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": large,
            # the explorer's own keys: arrows go from node to node (see explorer.js)
            "keyboard": {"enabled": False},
            "multiselect": False,
        },
        "nodes": {
            "borderWidth": 1.5,
            # Labels under 8 px on screen are not drawn and fade in from 8 to 9 px as the
            # reader zooms; none grows past 16 px. The script sizes the important ones.
            "scaling": {"label": {"drawThreshold": 9, "maxVisible": 16}},
            "font": {
                "size": 14,
                "face": "system-ui, sans-serif",
                "color": "#1A1A1A",
                "strokeWidth": 3,
                "strokeColor": "#FFFFFF",
            },
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "smooth": False if large or n_edges > 1500 else {"type": "continuous"},
            "font": {"size": 0, "align": "middle", "face": "system-ui, sans-serif"},
            "selectionWidth": 1.5,
        },
    }
    if layout == "levels":
        # Top to bottom: a deep DAG (the course has 16 levels) is wider than tall per level,
        # and a laptop screen is wider than tall.
        options["layout"] = {
            "randomSeed": 7,
            "hierarchical": {
                "enabled": True,
                "direction": "UD",
                "levelSeparation": 90,
                "nodeSpacing": 170,
                "sortMethod": "directed",
            },
        }
        options["physics"] = {
            "solver": "hierarchicalRepulsion",
            "hierarchicalRepulsion": {"nodeDistance": 170, "avoidOverlap": 1},
            "stabilization": {"iterations": 400, "updateInterval": 20},
        }
    else:
        options["layout"] = {"randomSeed": 7, "improvedLayout": n_nodes <= 200}
        options["physics"] = {
            "solver": "forceAtlas2Based",
            # A few nodes get room for their labels; many nodes get a denser, quicker layout.
            "forceAtlas2Based": {
                "gravitationalConstant": -160 if n_nodes <= 60 else -70,
                "centralGravity": 0.012,
                "springLength": 170 if n_nodes <= 60 else 110,
                "springConstant": 0.06,
                "avoidOverlap": 0.0 if large else 0.3,
                "theta": 0.8 if large else 0.5,  # coarser Barnes–Hut: about twice as fast
            },
            "minVelocity": 1.0 if large else 0.75,
            "stabilization": {"iterations": 150 if large else 800, "updateInterval": 25},
        }
    return options


def _controls(payload: dict[str, Any]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" data-kind="{html.escape(kind)}" checked> '
        f"{html.escape(style['plural'])}</label>"
        for kind, style in payload["kinds"].items()
    )
    unlinked = (
        '<label><input type="checkbox" id="unlinked"> Unlinked works</label>'
        if payload.get("overview")
        else ""
    )
    return (
        '<div class="controls">\n<form id="search-form" role="search" autocomplete="off">'
        '<input id="search" type="search" placeholder="Find a node: name, alias, id" '
        'aria-label="Find a node by name, alias or id" list="">'
        '<button type="submit">Find</button></form>\n'
        f'<fieldset id="filters"><legend>Show</legend>{boxes}{unlinked}</fieldset>\n'
        '<button id="sessions-toggle" type="button" aria-pressed="false">Sessions</button>\n'
        '<button id="reset" type="button">Reset view</button>\n'
        '<p id="message" role="status"></p>\n<ul id="results" hidden></ul>\n</div>\n'
    )


_SHAPES = {
    "dot": '<circle cx="9" cy="9" r="7"/>',
    "square": '<rect x="2.5" y="2.5" width="13" height="13"/>',
    "diamond": '<polygon points="9,1 17,9 9,17 1,9"/>',
    "hexagon": '<polygon points="4.5,1.5 13.5,1.5 17,9 13.5,16.5 4.5,16.5 1,9"/>',
}


# Arrowheads as the legend draws them, at the end of a 40 px line.
_MARKERS = {
    "arrow": '<polygon points="31,2 39,6 31,10"/>',
    "vee": '<polyline points="32,2 39,6 32,10" fill="none" stroke-width="1.8"/>',
    "circle": '<circle cx="35" cy="6" r="3.5"/>',
    "bar": '<rect x="35" y="1" width="2.5" height="10"/>',
    "box": '<rect x="32" y="2.5" width="7" height="7"/>',
    "diamond": '<polygon points="35,1.5 39.5,6 35,10.5 30.5,6"/>',
    "inv_triangle": '<polygon points="39,2 31,6 39,10"/>',
}


def _legend(payload: dict[str, Any]) -> str:
    kinds = []
    for style in payload["kinds"].values():
        shape = _SHAPES.get(style["shape"], _SHAPES["dot"])
        kinds.append(
            f'<li><svg width="18" height="18" aria-hidden="true" fill="{style["color"]}" '
            f'stroke="{style["border"]}" stroke-width="1.5">{shape}</svg>'
            f"{html.escape(style['plural'])}</li>"
        )
    relations = []
    for style in payload["relations"].values():
        dashes = style["dashes"]
        dash = f' stroke-dasharray="{" ".join(map(str, dashes))}"' if dashes else ""
        meaning = f' <span class="meaning">{html.escape(style["meaning"])}</span>'
        marker = _MARKERS.get(style["arrow"], _MARKERS["arrow"])
        relations.append(
            f'<li><svg width="40" height="12" aria-hidden="true"><line x1="1" y1="6" x2="31" '
            f'y2="6" stroke="{style["color"]}" stroke-width="{style["width"]}"{dash}/>'
            f'<g fill="{style["color"]}" stroke="{style["color"]}">{marker}</g></svg>'
            f"{html.escape(style['label'])}{meaning if style['meaning'] else ''}</li>"
        )
    note = (
        '<p class="note">Concepts grow with how many concepts need them, other nodes with '
        "their number of links.</p>"
    )
    return (
        f'<section id="legend"><h2>Legend</h2><ul class="kinds">{"".join(kinds)}</ul>'
        f'<ul class="relations">{"".join(relations)}</ul>{note}</section>\n'
    )


def _json_for_html(payload: dict[str, Any]) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment, whatever the data."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _inline(script: str, origin: Path | str = "explorer.js") -> str:
    """``script``, checked safe to place between ``<script>`` tags as it is."""
    lowered = script.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise OutputError(
            f"cannot render: {origin} cannot be inlined (it contains </script or <!--)"
        )
    return script


@cache
def _asset(name: str) -> str:
    return (files("fmgraph") / "assets" / name).read_text(encoding="utf-8")


@cache
def _vis_network() -> str:
    """vis-network's standalone build, read from the installed pyvis without importing it."""
    spec = importlib.util.find_spec("pyvis")
    roots = list(spec.submodule_search_locations or []) if spec else []
    for root in roots:
        path = Path(root) / VIS_NETWORK
        if path.is_file():
            return _inline(path.read_text(encoding="utf-8"), path)
    raise OutputError(
        f"cannot render: vis-network was not found as pyvis/{VIS_NETWORK}; "
        "reinstall fmgraph's dependency pyvis 0.3.2 (pip install 'pyvis==0.3.2')"
    )
