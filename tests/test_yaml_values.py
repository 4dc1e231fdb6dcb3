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
    "  - a\n- b\n", "key: 'unterminated\n", "a: 1\na: 2\n", "- {a: 1}\n- [b, {c: {d: [e]}}]\n",
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
