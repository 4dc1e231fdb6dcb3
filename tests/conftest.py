"""Shared fixtures: every test builds stores in a private cache, never the user's."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cache = tmp_path_factory.mktemp("fmgraph-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FMGRAPH_CACHE_DIR", str(cache))
        yield cache


@pytest.fixture(scope="session")
def bundled_store():  # type: ignore[no-untyped-def]
    """The store of the bundled course data, built once per test session."""
    from fmgraph.resources import data_dir
    from fmgraph.store import open_store

    return open_store(data_dir())


@pytest.fixture(scope="session")
def tiny_store():  # type: ignore[no-untyped-def]
    """The store of tests/fixtures/tiny, a hand-written five-concept course."""
    from fmgraph.store import open_store

    return open_store(FIXTURES / "tiny")


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture data directory."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "tiny", target)
    return target
