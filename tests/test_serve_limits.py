"""`fmgraph serve` under hostile or heavy load: whole-request deadlines, a connection cap, a
listen backlog, and answers too big for the engine's parser or for the answer cap refused
cleanly (never a 500 or a dead worker)."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import fmgraph.serve as serve_module
from fmgraph.cache import store_path
from fmgraph.serve import Request, answer, close_server, make_server

SEVEN_MIB = 7 * 1024 * 1024


@contextmanager
def in_process_server(path: Path, **options: Any) -> Iterator[str]:
    server = make_server(path, port=0, workers=1, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        close_server(server)


def _get(url: str, query: str, accept: str = "application/sparql-results+json") -> Any:
    request = urllib.request.Request(
        url + "query?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.fixture
def big_data(tiny_copy: Path) -> Path:
    (tiny_copy / "big.nt").write_text(
        f'<https://example.org/big> <https://example.org/p> "{"b" * SEVEN_MIB}" .\n'
    )
    return tiny_copy


def _closed_within(sock: socket.socket, seconds: float, trickle: bytes) -> bool:
    """Send ``trickle`` a byte every 0.2 s; whether the server closes within ``seconds``."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    for byte in trickle:
        if time.monotonic() > deadline:
            return False
        try:
            sock.sendall(bytes([byte]))
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:  # reset: closed
            return True
    return False


def test_a_peer_trickling_its_request_is_cut_off_at_the_deadline(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve_module, "REQUEST_DEADLINE", 1.0)
    with in_process_server(store_path(tiny_copy)) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        endless = b"GET /query?query=" + b"A" * 10_000
        with socket.create_connection(("127.0.0.1", port)) as sock:
            started = time.monotonic()
            assert _closed_within(sock, 8.0, endless)
            assert time.monotonic() - started < 5.0  # the old per-read limit: never
        assert _get(url, "ASK { ?s ?p ?o }")[0] == 200  # and it still answers others


def test_an_idle_keep_alive_connection_is_closed_at_the_deadline(
    tiny_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve_module, "REQUEST_DEADLINE", 1.0)
    with in_process_server(store_path(tiny_copy)) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.settimeout(5)
            started = time.monotonic()
            assert sock.recv(100) == b""
            assert time.monotonic() - started < 4.5


def test_connections_over_the_cap_get_503_at_once(tiny_copy: Path) -> None:
    with in_process_server(store_path(tiny_copy), max_connections=2) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            time.sleep(0.2)
            with socket.create_connection(("127.0.0.1", port)) as extra:
                extra.settimeout(5)
                reply = extra.recv(65536)
            assert reply.startswith(b"HTTP/1.1 503 ")
            assert reply.endswith(b"too many connections at once; try again later\n")
        finally:
            for sock in held:
                sock.close()
        deadline = time.monotonic() + 10
        while (status := _get(url, "ASK { ?s ?p ?o }")[0]) == 503 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status == 200  # slots are given back


def test_the_listen_backlog_is_not_pythons_default_of_5() -> None:
    assert serve_module._Server.request_queue_size >= 128


def test_an_answer_over_16_mib_is_sent_whole(big_data: Path) -> None:
    concat = "SELECT (CONCAT(?o, ?o, ?o) AS ?x) WHERE { <https://example.org/big> ?p ?o }"
    with in_process_server(store_path(big_data)) as url:
        status, body = _get(url, concat)
        assert status == 200
        (binding,) = json.loads(body)["results"]["bindings"]
        assert len(binding["x"]["value"]) == 3 * SEVEN_MIB
        concat10 = concat.replace("CONCAT(?o, ?o, ?o)", "CONCAT(" + ", ".join(["?o"] * 10) + ")")
        status, body = _get(url, concat10)
        assert status == 507
        assert body.startswith(b"the answer is larger than 64 MiB")
        assert _get(url, "ASK { ?s ?p ?o }")[0] == 200  # the worker lives on


def test_a_cut_answer_with_rows_over_16_mib_is_cut_natively(big_data: Path) -> None:
    from fmgraph.cache import open_store

    store = open_store(big_data)
    big_rows = (
        "SELECT (CONCAT(?o, ?o, ?o) AS ?x) WHERE { ?s ?p ?o FILTER(?s = <https://example.org/big>)"
        " } "
    )
    two = f"SELECT ?x WHERE {{ {{ {big_rows} }} UNION {{ {big_rows} }} }}"
    reply = answer(store, Request(two, "application/sparql-results+json"), max_rows=1)
    assert (reply.status, reply.truncated) == (200, True)
    (binding,) = json.loads(reply.body)["results"]["bindings"]
    assert len(binding["x"]["value"]) == 3 * SEVEN_MIB


class _Plain:
    """A GraphStore over an in-memory pyoxigraph Store."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def query(self, sparql: str, prefixes: Any = None, **dataset: Any) -> Any:
        return self.store.query(sparql, prefixes=prefixes)

    def named_graphs(self) -> list[str]:
        return []


TRICKY = ['plain', 'a "quoted", comma', "cr lf\r\nand lf\n", "<result>{}[]\\", "tab\tend\\",
          "trailing backslash \\", "émoji 😀", ""]  # fmt: skip


def _tricky_store() -> _Plain:
    from pyoxigraph import Literal, NamedNode, Quad, Store

    store = Store()
    p = NamedNode("https://example.org/p")
    for i, text in enumerate(TRICKY * 2):
        s = NamedNode(f"https://example.org/wiki/S{i:02},_x")
        store.add(Quad(s, p, Literal(text)))
        store.add(Quad(s, NamedNode("https://example.org/q"), Literal(text, language="en")))
    return _Plain(store)


SORTED = (
    "SELECT ?s ?o ?l WHERE { ?s <https://example.org/p> ?o"
    ' OPTIONAL { ?s <https://example.org/q> ?l FILTER(?o != "plain") } } ORDER BY ?s'
)


@pytest.mark.parametrize("media", list(serve_module.RESULT_TYPES))
@pytest.mark.parametrize("rows", [1, 2, 5, 15, 16, 17])
def test_a_cut_answer_is_oxigraphs_own_answer_with_that_limit(media: str, rows: int) -> None:
    store = _tricky_store()
    fmt = serve_module.RESULT_TYPES[media]
    reply = answer(store, Request(SORTED, media), rows)  # type: ignore[arg-type]
    expected = store.query(f"{SORTED} LIMIT {rows}").serialize(format=fmt)
    assert (reply.status, reply.body) == (200, expected)
    assert reply.truncated is (rows < 16)


@pytest.mark.parametrize("media", list(serve_module.RESULT_TYPES))
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_rows_are_counted_across_any_chunk_boundary(media: str, chunk: int) -> None:
    store = _tricky_store()
    fmt = serve_module.RESULT_TYPES[media]
    whole = store.query(SORTED).serialize(format=fmt)
    for rows in (1, 4, 9):
        counter = serve_module._ROWS[fmt](rows)
        cut = None
        for start in range(0, len(whole), chunk):
            cut = counter.cut(whole[start : start + chunk], start)
            if cut is not None:
                break
        limited = store.query(f"{SORTED} LIMIT {rows}").serialize(format=fmt)
        assert cut is not None
        assert whole[:cut] + counter.closing == limited


def test_an_answer_over_the_cap_is_507_in_every_form(
    tiny_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve_module, "MAX_ANSWER_BYTES", 2000)
    for query, accept, rows in [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 50", "application/sparql-results+json", 100),
        ("SELECT * WHERE { ?s ?p ?o }", "text/csv", 100),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle", 100),
    ]:
        reply = answer(tiny_store, Request(query, accept), rows)
        assert (reply.status, reply.truncated) == (507, None)


def test_an_answer_under_the_cap_is_oxigraphs_own_serialization(tiny_store: Any) -> None:
    from pyoxigraph import QueryResultsFormat, QuerySolutions

    from fmgraph.query import run_query

    query = "SELECT ?s ?o WHERE { ?s skos:prefLabel ?o } ORDER BY ?s"
    for media, fmt in serve_module.RESULT_TYPES.items():
        reply = answer(tiny_store, Request(query, media), 1000)
        assert isinstance(fmt, QueryResultsFormat)
        result = run_query(tiny_store, query)
        assert isinstance(result, QuerySolutions)
        expected = result.serialize(format=fmt)
        assert (reply.status, reply.body, reply.truncated) == (200, expected, False)


def test_a_post_over_the_body_limit_is_413_unread(tiny_copy: Path) -> None:
    with in_process_server(store_path(tiny_copy)) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                b"POST /query HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/sparql-query\r\n"
                + f"Content-Length: {serve_module.MAX_BODY + 1}\r\n\r\n".encode()
            )
            sock.settimeout(10)
            assert sock.recv(65536).startswith(b"HTTP/1.1 413 ")


def test_a_client_that_never_reads_its_answer_is_dropped_at_the_write_deadline(
    big_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serve_module, "WRITE_DEADLINE", 1.0)
    concat = "SELECT (CONCAT(?o, ?o, ?o) AS ?x) WHERE { <https://example.org/big> ?p ?o }"
    with in_process_server(store_path(big_data), max_connections=1) as url:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        path = "/query?" + urllib.parse.urlencode({"query": concat})
        with socket.create_connection(("127.0.0.1", port)) as stalled:
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stalled.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            # 21 MiB that nobody reads: the one slot is free again once the write deadline
            # passes, well before the 10 s a request may take to arrive
            deadline = time.monotonic() + 6
            while (status := _get(url, "ASK { ?s ?p ?o }")[0]) == 503:
                assert time.monotonic() < deadline, "the stalled client kept its slot"
                time.sleep(0.5)
            assert status == 200
