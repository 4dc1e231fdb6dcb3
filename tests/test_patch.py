"""Patching a kept store after an edit gives the store a full build gives, and only then.

The bundled course is small, so the limits under which a store is built whole (the SHACL check
at build time, the snapshot) are lowered here; each test builds the base store, edits the
data, builds again, and compares the patched store with a full build of the same files in a
cache of its own, triple for triple.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Store

import fmgraph.patch
import fmgraph.pipeline
from fmgraph.cache import damage, read_manifest, store_path
from fmgraph.catalogfile import (
    CATALOG,
    by_file,
    catalog_entries,
    kept_text,
    read_catalog,
    write_catalog,
)
from fmgraph.errors import DataError
from fmgraph.loader import load_catalog
from fmgraph.resources import data_dir as bundled_data

Edit = Callable[[Path], object]


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled course, with limits low enough for its store to be patched."""
    monkeypatch.setattr(fmgraph.pipeline, "SHACL_BUILD_LIMIT", 10)
    monkeypatch.setattr(fmgraph.patch, "SHACL_BUILD_LIMIT", 10)
    monkeypatch.setattr(fmgraph.pipeline, "SNAPSHOT_LIMIT", 10)
    target = tmp_path / "course"
    shutil.copytree(bundled_data(), target)
    return target


def _build(data: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(cache))
    messages: list[str] = []
    return store_path(data, messages.append), messages


def _assert_as_full_build(
    path: Path, course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Check that the store at ``path`` holds what a full build of ``course`` holds; the
    full build's store."""
    full, messages = _build(course, tmp_path / "fresh", monkeypatch)
    assert not any(m.startswith("patching") for m in messages)
    assert _quads(path) == _quads(full)
    return full


def _quads(path: Path) -> list[str]:
    store = Store.read_only(str(path))
    try:
        return sorted(str(q) for q in store)
    finally:
        del store


def _replace(name: str, old: str, new: str, count: int = 1) -> Edit:
    def edit(data: Path) -> None:
        text = (data / name).read_text()
        assert text.count(old) >= count, f"{old!r} not in {name}"
        (data / name).write_text(text.replace(old, new, count))

    return edit


def _append(name: str, text: str) -> Edit:
    def edit(data: Path) -> None:
        with (data / name).open("a") as f:
            f.write(text)

    return edit


NEW_CONCEPT = """
  - id: patch-test-concept
    label: Patch test concept
    definition: A concept added by an edit, with a prerequisite and an alias.
    topic: alignment
    aliases: [PTC]
    requires:
      - concept: rlhf
        reason: The test says so.
"""

EDITS: dict[str, Edit] = {
    "a definition changes": _replace(
        "concepts.yaml", "definition: ", "definition: Edited. ", count=1
    ),
    "a concept is added": _append("concepts.yaml", NEW_CONCEPT),
    "a session leaves its collection": _replace(
        "sessions.yaml", "    collection: FMBasic\n", "", count=1
    ),
    "a session joins a new collection": _replace(
        "sessions.yaml", "collection: FMBasic", "collection: Patched", count=1
    ),
    "every session leaves its collection": lambda data: (data / "sessions.yaml").write_text(
        (data / "sessions.yaml").read_text().replace("    collection: FMBasic\n", "")
    ),
    "a reading list is reordered": lambda data: _swap_readings(data / "sessions.yaml"),
    "a new YAML file": lambda data: (data / "more.yaml").write_text(
        "concepts:" + NEW_CONCEPT.replace("patch-test-concept", "another-test-concept")
    ),
    "a comment only": _append("works.yaml", "# nothing but a comment\n"),
}


def _swap_readings(path: Path) -> None:
    text = path.read_text()
    first = "      - arxiv-2402.00838        # OLMo\n"
    second = "      - arxiv-2401.04088        # Mixtral of Experts\n"
    assert first + second in text
    path.write_text(text.replace(first + second, second + first, 1))


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_patched_store_holds_what_a_full_build_holds(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Edit
) -> None:
    base, _ = _build(course, tmp_path / "cache", monkeypatch)
    before = _quads(base)
    edit(course)
    patched, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert any(m.startswith("patching the store") for m in messages), messages
    assert patched != base
    full = _assert_as_full_build(patched, course, tmp_path, monkeypatch)
    assert read_manifest(patched)["triples"] == read_manifest(full)["triples"]
    assert _quads(base) == before and damage(base, base.name) is None  # the base is untouched
    # the patched store keeps its catalog too, so the next edit patches it in turn
    assert read_catalog(patched, course).entries == read_catalog(full, course).entries


def test_edits_in_a_row_patch_the_last_store(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(course, tmp_path / "cache", monkeypatch)
    for edit in EDITS.values():
        edit(course)
        patched, messages = _build(course, tmp_path / "cache", monkeypatch)
        assert any(m.startswith("patching the store") for m in messages)
    _assert_as_full_build(patched, course, tmp_path, monkeypatch)


def test_a_removed_yaml_file_takes_its_statements_along(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (course / "more.yaml").write_text("concepts:" + NEW_CONCEPT)
    _build(course, tmp_path / "cache", monkeypatch)
    (course / "more.yaml").unlink()
    patched, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert any("more.yaml changed" in m for m in messages)
    _assert_as_full_build(patched, course, tmp_path, monkeypatch)
    assert not any("patch-test-concept" in q for q in _quads(patched))


RDF_STATEMENT = {
    ".nt": '<{s}> <http://purl.org/dc/terms/description> "{d}" .\n',
    ".nq": '<{s}> <http://purl.org/dc/terms/description> "{d}" .\n',
    ".ttl": '<{s}> <http://purl.org/dc/terms/description> "{d}" .\n',
}


@pytest.mark.parametrize(
    ("suffix", "escaped"), [(".nt", False), (".nt", True), (".nq", False), (".ttl", False)]
)
def test_a_statement_an_rdf_file_also_makes_stays(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, escaped: bool
) -> None:
    """A work's description in YAML is also stated by an RDF file; taking it out of the YAML
    leaves the triple in the graph, as a full build would."""
    from fmgraph.vocab import work_iri

    catalog = load_catalog(course)
    text = (course / "works.yaml").read_text()
    work = next(  # a description written on one plain line, so the edit can drop that line
        w for w in catalog.works.values()
        if w.description and '"' not in w.description and f"description: {w.description}\n" in text
    )  # fmt: skip
    assert work.description is not None
    line = RDF_STATEMENT[suffix].format(s=work_iri(work.id), d=work.description)
    if escaped:  # an IRI may be written with \u escapes: the file is then parsed whole
        line = line.replace("<http://purl", "<http\\u003A//purl")
    filler = "<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"
    (course / f"extra{suffix}").write_text(filler + line + filler.replace("/c>", "/d>"))
    _build(course, tmp_path / "cache", monkeypatch)
    (course / "works.yaml").write_text(text.replace(f"description: {work.description}", "", 1))
    patched, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert any(m.startswith("patching the store") for m in messages)
    _assert_as_full_build(patched, course, tmp_path, monkeypatch)
    assert any(work.description in q for q in _quads(patched))


def test_an_rdf_file_that_changed_is_built_from_scratch(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    triple = "<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"
    (course / "extra.nt").write_text(triple)
    _build(course, tmp_path / "cache", monkeypatch)
    (course / "extra.nt").write_text(triple.replace("/c>", "/d>"))
    (course / "concepts.yaml").write_text((course / "concepts.yaml").read_text() + "\n")
    rebuilt, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert not any(m.startswith("patching") for m in messages)
    _assert_as_full_build(rebuilt, course, tmp_path, monkeypatch)


def test_bad_data_in_the_changed_file_fails_as_a_full_build_does(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = _build(course, tmp_path / "cache", monkeypatch)
    listing = sorted(os.listdir(tmp_path / "cache" / "stores"))
    _replace("concepts.yaml", "topic: alignment", "topic: no-such-topic")(course)
    _append("sessions.yaml", "  - code: X\n    title: A session\n    required: [nowhere]\n")(course)
    with pytest.raises(DataError) as patched:
        _build(course, tmp_path / "cache", monkeypatch)
    with pytest.raises(DataError) as full:
        _build(course, tmp_path / "fresh", monkeypatch)
    assert [str(p) for p in patched.value.problems] == [str(p) for p in full.value.problems]
    assert len(patched.value.problems) == 2
    assert sorted(os.listdir(tmp_path / "cache" / "stores")) == listing  # nothing left behind
    assert damage(base, base.name) is None


def test_a_failed_patch_leaves_every_store_as_it_was(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = _build(course, tmp_path / "cache", monkeypatch)
    before = _quads(base)
    listing = sorted(os.listdir(tmp_path / "cache" / "stores"))
    EDITS["a concept is added"](course)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fmgraph.patch, "keep_snapshot", disk_full)
    messages: list[str] = []
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    path = store_path(course, messages.append)  # answers from a temporary store instead
    assert any("cannot use the cache directory" in m for m in messages)
    assert sorted(os.listdir(tmp_path / "cache" / "stores")) == listing
    assert _quads(base) == before and damage(base, base.name) is None
    assert any("patch-test-concept" in q for q in _quads(path))


def test_a_damaged_catalog_means_a_full_build(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = _build(course, tmp_path / "cache", monkeypatch)
    kept = base / CATALOG
    os.chmod(base, 0o755)
    kept.write_text(kept.read_text().replace('"format": "1"', '"format": "0"'))
    EDITS["a concept is added"](course)
    rebuilt, messages = _build(course, tmp_path / "cache", monkeypatch)
    # the damaged store is not a base (its manifest no longer matches), so no patch is tried
    assert not any(m.startswith("patching") for m in messages)
    _assert_as_full_build(rebuilt, course, tmp_path, monkeypatch)


def test_an_unreadable_catalog_is_declined(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmgraph.patch import CannotPatch, patch_store

    base, _ = _build(course, tmp_path / "cache", monkeypatch)
    copy = tmp_path / "copy"
    shutil.copytree(base, copy)
    (copy / CATALOG).write_text("{")
    (tmp_path / "target").mkdir()
    with pytest.raises(CannotPatch, match="cannot be read"):
        patch_store(copy, course, tmp_path / "target", {})


def test_small_catalogs_are_built_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the SHACL limit no catalog is kept, so no patch is tried: the SHACL check runs."""
    course = tmp_path / "course"
    shutil.copytree(bundled_data(), course)
    base, _ = _build(course, tmp_path / "cache", monkeypatch)
    assert not (base / CATALOG).exists()
    EDITS["a concept is added"](course)
    _, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert not any(m.startswith("patching") for m in messages)


def test_the_kept_catalog_reads_back_as_loaded(tmp_path: Path) -> None:
    catalog = load_catalog(bundled_data())
    entries = by_file(catalog_entries(catalog))
    digests = {name: bytes([i]) * 32 for i, name in enumerate(sorted(entries))}
    works = (bundled_data() / "works.yaml").read_bytes()
    digests["works.yaml"] = hashlib.sha256(works).digest()
    write_catalog(tmp_path, entries, digests, 1234, bundled_data())
    assert kept_text(tmp_path, digests["works.yaml"]) == works  # the text, when it matches
    assert kept_text(tmp_path, digests["topics.yaml"]) is None
    kept = read_catalog(tmp_path, bundled_data())
    assert kept.entries == entries
    sources = {n: {s: [e.source for e in t] for s, t in f.items()} for n, f in entries.items()}
    assert {n: {s: [e.source for e in t] for s, t in f.items()} for n, f in kept.entries.items()} \
        == sources  # fmt: skip
    assert kept.digests == digests and kept.statements == 1234


def test_without_hard_links_the_tables_are_copied(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = _build(course, tmp_path / "cache", monkeypatch)

    def no_links(*args: object) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    EDITS["a concept is added"](course)
    patched, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert any(m.startswith("patching the store") for m in messages)
    assert all(os.stat(p).st_nlink == 1 for p in patched.iterdir() if p.is_file())
    _assert_as_full_build(patched, course, tmp_path, monkeypatch)
    assert damage(base, base.name) is None


def test_an_old_store_pruned_during_the_copy_means_a_full_build(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmgraph.cache import BUILDING

    copy = fmgraph.patch._link_copy

    def pruned_meanwhile(base: Path, target: Path, names: list[str], also: set[str]) -> None:
        copy(base, target, names, also)  # everything is copied, then a file is found missing
        raise FileNotFoundError(2, "No such file or directory", str(base / "CURRENT"))

    _build(course, tmp_path / "cache", monkeypatch)
    monkeypatch.setattr(fmgraph.patch, "_link_copy", pruned_meanwhile)
    EDITS["a concept is added"](course)
    rebuilt, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert any("building from scratch: the old store went away" in m for m in messages)
    full = _assert_as_full_build(rebuilt, course, tmp_path, monkeypatch)
    assert sorted(p.name for p in rebuilt.iterdir()) == sorted(p.name for p in full.iterdir())
    assert not (rebuilt / BUILDING).exists()


@pytest.mark.parametrize(
    "edit",
    [
        _replace("concepts.yaml", "definition: ", "definition: Edited. ", count=1),
        lambda data: _swap_readings(data / "sessions.yaml"),
        _replace("works.yaml", "\n  - id: ", "\n  - id: inserted-work\n    title: New\n  - id: "),
    ],
    ids=["a definition", "a reading list", "a new work"],
)
def test_an_edit_inside_a_list_is_read_in_part(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Edit
) -> None:
    _build(course, tmp_path / "cache", monkeypatch)
    edit(course)
    patched, messages = _build(course, tmp_path / "cache", monkeypatch)
    assert any(m.startswith("patching the store") and "(read in part)" in m for m in messages)
    full = _assert_as_full_build(patched, course, tmp_path, monkeypatch)
    patched_catalog, full_catalog = read_catalog(patched, course), read_catalog(full, course)
    assert patched_catalog.entries == full_catalog.entries
    lines = {
        n: [e.source.line for s in f.values() for e in s] for n, f in full_catalog.entries.items()
    }
    assert {n: [e.source.line for s in f.values() for e in s]
            for n, f in patched_catalog.entries.items()} == lines  # fmt: skip
