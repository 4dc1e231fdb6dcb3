"""Which files a data directory holds (links that leave it refused) and the atomic write."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import pytest
from click.testing import CliRunner

from fmgraph.cli import cli
from fmgraph.errors import DataError
from fmgraph.files import atomic_write, data_files


def test_a_symlink_leaving_the_data_directory_is_refused_naming_it(
    tiny_copy: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.nt"
    secret.write_text('<https://example.org/s> <https://example.org/p> "secret" .\n')
    (tiny_copy / "linked.nt").symlink_to(secret)
    with pytest.raises(DataError) as info:
        data_files(tiny_copy)
    (problem,) = info.value.problems
    assert problem.file == str(tiny_copy / "linked.nt")
    assert "outside the data directory" in problem.message and str(secret) in problem.message
    result = CliRunner().invoke(cli, ["--data", str(tiny_copy), "export", "--format", "ntriples"])
    assert result.exit_code == 3
    assert "linked.nt" in result.stderr and "secret" not in result.stdout


def test_a_symlink_inside_the_data_directory_is_read(tiny_copy: Path) -> None:
    (tiny_copy / "sub").mkdir()
    (tiny_copy / "sub" / "extra.nt").write_text(
        '<https://example.org/s> <https://example.org/p> "inside" .\n'
    )
    (tiny_copy / "extra.nt").symlink_to(tiny_copy / "sub" / "extra.nt")
    assert tiny_copy / "extra.nt" in data_files(tiny_copy)


def test_atomic_write_replaces_the_file_with_the_usual_mode(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(b"old")
    umask = os.umask(0o022)
    try:
        atomic_write(path, b"new")
    finally:
        os.umask(umask)
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(b"old")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_takes_a_writer_and_keeps_the_old_file_when_it_fails(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    path.write_bytes(b"old")

    def fail(stream: BinaryIO) -> None:
        stream.write(b"part")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    atomic_write(path, lambda stream: stream.writelines([b"new ", b"lines"]))
    assert path.read_bytes() == b"new lines"
