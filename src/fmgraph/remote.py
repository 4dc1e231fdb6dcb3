"""A remote SPARQL 1.1 endpoint as a :class:`~fmgraph.store.GraphStore`, and pushing a graph to one.

Queries go out with the SPARQL 1.1 Protocol: as a GET when the URL stays short, else as a
form-encoded POST, both of which every server tested answers (Virtuoso never answers a direct
``application/sparql-query`` POST); ``FMGRAPH_ENDPOINT_METHOD=direct`` asks for the direct
POST, ``get`` or ``form`` for one of the others always. Answers are parsed by pyoxigraph, so
everything above the store sees the same terms as from the embedded store; the SPARQL 1.0
forms some servers still send (``typed-literal``, an ASK answered as a one-row table of
``__ASK_RETVAL``) are read as their SPARQL 1.1 equivalents.
A query is never executed locally, not even on an empty store (where the engine would still
evaluate ``SERVICE``): :mod:`fmgraph.readonly` refuses what would write or reach outside, and
tells which formats to ask for from the query's form.

A query is checked locally before it is sent: a syntax error reads exactly as it does
locally, and the query form decides which formats to ask for. The check parses the query on
an empty in-memory store, which evaluates it; a query whose text could hold ``SERVICE`` in any
spelling is never evaluated here, only scanned for its form, so the local machine never makes
a request the query asks for.

With ``graph`` (``--graph IRI``), every query reads that named graph as its default graph
(``default-graph-uri``). Other protocol parameters may be given in the endpoint URL's query
string; they are sent with every query.

:func:`push` uploads a graph with the SPARQL 1.1 Graph Store Protocol, in chunks: a ``PUT`` of
the first replaces the target graph, a ``POST`` of each further one adds to it, so pushing
twice leaves one copy. Oxigraph serves queries at ``/query`` and its graph store at ``/store``,
so for an endpoint URL ending in ``/query`` the graph store URL is derived that way; any other
server needs it given (Fuseki: ``…/DATASET/data``, Virtuoso: ``…/sparql-graph-crud-auth``). A
server with SPARQL Update but no graph store (rdflib-endpoint) takes the same chunks as
``DROP SILENT GRAPH`` and ``INSERT DATA`` at its update URL.

Credentials come from the environment only, never from the command line:
``FMGRAPH_ENDPOINT_TOKEN`` (sent as a Bearer token with every request), else
``FMGRAPH_ENDPOINT_USER`` and ``FMGRAPH_ENDPOINT_PASSWORD``, sent only when the server asks,
with HTTP Digest when it offers Digest and HTTP Basic otherwise. They are only ever sent to
the origin of the URL given, never on to a redirect elsewhere.

Every request is bounded: ``FMGRAPH_ENDPOINT_TIMEOUT`` seconds for the whole exchange (default
60), ``FMGRAPH_ENDPOINT_MAX_BYTES`` for an answer (default 256 MiB). An error answer is shown
cut to one line with anything that looks like a credential removed. A redirect is followed only
for a GET; after a POST or PUT it is an error, since following it would drop the query.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import IO
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit
from urllib.request import parse_http_list, parse_keqv_list

from pyoxigraph import (
    BlankNode,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from .errors import EndpointError, FmgraphError
from .readonly import query_form
from .store import GraphStore, QueryResult

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_BYTES = 256 * 2**20
DEFAULT_CHUNK = 100_000  # triples in one push request: about 15 MB of N-Triples
GET_LIMIT = 2048  # longest URL sent as a GET; longer queries go as a form POST
METHODS = ("auto", "get", "form", "direct")
_REDIRECTS = 5
_ERROR_BODY = 64 * 1024  # bytes of an error answer read; the message shows one line of it
RESULTS_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9,"
    " text/tab-separated-values;q=0.8"
)
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_RESULT_FORMATS = (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.TSV)
_GRAPH_FORMATS = (RdfFormat.N_TRIPLES, RdfFormat.TURTLE, RdfFormat.RDF_XML)
_ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_GRAPH_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
_NAMED_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


class RemoteStore:
    """A SPARQL 1.1 query endpoint (Oxigraph, Fuseki, Virtuoso, QLever …) standing in for
    the embedded store; with ``graph``, only that named graph of it. Nothing is sent until
    the first query."""

    def __init__(
        self,
        endpoint: str,
        *,
        graph: str | None = None,
        timeout: float | None = None,
        method: str | None = None,
    ) -> None:
        self.endpoint = checked_url(endpoint)
        self.graph = checked_graph(graph) if graph is not None else None
        self.client = Client(timeout=timeout)
        self.method = method if method is not None else method_from_environment()
        self._graphs: list[str] | None = None

    def query(self, sparql: str, prefixes: dict[str, str] | None = None) -> QueryResult:
        form = query_form(sparql)
        declared = {m.group(1) or "" for m in _DECLARED_PREFIX.finditer(sparql)}
        prologue = "".join(
            f"PREFIX {name}: <{iri}>\n"
            for name, iri in (prefixes or {}).items()
            if name not in declared
        )
        if form in ("CONSTRUCT", "DESCRIBE"):
            body, media = self._send(prologue + sparql, GRAPH_ACCEPT)
            return _as_query_triples(_parse_graph(body, media, self.endpoint))
        body, media = self._send(prologue + sparql, RESULTS_ACCEPT)
        return _parse_results(body, media, self.endpoint, ask=form == "ASK")

    def triples(self) -> Iterator[Triple]:
        body, media = self._send(
            _ALL_TRIPLES if self.graph is None else _GRAPH_TRIPLES, GRAPH_ACCEPT
        )
        for quad in _parse_graph(body, media, self.endpoint):
            yield quad.triple

    def dump(self, fmt: RdfFormat, output: IO[bytes]) -> None:
        serialize(self.triples(), output, format=fmt)

    def named_graphs(self) -> list[str]:
        if self.graph is not None:  # the one graph read; FROM <it> is allowed
            return [self.graph]
        if self._graphs is None:  # asked before every query: fetch once
            result = self.query(_NAMED_GRAPHS)
            assert isinstance(result, QuerySolutions)
            self._graphs = sorted({s["g"].value for s in result if isinstance(s["g"], NamedNode)})
        return self._graphs

    def _send(self, sparql: str, accept: str) -> tuple[bytes, str]:
        base, params = _split_params(self.endpoint)
        if self.graph is not None:
            params = [p for p in params if p[0] not in ("default-graph-uri", "named-graph-uri")]
            params.append(("default-graph-uri", self.graph))
        headers = {"Accept": accept}
        if self.method == "direct":
            url = base + ("?" + urlencode(params) if params else "")
            headers["Content-Type"] = "application/sparql-query; charset=utf-8"
            return self.client.request(url, "POST", sparql.encode(), headers, self.endpoint)
        encoded = urlencode([*params, ("query", sparql)])
        if self.method == "get" or (
            self.method == "auto" and len(base) + 1 + len(encoded) <= GET_LIMIT
        ):
            return self.client.request(f"{base}?{encoded}", "GET", None, headers, self.endpoint)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.client.request(base, "POST", encoded.encode(), headers, self.endpoint)


def _split_params(url: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    return (
        urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
        parse_qsl(parts.query, keep_blank_values=True),
    )


# ---------------------------------------------------------------------------------------------
# Push


@dataclass(frozen=True)
class Pushed:
    """What :func:`push` sent, and where."""

    url: str
    triples: int
    requests: int = 1


def push(
    store: GraphStore,
    endpoint: str | None = None,
    *,
    graph: str | None = None,
    store_url: str | None = None,
    update_url: str | None = None,
    chunk: int = DEFAULT_CHUNK,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Pushed:
    """Replace ``graph`` (the default graph when None) at the endpoint with every triple of
    ``store``, ``chunk`` triples a request: with the Graph Store Protocol (``PUT``, then
    ``POST``), or, given ``update_url``, with SPARQL Update. Triples with blank nodes all go
    in one request, so that each blank node stays one node."""
    if graph is not None:
        checked_graph(graph)
    if chunk < 1:
        raise FmgraphError(f"the chunk size must be at least 1 triple, not {chunk}")
    client = Client(timeout=timeout)
    if update_url is not None:
        target = checked_url(update_url)
        send: Callable[[list[Triple], bool], None] = _update_sender(client, target, graph)
        shown = target
    else:
        if store_url is not None:
            base = checked_url(store_url)
        elif endpoint is not None:
            base = graph_store_url(endpoint)
        else:
            raise FmgraphError("push needs an endpoint URL (--endpoint) or a graph store URL")
        shown = base + ("&" if urlsplit(base).query else "?")
        shown += f"graph={quote(graph, safe='')}" if graph is not None else "default"
        send = _graph_store_sender(client, shown)
    sent = requests = 0
    for batch in _batches(store.triples(), chunk):
        send(batch, requests == 0)
        sent, requests = sent + len(batch), requests + 1
        if progress is not None and (requests > 1 or len(batch) == chunk):
            progress(f"pushed {sent:,} triples ({requests} request{'s' if requests > 1 else ''})")
    if requests == 0:  # an empty graph still replaces the target
        send([], True)
        requests = 1
    return Pushed(shown, sent, requests)


def _batches(triples: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    """Chunks of ``size`` triples; those with blank nodes come last, all in one chunk."""
    blank: list[Triple] = []
    batch: list[Triple] = []
    for t in triples:
        if isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode):
            blank.append(t)
            continue
        batch.append(t)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
    if blank:
        yield blank


def _graph_store_sender(client: Client, url: str) -> Callable[[list[Triple], bool], None]:
    def send(batch: list[Triple], first: bool) -> None:
        data = serialize(batch, format=RdfFormat.N_TRIPLES) or b""
        # N-Triples is Turtle; servers that take Turtle do not all take application/n-triples.
        headers = {"Content-Type": "text/turtle; charset=utf-8"}
        client.request(url, "PUT" if first else "POST", data, headers)

    return send


def _update_sender(
    client: Client, url: str, graph: str | None
) -> Callable[[list[Triple], bool], None]:
    target = f"GRAPH <{graph}>" if graph is not None else "DEFAULT"
    headers = {"Content-Type": "application/sparql-update; charset=utf-8"}

    def send(batch: list[Triple], first: bool) -> None:
        if first:
            client.request(url, "POST", f"DROP SILENT {target}".encode(), headers)
        if batch:
            # N-Triples is SPARQL's triple syntax too. (rdflib undoes \\u escapes before it
            # parses, so it misreads a literal backslash followed by u0041; Oxigraph does not.)
            data = (serialize(batch, format=RdfFormat.N_TRIPLES) or b"").decode()
            inner = f"GRAPH <{graph}> {{\n{data}}}" if graph is not None else data
            client.request(url, "POST", f"INSERT DATA {{\n{inner}}}".encode(), headers)

    return send


def graph_store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL beside an Oxigraph endpoint: ``…/query`` → ``…/store``."""
    parts = urlsplit(checked_url(endpoint))
    if parts.path.endswith("/query"):
        path = parts.path.removesuffix("query") + "store"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    raise FmgraphError(
        f"cannot tell the graph store URL of {endpoint}: it is derived only from an Oxigraph"
        " endpoint ending in /query; give it with --store-url (Fuseki: …/DATASET/data,"
        " Virtuoso: …/sparql-graph-crud-auth), or --update-url for SPARQL Update"
    )


# ---------------------------------------------------------------------------------------------
# Settings


def checked_url(url: str) -> str:
    """``url`` if it is an http(s) URL without credentials in it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FmgraphError(f"{url!r} is not an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise FmgraphError(
            "credentials do not go in the endpoint URL: set FMGRAPH_ENDPOINT_USER and"
            " FMGRAPH_ENDPOINT_PASSWORD, or FMGRAPH_ENDPOINT_TOKEN, in the environment"
        )
    return url


def checked_graph(graph: str) -> str:
    """``graph`` if it is an absolute IRI."""
    try:
        NamedNode(graph)
    except ValueError as e:
        raise FmgraphError(f"--graph {graph!r} is not an absolute IRI: {e}") from e
    if ":" not in graph:
        raise FmgraphError(f"--graph {graph!r} is not an absolute IRI")
    return graph


def _positive(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0 or value != value or value == float("inf"):
        raise FmgraphError(f"{name}={text!r} is not a positive number")
    return value


def timeout_from_environment() -> float:
    return _positive("FMGRAPH_ENDPOINT_TIMEOUT", DEFAULT_TIMEOUT)


def max_bytes_from_environment() -> int:
    return int(_positive("FMGRAPH_ENDPOINT_MAX_BYTES", DEFAULT_MAX_BYTES))


def method_from_environment() -> str:
    method = os.environ.get("FMGRAPH_ENDPOINT_METHOD", "") or "auto"
    if method not in METHODS:
        raise FmgraphError(
            f"FMGRAPH_ENDPOINT_METHOD={method!r}: choose one of {', '.join(METHODS)}"
        )
    return method


# ---------------------------------------------------------------------------------------------
# HTTP


@dataclass
class _Credentials:
    token: str | None
    user: str | None
    password: str

    @classmethod
    def from_environment(cls) -> _Credentials:
        return cls(
            os.environ.get("FMGRAPH_ENDPOINT_TOKEN") or None,
            os.environ.get("FMGRAPH_ENDPOINT_USER") or None,
            os.environ.get("FMGRAPH_ENDPOINT_PASSWORD", ""),
        )

    def secrets(self) -> list[str]:
        found = [s for s in (self.token, self.password) if s and len(s) >= 3]
        if self.user:
            import base64

            found.append(base64.b64encode(f"{self.user}:{self.password}".encode()).decode())
        return found


@dataclass
class _Digest:
    """A server's Digest challenge, reused for the requests after it (RFC 7616)."""

    params: dict[str, str]
    count: int = 0

    def header(self, user: str, password: str, method: str, uri: str) -> str:
        algorithm = self.params.get("algorithm", "MD5")
        name = algorithm.upper().removesuffix("-SESS")
        hash_name = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}.get(name)
        if hash_name is None:
            raise EndpointError(f"the server asks for Digest {algorithm}, which fmgraph lacks")

        def h(text: str) -> str:
            return hashlib.new(hash_name, text.encode()).hexdigest()

        realm, nonce = self.params.get("realm", ""), self.params.get("nonce", "")
        self.count += 1
        cnonce, nc = secrets.token_hex(8), f"{self.count:08x}"
        ha1 = h(f"{user}:{realm}:{password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in self.params.get("qop", "").split(",") if q.strip()]
        fields = [
            f'username="{user}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
            f"algorithm={algorithm}",
        ]
        if "auth" in qops:
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields.append(f'response="{response}"')
        if "opaque" in self.params:
            fields.append(f'opaque="{self.params["opaque"]}"')
        return "Digest " + ", ".join(fields)


def _challenges(headers: Message) -> dict[str, dict[str, str]]:
    """The schemes a 401 answer offers (``basic``, ``digest``), each with its parameters."""
    found: dict[str, dict[str, str]] = {}
    for value in headers.get_all("WWW-Authenticate") or []:
        # Several challenges may share one header: split where a new scheme name starts.
        for part in re.split(r",\s*(?=(?:Basic|Digest|Bearer|Negotiate)\b)", value, flags=re.I):
            scheme, _, rest = part.strip().partition(" ")
            items = [i for i in parse_http_list(rest) if "=" in i]
            found[scheme.lower()] = {k.lower(): v for k, v in parse_keqv_list(items).items()}
    return found


@dataclass
class _Answer:
    status: int
    reason: str
    headers: Message
    body: bytes


@dataclass
class Client:
    """Sends requests with the settings of the environment, and remembers which
    authentication each origin asked for, so that later requests send it at once."""

    timeout: float | None = None
    max_bytes: int | None = None
    credentials: _Credentials = field(default_factory=_Credentials.from_environment)
    _schemes: dict[str, str | _Digest] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.timeout is None:
            self.timeout = timeout_from_environment()
        if self.max_bytes is None:
            self.max_bytes = max_bytes_from_environment()

    def request(
        self,
        url: str,
        method: str,
        data: bytes | None,
        headers: dict[str, str],
        shown: str | None = None,
    ) -> tuple[bytes, str]:
        """Send one request; the body and media type of a 2xx answer, else EndpointError
        naming ``shown`` (default: ``url``). The whole exchange, redirects and an
        authentication round included, is bounded by the timeout."""
        assert self.timeout is not None
        shown = shown or url
        deadline = time.monotonic() + self.timeout
        origin = _origin(url)
        current = url
        for _hop in range(_REDIRECTS + 1):
            trusted = _origin(current) == origin  # credentials go nowhere else
            answer = self._exchange(current, method, data, headers, deadline, trusted, shown)
            if answer.status == 401 and trusted and self._learn(answer, origin):
                answer = self._exchange(current, method, data, headers, deadline, trusted, shown)
            if 300 <= answer.status < 400 and answer.status != 304:
                location = answer.headers.get("Location")
                if method != "GET" or not location:
                    raise EndpointError(
                        f"{shown} answered {method} with a redirect (HTTP {answer.status})"
                        + (f" to {self._scrub(location)}" if location else "")
                        + ": fmgraph follows no redirect of a query or upload;"
                        " give the URL it points to"
                    )
                current = urljoin(current, location)
                if urlsplit(current).scheme not in ("http", "https"):
                    raise EndpointError(f"{shown} redirected to a URL that is not http(s)")
                continue
            if 200 <= answer.status < 300:
                return answer.body, answer.headers.get_content_type()
            detail = self._detail(answer.body)
            if (
                answer.status == 401
                and self.credentials.user is None
                and not self.credentials.token
            ):
                detail = (detail + " " if detail else "") + (
                    "(set FMGRAPH_ENDPOINT_USER and FMGRAPH_ENDPOINT_PASSWORD,"
                    " or FMGRAPH_ENDPOINT_TOKEN)"
                )
            raise EndpointError(
                f"{shown} answered {method} with HTTP {answer.status} {answer.reason}"
                + (f": {detail}" if detail else "")
            )
        raise EndpointError(f"{shown} redirected more than {_REDIRECTS} times")

    def _learn(self, answer: _Answer, origin: str) -> bool:
        """Pick the scheme a 401 asks for; False when there is nothing new to try."""
        creds = self.credentials
        if creds.user is None:
            return False
        offered = _challenges(answer.headers)
        known = self._schemes.get(origin)
        if "digest" in offered:
            stale = offered["digest"].get("stale", "").lower() == "true"
            if isinstance(known, _Digest) and not stale:
                return False  # the credentials themselves were refused
            self._schemes[origin] = _Digest(offered["digest"])
            return True
        if known == "basic":
            return False
        self._schemes[origin] = "basic"
        return True

    def _authorization(self, origin: str, method: str, path: str) -> str | None:
        creds = self.credentials
        if creds.token:
            return f"Bearer {creds.token}"
        scheme = self._schemes.get(origin)
        if creds.user is None or scheme is None:
            return None
        if isinstance(scheme, _Digest):
            return scheme.header(creds.user, creds.password, method, path)
        import base64

        return "Basic " + base64.b64encode(f"{creds.user}:{creds.password}".encode()).decode()

    def _exchange(
        self,
        url: str,
        method: str,
        data: bytes | None,
        headers: dict[str, str],
        deadline: float,
        trusted: bool,
        shown: str,
    ) -> _Answer:
        parts = urlsplit(url)
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise EndpointError(self._timed_out(shown))
        connection_type = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(parts.hostname or "", parts.port, timeout=remaining)
        sent = {"User-Agent": "fmgraph", **headers}
        authorization = self._authorization(_origin(url), method, path) if trusted else None
        if authorization is not None:
            sent["Authorization"] = authorization
        # A watchdog closes the socket at the deadline: a server trickling a byte at a time
        # never lets a per-read timeout fire.
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(remaining, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            # A server may stop reading the body because it has answered already (Virtuoso
            # sends its 401 to a large PUT before reading it): read that answer, which says
            # more than a broken pipe. No answer at all fails below as before.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            limit = self.max_bytes if 200 <= response.status < 300 else _ERROR_BODY
            assert limit is not None
            body = self._read(response, limit, shown, strict=200 <= response.status < 300)
            if expired.is_set():  # the watchdog cut the answer short: it reads as an end
                raise EndpointError(self._timed_out(shown))
            length = response.getheader("Content-Length") or ""
            if length.isdigit() and len(body) < min(int(length), limit):
                raise EndpointError(
                    f"the connection to {shown} broke off after {len(body):,} of {length} bytes"
                )
            return _Answer(response.status, response.reason, response.headers, body)
        except EndpointError:
            raise
        except (OSError, http.client.HTTPException) as e:
            if expired.is_set() or isinstance(e, TimeoutError):
                raise EndpointError(self._timed_out(shown)) from e
            if isinstance(e, ConnectionRefusedError | socket.gaierror):
                raise EndpointError(f"cannot reach {shown}: {e.strerror or e}") from e
            raise EndpointError(f"the connection to {shown} failed: {e or type(e).__name__}") from e
        finally:
            watchdog.cancel()
            connection.close()

    def _read(
        self, response: http.client.HTTPResponse, limit: int, url: str, strict: bool
    ) -> bytes:
        length = response.getheader("Content-Length")
        if strict and length and length.isdigit() and int(length) > limit:
            raise EndpointError(self._too_big(url, limit))
        chunks, total = [], 0
        while chunk := response.read(min(1 << 16, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                if strict:
                    raise EndpointError(self._too_big(url, limit))
                break
        return b"".join(chunks)[:limit]

    def _too_big(self, url: str, limit: int) -> str:
        return (
            f"{url} answered with more than {limit:,} bytes (FMGRAPH_ENDPOINT_MAX_BYTES allows"
            " more)"
        )

    def _timed_out(self, url: str) -> str:
        return (
            f"{url} did not answer within {self.timeout:g} s"
            " (FMGRAPH_ENDPOINT_TIMEOUT waits longer)"
        )

    def _scrub(self, text: str) -> str:
        for secret in self.credentials.secrets():
            text = text.replace(secret, "***")
        text = re.sub(
            r"(?i)\b(authorization|bearer|basic|digest|password|token)\b(\s*[:=]?\s*)\S+",
            r"\1\2***",
            text,
        )
        return "".join(c if c.isprintable() else " " for c in text)

    def _detail(self, body: bytes, limit: int = 300) -> str:
        text = body.decode("utf-8", "replace").strip()
        line = self._scrub(text.splitlines()[0] if text else "").strip()
        return line if len(line) <= limit else line[:limit] + "…"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def request(
    url: str, method: str, data: bytes | None, headers: dict[str, str], timeout: float
) -> tuple[bytes, str]:
    """Send one request with a fresh :class:`Client`; the body and media type of the answer."""
    return Client(timeout=timeout).request(url, method, data, headers)


# ---------------------------------------------------------------------------------------------
# Answers


def _parse_results(body: bytes, media: str, url: str, *, ask: bool = False) -> QueryResult:
    fmt = QueryResultsFormat.from_media_type(media)
    if fmt not in _RESULT_FORMATS:
        raise EndpointError(f"{url} answered with {media}, not SPARQL results; is it a query URL?")
    if fmt == QueryResultsFormat.JSON and (ask or b'"typed-literal"' in body):
        body = _sparql_11_json(body, ask, media, url)
    try:
        checked = parse_query_results(body, format=fmt)
        if isinstance(checked, QuerySolutions):
            if ask:
                raise EndpointError(f"{url} answered an ASK query with a table")
            for _ in checked:  # a malformed row fails here, not later in the caller's loop
                pass
        return parse_query_results(body, format=fmt)
    except SyntaxError as e:
        raise EndpointError(f"{url} answered with malformed {media}: {e}") from e


def _sparql_11_json(body: bytes, ask: bool, media: str, url: str) -> bytes:
    """SPARQL 1.0-era JSON as SPARQL 1.1 JSON: ``typed-literal`` is a ``literal``, and an ASK
    answered as one row of one variable (Virtuoso's ``__ASK_RETVAL``) is its boolean."""
    try:
        data = json.loads(body)
        results = data.get("results") if isinstance(data, dict) else None
        bindings = results.get("bindings") if isinstance(results, dict) else None
    except (ValueError, AttributeError) as e:
        raise EndpointError(f"{url} answered with malformed {media}: {e}") from e
    if isinstance(bindings, list):
        for row in bindings:
            for term in row.values() if isinstance(row, dict) else ():
                if isinstance(term, dict) and term.get("type") == "typed-literal":
                    term["type"] = "literal"
    if ask and "boolean" not in data and isinstance(bindings, list):
        values = [t.get("value") for row in bindings for t in row.values()]
        if len(values) > 1 or any(v not in ("1", "0", "true", "false") for v in values):
            raise EndpointError(f"{url} answered an ASK query with a table, not a boolean")
        return json.dumps({"head": {}, "boolean": values in (["1"], ["true"])}).encode()
    return json.dumps(data).encode()


def _parse_graph(body: bytes, media: str, url: str) -> Iterator[Quad]:
    # text/plain is what servers of the SPARQL 1.0 era call N-Triples.
    fmt = RdfFormat.N_TRIPLES if media == "text/plain" else RdfFormat.from_media_type(media)
    if fmt not in _GRAPH_FORMATS:
        raise EndpointError(f"{url} answered with {media}, not RDF; is it a query URL?")
    try:
        yield from parse(body, format=fmt)
    except SyntaxError as e:
        raise EndpointError(f"{url} answered with malformed {media}: {e}") from e


def _as_query_triples(quads: Iterable[Quad]) -> QueryTriples:
    """The triples as a real :class:`QueryTriples`, the type the embedded store returns."""
    graph = Store()
    graph.extend(Quad(q.subject, q.predicate, q.object) for q in quads)
    result = graph.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(result, QueryTriples)
    return result
