from __future__ import annotations

import pytest

from fmgraph.errors import UnknownName
from fmgraph.names import NameIndex, normalize


def _index() -> NameIndex:
    index = NameIndex()
    index.add("c:rlhf", "concept", "rlhf", "Reinforcement learning from human feedback", ["RLHF"])
    index.add("c:sa", "concept", "self-attention", "Self-attention", [])
    index.add("c:diff", "concept", "diffusion", "Diffusion model", [])
    index.add("t:diff", "topic", "diffusion", "Diffusion", [])
    return index


@pytest.mark.parametrize(
    "name", ["rlhf", "RLHF", "reinforcement learning from human feedback", "R.L.H.F."]
)
def test_names_ignore_case_and_punctuation(name: str) -> None:
    assert _index().resolve(name) == "c:rlhf"


def test_self_attention_spellings() -> None:
    index = _index()
    assert index.resolve("self attention") == index.resolve("Self-Attention") == "c:sa"


def test_normalize_folds_accents() -> None:
    assert normalize("Naïve  Bayes—café") == "naivebayescafe"


def test_ambiguous_name_lists_qualified_choices() -> None:
    with pytest.raises(UnknownName) as info:
        _index().resolve("diffusion")
    assert info.value.suggestions == ["concept:diffusion", "topic:diffusion"]
    assert _index().resolve("topic:diffusion") == "t:diff"
    assert _index().resolve("diffusion", ["concept"]) == "c:diff"


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(UnknownName) as info:
        _index().resolve("rlfh", ["concept"])
    assert "rlhf" in info.value.suggestions
    assert "no concept is named 'rlfh'" in str(info.value)


def test_ascii_shortcut_agrees_with_the_unicode_rule() -> None:
    import string

    from fmgraph import names

    samples = [string.printable, "GPT-3.5 / Llama_2", "  RLHF!!  ", "a_b-c d"]
    for text in samples + list(string.printable):
        slow = names._NOT_ALNUM.sub("", text.casefold())
        assert normalize(text) == slow
