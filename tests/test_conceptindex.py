"""The concept index beside a built store: plans and `next` read from it are the ones read
live, it is made once and reused, and a damaged or unwritable file costs speed, never a wrong
answer."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from fmgraph import conceptindex, paths
from fmgraph.cache import open_store
from fmgraph.conceptindex import INDEX_FILE, ConceptIndex, LiveFacts, concept_facts
from fmgraph.graphview import concept_links
from fmgraph.paths import learning_plan, next_concepts
from fmgraph.resources import data_dir
from fmgraph.store import LocalStore

SYNTH = Path(__file__).parent.parent / "bench" / "synth.py"


def _live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "concept_facts", lambda store, *_: LiveFacts(store))


def _ids(store: LocalStore) -> list[str]:
    return [short for short, _ in concept_links(store).labels.values()]


def _plans(store: LocalStore, targets: list[str]) -> list[Any]:
    """Plans (with and without --know, --with-background) and `next` answers, or errors."""
    found: list[Any] = []
    for background in (False, True):
        for know in (None, ["transformer"], ["rlhf", "attention"]):
            for target in targets:
                try:
                    found.append(learning_plan(store, target, know=know,
                                               with_background=background))  # fmt: skip
                except Exception as e:
                    found.append(repr(e))
    for know in ([], ["transformer"], ["rlhf", "attention"], targets[:3]):
        for toward in (None, *targets[:8]):
            try:
                found.append(next_concepts(store, know, toward=toward))
            except Exception as e:
                found.append(repr(e))
    return found


@pytest.fixture(scope="module")
def bundled() -> LocalStore:
    return open_store(data_dir())


def test_every_plan_of_the_bundled_course_is_the_plan_read_live(
    bundled: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    targets = _ids(bundled)
    indexed = _plans(bundled, targets)
    assert (bundled.path / INDEX_FILE).is_file()
    _live(monkeypatch)
    assert _plans(bundled, targets) == indexed
    assert sum(len(p.steps) for p in indexed if not isinstance(p, str)) > 2000


def _synth_course(directory: Path) -> Path:
    name = "fmgraph_bench_synth"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SYNTH)
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    args = ["--triples", "20000", "--seed", "3", "--deep-concepts", "150", str(directory)]
    sys.modules[name].main(args)
    return directory


def test_plans_on_a_deep_synthetic_course_are_the_plans_read_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(_synth_course(tmp_path / "synth"))
    targets = ["dpo", *random.Random(1).sample(_ids(store), 40)]
    indexed = _plans(store, targets)
    _live(monkeypatch)
    assert _plans(store, targets) == indexed
    assert max(len(p.steps) for p in indexed if not isinstance(p, str)) > 150


def test_the_index_is_made_once_and_then_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(data_dir())
    (store.path / INDEX_FILE).unlink(missing_ok=True)
    said: list[str] = []
    first = learning_plan(store, "dpo", progress=said.append)
    assert said == ["indexing the concepts of this store for plans (once per store)"]

    def no_reading(_store: Any) -> ConceptIndex:
        raise AssertionError("the index was read from the store again")

    monkeypatch.setattr(ConceptIndex, "read", staticmethod(no_reading))
    assert learning_plan(store, "dpo", progress=said.append) == first
    assert len(said) == 1


@pytest.mark.parametrize(
    "damage",
    [b"", b"{not json", b'{"format": 99}', b'{"format": 1, "nodes": []}', b"\xff\xfe", b"[]"],
)
def test_a_damaged_index_is_made_again(damage: bytes, bundled: LocalStore) -> None:
    expected = learning_plan(bundled, "dpo", know=["transformer"])
    (bundled.path / INDEX_FILE).write_bytes(damage)
    assert learning_plan(bundled, "dpo", know=["transformer"]) == expected
    ConceptIndex.from_json((bundled.path / INDEX_FILE).read_bytes())  # rewritten whole


def test_an_index_that_cannot_be_written_leaves_the_answer_right(
    bundled: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = learning_plan(bundled, "lora")
    (bundled.path / INDEX_FILE).unlink()

    def cannot_write(*_args: Any) -> None:
        raise PermissionError("read-only cache")

    monkeypatch.setattr(conceptindex, "atomic_write", cannot_write)
    assert learning_plan(bundled, "lora") == expected
    assert not (bundled.path / INDEX_FILE).exists()


def test_a_store_that_cannot_take_an_index_is_read_live(
    bundled: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading every concept for an index that cannot be kept would cost each plan more than
    reading its own steps; an index already there is still used."""
    learning_plan(bundled, "lora")
    monkeypatch.setattr(os, "access", lambda *_args: False)
    assert isinstance(concept_facts(bundled), ConceptIndex)
    (bundled.path / INDEX_FILE).unlink()
    assert isinstance(concept_facts(bundled), LiveFacts)


def test_other_stores_and_other_numbers_of_works_are_read_live(bundled: LocalStore) -> None:
    class Remote:  # any GraphStore that is not a built one
        pass

    assert isinstance(concept_facts(Remote()), LiveFacts)  # type: ignore[arg-type]
    assert isinstance(concept_facts(bundled, 1), LiveFacts)
    assert isinstance(concept_facts(bundled, None), LiveFacts)
    assert isinstance(concept_facts(bundled), ConceptIndex)
