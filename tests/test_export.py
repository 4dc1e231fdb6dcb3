from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import networkx as nx
import pytest
from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Quad,
    RdfFormat,
    parse,
    serialize,
)
from rdflib import Graph
from rdflib.compare import isomorphic

from fmgraph.errors import OutputError
from fmgraph.export import EXPORT_PREFIXES, RDF_FORMATS, export_bytes, write_export, write_output
from fmgraph.store import LocalStore

RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


@pytest.fixture(scope="module")
def reference(bundled_store: LocalStore) -> Graph:
    """The store's triples, read back through rdflib from N-Triples."""
    return Graph().parse(data=export_bytes(bundled_store, "ntriples"), format="nt")


@pytest.mark.parametrize("fmt", list(RDF_FORMATS))
def test_every_rdf_format_round_trips_isomorphic(
    bundled_store: LocalStore, reference: Graph, fmt: str
) -> None:
    data = export_bytes(bundled_store, fmt)
    back = Graph().parse(data=data, format=RDFLIB_FORMATS[fmt])
    assert len(back) == len(reference) > 2000
    assert isomorphic(back, reference)


@pytest.mark.parametrize("fmt", ["turtle", "ntriples"])
def test_second_parser_counts_the_same_triples(
    bundled_store: LocalStore, reference: Graph, fmt: str
) -> None:
    data = export_bytes(bundled_store, fmt)
    oxi = RdfFormat.TURTLE if fmt == "turtle" else RdfFormat.N_TRIPLES
    assert len(list(parse(data, oxi))) == len(reference)


def test_rapper_agrees_on_the_turtle(
    bundled_store: LocalStore, reference: Graph, tmp_path: Path, rapper: str
) -> None:
    path = tmp_path / "g.ttl"
    path.write_bytes(export_bytes(bundled_store, "turtle"))
    done = subprocess.run([rapper, "-i", "turtle", "-c", str(path)], capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert f"returned {len(reference)} triples" in done.stderr


def test_turtle_uses_the_documented_prefixes(bundled_store: LocalStore) -> None:
    text = export_bytes(bundled_store, "turtle").decode()
    assert "@prefix fm: <https://w3id.org/fmgraph/vocab#> ." in text
    assert "concept:dpo " in text


_EXPORT_SCRIPT = """
import sys
from fmgraph.export import export_bytes
from fmgraph.resources import data_dir
from fmgraph.cache import open_store
sys.stdout.buffer.write(export_bytes(open_store(data_dir()), sys.argv[1]))
"""


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml", "graphml", "gexf"])
def test_exports_are_byte_identical_across_hash_seeds(fmt: str, _private_cache: Path) -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, FMGRAPH_CACHE_DIR=str(_private_cache))
        done = subprocess.run([sys.executable, "-c", _EXPORT_SCRIPT, fmt], env=env,
                              capture_output=True, check=True)  # fmt: skip
        outputs.add(done.stdout)
    assert len(outputs) == 1


_TRICKY = """\
<https://example.org/a> <https://example.org/p> "a" .
<https://example.org/a> <https://example.org/p> "a b" .
<https://example.org/a> <https://example.org/p> "a"@en .
<https://example.org/a> <https://example.org/p> "a"^^<https://example.org/t> .
<https://example.org/a> <https://example.org/p> "tab\\tand \\"quote\\" é \\u0001" .
<https://example.org/a> <https://example.org/p> <https://example.org/a/b> .
<https://example.org/a> <https://example.org/p> <https://example.org/a> .
<https://example.org/a/b> <https://example.org/p> "x" .
<https://example.org/ab> <https://example.org/pq> "x" .
<https://example.org/a> <https://example.org/pq> "x" .
"""


_BLANK = (
    "".join(  # a chain of 12 blank nodes: canonical labels c14n1 and c14n10 both occur
        f'_:n{i} <https://example.org/next> _:n{i + 1} .\n_:n{i} <https://example.org/p> "{i}" .\n'
        for i in range(11)
    )
    + "<https://example.org/a> <https://example.org/q> _:n0 .\n"
)
_LOOKS_BLANK = '<https://example.org/a> <https://example.org/p> "not _:a blank node" .\n'
_NAMED_GRAPH = (
    '<https://example.org/a> <https://example.org/p> "in a graph" <https://example.org/g> .\n'
)
_EXTRAS = {
    "none": None,
    "tricky": ("tricky.nt", _TRICKY),
    "blank": ("blank.nt", _BLANK),
    "looks-blank": ("looks.nt", _LOOKS_BLANK),
    "named-graph": ("graph.nq", _NAMED_GRAPH),
}


def _reference(store: LocalStore, fmt: str) -> bytes:
    """The export as first written: every triple a Python object, blank nodes renamed in a
    Dataset, sorted by the text of their terms, serialized at once."""
    found = list(store.triples())
    if any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode) for t in found):
        dataset = Dataset(Quad(t.subject, t.predicate, t.object) for t in found)
        dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
        found = [q.triple for q in dataset]
    found.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    data = serialize(found, format=RDF_FORMATS[fmt], prefixes=EXPORT_PREFIXES) or b""
    return data if data.endswith(b"\n") else data + b"\n"


def _store_with(
    tiny_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, extra: str
) -> LocalStore:
    from fmgraph.cache import open_store

    if (file := _EXTRAS[extra]) is not None:
        (tiny_copy / file[0]).write_text(file[1], encoding="utf-8")
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(cache))
    return open_store(tiny_copy)


@pytest.mark.parametrize("extra", list(_EXTRAS))
def test_streamed_exports_equal_the_sorted_triples_serialized_at_once(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str
) -> None:
    """Sorting N-Triples lines and streaming them through the serializer gives exactly the
    bytes of sorting the triples themselves and serializing them in one call."""
    store = _store_with(tiny_copy, tmp_path / "cache", monkeypatch, extra)
    for fmt in RDF_FORMATS:
        assert export_bytes(store, fmt) == _reference(store, fmt), fmt


@pytest.mark.parametrize("extra", ["none", "blank"])
def test_exports_sorted_in_many_runs_and_batches_are_the_same(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str
) -> None:
    """A graph larger than a run is sorted in runs merged from temporary files, and written
    a batch of lines at a time; the bytes do not change."""
    from fmgraph import export

    store = _store_with(tiny_copy, tmp_path / "cache", monkeypatch, extra)
    whole = {fmt: export_bytes(store, fmt) for fmt in RDF_FORMATS}
    monkeypatch.setattr(export, "RUN_BYTES", 4096)
    monkeypatch.setattr(export, "BATCH_LINES", 7)
    assert len(whole["ntriples"]) > 10 * export.RUN_BYTES  # so there are more than ten runs
    for fmt in RDF_FORMATS:
        assert export_bytes(store, fmt) == whole[fmt] == _reference(store, fmt), fmt


@pytest.mark.parametrize("extra", ["none", "blank"])
def test_exports_are_the_same_bytes_from_two_builds_and_round_trip(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str
) -> None:
    """Two builds label the blank nodes of an RDF file at random; every RDF export is still
    the same bytes, and reads back as the graph the store holds."""
    stores = [_store_with(tiny_copy, tmp_path / b, monkeypatch, extra) for b in ("a", "b")]
    source = Graph().parse(data="".join(f"{t} .\n" for t in stores[0].triples()), format="nt")
    assert len(source) > 300
    for fmt in RDF_FORMATS:
        first, second = (export_bytes(store, fmt) for store in stores)
        assert first == second, fmt
        back = Graph().parse(data=first, format=RDFLIB_FORMATS[fmt])
        assert len(back) == len(source) and isomorphic(back, source), fmt
    if extra == "blank":
        assert b"_:c14n10 <https://example.org/next> _:c14n" in export_bytes(stores[0], "ntriples")


def test_write_export_streams_what_export_bytes_gives(
    tiny_store: LocalStore, tmp_path: Path
) -> None:
    for fmt in RDF_FORMATS:
        target = tmp_path / f"g.{fmt}"
        size = write_export(tiny_store, fmt, str(target))
        assert target.read_bytes() == export_bytes(tiny_store, fmt)
        assert size == target.stat().st_size


def test_a_failed_streamed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.ttl"
    target.write_bytes(b"old")

    def half_then_fail(stream: BinaryIO) -> None:
        stream.write(b"half of a graph")
        raise ValueError("the serializer failed")

    with pytest.raises(ValueError, match="serializer failed"):
        write_output(half_then_fail, str(target))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_exports_open_in_gephi_readers(
    bundled_store: LocalStore, fmt: str, tmp_path: Path
) -> None:
    path = tmp_path / f"g.{fmt}"
    path.write_bytes(export_bytes(bundled_store, fmt))
    graph = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert kinds == {"session", "work", "concept", "topic"}
    for _, data in graph.nodes(data=True):
        assert all(isinstance(v, str | int | float) for v in data.values())
    relations = {d["relation"] for _, _, d in graph.edges(data=True)}
    assert {"requires", "requiredReading", "furtherReading", "introduces", "hasTopic"} <= relations


def test_write_is_atomic_and_keeps_the_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.ttl"
    write_output(b"old", str(target))
    assert target.read_bytes() == b"old"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="No space left on device"):
        write_output(b"new", str(target))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ttl"]  # no temporary file left behind


def test_unwritable_output_path(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write"):
        write_output(b"x", str(tmp_path / "missing-dir" / "out.ttl"))
