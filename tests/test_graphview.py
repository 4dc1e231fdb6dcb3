"""networkx views read from the store: scoped reads give exactly the whole graph's parts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest

from fmgraph import graphview
from fmgraph.graphview import full_graph, neighbourhood, prerequisite_graph, rows, rows_over
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

    monkeypatch.setattr(graphview, "_VALUES_CHUNK", 7)
    monkeypatch.setattr(graphview, "rows", counted)
    chunked = rows_over(bundled_store, sparql, concepts)
    assert len(sent) == -(-len(concepts) // 7) and len(concepts) > 7
    assert sorted(r["id"] for r in chunked) == sorted(r["id"] for r in whole)
    assert len(whole) == len(concepts)


def test_node_count_is_the_number_of_nodes_of_the_whole_graph(
    bundled_store: LocalStore, whole: nx.DiGraph
) -> None:
    from fmgraph.graphview import node_count

    assert node_count(bundled_store) == whole.number_of_nodes()
