"""The event-built reader gives exactly what yaml.load gives, values, lines and errors alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fmgraph.loader import _LineLoader, _Mapping
from fmgraph.yaml_values import load_values

ROOT = Path(__file__).parents[1]
FILES = sorted(ROOT.glob("data/*.yaml")) + sorted(ROOT.glob("tests/fixtures/**/*.yaml"))
ODD = [
    "", "# only a comment\n", "a: 1\n---\nb: 2\n", "x: &a {k: v}\ny: *a\n", "x: *nope\n",
    "base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n",
    "d: 2024-02-06\nt: 2001-12-14t21:59:43.10-05:00\n",
    "n: ~\nb: yes\nf: 1.5\ni: 0x1F\ns: '2305.18290'\nu: 2305.18290\n", "? [1, 2]\n: x\n",
    "p: !!python/object/apply:os.system ['echo hi']\n", "p: !!python/name:os.system\n",
    "s: !!set {a, b}\n", "x: !!str 12\n", "x: !custom 1\n", "a: [1, 2\n", "a: b: c\n",
    "  - a\n- b\n", "key: 'unterminated\n", "- {a: 1}\n- [b, {c: {d: [e]}}]\n",
    "x: !!binary aGVsbG8=\n", "? a\n", "&x a: *x\n",
]  # fmt: skip


def _read(load: Any, text: str) -> tuple[str, Any]:
    try:
        return "ok", _with_lines(load(text))
    except yaml.YAMLError as e:
        return "error", str(e)


def _with_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return (getattr(value, "line", None), [(k, _with_lines(v)) for k, v in value.items()])
    if isinstance(value, list):
        return [_with_lines(v) for v in value]
    return value


@pytest.mark.parametrize(
    "text", [p.read_text(encoding="utf-8-sig") for p in FILES] + ODD,
    ids=[p.name for p in FILES] + [f"odd-{i}" for i in range(len(ODD))],
)  # fmt: skip
def test_event_reader_matches_yaml_load(text: str) -> None:
    expected = _read(lambda t: yaml.load(t, Loader=_LineLoader), text)
    assert _read(lambda t: load_values(t, _LineLoader, _Mapping), text) == expected


def _bomb(levels: int, tagged: bool = False) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    tag = "!!map " if tagged else ""
    return "\n".join(lines) + f"\nconcepts:\n  - {tag}{{id: x, reason: *a{levels - 1}}}\n"


@pytest.mark.parametrize("tagged", [False, True], ids=["event-built", "composed"])
def test_an_alias_bomb_fails_fast_naming_its_line(tagged: bool) -> None:
    with pytest.raises(yaml.YAMLError, match="alias bomb") as info:
        load_values(_bomb(9, tagged), _LineLoader, _Mapping)
    assert info.value.problem_mark is not None  # type: ignore[attr-defined]


def test_small_aliases_are_still_read() -> None:
    value = load_values(_bomb(3), _LineLoader, _Mapping)
    assert len(value["a2"]) == 9 and value["a2"][0][0] == ["lol"] * 9


@pytest.mark.parametrize("text", ["a: 1\nb: 2\na: 3\n", "x: !!map\n  a: 1\n  a: 2\n"])
def test_a_duplicate_key_is_an_error_naming_both_lines(text: str) -> None:
    with pytest.raises(yaml.YAMLError, match=r"duplicate key 'a' \(first given on line \d\)"):
        load_values(text, _LineLoader, _Mapping)


def test_the_loader_reports_a_duplicate_key_with_file_and_both_lines(tiny_copy: Path) -> None:
    from fmgraph.errors import DataError
    from fmgraph.loader import read_yaml

    path = tiny_copy / "dup.yaml"
    path.write_text("concepts:\n  - id: a\n    label: A\n    label: B\n")
    with pytest.raises(DataError) as info:
        read_yaml(path)
    assert str(info.value) == (
        f"{path}:4: YAML error: duplicate key 'label' (first given on line 3)"
    )


def test_the_cli_refuses_an_alias_bomb_with_exit_3(tiny_copy: Path) -> None:
    from click.testing import CliRunner

    from fmgraph.cli import cli

    (tiny_copy / "bomb.yaml").write_text(_bomb(9))
    result = CliRunner().invoke(cli, ["--data", str(tiny_copy), "stats"])
    assert result.exit_code == 3
    assert "bomb.yaml" in result.stderr and "alias bomb" in result.stderr


def test_a_duplicate_key_in_a_plain_file_is_named_without_composing_nodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Composing a 100,000-work file takes half a gigabyte: a plain one never falls back."""
    import fmgraph.yaml_values as yaml_values

    def no_composing(node: object) -> None:
        raise AssertionError("fell back to composing nodes")

    monkeypatch.setattr(yaml_values, "check_nodes", no_composing)
    text = "works:\n" + "".join(f"  - id: w{i}\n    title: T\n" for i in range(100))
    text += "  - id: dup\n    title: A\n    title: B\n"
    with pytest.raises(yaml.YAMLError, match=r"duplicate key 'title' \(first given on line 203\)"):
        load_values(text, _LineLoader, _Mapping)
