"""``fmgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the built store, and the
explorer page at ``/``.

Why not ``oxigraph serve-read-only`` as it is: with oxigraph 0.5.13 it runs ``SERVICE``
clauses (fetching from any host a query names), has no cap on rows, and when ``--timeout-s``
fires it has already sent ``200 OK`` and part of the rows, then an error text in the body.
So this is a small front on the standard library's ``ThreadingHTTPServer`` that queries
pyoxigraph in worker processes:

- every query passes :func:`fmgraph.readonly.check_read_only` first; a refusal is a 403, and
  SPARQL Update, LOAD and SERVICE never reach the store;
- a worker runs the query and serializes at most ``max_rows`` rows (or triples) in the format
  the ``Accept`` header asks for; the whole answer is ready before the status line goes out,
  so an error or a timeout is never a 200 with part of the rows;
- a query cannot be interrupted inside Rust from a Python thread, so a worker still running
  at the deadline is killed and replaced, and the client gets a 503;
- bound to a loopback address, it answers only requests whose ``Host`` names a loopback
  host, so a web page cannot reach it by pointing its own domain at 127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse_query_results,
)

from .errors import FmgraphError, QueryError, QueryRefused
from .readonly import check_read_only
from .sandbox import deny_network
from .store import LocalStore
from .vocab import PREFIXES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
ENDPOINT_PATHS = ("/query", "/sparql")
WRITE_PATHS = ("/update", "/store")
MAX_BODY = 1 << 20  # bytes of a POSTed query
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WORKER_START_TIMEOUT = 60.0
TEXT = "text/plain; charset=utf-8"
READ_ONLY = "SPARQL Update is refused: this endpoint is read-only"
#: What SELECT and ASK answers can be sent as; the first is the default.
RESULT_TYPES = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
}
#: What CONSTRUCT and DESCRIBE answers can be sent as; the first is the default.
GRAPH_TYPES = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/xml": RdfFormat.RDF_XML,
}


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type ``accept`` likes best, None if it likes none of them.

    As in RFC 9110, a type's quality comes from the most specific range that matches it; ties
    go to the range listed first, then to the order of ``offered``. No header (or an empty
    one) accepts the first offered type.
    """
    ranges = []
    for position, item in enumerate((accept or "").split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media.lower(), quality, position))
    if not ranges:
        return offered[0]
    best, best_key = None, (0.0, 0, 0)
    for index, candidate in enumerate(offered):
        matches = [(_specificity(r, candidate), -pos, q) for r, q, pos in ranges]
        specificity, first, quality = max(matches)
        key = (quality, first, -index)
        if specificity >= 0 and quality > 0 and (best is None or key > best_key):
            best, best_key = candidate, key
    return best


def _specificity(media_range: str, media: str) -> int:
    if media_range == media:
        return 2
    if media_range.endswith("/*") and media.startswith(media_range[:-1]):
        return 1
    return 0 if media_range == "*/*" else -1


@dataclass(frozen=True)
class Request:
    """One query for a worker, with the client's Accept header and the protocol's dataset."""

    sparql: str
    accept: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer; ``truncated`` is None when it is not a query's answer."""

    status: int
    media_type: str
    body: bytes
    truncated: bool | None = None


def _text(status: int, message: str) -> Reply:
    return Reply(status, TEXT, (message + "\n").encode())


def answer(store: LocalStore, request: Request, max_rows: int) -> Reply:
    """Run one query and serialize at most ``max_rows`` rows or triples of its answer."""
    dataset: dict[str, Any] = {}
    if request.default_graphs or request.named_graphs:
        dataset["default_graph"] = [NamedNode(g) for g in request.default_graphs]
        dataset["named_graphs"] = [NamedNode(g) for g in request.named_graphs]
    try:
        result = store.oxigraph.query(request.sparql, prefixes=PREFIXES, **dataset)
        offered = RESULT_TYPES if isinstance(result, QuerySolutions | QueryBoolean) else GRAPH_TYPES
        media = negotiate(request.accept, list(offered))
        if media is None:
            return _text(406, f"cannot answer as {request.accept}; ask for {', '.join(offered)}")
        if isinstance(result, QueryBoolean):
            fmt = RESULT_TYPES[media]
            return Reply(200, fmt.media_type, result.serialize(format=fmt) or b"", False)
        if isinstance(result, QuerySolutions):
            fmt = RESULT_TYPES[media]
            body, truncated = _solutions(result, fmt, max_rows)
            return Reply(200, fmt.media_type, body, truncated)
        from .export import rdf_bytes

        graph_fmt = GRAPH_TYPES[media]
        triples = list(islice(result, max_rows + 1))
        body = rdf_bytes(triples[:max_rows], graph_fmt)
        return Reply(200, graph_fmt.media_type, body, len(triples) > max_rows)
    except SyntaxError as e:
        return _text(400, f"SPARQL syntax error: {e}")
    except (OSError, ValueError) as e:
        return _text(500, f"the query failed: {e}")


def _solutions(
    result: QuerySolutions, fmt: QueryResultsFormat, max_rows: int
) -> tuple[bytes, bool]:
    variables = result.variables
    rows = list(islice(result, max_rows + 1))
    # pyoxigraph serializes whole answers only, but it parses TSV, whose terms are written
    # exactly as str() writes them: rebuild the first rows as TSV, parse, serialize in fmt.
    lines = ["\t".join(str(v) for v in variables)]
    lines += [
        "\t".join("" if s[v] is None else str(s[v]) for v in variables) for s in rows[:max_rows]
    ]
    capped = parse_query_results("\n".join(lines) + "\n", format=QueryResultsFormat.TSV)
    return capped.serialize(format=fmt) or b"", len(rows) > max_rows


# ---------------------------------------------------------------------------------------------
# Workers


_READY = "ready"


def _work(conn: Connection, path: str, max_rows: int) -> None:
    """A worker process: open the store, then answer queries until the front goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the front, which stops us
    store = LocalStore(Path(path))
    deny_network()  # the second wall: SERVICE cannot reach out even past the check
    conn.send(_READY)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        conn.send(answer(store, request, max_rows))


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection


class WorkerPool:
    """Processes that answer queries; one still running at its deadline is killed and replaced."""

    def __init__(self, path: Path, max_rows: int, size: int) -> None:
        self._context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self._args = (str(path), max_rows)
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._closed = False
        started = [self._spawn() for _ in range(size)]
        for worker in started:
            if not self._ready(worker):
                self.close()
                raise FmgraphError(f"a query worker could not open the store at {path}")
            self._idle.put(worker)

    def run(self, request: Request, timeout: float) -> Reply:
        """The worker's reply, or a 503 once ``timeout`` seconds have passed without one."""
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            return _text(503, f"every query worker stayed busy for {timeout:g} s; try again later")
        try:
            worker.conn.send(request)
            if worker.conn.poll(timeout):
                reply: Reply = worker.conn.recv()
                self._idle.put(worker)
                return reply
            failed = _text(
                503,
                f"the query ran longer than {timeout:g} s and was stopped"
                " (fmgraph serve --timeout sets the limit)",
            )
        except (EOFError, OSError):
            failed = _text(500, "the query worker stopped unexpectedly; the query was not answered")
        self._kill(worker)
        threading.Thread(target=self._replace, daemon=True).start()
        return failed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, set()
        for worker in workers:
            self._stop(worker)

    def _spawn(self) -> _Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_work, args=(theirs, *self._args), name="fmgraph-query", daemon=True
        )
        with self._lock:
            if self._closed:
                raise FmgraphError("the worker pool is closed")
            process.start()
            worker = _Worker(process, ours)
            self._workers.add(worker)
        theirs.close()
        return worker

    def _ready(self, worker: _Worker) -> bool:
        try:
            if worker.conn.poll(WORKER_START_TIMEOUT) and worker.conn.recv() == _READY:
                return True
        except (EOFError, OSError):
            pass
        self._kill(worker)
        return False

    def _replace(self) -> None:
        try:
            worker = self._spawn()
        except FmgraphError:  # closing down
            return
        if self._ready(worker):
            self._idle.put(worker)

    def _kill(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        self._stop(worker)

    @staticmethod
    def _stop(worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()


# ---------------------------------------------------------------------------------------------
# The HTTP front


@dataclass(frozen=True)
class Endpoint:
    """What the front needs to answer: the workers, the store's graphs, the limits, the page."""

    pool: WorkerPool
    graphs: list[str]
    page: bytes
    timeout: float
    max_rows: int
    cors: bool
    hosts: frozenset[str] | None  # the Host names answered; None: any


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address to bind) is this machine only."""
    import ipaddress

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def host_name(header: str | None) -> str:
    """The host of a ``Host`` header, without port or IPv6 brackets, lower case."""
    value = (header or "").strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    endpoint: Endpoint


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "fmgraph"
    timeout = 60  # seconds a client may take to send its request
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't hold the second

    def _host_refused(self) -> bool:
        hosts = self.server.endpoint.hosts
        if hosts is None or host_name(self.headers.get("Host")) in hosts:
            return False
        self.close_connection = True
        self._text(403, "this endpoint answers requests to localhost only (Host header refused)")
        return True

    def do_GET(self) -> None:
        if self._host_refused():
            return
        url = urlsplit(self.path)
        if url.path == "/":
            self._send(200, "text/html; charset=utf-8", self.server.endpoint.page)
        elif url.path in ENDPOINT_PATHS:
            self._query(parse_qs(url.query, keep_blank_values=True))
        else:
            self._no_such_path(url.path)

    def do_POST(self) -> None:
        if self._host_refused():
            return
        url = urlsplit(self.path)
        if url.path not in ENDPOINT_PATHS:
            self.close_connection = True  # the body is left unread
            return self._no_such_path(url.path)
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            if not length.isdigit():
                return self._text(411, "a POST needs a Content-Length")
            return self._text(413, f"a query may be at most {MAX_BODY} bytes")
        body = self.rfile.read(int(length)).decode("utf-8", "replace")
        params = parse_qs(url.query, keep_blank_values=True)
        media = self.headers.get_content_type()
        if media == "application/x-www-form-urlencoded":
            for name, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(name, []).extend(values)
        elif media == "application/sparql-query":
            params.setdefault("query", []).append(body)
        elif media == "application/sparql-update":
            return self._text(403, READ_ONLY)
        else:
            return self._text(
                415,
                f"cannot read a POST of {media}: send application/sparql-query"
                " or application/x-www-form-urlencoded",
            )
        self._query(params)

    def do_OPTIONS(self) -> None:
        if self._host_refused():
            return
        if not self.server.endpoint.cors:
            return self._method_not_allowed()
        self._send(
            204,
            None,
            b"",
            {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Accept, Content-Type",
                "Access-Control-Max-Age": "86400",
            },
        )

    def _method_not_allowed(self) -> None:
        self.close_connection = True
        self._text(405, f"{self.command} is not allowed: send GET or POST", {"Allow": "GET, POST"})

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_CONNECT = do_TRACE = _method_not_allowed

    def _query(self, params: dict[str, list[str]]) -> None:
        endpoint = self.server.endpoint
        if "update" in params:
            return self._text(403, READ_ONLY)
        queries = params.get("query", [])
        if len(queries) != 1:
            return self._text(400, f"give exactly one query parameter, not {len(queries)}")
        default = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
        try:
            check_read_only(queries[0], endpoint.graphs)
            for graph in default + named:
                if graph not in endpoint.graphs:
                    raise QueryRefused(f"graph <{graph}> is refused: the store has no such graph")
        except QueryRefused as e:
            return self._text(403, str(e))
        except QueryError as e:  # malformed, or too large or deep to parse safely
            return self._text(400, str(e))
        request = Request(queries[0], self.headers.get("Accept"), tuple(default), tuple(named))
        reply = endpoint.pool.run(request, endpoint.timeout)
        headers = {}
        if reply.truncated is not None:
            headers["X-Fmgraph-Max-Rows"] = str(endpoint.max_rows)
            headers["X-Fmgraph-Truncated"] = "true" if reply.truncated else "false"
        self._send(reply.status, reply.media_type, reply.body, headers)

    def _no_such_path(self, path: str) -> None:
        if path in WRITE_PATHS:
            return self._text(403, f"{path} is refused: this endpoint is read-only")
        self._text(404, f"nothing at {path}: the SPARQL endpoint is /query, the explorer is /")

    def _text(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, TEXT, (message + "\n").encode(), headers)

    def _send(
        self, status: int, media: str | None, body: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if media is not None:
            self.send_header("Content-Type", media)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.server.endpoint.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header(
                "Access-Control-Expose-Headers", "X-Fmgraph-Max-Rows, X-Fmgraph-Truncated"
            )
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _interrupt(_signum: int, _frame: object) -> NoReturn:
    raise KeyboardInterrupt


def serve(
    path: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int | None = None,
    cors: bool = False,
    say: Callable[[str], None] = lambda _message: None,
) -> None:
    """Serve the built store at ``path`` until Ctrl-C or SIGTERM; ``say`` reports progress."""
    from .render import explorer_page

    try:
        server = _Server((host, port), _Handler)
    except OSError as e:
        raise FmgraphError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    pool: WorkerPool | None = None
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        store = LocalStore(path)
        page = explorer_page(store)
        if not page.whole:
            say("the graph is too big to browse whole: the explorer at / shows the concept map")
        size = workers if workers is not None else max(2, min(4, os.cpu_count() or 1))
        pool = WorkerPool(path, max_rows, size)
        hosts = LOOPBACK_NAMES if is_loopback(host) else None
        server.endpoint = Endpoint(
            pool, store.named_graphs(), page.html.encode(), timeout, max_rows, cors, hosts
        )
        url = f"http://{host}:{server.server_port}/"
        say(f"SPARQL endpoint at {url}query, explorer at {url} (Ctrl-C stops)")
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        server.server_close()
        if pool is not None:
            pool.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
