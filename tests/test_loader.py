from __future__ import annotations

from pathlib import Path

import pytest

from fmgraph.errors import DataError
from fmgraph.loader import load_catalog


def _write(directory: Path, text: str, name: str = "course.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def _problems(directory: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_catalog(directory)
    return [str(p) for p in info.value.problems]


def test_tiny_fixture_loads_every_entry(tiny_copy: Path) -> None:
    catalog = load_catalog(tiny_copy)
    assert sorted(catalog.concepts) == ["attention", "dpo", "lora", "rlhf", "transformer"]
    assert sorted(catalog.sessions) == ["T-1", "T-2"]
    # ids default to arxiv-<id>, and topics to the slug of their label
    assert "arxiv-2305.18290" in catalog.works
    assert "basics" in catalog.topics
    assert catalog.sessions["T-2"].readings() == [
        (1, "required", "arxiv-2305.18290"),
        (2, "further", "arxiv-2203.02155"),
    ]
    assert catalog.works["arxiv-2305.18290"].source.line is not None


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    d = _write(tmp_path / "d", "topics:\n  - label: A\n  - label: [unclosed\n")
    (problem,) = _problems(d)
    assert "course.yaml:3" in problem or "course.yaml:4" in problem
    assert "YAML error" in problem


def test_python_tags_are_refused_not_executed(tmp_path: Path) -> None:
    d = _write(tmp_path / "d", "topics: !!python/object/apply:os.system ['echo pwned']\n")
    (problem,) = _problems(d)
    assert "course.yaml:1" in problem and "python/object/apply" in problem


def test_unknown_reference_is_named_with_a_suggestion(tiny_copy: Path) -> None:
    text = (
        (tiny_copy / "course.yaml").read_text().replace("[arxiv-2305.18290]", "[arxiv-2305.1829]")
    )
    (tiny_copy / "course.yaml").write_text(text)
    (problem,) = _problems(tiny_copy)
    assert "session 'T-2'" in problem
    assert "work 'arxiv-2305.1829' is not defined" in problem
    assert "did you mean 'arxiv-2305.18290'" in problem


def test_duplicate_id_names_both_places(tiny_copy: Path) -> None:
    _write(tiny_copy, "topics:\n  - label: Basics\n", name="more.yaml")
    (problem,) = _problems(tiny_copy)
    assert "more.yaml:2: topic 'basics': duplicate id, first defined at" in problem
    assert "course.yaml" in problem


def test_prerequisite_cycle_is_reported(tiny_copy: Path) -> None:
    text = (tiny_copy / "course.yaml").read_text()
    text = text.replace(
        "    aliases: [attention mechanism]\n",
        "    aliases: [attention mechanism]\n    requires:\n      - concept: dpo\n"
        "        reason: circular on purpose\n",
    )
    (tiny_copy / "course.yaml").write_text(text)
    problems = _problems(tiny_copy)
    assert len(problems) == 1
    assert "prerequisite cycle: " in problems[0]
    assert (
        "attention requires dpo requires rlhf requires transformer requires attention"
        in problems[0]
    )


def test_bad_fields_are_all_reported_together(tmp_path: Path) -> None:
    d = _write(
        tmp_path / "d",
        """
works:
  - title: A
    year: "soon"
    arxiv: "arXiv:2305.18290v2"
    kind: novel
    colour: blue
    urls: ["not a url"]
sessions:
  - title: no code
""",
    )
    problems = "\n".join(_problems(d))
    assert "field 'year' must be a whole number" in problems
    assert "arxiv id 'arXiv:2305.18290v2' is not like 2305.18290" in problems
    assert "kind 'novel' is not one of" in problems
    assert "unknown field 'colour'" in problems
    assert "URL 'not a url' is not a valid absolute IRI" in problems
    assert "missing required field 'code'" in problems


def test_missing_and_empty_data_directories(tmp_path: Path) -> None:
    assert "data directory does not exist" in _problems(tmp_path / "nope")[0]
    (tmp_path / "empty").mkdir()
    assert "holds no data files" in _problems(tmp_path / "empty")[0]


def test_titles_full_of_quotes_brackets_and_non_ascii_survive(tiny_copy: Path) -> None:
    work = load_catalog(tiny_copy).works["arxiv-2305.18290"]
    assert work.title == 'Preference learning <b>without</b> rewards & "quotes" — naïve'
    assert work.authors == ["Ada Lovelace", "Émile Zola"]


def test_byte_order_mark_is_accepted(tiny_copy: Path) -> None:
    path = tiny_copy / "course.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_catalog(tiny_copy).concepts) == 5
