"""The test harness itself: a missing outside tool skips a test, except in CI where it fails."""

from __future__ import annotations

import sys
from pathlib import Path

import conftest
import pytest


def test_a_tool_that_is_there_is_returned() -> None:
    assert conftest.need("python", sys.executable, "apt-get install python3") == sys.executable


def test_a_missing_tool_skips_outside_ci_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match=r"rapper is not installed \(apt-get install"):
        conftest.need("rapper", None, "apt-get install raptor2-utils")
    with pytest.raises(pytest.skip.Exception):
        conftest.need("rapper", str(tmp_path / "rapper"), "apt-get install raptor2-utils")


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match=r"^rapper is not installed \(apt-get [^;]*\)$"):
        conftest.need("rapper", None, "apt-get install raptor2-utils")
