from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from pyoxigraph import RdfFormat, parse
from rdflib import Graph
from rdflib.compare import isomorphic

from fmgraph.errors import OutputError
from fmgraph.export import RDF_FORMATS, export_bytes, write_output
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


@pytest.mark.parametrize("extra", [None, _TRICKY])
def test_ntriples_sorted_as_lines_are_the_sorted_triples_serialized(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str | None
) -> None:
    """The fast N-Triples export (dump, sort lines) gives exactly the bytes of the general one."""
    from fmgraph import export
    from fmgraph.cache import open_store

    if extra:
        (tiny_copy / "tricky.nt").write_text(extra, encoding="utf-8")
    monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    store = open_store(tiny_copy)
    fast = export._sorted_ntriples(store)
    general = export.rdf_bytes(export.canonical_triples(store.triples()), RDF_FORMATS["ntriples"])
    assert fast is not None and fast == general
    assert export_bytes(store, "ntriples") == fast


def test_blank_nodes_of_rdf_files_are_named_canonically(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two builds label the blank nodes of an RDF file at random; exports are still equal."""
    from fmgraph.cache import open_store

    (tiny_copy / "extra.nt").write_text(
        '_:x <https://example.org/p> "1" .\n_:x <https://example.org/q> _:y .\n'
        '_:y <https://example.org/p> "2" .\n'
    )
    exports = []
    for build in ("a", "b"):
        monkeypatch.setenv("FMGRAPH_CACHE_DIR", str(tmp_path / build))
        exports.append(export_bytes(open_store(tiny_copy), "ntriples"))
    assert exports[0] == exports[1]
    assert b"_:c14n1 <https://example.org/q> _:c14n0 ." in exports[0]


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
