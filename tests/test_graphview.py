"""networkx views read from the store: scoped reads give exactly the whole graph's parts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest

from fmgraph import query
from fmgraph.graphview import full_graph, neighbourhood, prerequisite_graph
from fmgraph.query import rows, rows_over
from fmgraph.store import GraphStore, LocalStore
from fmgraph.vocab import concept_iri, session_iri


@pytest.fixture(scope="module")
def whole(bundled_store: LocalStore) -> nx.DiGraph:
    return full_graph(bundled_store)


def _within(graph: nx.DiGraph, start: str, depth: int) -> set[str]:
    undirected = graph.to_undirected(as_view=True)
    return set(nx.single_source_shortest_path_length(undirected, start, depth))


@pytest.mark.parametrize("start", [concept_iri("dpo"), concept_iri("attention"),
                                   session_iri("2024-S5")])  # fmt: skip
@pytest.mark.parametrize("depth", [0, 1, 2])
def test_neighbourhood_walks_the_relations_the_whole_graph_draws(
    bundled_store: LocalStore, whole: nx.DiGraph, start: str, depth: int
) -> None:
    assert neighbourhood(bundled_store, [start], depth) == _within(whole, start, depth)


@pytest.mark.parametrize("start", [concept_iri("dpo"), session_iri("2024-S5")])
def test_a_scoped_full_graph_is_the_whole_graphs_subgraph(
    bundled_store: LocalStore, whole: nx.DiGraph, start: str
) -> None:
    nodes = _within(whole, start, 2)
    part = full_graph(bundled_store, nodes)
    expected = whole.subgraph(nodes)
    assert dict(part.nodes(data=True)) == dict(expected.nodes(data=True))
    assert {(u, v): d for u, v, d in part.edges(data=True)} == {
        (u, v): d for u, v, d in expected.edges(data=True)
    }


def test_prerequisite_graph_among_some_iris_keeps_only_concepts(bundled_store: LocalStore) -> None:
    among = {concept_iri("dpo"), concept_iri("kl-penalty"), session_iri("2024-S5")}
    graph = prerequisite_graph(bundled_store, among=among)
    assert set(graph) == {concept_iri("dpo"), concept_iri("kl-penalty")}
    assert list(graph.edges) == [(concept_iri("kl-penalty"), concept_iri("dpo"))]
    # RLHF is what DPO grew out of, not what it needs: an edge only with background.
    among = {concept_iri("dpo"), concept_iri("rlhf")}
    assert list(prerequisite_graph(bundled_store, among=among).edges) == []
    background = prerequisite_graph(bundled_store, among=among, background=True)
    assert [(u, v, d["relation"]) for u, v, d in background.edges(data=True)] == [
        (concept_iri("rlhf"), concept_iri("dpo"), "motivatedBy")
    ]


def test_rows_over_many_iris_is_one_query_a_chunk_with_the_same_rows(
    bundled_store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sparql = "SELECT ?c ?id WHERE { VALUES ?c { %s } ?c dcterms:identifier ?id }"
    concepts = [r["c"] for r in rows(bundled_store, "SELECT ?c WHERE { ?c a fm:Concept }")]
    whole = rows_over(bundled_store, sparql, concepts)
    sent: list[str] = []

    def counted(store: GraphStore, text: str, *, checked: bool = False) -> Iterator[dict[str, Any]]:
        sent.append(text)
        return rows(store, text, checked=checked)

    monkeypatch.setattr(query, "_VALUES_CHUNK", 7)
    monkeypatch.setattr(query, "rows", counted)
    chunked = rows_over(bundled_store, sparql, concepts)
    assert len(sent) == -(-len(concepts) // 7) and len(concepts) > 7
    assert sorted(r["id"] for r in chunked) == sorted(r["id"] for r in whole)
    assert len(whole) == len(concepts)


def test_node_count_is_the_number_of_nodes_of_the_whole_graph(
    bundled_store: LocalStore, whole: nx.DiGraph
) -> None:
    from fmgraph.graphview import node_count

    n = whole.number_of_nodes()
    assert node_count(bundled_store) == n
    # counted up to a limit: exact below it, one more than the limit above it
    assert [node_count(bundled_store, up_to=k) for k in (n + 5, n, n - 1, 3)] == [n, n, n, 4]


# Concepts with two of everything (definitions, topics, labels, reasons), one typed both
# fm:Concept and skos:Concept, and rdfs:label on many works: what makes a scan and a join
# disagree if either loses, repeats or reorders a row.
TWICE = """\
@prefix fm: <https://w3id.org/fmgraph/vocab#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix g: <http://example.org/gen/> .
g:a a fm:Concept , skos:Concept ; dcterms:identifier "a" , "a2" ;
  skos:prefLabel "Alpha"@en , "Alpha"@fr , "Alef" ; skos:altLabel "A" , "first" ;
  skos:definition "The first." , "Another first." ; fm:inTopic g:t1 , g:t2 .
g:b a fm:Concept ; skos:prefLabel "Beta" ; skos:definition "The second." , "Zweite." ;
  fm:requires g:a ; fm:hasPrerequisite g:n1 , g:n2 ; fm:inTopic g:t2 .
g:n1 fm:prerequisite g:a ; fm:reason "because" .
g:n2 fm:prerequisite g:a ; fm:reason "also because" .
g:c a skos:Concept ; rdfs:label "Gamma" ; fm:requires g:a , g:b , g:elsewhere ;
  fm:motivatedBy g:b ; fm:hasMotivation g:n3 .
g:n3 fm:motivation g:b ; fm:reason "context" .
g:t1 a fm:Topic ; skos:prefLabel "One" .
g:t2 a fm:Topic ; skos:prefLabel "Two" , "Deux"@fr .
""" + "".join(f'g:w{i} a fm:Work ; rdfs:label "Work {i}" .\n' for i in range(20))


@pytest.mark.parametrize("data", ["bundled", "twice"])
@pytest.mark.parametrize("background", [False, True])
def test_the_whole_dag_read_by_scans_is_the_one_read_by_joins(
    bundled_store: LocalStore,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    data: str,
    background: bool,
) -> None:
    """Whether a view query scans its predicate or joins it with the concepts, the graph is
    the same, to the order of its nodes and edges and the value kept of two."""
    from fmgraph import graphview
    from fmgraph.cache import open_store

    store: GraphStore = bundled_store
    if data == "twice":
        directory = tmp_path_factory.mktemp("twice")
        (directory / "twice.ttl").write_text(TWICE, encoding="utf-8")
        store = open_store(directory)
    scanned = prerequisite_graph(store, background=background)
    scans = 0

    def counting(store: GraphStore, sparql: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        nonlocal scans
        scans += "?c a ?kind" not in sparql and "COUNT" not in sparql
        return rows(store, sparql, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(graphview, "rows", counting)
        prerequisite_graph(store, background=background)
        assert scans >= 6  # most queries did scan
        patch.setattr(graphview, "_SCANS", {})
        joined = prerequisite_graph(store, background=background)
    assert list(scanned.nodes(data=True)) == list(joined.nodes(data=True))
    assert list(scanned.edges(data=True)) == list(joined.edges(data=True))
    if data == "twice":
        assert scanned.nodes[g("c")]["label"] == "Gamma"
        assert len(scanned.edges) == 3  # c requires b, which also motivates it: requires wins
        assert scanned.edges[g("b"), g("c")]["relation"] == "requires"
        assert scanned.edges[g("a"), g("b")]["reason"] in {"because", "also because"}


def g(name: str) -> str:
    return f"http://example.org/gen/{name}"
