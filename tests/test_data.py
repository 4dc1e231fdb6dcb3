"""The bundled course data holds the whole seed reading list: checked against facts written
out here by hand, so a lost session, reading, role or arXiv id fails a test."""

from __future__ import annotations

import pytest

from fmgraph.loader import load_catalog
from fmgraph.model import Catalog
from fmgraph.resources import data_dir

# code -> (date, topic labels, required arXiv ids or work ids, further ones), in the seed's order
SEED = {
    "2024-S6": ("2024-02-08", ["BasicLLM"], ["2310.06825"],
                ["2402.00838", "2401.04088", "2307.09288", "2101.00027"]),
    "2024-S5": ("2024-02-06", ["Alignment"],
                ["2307.12966", "hf-blog-rlhf-ppo-implementation-details", "hf-blog-stackllama"],
                ["awesome-rlhf", "2301.13688", "2305.18290", "hf-blog-dpo-trl", "2203.02155",
                 "1706.03741"]),
    "2024-S3": ("2024-01-30", ["LLMEvaluate"], ["2311.04287", "2211.09110"],
                ["anthropic-evaluating-ai-systems", "2310.19736", "2107.03374",
                 "chatbot-arena-leaderboard", "2401.07103"]),
    "2024-S1": ("2024-01-23", ["BasicLLM"], ["2206.07682", "2005.14165"],
                ["2306.02781", "stanford-hai-generative-ai"]),
    "2024-S0": ("2024-01-18", ["BasicLLM"],
                ["ml-dl-basics-lectures", "nlp-basics-lectures", "annotated-transformer"], []),
    "2022-W6": ("2022-12-03", ["RL", "AGI", "language model", "Human Alignment"],
                ["2203.02155", "1706.03741"], []),
    "2022-W5": ("2022-12-01", ["Diffusion", "Image synthesis", "Efficiency"],
                ["2112.10752", "2208.12242", "2106.09685", "2208.01618"], []),
    "2022-W4": ("2022-10-01", ["language model"],
                ["2206.07682", "2005.14165", "2108.07258", "2104.08691"], []),
}  # fmt: skip
# seed tags stored under another topic name (docs/curriculum.md, "Topics")
TAG_TOPIC = {
    "Human Alignment": "Alignment",
    "Diffusion": "Diffusion methods",
    "RL": "RL methods",
}

SEED_CONCEPTS = [
    "bag-of-words", "lsi", "lda", "word2vec", "glove", "fasttext", "rnn", "lstm", "seq2seq",
    "attention", "self-attention", "transformer", "bert", "gpt", "language-modelling",
    "scaling-laws", "emergent-abilities", "in-context-learning", "prompt-tuning",
    "instruction-tuning", "supervised-fine-tuning", "reward-model", "ppo", "rlhf", "dpo",
    "grouped-query-attention", "sliding-window-attention", "mixture-of-experts", "lora",
    "parameter-efficient-fine-tuning", "diffusion-models", "latent-diffusion", "dreambooth",
    "textual-inversion", "helm", "heim", "humaneval", "llm-as-a-judge", "the-pile", "dolma",
    "open-models", "foundation-models",
]  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(data_dir())


def _work_id(ref: str) -> str:
    return f"arxiv-{ref}" if ref[0].isdigit() else ref


def test_every_session_with_date_topics_and_collection(catalog: Catalog) -> None:
    assert list(catalog.sessions) == list(SEED)
    for code, (date, topics, _, _) in SEED.items():
        session = catalog.sessions[code]
        assert session.date is not None and session.date.isoformat() == date
        assert [catalog.topics[t].label for t in session.topics] == [
            TAG_TOPIC.get(t, t) for t in topics
        ]
        assert session.collection == "FMBasic"


def test_every_reading_in_order_with_its_role(catalog: Catalog) -> None:
    for code, (_, _, required, further) in SEED.items():
        session = catalog.sessions[code]
        assert session.required == [_work_id(r) for r in required], code
        assert session.further == [_work_id(r) for r in further], code


def test_every_work_once_with_its_arxiv_id_and_year(catalog: Catalog) -> None:
    read = {_work_id(r) for (_, _, req, fur) in SEED.values() for r in req + fur}
    assert set(catalog.works) == read  # nothing missing, nothing extra, each id once
    assert len(catalog.works) == 34
    for work in catalog.works.values():
        assert work.year is not None and work.urls, work.id
        if work.arxiv:
            assert work.id == f"arxiv-{work.arxiv}"
            assert f"https://arxiv.org/abs/{work.arxiv}" in work.urls
    instruct = catalog.works["arxiv-2203.02155"]
    assert instruct.title == "Training language models to follow instructions with human feedback"
    assert "https://openreview.net/forum?id=GisHNaleWiA" in catalog.works["arxiv-1706.03741"].urls


def test_concepts_cover_the_seed(catalog: Catalog) -> None:
    assert len(catalog.concepts) >= 100
    missing = [c for c in SEED_CONCEPTS if c not in catalog.concepts]
    assert not missing
    for concept in catalog.concepts.values():
        assert concept.definition and concept.topic in catalog.topics
        assert all(p.reason for p in concept.requires)
    assert "RLHF" in catalog.concepts["rlhf"].aliases


def test_every_concept_is_read_about_or_assumed(catalog: Catalog) -> None:
    linked = {c for w in catalog.works.values() for c in w.introduces + w.teaches + w.uses}
    assumed = {c for s in catalog.sessions.values() for c in s.assumes}
    assert set(catalog.concepts) - linked - assumed == set()
    assert all(not w.discusses for w in catalog.works.values())  # bundled works are specific


def test_the_loader_keeps_the_new_curriculum_keys(catalog: Catalog) -> None:
    llama2 = catalog.works["arxiv-2307.09288"]
    assert llama2.authors[0] == "Hugo Touvron" and llama2.authors_truncated
    assert not catalog.works["arxiv-2203.02155"].authors_truncated
    assert "grouped-query-attention" in llama2.teaches and "ppo" in llama2.uses
    assert catalog.sessions["2024-S6"].assumes == ["kv-cache", "rope"]
