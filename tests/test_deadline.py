"""fmgraph query --timeout: a runaway query is stopped with a clear message and exit 6."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from fmgraph.cli import cli
from fmgraph.deadline import DEFAULT_QUERY_TIMEOUT, run_with_deadline
from fmgraph.errors import QueryError, QueryTimeout

CARTESIAN = "CONSTRUCT { ?a ?p ?z } WHERE { ?a ?p ?o . ?b ?q ?r . ?z ?x ?y }"


def test_a_runaway_query_is_stopped_with_exit_6(tiny_copy: Path) -> None:
    result = CliRunner().invoke(cli, ["--data", str(tiny_copy), "query", "--timeout", "0.5",
                                      CARTESIAN])  # fmt: skip
    assert result.exit_code == QueryTimeout.exit_code == 6
    assert result.stderr.splitlines()[-1] == (
        "Error: the query ran longer than 0.5 s and was stopped (--timeout sets the limit)"
    )
    assert result.stdout == ""


def test_the_default_timeout_is_generous_and_the_one_the_cli_uses() -> None:
    assert DEFAULT_QUERY_TIMEOUT >= 60
    (option,) = [p for p in cli.commands["query"].params if p.name == "timeout"]
    assert option.default == DEFAULT_QUERY_TIMEOUT


def test_an_answer_through_the_child_is_the_answer(tiny_store: object) -> None:
    from fmgraph import output
    from fmgraph.query import run_query

    sparql = "SELECT ?c ?l WHERE { ?c skos:prefLabel ?l } ORDER BY ?c"
    inline = output.query_result(run_query(tiny_store, sparql), "json")  # type: ignore[arg-type]
    forked = run_with_deadline(
        lambda: output.query_result(run_query(tiny_store, sparql), "json"),  # type: ignore[arg-type]
        30,
        "the query",
    )
    assert forked == inline


def test_an_error_in_the_child_keeps_its_message_and_exit_code(tiny_copy: Path) -> None:
    def refuse() -> bytes:
        raise QueryError("refused for a reason")

    try:
        run_with_deadline(refuse, 30, "the query")
    except QueryError as e:
        raise AssertionError("relayed errors are FmgraphError, not the child's class") from e
    except Exception as e:
        assert (str(e), e.exit_code) == ("refused for a reason", 2)  # type: ignore[attr-defined]
    result = CliRunner().invoke(
        cli, ["--data", str(tiny_copy), "query", "SELECT * WHERE { ?s ?p }"]
    )
    assert result.exit_code == 2 and "SPARQL syntax error at line 1" in result.stderr
