"""networkx views of the graph, derived from the store by SPARQL.

Because the views are computed from the same store that ``fmgraph query`` reads, a path found
here is always a path SPARQL can see. Node ids are IRIs; every attribute is a plain string or
number, so the views export to GraphML and GEXF as they are.

``full_graph`` (a ``DiGraph``) has one node per session, work, concept and topic, with
``kind`` (session | work | concept | topic), ``id``, ``label`` and kind-specific attributes,
and edges in RDF direction with a ``relation`` attribute: requires (with ``reason``),
requiredReading / furtherReading (with ``position``), introduces, discusses, hasTopic,
inTopic, cites. ``prerequisite_graph`` has concepts only, with edges in learning order:
prerequisite → dependent.

Both can be read for some nodes only (``full_graph(store, nodes)``, ``prerequisite_graph(store,
of=...)`` or ``among=...``), at the cost of those nodes rather than of the whole graph, and
:func:`neighbourhood` finds the nodes near others by walking the store; this is how
``fmgraph render --focus`` and ``--path`` stay fast on a graph of a million triples.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # networkx loads when a view is built: `stats` and `show` need none
    import networkx as nx

from .gcpause import paused_gc
from .names import SEPARATOR, iri_name, label_order
from .query import rows, rows_keyed, rows_over
from .store import GraphStore

# Every view query is kept plain (no OPTIONAL over several patterns, no GROUP BY), one per
# attribute or relation, and joined here: Oxigraph plans such shapes as index walks, where an
# OPTIONAL chain over a million triples is a full scan. Each has a ``%s`` where a scope goes:
# nothing for the whole graph, or a ``VALUES`` binding its first variable to the nodes wanted.
# A concept is an fm:Concept, or the skos:Concept of a thesaurus made elsewhere; its id is its
# dcterms:identifier, else the end of its IRI, and every label it has (whatever the language)
# is a name for it: the first skos:prefLabel, rdfs:label or schema:name is the one shown.
_ALL_CONCEPTS = "VALUES ?kind { fm:Concept skos:Concept } ?c a ?kind ."
_SOME_CONCEPTS = "VALUES ?c { %s } ?c a ?kind . FILTER(?kind IN (fm:Concept, skos:Concept))"
_NUMBERED_CONCEPTS = (
    "VALUES (?i ?c) { %s } ?c a ?kind . FILTER(?kind IN (fm:Concept, skos:Concept))"
)
# DISTINCT: Virtuoso 7.2 answers fm:requires* with a row per path, not per node: 12 MB and
# 5.5 s for dpo at 1M triples, against 8 kB and 0.07 s with DISTINCT (Oxigraph: the same).
_ANCESTORS = "SELECT DISTINCT ?c WHERE { <%s> fm:requires* ?c }"
_ANCESTORS_WITH_BACKGROUND = "SELECT DISTINCT ?c WHERE { <%s> (fm:requires|fm:motivatedBy)* ?c }"
_DESCENDANTS = "SELECT DISTINCT ?c WHERE { ?c fm:requires* <%s> }"
_DESCENDANTS_WITH_BACKGROUND = "SELECT DISTINCT ?c WHERE { ?c (fm:requires|fm:motivatedBy)* <%s> }"
_LABELS = ("label", "rdfs-label", "name")  # in the order a label is chosen
_CONCEPT_QUERIES = {
    "node": "SELECT DISTINCT ?c WHERE { %s }",
    "id": "SELECT ?c ?v WHERE { %s ?c dcterms:identifier ?v }",
    "label": "SELECT ?c ?v (LANG(?v) AS ?lang) WHERE { %s ?c skos:prefLabel ?v }",
    "rdfs-label": "SELECT ?c ?v (LANG(?v) AS ?lang) WHERE { %s ?c rdfs:label ?v }",
    "name": "SELECT ?c ?v (LANG(?v) AS ?lang) WHERE { %s ?c schema:name ?v }",
    "alias": "SELECT ?c ?v WHERE { %s ?c skos:altLabel ?v }",
    "definition": "SELECT ?c ?definition WHERE { %s ?c skos:definition ?definition }",
    "topic": "SELECT ?c ?topic WHERE { %s ?c fm:inTopic/skos:prefLabel ?topic }",
    "requires": "SELECT ?c ?p WHERE { %s ?c fm:requires ?p }",
    "reason": "SELECT ?c ?p ?reason WHERE { %s ?c fm:hasPrerequisite ?n ."
              " ?n fm:prerequisite ?p ; fm:reason ?reason }",
    "motivatedBy": "SELECT ?c ?p WHERE { %s ?c fm:motivatedBy ?p }",
    "motivation": "SELECT ?c ?p ?reason WHERE { %s ?c fm:hasMotivation ?n ."
                  " ?n fm:motivation ?p ; fm:reason ?reason }",
}  # fmt: skip
_SESSIONS = """
SELECT ?s ?code ?title ?date WHERE {
  %s ?s a fm:Session . OPTIONAL { ?s dcterms:identifier ?code }
  OPTIONAL { ?s dcterms:title ?title } OPTIONAL { ?s dcterms:date ?date }
}
"""
_KIND_NAMES = {
    "Paper": "paper",
    "BlogPost": "blog-post",
    "WebPage": "web-page",
    "CodeRepository": "code-repository",
    "Leaderboard": "leaderboard",
    "LectureNotes": "lecture-notes",
}
_KIND_CLASSES = [f"fm:{name}" for name in _KIND_NAMES]
# Oxigraph walks the index for a VALUES of classes (or predicates) well when the subject is
# free, but not when the subject is bound too: then a FILTER is 160x faster.
_KIND_OF_ALL = f"SELECT ?w ?v WHERE {{ %s VALUES ?v {{ {' '.join(_KIND_CLASSES)} }} ?w a ?v }}"
_KIND_OF_SOME = f"SELECT ?w ?v WHERE {{ %s ?w a ?v FILTER(?v IN ({', '.join(_KIND_CLASSES)})) }}"
# Works are read as plain scans of one predicate each, joined here: in Oxigraph's on-disk store,
# a scan reads its index in order, where a join with ``?w a fm:Work`` looks every work up again.
_WORKS = "SELECT ?w WHERE { %s ?w a fm:Work }"
_WORK_VALUES = {
    "id": "SELECT ?w ?v WHERE { %s ?w dcterms:identifier ?v }",
    "title": "SELECT ?w ?v WHERE { %s ?w dcterms:title ?v }",
    "year": "SELECT ?w ?v WHERE { %s ?w dcterms:issued ?v }",
    "arxiv": "SELECT ?w ?v WHERE { %s ?w fm:arxivId ?v }",
    "urls": "SELECT ?w ?v WHERE { %s ?w schema:url ?v }",
    "authors": "SELECT ?w ?v WHERE { %s ?w dcterms:creator ?v }",
}
_TOPICS = """
SELECT ?t ?id ?label WHERE {
  %s ?t a fm:Topic . OPTIONAL { ?t dcterms:identifier ?id } OPTIONAL { ?t skos:prefLabel ?label }
}
"""
_EDGES = {
    "introduces": "SELECT ?s ?o WHERE { %s ?s fm:introduces ?o }",
    "discusses": "SELECT ?s ?o WHERE { %s ?s fm:discusses ?o }",
    "hasTopic": "SELECT ?s ?o WHERE { %s ?s fm:hasTopic ?o }",
    "inTopic": "SELECT ?s ?o WHERE { %s ?s fm:inTopic ?o }",
    "cites": "SELECT ?s ?o WHERE { %s ?s cito:cites ?o }",
}
_READING_EDGES = """
SELECT ?s ?o ?role ?position WHERE {
  %s ?s fm:hasReading ?r . ?r fm:work ?o ; fm:role ?role ; fm:position ?position .
}
"""
# The relations full_graph draws as edges, for walking the store from node to node.
_NEIGHBOURS = """
SELECT DISTINCT ?n WHERE {
  VALUES ?x { %s }
  { ?x ?p ?n } UNION { ?n ?p ?x }
  FILTER(isIRI(?n) && ?p IN (fm:requires, fm:discusses, fm:hasTopic, fm:inTopic, cito:cites,
                             fm:reading))
}
"""
_NODE_COUNT = """
SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE {
  VALUES ?kind { fm:Session fm:Work fm:Concept fm:Topic skos:Concept } ?node a ?kind
}
"""
_NODES_UP_TO = """
SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?node WHERE {
  VALUES ?kind { fm:Session fm:Work fm:Concept fm:Topic skos:Concept } ?node a ?kind
} LIMIT %d } }
"""
# MINUS, not FILTER NOT EXISTS: the same nodes, but Oxigraph evaluates NOT EXISTS once per
# node (0.31 s at 1M triples) and MINUS as one anti-join (0.15 s).
_UNIDENTIFIED_COUNT = """
SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE {
  { VALUES ?kind { fm:Session fm:Work fm:Concept fm:Topic skos:Concept } ?node a ?kind }
  MINUS { ?node dcterms:identifier ?id }
}
"""


def node_count(store: GraphStore, up_to: int | None = None) -> int:
    """How many sessions, works, concepts and topics the graph has: the nodes of full_graph;
    with ``up_to``, counted no further than ``up_to + 1``, enough to tell whether the graph
    has more (2 ms at 1M triples, where counting them all takes 40 ms)."""
    if up_to is None:
        (row,) = rows(store, _NODE_COUNT)
    else:
        (row,) = rows(store, _NODES_UP_TO % (up_to + 1))
    return int(row["n"])


def unidentified_count(store: GraphStore) -> int:
    """How many nodes of full_graph have no dcterms:identifier (named from label or IRI)."""
    (row,) = rows(store, _UNIDENTIFIED_COUNT)
    return int(row["n"])


def _select(
    store: GraphStore, sparql: str, var: str, nodes: Collection[str] | None
) -> list[dict[str, Any]]:
    """Rows of a view query over the whole graph, or with ``?var`` bound to ``nodes``."""
    if nodes is None:
        return list(rows(store, sparql % ""))
    return rows_over(store, sparql % f"VALUES ?{var} {{ %s }}", nodes)


def neighbourhood(store: GraphStore, start: Iterable[str], depth: int) -> set[str]:
    """The IRIs of ``start`` and of everything at most ``depth`` links from them, either way,
    along the relations :func:`full_graph` draws. It costs what the answer costs."""
    seen = set(start)
    frontier = set(seen)
    for _ in range(depth):
        frontier = {r["n"] for r in rows_over(store, _NEIGHBOURS, frontier)} - seen
        seen |= frontier
    return seen


def prerequisite_graph(
    store: GraphStore,
    of: str | None = None,
    among: Collection[str] | None = None,
    *,
    background: bool = False,
) -> nx.DiGraph:
    """Concepts and their prerequisites, edges pointing from what comes first to what needs it
    (``relation`` "requires"; with ``background``, also "motivatedBy" edges from the concepts
    each one grew out of, which are context rather than need).

    With ``of`` (a concept IRI), only that concept and everything it requires, directly or not:
    every chain that ends at ``of`` lies in that graph, and it costs what the answer costs.
    With ``among``, only the concepts among those IRIs.
    """
    if of is not None:  # the closure once, not once per query
        among = closure(store, of, background=background)
    concepts = _AllConcepts(store) if among is None else None

    def query(name: str) -> list[dict[str, Any]]:
        if among is None:
            assert concepts is not None
            return concepts.read(name)
        return rows_over(store, _CONCEPT_QUERIES[name] % _SOME_CONCEPTS, among)

    named = _concept_names(query, aliases=True)
    definitions = {r["c"]: r["definition"] for r in query("definition")}
    topics = {r["c"]: r["topic"] for r in query("topic")}
    import networkx as nx

    graph = nx.DiGraph()
    for c, (short, label, aliases) in named.items():
        graph.add_node(c, kind="concept", id=short, label=label,
                       aliases=SEPARATOR.join(sorted(aliases)),
                       definition=definitions.get(c, ""), topic=topics.get(c, ""))  # fmt: skip
    links = [("requires", "reason")] + ([("motivatedBy", "motivation")] if background else [])
    for relation, reasons_of in reversed(links):  # a "requires" edge wins over a background one
        reasons = {(r["c"], r["p"]): r["reason"] for r in query(reasons_of)}
        for r in sorted(query(relation), key=lambda r: (r["c"], r["p"])):
            if r["c"] in graph and r["p"] in graph:
                reason = reasons.get((r["c"], r["p"]), "")
                graph.add_edge(r["p"], r["c"], relation=relation, reason=reason)
    return graph


# The predicate each whole-graph view query starts from, when the query may also be read as a
# scan of that predicate whose rows are then kept for the concepts alone. Joined with the
# concepts, a query looks each concept up in the store (5,000 lookups at 5,000 concepts); a
# scan reads the predicate's triples in index order, about a third cheaper a row. So a query
# scans when the graph holds few triples of its predicate (at most two per concept, counted
# up to that limit): at 1M triples and 5,000 concepts the DAG's reads take 0.35 s instead of
# 0.52 s. An id (dcterms:identifier, on every work too) is always read by the join. Rows of
# a concept come in the same order either way (its values in index order), so the value
# kept where a concept has two (a definition, a topic) is the same.
_SCANS = {
    "label": "skos:prefLabel",
    "rdfs-label": "rdfs:label",
    "name": "schema:name",
    "alias": "skos:altLabel",
    "definition": "skos:definition",
    "topic": "fm:inTopic",
    "requires": "fm:requires",
    "reason": "fm:hasPrerequisite",
    "motivatedBy": "fm:motivatedBy",
    "motivation": "fm:hasMotivation",
}
_FEW = "SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?s WHERE {{ ?s {} ?o }} LIMIT {} }} }}"


@dataclass
class _AllConcepts:
    """The whole graph's concepts, and their view queries read by join or by scan."""

    store: GraphStore
    nodes: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.nodes = {r["c"] for r in rows(self.store, _CONCEPT_QUERIES["node"] % _ALL_CONCEPTS)}

    def read(self, name: str) -> list[dict[str, Any]]:
        """The rows of the view query ``name`` over every concept."""
        if name == "node":
            return [{"c": c} for c in self.nodes]
        sparql = _CONCEPT_QUERIES[name]
        predicate = _SCANS.get(name)
        if predicate is not None:
            limit = 2 * len(self.nodes)
            (count,) = rows(self.store, _FEW.format(predicate, limit + 1))
            if int(count["n"]) <= limit:
                return [r for r in rows(self.store, sparql % "") if r["c"] in self.nodes]
        return list(rows(self.store, sparql % _ALL_CONCEPTS))


def _concept_names(
    query: Callable[[str], list[dict[str, Any]]], *, aliases: bool = False
) -> dict[str, tuple[str, str, set[str]]]:
    """Each concept's id (its dcterms:identifier, else the end of its IRI), label (the first
    of its labels in the order of ``_LABELS``, English first) and, with ``aliases``, every
    other name it has; in the order of their ids. ``query`` runs a view query by name."""
    nodes = [r["c"] for r in query("node")]
    ids = {r["c"]: r["v"] for r in sorted(query("id"), key=lambda r: r["v"], reverse=True)}
    names: dict[str, dict[str, set[tuple[int, str]]]] = {}
    for which in (*_LABELS, "alias") if aliases else _LABELS:
        for r in query(which):
            names.setdefault(r["c"], {}).setdefault(which, set()).add(
                label_order(r["v"], r.get("lang"))
            )
    found: dict[str, tuple[str, str, set[str]]] = {}
    for c in sorted(set(nodes), key=lambda c: (ids.get(c) or iri_name(c), c)):
        short = ids.get(c) or iri_name(c)
        named = names.get(c, {})
        label = next((min(named[w])[1] for w in _LABELS if w in named), short)
        found[c] = (short, label, {v for values in named.values() for _, v in values} - {label})
    return found


def add_prerequisites(graph: nx.DiGraph, concepts: nx.DiGraph) -> None:
    """Add the concepts of a :func:`prerequisite_graph` to ``graph``, with its edges turned to
    RDF direction (dependent → prerequisite), as :func:`full_graph` holds them."""
    graph.add_nodes_from(concepts.nodes(data=True))
    for prerequisite, dependent, data in concepts.edges(data=True):
        graph.add_edge(dependent, prerequisite, **data)


@paused_gc()
def full_graph(
    store: GraphStore,
    nodes: Collection[str] | None = None,
    concepts: nx.DiGraph | None = None,
) -> nx.DiGraph:
    """Every session, work, concept and topic, and every relation between them; with
    ``nodes``, only those among these IRIs and the relations between them (what the whole
    graph's subgraph on them would be, at the cost of reading just them). ``concepts``, the
    whole :func:`prerequisite_graph` when the caller has read it, is used instead of reading
    the concepts again."""
    import networkx as nx

    graph = nx.DiGraph()
    topics = _select(store, _TOPICS, "t", nodes)
    for r in sorted(topics, key=lambda r: (r["id"] or iri_name(r["t"]), r["label"] or "")):
        short = r["id"] or iri_name(r["t"])
        graph.add_node(r["t"], kind="topic", id=short, label=r["label"] or short)
    sessions = _select(store, _SESSIONS, "s", nodes)
    for r in sorted(sessions, key=lambda r: (r["code"] or iri_name(r["s"]), r["title"] or "")):
        short = r["code"] or iri_name(r["s"])
        graph.add_node(
            r["s"],
            kind="session",
            id=short,
            label=short,
            title=r["title"] or "",
            date=r["date"] or "",
        )
    works = {r["w"] for r in _select(store, _WORKS, "w", nodes)}
    kind = _KIND_OF_ALL if nodes is None else _KIND_OF_SOME
    values: dict[str, dict[str, list[str]]] = {name: {} for name in [*_WORK_VALUES, "kind"]}
    for name, sparql in [*_WORK_VALUES.items(), ("kind", kind)]:
        for r in _select(store, sparql, "w", nodes):
            if r["w"] in works:
                values[name].setdefault(r["w"], []).append(r["v"])
    for found in values.values():
        for listed in found.values():
            listed.sort()
    first = {name: {w: listed[0] for w, listed in found.items()} for name, found in values.items()}
    # A work with two titles keeps the first; one without an id is named by its IRI, one
    # without a title by its id.
    ids = {w: first["id"].get(w) or iri_name(w) for w in works}
    titles = {w: first["title"].get(w) or ids[w] for w in works}
    kinds_of = first["kind"]
    for w in sorted(works, key=lambda w: (ids[w], titles[w])):
        graph.add_node(
            w,
            kind="work",
            id=ids[w],
            label=titles[w],
            title=titles[w],
            work_kind=_KIND_NAMES.get(kinds_of.get(w, "").rpartition("#")[2], "work"),
            year=first["year"].get(w, ""),
            arxiv=first["arxiv"].get(w, ""),
            urls=" ".join(values["urls"].get(w, [])),
            authors=SEPARATOR.join(values["authors"].get(w, [])),
        )
    if concepts is None:
        concepts = prerequisite_graph(store, among=nodes)
    elif nodes is not None:
        concepts = concepts.subgraph(nodes)
    add_prerequisites(graph, concepts)
    introduced = {(r["s"], r["o"]) for r in _select(store, _EDGES["introduces"], "s", nodes)}
    edges: list[tuple[str, str, str, int | None]] = [
        (s, "introduces", o, None) for s, o in introduced
    ]
    for relation, sparql in _EDGES.items():
        if relation != "introduces":
            for r in _select(store, sparql, "s", nodes):
                if relation != "discusses" or (r["s"], r["o"]) not in introduced:
                    edges.append((r["s"], relation, r["o"], None))
    for r in _select(store, _READING_EDGES, "s", nodes):
        relation = "requiredReading" if r["role"] == "required" else "furtherReading"
        edges.append((r["s"], relation, r["o"], int(r["position"])))
    for s, relation, o, position in sorted(edges, key=lambda e: e[:3]):
        if s in graph and o in graph:
            extra = {"position": position} if position is not None else {}
            graph.add_edge(s, o, relation=relation, **extra)
    return graph


@dataclass
class ConceptLinks:
    """The concepts of a :func:`prerequisite_graph` and its edges, without networkx or the
    attributes plans and paths do not show: what ``fmgraph plan`` and ``path`` walk, at the
    cost of a plain import. ``labels`` maps each concept IRI to its id and label, in id order;
    ``dependents`` and ``prerequisites`` give each edge's relation ("requires" or
    "motivatedBy") from either end, in the order :func:`prerequisite_graph` adds the edges, so
    a walk over them meets nodes as a walk over that graph does."""

    labels: dict[str, tuple[str, str]]
    dependents: dict[str, dict[str, str]]
    prerequisites: dict[str, dict[str, str]]


def closure(store: GraphStore, of: str, *, background: bool = False, up: bool = True) -> set[str]:
    """``of`` and what it requires, directly or not (with ``up``), or what requires it; with
    ``background``, following fm:motivatedBy too."""
    if up:
        sparql = _ANCESTORS_WITH_BACKGROUND if background else _ANCESTORS
    else:
        sparql = _DESCENDANTS_WITH_BACKGROUND if background else _DESCENDANTS
    return {r["c"] for r in rows(store, sparql % of)}


def concept_links(
    store: GraphStore,
    of: str | None = None,
    among: Collection[str] | None = None,
    *,
    background: bool = False,
) -> ConceptLinks:
    """The nodes and edges of ``prerequisite_graph(store, of=of, among=among,
    background=background)``, read with the same queries (see :func:`link_reasons` for the
    reasons)."""
    if of is not None:
        among = closure(store, of, background=background)

    def query(name: str) -> list[dict[str, Any]]:
        sparql = _CONCEPT_QUERIES[name]
        if among is None:
            return list(rows(store, sparql % _ALL_CONCEPTS))
        # the view's query, with the concepts numbered (see rows_keyed)
        keyed = re.sub(r"SELECT (DISTINCT )?\?c\b", r"SELECT \1?i", sparql, count=1)
        return [dict(r, c=r["key"]) for r in rows_keyed(store, keyed % _NUMBERED_CONCEPTS, among)]

    labels = {c: (short, label) for c, (short, label, _) in _concept_names(query).items()}
    dependents: dict[str, dict[str, str]] = {c: {} for c in labels}
    prerequisites: dict[str, dict[str, str]] = {c: {} for c in labels}
    for relation in ["motivatedBy", "requires"] if background else ["requires"]:
        for r in sorted(query(relation), key=lambda r: (r["c"], r["p"])):
            if r["c"] in labels and r["p"] in labels:  # a "requires" edge wins, in place
                dependents[r["p"]][r["c"]] = prerequisites[r["c"]][r["p"]] = relation
    return ConceptLinks(labels, dependents, prerequisites)


# The reasons of given links, each found from its dependent (a concept, as concept_links
# read it) and checked against its prerequisite: lookups of the links asked for only.
_REASON_OF = """
SELECT ?i ?reason WHERE {
  VALUES (?i ?c ?p) { %s } ?c fm:hasPrerequisite ?n . ?n fm:prerequisite ?p ; fm:reason ?reason
}
"""
_MOTIVATION_OF = """
SELECT ?i ?reason WHERE {
  VALUES (?i ?c ?p) { %s } ?c fm:hasMotivation ?n . ?n fm:motivation ?p ; fm:reason ?reason
}
"""


def link_reasons(
    store: GraphStore, edges: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str], str]:
    """The reason of each edge (prerequisite, dependent, relation) of :func:`concept_links`,
    keyed by (prerequisite, dependent); "" where none is given, as :func:`prerequisite_graph`
    has it. Only the dependents' links are read, not those of every concept in the view."""
    wanted: dict[str, set[tuple[str, str]]] = {"requires": set(), "motivatedBy": set()}
    for prerequisite, dependent, relation in edges:
        wanted[relation].add((dependent, prerequisite))
    found: dict[tuple[str, str], str] = {}
    for relation, sparql in [("requires", _REASON_OF), ("motivatedBy", _MOTIVATION_OF)]:
        for r in rows_keyed(store, sparql, wanted[relation]):
            c, p = r["key"]
            found[p, c] = r["reason"]  # the last row wins, as in prerequisite_graph
    return {(p, c): found.get((p, c), "") for pairs in wanted.values() for c, p in pairs}
