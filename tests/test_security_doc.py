"""docs/security.md names the test that holds each limit: every name it cites exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_every_test_named_in_the_security_page_exists() -> None:
    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    named = set(re.findall(r"`(test_\w+)`", page))
    files = set(re.findall(r"`tests/(test_\w+\.py)`", page))
    assert named and files
    assert sorted(n for n in named if f"def {n}(" not in tests) == []
    assert sorted(f for f in files if not (ROOT / "tests" / f).is_file()) == []
