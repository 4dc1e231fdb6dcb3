"""The read-only check (fmgraph.readonly) and the sandbox behind it (fmgraph.sandbox).

Every query here aims a SERVICE (or FROM) at a listener on 127.0.0.1 that records any request:
a request is a hole in the walls, whatever the check said.
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, QueryTriples, Store

from fmgraph.errors import QueryError, QueryRefused
from fmgraph.readonly import MAX_DEPTH, check_read_only, query_form

FIXTURES = Path(__file__).parent / "fixtures"


class _Listener(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_POST(self) -> None:
        self.hits.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """The URL of a server that only counts requests, and the list of paths it was sent."""
    hits: list[str] = []
    handler = type("Listener", (_Listener,), {"hits": hits})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", hits
    server.shutdown()
    server.server_close()


def smuggled(url: str) -> list[str]:
    """The smuggling tricks of the fault campaign, and the ones a context-free lexer misses."""
    service = f"SERVICE <{url}> {{ ?x ?y ?z }}"
    return [
        # a prefixed name ending in an escaped quote (PN_LOCAL_ESC), then a comment quote
        f"SELECT * WHERE {{ BIND(fm:a\\' AS ?q) {service} }} #'",
        # the same across lines with a long string
        f"SELECT * WHERE {{ BIND(fm:a\\' AS ?q)\n {service} }} #'''",
        # a comment ends at CR as well as LF
        f"SELECT * WHERE {{ # note\r{service} }}",
        # '<' is "less than" after an operand inside an expression, not an IRI
        f"SELECT * WHERE {{ BIND(1 AS ?a) FILTER(?a<'>') {service} }} #'",
        f"SELECT * WHERE {{ FILTER(true<'>') {service} }} #'",
        f"SELECT * WHERE {{ FILTER(EXISTS{{}}<'>') {service} }} #'",
        f"SELECT * WHERE {{ FILTER(fm:f(?a)<'>') {service} }} #'",
        f"select * where {{ service silent <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT * FROM <{url}g> WHERE {{ ?x ?y ?z }}",
        f"SELECT * FROM NAMED <{url}g> WHERE {{ GRAPH ?g {{ ?x ?y ?z }} }}",
    ]


def test_every_smuggling_trick_is_refused_and_sends_nothing(
    listener: tuple[str, list[str]],
) -> None:
    url, hits = listener
    for sparql in smuggled(url):
        with pytest.raises(QueryRefused):
            check_read_only(sparql, [])
    assert hits == []


def test_the_engine_would_have_run_them(listener: tuple[str, list[str]]) -> None:
    """The oracle is sound: the tricks above do reach the network when nothing checks them."""
    url, hits = listener
    before = len(hits)
    store = Store()
    sparql = f"SELECT * WHERE {{ BIND(<{url}x> AS ?q) SERVICE <{url}> {{ ?x ?y ?z }} }} #'"
    with pytest.raises(OSError):
        list(store.query(sparql))  # type: ignore[arg-type]
    assert len(hits) == before + 1


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT * WHERE { ?s <http://x#y> ?o . FILTER(?o < 3 && ?s != <http://a#b>) }",
        'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p \'it\'\'s\' ; ?q """a"b""" }'
        " GROUP BY ?p HAVING(COUNT(*)<5)",
        "SELECT * WHERE { VALUES (?a ?b) { (<http://x#1> <http://x#2>) } ?s (<p>|^<q>)* ?o }",
        "SELECT * WHERE { ?s fm:x\\.y ?o ; <p> ( <a#b> <c#d> ) } ORDER BY DESC(?o) LIMIT 3",
        'ASK { ?s ?p "SERVICE <http://x/> { }"@en }',
        "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = <http://x/'quoted'>) }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } # SERVICE in a comment",
        "DESCRIBE <http://x#a>",
        'SELECT * WHERE { ?s ?p 1.5e3, -2, .5 ; ?q _:b . ?s ?r "x"^^<http://x#t> }',
    ],
)
def test_ordinary_queries_pass(sparql: str) -> None:
    check_read_only(sparql, [])


def test_the_form_is_read_without_running_anything() -> None:
    assert query_form("PREFIX a: <http://x/> CONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    assert query_form("# ASK\nSELECT * { ?s ?p ?o }") == "SELECT"
    with pytest.raises(QueryError, match="no SELECT, ASK, CONSTRUCT or DESCRIBE"):
        query_form("PREFIX a: <http://x/>")


@pytest.mark.parametrize(
    ("sparql", "message"),
    [
        ("SELECT * WHERE " + "{" * 3000 + "}" * 3000, f"more than {MAX_DEPTH} deep"),
        ("SELECT * WHERE { FILTER(" + "!" * 30000 + "true) }", "operators in a row"),
        ("SELECT ?s WHERE {\n  ?s ?p", "line 1, column 17: '{' is never closed"),
        ("SELECT * WHERE { ?s ?p 'open }", "a string that does not close"),
        ("SELECT * WHERE { ?s ?p \\u0027x' }", "unexpected"),
        ("SELECT * WHERE { ?s ?p '\udcff' }", "not valid UTF-8 (at line 1, column 25)"),
        ("SELECT * WHERE { ?s ?p ?o } }", "'}' closes nothing"),
    ],
)
def test_what_cannot_be_parsed_safely_is_refused_before_the_engine(
    sparql: str, message: str
) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        check_read_only(sparql, [])


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_ascii_terminals_match_what_the_unicode_ones_match_on_ascii_text(text: str) -> None:
    """A query of ASCII is lexed with character classes cut to ASCII (quicker to compile):
    they must match exactly what the grammar's Unicode classes match there."""
    from fmgraph.readonly import _names

    for ascii_pattern, unicode_pattern in zip(_names(False), _names(True), strict=True):
        for start in range(len(text) + 1):
            a, u = ascii_pattern.match(text, start), unicode_pattern.match(text, start)
            assert (a and a.span()) == (u and u.span())


def test_a_query_with_unicode_names_is_lexed_by_the_unicode_terminals() -> None:
    # the ASCII classes would stop at the "ö" and refuse the query
    assert query_form("SELECT ?größe WHERE { ?s ex:naïve ?größe }") == "SELECT"
    with pytest.raises(QueryError):  # U+00D7, the multiplication sign, is no name character
        query_form("SELECT ?s WHERE { ?s ex:a\u00d7b ?o }")


def test_the_check_is_linear() -> None:
    """Was 28 s: a comment, then an unterminated string of escapes, re-scanned per token."""
    nasty = "# x\n" + '"\\' * 20_000
    started = time.process_time()
    with pytest.raises(QueryError):
        check_read_only(nasty, [])
    assert time.process_time() - started < 2.0  # about 10 ms; a loose bound, not a benchmark


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-c", "from fmgraph.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, timeout=120, env=env)


def test_the_command_line_refuses_deep_and_broken_queries_without_crashing() -> None:
    deep = _cli("--data", str(FIXTURES / "tiny"), "query", "SELECT * WHERE " + "{" * 3000)
    assert deep.returncode == 2, deep.stderr
    assert b"nests brackets more than 64 deep" in deep.stderr
    invalid = _cli("--data", str(FIXTURES / "tiny"), "query", "SELECT * WHERE { ?s ?p '\udcff' }")
    assert invalid.returncode == 2, invalid.stderr
    assert b"not valid UTF-8" in invalid.stderr
    assert b"Traceback" not in deep.stderr + invalid.stderr


def test_the_command_line_refuses_smuggled_service(listener: tuple[str, list[str]]) -> None:
    url, hits = listener
    done = _cli("--data", str(FIXTURES / "tiny"), "query", smuggled(url)[0])
    assert done.returncode == 2
    assert done.stderr.startswith(b"Error: SERVICE is refused")
    assert hits == []


def test_the_sandbox_stops_the_engine_even_when_the_check_is_bypassed(
    listener: tuple[str, list[str]],
) -> None:
    """The second wall: with the check replaced by one that lets everything through, the real
    command line still cannot reach the listener, because reading a local store denies
    network sockets to the process."""
    url, hits = listener
    sparql = f"SELECT * WHERE {{ SERVICE <{url}wall> {{ ?x ?y ?z }} }}"
    program = (
        "import sys, fmgraph.query as q\n"
        "q.check_read_only = lambda sparql, graphs: 'SELECT'\n"
        "from fmgraph.cli import main\n"
        "sys.argv = ['fmgraph', '--data', sys.argv[1], 'query', sys.argv[2]]\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(FIXTURES / "tiny"), sparql],
        capture_output=True,
        timeout=120,
        env={**os.environ},
    )
    assert hits == [], "the engine reached the network"
    assert done.returncode != 0
    assert b"Permission denied" in done.stderr


def test_the_sandbox_forbids_internet_sockets_but_not_unix_ones() -> None:
    program = (
        "import socket\n"
        "from fmgraph.sandbox import deny_network\n"
        "assert deny_network()\n"
        "a, b = socket.socketpair()\n"
        "try:\n"
        "    socket.socket(socket.AF_INET6)\n"
        "except PermissionError:\n"
        "    print('refused')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=60)
    assert done.stdout == b"refused\n", done.stderr


# --- fuzzing: a grammar-aware generator of tricky SPARQL around a SERVICE call ---------------
# Terms and clauses the engine accepts, chosen for what trips a lexer: escapes in prefixed
# names, quotes and hashes inside IRIs and strings, '<' right after an operand, comments that
# end at CR; then a tail that closes whatever a confused lexer thinks is still open.

_TERMS = [
    r"fm:a\'", r"fm:b\#", r"fm:c\'\'", r"fm:d\.e", "<http://x/'>", "<http://x/#>", "<'>",
    r"'it\'s'", r'"q\"#"', "'''a'b''c'''", '"""x"y"""', "'#'", "\"'\"", "?a", "1", "true",
    "'x'@en", '"1"^^<http://x/t#i>', "fm:f(?a)", "EXISTS{}", "(?a)",
]  # fmt: skip
_OPERATORS = ["<", ">", "=", "!=", "<=", " < ", "&&", "||", "+", "-"]
_JUNK = ["'", "''", "'''", '"', '"""', "#", "<", ">", "{", "}", "\\"]
_LINE_ENDS = ["\n", "\r", "\r\n"]


@st.composite
def _expressions(draw: st.DrawFn) -> str:
    left = draw(st.sampled_from(_TERMS))
    if draw(st.booleans()):
        return left
    return left + draw(st.sampled_from(_OPERATORS)) + draw(st.sampled_from(_TERMS))


@st.composite
def _clauses(draw: st.DrawFn, number: int) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return f"BIND({draw(_expressions())} AS ?v{number})"
    if kind == 1:
        return f"FILTER({draw(_expressions())})"
    if kind == 2:
        return f"?s ?p {draw(st.sampled_from(_TERMS))} ."
    if kind == 3:
        junk = "".join(draw(st.lists(st.sampled_from(_JUNK), max_size=3)))
        return f"# {junk}{draw(st.sampled_from(_LINE_ENDS))}"
    return f"OPTIONAL {{ ?s ?p {draw(st.sampled_from(_TERMS))} }}"


@st.composite
def _queries(draw: st.DrawFn, url: str) -> str:
    before = [draw(_clauses(i)) for i in range(draw(st.integers(0, 3)))]
    after = [draw(_clauses(10 + i)) for i in range(draw(st.integers(0, 2)))]
    service = draw(
        st.sampled_from(
            [
                f"SERVICE <{url}f> {{ ?x ?y ?z }}",
                f"service silent <{url}f> {{ ?x ?y ?z }}",
                f"SERVICE <{url}f>{{?x ?y ?z}}",
            ]
        )
    )
    head = draw(st.sampled_from(["SELECT * WHERE { ", "ASK { ", "SELECT * { ?s ?p ?o . "]))
    junk = "".join(draw(st.lists(st.sampled_from(_JUNK), max_size=3)))
    tail = draw(st.sampled_from([" }", " } #", " }\n#", " } # x\r"])) + junk
    return head + " ".join([*before, service, *after]) + tail


_STORE = Store()
_STORE.add(Quad(NamedNode("http://x/s"), NamedNode("http://x/p"), Literal("o")))
_PREFIXES = {"fm": "http://x/"}


def _has_service(sparql: str) -> bool:
    """rdflib's parser, an independent implementation of the grammar, sees a SERVICE."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery("PREFIX fm: <http://x/>\n" + sparql)
    except Exception:
        return False
    return "ServiceGraphPattern" in repr(parsed)


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_queries_never_reach_the_network(
    listener: tuple[str, list[str]], data: st.DataObject
) -> None:
    url, hits = listener
    sparql = data.draw(_queries(url))
    try:
        check_read_only(sparql, [])
    except QueryError:
        return
    # The check let it through: neither the engine nor rdflib's parser may see a SERVICE.
    assert not _has_service(sparql), sparql
    try:
        result = _STORE.query(sparql, prefixes=_PREFIXES)
        if isinstance(result, QuerySolutions | QueryTriples):
            list(result)
    except (SyntaxError, OSError):
        pass
    assert hits == [], sparql


def test_a_serve_worker_cannot_reach_the_network(listener: tuple[str, list[str]]) -> None:
    """The second wall in `fmgraph serve`: a query handed straight to a worker process, past
    the front's check, still cannot make the engine connect anywhere."""
    import multiprocessing

    from fmgraph import serve
    from fmgraph.cache import store_path

    url, hits = listener
    context = multiprocessing.get_context("spawn")
    front, back = context.Pipe()
    worker = context.Process(
        target=serve._work, args=(back, str(store_path(FIXTURES / "tiny")), 10)
    )
    worker.start()
    try:
        assert front.recv() == serve._READY
        front.send(
            serve.Request(f"SELECT * WHERE {{ SERVICE <{url}worker> {{ ?x ?y ?z }} }}", None)
        )
        reply = front.recv()
    finally:
        front.close()
        worker.join(30)
    assert hits == []
    assert reply.status == 500 and b"Permission denied" in reply.body
