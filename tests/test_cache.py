"""The cache cannot lie: a damaged, stale or unusable cache never changes an answer."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import fmgraph.cache as cache
import fmgraph.pipeline as pipeline
from fmgraph.cache import cache_dir, inputs, open_store, store_path
from fmgraph.cli import cli
from fmgraph.query import run_query
from fmgraph.store import SNAPSHOT

RLHF = 'ASK { ?c dcterms:identifier "rlhf" ; a fm:Concept }'
LABEL = 'SELECT ?l WHERE { ?c dcterms:identifier "lora" ; skos:prefLabel ?l }'


def _label(data: Path, messages: list[str] | None = None) -> str:
    store = open_store(data, progress=(messages.append if messages is not None else None))
    (row,) = list(run_query(store, LABEL))  # type: ignore[arg-type]
    return str(row["l"].value)


def _edit_label(data: Path, label: str) -> None:
    path = data / "course.yaml"
    text = path.read_text()
    start = text.index("  - id: lora\n")
    line_start = text.index("    label: ", start)
    line_end = text.index("\n", line_start)
    path.write_text(text[:line_start] + f"    label: {label}" + text[line_end:])


def _fresh(data: Path) -> Path:
    """A store of its own for ``data`` (a comment makes the content, and so the key, new)."""
    with (data / "course.yaml").open("a") as f:
        f.write(f"# {data} {time.time_ns()}\n")
    return store_path(data)


@pytest.mark.parametrize(
    "damage",
    ["truncated snapshot", "empty snapshot", "no CURRENT", "garbled manifest", "no manifest"],
)
def test_a_damaged_store_is_reported_in_one_line_and_rebuilt(tiny_copy: Path, damage: str) -> None:
    path = _fresh(tiny_copy)
    expected = _label(tiny_copy)
    snapshot = path / SNAPSHOT
    if damage == "truncated snapshot":
        snapshot.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])
    elif damage == "empty snapshot":
        snapshot.write_bytes(b"")
    elif damage == "no CURRENT":
        (path / "CURRENT").unlink()
    elif damage == "garbled manifest":
        (path / cache.MANIFEST).write_bytes(b"{not json")
    else:
        (path / cache.MANIFEST).unlink()
    messages: list[str] = []
    assert _label(tiny_copy, messages) == expected
    damaged = [m for m in messages if " is damaged: " in m]
    assert len(damaged) == 1 and "\n" not in damaged[0] and str(path) in damaged[0]
    assert any(m.startswith("built ") for m in messages)
    assert cache.damage(path, path.name) is None  # rebuilt in place, whole


def test_a_snapshot_changed_in_place_with_its_size_and_time_kept_is_not_loaded(
    tiny_copy: Path,
) -> None:
    path = _fresh(tiny_copy)
    snapshot = path / SNAPSHOT
    st = snapshot.stat()
    data = snapshot.read_bytes().replace(b"Low-rank", b"Lxw-rank")
    snapshot.write_bytes(data)
    os.utime(snapshot, ns=(st.st_atime_ns, st.st_mtime_ns))
    messages: list[str] = []
    assert _label(tiny_copy, messages) == "Low-rank adaptation"
    assert any("cannot be read" in m and "checksum" in m for m in messages)


def test_a_garbled_sst_file_of_a_database_store_is_detected_and_rebuilt(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "SNAPSHOT_LIMIT", 10)
    path = _fresh(tiny_copy)
    assert not (path / SNAPSHOT).exists()
    sst = max(path.glob("*.sst"), key=lambda p: p.stat().st_size)
    sst.write_bytes(b"\0" * sst.stat().st_size)
    messages: list[str] = []
    assert _label(tiny_copy, messages) == "Low-rank adaptation"
    assert any(f"{sst.name} does not match its checksum" in m for m in messages)


def test_a_garbled_index_entry_is_a_miss_not_a_path(tiny_copy: Path) -> None:
    path = _fresh(tiny_copy)
    entries = list((cache_dir() / "index").iterdir())
    for entry in entries:
        entry.write_text("../../../../etc")
    assert store_path(tiny_copy) == path


def test_data_edited_during_a_build_is_filed_under_the_content_the_build_read(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit_label(tiny_copy, "Original label")
    original = (tiny_copy / "course.yaml").read_bytes()
    build = pipeline.build_store
    edited: list[bool] = []

    def edit_then_build(data_dir: Path, target: Path, progress: object = None) -> object:
        if not edited:  # the key of the original content is computed; now the file changes
            _edit_label(tiny_copy, "Edited during the build")
            edited.append(True)
        return build(data_dir, target, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build_store", edit_then_build)
    assert _label(tiny_copy) == "Edited during the build"
    (tiny_copy / "course.yaml").write_bytes(original)  # revert
    assert _label(tiny_copy) == "Original label"


def test_leftover_build_directories_are_pruned_but_a_running_build_is_not(
    tiny_copy: Path,
) -> None:
    stores = cache_dir() / "stores"
    stores.mkdir(parents=True, exist_ok=True)
    old_style = stores / ".0123.build-abc"
    killed = stores / ".build-killed"
    running = stores / ".build-running"
    for leftover in (old_style, killed, running):
        leftover.mkdir()
        (leftover / "000001.sst").write_bytes(b"x" * 1000)
    (killed / cache.BUILDING).touch()
    (running / cache.BUILDING).touch()
    an_hour_ago = time.time() - 3600
    for leftover in (old_style, killed, running):
        os.utime(leftover, (an_hour_ago, an_hour_ago))
    with (running / cache.BUILDING).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _fresh(tiny_copy)  # a build prunes
        assert not old_style.exists() and not killed.exists()
        assert running.exists()


def test_the_cache_key_covers_every_file_of_the_package(tiny_copy: Path) -> None:
    package = Path(cache.__file__).parent
    files = {p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert files <= {p for _, p in inputs(tiny_copy)}
    assert Path(cache.__file__) in files and (package / "pipeline.py") in files


def test_a_changed_package_file_means_a_new_store(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "newmodule.py"
    extra.write_text("X = 1\n")
    package_inputs = cache._package_inputs()
    monkeypatch.setattr(cache, "_package_inputs", lambda: (*package_inputs, ("code/x.py", extra)))
    first = store_path(tiny_copy)
    extra.write_text("X = 2\n")
    second = store_path(tiny_copy)
    assert first != second


def _unusable_cache_runs(monkeypatch: pytest.MonkeyPatch, cache_path: Path, data: Path) -> None:
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(cache_path))
    result = CliRunner().invoke(cli, ["--data", str(data), "query", RLHF])
    assert result.exit_code == 0, result.output
    assert "true" in result.stdout.lower()
    (line,) = [x for x in result.stderr.splitlines() if "cache directory" in x]
    assert str(cache_path) in line and "FMGRAPH_CACHE_DIR" in line
    assert "Traceback" not in result.output


def test_a_file_in_the_cache_path_falls_back_to_a_temporary_store(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "afile").write_text("not a directory")
    _unusable_cache_runs(monkeypatch, tmp_path / "afile" / "cache", tiny_copy)


def test_a_full_disk_falls_back_to_a_temporary_store(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "full"
    build = pipeline.build_store

    def disk_full_in_the_cache(data_dir: Path, target: Path, progress: object = None) -> object:
        if target.is_relative_to(root):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return build(data_dir, target, progress)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build_store", disk_full_in_the_cache)
    _unusable_cache_runs(monkeypatch, root, tiny_copy)
    assert not [p for p in (root / "stores").iterdir()]  # the failed build left nothing


def test_no_store_anywhere_is_exit_4_in_one_line(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object) -> object:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pipeline, "build_store", disk_full)
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(tmp_path / "c"))
    result = CliRunner().invoke(cli, ["--data", str(tiny_copy), "query", RLHF])
    assert result.exit_code == 4
    assert "Error: cannot build the store, not even in a temporary directory" in result.stderr
    assert "Traceback" not in result.output


def test_cache_info_lists_stores_and_clear_removes_them(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(tmp_path / "c"))
    path = store_path(tiny_copy)
    runner = CliRunner()
    info = runner.invoke(cli, ["cache", "info", "--format", "json"])
    assert info.exit_code == 0
    data = json.loads(info.stdout)
    (store,) = data["stores"]
    assert (store["key"], store["problem"]) == (path.name, None)
    assert store["triples"] == len(open_store(tiny_copy).oxigraph)
    (path / "CURRENT").unlink()
    text = runner.invoke(cli, ["cache", "info"]).stdout
    assert f"store {path.name}: " in text and "damaged: CURRENT is missing" in text
    cleared = runner.invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed the stores in" in cleared.stderr
    assert not path.exists()
    assert runner.invoke(cli, ["cache", "info"]).stdout.endswith("0 stores; leftovers 0 bytes;"
                                                                  " 0 bytes in all\n")  # fmt: skip
