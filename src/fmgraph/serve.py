"""``fmgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the built store, and the
explorer page at ``/``.

Why not ``oxigraph serve-read-only`` as it is: with oxigraph 0.5.13 it runs ``SERVICE``
clauses (fetching from any host a query names), has no cap on rows, and when ``--timeout-s``
fires it has already sent ``200 OK`` and part of the rows, then an error text in the body.
So this is a small front on the standard library's ``ThreadingHTTPServer`` that queries
pyoxigraph in worker processes:

- every query passes :func:`fmgraph.readonly.check_read_only` first; a refusal is a 403, and
  SPARQL Update, LOAD and SERVICE never reach the store;
- a worker runs the query and has Oxigraph serialize at most ``max_rows`` rows (or triples)
  in the format the ``Accept`` header asks for, into a buffer that stops it at the cap; the
  whole answer is ready before the status line goes out, so an error or a timeout is never a
  200 with part of the rows;
- a query cannot be interrupted inside Rust from a Python thread, so a worker still running
  at the deadline is killed and replaced, and the client gets a 503;
- bound to a loopback address, it answers only requests whose ``Host`` names a loopback
  host, so a web page cannot reach it by pointing its own domain at 127.0.0.1 (DNS rebinding);
- everything is bounded: a whole request must arrive within ``REQUEST_DEADLINE`` (a peer
  trickling bytes is cut off, not only a silent one), an answer must be taken within
  ``WRITE_DEADLINE``, at most ``MAX_CONNECTIONS`` connections are served at once (one more
  gets a 503 at once), the kernel queues ``LISTEN_BACKLOG`` more, and an answer over
  ``MAX_ANSWER_BYTES`` is a 507, never a worker killed by the engine's buffer limit.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import queue
import re
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlsplit

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    serialize,
)

from .cache import open_at
from .errors import FmgraphError, QueryError, QueryRefused
from .export import EXPORT_PREFIXES
from .readonly import check_read_only
from .sandbox import deny_network
from .store import GraphStore
from .vocab import PREFIXES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
ENDPOINT_PATHS = ("/query", "/sparql")
WRITE_PATHS = ("/update", "/store")
MAX_BODY = 1 << 20  # bytes of a POSTed query
MAX_ANSWER_BYTES = 64 << 20  # bytes of one answer; a larger one is refused with 507
REQUEST_DEADLINE = 10.0  # seconds a connection has to send a whole request (or keep idle)
WRITE_DEADLINE = 30.0  # seconds a client has to take a whole answer
MAX_CONNECTIONS = 64  # connections served at once; one more is answered 503 and closed
LISTEN_BACKLOG = 1024  # connections the kernel holds while all are busy (capped by somaxconn)
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


def answer(store: GraphStore, request: Request, max_rows: int) -> Reply:
    """Run one query and serialize at most ``max_rows`` rows or triples of its answer, and at
    most ``MAX_ANSWER_BYTES`` bytes (a larger answer is a 507, not a cut-off document)."""
    dataset = bool(request.default_graphs or request.named_graphs)

    def run() -> Any:
        return store.query(
            request.sparql,
            prefixes=PREFIXES,
            default_graph=request.default_graphs if dataset else None,
            named_graphs=request.named_graphs if dataset else None,
        )

    try:
        result = run()
        offered = RESULT_TYPES if isinstance(result, QuerySolutions | QueryBoolean) else GRAPH_TYPES
        media = negotiate(request.accept, list(offered))
        if media is None:
            return _text(406, f"cannot answer as {request.accept}; ask for {', '.join(offered)}")
        if isinstance(result, QueryBoolean):
            fmt = RESULT_TYPES[media]
            return Reply(200, fmt.media_type, result.serialize(format=fmt) or b"", False)
        if isinstance(result, QuerySolutions):
            # Oxigraph serializes the answer itself, into a sink that stops it after the
            # first max_rows rows: one evaluation, no row turned into Python terms.
            fmt = RESULT_TYPES[media]
            body, cut = _capped(result.serialize, fmt, _ROWS[fmt](max_rows))
            return Reply(200, fmt.media_type, body, cut)
        graph_fmt = GRAPH_TYPES[media]
        triples = list(islice(result, max_rows + 1))

        def write(output: Any, format: RdfFormat) -> None:
            serialize(triples[:max_rows], output, format=format, prefixes=EXPORT_PREFIXES)

        body, _ = _capped(write, graph_fmt)
        return Reply(200, graph_fmt.media_type, body, len(triples) > max_rows)
    except SyntaxError as e:
        return _text(400, f"SPARQL syntax error: {e}")
    except _TooLarge:
        return _text(
            507,
            f"the answer is larger than {MAX_ANSWER_BYTES // 1048576} MiB: ask for less"
            " (LIMIT, fewer variables) or use fmgraph export",
        )
    except (OSError, ValueError, MemoryError) as e:
        return _text(500, f"the query failed: {e}")


class _TooLarge(Exception):
    pass


class _Enough(Exception):
    """Raised from a sink's write once the rows wanted are in: stops the serializer."""


class _Rows:
    """Counts the rows of one results format as Oxigraph writes it, chunk by chunk, and finds
    where the row after the first ``max_rows`` begins.

    Each format marks a row in a way no value can imitate: TSV ends a row with a newline
    (escaped inside terms), CSV with CR LF outside quotes, XML starts one with ``<result>``
    (``<`` is escaped in text), JSON with a ``{`` at the depth of the bindings array
    (strings tracked, escapes skipped).
    """

    #: What closes a document cut before a row.
    closing = b""

    def __init__(self, max_rows: int) -> None:
        self.max_rows = max_rows

    def cut(self, data: bytes, base: int) -> int | None:
        """The offset (from the start of the output) where the cut goes, once known."""
        raise NotImplementedError


class _TsvRows(_Rows):
    def __init__(self, max_rows: int) -> None:
        super().__init__(max_rows)
        self.lines = 0  # the header is line 1
        self.end: int | None = None  # just after the last row wanted

    def cut(self, data: bytes, base: int) -> int | None:
        if self.end is None:
            start = 0
            while (i := data.find(b"\n", start)) >= 0:
                self.lines += 1
                start = i + 1
                if self.lines == self.max_rows + 1:
                    self.end = base + start
                    break
        return self.end if self.end is not None and base + len(data) > self.end else None


class _CsvRows(_Rows):
    _TOKEN = re.compile(rb'"|\r\n')

    def __init__(self, max_rows: int) -> None:
        super().__init__(max_rows)
        self.lines = 0
        self.quoted = False
        self.cr = False  # the last chunk ended with a CR outside quotes
        self.end: int | None = None

    def _line_ends(self, at: int) -> bool:
        self.lines += 1
        if self.lines == self.max_rows + 1:
            self.end = at
            return True
        return False

    def cut(self, data: bytes, base: int) -> int | None:
        if self.end is None and data:
            if self.cr and data[:1] == b"\n" and self._line_ends(base + 1):
                pass
            elif self.end is None:
                for m in self._TOKEN.finditer(data):
                    if m.group() == b'"':
                        self.quoted = not self.quoted
                    elif not self.quoted and self._line_ends(base + m.end()):
                        break
            self.cr = not self.quoted and data.endswith(b"\r")
        return self.end if self.end is not None and base + len(data) > self.end else None


class _XmlRows(_Rows):
    closing = b"</results></sparql>"
    _MARK = b"<result>"

    def __init__(self, max_rows: int) -> None:
        super().__init__(max_rows)
        self.rows = 0
        self.tail = b""

    def cut(self, data: bytes, base: int) -> int | None:
        text = self.tail + data
        offset = base - len(self.tail)
        start = 0
        while (i := text.find(self._MARK, start)) >= 0:
            self.rows += 1
            if self.rows == self.max_rows + 1:
                return offset + i
            start = i + len(self._MARK)
        self.tail = text[-(len(self._MARK) - 1) :]
        return None


class _JsonRows(_Rows):
    closing = b"]}}"
    _TOKEN = re.compile(rb'\\.|["{}\[\]]', re.DOTALL)

    def __init__(self, max_rows: int) -> None:
        super().__init__(max_rows)
        self.rows = 0
        self.depth = 0
        self.in_string = False
        self.skip = False  # the last chunk ended inside an escape

    def cut(self, data: bytes, base: int) -> int | None:
        start = 1 if self.skip else 0
        self.skip = False
        end = start  # where the last token ended: a backslash after it is left dangling
        for m in self._TOKEN.finditer(data, start):
            token = m.group()
            end = m.end()
            if token == b'"':
                self.in_string = not self.in_string
            elif self.in_string:
                continue
            elif token == b"{":
                if self.depth == 3:  # a row of the bindings array begins
                    self.rows += 1
                    if self.rows == self.max_rows + 1:
                        return base + m.start() - 1  # before the comma that precedes it
                self.depth += 1
            elif token in (b"}", b"]"):
                self.depth -= 1
            elif token == b"[":
                self.depth += 1
        self.skip = self.in_string and data.endswith(b"\\") and end < len(data)
        return None


_ROWS: dict[QueryResultsFormat, type[_Rows]] = {
    QueryResultsFormat.TSV: _TsvRows,
    QueryResultsFormat.CSV: _CsvRows,
    QueryResultsFormat.XML: _XmlRows,
    QueryResultsFormat.JSON: _JsonRows,
}


class _CappedBuffer:
    """A binary sink for a serializer: refuses to grow past ``MAX_ANSWER_BYTES``, and, given a
    row counter, stops the serializer once the rows wanted are in."""

    def __init__(self, rows: _Rows | None = None) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.rows = rows
        self.cut: int | None = None
        self.over = False

    def write(self, data: bytes) -> int:
        data = bytes(data)
        if self.rows is not None and (cut := self.rows.cut(data, self.size)) is not None:
            self.chunks.append(data)
            self.size += len(data)
            self.cut = cut
            raise _Enough
        self.size += len(data)
        if self.size > MAX_ANSWER_BYTES:
            self.over = True
            raise _TooLarge
        self.chunks.append(data)
        return len(data)

    def flush(self) -> None:
        pass

    def body(self) -> tuple[bytes, bool]:
        """The bytes written (cut, and closed, when rows were left out); whether cut."""
        data = b"".join(self.chunks)
        if self.cut is None:
            return data, False
        assert self.rows is not None
        if self.cut > MAX_ANSWER_BYTES:
            raise _TooLarge
        return data[: self.cut] + self.rows.closing, True


def _capped(
    serialize_to: Callable[..., Any], fmt: Any, rows: _Rows | None = None
) -> tuple[bytes, bool]:
    """What ``serialize_to(output, format=fmt)`` writes, cut after ``rows.max_rows`` rows when
    given; whether it was cut. _TooLarge past ``MAX_ANSWER_BYTES``."""
    sink = _CappedBuffer(rows)
    try:
        serialize_to(sink, format=fmt)
    except Exception:
        # pyoxigraph reports an exception raised by the sink as an error of its own
        if sink.over:
            raise _TooLarge from None
        if sink.cut is None:
            raise
    return sink.body()


# ---------------------------------------------------------------------------------------------
# Workers


_READY = "ready"


def _work(conn: Connection, path: str, max_rows: int) -> None:
    """A worker process: open the store, then answer queries until the front goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the front, which stops us
    store = open_at(Path(path))
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


_BUSY_TEXT = b"too many connections at once; try again later\n"
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s"
    % (len(_BUSY_TEXT), _BUSY_TEXT)
)


class _Server(HTTPServer):
    """Connections served by a pool of threads, at most ``max_connections`` at once (one more
    is answered 503 and closed), with a real listen backlog.

    Threads are started as connections need them and then kept: starting a thread per
    connection cost more than the small query it served (p99 at 16 clients opening a
    connection per request).
    """

    request_queue_size = LISTEN_BACKLOG
    endpoint: Endpoint

    def __init__(self, address: tuple[str, int], max_connections: int) -> None:
        self._max = max_connections
        self._lock = threading.Lock()
        self._busy = 0  # connections handed to the pool and not yet closed
        self._idle = 0  # threads waiting for a connection and not yet promised one
        self._threads = 0
        self._connections: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            full = self._busy >= self._max
            if not full:
                self._busy += 1
                start = self._idle == 0
                if start:
                    self._threads += 1
                else:
                    self._idle -= 1
        if full:
            try:  # answered here, on the accepting thread: a few bytes, never blocking long
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        self._connections.put((request, client_address))
        if start:
            threading.Thread(
                target=self._serve_connections, name="fmgraph-http", daemon=True
            ).start()

    def _serve_connections(self) -> None:
        while (item := self._connections.get()) is not None:
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
                with self._lock:
                    self._busy -= 1
                    self._idle += 1

    def server_close(self) -> None:
        super().server_close()
        with self._lock:
            threads, self._threads = self._threads, 0
        for _ in range(threads):
            self._connections.put(None)


class _DeadlineReader(socket.SocketIO):
    """Reads a connection's socket with whatever is left of the handler's deadline as the
    timeout of each read, so a peer trickling bytes is cut off when the deadline passes,
    not only after a silence."""

    def __init__(self, sock: socket.socket, handler: _Handler) -> None:
        super().__init__(sock, "rb")
        self._handler = handler

    def readinto(self, b: Any) -> int | None:
        remaining = self._handler.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the request deadline passed")
        self._handler.connection.settimeout(remaining)
        return super().readinto(b)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "fmgraph"
    timeout = REQUEST_DEADLINE
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't hold the second
    deadline = 0.0

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the plain reader: replaced by one that keeps the deadline
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # no line per answered request: at 2,000 requests a second it is the log's cost

    def handle_one_request(self) -> None:
        # The whole request — line, headers, body — must arrive within REQUEST_DEADLINE of
        # the moment the connection is ready for it; an idle keep-alive connection closes then.
        self.deadline = time.monotonic() + REQUEST_DEADLINE
        super().handle_one_request()

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
        elif (editor := _editor_asset(url.path)) is not None:
            self._send(200, *editor)
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
        self.connection.settimeout(WRITE_DEADLINE)  # sendall: for the whole answer
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _editor_asset(path: str) -> tuple[str, bytes] | None:
    from .editor import asset

    return asset(path)


def _interrupt(_signum: int, _frame: object) -> NoReturn:
    raise KeyboardInterrupt


def make_server(
    path: Path,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    max_rows: int = DEFAULT_MAX_ROWS,
    workers: int | None = None,
    cors: bool = False,
    max_connections: int = MAX_CONNECTIONS,
    say: Callable[[str], None] = lambda _message: None,
) -> _Server:
    """A server for the built store at ``path``, listening, its workers started; run it with
    ``serve_forever()``, stop it with ``shutdown()``, then ``close_server()``."""
    from .render import explorer_page

    try:
        server = _Server((host, port), max_connections)
    except OSError as e:
        raise FmgraphError(f"cannot listen on {host}:{port}: {e.strerror or e}") from e
    pool: WorkerPool | None = None
    try:
        store = open_at(path)
        page = explorer_page(store)
        if not page.whole:
            say("the graph is too big to browse whole: the explorer at / shows the concept map")
        size = workers if workers is not None else max(2, min(4, os.cpu_count() or 1))
        pool = WorkerPool(path, max_rows, size)
        hosts = LOOPBACK_NAMES if is_loopback(host) else None
        server.endpoint = Endpoint(
            pool, store.named_graphs(), page.html.encode(), timeout, max_rows, cors, hosts
        )
    except BaseException:
        server.server_close()
        if pool is not None:
            pool.close()
        raise
    return server


def close_server(server: _Server) -> None:
    """Close the listening socket and stop the workers."""
    server.server_close()
    endpoint = getattr(server, "endpoint", None)
    if endpoint is not None:
        endpoint.pool.close()


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
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    server: _Server | None = None
    try:
        server = make_server(path, host=host, port=port, timeout=timeout, max_rows=max_rows,
                             workers=workers, cors=cors, say=say)  # fmt: skip
        url = f"http://{host}:{server.server_port}/"
        say(f"SPARQL endpoint at {url}query, explorer at {url} (Ctrl-C stops)")
        server.serve_forever()
    except KeyboardInterrupt:
        say("stopped")
    finally:
        if server is not None:
            close_server(server)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
