from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fmgraph.errors import NoPath, UnknownName
from fmgraph.paths import PathResult, Step, find_path, learning_plan
from fmgraph.store import LocalStore


def _ids(result: PathResult) -> list[list[str]]:
    return [[s.id for s in chain.steps] for chain in result.chains]


def test_shortest_chain_with_reasons_and_readings(tiny_store: LocalStore) -> None:
    result = find_path(tiny_store, "attention mechanism", "DPO")
    assert _ids(result) == [["attention", "transformer", "dpo"]]
    steps = result.chains[0].steps
    assert steps[0].reason is None
    assert steps[1].reason == "every transformer layer is attention"
    assert steps[2].reason == "it fine-tunes a transformer directly"
    (reading,) = steps[2].readings
    assert (reading.work, reading.session, reading.role, reading.position) == (
        "arxiv-2305.18290", "T-2", "required", 1)  # fmt: skip
    assert reading.introduces


def test_all_shortest_chains(tiny_store: LocalStore) -> None:
    assert _ids(find_path(tiny_store, "attention", "rlhf", all_paths=True)) == [
        ["attention", "transformer", "rlhf"]
    ]


def test_no_chain_says_the_reverse_exists(tiny_store: LocalStore) -> None:
    with pytest.raises(NoPath, match="The reverse chain exists"):
        find_path(tiny_store, "dpo", "attention")
    with pytest.raises(NoPath, match="Nor does"):
        find_path(tiny_store, "lora", "dpo")


def test_unknown_concept_is_exit_2_with_suggestions(tiny_store: LocalStore) -> None:
    with pytest.raises(UnknownName) as info:
        find_path(tiny_store, "tranformer", "dpo")
    assert info.value.exit_code == 2
    assert "transformer" in info.value.suggestions


def test_plan_respects_every_prerequisite(tiny_store: LocalStore) -> None:
    plan = learning_plan(tiny_store, "dpo")
    order = [s.id for s in plan.steps]
    assert order == ["attention", "transformer", "rlhf", "dpo"]
    assert plan.steps[-1].after == ["rlhf", "transformer"]


# The bundled course: chains an instructor would sign.


def _plan(store: LocalStore, target: str, **options: Any) -> list[str]:
    return [s.id for s in learning_plan(store, target, readings=0, **options).steps]


def test_bundled_plan_for_dpo_stands_on_its_derivation_not_on_history(
    bundled_store: LocalStore,
) -> None:
    """Issue 9's review: DPO's derivation needs the KL penalty to a reference policy, the
    Bradley-Terry model and the reward model; bag-of-words, RNNs, LSTMs and seq2seq are
    history, and PPO is RLHF's optimiser, not DPO's."""
    plan = _plan(bundled_store, "dpo")
    assert {"kl-penalty", "bradley-terry-model", "reward-model"} <= set(plan)
    assert not {"bag-of-words", "rnn", "lstm", "seq2seq", "ppo"} & set(plan)
    assert plan[-1] == "dpo" and len(plan) <= 20


def test_bundled_plan_for_mixtral_has_grouped_query_not_sliding_window_attention(
    bundled_store: LocalStore,
) -> None:
    plan = _plan(bundled_store, "mixtral")
    assert {"grouped-query-attention", "mixture-of-experts", "feed-forward-block"} <= set(plan)
    assert "sliding-window-attention" not in plan


def test_bundled_plans_for_lora_and_moe_skip_recurrent_history(bundled_store: LocalStore) -> None:
    for target in ("lora", "mixture-of-experts"):
        plan = _plan(bundled_store, target)
        assert not {"bag-of-words", "rnn", "lstm", "seq2seq"} & set(plan), target


def test_knowing_rlhf_shortens_the_plan_for_dpo(bundled_store: LocalStore) -> None:
    whole = _plan(bundled_store, "dpo")
    known = _plan(bundled_store, "dpo", know=["rlhf"])
    assert len(known) < len(whole) and known[-1] == "dpo"
    assert set(known) <= set(whole)


def test_bundled_rlhf_is_background_for_dpo_not_a_prerequisite(
    bundled_store: LocalStore,
) -> None:
    with pytest.raises(NoPath):
        find_path(bundled_store, "rlhf", "dpo")
    result = find_path(bundled_store, "rlhf", "dpo", with_background=True)
    assert _ids(result) == [["rlhf", "dpo"]]


def test_bundled_path_transformer_to_rlhf_goes_through_the_llm(bundled_store: LocalStore) -> None:
    assert _ids(find_path(bundled_store, "transformer", "rlhf")) == [
        ["transformer", "large-language-model", "rlhf"]
    ]


def test_bundled_path_from_diffusion_to_dreambooth(bundled_store: LocalStore) -> None:
    """'diffusion' names a topic and (as an alias) the concept: path takes the concept."""
    (chain,) = _ids(find_path(bundled_store, "diffusion", "dreambooth"))
    assert chain[0] == "diffusion-models" and chain[-1] == "dreambooth"


def test_bundled_plan_for_dpo_is_a_topological_order(bundled_store: LocalStore) -> None:
    from fmgraph.graphview import prerequisite_graph

    plan = learning_plan(bundled_store, "dpo")
    order = [s.id for s in plan.steps]
    assert order[-1] == "dpo"
    graph = prerequisite_graph(bundled_store)
    ids = {graph.nodes[n]["id"]: n for n in graph}
    position = {c: i for i, c in enumerate(order)}
    for concept in order:
        for prerequisite in graph.predecessors(ids[concept]):
            assert position[graph.nodes[prerequisite]["id"]] < position[concept]
    assert {"kl-penalty", "reward-model", "language-modelling", "fine-tuning"} <= set(order)


def test_scoped_prerequisite_graph_holds_the_target_and_all_it_requires(
    tiny_store: LocalStore,
) -> None:
    from fmgraph.graphview import prerequisite_graph
    from fmgraph.vocab import concept_iri

    graph = prerequisite_graph(tiny_store, of=concept_iri("rlhf"))
    assert sorted(d["id"] for _, d in graph.nodes(data=True)) == [
        "attention",
        "rlhf",
        "transformer",
    ]
    assert graph.edges[concept_iri("transformer"), concept_iri("rlhf")]["reason"] == (
        "the policy being tuned is a transformer"
    )


def test_exact_names_resolve_without_the_forgiving_index(
    tiny_store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.names as names
    import fmgraph.paths as paths
    from fmgraph.vocab import concept_iri

    def no_index(*args: object) -> None:
        raise AssertionError("an exact name must not build the whole name index")

    monkeypatch.setattr(names, "name_index", no_index)
    assert paths.resolve_concept(tiny_store, "DPO") == concept_iri("dpo")


def test_requires_without_a_reason_from_rdf_files_still_chains(tiny_copy: Path) -> None:
    from fmgraph.cache import open_store
    from fmgraph.vocab import FM, concept_iri

    (tiny_copy / "extra.nt").write_text(
        f"<{concept_iri('lora')}> <{FM.requires}> <{concept_iri('dpo')}> .\n"
    )
    result = find_path(open_store(tiny_copy), "rlhf", "lora")
    assert _ids(result) == [["rlhf", "dpo", "lora"]]
    assert result.chains[0].steps[2].reason is None


# Which works a step shows: introducers, then required, then further reading, then works the
# course does not read, by id (not title); ``discussed_by`` counts them all.

_RANKED = """
topics:
  - {id: t, label: T}
concepts:
  - {id: base, label: Base, definition: What comes first., topic: t}
  - id: goal
    label: Goal
    definition: What comes next.
    topic: t
    requires: [{concept: base, reason: it builds on it}]
works:
  - {id: w-further, title: Zeta further, discusses: [goal]}
  - {id: w-unread-c, title: Alpha unread, discusses: [goal]}
  - {id: w-intro, title: Omega introducer, introduces: [goal]}
  - {id: w-unread-a, title: Gamma unread, discusses: [goal, base]}
  - {id: w-required, title: Yankee required, discusses: [goal]}
  - {id: w-unread-b, title: Beta unread, discusses: [goal]}
sessions:
  - {code: R-1, title: One, required: [w-required], further: [w-further]}
  - {code: R-2, title: Two, further: [w-required]}
"""


@pytest.fixture(scope="module")
def ranked_store(tmp_path_factory: pytest.TempPathFactory) -> LocalStore:
    from fmgraph.cache import open_store

    data = tmp_path_factory.mktemp("ranked")
    (data / "course.yaml").write_text(_RANKED, encoding="utf-8")
    return open_store(data)


def _shown(step: Step) -> list[str]:
    return list(dict.fromkeys(r.work for r in step.readings))


def test_a_step_shows_introducers_then_course_readings_then_others_by_title(
    ranked_store: LocalStore,
) -> None:
    steps = find_path(ranked_store, "base", "goal", readings=3).chains[0].steps
    assert _shown(steps[1]) == ["w-intro", "w-required", "w-further"]
    assert steps[1].discussed_by == 6
    assert _shown(steps[0]) == ["w-unread-a"] and steps[0].discussed_by == 1
    every = learning_plan(ranked_store, "goal", readings=None).steps[1]
    assert _shown(every) == ["w-intro", "w-required", "w-further", "w-unread-a", "w-unread-b",
                             "w-unread-c"]  # fmt: skip
    assert _shown(learning_plan(ranked_store, "goal", readings=4).steps[1])[3] == "w-unread-a"
    assert learning_plan(ranked_store, "goal", readings=0).steps[1].readings == []


def test_a_shown_work_keeps_every_place_the_course_reads_it(ranked_store: LocalStore) -> None:
    step = find_path(ranked_store, "base", "goal", readings=2).chains[0].steps[1]
    places = [(r.work, r.session, r.role, r.position, r.introduces) for r in step.readings]
    assert places == [
        ("w-intro", None, None, None, True),
        ("w-required", "R-1", "required", 1, False),
        ("w-required", "R-2", "further", 1, False),
    ]


def test_suggested_works_of_the_course_only(ranked_store: LocalStore) -> None:
    from fmgraph.suggested import suggested_works
    from fmgraph.vocab import concept_iri

    goal = concept_iri("goal")
    found = suggested_works(ranked_store, [goal], course_only=True)[goal]
    assert [r.work for r in found.readings] == ["w-required", "w-required", "w-further"]
    assert found.discussed_by == 6


def test_a_work_without_a_title_from_an_rdf_file_is_shown_by_its_iri(tiny_copy: Path) -> None:
    from fmgraph.cache import open_store
    from fmgraph.vocab import FM, concept_iri

    (tiny_copy / "extra.nt").write_text(
        f"<https://example.org/w> <{FM.discusses}> <{concept_iri('lora')}> .\n"
    )
    (step,) = [s for s in learning_plan(open_store(tiny_copy), "lora").steps if s.id == "lora"]
    assert [(r.work, r.title) for r in step.readings] == [
        ("https://example.org/w", "https://example.org/w")
    ]


def test_no_chain_points_to_the_background_chain_when_there_is_one(
    bundled_store: LocalStore,
) -> None:
    with pytest.raises(NoPath, match=r"as background \(history or context\), not as a prerequisite"
                       r": fmgraph path rlhf dpo --with-background"):  # fmt: skip
        find_path(bundled_store, "rlhf", "dpo")
