"""The check-and-write step: imports write their files together or not at all, one at a time."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from fmgraph.errors import DataError
from fmgraph.importing import import_posts
from fmgraph.importing.write import (
    JOURNAL_NAME,
    LOCK_NAME,
    import_lock,
    recover,
    write_files_together,
)
from fmgraph.loader import load_catalog

# Run the CLI in a child process; with a kill point, the child dies (exit 9) right after that
# many renames of its write, as a power cut or kill -9 would leave it.
_CHILD = """
import os, sys
import fmgraph.importing.write as write
kill_after = int(sys.argv[1])
if kill_after:
    write._after_rename = lambda done: os._exit(9) if done == kill_after else None
from fmgraph.cli import cli
cli.main(args=sys.argv[2:], prog_name="fmgraph")
"""


def _child(data: Path, post: Path, kill_after: int = 0) -> subprocess.Popen[str]:
    args = [sys.executable, "-c", _CHILD, str(kill_after), "--data", str(data)]
    return subprocess.Popen(
        [*args, "import", "posts", str(post)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _post(directory: Path, code: str, tag: str) -> Path:
    """A post whose import writes three files: a new topic, a new work and a new session."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{code}.md"
    path.write_text(
        f"---\ntitle: Session {code}\ndesc: {code}\ntags: [{tag}]\n---\n"
        f"## Readings\n### Paper of {code}\n- https://example.org/{code}\n",
        encoding="utf-8",
    )
    return path


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("kill_after", [1, 2])
def test_a_kill_between_renames_leaves_a_loadable_directory_that_the_next_import_completes(
    tmp_path: Path, tiny_copy: Path, kill_after: int
) -> None:
    post = _post(tmp_path / "posts", "K-1", "Killed Tag")
    reference = tmp_path / "reference"
    import_posts(reference, [post])

    child = _child(tiny_copy, post, kill_after)
    child.communicate(timeout=120)
    assert child.returncode == 9
    assert (tiny_copy / JOURNAL_NAME).exists()
    load_catalog(tiny_copy)  # renames go topics, works, sessions: each step loads

    finish = _child(tiny_copy, post)
    out, err = finish.communicate(timeout=120)
    assert finish.returncode == 0, err
    assert "finished an interrupted import" in err
    assert "Nothing to change" in out
    after = _files(tiny_copy)
    assert JOURNAL_NAME not in after and LOCK_NAME not in after
    assert not [name for name in after if name.endswith(".tmp")]
    for name, text in _files(reference).items():
        assert after[name] == text, name
    assert "K-1" in load_catalog(tiny_copy).sessions


def test_temporary_files_of_a_write_killed_before_its_commit_are_removed(tmp_path: Path) -> None:
    data = tmp_path / "d"
    import_posts(data, [_post(tmp_path / "posts", "A-1", "Alpha")])
    before = _files(data)
    stray = data / ".imported-works.yaml.x1y2.fmgraph-import.tmp"
    stray.write_text("works: [half\n", encoding="utf-8")
    with import_lock(data):
        assert recover(data) == []
    assert _files(data) == before


def test_an_unreadable_journal_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / JOURNAL_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="import journal cannot be read") as caught:
        recover(tmp_path)
    assert caught.value.exit_code == 3 and JOURNAL_NAME in str(caught.value)


def test_files_are_renamed_in_the_order_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.importing.write as write

    seen: list[list[str]] = []
    monkeypatch.setattr(
        write, "_after_rename", lambda done: seen.append(sorted(p.name for p in tmp_path.iterdir()))
    )
    write_files_together(tmp_path, {tmp_path / "b.yaml": "b: 1\n", tmp_path / "a.yaml": "a: 1\n"})
    assert [[n for n in names if n.endswith(".yaml")] for names in seen] == [
        ["b.yaml"],
        ["a.yaml", "b.yaml"],
    ]
    assert _files(tmp_path) == {"a.yaml": b"a: 1\n", "b.yaml": b"b: 1\n"}


def test_concurrent_imports_wait_for_each_other_and_both_land(
    tmp_path: Path, tiny_copy: Path
) -> None:
    first = _post(tmp_path / "posts", "C-1", "Concurrent One")
    second = _post(tmp_path / "posts", "C-2", "Concurrent Two")
    with import_lock(tiny_copy):
        children = [_child(tiny_copy, first), _child(tiny_copy, second)]
        time.sleep(1.0)
        # Both are blocked on the lock this test holds, whatever their speed.
        assert [c.poll() for c in children] == [None, None]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    catalog = load_catalog(tiny_copy)
    assert {"C-1", "C-2"} <= set(catalog.sessions)
    assert {"paper-of-c-1", "paper-of-c-2"} <= set(catalog.works)
    assert LOCK_NAME not in _files(tiny_copy)


def test_a_failed_import_removes_a_directory_it_created_only_while_it_is_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.importing.commands as commands

    post = _post(tmp_path / "posts", "E-1", "Empty")
    target = tmp_path / "new"

    def fails(*args: object) -> None:
        raise DataError([])

    monkeypatch.setattr(commands, "check", fails)
    with pytest.raises(DataError):
        import_posts(target, [post])
    assert not target.exists()

    def another_import_wrote_meanwhile(*args: object) -> None:
        (target / "theirs.yaml").write_text("works: []\n", encoding="utf-8")
        raise DataError([])

    monkeypatch.setattr(commands, "check", another_import_wrote_meanwhile)
    with pytest.raises(DataError):
        import_posts(target, [post])
    assert [p.name for p in target.iterdir()] == ["theirs.yaml"]
