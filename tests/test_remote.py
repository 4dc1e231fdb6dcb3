"""`--endpoint` and `fmgraph push` against a real Oxigraph server on 127.0.0.1: the graph is
pushed into its default graph, then every read command must print exactly what it prints
over the embedded store (``test_servers.py`` does the same with named graphs on three
servers). The protocol — how queries are sent, credentials, redirects, deadlines, size caps,
older answer forms, chunked pushes — against small stand-in servers."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from urllib.request import parse_http_list, parse_keqv_list

import pytest
import servers
from click.testing import CliRunner
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
)

from fmgraph.cli import cli
from fmgraph.errors import EndpointError, FmgraphError, QueryError
from fmgraph.query import bundled_queries, run_query
from fmgraph.remote import RemoteStore, _batches, graph_store_url, push

pytestmark = pytest.mark.server
TINY = str(Path(__file__).parent / "fixtures" / "tiny")
GRAPH = "https://example.org/graphs/fmgraph"


def _free_port() -> int:
    return servers.free_port()


@contextmanager
def running_oxigraph(binary: str, directory: Path) -> Iterator[str]:
    """`oxigraph serve` (read-write) on 127.0.0.1 over an empty store; yields its query URL."""
    with servers.oxigraph(directory) as server:
        yield server.query_url


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.fixture(scope="module")
def endpoint(
    tmp_path_factory: pytest.TempPathFactory, bundled_store: Any, oxigraph_server: str
) -> Iterator[str]:
    """The query URL of an Oxigraph server holding the pushed bundled graph."""
    with running_oxigraph(oxigraph_server, tmp_path_factory.mktemp("oxigraph")) as url:
        code, _out, err = run("push", "--endpoint", url)
        assert code == 0, err
        yield url


# ---------------------------------------------------------------------------------------------
# The same answers, remotely


SAME = [
    *(["query", "--name", q.name] for q in bundled_queries()),
    ["query", "--name", "readings-per-session", "--format", "json"],
    ["query", "--name", "works-read-twice", "--format", "csv"],
    ["query", "--name", "reasons", "--format", "tsv"],
    ["query", "ASK { ?l dcterms:identifier 'lora' ; fm:requires+/dcterms:identifier 'attention' }"],
    ["query", "--format", "json", "ASK { ?s fm:requires ?s }"],
    ["query", "CONSTRUCT { ?c fm:requires ?p } { ?c dcterms:identifier 'dpo' ; fm:requires ?p }"],
    ["query", "DESCRIBE <https://w3id.org/fmgraph/id/concept/dpo>"],
    ["query",
     "PREFIX fm: <https://w3id.org/fmgraph/vocab#> SELECT (COUNT(*) AS ?n) {?c a fm:Work}"],
    ["path", "rlhf", "dpo"],
    ["path", "transformer", "dpo", "--all"],
    ["path", "attention", "lora", "--format", "json"],
    ["path", "rlhf", "dpo", "--readings", "all", "--format", "json"],
    ["plan", "dpo", "--readings", "1"],
    ["path", "dpo", "rlhf"],  # no chain: exit 1 and the same message
    ["path", "no-such-concept", "dpo"],  # unknown name: exit 2 and the same suggestions
    ["plan", "dpo"],
    ["plan", "lora", "--format", "json"],
    ["plan", "dpo", "--know", "rlhf", "--with-background"],
    ["next", "--know", "transformer", "--toward", "dpo"],
    ["next", "--know", "rlhf", "--format", "json"],
    ["audit"],
    ["audit", "--format", "json"],
    ["show", "dpo"],
    ["show", "2307.09288"],
    ["show", "2024-S5", "--format", "json"],
    ["show", "2305.18290"],
    ["stats", "--format", "json"],
    ["export"],
    ["export", "--format", "ntriples"],
    ["export", "--format", "graphml"],
]  # fmt: skip


@pytest.mark.parametrize("args", SAME, ids=[" ".join(a)[:60] for a in SAME])
def test_remote_answer_is_exactly_the_local_one(endpoint: str, args: list[str]) -> None:
    run(*args)  # the first plan on a store says that it makes the store's concept index
    local = run(*args)
    remote = run("--endpoint", endpoint, *args)
    assert remote == local
    assert local[0] in (0, 1, 2)


@pytest.mark.parametrize("args", [["path", "transformer", "rlhf"], ["stats", "--format", "json"]])
def test_endpoint_after_the_command_is_the_endpoint_before_it(
    endpoint: str, args: list[str]
) -> None:
    before = run("--endpoint", endpoint, *args)
    assert run(*args, "--endpoint", endpoint) == before
    assert before == run(*args) and before[0] == 0


@pytest.mark.parametrize(
    "view", [[], ["--focus", "dpo", "--depth", "2"], ["--path", "transformer", "rlhf"],
             ["--concepts"]],
)  # fmt: skip
def test_render_is_the_same_page_remotely(endpoint: str, view: list[str]) -> None:
    local = run("render", "-o", "-", *view)
    assert run("--endpoint", endpoint, "render", "-o", "-", *view) == local
    assert local[0] == 0


def test_push_sends_every_triple_and_names_the_target(endpoint: str, bundled_store: Any) -> None:
    total = len(list(bundled_store.triples()))
    code, _out, err = run("push", "--endpoint", endpoint)
    assert code == 0
    assert err == f"pushed {total} triples to {endpoint.removesuffix('query')}store?default\n"


def test_push_twice_replaces_the_graph_instead_of_adding_to_it(
    endpoint: str, bundled_store: Any
) -> None:
    assert run("push", "--endpoint", endpoint)[0] == 0
    assert run("push", "--store-url", endpoint.removesuffix("query") + "store")[0] == 0
    remote = RemoteStore(endpoint).query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert isinstance(remote, QuerySolutions)
    assert int(next(remote)["n"].value) == len(list(bundled_store.triples()))


def test_global_endpoint_is_the_default_push_target(endpoint: str) -> None:
    assert run("--endpoint", endpoint, "push")[0] == 0


def test_construct_gives_real_query_triples(endpoint: str, bundled_store: Any) -> None:
    construct = "CONSTRUCT WHERE { ?s fm:requires ?o }"
    result = RemoteStore(endpoint).query(construct, {"fm": "https://w3id.org/fmgraph/vocab#"})
    assert isinstance(result, QueryTriples)
    local = run_query(bundled_store, construct)
    assert isinstance(local, QueryTriples)
    expected = sorted(map(str, local))
    assert sorted(map(str, result)) == expected
    assert len(expected) > 100


def test_syntax_error_reads_the_same_and_is_never_sent(endpoint: str) -> None:
    bad = "SELECT ?x WHERE {\n  ?x fm:requires ?y"
    local = run("query", bad)
    assert local[0] == 2
    assert run("--endpoint", endpoint, "query", bad) == local


# ---------------------------------------------------------------------------------------------
# Named graphs


@pytest.fixture(scope="module")
def tiny_in_a_named_graph(
    tmp_path_factory: pytest.TempPathFactory, tiny_store: Any, oxigraph_server: str
) -> Iterator[str]:
    """An Oxigraph server holding the tiny course in the named graph GRAPH; yields its URL."""
    with running_oxigraph(oxigraph_server, tmp_path_factory.mktemp("oxigraph-named")) as url:
        code, _out, err = run("--data", TINY, "push", "--endpoint", url, "--graph", GRAPH)
        assert code == 0, err
        assert err.endswith("store?graph=https%3A%2F%2Fexample.org%2Fgraphs%2Ffmgraph\n")
        yield url


def test_named_graphs_are_read_from_the_endpoint(tiny_in_a_named_graph: str) -> None:
    assert RemoteStore(tiny_in_a_named_graph).named_graphs() == [GRAPH]


def test_from_a_pushed_graph_is_allowed_and_from_another_refused(
    tiny_in_a_named_graph: str,
) -> None:
    url = tiny_in_a_named_graph
    code, out, _err = run("--endpoint", url, "query", f"ASK FROM <{GRAPH}> {{ ?c a fm:Concept }}")
    assert (code, out) == (0, b"true\n")
    code, _out, err = run(
        "--endpoint", url, "query", "ASK FROM <https://example.org/other> { ?s ?p ?o }"
    )
    assert code == 2
    assert "FROM <https://example.org/other> is refused" in err


def test_default_graph_uri_in_the_endpoint_url_picks_the_graph(tiny_in_a_named_graph: str) -> None:
    """Markup, quotes and accents in the tiny course come back unchanged."""
    url = f"{tiny_in_a_named_graph}?default-graph-uri=https%3A%2F%2Fexample.org%2Fgraphs%2Ffmgraph"
    for args in (["path", "attention", "dpo"], ["show", "dpo", "--format", "json"], ["export"]):
        assert run("--endpoint", url, *args) == run("--data", TINY, *args)


# ---------------------------------------------------------------------------------------------
# Refusals and failures


class StandIn:
    """A stand-in endpoint on 127.0.0.1: records each request (with the SPARQL it carried,
    however sent) and answers what ``reply`` says, or what ``handle`` does."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        self.reply: dict[str, Any] = {
            "status": 200,
            "type": "application/sparql-results+json",
            "body": b'{"head":{},"boolean":true}',
            "delay": 0.0,
            "headers": {},
        }
        self.handle: Any = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                parts = urlsplit(self.path)
                params = dict(parse_qsl(parts.query))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/x-www-form-urlencoded"):
                    params.update(parse_qsl(body))
                sparql = params.get("query")
                if content_type.startswith("application/sparql-query"):
                    sparql = body
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                    "params": params,
                    "sparql": sparql,
                }
                stand_in.seen.append(record)
                if stand_in.handle is not None and stand_in.handle(self, record):
                    return
                reply = stand_in.reply
                time.sleep(reply["delay"])
                if sparql and "GRAPH ?g" in sparql:  # the named-graphs query
                    status, payload = 200, b'{"head":{"vars":["g"]},"results":{"bindings":[]}}'
                    content_type = "application/sparql-results+json"
                else:
                    status, payload, content_type = reply["status"], reply["body"], reply["type"]
                self.answer(status, payload, content_type, reply["headers"])

            def answer(
                self,
                status: int,
                payload: bytes,
                content_type: str = "text/plain",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args: Any) -> None:
                pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hung up: the test sees what the client saw

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/sparql"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def elsewhere() -> Iterator[StandIn]:
    """A second stand-in: another origin."""
    server = StandIn()
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    ],
)
def test_refused_query_never_reaches_the_endpoint(stand_in: StandIn, query: str) -> None:
    code, _out, err = run("--endpoint", stand_in.url, "query", query)
    assert code == 2
    assert "refused" in err
    assert not any(query in (request["sparql"] or "") for request in stand_in.seen)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[int]]]:
    """A port that records every connection made to it: nothing may be."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.1)
    hits: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = sock.accept()
            except OSError:
                continue
            hits.append(1)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1]), hits
    finally:
        stop.set()
        thread.join()
        sock.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:%d/> { ?s ?p ?o } }",
        "ASK { SERVICE <http://127.0.0.1:%d/> { ?s ?p ?o } }",
        "CONSTRUCT WHERE { SERVICE <http://127.0.0.1:%d/> { ?s ?p ?o } }",
        "# a comment\nPREFIX a: <urn:a#>\n"
        "SELECT * { S\\u0045RVICE <http://127.0.0.1:%d/> { ?s ?p ?o } }",
    ],
)
def test_a_query_is_never_evaluated_locally_where_it_could_reach_the_network(
    stand_in: StandIn, listener: tuple[int, list[int]], template: str
) -> None:
    """The remote store itself runs nothing locally (not even on an empty store, where the
    engine would still call SERVICE) and sends no such query on."""
    port, hits = listener
    stand_in.reply["body"] = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
    before = len(stand_in.seen)
    with pytest.raises(QueryError):  # SERVICE refused, or S\u0045RVICE a syntax error
        RemoteStore(stand_in.url).query(template % port)
    time.sleep(0.2)
    assert hits == []
    assert len(stand_in.seen) == before


# ---------------------------------------------------------------------------------------------
# How queries are sent


def test_a_short_query_goes_as_a_get_and_a_long_one_as_a_form_post(stand_in: StandIn) -> None:
    store = RemoteStore(stand_in.url + "?timeout=5")
    store.query("ASK {}")
    short = stand_in.seen[-1]
    assert (short["method"], short["params"]["timeout"]) == ("GET", "5")
    assert short["sparql"] == "ASK {}"
    long = "ASK { ?s ?p " + '"' + "x" * 3000 + '"' + " }"
    store.query(long)
    sent = stand_in.seen[-1]
    assert sent["method"] == "POST"
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert (sent["path"], sent["params"]["timeout"], sent["sparql"]) == ("/sparql", "5", long)


@pytest.mark.parametrize("method", ["direct", "form", "get"])
def test_the_method_can_be_chosen(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_METHOD", method)
    assert run("--endpoint", stand_in.url, "query", "ASK {}") == (0, b"true\n", "")
    sent = stand_in.seen[-1]
    content_type = {
        "direct": "application/sparql-query; charset=utf-8",
        "form": "application/x-www-form-urlencoded",
        "get": None,
    }[method]
    assert sent["headers"].get("Content-Type") == content_type
    assert sent["sparql"].endswith("ASK {}")


def test_an_unknown_method_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_METHOD", "put")
    code, _out, err = run("--endpoint", "http://127.0.0.1:9/query", "stats")
    assert (code, err) == (
        2,
        "Error: FMGRAPH_ENDPOINT_METHOD='put': choose one of auto, get, form, direct\n",
    )


def test_graph_is_sent_as_the_default_graph_of_every_query(stand_in: StandIn) -> None:
    url = stand_in.url + "?default-graph-uri=urn%3Ax%3Aother&timeout=5"
    store = RemoteStore(url, graph=GRAPH)
    assert store.named_graphs() == [GRAPH]
    assert stand_in.seen == []  # known without asking
    store.query("ASK {}")
    assert stand_in.seen[-1]["path"].count("default-graph-uri") == 1
    assert stand_in.seen[-1]["params"]["default-graph-uri"] == GRAPH
    assert stand_in.seen[-1]["params"]["timeout"] == "5"


def test_graph_must_be_an_absolute_iri() -> None:
    code, _out, err = run("--endpoint", "http://127.0.0.1:9/query", "--graph", "fm", "stats")
    assert code == 2
    assert "--graph 'fm' is not an absolute IRI" in err


# ---------------------------------------------------------------------------------------------
# Answers in the older forms


VIRTUOSO_ASK = b"""{ "head": { "link": [], "vars": ["__ASK_RETVAL"] },
  "results": { "distinct": false, "ordered": true, "bindings": [
    { "__ASK_RETVAL": { "type": "typed-literal",
      "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "%s" }} ] } }"""


@pytest.mark.parametrize(("value", "expected"), [(b"1", b"true\n"), (b"0", b"false\n")])
def test_virtuoso_ask_answer_is_a_boolean(stand_in: StandIn, value: bytes, expected: bytes) -> None:
    stand_in.reply["body"] = VIRTUOSO_ASK % value
    assert run("--endpoint", stand_in.url, "query", "ASK { ?s ?p ?o }") == (0, expected, "")
    json_out = expected.strip().decode()
    assert run("--endpoint", stand_in.url, "query", "--format", "json", "ASK {}") == (
        0,
        f'{{"head":{{}},"boolean":{json_out}}}\n'.encode(),
        "",
    )


def test_an_ask_answered_with_a_real_table_is_an_error(stand_in: StandIn) -> None:
    stand_in.reply["body"] = b"""{"head":{"vars":["a","b"]},"results":{"bindings":[
      {"a":{"type":"literal","value":"1"},"b":{"type":"literal","value":"2"}}]}}"""
    with pytest.raises(EndpointError, match="answered an ASK query with a table"):
        RemoteStore(stand_in.url).query("ASK {}")


def test_typed_literals_of_sparql_1_0_are_literals(stand_in: StandIn) -> None:
    stand_in.reply["body"] = b"""{ "head": { "link": [], "vars": ["n", "d", "l"] },
      "results": { "distinct": false, "ordered": true, "bindings": [
        { "n": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                 "value": "42" },
          "d": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#date",
                 "value": "2024-02-06" },
          "l": { "type": "literal", "xml:lang": "en", "value": "chat" } } ] } }"""
    result = RemoteStore(stand_in.url).query("SELECT ?n ?d ?l {}")
    assert isinstance(result, QuerySolutions)
    (row,) = list(result)
    assert (row["n"].value, row["n"].datatype.value) == (
        "42",
        "http://www.w3.org/2001/XMLSchema#integer",
    )
    assert row["d"].datatype.value == "http://www.w3.org/2001/XMLSchema#date"
    assert (row["l"].value, row["l"].language) == ("chat", "en")


def test_n_triples_labelled_text_plain_are_read(stand_in: StandIn) -> None:
    stand_in.reply.update(type="text/plain", body=b'<urn:a> <urn:b> "c" .\n')
    result = RemoteStore(stand_in.url).query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(result, QueryTriples)
    assert [str(t) for t in result] == ['<urn:a> <urn:b> "c"']


# ---------------------------------------------------------------------------------------------
# Credentials


def basic_challenge(handler: Any, record: dict[str, Any]) -> bool:
    expected = "Basic " + base64.b64encode(b"reader:s3cret:pw").decode()
    if record["headers"].get("Authorization") != expected:
        handler.answer(401, b"who are you?", headers={"WWW-Authenticate": 'Basic realm="x"'})
        return True
    return False


def test_basic_credentials_are_sent_when_asked_and_then_at_once(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_USER", "reader")
    monkeypatch.setenv("FMGRAPH_ENDPOINT_PASSWORD", "s3cret:pw")
    stand_in.handle = basic_challenge
    store = RemoteStore(stand_in.url)
    assert bool(store.query("ASK {}")) is True
    first, second = stand_in.seen
    assert "Authorization" not in first["headers"]  # never sent before a server asks
    assert second["headers"]["Authorization"].startswith("Basic ")
    assert bool(store.query("ASK {}")) is True
    assert len(stand_in.seen) == 3  # the scheme is remembered: one request, with Basic


def test_a_401_without_a_challenge_is_answered_with_basic(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_USER", "reader")
    monkeypatch.setenv("FMGRAPH_ENDPOINT_PASSWORD", "s3cret:pw")

    def bare(handler: Any, record: dict[str, Any]) -> bool:
        if "Authorization" not in record["headers"]:
            handler.answer(401, b"")
            return True
        return False

    stand_in.handle = bare
    assert bool(RemoteStore(stand_in.url).query("ASK {}")) is True
    assert stand_in.seen[-1]["headers"]["Authorization"].startswith("Basic ")


def digest_server(algorithm: str, password: str = "s3cret") -> Any:
    """A handler that checks HTTP Digest (RFC 7616, qop=auth) the way a server does."""
    nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
    hash_name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm]

    def h(text: str) -> str:
        return hashlib.new(hash_name, text.encode()).hexdigest()

    def handle(handler: Any, record: dict[str, Any]) -> bool:
        header = record["headers"].get("Authorization", "")
        if header.startswith("Digest "):
            fields = parse_keqv_list(parse_http_list(header.removeprefix("Digest ")))
            ha1 = h(f"{fields['username']}:{fields['realm']}:{password}")
            ha2 = h(f"{record['method']}:{fields['uri']}")
            expected = h(f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
            if fields["response"] == expected and fields["uri"] == record["path"]:
                return False
        challenge = f'Digest realm="SPARQL", nonce="{nonce}", qop="auth", algorithm={algorithm}'
        handler.answer(401, b"denied", headers={"WWW-Authenticate": challenge})
        return True

    return handle


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_digest_credentials_for_reads_and_pushes(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, algorithm: str
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_USER", "dba")
    monkeypatch.setenv("FMGRAPH_ENDPOINT_PASSWORD", "s3cret")
    stand_in.handle = digest_server(algorithm)
    store = RemoteStore(stand_in.url)
    assert bool(store.query("ASK {}")) is True
    assert bool(store.query("ASK { ?s ?p ?o }")) is True
    assert [r["headers"].get("Authorization", "")[:7] for r in stand_in.seen] == [
        "",
        "Digest ",
        "Digest ",  # the challenge is reused, with the next nonce count
    ]
    assert "s3cret" not in str(stand_in.seen)
    stand_in.reply.update(status=201, body=b"")
    code, _out, err = run("--data", TINY, "push", "--store-url", stand_in.url, "--graph", GRAPH)
    assert code == 0, err
    assert stand_in.seen[-1]["method"] == "PUT"


def test_wrong_digest_password_fails_once_and_names_no_secret(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_USER", "dba")
    monkeypatch.setenv("FMGRAPH_ENDPOINT_PASSWORD", "not-it")
    stand_in.handle = digest_server("MD5")
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert (code, err) == (
        5,
        f"Error: {stand_in.url} answered GET with HTTP 401 Unauthorized: denied\n",
    )
    assert len(stand_in.seen) == 2


def test_a_401_without_credentials_says_where_they_go(stand_in: StandIn) -> None:
    stand_in.handle = digest_server("MD5")
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert code == 5
    assert err.endswith(
        "HTTP 401 Unauthorized: denied (set FMGRAPH_ENDPOINT_USER and"
        " FMGRAPH_ENDPOINT_PASSWORD, or FMGRAPH_ENDPOINT_TOKEN)\n"
    )


def test_token_comes_from_the_environment_and_is_used_for_push(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, tiny_store: Any
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TOKEN", "t0ken")
    stand_in.reply.update(status=204, body=b"")
    code, _out, err = run("--data", TINY, "push", "--store-url", stand_in.url)
    assert code == 0, err
    assert stand_in.seen[-1]["headers"]["Authorization"] == "Bearer t0ken"
    assert stand_in.seen[-1]["path"] == "/sparql?default"
    assert stand_in.seen[-1]["headers"]["Content-Type"].startswith("text/turtle")


def test_no_credentials_no_authorization_header(stand_in: StandIn) -> None:
    RemoteStore(stand_in.url).query("ASK {}")
    assert "Authorization" not in stand_in.seen[-1]["headers"]


def test_credentials_in_the_url_are_refused_and_not_printed() -> None:
    code, _out, err = run("--endpoint", "http://reader:s3cret@127.0.0.1:9/query", "stats")
    assert code == 2
    assert "FMGRAPH_ENDPOINT_USER" in err
    assert "s3cret" not in err


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "127.0.0.1:7878"])
def test_only_http_urls_are_endpoints(url: str) -> None:
    code, _out, err = run("--endpoint", url, "stats")
    assert code == 2
    assert "is not an http:// or https:// URL" in err


# ---------------------------------------------------------------------------------------------
# Redirects


def redirect_to(location: str, status: int = 302) -> Any:
    def handle(handler: Any, record: dict[str, Any]) -> bool:
        handler.answer(status, b"", headers={"Location": location})
        return True

    return handle


def test_a_get_redirected_elsewhere_is_followed_without_credentials(
    stand_in: StandIn, elsewhere: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TOKEN", "t0ken")
    stand_in.handle = redirect_to(elsewhere.url + "?query=ASK+%7B%7D")
    assert bool(RemoteStore(stand_in.url).query("ASK {}")) is True
    assert stand_in.seen[-1]["headers"]["Authorization"] == "Bearer t0ken"
    assert "Authorization" not in elsewhere.seen[-1]["headers"]


def test_a_get_redirected_on_the_same_origin_keeps_its_credentials(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TOKEN", "t0ken")

    def moved(handler: Any, record: dict[str, Any]) -> bool:
        if record["path"].startswith("/sparql?"):
            handler.answer(301, b"", headers={"Location": "/v2/sparql?query=ASK+%7B%7D"})
            return True
        return False

    stand_in.handle = moved
    assert bool(RemoteStore(stand_in.url).query("ASK {}")) is True
    assert stand_in.seen[-1]["path"].startswith("/v2/sparql")
    assert stand_in.seen[-1]["headers"]["Authorization"] == "Bearer t0ken"


@pytest.mark.parametrize("status", [302, 303, 307])
def test_a_redirect_after_a_post_is_an_error(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_METHOD", "form")
    stand_in.handle = redirect_to("http://127.0.0.1:9/elsewhere", status)
    code, out, err = run("--endpoint", stand_in.url, "query", "SELECT * { ?s ?p ?o }")
    assert (code, out) == (5, b"")
    assert err == (
        f"Error: {stand_in.url} answered POST with a redirect (HTTP {status}) to"
        " http://127.0.0.1:9/elsewhere: fmgraph follows no redirect of a query or upload;"
        " give the URL it points to\n"
    )


def test_a_redirect_loop_ends(stand_in: StandIn) -> None:
    stand_in.handle = redirect_to(stand_in.url)
    with pytest.raises(EndpointError, match="redirected more than 5 times"):
        RemoteStore(stand_in.url).query("ASK {}")


# ---------------------------------------------------------------------------------------------
# Bounds


def test_unreachable_endpoint_exits_5_with_one_line() -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    code, _out, err = run("--endpoint", url, "path", "rlhf", "dpo")
    assert code == 5
    assert err.startswith(f"Error: cannot reach {url}: ")
    assert err.count("\n") == 1


def test_http_error_exits_5_with_status_and_server_message(endpoint: str) -> None:
    url = endpoint.removesuffix("query") + "no-such-endpoint"
    code, _out, err = run("--endpoint", url, "stats")
    assert code == 5
    assert err.startswith(f"Error: {url} answered GET with HTTP 404")
    assert err.count("\n") == 1


def test_server_error_message_is_shown(stand_in: StandIn) -> None:
    stand_in.reply.update(status=500, type="text/plain", body=b"out of memory\nat line 3")
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert (code, err) == (
        5,
        f"Error: {stand_in.url} answered GET with HTTP 500 Internal Server Error: out of memory\n",
    )


def test_error_bodies_are_cut_and_scrubbed_of_credentials(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TOKEN", "t0ken-1234")

    def echo(handler: Any, record: dict[str, Any]) -> bool:
        auth = record["headers"]["Authorization"]
        body = f"bad request from Authorization: {auth} \x1b[31m; token=t0ken-1234 " + "x" * 5000
        handler.answer(400, body.encode())
        return True

    stand_in.handle = echo
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert code == 5
    assert "t0ken" not in err
    assert "\x1b" not in err
    assert "bad request from Authorization: *** " in err
    assert err.endswith("…\n")
    assert len(err) < len(stand_in.url) + 400


def test_slow_endpoint_times_out(stand_in: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in.reply["delay"] = 3.0
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TIMEOUT", "0.3")
    started = time.monotonic()
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert time.monotonic() - started < 2.5
    assert (code, err) == (
        5,
        f"Error: {stand_in.url} did not answer within 0.3 s (FMGRAPH_ENDPOINT_TIMEOUT waits"
        " longer)\n",
    )


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_trickling_endpoint_meets_the_whole_request_deadline(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """One byte every 0.1 s never trips a per-read timeout; the deadline is for it all."""

    def trickle(handler: Any, record: dict[str, Any]) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
        body = b'{"head":{},"boolean":true}'
        slow, fast = (head, b"") if where == "headers" else (b"", head)
        handler.wfile.write(fast + (b"Content-Length: 999\r\n\r\n" if fast else b""))
        with contextlib.suppress(OSError):
            for byte in slow or body * 20:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.1)
        return True

    stand_in.handle = trickle
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TIMEOUT", "1")
    started = time.monotonic()
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert time.monotonic() - started < 2.5
    assert (code, err) == (
        5,
        f"Error: {stand_in.url} did not answer within 1 s (FMGRAPH_ENDPOINT_TIMEOUT waits"
        " longer)\n",
    )


def test_an_answer_cut_short_is_an_error_not_a_short_answer(stand_in: StandIn) -> None:
    def cut(handler: Any, record: dict[str, Any]) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Content-Length", "999")
        handler.end_headers()
        handler.wfile.write(b'{"head":{},')
        handler.close_connection = True
        return True

    stand_in.handle = cut
    code, _out, err = run("--endpoint", stand_in.url, "query", "ASK {}")
    assert (code, err) == (
        5,
        f"Error: the connection to {stand_in.url} broke off after 11 of 999 bytes\n",
    )


@pytest.mark.parametrize("declared", [True, False])
def test_an_answer_over_the_size_cap_is_refused(
    stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, declared: bool
) -> None:
    rows = ",".join(f'{{"x":{{"type":"literal","value":"{i}"}}}}' for i in range(500))
    body = b'{"head":{"vars":["x"]},"results":{"bindings":[' + rows.encode() + b"]}}"

    def big(handler: Any, record: dict[str, Any]) -> bool:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        if declared:
            handler.send_header("Content-Length", str(len(body)))
        else:
            handler.send_header("Connection", "close")  # the body ends where the stream does
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True
        return True

    stand_in.handle = big
    assert len(list(RemoteStore(stand_in.url).query("SELECT ?x {}"))) == 500  # type: ignore[arg-type]
    monkeypatch.setenv("FMGRAPH_ENDPOINT_MAX_BYTES", "10000")
    code, _out, err = run("--endpoint", stand_in.url, "query", "SELECT ?x {}")
    assert (code, err) == (
        5,
        f"Error: {stand_in.url} answered with more than 10,000 bytes"
        " (FMGRAPH_ENDPOINT_MAX_BYTES allows more)\n",
    )


@pytest.mark.parametrize("name", ["FMGRAPH_ENDPOINT_TIMEOUT", "FMGRAPH_ENDPOINT_MAX_BYTES"])
@pytest.mark.parametrize("bad", ["0", "-1", "soon", "nan", "inf"])
def test_bad_bound_settings_are_usage_errors(
    bad: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, bad)
    code, _out, err = run("--endpoint", "http://127.0.0.1:9/query", "stats")
    assert code == 2
    assert name in err


def test_an_answer_that_is_not_sparql_results_is_an_endpoint_error(stand_in: StandIn) -> None:
    stand_in.reply.update(type="text/html", body=b"<html>YASGUI</html>")
    with pytest.raises(EndpointError, match="answered with text/html, not SPARQL results"):
        RemoteStore(stand_in.url).query("ASK {}")


def test_malformed_results_are_an_endpoint_error_not_a_crash_later(stand_in: StandIn) -> None:
    body = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri"}}]}}
    stand_in.reply.update(body=json.dumps(body).encode())
    with pytest.raises(EndpointError, match="malformed application/sparql-results\\+json"):
        RemoteStore(stand_in.url).query("SELECT ?x {}")


# ---------------------------------------------------------------------------------------------
# Push in chunks


def test_push_puts_the_first_chunk_and_posts_the_rest(stand_in: StandIn, tiny_store: Any) -> None:
    stand_in.reply.update(status=204, body=b"")
    code, _out, err = run("--data", TINY, "push", "--store-url", stand_in.url, "--chunk-size", "40")
    assert code == 0, err
    total = len(list(tiny_store.triples()))
    methods = [r["method"] for r in stand_in.seen]
    assert methods == ["PUT"] + ["POST"] * (len(methods) - 1)
    assert len(methods) == -(-total // 40)
    pushed = Store()
    for request in stand_in.seen:
        pushed.load(request["body"].encode(), format=RdfFormat.TURTLE)
    assert set(pushed) == {Quad(t.subject, t.predicate, t.object) for t in tiny_store.triples()}
    lines = err.splitlines()
    assert lines[0] == "pushed 40 triples (1 request)"
    assert lines[-1] == f"pushed {total} triples to {stand_in.url}?default"


def test_triples_with_blank_nodes_go_in_one_chunk() -> None:
    b1, b2 = BlankNode(), BlankNode()
    p = NamedNode("urn:p")
    triples = [
        Triple(NamedNode("urn:a"), p, b1),
        Triple(b1, p, b2),
        *(Triple(NamedNode(f"urn:n{i}"), p, NamedNode("urn:o")) for i in range(5)),
        Triple(b2, p, Literal("x")),
    ]
    chunks = list(_batches(triples, 2))
    assert [len(c) for c in chunks] == [2, 2, 1, 3]
    assert chunks[-1] == [triples[0], triples[1], triples[-1]]


def test_push_with_sparql_update_rebuilds_the_same_graph(
    stand_in: StandIn, tiny_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tiny course has quotes, backslashes, markup and accents: the updates, run by a
    SPARQL engine, give back exactly the pushed graph."""
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TOKEN", "k3y")
    stand_in.reply.update(status=204, body=b"")
    args = ["--data", TINY, "push", "--update-url", stand_in.url, "--graph", GRAPH]
    code, _out, err = run(*args, "--chunk-size", "50")
    assert code == 0, err
    bodies = [r["body"] for r in stand_in.seen]
    assert bodies[0] == f"DROP SILENT GRAPH <{GRAPH}>"
    assert all(b.startswith(f"INSERT DATA {{\nGRAPH <{GRAPH}> {{\n") for b in bodies[1:])
    assert {r["headers"]["Content-Type"] for r in stand_in.seen} == {
        "application/sparql-update; charset=utf-8"
    }
    assert {r["headers"]["Authorization"] for r in stand_in.seen} == {"Bearer k3y"}
    replayed = Store()
    replayed.add(
        Quad(NamedNode("urn:old"), NamedNode("urn:old"), NamedNode("urn:old"), NamedNode(GRAPH))
    )
    for body in bodies:
        replayed.update(body)
    expected = {
        Quad(t.subject, t.predicate, t.object, NamedNode(GRAPH)) for t in tiny_store.triples()
    }
    assert set(replayed) == expected


def test_a_literal_backslash_u_survives_sparql_update(stand_in: StandIn) -> None:
    stand_in.reply.update(status=204, body=b"")
    triple = Triple(NamedNode("urn:a"), NamedNode("urn:b"), Literal("C:\\users and \\u0041"))

    class One:
        def triples(self) -> Iterator[Triple]:
            yield triple

    push(One(), update_url=stand_in.url)  # type: ignore[arg-type]
    replayed = Store()
    for request in stand_in.seen:
        replayed.update(request["body"])
    assert set(replayed) == {Quad(triple.subject, triple.predicate, triple.object)}
    assert stand_in.seen[0]["body"] == "DROP SILENT DEFAULT"


# ---------------------------------------------------------------------------------------------
# Graph store URLs


def test_graph_store_url_is_derived_from_an_oxigraph_query_url() -> None:
    assert graph_store_url("http://127.0.0.1:7878/query") == "http://127.0.0.1:7878/store"
    assert (
        graph_store_url("https://h.example/db/query?default-graph-uri=urn%3Ag")
        == "https://h.example/db/store"
    )


def test_other_servers_need_store_url() -> None:
    with pytest.raises(FmgraphError, match="--store-url"):
        graph_store_url("http://127.0.0.1:3030/ds/sparql")
    code, _out, err = run("push", "--endpoint", "http://127.0.0.1:3030/ds/sparql")
    assert code == 2
    assert "give it with --store-url (Fuseki: …/DATASET/data" in err


def test_push_needs_somewhere_to_push_to() -> None:
    code, _out, err = run("push")
    assert code == 2
    assert "give --endpoint URL" in err


def test_push_refuses_a_relative_graph_iri() -> None:
    code, _out, err = run("push", "--endpoint", "http://127.0.0.1:9/query", "--graph", "fmgraph")
    assert code == 2
    assert "--graph 'fmgraph' is not an absolute IRI" in err


def test_serve_refuses_an_endpoint() -> None:
    code, _out, err = run("--endpoint", "http://127.0.0.1:9/query", "serve")
    assert code == 2
    assert "--endpoint does not apply" in err


def test_an_answer_sent_before_the_body_is_read_is_reported_not_a_broken_pipe() -> None:
    """Virtuoso answers a large PUT without credentials with 401 and closes the connection
    before reading the body: the client reads that answer instead of failing on the pipe."""
    from fmgraph.remote import request

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer_at_once() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(4096)  # the request line and headers, not the 8 MB body
            connection.sendall(
                b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="x"\r\n'
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
            connection.shutdown(socket.SHUT_RDWR)

    thread = threading.Thread(target=answer_at_once, daemon=True)
    thread.start()
    try:
        with pytest.raises(EndpointError, match="401"):
            request(f"http://127.0.0.1:{port}/store", "PUT", b"x" * 8_000_000,
                    {"Content-Type": "application/n-triples"}, 10.0)  # fmt: skip
    finally:
        thread.join(10)
        server.close()
