from __future__ import annotations

import json
import re

import pytest
from pyoxigraph import QuerySolutions, RdfFormat, parse

from fmgraph.errors import QueryError, UnknownName
from fmgraph.output import query_result
from fmgraph.query import bundled_queries, bundled_query, run_query
from fmgraph.readonly import check_read_only
from fmgraph.store import LocalStore
from fmgraph.vocab import concept_iri


@pytest.mark.parametrize(
    ("sparql", "message"),
    [
        ("INSERT DATA { <a:b> <a:c> <a:d> }", "SPARQL Update (INSERT) is refused"),
        ("DELETE WHERE { ?s ?p ?o }", "SPARQL Update (DELETE) is refused"),
        ("LOAD <http://example.org/data.ttl>", "LOAD is refused"),
        ("CLEAR ALL", "SPARQL Update (CLEAR) is refused"),
        ("DROP GRAPH <http://g>", "SPARQL Update (DROP) is refused"),
        ("SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("select * where { service silent <http://x/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://example.org/remote.ttl> WHERE { ?s ?p ?o }", "FROM <http"),
        ("SELECT * FROM NAMED <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM <file"),
    ],
)
def test_writes_and_remote_access_are_refused(sparql: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        check_read_only(sparql, graphs=[])


@pytest.mark.parametrize(
    "sparql",
    [
        'SELECT ?s WHERE { ?s dcterms:title "INSERT and DELETE and SERVICE" }',
        "SELECT ?s WHERE { ?s ?p ?o } # LOAD <http://x> in a comment",
        "SELECT ?service ?load WHERE { ?service fm:reading ?load }",
        "SELECT ?s WHERE { ?s <http://example.org/load#SERVICE> ?o }",
        "PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:insert ?o }",
    ],
)
def test_keywords_inside_strings_iris_comments_and_names_are_fine(sparql: str) -> None:
    check_read_only(sparql, graphs=[])


def test_from_a_graph_held_in_the_store_is_allowed() -> None:
    check_read_only("SELECT * FROM <https://example.org/g> WHERE { ?s ?p ?o }",
                    graphs=["https://example.org/g"])  # fmt: skip


def test_syntax_error_gives_line_and_column(tiny_store: LocalStore) -> None:
    with pytest.raises(QueryError, match=r"SPARQL syntax error at line 2, column \d+"):
        run_query(tiny_store, "SELECT ?s\nWHERE { ?s ?p }")


def test_predeclared_prefixes(tiny_store: LocalStore) -> None:
    result = run_query(tiny_store, "SELECT ?l WHERE { ?c a fm:Concept ; skos:prefLabel ?l }")
    assert isinstance(result, QuerySolutions)
    labels = sorted(s["l"].value for s in result)
    assert labels[0] == "Attention"
    assert len(labels) == 5


def test_select_as_sparql_json(tiny_store: LocalStore) -> None:
    sparql = "SELECT ?id WHERE { ?c dcterms:identifier ?id ; a fm:Session } ORDER BY ?id"
    doc = json.loads(query_result(run_query(tiny_store, sparql), "json"))
    assert doc["head"]["vars"] == ["id"]
    assert [b["id"]["value"] for b in doc["results"]["bindings"]] == ["T-1", "T-2"]


def test_select_as_table_csv_and_tsv(tiny_store: LocalStore) -> None:
    sparql = "SELECT ?id WHERE { ?c dcterms:identifier ?id ; a fm:Session } ORDER BY ?id"
    assert query_result(run_query(tiny_store, sparql), "table").decode() == (
        "id\n---\nT-1\nT-2\n(2 rows)\n"
    )
    assert query_result(run_query(tiny_store, sparql), "csv").decode() == "id\r\nT-1\r\nT-2\r\n"
    assert query_result(run_query(tiny_store, sparql), "tsv").decode() == '?id\n"T-1"\n"T-2"\n'


def test_ask_and_construct(tiny_store: LocalStore) -> None:
    assert query_result(run_query(tiny_store, "ASK { ?s a fm:Concept }"), "table") == b"true\n"
    ask_json = json.loads(query_result(run_query(tiny_store, "ASK { ?s a fm:Nothing }"), "json"))
    assert ask_json["boolean"] is False
    ttl = query_result(
        run_query(tiny_store, "CONSTRUCT { ?c fm:requires ?p } WHERE { ?c fm:requires ?p }"),
        "table",
    ).decode()
    assert ttl.startswith("@prefix")
    parsed = {(t.subject.value, t.object.value) for t in parse(ttl.encode(), RdfFormat.TURTLE)}
    assert (concept_iri("dpo"), concept_iri("rlhf")) in parsed
    assert len(parsed) == 5


def test_turtle_format_is_for_graph_results_only(tiny_store: LocalStore) -> None:
    with pytest.raises(QueryError, match="--format turtle is for CONSTRUCT"):
        query_result(run_query(tiny_store, "SELECT * WHERE { ?s ?p ?o } LIMIT 1"), "turtle")


def test_every_bundled_query_runs_and_is_described(bundled_store: LocalStore) -> None:
    queries = bundled_queries()
    assert len(queries) >= 5
    for q in queries:
        assert q.description and not q.description.startswith("#")
        result = run_query(bundled_store, q.sparql)
        assert isinstance(result, QuerySolutions), q.name
        rows = list(result)
        assert rows, f"bundled query {q.name} returned nothing"


def test_unknown_bundled_query_lists_the_others() -> None:
    with pytest.raises(UnknownName, match="readings-per-session"):
        bundled_query("readings-per-sesion")


def test_sparql_literal_escapes_quotes_backslashes_and_newlines(tiny_store: LocalStore) -> None:
    from fmgraph.query import sparql_literal

    text = 'a "quoted" \\ back\nslash'
    result = run_query(tiny_store, f"SELECT (STR({sparql_literal(text)}) AS ?v) WHERE {{}}")
    assert isinstance(result, QuerySolutions)
    assert next(iter(result))["v"].value == text
