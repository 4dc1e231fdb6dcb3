from __future__ import annotations

import pytest

from fmgraph.errors import UnknownName
from fmgraph.show import show_node
from fmgraph.stats import graph_stats
from fmgraph.store import LocalStore


def test_show_concept(tiny_store: LocalStore) -> None:
    view = show_node(tiny_store, "DPO")
    assert (view.kind, view.id, view.label) == ("concept", "dpo", "Direct preference optimization")
    assert view.values["skos:altLabel"] == ["DPO"]
    assert view.links["requires"] == [
        "rlhf: it solves the RLHF objective in closed form",
        "transformer: it fine-tunes a transformer directly",
    ]
    assert view.links["introduced by"][0].startswith("arxiv-2305.18290 (Preference learning")


def test_show_session_by_code_lists_readings_in_order(tiny_store: LocalStore) -> None:
    view = show_node(tiny_store, "t-2")
    assert view.kind == "session"
    assert [r.split(":")[0] for r in view.links["readings"]] == ["1. required", "2. further"]


def test_show_work_by_arxiv_id_and_by_title(tiny_store: LocalStore) -> None:
    by_id = show_node(tiny_store, "2203.02155")
    by_title = show_node(tiny_store, "human feedback at scale")
    assert by_id.iri == by_title.iri
    assert by_id.links["read in"] == ["T-1 (required, #2)", "T-2 (further, #2)"]


def test_show_topic_and_prerequisite_dependents(tiny_store: LocalStore) -> None:
    topic = show_node(tiny_store, "Alignment & Safety")
    assert topic.kind == "topic"
    assert topic.links["sessions"] == ["T-2 (Aligning models)"]
    transformer = show_node(tiny_store, "transformer")
    assert [d.split(":")[0] for d in transformer.links["unlocks"]] == ["dpo", "lora", "rlhf"]


def test_show_unknown(tiny_store: LocalStore) -> None:
    with pytest.raises(UnknownName):
        show_node(tiny_store, "no such thing at all")


def test_stats_count_classes_and_relations(tiny_store: LocalStore) -> None:
    stats = graph_stats(tiny_store)
    assert stats.classes["fm:Concept"] == 5
    assert stats.classes["fm:Session"] == 2
    assert stats.classes["fm:Work"] == 3
    assert stats.relations["fm:requires"] == 5
    assert stats.relations["fm:reading"] == 4
    assert stats.triples > sum(stats.relations.values())  # the vocabulary is in the store too


def test_show_concept_lists_the_sessions_that_read_about_it(tiny_store: LocalStore) -> None:
    view = show_node(tiny_store, "rlhf")
    assert view.links["read in"] == [
        "T-1 required #2: Human feedback at scale",
        "T-2 further #2: Human feedback at scale",
        'T-2 required #1: Preference learning <b>without</b> rewards & "quotes" — naïve',
    ]


def test_exact_names_are_shown_without_indexing_every_node(
    tiny_store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.names as names

    def no_index(*args: object) -> None:
        raise AssertionError("an exact name must not build the whole name index")

    monkeypatch.setattr(names, "name_index", no_index)
    assert show_node(tiny_store, "2203.02155").id == "arxiv-2203.02155"
    assert show_node(tiny_store, "T-1").kind == "session"
    assert show_node(tiny_store, "Alignment & Safety").kind == "topic"


def test_stats_in_one_scan_equal_the_filtered_scans_they_replace(bundled_store: LocalStore) -> None:
    """Counts per predicate and class minus the vocabulary's own are what a FILTER on every
    subject's IRI (two more full scans, as stats ran before) gives."""
    from fmgraph.query import rows
    from fmgraph.vocab import VOCAB, compact

    vocab = VOCAB.rstrip("#")
    classes = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c FILTER(!STRSTARTS(STR(?s), '%s')) }"
    relations = "SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o FILTER(!STRSTARTS(STR(?s), '%s')) }"
    stats = graph_stats(bundled_store)
    expected = {compact(r["c"]): int(r["n"]) for r in rows(bundled_store, classes % vocab +
                                                           " GROUP BY ?c")}  # fmt: skip
    assert stats.classes == dict(sorted(expected.items()))
    expected = {compact(r["p"]): int(r["n"]) for r in rows(bundled_store, relations % vocab +
                                                           " GROUP BY ?p")}  # fmt: skip
    assert stats.relations == dict(sorted(expected.items()))
    assert stats.triples == len(list(bundled_store.triples()))
