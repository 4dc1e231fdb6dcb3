"""Hand-written expectations about the bundled curriculum (data/*.yaml), read straight from the
YAML so they hold whatever the loader and the store do. Each test states a teaching judgement
that docs/curriculum.md explains; a data change that breaks one must change the changelog too."""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import yaml

from fmgraph.names import normalize

DATA = Path(__file__).parent.parent / "data"
LINKS = ("introduces", "teaches", "uses")


def _load(name: str) -> list[dict[str, Any]]:
    with (DATA / f"{name}.yaml").open(encoding="utf-8") as f:
        entries: list[dict[str, Any]] = yaml.safe_load(f)[name]
    return entries


CONCEPTS = {c["id"]: c for c in _load("concepts")}
TOPICS = {t["id"]: t for t in _load("topics")}
WORKS = {w["id"]: w for w in _load("works")}
SESSIONS = {s["code"]: s for s in _load("sessions")}


def _targets(concept: dict[str, Any], relation: str) -> list[str]:
    return [link["concept"] for link in concept.get(relation) or []]


def _graph(*relations: str) -> nx.DiGraph:
    """Edges point from a prerequisite (or background, or broader concept) to its dependent."""
    graph = nx.DiGraph()
    graph.add_nodes_from(CONCEPTS)
    for cid, concept in CONCEPTS.items():
        for relation in relations:
            if relation == "broader":
                graph.add_edges_from((b, cid) for b in concept.get("broader") or [])
            else:
                graph.add_edges_from((t, cid) for t in _targets(concept, relation))
    return graph


REQUIRES = _graph("requires")


def closure(concept: str) -> set[str]:
    """Everything a plan for ``concept`` must teach first: its transitive hard prerequisites."""
    return set(nx.ancestors(REQUIRES, concept))


def _names(entry: dict[str, Any]) -> set[str]:
    names = [entry["id"], entry["label"], *(entry.get("aliases") or [])]
    return {normalize(n) for n in names}


# ---------------------------------------------------------------- the concept layer as a whole


def test_at_least_100_concepts_each_with_a_definition_and_a_known_topic() -> None:
    assert len(CONCEPTS) >= 100
    for cid, concept in CONCEPTS.items():
        assert concept.get("definition", "").strip(), cid
        assert concept["topic"] in TOPICS, cid


def test_every_link_targets_an_existing_concept_and_gives_its_reason() -> None:
    for cid, concept in CONCEPTS.items():
        for relation in ("requires", "motivated_by"):
            for link in concept.get(relation) or []:
                assert link["concept"] in CONCEPTS, (cid, relation, link["concept"])
                assert link["concept"] != cid
                assert len(link.get("reason", "").split()) >= 4, (cid, link["concept"])
        for broader in concept.get("broader") or []:
            assert broader in CONCEPTS and broader != cid, (cid, broader)
        both = set(_targets(concept, "requires")) & set(_targets(concept, "motivated_by"))
        assert not both, (cid, both)


@pytest.mark.parametrize(
    "relations", [("requires",), ("broader",), ("requires", "motivated_by", "broader")]
)
def test_the_concept_graph_is_acyclic(relations: tuple[str, ...]) -> None:
    assert nx.is_directed_acyclic_graph(_graph(*relations))


def test_no_name_means_two_concepts() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for cid, concept in CONCEPTS.items():
        for name in _names(concept):
            owners[name].add(cid)
    assert {n: o for n, o in owners.items() if len(o) > 1} == {}


def test_no_topic_takes_a_concept_name() -> None:
    concept_names = set().union(*(_names(c) for c in CONCEPTS.values()))
    for tid, topic in TOPICS.items():
        assert not {normalize(tid), normalize(topic["label"])} & concept_names, tid


@pytest.mark.parametrize(
    ("name", "concept"),
    [
        ("VAE", "vae"),
        ("BPE", "bpe"),
        ("Bradley-Terry model", "bradley-terry-model"),
        ("base model", "base-model"),
        ("decoder-only transformer", "decoder-only-transformer"),
        ("Flan 2022", "flan-collection"),
        ("MLM", "masked-language-modelling"),
        ("BLEU", "bleu"),
        ("ROUGE", "rouge"),
        ("deduplication", "deduplication"),
        ("cross-attention", "cross-attention"),
        ("deep learning", "deep-learning"),
        ("scaled dot-product attention", "scaled-dot-product-attention"),
        ("RoPE", "rope"),
        ("KL penalty", "kl-penalty"),
        ("diffusion", "diffusion-models"),
        ("SGD", "sgd"),
        ("pass@k", "pass-at-k"),
        ("Stable Diffusion", "stable-diffusion"),
        ("GPT-3", "gpt-3"),
        ("RL", "reinforcement-learning"),
    ],
)
def test_a_specific_name_reaches_its_specific_concept(name: str, concept: str) -> None:
    owners = [cid for cid, c in CONCEPTS.items() if normalize(name) in _names(c)]
    assert owners == [concept]


@pytest.mark.parametrize("name", ["few-shot learning", "scale", "Flan", "human feedback"])
def test_a_vague_name_is_no_alias(name: str) -> None:
    assert not [cid for cid, c in CONCEPTS.items() if normalize(name) in _names(c)]


# ---------------------------------------------------------------- the review's points, one by one


def test_history_is_not_need() -> None:
    assert "seq2seq" not in closure("attention")
    assert "bag-of-words" not in closure("word-embeddings")
    assert "word-embeddings" not in closure("rnn")
    assert "lstm" not in closure("seq2seq")
    assert "seq2seq" in _targets(CONCEPTS["attention"], "motivated_by")
    assert "bag-of-words" in _targets(CONCEPTS["word-embeddings"], "motivated_by")
    assert "lstm" in _targets(CONCEPTS["seq2seq"], "motivated_by")


def test_the_transformer_reaches_neural_networks_without_recurrence() -> None:
    assert {"neural-networks", "feed-forward-block", "self-attention"} <= closure("transformer")
    assert not {"rnn", "lstm", "seq2seq", "bag-of-words"} & closure("transformer")


def test_kinds_and_goals_are_not_needs() -> None:
    assert _targets(CONCEPTS["generative-ai"], "requires") == []
    assert "generative-ai" in CONCEPTS["large-language-model"]["broader"]
    assert "generative-ai" in CONCEPTS["text-to-image-generation"]["broader"]
    assert "human-alignment" not in closure("rlhf")
    assert "human-alignment" in _targets(CONCEPTS["rlhf"], "motivated_by")


def test_dpo_stands_on_its_derivation_not_on_the_history_of_nlp() -> None:
    # DPO is derived from the KL-constrained reward-maximisation objective, so the KL penalty
    # to a reference policy, the Bradley-Terry model and the reward model are hard needs;
    # PPO, the RLHF pipeline and the Transformer are what DPO replaces or runs on, not what
    # it is built from (docs/curriculum.md, "DPO and RLHF").
    plan = closure("dpo")
    assert {"kl-penalty", "bradley-terry-model", "reward-model", "kl-divergence"} <= plan
    assert not {"bag-of-words", "rnn", "lstm", "seq2seq"} & plan
    assert not {"rlhf", "ppo", "policy-gradient", "large-language-model", "scaling-laws"} & plan
    assert 10 <= len(plan) + 1 <= 20
    assert "rlhf" in _targets(CONCEPTS["dpo"], "motivated_by")


def test_rlhf_is_split_into_the_general_idea_and_the_llm_pipeline() -> None:
    general = CONCEPTS["reward-learning-from-preferences"]
    assert {"reinforcement-learning", "reward-model"} <= set(_targets(general, "requires"))
    assert "large-language-model" not in closure("reward-learning-from-preferences")
    assert "supervised-fine-tuning" not in closure("reward-learning-from-preferences")
    pipeline = set(_targets(CONCEPTS["rlhf"], "requires"))
    assert {"supervised-fine-tuning", "reward-model", "ppo", "kl-penalty"} <= pipeline
    assert CONCEPTS["rlhf"]["broader"] == ["reward-learning-from-preferences"]
    assert WORKS["arxiv-1706.03741"]["introduces"] == ["reward-learning-from-preferences"]
    assert "rlhf" not in WORKS["arxiv-1706.03741"].get("introduces", [])


def test_mixtral_attends_densely() -> None:
    plan = closure("mixtral")
    assert {"grouped-query-attention", "mixture-of-experts", "decoder-only-transformer"} <= plan
    assert "sliding-window-attention" not in plan
    assert "mistral" not in plan
    assert "sliding-window-attention" in closure("mistral")


def test_mixture_of_experts_replaces_the_feed_forward_block() -> None:
    assert "feed-forward-block" in _targets(CONCEPTS["mixture-of-experts"], "requires")
    assert len(closure("mixture-of-experts")) + 1 <= 20


def test_kv_cache_rests_on_causal_attention_not_on_a_model_family() -> None:
    assert "causal-self-attention" in _targets(CONCEPTS["kv-cache"], "requires")
    assert "gpt" not in closure("kv-cache")


def test_rope_is_its_own_kind_of_positional_encoding() -> None:
    assert CONCEPTS["rope"]["broader"] == ["positional-encoding"]
    assert "scaled-dot-product-attention" in _targets(CONCEPTS["rope"], "requires")


def test_lora_plan_is_focused() -> None:
    plan = closure("lora")
    assert {"parameter-efficient-fine-tuning", "low-rank-factorization"} <= plan
    assert not {"bag-of-words", "rnn", "lstm", "seq2seq", "attention"} & plan


def test_diffusion_names_the_concept_and_reaches_dreambooth() -> None:
    assert "diffusion" not in TOPICS
    assert nx.has_path(REQUIRES, "diffusion-models", "dreambooth")


def test_the_two_alignment_topics_are_one() -> None:
    assert "human-alignment" not in TOPICS
    assert "alignment" in SESSIONS["2024-S5"]["topics"]
    assert "alignment" in SESSIONS["2022-W6"]["topics"]


# ---------------------------------------------------------------- works and their links


def test_works_link_only_existing_concepts_and_never_introduce_and_teach_at_once() -> None:
    for wid, work in WORKS.items():
        assert "discusses" not in work, wid  # bundled works say introduces/teaches/uses
        for relation in LINKS:
            assert set(work.get(relation) or []) <= set(CONCEPTS), (wid, relation)
        sets = [set(work.get(r) or []) for r in LINKS]
        assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), wid


def test_every_concept_is_linked_from_a_reading_or_assumed_by_a_session() -> None:
    linked = {c for w in WORKS.values() for r in LINKS for c in w.get(r) or []}
    assumed = {c for s in SESSIONS.values() for c in s.get("assumes") or []}
    assert set(CONCEPTS) - linked - assumed == set()


@pytest.mark.parametrize(
    ("work", "concept", "relation"),
    [
        ("arxiv-2401.04088", "supervised-fine-tuning", "uses"),
        ("arxiv-2401.04088", "dpo", "uses"),
        ("arxiv-2401.04088", "grouped-query-attention", "uses"),
        ("arxiv-2402.00838", "instruction-tuning", "uses"),
        ("arxiv-2402.00838", "dpo", "uses"),
        ("arxiv-2402.00838", "rope", "uses"),
        ("arxiv-2307.09288", "ppo", "uses"),
        ("arxiv-2307.09288", "human-preference-data", "uses"),
        ("arxiv-2307.09288", "kv-cache", "uses"),
        ("arxiv-2307.09288", "instruction-tuning", "uses"),
        ("arxiv-2307.09288", "tokenization", "uses"),
        ("arxiv-2307.09288", "training-data-curation", "uses"),
        ("arxiv-2307.09288", "llm-evaluation", "uses"),
        ("arxiv-2005.14165", "transformer", "uses"),
        ("arxiv-2005.14165", "bpe", "uses"),
        ("arxiv-2005.14165", "training-data-curation", "uses"),
        ("arxiv-2005.14165", "data-contamination", "teaches"),
        ("arxiv-2203.02155", "gpt", "uses"),
        ("arxiv-2203.02155", "large-language-model", "uses"),
        ("arxiv-2203.02155", "prompting", "uses"),
        ("arxiv-2305.18290", "supervised-fine-tuning", "uses"),
        ("arxiv-2310.06825", "transformer", "uses"),
        ("arxiv-2106.09685", "transformer", "uses"),
        ("arxiv-2208.01618", "embeddings", "uses"),
        ("arxiv-2112.10752", "cross-attention-conditioning", "teaches"),
    ],
)
def test_a_reading_has_the_link_a_reader_expects(work: str, concept: str, relation: str) -> None:
    assert concept in WORKS[work].get(relation, [])


def test_readings_that_only_use_a_concept_do_not_teach_it() -> None:
    # the review found Textual Inversion, LoRA and the latent-diffusion paper listed first
    # for word embeddings, the Transformer and attention, which they only apply
    assert "word-embeddings" not in WORKS["arxiv-2208.01618"].get("teaches", [])
    assert "transformer" not in WORKS["arxiv-2106.09685"].get("teaches", [])
    assert "attention" not in WORKS["arxiv-2112.10752"].get("teaches", [])
    assert "transformer" in WORKS["annotated-transformer"]["teaches"]


BLOG_POSTS = {
    "hf-blog-rlhf-ppo-implementation-details": (
        "https://huggingface.co/blog/the_n_implementation_details_of_rlhf_with_ppo",
        "2024-S5",
        "required",
    ),
    "hf-blog-stackllama": ("https://huggingface.co/blog/stackllama", "2024-S5", "required"),
    "hf-blog-dpo-trl": ("https://huggingface.co/blog/dpo-trl", "2024-S5", "further"),
}


@pytest.mark.parametrize("work", sorted(BLOG_POSTS))
def test_blog_posts_are_works_of_their_session(work: str) -> None:
    url, session, role = BLOG_POSTS[work]
    assert WORKS[work]["kind"] == "blog-post"
    assert WORKS[work]["urls"] == [url]
    assert work in SESSIONS[session][role]
    others = [w for w, e in WORKS.items() if w != work and url in e["urls"]]
    assert others == []


def test_no_url_belongs_to_two_works() -> None:
    seen: dict[str, str] = {}
    for wid, work in WORKS.items():
        for url in work["urls"]:
            assert seen.setdefault(url, wid) == wid, url


# first author of every paper, as printed on the paper
FIRST_AUTHORS = {
    "arxiv-2310.06825": "Albert Q. Jiang",
    "arxiv-2402.00838": "Dirk Groeneveld",
    "arxiv-2401.04088": "Albert Q. Jiang",
    "arxiv-2307.09288": "Hugo Touvron",
    "arxiv-2101.00027": "Leo Gao",
    "arxiv-2307.12966": "Yufei Wang",
    "arxiv-2301.13688": "Shayne Longpre",
    "arxiv-2305.18290": "Rafael Rafailov",
    "arxiv-2203.02155": "Long Ouyang",
    "arxiv-1706.03741": "Paul Christiano",
    "arxiv-2311.04287": "Tony Lee",
    "arxiv-2211.09110": "Percy Liang",
    "arxiv-2310.19736": "Zishan Guo",
    "arxiv-2107.03374": "Mark Chen",
    "arxiv-2401.07103": "Zhen Li",
    "arxiv-2206.07682": "Jason Wei",
    "arxiv-2005.14165": "Tom B. Brown",
    "arxiv-2306.02781": "Roberto Gozalo-Brizuela",
    "arxiv-2108.07258": "Rishi Bommasani",
    "arxiv-2104.08691": "Brian Lester",
    "arxiv-2112.10752": "Robin Rombach",
    "arxiv-2208.12242": "Nataniel Ruiz",
    "arxiv-2106.09685": "Edward J. Hu",
    "arxiv-2208.01618": "Rinon Gal",
}
# papers whose stored author list is cut short: they must say so
TRUNCATED = {
    "arxiv-2402.00838",  # OLMo
    "arxiv-2401.04088",  # Mixtral
    "arxiv-2307.09288",  # Llama 2
    "arxiv-2311.04287",  # HEIM
    "arxiv-2211.09110",  # HELM
    "arxiv-2107.03374",  # Codex / HumanEval
    "arxiv-2401.07103",  # NLG-evaluation survey
    "arxiv-2108.07258",  # foundation-models report
}


def test_every_paper_has_its_first_author_first() -> None:
    papers = {wid for wid, w in WORKS.items() if w["kind"] == "paper"}
    assert papers == set(FIRST_AUTHORS)
    for wid, first in FIRST_AUTHORS.items():
        assert WORKS[wid]["authors"][0] == first, wid


def test_cut_author_lists_are_marked_and_complete_ones_are_not() -> None:
    marked = {wid for wid, w in WORKS.items() if w.get("authors_truncated")}
    assert marked == TRUNCATED
    assert len(WORKS["arxiv-2203.02155"]["authors"]) == 20  # InstructGPT, complete
    assert len(WORKS["arxiv-2005.14165"]["authors"]) == 31  # GPT-3, complete


# ---------------------------------------------------------------- sessions: the syllabus audit


def _session_order() -> list[dict[str, Any]]:
    return sorted(SESSIONS.values(), key=lambda s: str(s["date"]))


def _taught(session: dict[str, Any]) -> set[str]:
    readings = (session.get("required") or []) + (session.get("further") or [])
    return {c for r in readings for rel in LINKS[:2] for c in WORKS[r].get(rel) or []}


def audit() -> list[tuple[str, str, str]]:
    """(session, concept, missing prerequisite) for every need not met by that session's date:
    met means taught by a reading of a session dated on or before it, or assumed by one."""
    findings = []
    for session in _session_order():
        known = set().union(
            *(
                _taught(s) | set(s.get("assumes") or [])
                for s in SESSIONS.values()
                if str(s["date"]) <= str(session["date"])
            )
        )
        for concept in sorted(_taught(session)):
            findings += [
                (session["code"], concept, need)
                for need in _targets(CONCEPTS[concept], "requires")
                if need not in known
            ]
    return findings


def test_the_bundled_course_passes_the_audit() -> None:
    assert audit() == []


def test_every_assumption_is_honest_and_needed() -> None:
    taught_before: set[str] = set()
    needed_from: set[str] = set()
    for session in reversed(_session_order()):
        needed_from |= {
            need for c in _taught(session) for need in _targets(CONCEPTS[c], "requires")
        }
        for concept in session.get("assumes") or []:
            assert concept in needed_from, (session["code"], concept)
    for session in _session_order():
        for concept in session.get("assumes") or []:
            assert concept not in taught_before, (session["code"], concept)
        taught_before |= _taught(session)


# ---------------------------------------------------------------- the changelog tells the truth

CHANGELOG = (DATA.parent / "docs" / "curriculum.md").read_text(encoding="utf-8")


def _changelog_console_examples() -> list[tuple[str, str]]:
    examples = []
    for block in re.findall(r"```console\n(.*?)```", CHANGELOG, flags=re.S):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            command, _, output = chunk.partition("\n")
            if command.startswith("$ fmgraph "):
                examples.append((command[2:], output))
    return examples


def test_the_changelog_has_an_audit_example() -> None:
    assert [c for c, _ in _changelog_console_examples()] == ["fmgraph audit"]


@pytest.mark.parametrize(("command", "expected"), _changelog_console_examples())
def test_changelog_example_output_is_real(command: str, expected: str, bundled_store: Any) -> None:
    from click.testing import CliRunner

    from fmgraph.cli import cli

    result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout_bytes.decode().replace("\r\n", "\n") == expected


def test_the_changelog_counts_match_the_data() -> None:
    assert f"{len(CONCEPTS)} concepts" in CHANGELOG
    assert f"{len(WORKS)} works" in CHANGELOG
    added = len(
        re.findall(
            r"^\| `[a-z0-9-]+` \|",
            CHANGELOG.split("## Added concepts")[1].split("##")[0],
            flags=re.M,
        )
    )
    assert f"## Added concepts ({added})" in CHANGELOG
    for target, size in [("dpo", 15), ("lora", 9), ("mixture-of-experts", 13), ("mixtral", 20)]:
        assert len(closure(target)) + 1 == size
        assert f"`{target}` {size}" in CHANGELOG
