"""Reading again the entries an edit touched gives what a parse of the whole new text gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fmgraph.errors import DataError
from fmgraph.loader import FileEntries, parse_yaml, read_entries
from fmgraph.reparse import reparse

FILE = "/data/course.yaml"

TEXT = """\
# A course file with every way of writing an entry the loader reads.
topics:
  - id: alignment
    label: Alignment
  - id: basics
    label: "Basics"
    definition: >
      Folded text
      over two lines.

concepts:
  - id: rlhf
    label: RLHF
    definition: "Reward learning from human preferences."
    topic: alignment
    aliases: [RLHF, "reinforcement learning from human feedback"]

  # a comment between entries
  - id: dpo
    label: Direct preference optimization
    definition: |
      A loss on preference pairs,
      with no reward model.
    topic: alignment
    requires:
      - concept: rlhf
        reason: It solves the same problem more simply.
  - {id: lora, label: LoRA, definition: Low-rank adapters., topic: basics}
  - id: sft
    label: 'Supervised fine-tuning'
    definition: Training on demonstrations.
    topic: basics
works:
  - id: arxiv-2305.18290
    title: "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    year: 2023
    authors:
      - Rafael Rafailov
      - Archit Sharma
    introduces: [dpo]
  - id: hf-blog-rlhf
    title: Illustrating RLHF
    kind: blog-post
    urls: [https://huggingface.co/blog/rlhf]
    teaches: [rlhf]
  - id: arxiv-2106.09685
    title: "LoRA: Low-Rank Adaptation of Large Language Models"
    introduces: [lora]
sessions:
  - code: S1
    title: Alignment
    date: 2024-02-06
    required: [arxiv-2305.18290]
  - code: S2
    title: Adapters
    further: [arxiv-2106.09685]
"""


def entries_of(text: str) -> FileEntries:
    problems: list[object] = []
    found = read_entries(parse_yaml(text, FILE), FILE, problems)  # type: ignore[arg-type]
    if problems:
        raise DataError(problems)  # type: ignore[arg-type]
    return found


def sources(entries: FileEntries) -> dict[str, list[tuple[str, int | None]]]:
    return {s: [(e.source.file, e.source.line) for e in items] for s, items in entries.items()}


def check(old: str, new: str) -> FileEntries | None:
    """reparse's answer, checked against a whole parse of ``new``; None when it declined."""
    got = reparse(old.encode(), new.encode(), entries_of(old), FILE)
    try:
        expected = entries_of(new)
    except DataError:
        assert got is None, "an edit a whole parse refuses must not be read in part"
        return None
    if got is not None:
        assert got == expected
        assert sources(got) == sources(expected)
    return got


READ_IN_PART = {
    "a line before the first entry": ("topics:\n  - id: alignment", "topics:\n\n  - id: alignment"),
    "a value changes": ("Reward learning from", "Learning rewards from"),
    "a block scalar grows": ("with no reward model.\n", "with no reward model\n      at all.\n"),
    "a field is added": (
        "    kind: blog-post\n",
        "    kind: blog-post\n    year: 2022\n",
    ),
    "an entry is inserted": (
        "  - {id: lora",
        "  - id: ppo\n    label: PPO\n    definition: A policy gradient.\n    topic: alignment\n"
        "  - {id: lora",
    ),
    "an entry is removed": (
        "  - id: hf-blog-rlhf\n    title: Illustrating RLHF\n    kind: blog-post\n"
        "    urls: [https://huggingface.co/blog/rlhf]\n    teaches: [rlhf]\n",
        "",
    ),
    "a comment is added": ("  # a comment between entries\n", "  # two\n  # comments\n"),
    "blank lines are added": ("    aliases: [RLHF,", "\n\n    aliases: [RLHF,"),
    "a flow entry changes": ("Low-rank adapters.", "Low-rank adapters on frozen weights."),
    "an id line changes": ("  - id: hf-blog-rlhf\n", "  - id: hf-blog-rlhf-2\n"),
    "an author is added": (
        "      - Archit Sharma\n",
        "      - Archit Sharma\n      - Eric Mitchell\n",
    ),
}


@pytest.mark.parametrize("edit", READ_IN_PART.values(), ids=READ_IN_PART.keys())
def test_edits_inside_a_list_are_read_in_part(edit: tuple[str, str]) -> None:
    old, new = edit
    assert TEXT.count(old) == 1
    assert check(TEXT, TEXT.replace(old, new)) is not None


READ_WHOLE = {
    "the last entry of a list": ("  - code: S2\n    title: Adapters", "  - code: S2\n    title: A"),
    "a section header": ("works:\n", "works: # the catalogue\n"),
    "the last entry of another list": ("  - id: sft\n", "  - id: sft2\n"),
    "an anchor": ("    title: Illustrating RLHF\n", "    title: &t Illustrating RLHF\n"),
    "a new section inside a list": ("  - id: hf-blog-rlhf\n", "extra:\n  - id: hf-blog-rlhf\n"),
    "a line dedented": ("    kind: blog-post\n", "  kind: blog-post\n"),
    "a carriage return": ("    kind: blog-post\n", "    kind: blog-post\r\n"),
    "a problem in the entry": ("    kind: blog-post\n", "    kind: novel\n"),
    "a syntax error": ("    kind: blog-post\n", "    kind: [blog-post\n"),
}


@pytest.mark.parametrize("edit", READ_WHOLE.values(), ids=READ_WHOLE.keys())
def test_edits_that_need_the_whole_file_are_declined(edit: tuple[str, str]) -> None:
    old, new = edit
    assert TEXT.count(old) == 1
    new_text = TEXT.replace(old, new)
    if new_text == TEXT:
        pytest.fail("the edit changes nothing")
    assert check(TEXT, new_text) is None


def test_a_carriage_return_in_the_old_text_means_a_whole_parse() -> None:
    old = TEXT.replace("    kind: blog-post\n", "    kind: blog-post\r\n")
    assert reparse(old.encode(), TEXT.encode(), entries_of(old), FILE) is None
    assert reparse(TEXT.encode(), TEXT.encode(), entries_of(TEXT), FILE) == entries_of(TEXT)


def test_the_entries_after_an_edit_move_by_the_lines_it_added() -> None:
    new = TEXT.replace(
        "    topic: alignment\n    aliases:", "    topic: alignment\n\n\n    aliases:"
    )
    got = check(TEXT, new)
    assert got is not None
    before = {e.source.line or 0 for e in entries_of(TEXT)["works"]}
    assert {e.source.line for e in got["works"]} == {line + 2 for line in before}
    assert got["topics"][0].source.line == 3  # before the edit: as it was


LINES = TEXT.splitlines(keepends=True)
FRAGMENTS = st.sampled_from(
    [
        "",
        "\n",
        "    # note\n",
        "    year: 2020\n",
        "    title: Changed\n",
        "  - id: new-one\n    title: New\n",
        "  - code: S9\n    title: Nine\n",
        "    definition: |\n      Block\n      text.\n",
        "      - Someone Else\n",
        "  - {id: flow, title: Flow}\n",
        "    title: 'a: b'\n",
        "    teaches: [rlhf, dpo]\n",
        "  # comment\n",
        "x: 1\n",
        "    title: &a anchored\n",
        "    title: *a\n",
        "  -\n",
        "\tbad: tab\n",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    at=st.integers(min_value=0, max_value=len(LINES)),
    removed=st.integers(min_value=0, max_value=4),
    inserted=st.lists(FRAGMENTS, max_size=3),
)
def test_any_line_edit_is_read_in_part_only_when_that_is_exact(
    at: int, removed: int, inserted: list[str]
) -> None:
    new = "".join(LINES[:at] + inserted + LINES[at + removed :])
    check(TEXT, new)


@settings(max_examples=200, deadline=None)
@given(
    at=st.integers(min_value=0, max_value=len(TEXT)),
    text=st.text(alphabet=" -:#abc\n'\"[]{}&*|>", max_size=12),
    removed=st.integers(min_value=0, max_value=6),
)
def test_any_character_edit_is_read_in_part_only_when_that_is_exact(
    at: int, text: str, removed: int
) -> None:
    check(TEXT, TEXT[:at] + text + TEXT[at + removed :])


def test_a_big_file_reads_one_entry(tmp_path: Path) -> None:
    body = "".join(
        f'  - id: w{i}\n    title: "Work {i}"\n    year: {2000 + i % 20}\n' for i in range(3000)
    )
    old = "works:\n" + body
    new = old.replace('title: "Work 1500"', 'title: "Work 1500, edited"')
    assert check(old, new) is not None
    kept = entries_of(old)
    works = list(kept["works"])
    got = reparse(old.encode(), new.encode(), kept, FILE)
    assert got is not None
    assert [i for i, (a, b) in enumerate(zip(works, got["works"], strict=True)) if a is not b] \
        == [1500]  # fmt: skip
