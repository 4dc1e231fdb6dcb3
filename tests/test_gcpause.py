from __future__ import annotations

import gc
from typing import Any

import pytest

from fmgraph.gcpause import paused_gc
from fmgraph.store import LocalStore


def test_the_collector_is_off_inside_and_back_on_after_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(ValueError), paused_gc():
        assert not gc.isenabled()
        raise ValueError
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_views_and_pages_run_with_the_collector_paused(tiny_store: LocalStore) -> None:
    from fmgraph import graphview, render

    seen: list[bool] = []
    original = graphview.rows

    def spy(*args: Any) -> Any:
        seen.append(gc.isenabled())
        return original(*args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(graphview, "rows", spy)
        graph = graphview.full_graph(tiny_store)
    assert seen and not any(seen)
    assert gc.isenabled()
    render.render_html(graph, title="t")
    assert gc.isenabled()
