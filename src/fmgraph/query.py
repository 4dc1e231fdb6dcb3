"""Read-only, offline SPARQL over a :class:`~fmgraph.store.GraphStore`.

Before a query runs it is scanned (strings, IRIs and comments skipped) for anything that
would write, or reach outside the store: SPARQL Update, ``LOAD``, ``SERVICE``, and ``FROM``
clauses naming graphs the store does not hold. Such a query is refused, never executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import QueryError
from .resources import queries_dir
from .store import GraphStore, QueryResult
from .vocab import PREFIXES

_UPDATE_WORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
}
_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                  |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$][A-Za-z0-9_]+)
      | (?P<name>[A-Za-z_][A-Za-z0-9_\-.]*(?::[^\s{}()<>,;"'\[\]]*)?|:[^\s{}()<>,;"'\[\]]*)
      | (?P<other>\S)""",
    re.VERBOSE | re.DOTALL,
)
_SYNTAX_POSITION = re.compile(r"at (\d+):(\d+)")


def _tokens(sparql: str) -> list[tuple[str, str]]:
    found = []
    for match in _TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind != "comment":
            found.append((kind, match.group()))
    return found


def _expand(token: tuple[str, str], prefixes: dict[str, str]) -> str | None:
    kind, text = token
    if kind == "iri":
        return text[1:-1]
    if kind == "name" and ":" in text:
        prefix, _, local = text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def sparql_literal(text: str) -> str:
    """``text`` as a SPARQL string literal, safe to put into a query."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'


def check_read_only(sparql: str, graphs: list[str]) -> None:
    """Refuse a query that would write, fetch, or read a graph outside ``graphs``."""
    tokens = _tokens(sparql)
    prefixes = dict(PREFIXES)
    for i, (kind, text) in enumerate(tokens):
        word = text.upper() if kind == "name" else ""
        if word == "PREFIX" and i + 2 < len(tokens):
            iri = _expand(tokens[i + 2], {})
            if iri is not None:
                prefixes[tokens[i + 1][1].rstrip(":")] = iri
        elif word == "SERVICE":
            raise QueryError("SERVICE is refused: fmgraph queries never reach another endpoint")
        elif word == "LOAD":
            raise QueryError("LOAD is refused: the store is read-only and never fetches data")
        elif word in _UPDATE_WORDS:
            raise QueryError(f"SPARQL Update ({word}) is refused: the store is read-only")
        elif word == "FROM":
            j = i + 2 if i + 1 < len(tokens) and tokens[i + 1][1].upper() == "NAMED" else i + 1
            iri = _expand(tokens[j], prefixes) if j < len(tokens) else None
            if iri is None or iri not in graphs:
                raise QueryError(
                    f"FROM {tokens[j][1] if j < len(tokens) else ''} is refused: it names no"
                    " graph in the store, and fmgraph never fetches remote data"
                )


def run_query(store: GraphStore, sparql: str) -> QueryResult:
    """Run a read-only query with the standard prefixes predeclared."""
    check_read_only(sparql, store.named_graphs())
    try:
        return store.query(sparql, prefixes=PREFIXES)
    except SyntaxError as e:
        position = _SYNTAX_POSITION.search(str(e))
        where = f" at line {position.group(1)}, column {position.group(2)}" if position else ""
        detail = _SYNTAX_POSITION.sub("", str(e)).removeprefix("error ").lstrip(": ")
        raise QueryError(f"SPARQL syntax error{where}: {detail}") from e


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
