"""Read-only, offline SPARQL over a :class:`~fmgraph.store.GraphStore`.

Before a query runs, :mod:`fmgraph.readonly` reads it terminal by terminal and refuses
anything that would write, or reach outside the store: SPARQL Update, ``LOAD``, ``SERVICE``,
and ``FROM`` clauses naming graphs the store does not hold. Such a query is never executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    has already shown this query read-only (fmgraph's own view queries; see graphview._fill),
    so it is not lexed again."""
    if not checked:
        check_read_only(sparql, store.named_graphs())
    try:
        return store.query(sparql, prefixes=PREFIXES)
    except SyntaxError as e:
        raise syntax_error(e) from e


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
