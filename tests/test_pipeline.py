"""Building a store: literals the engine cannot read back are refused at build time, with
file and line, and SHACL reads big literals without a quadratic round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import fmgraph.pipeline as pipeline
from fmgraph.cache import store_path
from fmgraph.cli import cli
from fmgraph.errors import DataError

BIG = pipeline.MAX_LITERAL_BYTES + 1


def _problem(data: Path) -> str:
    with pytest.raises(DataError) as info:
        store_path(data)
    (problem,) = info.value.problems
    return str(problem)


def test_a_big_yaml_literal_is_refused_with_file_line_and_entry(tiny_copy: Path) -> None:
    path = tiny_copy / "course.yaml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "    definition: Training small low-rank updates beside frozen weights.",
            f"    definition: {'x' * BIG}",
        )
    )
    problem = _problem(tiny_copy)
    line = text[: text.index("  - id: lora")].count("\n") + 1
    assert problem.startswith(f"{path}:{line}: concept 'lora': a literal of 8.0 MiB")
    assert "the limit is 8 MiB" in problem


def test_a_big_n_triples_literal_is_refused_with_its_line(tiny_copy: Path) -> None:
    lines = [f'<https://example.org/s{i}> <https://example.org/p> "{i}" .' for i in range(3)]
    lines.append(f'<https://example.org/big> <https://example.org/p> "{"y" * BIG}" .')
    (tiny_copy / "big.nt").write_text("\n".join(lines) + "\n")
    assert _problem(tiny_copy).startswith(f"{tiny_copy / 'big.nt'}:4: a literal of 8.0 MiB")


@pytest.mark.parametrize("size", [BIG, 17 * 1024 * 1024], ids=["over-the-limit", "over-16MiB"])
def test_a_big_turtle_literal_is_refused_naming_the_file(tiny_copy: Path, size: int) -> None:
    (tiny_copy / "big.ttl").write_text(
        f'<https://example.org/big> <https://example.org/p> """{"z" * size}""" .\n'
    )
    problem = _problem(tiny_copy)
    assert problem.startswith(f"{tiny_copy / 'big.ttl'}:") and "MiB" in problem
    result = CliRunner().invoke(cli, ["--data", str(tiny_copy), "validate"])
    assert "big.ttl" in result.stdout and "Traceback" not in result.output


def test_a_literal_at_the_limit_builds_and_reads_back(tiny_copy: Path) -> None:
    from fmgraph.cache import open_store
    from fmgraph.query import run_query

    value = "w" * (pipeline.MAX_LITERAL_BYTES - 100)
    (tiny_copy / "ok.nt").write_text(
        f'<https://example.org/ok> <https://example.org/p> "{value}" .\n'
    )
    store = open_store(tiny_copy)
    (row,) = list(run_query(store, "SELECT ?o WHERE { <https://example.org/ok> ?p ?o }"))  # type: ignore[arg-type]
    assert len(row["o"].value) == len(value)


def test_shacl_reads_triples_as_terms_not_through_rdflibs_n_triples_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pyoxigraph import Literal, NamedNode, Triple
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from fmgraph.export import rdf_bytes
    from fmgraph.validate import rdflib_graph

    s, p = NamedNode("https://example.org/s"), NamedNode("https://example.org/p")
    triples = [
        Triple(s, p, Literal("v" * 2_000_000)),
        Triple(s, p, Literal("chat", language="fr")),
        Triple(
            s, p, Literal("2024-01-02", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#date"))
        ),
        Triple(s, p, NamedNode("https://example.org/o")),
    ]
    from pyoxigraph import RdfFormat

    expected = Graph().parse(data=rdf_bytes(triples, RdfFormat.N_TRIPLES), format="nt")
    parse = Graph.parse

    def no_n_triples(self: Graph, *args: object, **kwargs: object) -> Graph:
        if kwargs.get("format") == "nt":
            raise AssertionError("SHACL data must not go through rdflib's N-Triples parser")
        return parse(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Graph, "parse", no_n_triples)
    assert isomorphic(rdflib_graph(triples), expected)
