"""`fmgraph serve`, run as a real process on 127.0.0.1 and queried with SPARQLWrapper: every
result format, GET and POST, the refusals, the timeout, the row cap, CORS, the explorer page
and a clean Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import QueryResultsFormat, QuerySolutions, QueryTriples, RdfFormat
from rdflib import Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from fmgraph.export import rdf_bytes
from fmgraph.query import run_query
from fmgraph.serve import host_name, is_loopback, negotiate
from fmgraph.store import LocalStore

pytestmark = pytest.mark.server

MAX_ROWS = 100
TIMEOUT = 1
SESSIONS = """
SELECT ?code ?title ?date WHERE {
  ?s a fm:Session ; dcterms:identifier ?code ; dcterms:title ?title ; dcterms:date ?date
} ORDER BY ?code
"""
CONSTRUCT = """
CONSTRUCT { ?c skos:prefLabel ?label } WHERE {
  ?c a fm:Concept ; skos:prefLabel ?label ; fm:inTopic/dcterms:identifier "alignment" }
"""
# 2,552 triples cubed: hours of work, whatever the engine.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@contextmanager
def running_server(*options: str) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """`fmgraph serve --port 0 OPTIONS` on 127.0.0.1; yields its base URL, process and log."""
    import tempfile

    log = Path(tempfile.mkdtemp(prefix="fmgraph-serve-")) / "stderr.log"
    command = [sys.executable, "-c", "from fmgraph.cli import main; main()", "serve"]
    with log.open("wb") as stderr:
        process = subprocess.Popen([*command, "--port", "0", *options], stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(rb"http://127\.0\.0\.1:\d+/", log.read_bytes())):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"fmgraph serve did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield found.group().decode(), process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def server(bundled_store: LocalStore) -> Iterator[str]:
    """The base URL of one server for the module, with a 1 s timeout and a 100-row cap."""
    options = ("--timeout", str(TIMEOUT), "--max-rows", str(MAX_ROWS), "--workers", "3")
    with running_server(*options) as (url, _process, _log):
        yield url


def sparql(url: str, query: str, fmt: str, method: str = GET, request: str = URLENCODED) -> Any:
    client = SPARQLWrapper(url + "query")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    client.setRequestMethod(request)
    client.setTimeout(30)
    return client.query()


def http(url: str, method: str = "GET", data: bytes | None = None, **headers: str) -> Any:
    """(status, headers, body) of one plain request."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def local_bytes(store: Any, query: str, fmt: QueryResultsFormat) -> bytes:
    result = run_query(store, query)
    assert isinstance(result, QuerySolutions)
    data = result.serialize(format=fmt)
    assert data is not None
    return data


# ---------------------------------------------------------------------------------------------
# Result formats


@pytest.mark.parametrize(
    ("wrapper_format", "results_format"),
    [
        (JSON, QueryResultsFormat.JSON),
        (XML, QueryResultsFormat.XML),
        (CSV, QueryResultsFormat.CSV),
        (TSV, QueryResultsFormat.TSV),
    ],
)
def test_select_gives_each_results_format_byte_for_byte_as_the_embedded_store(
    server: str, bundled_store: Any, wrapper_format: str, results_format: QueryResultsFormat
) -> None:
    result = sparql(server, SESSIONS, wrapper_format)
    body = result.response.read()
    assert result.info()["content-type"] == results_format.media_type
    assert body == local_bytes(bundled_store, SESSIONS, results_format)
    assert result.info()["x-fmgraph-truncated"] == "false"


def test_select_json_converts_with_sparqlwrapper(server: str) -> None:
    rows = sparql(server, SESSIONS, JSON).convert()["results"]["bindings"]
    assert [r["code"]["value"] for r in rows] == [
        "2022-W4",
        "2022-W5",
        "2022-W6",
        "2024-S0",
        "2024-S1",
        "2024-S3",
        "2024-S5",
        "2024-S6",
    ]
    assert rows[0]["date"]["datatype"] == "http://www.w3.org/2001/XMLSchema#date"


def test_select_xml_converts_with_sparqlwrapper(server: str) -> None:
    document = sparql(server, SESSIONS, XML).convert()
    assert len(document.getElementsByTagName("result")) == 8


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_answers_true_and_false(server: str, fmt: str) -> None:
    yes = sparql(server, "ASK { ?c dcterms:identifier 'dpo' }", fmt)
    no = sparql(server, "ASK { ?c dcterms:identifier 'no-such-thing' }", fmt)
    if fmt == JSON:
        assert (yes.convert()["boolean"], no.convert()["boolean"]) == (True, False)
    else:
        texts = [r.convert().getElementsByTagName("boolean")[0].firstChild.data for r in (yes, no)]
        assert texts == ["true", "false"]


@pytest.mark.parametrize(
    ("wrapper_format", "media_type", "rdflib_format"),
    [
        (TURTLE, "text/turtle", "turtle"),
        (N3, "text/turtle", "turtle"),
        (XML, "application/rdf+xml", "xml"),
        (JSONLD, "application/ld+json", "json-ld"),
    ],
)
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_construct_gives_rdf_isomorphic_to_the_embedded_store(
    server: str, bundled_store: Any, wrapper_format: str, media_type: str, rdflib_format: str
) -> None:
    result = sparql(server, CONSTRUCT, wrapper_format)
    assert result.info()["content-type"] == media_type
    remote = Graph().parse(data=result.response.read(), format=rdflib_format)
    triples = run_query(bundled_store, CONSTRUCT)
    assert isinstance(triples, QueryTriples)
    local = rdf_bytes(triples, RdfFormat.N_TRIPLES)
    assert len(remote) == 11
    assert result.info()["x-fmgraph-truncated"] == "false"
    assert isomorphic(remote, Graph().parse(data=local, format="nt"))


def test_construct_as_n_triples_by_accept_header(server: str) -> None:
    query = "CONSTRUCT WHERE { ?c dcterms:identifier 'dpo' }"
    url = f"{server}query?query={urllib.parse.quote(query)}"
    status, headers, body = http(url, Accept="application/n-triples")
    assert (status, headers["content-type"]) == (200, "application/n-triples")
    dpo = b"<https://w3id.org/fmgraph/id/concept/dpo>"
    assert body == dpo + b' <http://purl.org/dc/terms/identifier> "dpo" .\n'


@pytest.mark.parametrize(
    ("method", "request_method"), [(GET, URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]
)
def test_get_and_both_kinds_of_post_give_the_same_answer(
    server: str, bundled_store: Any, method: str, request_method: str
) -> None:
    result = sparql(server, SESSIONS, JSON, method, request_method)
    assert result.response.read() == local_bytes(bundled_store, SESSIONS, QueryResultsFormat.JSON)


def test_unacceptable_format_is_406(server: str) -> None:
    status, _headers, body = http(f"{server}query?query=ASK%7B%7D", Accept="image/png")
    assert status == 406
    assert b"application/sparql-results+json" in body


def test_syntax_error_is_400_with_line_and_column(server: str) -> None:
    with pytest.raises(QueryBadFormed, match="SPARQL syntax error: error at 1:26"):
        sparql(server, "SELECT ?s WHERE { ?s ?p }", JSON)


def test_unclosed_bracket_is_400_before_the_engine(server: str) -> None:
    with pytest.raises(QueryBadFormed, match=r"line 1, column 17: '\{' is never closed"):
        sparql(server, "SELECT ?s WHERE { ?s ?p", JSON)


# ---------------------------------------------------------------------------------------------
# Refusals


def _refused(call: Any) -> tuple[int, str]:
    with pytest.raises(urllib.error.HTTPError) as caught:
        call()
    return caught.value.code, caught.value.read().decode()


def test_update_through_sparqlwrapper_is_403(server: str) -> None:
    status, body = _refused(
        lambda: sparql(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", JSON, POST)
    )
    assert (status, body) == (403, "SPARQL Update is refused: this endpoint is read-only\n")
    assert sparql(server, "ASK { <urn:a> ?p ?o }", JSON).convert()["boolean"] is False


@pytest.mark.parametrize("path", ["query", "update"])
def test_update_posted_as_sparql_update_is_403(server: str, path: str) -> None:
    data = b"DELETE WHERE { ?s ?p ?o }"
    status, _headers, body = http(
        server + path, "POST", data, **{"Content-Type": "application/sparql-update"}
    )
    assert status == 403, body


def test_load_is_403_as_an_update_and_as_a_query(server: str) -> None:
    load = "LOAD <http://127.0.0.1:9/x.ttl>"
    assert _refused(lambda: sparql(server, load, JSON, POST))[0] == 403
    status, _headers, body = http(f"{server}query?query={urllib.parse.quote(load)}")
    assert status == 403
    assert body == b"LOAD is refused: the store is read-only and never fetches data\n"


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    seen: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_error(500)

        do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/sparql", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_service_is_403_and_nothing_is_fetched(
    server: str, recorder: tuple[str, list[str]]
) -> None:
    elsewhere, seen = recorder
    query = f"SELECT * WHERE {{ SERVICE <{elsewhere}> {{ ?s ?p ?o }} }}"
    status, body = _refused(lambda: sparql(server, query, JSON))
    assert status == 403
    assert "SERVICE is refused" in body
    assert seen == []


def test_graph_outside_the_store_is_403(server: str) -> None:
    query = "SELECT * FROM <http://127.0.0.1:9/g.ttl> WHERE { ?s ?p ?o }"
    assert _refused(lambda: sparql(server, query, JSON))[0] == 403
    url = f"{server}query?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2F127.0.0.1%3A9%2Fg"
    assert http(url)[0] == 403


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(server: str, method: str) -> None:
    status, headers, _body = http(server + "query", method, b"")
    assert (status, headers["allow"]) == (405, "GET, POST")


def test_unknown_path_is_404(server: str) -> None:
    assert http(server + "nothing-here")[0] == 404


# ---------------------------------------------------------------------------------------------
# Limits


def test_a_slow_query_does_not_hold_up_the_others(server: str) -> None:
    outcome: list[int] = []

    def slow() -> None:
        try:
            sparql(server, CARTESIAN, JSON)
        except urllib.error.HTTPError as e:
            outcome.append(e.code)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    assert sparql(server, "ASK { ?s ?p ?o }", JSON).convert()["boolean"] is True
    assert thread.is_alive()  # answered while the slow query was still running
    thread.join(10)
    assert outcome == [503]


def test_timeout_fires_with_503_and_the_server_recovers(server: str) -> None:
    started = time.monotonic()
    status, body = _refused(lambda: sparql(server, CARTESIAN, JSON))
    elapsed = time.monotonic() - started
    assert status == 503
    assert body.startswith(f"the query ran longer than {TIMEOUT} s and was stopped")
    assert TIMEOUT <= elapsed < TIMEOUT + 4
    for _ in range(3):  # every worker answers again, the killed one replaced
        assert sparql(server, "ASK { ?s ?p ?o }", JSON).convert()["boolean"] is True


def test_select_is_cut_at_the_row_cap_and_says_so(server: str) -> None:
    result = sparql(server, "SELECT * WHERE { ?s ?p ?o }", JSON)
    assert len(result.convert()["results"]["bindings"]) == MAX_ROWS
    assert result.info()["x-fmgraph-truncated"] == "true"
    assert result.info()["x-fmgraph-max-rows"] == str(MAX_ROWS)


def test_construct_is_cut_at_the_row_cap_and_says_so(server: str) -> None:
    result = sparql(server, "CONSTRUCT WHERE { ?s ?p ?o }", TURTLE)
    assert len(Graph().parse(data=result.response.read(), format="turtle")) == MAX_ROWS
    assert result.info()["x-fmgraph-truncated"] == "true"


def test_answer_of_exactly_the_cap_is_not_truncated(server: str) -> None:
    query = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"
    result = sparql(server, query, CSV)
    assert len(result.convert().splitlines()) == MAX_ROWS + 1
    assert result.info()["x-fmgraph-truncated"] == "false"


# ---------------------------------------------------------------------------------------------
# The page, the address, CORS, stopping


def test_explorer_page_at_root(server: str) -> None:
    status, headers, body = http(server)
    assert (status, headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert body.startswith(b"<!DOCTYPE html>")
    assert b"<title>fmgraph: the course as a graph</title>" in body


def test_listens_on_localhost_only_by_default(server: str) -> None:
    port = int(server.rsplit(":", 1)[1].strip("/"))
    listening = Path("/proc/net/tcp")
    lines = [line.split() for line in listening.read_text().splitlines()[1:]]
    local = [f[1] for f in lines if f[3] == "0A" and int(f[1].split(":")[1], 16) == port]
    assert local == [f"0100007F:{port:04X}"]


def test_a_host_header_naming_another_host_is_refused(server: str) -> None:
    """DNS rebinding: a page of attacker.example resolving to 127.0.0.1 sends its own Host."""
    port = server.rsplit(":", 1)[1].strip("/")
    for path, method in (("", "GET"), ("query?query=ASK%7B%7D", "GET"), ("query", "POST")):
        status, _headers, body = http(server + path, method, b"" if method == "POST" else None,
                                      Host=f"attacker.example:{port}")  # fmt: skip
        assert status == 403 and b"localhost only" in body
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST"):
        assert http(server + "query?query=ASK%7B%7D", Host=host)[0] == 200


@pytest.mark.parametrize(
    ("header", "name"),
    [("localhost:7878", "localhost"), ("[::1]:7878", "::1"), ("[::1]", "::1"),
     ("Example.ORG", "example.org"), (None, ""), ("127.0.0.1", "127.0.0.1")],
)  # fmt: skip
def test_host_name_of_a_host_header(header: str | None, name: str) -> None:
    assert host_name(header) == name


def test_only_loopback_binds_check_the_host() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")


def test_no_cors_header_unless_asked(server: str) -> None:
    _status, headers, _body = http(server + "query?query=ASK%7B%7D", Origin="http://example.org")
    assert "access-control-allow-origin" not in headers
    assert http(server + "query", "OPTIONS")[0] == 405


def test_cors_flag_allows_any_origin() -> None:
    with running_server("--cors", "--workers", "1") as (url, _process, _log):
        _status, headers, _body = http(url + "query?query=ASK%7B%7D", Origin="http://example.org")
        assert headers["access-control-allow-origin"] == "*"
        assert "X-Fmgraph-Truncated" in headers["access-control-expose-headers"]
        status, headers, _body = http(url + "query", "OPTIONS", Origin="http://example.org")
        assert (status, headers["access-control-allow-origin"]) == (204, "*")
        assert "POST" in headers["access-control-allow-methods"]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_ctrl_c_stops_the_server_and_its_workers() -> None:
    with running_server("--workers", "2") as (url, process, log):
        assert http(url + "query?query=ASK%7B%7D")[0] == 200
        children = _children(process.pid)
        assert len(children) >= 2
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{c}").exists() for c in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(Path(f"/proc/{c}").exists() for c in children)
        assert log.read_text().rstrip().endswith("stopped")
        assert "Traceback" not in log.read_text()


# ---------------------------------------------------------------------------------------------
# Content negotiation, without a server

OFFERED = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv, application/sparql-results+xml", "text/csv"),
        ("text/csv;q=0, */*", "application/sparql-results+json"),
        ("text/html,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+json"),
        ("image/png", None),
        ("text/csv;q=0", None),
    ],
)
def test_negotiate_follows_quality_and_specificity(accept: str | None, chosen: str | None) -> None:
    assert negotiate(accept, OFFERED) == chosen


def test_answers_are_json_documents_not_partial_rows(server: str) -> None:
    # The whole answer is built before the status line: a complete, parseable document.
    _status, _headers, body = http(
        server + "query?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o }")
    )
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
