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

from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # networkx loads when a view is built: `stats` and `show` need none
    import networkx as nx

from .gcpause import paused_gc
from .names import SEPARATOR
from .store import GraphStore

# Every view query is kept plain (no OPTIONAL over several patterns, no GROUP BY), one per
# attribute or relation, and joined here: Oxigraph plans such shapes as index walks, where an
# OPTIONAL chain over a million triples is a full scan. Each has a ``%s`` where a scope goes:
# nothing for the whole graph, or a ``VALUES`` binding its first variable to the nodes wanted.
_ALL_CONCEPTS = "?c a fm:Concept ."
_SOME_CONCEPTS = "VALUES ?c { %s } ?c a fm:Concept ."
_ANCESTORS = "SELECT ?c WHERE { <%s> fm:requires* ?c }"
_ANCESTORS_WITH_BACKGROUND = "SELECT ?c WHERE { <%s> (fm:requires|fm:motivatedBy)* ?c }"
_CONCEPT_QUERIES = {
    "node": "SELECT ?c ?id ?label WHERE { %s ?c dcterms:identifier ?id ; skos:prefLabel ?label }",
    "alias": "SELECT ?c ?alias WHERE { %s ?c skos:altLabel ?alias }",
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
  %s ?s a fm:Session ; dcterms:identifier ?code .
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
SELECT ?t ?id ?label WHERE { %s ?t a fm:Topic ; dcterms:identifier ?id ; skos:prefLabel ?label }
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
# IRIs bound by one VALUES: Oxigraph 0.5 answers a VALUES of up to about a thousand by index
# lookups, and one of 2,000 by scanning every match of the other patterns (2.8 s, not 15 ms).
_VALUES_CHUNK = 500
_NODE_COUNT = """
SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE {
  VALUES ?kind { fm:Session fm:Work fm:Concept fm:Topic } ?node a ?kind
}
"""


def rows(store: GraphStore, sparql: str) -> Iterator[dict[str, Any]]:
    """Solutions of a SELECT as dicts of lexical values, ``None`` where a variable is unbound.

    The result is serialized to SPARQL CSV by Oxigraph and read back with the csv module: a
    row costs a fraction of what building one pyoxigraph term per value does, which is what
    dominates a view of a million-triple graph.
    """
    import csv
    import io

    from pyoxigraph import QueryResultsFormat, QuerySolutions

    from .query import run_query

    result = run_query(store, sparql)
    if not isinstance(result, QuerySolutions):
        raise TypeError("rows() takes a SELECT query")
    data = result.serialize(format=QueryResultsFormat.CSV) or b""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    names = next(reader, [])
    for record in reader:
        if "" in record:  # unbound (an empty literal reads as unbound too, as in SPARQL CSV)
            yield {name: value or None for name, value in zip(names, record, strict=True)}
        else:
            yield dict(zip(names, record, strict=True))


def node_count(store: GraphStore) -> int:
    """How many sessions, works, concepts and topics the graph has: the nodes of full_graph."""
    (row,) = rows(store, _NODE_COUNT)
    return int(row["n"])


def rows_over(store: GraphStore, sparql: str, iris: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of ``sparql`` with its ``%s`` filled by ``iris`` (in a ``VALUES``), a chunk at a
    time, so that no query text grows with the graph."""
    items = sorted(set(iris))
    return [
        r
        for i in range(0, len(items), _VALUES_CHUNK)
        for r in rows(store, sparql % " ".join(f"<{x}>" for x in items[i : i + _VALUES_CHUNK]))
    ]


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
        closure = _ANCESTORS_WITH_BACKGROUND if background else _ANCESTORS
        among = [r["c"] for r in rows(store, closure % of)]

    def query(name: str) -> list[dict[str, Any]]:
        sparql = _CONCEPT_QUERIES[name]
        if among is None:
            return list(rows(store, sparql % _ALL_CONCEPTS))
        return rows_over(store, sparql % _SOME_CONCEPTS, among)

    aliases: dict[str, list[str]] = {}
    for r in query("alias"):
        aliases.setdefault(r["c"], []).append(r["alias"])
    definitions = {r["c"]: r["definition"] for r in query("definition")}
    topics = {r["c"]: r["topic"] for r in query("topic")}
    import networkx as nx

    graph = nx.DiGraph()
    for r in sorted(query("node"), key=lambda r: r["id"]):
        c = r["c"]
        graph.add_node(c, kind="concept", id=r["id"], label=r["label"],
                       aliases=SEPARATOR.join(sorted(aliases.get(c, []))),
                       definition=definitions.get(c, ""), topic=topics.get(c, ""))  # fmt: skip
    links = [("requires", "reason")] + ([("motivatedBy", "motivation")] if background else [])
    for relation, reasons_of in reversed(links):  # a "requires" edge wins over a background one
        reasons = {(r["c"], r["p"]): r["reason"] for r in query(reasons_of)}
        for r in sorted(query(relation), key=lambda r: (r["c"], r["p"])):
            if r["c"] in graph and r["p"] in graph:
                reason = reasons.get((r["c"], r["p"]), "")
                graph.add_edge(r["p"], r["c"], relation=relation, reason=reason)
    return graph


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
    for r in sorted(_select(store, _TOPICS, "t", nodes), key=lambda r: r["id"]):
        graph.add_node(r["t"], kind="topic", id=r["id"], label=r["label"])
    for r in sorted(_select(store, _SESSIONS, "s", nodes), key=lambda r: r["code"]):
        graph.add_node(
            r["s"],
            kind="session",
            id=r["code"],
            label=r["code"],
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
    # A work with two titles keeps the first; a work without an id or title is not a node.
    ids, titles, kinds_of = first["id"], first["title"], first["kind"]
    for w in sorted(works & ids.keys() & titles.keys(), key=lambda w: (ids[w], titles[w])):
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
