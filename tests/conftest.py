"""Shared fixtures: every test builds stores in a private cache, never the user's; tests that
drive an outside tool (Chromium, rapper, the Oxigraph server) ask for it through `need`."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from fmgraph.store import LocalStore

FIXTURES = Path(__file__).parent / "fixtures"
# CI services (GitHub Actions, GitLab CI, …) and .ci/run set CI=true.
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(tool: str, found: str | None, install: str) -> str:
    """The path of an outside tool a test drives. When it is missing the test fails in CI,
    where every test must run, and is skipped elsewhere, saying how to install the tool."""
    if found is not None and Path(found).exists():
        return found
    message = f"{tool} is not installed ({install}); CI=true makes this a failure"
    if IN_CI:
        pytest.fail(message.removesuffix("; CI=true makes this a failure"), pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, which the browser tests drive through Playwright."""
    return need(
        "chromium",
        shutil.which("chromium") or shutil.which("chromium-browser"),
        "apt-get install chromium, or run scripts/bootstrap.sh",
    )


@pytest.fixture(scope="session")
def rapper() -> str:
    """rapper (Raptor), an RDF parser independent of rdflib and Oxigraph."""
    return need("rapper", shutil.which("rapper"), "apt-get install raptor2-utils")


@pytest.fixture(scope="session")
def oxigraph_server() -> str:
    """The Oxigraph server the `oxigraph` package of the test extras installs."""
    beside = Path(sys.executable).parent / "oxigraph"
    return need(
        "the oxigraph server",
        str(beside) if beside.exists() else shutil.which("oxigraph"),
        "pip install -e '.[test]'",
    )


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cache = tmp_path_factory.mktemp("fmgraph-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FMGRAPH_CACHE_DIR", str(cache))
        yield cache


@pytest.fixture(scope="session")
def bundled_store() -> LocalStore:
    """The store of the bundled course data, built once per test session."""
    from fmgraph.cache import open_store
    from fmgraph.resources import data_dir

    return open_store(data_dir())


@pytest.fixture(scope="session")
def tiny_store() -> LocalStore:
    """The store of tests/fixtures/tiny, a hand-written five-concept course."""
    from fmgraph.cache import open_store

    return open_store(FIXTURES / "tiny")


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture data directory."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "tiny", target)
    return target
