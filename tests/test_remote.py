"""`--endpoint` and `fmgraph push` against a real Oxigraph server on 127.0.0.1: the graph is
pushed with the Graph Store Protocol, then every read command must print exactly what it
prints over the embedded store. Credentials, timeouts and HTTP errors against small stand-in
servers."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pyoxigraph import QuerySolutions, QueryTriples

from fmgraph.cli import cli
from fmgraph.errors import EndpointError, FmgraphError
from fmgraph.query import bundled_queries
from fmgraph.remote import RemoteStore, graph_store_url

# The `oxigraph` package of the test extras installs its server beside the interpreter.
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
TINY = str(Path(__file__).parent / "fixtures" / "tiny")
GRAPH = "https://example.org/graphs/fmgraph"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def oxigraph_server(directory: Path) -> Iterator[str]:
    """`oxigraph serve` (read-write) on 127.0.0.1 over an empty store; yields its query URL."""
    if not OXIGRAPH.exists():
        pytest.fail(f"no Oxigraph server at {OXIGRAPH}: pip install -e '.[test]'")
    for _attempt in range(3):  # a free port can be taken between choosing and binding it
        port = _free_port()
        log = directory / f"oxigraph-{port}.log"
        with log.open("wb") as out:
            command = [str(OXIGRAPH), "serve", "--location", str(directory / "db")]
            process = subprocess.Popen(
                [*command, "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline and not _accepts(port):
            time.sleep(0.05)
        if process.poll() is None and _accepts(port):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail(f"oxigraph serve did not start:\n{log.read_text()}")
    try:
        yield f"http://127.0.0.1:{port}/query"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory, bundled_store: Any) -> Iterator[str]:
    """The query URL of an Oxigraph server holding the pushed bundled graph."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
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
    local = run(*args)
    remote = run("--endpoint", endpoint, *args)
    assert remote == local
    assert local[0] in (0, 1, 2)


@pytest.mark.parametrize(
    "view", [[], ["--focus", "dpo", "--depth", "2"], ["--path", "attention", "lora"],
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


def test_construct_gives_real_query_triples(endpoint: str) -> None:
    result = RemoteStore(endpoint).query(
        "CONSTRUCT WHERE { ?s fm:requires ?o }", {"fm": "https://w3id.org/fmgraph/vocab#"}
    )
    assert isinstance(result, QueryTriples)
    assert len(list(result)) == 100


def test_syntax_error_reads_the_same_and_is_never_sent(endpoint: str) -> None:
    bad = "SELECT ?x WHERE {\n  ?x fm:requires ?y"
    local = run("query", bad)
    assert local[0] == 2
    assert run("--endpoint", endpoint, "query", bad) == local


# ---------------------------------------------------------------------------------------------
# Named graphs


@pytest.fixture(scope="module")
def tiny_in_a_named_graph(
    tmp_path_factory: pytest.TempPathFactory, tiny_store: Any
) -> Iterator[str]:
    """An Oxigraph server holding the tiny course in the named graph GRAPH; yields its URL."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-named")) as url:
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


@pytest.fixture
def stand_in() -> Iterator[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    """A stand-in endpoint on 127.0.0.1: records each request, answers what ``reply`` says."""
    seen: list[dict[str, Any]] = []
    reply: dict[str, Any] = {
        "status": 200,
        "type": "application/sparql-results+json",
        "body": b'{"head":{},"boolean":true}',
        "delay": 0.0,
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
            time.sleep(reply["delay"])
            if "GRAPH ?g" in body:  # the named-graphs query
                payload = b'{"head":{"vars":["g"]},"results":{"bindings":[]}}'
                content_type = "application/sparql-results+json"
            else:
                payload, content_type = reply["body"], reply["type"]
            self.send_response(200 if "GRAPH ?g" in body else reply["status"])
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_PUT = do_POST

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/sparql", seen, reply
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    ],
)
def test_refused_query_never_reaches_the_endpoint(stand_in: Any, query: str) -> None:
    url, seen, _reply = stand_in
    code, _out, err = run("--endpoint", url, "query", query)
    assert code == 2
    assert "refused" in err
    assert not any(query in request["body"] for request in seen)


def test_basic_credentials_come_from_the_environment(
    stand_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen, _reply = stand_in
    monkeypatch.setenv("FMGRAPH_ENDPOINT_USER", "reader")
    monkeypatch.setenv("FMGRAPH_ENDPOINT_PASSWORD", "s3cret:pw")
    assert bool(RemoteStore(url).query("ASK {}")) is True
    expected = "Basic " + base64.b64encode(b"reader:s3cret:pw").decode()
    assert seen[-1]["headers"]["Authorization"] == expected
    assert seen[-1]["headers"]["Content-Type"].startswith("application/sparql-query")


def test_token_comes_from_the_environment_and_is_used_for_push(
    stand_in: Any, monkeypatch: pytest.MonkeyPatch, tiny_store: Any
) -> None:
    url, seen, reply = stand_in
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TOKEN", "t0ken")
    reply.update(status=204, body=b"")
    code, _out, err = run("--data", TINY, "push", "--store-url", url)
    assert code == 0, err
    assert seen[-1]["headers"]["Authorization"] == "Bearer t0ken"
    assert seen[-1]["path"] == "/sparql?default"
    assert seen[-1]["headers"]["Content-Type"].startswith("text/turtle")


def test_no_credentials_no_authorization_header(stand_in: Any) -> None:
    url, seen, _reply = stand_in
    RemoteStore(url).query("ASK {}")
    assert "Authorization" not in seen[-1]["headers"]


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
    assert err.startswith(f"Error: {url} answered POST with HTTP 404")
    assert err.count("\n") == 1


def test_server_error_message_is_shown(stand_in: Any) -> None:
    url, _seen, reply = stand_in
    reply.update(status=500, type="text/plain", body=b"out of memory\nat line 3")
    code, _out, err = run("--endpoint", url, "query", "ASK {}")
    assert (code, err) == (
        5,
        f"Error: {url} answered POST with HTTP 500 Internal Server Error: out of memory\n",
    )


def test_slow_endpoint_times_out(stand_in: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _seen, reply = stand_in
    reply["delay"] = 3.0
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TIMEOUT", "0.3")
    started = time.monotonic()
    code, _out, err = run("--endpoint", url, "query", "ASK {}")
    assert time.monotonic() - started < 2.5
    assert (code, err) == (
        5,
        f"Error: {url} did not answer within 0.3 s (FMGRAPH_ENDPOINT_TIMEOUT waits longer)\n",
    )


@pytest.mark.parametrize("bad", ["0", "-1", "soon"])
def test_bad_timeout_setting_is_a_usage_error(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FMGRAPH_ENDPOINT_TIMEOUT", bad)
    code, _out, err = run("--endpoint", "http://127.0.0.1:9/query", "stats")
    assert code == 2
    assert "FMGRAPH_ENDPOINT_TIMEOUT" in err


def test_an_answer_that_is_not_sparql_results_is_an_endpoint_error(stand_in: Any) -> None:
    url, _seen, reply = stand_in
    reply.update(type="text/html", body=b"<html>YASGUI</html>")
    with pytest.raises(EndpointError, match="answered with text/html, not SPARQL results"):
        RemoteStore(url).query("ASK {}")


def test_malformed_results_are_an_endpoint_error_not_a_crash_later(stand_in: Any) -> None:
    url, _seen, reply = stand_in
    body = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri"}}]}}
    reply.update(body=json.dumps(body).encode())
    with pytest.raises(EndpointError, match="malformed application/sparql-results\\+json"):
        RemoteStore(url).query("SELECT ?x {}")


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
