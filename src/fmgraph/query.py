"""Read-only, offline SPARQL over a :class:`~fmgraph.store.GraphStore`.

Before a query runs, :mod:`fmgraph.readonly` reads it terminal by terminal and refuses
anything that would write, or reach outside the store: SPARQL Update, ``LOAD``, ``SERVICE``,
and ``FROM`` clauses naming graphs the store does not hold. Such a query is never executed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import QueryError
from .readonly import check_read_only, syntax_error
from .resources import queries_dir
from .store import GraphStore, QueryResult
from .vocab import PREFIXES


def sparql_literal(text: str) -> str:
    """``text`` as a SPARQL string literal, safe to put into a query."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


def run_query(store: GraphStore, sparql: str, *, checked: bool = False) -> QueryResult:
    """Run a read-only query with the standard prefixes predeclared. ``checked``: the caller
    has already shown this query read-only (fmgraph's own view queries; see _fill),
    so it is not lexed again."""
    if not checked:
        check_read_only(sparql, store.named_graphs())
    try:
        return store.query(sparql, prefixes=PREFIXES)
    except SyntaxError as e:
        raise syntax_error(e) from e


# IRIs bound by one VALUES: Oxigraph 0.5 answers a VALUES of up to about a thousand by index
# lookups, and one of 2,000 by scanning every match of the other patterns (2.8 s, not 15 ms).
_VALUES_CHUNK = 500


def rows(store: GraphStore, sparql: str, *, checked: bool = False) -> Iterator[dict[str, Any]]:
    """Solutions of a SELECT as dicts of lexical values, ``None`` where a variable is unbound.

    The result is serialized to SPARQL TSV by Oxigraph and read back here: a row costs a
    fraction of what building one pyoxigraph term per value does (300,000 rows: 0.40 s, the
    solutions API 0.68 s, JSON 0.93 s), which is what dominates a view of a million-triple
    graph. TSV writes every term in N-Triples syntax, so any IRI round-trips; CSV, read here
    before, leaves an IRI with a comma unquoted. ``checked``: the caller has shown the query
    read-only already (:func:`_fill`), so it is not lexed again.
    """
    from pyoxigraph import QueryResultsFormat, QuerySolutions

    result = run_query(store, sparql, checked=checked)
    if not isinstance(result, QuerySolutions):
        raise TypeError("rows() takes a SELECT query")
    data = (result.serialize(format=QueryResultsFormat.TSV) or b"").decode("utf-8")
    lines = data.split("\n")
    lines.pop()  # after the last newline
    names = [name[1:] for name in lines[0].split("\t")] if lines and lines[0] else []
    for line in lines[1:]:
        row: dict[str, Any] = {}
        for name, term in zip(names, line.split("\t"), strict=True):
            first = term[:1]
            if first == "<":
                row[name] = term[1:-1]
            elif first == '"':
                text = term[1 : term.rfind('"')]
                row[name] = _unescape(text) if "\\" in text else text
            else:  # a number or boolean in short form, a blank node, or "" (unbound)
                row[name] = term or None
        yield row


_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    """A string of an N-Triples literal with its escapes (ECHAR, UCHAR) resolved."""
    return _ESCAPE.sub(
        lambda m: (
            chr(int(m.group(1) or m.group(2), 16))
            if m.group(3) is None
            else _ESCAPED.get(m.group(3), m.group(0))
        ),
        text,
    )


def rows_over(store: GraphStore, sparql: str, iris: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of ``sparql`` with its ``%s`` filled by ``iris`` (in a ``VALUES``), a chunk at a
    time, so that no query text grows with the graph."""
    items = sorted(set(iris))
    found = []
    for i in range(0, len(items), _VALUES_CHUNK):
        chunk = items[i : i + _VALUES_CHUNK]
        found += _fill(store, sparql, chunk, " ".join(f"<{x}>" for x in chunk))
    return found


# An IRI with none of the characters SPARQL's IRIREF terminal excludes (nor a backslash)
# cannot end the <...> it is written in. A query template shown read-only with an empty
# VALUES stays read-only with such IRIs in it, so it need not be lexed again for each chunk
# of them: lexing a VALUES of 500 IRIs costs 2.6 ms, a tenth of a 3,000-step plan.
_PLAIN_IRI = re.compile(r'[^\x00-\x20<>"{}|^`\\]+')


def _fill(store: GraphStore, sparql: str, iris: Iterable[str], values: str) -> list[dict[str, Any]]:
    """Rows of ``sparql % values``, where ``values`` writes out ``iris`` and literals."""
    from .readonly import check_read_only

    if not all(_PLAIN_IRI.fullmatch(x) for x in iris):
        return list(rows(store, sparql % values))
    check_read_only(sparql % "", store.named_graphs())  # lexed once per process (cached)
    return list(rows(store, sparql % values, checked=True))


def rows_keyed(
    store: GraphStore,
    sparql: str,
    keys: Iterable[str] | Iterable[tuple[str, ...]],
    chunk_size: int = _VALUES_CHUNK,
) -> list[dict[str, Any]]:
    """Like :func:`rows_over`, for a query whose ``%s`` sits in ``VALUES (?i ?x …) { %s }``:
    each key (an IRI, or a tuple of IRIs for ``?x …``) is bound with a number ``?i``, and
    each row comes back with ``key`` in place of ``i``. Select ``?i`` instead of the IRIs:
    the store then decodes no IRI for the answer, which is what a row of IRIs mostly costs
    (4 µs an IRI at a million triples, against 6 µs a lookup). ``chunk_size`` keys are bound
    at a time."""
    items: list[Any] = sorted(set(keys))
    found = []
    for start in range(0, len(items), chunk_size):
        chunk = items[start : start + chunk_size]
        values = " ".join(
            f"({start + n} {' '.join(f'<{x}>' for x in key)})"
            if isinstance(key, tuple)
            else f"({start + n} <{key}>)"
            for n, key in enumerate(chunk)
        )
        iris = [x for key in chunk for x in (key if isinstance(key, tuple) else [key])]
        for r in _fill(store, sparql, iris, values):
            r["key"] = items[int(r.pop("i"))]
            found.append(r)
    return found


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    sparql: str


def bundled_queries() -> list[NamedQuery]:
    """The queries shipped with fmgraph; the first comment line of each is its description."""
    found = []
    for path in sorted(queries_dir().glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        found.append(NamedQuery(path.stem, first.lstrip("# ").strip(), text))
    return found


def bundled_query(name: str) -> NamedQuery:
    """One bundled query by name; an unknown name lists the others."""
    queries = bundled_queries()
    for query in queries:
        if query.name == name:
            return query
    from .errors import UnknownName

    raise UnknownName(f"no bundled query named {name!r}.", [q.name for q in queries])


def read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise QueryError(f"cannot read query file {path}: {e}") from e
