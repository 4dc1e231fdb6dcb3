from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions

from fmgraph.cache import cache_dir, open_store, store_path
from fmgraph.errors import DataError
from fmgraph.store import SNAPSHOT


def _count(store_dir: Path) -> int:
    from fmgraph.store import LocalStore

    return len(LocalStore(store_dir).oxigraph)


def test_store_lives_in_the_cache_not_the_package(tiny_copy: Path) -> None:
    path = store_path(tiny_copy)
    assert path.is_relative_to(cache_dir())
    assert not path.is_relative_to(Path(__file__).parents[1] / "src")


def test_unchanged_data_reuses_the_store(tiny_copy: Path) -> None:
    first = store_path(tiny_copy)
    mtime = (first / "CURRENT").stat().st_mtime_ns
    assert store_path(tiny_copy) == first
    assert (first / "CURRENT").stat().st_mtime_ns == mtime


def test_changed_data_rebuilds_so_the_store_is_never_stale(tiny_copy: Path) -> None:
    before = open_store(tiny_copy)
    ask = 'ASK { ?c skos:prefLabel "Brand new concept" }'
    from fmgraph.query import run_query

    assert not bool(run_query(before, ask))
    path = tiny_copy / "course.yaml"
    path.write_text(
        path.read_text().replace(
            "  - id: lora\n",
            "  - id: brand-new\n    label: Brand new concept\n    definition: d\n"
            "    topic: basics\n  - id: lora\n",
        )
    )
    after = open_store(tiny_copy)
    assert after.path != before.path
    assert bool(run_query(after, ask))


def test_same_content_elsewhere_shares_one_store(tiny_copy: Path, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "elsewhere"
    shutil.copytree(tiny_copy, other)
    assert store_path(other) == store_path(tiny_copy)


def test_failed_build_leaves_the_previous_store_as_it_was(tiny_copy: Path) -> None:
    good = store_path(tiny_copy)
    triples = _count(good)
    stores = sorted(p.name for p in good.parent.iterdir())
    path = tiny_copy / "course.yaml"
    path.write_text(path.read_text().replace("topic: align", "topic: nowhere", 1))
    with pytest.raises(DataError, match="topic 'nowhere' is not defined"):
        store_path(tiny_copy)
    assert sorted(p.name for p in good.parent.iterdir()) == stores  # no half-built store left
    assert _count(good) == triples


def test_rdf_files_in_the_data_directory_are_loaded_as_they_are(tiny_copy: Path) -> None:
    (tiny_copy / "extra.nt").write_text(
        '<https://example.org/x> <http://purl.org/dc/terms/title> "Loaded as is" .\n'
    )
    from fmgraph.query import run_query

    store = open_store(tiny_copy)
    assert bool(run_query(store, 'ASK { <https://example.org/x> dcterms:title "Loaded as is" }'))


def test_bad_rdf_file_is_a_data_error_naming_the_file(tiny_copy: Path) -> None:
    (tiny_copy / "broken.ttl").write_text("@prefix ex: <https://example.org/> .\nex:a ex:b .\n")
    with pytest.raises(DataError) as info:
        store_path(tiny_copy)
    assert "broken.ttl" in str(info.value)


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("FMGRAPH_CACHE_DIR")
    assert "fmgraph" in str(cache_dir())
    assert os.fspath(cache_dir()) != os.fspath(tmp_path / "c")


def test_large_catalog_streams_without_shacl_and_reports_progress(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.pipeline as store_module
    import fmgraph.validate

    def no_shacl(*args: object) -> list[object]:
        raise AssertionError("SHACL must not run over the limit")

    monkeypatch.setattr(store_module, "SHACL_BUILD_LIMIT", 10)
    monkeypatch.setattr(fmgraph.validate, "shacl_problems", no_shacl)
    with (tiny_copy / "course.yaml").open("a") as f:
        f.write("# a comment makes this content, and so its store, new\n")
    messages: list[str] = []
    path = store_path(tiny_copy, progress=messages.append)
    assert any("SHACL is left to `fmgraph validate`" in m for m in messages)
    assert messages[-1].startswith("built ") and "(161 from YAML)" in messages[-1]
    assert _count(path) > 161


def _nt_lines(count: int, subject: str = "<https://example.org/s{i}>") -> list[str]:
    return [f'{subject.format(i=i)} <https://example.org/p> "{i}" .' for i in range(count)]


@pytest.mark.parametrize(
    ("subject", "subjects"),
    [("_:b", 1),  # parsed whole, so one blank node across batches
     ("<https://example.org/s{i}>", 7)],  # bulk-loaded a batch of lines at a time
)  # fmt: skip
def test_rdf_files_load_in_batches_beside_the_yaml(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch, subject: str, subjects: int
) -> None:
    import fmgraph.pipeline as store_module
    from fmgraph.query import run_query

    monkeypatch.setattr(store_module, "BULK_BATCH", 2)
    (tiny_copy / "extra.nt").write_text("\n".join(_nt_lines(7, subject)) + "\n")
    messages: list[str] = []
    store = open_store(tiny_copy, progress=messages.append)
    result = run_query(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) (COUNT(*) AS ?t) "
                              "WHERE { ?s <https://example.org/p> ?o }")  # fmt: skip
    assert isinstance(result, QuerySolutions)
    (row,) = list(result)
    assert (row["n"].value, row["t"].value) == (str(subjects), "7")
    assert "loaded 1 RDF file" in messages


def test_a_large_store_is_compacted_and_opened_from_its_database(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.pipeline as store_module
    from fmgraph.paths import find_path

    monkeypatch.setattr(store_module, "SNAPSHOT_LIMIT", 10)
    with (tiny_copy / "course.yaml").open("a") as f:
        f.write("# new content, so a new store\n")
    messages: list[str] = []
    path = store_path(tiny_copy, progress=messages.append)
    assert "compacting the store" in messages
    assert not (path / SNAPSHOT).exists()
    steps = find_path(open_store(tiny_copy), "attention", "dpo").chains[0].steps
    assert [s.id for s in steps] == ["attention", "transformer", "dpo"]


def test_a_syntax_error_in_a_later_batch_names_its_line_in_the_file(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.pipeline as store_module

    monkeypatch.setattr(store_module, "BULK_BATCH", 2)
    lines = _nt_lines(7)
    lines[4] = "<https://example.org/s4> <https://example.org/p> oops ."
    (tiny_copy / "broken.nt").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        store_path(tiny_copy)
    (problem,) = info.value.problems
    assert (Path(problem.file).name, problem.line) == ("broken.nt", 5)
    assert "at line 5 " in problem.message


def test_bad_yaml_fails_the_build_while_rdf_files_load_and_leaves_no_store(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fmgraph.pipeline as store_module

    monkeypatch.setattr(store_module, "BULK_BATCH", 1)
    (tiny_copy / "plain.nt").write_text("\n".join(_nt_lines(500)) + "\n")
    (tiny_copy / "course.yaml").write_text("concepts: [\n")
    stores = cache_dir() / "stores"
    before = sorted(stores.iterdir()) if stores.is_dir() else []
    with pytest.raises(DataError, match=r"course\.yaml"):
        store_path(tiny_copy)
    assert (sorted(stores.iterdir()) if stores.is_dir() else []) == before


def test_the_database_is_closed_before_it_is_renamed_into_place(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open database renamed under its writer could still be written after readers see it."""
    from pyoxigraph import Store

    (tiny_copy / "plain.nt").write_text('<https://example.org/s> <https://example.org/p> "1" .\n')
    rename = Path.rename
    opened: list[Path] = []

    def rename_if_closed(self: Path, target: Path) -> Path:
        if (self / "CURRENT").is_file():
            Store(str(self))  # RocksDB refuses a second opening while the first is open
            opened.append(self)
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", rename_if_closed)
    store_path(tiny_copy)
    assert opened


class _Facade:
    """A GraphStore that is only the interface: no `.oxigraph` to reach into."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        if name not in ("query", "triples", "named_graphs", "dump"):
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_export_and_serve_use_only_the_store_interface(tiny_store: object) -> None:
    from fmgraph.export import export_bytes
    from fmgraph.serve import Request, answer

    facade = _Facade(tiny_store)
    for fmt in ("ntriples", "turtle"):
        assert export_bytes(facade, fmt) == export_bytes(tiny_store, fmt)  # type: ignore[arg-type]
    request = Request("SELECT ?s WHERE { ?s a fm:Concept } ORDER BY ?s", "text/csv")
    via_facade = answer(facade, request, 100)  # type: ignore[arg-type]
    assert via_facade == answer(tiny_store, request, 100)  # type: ignore[arg-type]
    assert via_facade.status == 200 and via_facade.body.count(b"\n") == 6
