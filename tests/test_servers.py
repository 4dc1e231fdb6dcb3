"""Differential tests against real SPARQL servers: Oxigraph, Virtuoso and rdflib-endpoint,
each started on 127.0.0.1 over a temporary database (see ``servers.py``). The bundled graph
is pushed into a named graph, then every read command run with ``--endpoint URL --graph IRI``
must print, byte for byte, what it prints over the embedded store."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
import servers
from click.testing import CliRunner

from fmgraph.cli import cli
from fmgraph.query import bundled_queries

GRAPH = "https://example.org/graphs/fmgraph"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.stdout_bytes, result.stderr


@functools.cache
def local(*args: str) -> tuple[int, bytes, str]:
    return run(*args)


@pytest.fixture(scope="module", params=list(servers.SERVERS))
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bundled_store: Any
) -> Iterator[servers.Server]:
    """A server holding the bundled graph in the named graph GRAPH, pushed in chunks."""
    start = servers.SERVERS[request.param]
    with start(tmp_path_factory.mktemp(request.param)) as running:
        args = ("push", *running.push_args, "--graph", GRAPH, "--chunk-size", "1000")
        code, _out, err = run(*args, env=running.push_env)
        assert code == 0, err
        total = len(list(bundled_store.triples()))
        assert "pushed 1,000 triples (1 request)\npushed 2,000 triples (2 requests)\n" in err
        assert err.endswith(f"pushed {total} triples to {err.rsplit(' to ', 1)[1]}")
        yield running


READS = [
    *(["query", "--name", q.name] for q in bundled_queries()),
    ["query", "--name", "readings-per-session", "--format", "json"],
    ["query", "--name", "works-read-twice", "--format", "csv"],
    ["query", "--name", "reasons", "--format", "tsv"],
    ["query", "ASK { ?l dcterms:identifier 'lora' ; fm:requires+/dcterms:identifier 'attention' }"],
    ["query", "--format", "json", "ASK { ?s fm:requires ?s }"],
    ["query", "CONSTRUCT { ?c fm:requires ?p } { ?c dcterms:identifier 'dpo' ; fm:requires ?p }"],
    ["query", "--format", "json",
     "SELECT ?t (COUNT(?c) AS ?n) { ?c fm:inTopic ?t } GROUP BY ?t ORDER BY ?t"],
    ["query", "SELECT ?d { ?s dcterms:date ?d } ORDER BY ?d LIMIT 3"],
    ["query", "SELECT (COUNT(*) AS ?n) { ?w a fm:Work }"],
    ["path", "rlhf", "dpo"],
    ["path", "transformer", "dpo", "--all"],
    ["path", "attention", "lora", "--format", "json"],
    ["path", "rlhf", "dpo", "--readings", "all", "--format", "json"],
    ["path", "dpo", "rlhf"],  # no chain: exit 1 and the same message
    ["path", "no-such-concept", "dpo"],  # unknown name: exit 2 and the same suggestions
    ["plan", "dpo"],
    ["plan", "lora", "--format", "json", "--readings", "1"],
    ["show", "dpo"],
    ["show", "2024-S5", "--format", "json"],
    ["show", "2305.18290"],
    ["stats"],
    ["stats", "--format", "json"],
    ["render", "-o", "-"],
    ["render", "-o", "-", "--focus", "dpo", "--depth", "2"],
    ["render", "-o", "-", "--path", "attention", "lora"],
    ["render", "-o", "-", "--concepts"],
    ["export"],
    ["export", "--format", "ntriples"],
    ["export", "--format", "jsonld"],
    ["export", "--format", "graphml"],
]  # fmt: skip


@pytest.mark.parametrize("args", READS, ids=[" ".join(a)[:60] for a in READS])
def test_every_read_command_answers_as_the_embedded_store(
    server: servers.Server, args: list[str]
) -> None:
    expected = local(*args)
    assert expected[0] in (0, 1, 2)
    assert run("--endpoint", server.query_url, "--graph", GRAPH, *args) == expected


def test_describe_is_the_servers_own_choice(server: servers.Server) -> None:
    """DESCRIBE answers are implementation-defined (Virtuoso adds incoming links), so they
    are compared with nothing; rdflib-endpoint 0.6 answers DESCRIBE with a results table,
    which is refused with a message rather than misread."""
    iri = "https://w3id.org/fmgraph/id/concept/dpo"
    args = ("--endpoint", server.query_url, "--graph", GRAPH, "query", f"DESCRIBE <{iri}>")
    code, out, err = run(*args)
    if server.name == "rdflib-endpoint":
        assert (code, out) == (5, b"")
        assert err.endswith(
            "answered with application/sparql-results+xml, not RDF; is it a query URL?\n"
        )
    else:
        assert code == 0, err
        assert b"\tfm:requires concept:bradley-terry-model , concept:fine-tuning ," in out


def test_pushing_again_replaces_the_graph(server: servers.Server, bundled_store: Any) -> None:
    args = ("push", *server.push_args, "--graph", GRAPH, "--chunk-size", "500")
    code, _out, err = run(*args, env=server.push_env)
    assert code == 0, err
    count = ["query", "--format", "csv", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"]
    code, out, _err = run("--endpoint", server.query_url, "--graph", GRAPH, *count)
    assert (code, out) == (0, f"n\r\n{len(list(bundled_store.triples()))}\r\n".encode())


def test_writing_needs_the_right_credentials(server: servers.Server) -> None:
    """Virtuoso asks for Digest, rdflib-endpoint for its key; Oxigraph asks for nothing."""
    args = ("push", *server.push_args, "--graph", "urn:x:other")
    wrong = {name: "wrong-secret" for name in server.push_env}
    for env in ({}, wrong):
        code, _out, err = run(*args, env=env)
        if server.push_env:
            assert code == 5, err
            assert "HTTP 40" in err
            assert "wrong-secret" not in err
            assert err.count("\n") == 1
        else:
            assert code == 0, err


def test_syntax_errors_read_as_locally_and_are_never_sent(server: servers.Server) -> None:
    bad = "SELECT ?x WHERE {\n  ?x fm:requires ?y"
    assert local("query", bad)[0] == 2
    assert run("--endpoint", server.query_url, "--graph", GRAPH, "query", bad) == local(
        "query", bad
    )


def test_from_the_graph_read_is_allowed(server: servers.Server) -> None:
    query = f"ASK FROM <{GRAPH}> {{ ?c a fm:Concept }}"
    assert run("--endpoint", server.query_url, "--graph", GRAPH, "query", query) == (
        0,
        b"true\n",
        "",
    )


def test_graph_needs_an_endpoint() -> None:
    code, _out, err = run("--graph", GRAPH, "stats")
    assert code == 2
    assert "--graph names a graph at the --endpoint server" in err


def test_graphs_made_elsewhere_read_the_same_through_virtuoso(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A SKOS thesaurus and a graph without identifiers, in tagged languages, pushed to
    Virtuoso: every read command answers as the embedded store of the same files."""
    from test_any_graph import NO_IDENTIFIERS, THESAURUS

    data = tmp_path_factory.mktemp("elsewhere-data")
    (data / "thesaurus.ttl").write_text(THESAURUS, encoding="utf-8")
    (data / "generated.ttl").write_text(NO_IDENTIFIERS, encoding="utf-8")
    with servers.virtuoso(tmp_path_factory.mktemp("virtuoso-elsewhere")) as server:
        args = ("--data", str(data), "push", *server.push_args, "--graph", GRAPH)
        code, _out, err = run(*args, env=server.push_env)
        assert code == 0, err
        remote = ("--endpoint", server.query_url, "--graph", GRAPH)
        for command in (
            ["stats", "--format", "json"],
            ["show", "réseau de neurones"],
            ["show", "language model", "--format", "json"],
            ["path", "self attention", "rlhf"],
            ["plan", "rlhf", "--format", "json"],
            ["render", "-o", "-"],
            ["export"],
            ["export", "--format", "graphml"],
        ):
            run("--data", str(data), *command)  # a first plan says it indexes the store
            expected = run("--data", str(data), *command)
            assert expected[0] == 0, expected[2]
            assert run(*remote, *command) == expected, command


def test_direct_post_reads_a_long_query_with_a_percent_right_on_rdflib_endpoint(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """rdflib-endpoint decodes a form-encoded body twice, so a long query (sent as a form POST)
    holding a % is misread; FMGRAPH_ENDPOINT_METHOD=direct, as docs/servers.md says, is not."""
    from fmgraph.remote import RemoteStore

    padding = "#" + "x" * 3000 + "\n"
    query = padding + 'SELECT ?x { BIND("50%25 off" AS ?x) }'
    with servers.rdflib_endpoint(tmp_path_factory.mktemp("rdflib-percent")) as server:
        result = RemoteStore(server.query_url, method="direct").query(query)
        assert [row["x"].value for row in result] == ["50%25 off"]  # type: ignore[union-attr]
