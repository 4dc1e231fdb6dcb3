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
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

from .gcpause import paused_gc
from .names import SEPARATOR
from .store import GraphStore

# Concept queries are kept plain (no OPTIONAL, no GROUP BY), one per attribute, and joined
# here: Oxigraph plans such shapes as index lookups, where an OPTIONAL of several patterns
# over a million triples is a full scan. {scope} binds ?c to the concepts wanted.
_ALL_CONCEPTS = "?c a fm:Concept ."
_ANCESTORS = "SELECT ?c WHERE {{ <{target}> fm:requires* ?c }}"
_CONCEPT_QUERIES = {
    "node": "SELECT ?c ?id ?label WHERE {{ {scope} ?c dcterms:identifier ?id ;"
            " skos:prefLabel ?label }}",
    "alias": "SELECT ?c ?alias WHERE {{ {scope} ?c skos:altLabel ?alias }}",
    "definition": "SELECT ?c ?definition WHERE {{ {scope} ?c skos:definition ?definition }}",
    "topic": "SELECT ?c ?topic WHERE {{ {scope} ?c fm:inTopic/skos:prefLabel ?topic }}",
    "requires": "SELECT ?c ?p WHERE {{ {scope} ?c fm:requires ?p }}",
    "reason": "SELECT ?c ?p ?reason WHERE {{ {scope} ?c fm:hasPrerequisite ?n ."
              " ?n fm:prerequisite ?p ; fm:reason ?reason }}",
}  # fmt: skip
_SESSIONS = """
SELECT ?s ?code ?title ?date WHERE {
  ?s a fm:Session ; dcterms:identifier ?code .
  OPTIONAL { ?s dcterms:title ?title } OPTIONAL { ?s dcterms:date ?date }
}
"""
# Works are read as plain scans of one predicate each, joined here: in Oxigraph's on-disk store,
# a scan reads its index in order, where a join with ``?w a fm:Work`` looks every work up again.
_WORKS = "SELECT ?w WHERE { ?w a fm:Work }"
_WORK_VALUES = {
    "id": "SELECT ?w ?v WHERE { ?w dcterms:identifier ?v }",
    "title": "SELECT ?w ?v WHERE { ?w dcterms:title ?v }",
    "kind": "SELECT ?w ?v WHERE { VALUES ?v { %s } ?w a ?v }",
    "year": "SELECT ?w ?v WHERE { ?w dcterms:issued ?v }",
    "arxiv": "SELECT ?w ?v WHERE { ?w fm:arxivId ?v }",
    "urls": "SELECT ?w ?v WHERE { ?w schema:url ?v }",
    "authors": "SELECT ?w ?v WHERE { ?w dcterms:creator ?v }",
}
_TOPICS = (
    "SELECT ?t ?id ?label WHERE { ?t a fm:Topic ; dcterms:identifier ?id ; skos:prefLabel ?label }"
)
_EDGES = {
    "introduces": "SELECT ?s ?o WHERE { ?s fm:introduces ?o }",
    "discusses": "SELECT ?s ?o WHERE { ?s fm:discusses ?o }",
    "hasTopic": "SELECT ?s ?o WHERE { ?s fm:hasTopic ?o }",
    "inTopic": "SELECT ?s ?o WHERE { ?s fm:inTopic ?o }",
    "cites": "SELECT ?s ?o WHERE { ?s cito:cites ?o }",
}
_READING_EDGES = """
SELECT ?s ?o ?role ?position WHERE {
  ?s fm:hasReading ?r . ?r fm:work ?o ; fm:role ?role ; fm:position ?position .
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


def prerequisite_graph(store: GraphStore, of: str | None = None) -> nx.DiGraph:
    """Concepts and their prerequisites, edges pointing from what comes first to what needs it.

    With ``of`` (a concept IRI), only that concept and everything it requires, directly or not:
    every chain that ends at ``of`` lies in that graph, and it costs what the answer costs.
    """
    if of is None:
        scope = _ALL_CONCEPTS
    else:  # the closure once, not once per query
        ancestors = " ".join(f"<{r['c']}>" for r in rows(store, _ANCESTORS.format(target=of)))
        scope = f"VALUES ?c {{ {ancestors} }}"

    def query(name: str) -> list[dict[str, Any]]:
        return list(rows(store, _CONCEPT_QUERIES[name].format(scope=scope)))

    aliases: dict[str, list[str]] = {}
    for r in query("alias"):
        aliases.setdefault(r["c"], []).append(r["alias"])
    definitions = {r["c"]: r["definition"] for r in query("definition")}
    topics = {r["c"]: r["topic"] for r in query("topic")}
    graph = nx.DiGraph()
    for r in sorted(query("node"), key=lambda r: r["id"]):
        c = r["c"]
        graph.add_node(c, kind="concept", id=r["id"], label=r["label"],
                       aliases=SEPARATOR.join(sorted(aliases.get(c, []))),
                       definition=definitions.get(c, ""), topic=topics.get(c, ""))  # fmt: skip
    reasons = {(r["c"], r["p"]): r["reason"] for r in query("reason")}
    for r in sorted(query("requires"), key=lambda r: (r["c"], r["p"])):
        if r["c"] in graph and r["p"] in graph:
            reason = reasons.get((r["c"], r["p"]), "")
            graph.add_edge(r["p"], r["c"], relation="requires", reason=reason)
    return graph


@paused_gc()
def full_graph(store: GraphStore) -> nx.DiGraph:
    """Every session, work, concept and topic, and every relation between them."""
    graph = nx.DiGraph()
    for r in sorted(rows(store, _TOPICS), key=lambda r: r["id"]):
        graph.add_node(r["t"], kind="topic", id=r["id"], label=r["label"])
    for r in sorted(rows(store, _SESSIONS), key=lambda r: r["code"]):
        graph.add_node(
            r["s"],
            kind="session",
            id=r["code"],
            label=r["code"],
            title=r["title"] or "",
            date=r["date"] or "",
        )
    works = {r["w"] for r in rows(store, _WORKS)}
    values: dict[str, dict[str, list[str]]] = {name: {} for name in _WORK_VALUES}
    kinds = " ".join(f"fm:{name}" for name in _KIND_NAMES)
    for name, sparql in _WORK_VALUES.items():
        for r in rows(store, sparql % kinds if name == "kind" else sparql):
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
    concepts = prerequisite_graph(store)
    graph.add_nodes_from(concepts.nodes(data=True))
    for prerequisite, dependent, data in concepts.edges(data=True):
        graph.add_edge(dependent, prerequisite, **data)
    introduced = {(r["s"], r["o"]) for r in rows(store, _EDGES["introduces"])}
    edges: list[tuple[str, str, str, int | None]] = [
        (s, "introduces", o, None) for s, o in introduced
    ]
    for relation, sparql in _EDGES.items():
        if relation != "introduces":
            for r in rows(store, sparql):
                if relation != "discusses" or (r["s"], r["o"]) not in introduced:
                    edges.append((r["s"], relation, r["o"], None))
    for r in rows(store, _READING_EDGES):
        relation = "requiredReading" if r["role"] == "required" else "furtherReading"
        edges.append((r["s"], relation, r["o"], int(r["position"])))
    for s, relation, o, position in sorted(edges, key=lambda e: e[:3]):
        if s in graph and o in graph:
            extra = {"position": position} if position is not None else {}
            graph.add_edge(s, o, relation=relation, **extra)
    return graph
