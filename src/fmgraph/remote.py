"""A remote SPARQL 1.1 endpoint as a :class:`~fmgraph.store.GraphStore`, and pushing a graph to one.

Queries go out with the SPARQL 1.1 Protocol (POST, ``application/sparql-query``) and answers
are parsed by pyoxigraph, so everything above the store sees the same terms as it does from
the embedded store. A query is never executed locally: :mod:`fmgraph.readonly` refuses what
would write or reach outside, and tells which formats to ask for from the query's form.
Default and named graphs can be chosen with ``default-graph-uri`` and ``named-graph-uri``
in the endpoint URL's query string; they are sent with every query.

:func:`push` uploads a graph with the SPARQL 1.1 Graph Store Protocol: ``PUT``, which replaces
the target graph, so pushing twice leaves one copy. Oxigraph serves queries at ``/query`` and
its graph store at ``/store``, so for an endpoint URL ending in ``/query`` the graph store URL
is derived that way; any other server needs it given (Fuseki: ``…/DATASET/data``, Virtuoso:
``…/sparql-graph-crud-auth``).

Credentials come from the environment only, never from the command line:
``FMGRAPH_ENDPOINT_TOKEN`` (sent as a Bearer token), else ``FMGRAPH_ENDPOINT_USER`` and
``FMGRAPH_ENDPOINT_PASSWORD`` (HTTP Basic). They are never sent on to a redirect.
``FMGRAPH_ENDPOINT_TIMEOUT`` is how long a request may take, in seconds (default 60).
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from pyoxigraph import (
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
)

from .errors import EndpointError, FmgraphError
from .readonly import query_form
from .store import GraphStore, QueryResult

DEFAULT_TIMEOUT = 60.0
RESULTS_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9,"
    " text/tab-separated-values;q=0.8"
)
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_RESULT_FORMATS = (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.TSV)
_GRAPH_FORMATS = (RdfFormat.N_TRIPLES, RdfFormat.TURTLE, RdfFormat.RDF_XML)
_ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_NAMED_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_DECLARED_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)


class RemoteStore:
    """A SPARQL 1.1 query endpoint (Oxigraph, Fuseki, Virtuoso, QLever …) standing in for
    the embedded store. Nothing is sent until the first query."""

    def __init__(self, endpoint: str, *, timeout: float | None = None) -> None:
        self.endpoint = checked_url(endpoint)
        self.timeout = timeout if timeout is not None else timeout_from_environment()
        self._graphs: list[str] | None = None

    def query(self, sparql: str, prefixes: dict[str, str] | None = None) -> QueryResult:
        # Never run locally, not even on an empty store: the engine evaluates SERVICE at once.
        form = query_form(sparql)
        declared = {m.group(1) or "" for m in _DECLARED_PREFIX.finditer(sparql)}
        prologue = "".join(
            f"PREFIX {name}: <{iri}>\n"
            for name, iri in (prefixes or {}).items()
            if name not in declared
        )
        if form in ("CONSTRUCT", "DESCRIBE"):
            body, media = self._post(prologue + sparql, GRAPH_ACCEPT)
            return _as_query_triples(_parse_graph(body, media, self.endpoint))
        body, media = self._post(prologue + sparql, RESULTS_ACCEPT)
        return _parse_results(body, media, self.endpoint)

    def triples(self) -> Iterator[Triple]:
        body, media = self._post(_ALL_TRIPLES, GRAPH_ACCEPT)
        for quad in _parse_graph(body, media, self.endpoint):
            yield quad.triple

    def named_graphs(self) -> list[str]:
        if self._graphs is None:  # asked before every query: fetch once
            result = self.query(_NAMED_GRAPHS)
            assert isinstance(result, QuerySolutions)
            self._graphs = sorted({s["g"].value for s in result if isinstance(s["g"], NamedNode)})
        return self._graphs

    def _post(self, sparql: str, accept: str) -> tuple[bytes, str]:
        headers = {"Content-Type": "application/sparql-query", "Accept": accept}
        return request(self.endpoint, "POST", sparql.encode(), headers, self.timeout)


@dataclass(frozen=True)
class Pushed:
    """What :func:`push` sent, and where."""

    url: str
    triples: int


def push(
    store: GraphStore,
    endpoint: str | None = None,
    *,
    graph: str | None = None,
    store_url: str | None = None,
    timeout: float | None = None,
) -> Pushed:
    """Replace ``graph`` (the default graph when None) at the endpoint's graph store with
    every triple of ``store``, as Turtle, with one Graph Store Protocol ``PUT``."""
    from .export import rdf_bytes

    if store_url is not None:
        target = checked_url(store_url)
    elif endpoint is not None:
        target = graph_store_url(endpoint)
    else:
        raise FmgraphError("push needs an endpoint URL (--endpoint) or a graph store URL")
    if graph is not None:
        try:
            NamedNode(graph)
        except ValueError as e:
            raise FmgraphError(f"--graph {graph!r} is not an absolute IRI: {e}") from e
    url = target + ("&" if urlsplit(target).query else "?")
    url += f"graph={quote(graph, safe='')}" if graph is not None else "default"
    triples = list(store.triples())
    data = rdf_bytes(triples, RdfFormat.TURTLE)
    headers = {"Content-Type": "text/turtle; charset=utf-8"}
    request(url, "PUT", data, headers, timeout or timeout_from_environment())
    return Pushed(url, len(triples))


def graph_store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL beside an Oxigraph endpoint: ``…/query`` → ``…/store``."""
    parts = urlsplit(checked_url(endpoint))
    if parts.path.endswith("/query"):
        path = parts.path.removesuffix("query") + "store"
        return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    raise FmgraphError(
        f"cannot tell the graph store URL of {endpoint}: it is derived only from an Oxigraph"
        " endpoint ending in /query; give it with --store-url (Fuseki: …/DATASET/data,"
        " Virtuoso: …/sparql-graph-crud-auth)"
    )


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


def timeout_from_environment() -> float:
    text = os.environ.get("FMGRAPH_ENDPOINT_TIMEOUT", "")
    if not text:
        return DEFAULT_TIMEOUT
    try:
        timeout = float(text)
    except ValueError:
        timeout = 0
    if not timeout > 0:
        raise FmgraphError(f"FMGRAPH_ENDPOINT_TIMEOUT={text!r} is not a positive number of seconds")
    return timeout


def _authorization() -> str | None:
    token = os.environ.get("FMGRAPH_ENDPOINT_TOKEN")
    if token:
        return f"Bearer {token}"
    user = os.environ.get("FMGRAPH_ENDPOINT_USER")
    if user:
        password = os.environ.get("FMGRAPH_ENDPOINT_PASSWORD", "")
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return None


def request(
    url: str, method: str, data: bytes, headers: dict[str, str], timeout: float
) -> tuple[bytes, str]:
    """Send one request; the body and media type of a 2xx answer, else :class:`EndpointError`."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    req.add_header("User-Agent", "fmgraph")
    authorization = _authorization()
    if authorization is not None:
        req.add_unredirected_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as e:
        detail = _first_line(e.read())
        raise EndpointError(
            f"{url} answered {method} with HTTP {e.code} {e.reason}"
            + (f": {detail}" if detail else "")
        ) from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise EndpointError(_timed_out(url, timeout)) from e
        raise EndpointError(f"cannot reach {url}: {e.reason}") from e
    except TimeoutError as e:
        raise EndpointError(_timed_out(url, timeout)) from e
    except (OSError, http.client.HTTPException) as e:
        raise EndpointError(f"the connection to {url} failed: {e or type(e).__name__}") from e


def _timed_out(url: str, timeout: float) -> str:
    return f"{url} did not answer within {timeout:g} s (FMGRAPH_ENDPOINT_TIMEOUT waits longer)"


def _first_line(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[:limit] + "…"


def _parse_results(body: bytes, media: str, url: str) -> QueryResult:
    fmt = QueryResultsFormat.from_media_type(media)
    if fmt not in _RESULT_FORMATS:
        raise EndpointError(f"{url} answered with {media}, not SPARQL results; is it a query URL?")
    try:
        checked = parse_query_results(body, format=fmt)
        if isinstance(checked, QuerySolutions):
            for _ in checked:  # a malformed row fails here, not later in the caller's loop
                pass
        return parse_query_results(body, format=fmt)
    except SyntaxError as e:
        raise EndpointError(f"{url} answered with malformed {media}: {e}") from e


def _parse_graph(body: bytes, media: str, url: str) -> Iterator[Quad]:
    fmt = RdfFormat.from_media_type(media)
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
