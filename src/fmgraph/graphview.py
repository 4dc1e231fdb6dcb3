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

from .store import GraphStore

SEPARATOR = "; "
# Concept queries are kept plain (no OPTIONAL, no GROUP BY), one per attribute, and joined
# here: Oxigraph plans such shapes as index lookups, where an OPTIONAL of several patterns
# over a million triples is a full scan. {scope} binds ?c to the concepts wanted.
_ALL_CONCEPTS = "?c a fm:Concept ."
_ANCESTORS = "<{target}> fm:requires* ?c ."
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
_WORKS = """
SELECT ?w ?id ?title ?kind ?year ?arxiv
       (GROUP_CONCAT(DISTINCT STR(?url); separator="\\u001f") AS ?urls)
       (GROUP_CONCAT(DISTINCT ?author; separator="\\u001f") AS ?authors)
WHERE {
  ?w a fm:Work ; dcterms:identifier ?id ; dcterms:title ?title .
  OPTIONAL { ?w a ?kind . FILTER(?kind != fm:Work) }
  OPTIONAL { ?w dcterms:issued ?year } OPTIONAL { ?w fm:arxivId ?arxiv }
  OPTIONAL { ?w schema:url ?url } OPTIONAL { ?w dcterms:creator ?author }
} GROUP BY ?w ?id ?title ?kind ?year ?arxiv
"""
_TOPICS = (
    "SELECT ?t ?id ?label WHERE { ?t a fm:Topic ; dcterms:identifier ?id ; skos:prefLabel ?label }"
)
_EDGES = """
SELECT ?s ?relation ?o ?position WHERE {
  {
    ?s fm:hasReading ?r . ?r fm:work ?o ; fm:role ?role ; fm:position ?position .
    BIND(IF(?role = "required", "requiredReading", "furtherReading") AS ?relation)
  } UNION {
    ?s fm:introduces ?o . BIND("introduces" AS ?relation)
  } UNION {
    ?s fm:discusses ?o . FILTER NOT EXISTS { ?s fm:introduces ?o } BIND("discusses" AS ?relation)
  } UNION {
    ?s fm:hasTopic ?o . BIND("hasTopic" AS ?relation)
  } UNION {
    ?s fm:inTopic ?o . BIND("inTopic" AS ?relation)
  } UNION {
    ?s cito:cites ?o . BIND("cites" AS ?relation)
  }
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
    """Solutions of a SELECT as dicts of plain values (``str``; ``int`` for integers)."""
    from .query import run_query

    result = run_query(store, sparql)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    for solution in result:  # type: ignore[union-attr]
        row: dict[str, Any] = {}
        for name in names:
            term = solution[name]
            if term is None:
                row[name] = None
            elif getattr(term, "datatype", None) is not None and term.datatype.value.endswith(
                "#integer"
            ):
                row[name] = int(term.value)
            else:
                row[name] = term.value
        yield row


def _split(value: str | None) -> list[str]:
    return sorted(a for a in (value or "").split("\u001f") if a)


def prerequisite_graph(store: GraphStore, of: str | None = None) -> nx.DiGraph:
    """Concepts and their prerequisites, edges pointing from what comes first to what needs it.

    With ``of`` (a concept IRI), only that concept and everything it requires, directly or not:
    every chain that ends at ``of`` lies in that graph, and it costs what the answer costs.
    """
    scope = _ALL_CONCEPTS if of is None else _ANCESTORS.format(target=of)

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
    for r in sorted(rows(store, _WORKS), key=lambda r: r["id"]):
        if r["w"] in graph:  # a work typed twice (two kinds) keeps the first kind
            continue
        kind = (r["kind"] or "").rpartition("#")[2]
        graph.add_node(
            r["w"],
            kind="work",
            id=r["id"],
            label=r["title"],
            title=r["title"],
            work_kind=_KIND_NAMES.get(kind, "work"),
            year=r["year"] or "",
            arxiv=r["arxiv"] or "",
            urls=" ".join(_split(r["urls"])),
            authors=SEPARATOR.join(_split(r["authors"])),
        )
    concepts = prerequisite_graph(store)
    graph.add_nodes_from(concepts.nodes(data=True))
    for prerequisite, dependent, data in concepts.edges(data=True):
        graph.add_edge(dependent, prerequisite, **data)
    for r in sorted(rows(store, _EDGES), key=lambda r: (r["s"], r["relation"], r["o"])):
        if r["s"] in graph and r["o"] in graph:
            extra = {"position": r["position"]} if r["position"] is not None else {}
            graph.add_edge(r["s"], r["o"], relation=r["relation"], **extra)
    return graph
