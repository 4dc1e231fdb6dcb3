"""Load a data directory: YAML files into a validated :class:`~fmgraph.model.Catalog`.

Every problem found is collected with its file, line and entry, and raised together as one
:class:`~fmgraph.errors.DataError`, so a user fixes them all in one pass.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Problem
from .files import RDF_SUFFIXES, data_files, read_text
from .gcpause import paused_gc
from .model import (
    Catalog,
    Concept,
    Entry,
    Motivation,
    Prerequisite,
    Session,
    Source,
    Topic,
    Work,
)
from .vocab import WORK_KINDS, slug
from .yaml_values import load_values

#: arXiv identifiers: new style (2305.18290) and old style (hep-th/9901001), no version.
ARXIV_NEW = r"\d{4}\.\d{4,5}"
ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = re.compile(rf"^({ARXIV_NEW}|{ARXIV_OLD})$")
#: What a session code may be written with.
SESSION_CODE = re.compile(r"^[\w.\-]+$")

#: The fields of each section's entries, in the order data files write them.
FIELDS: dict[str, tuple[str, ...]] = {
    "topics": ("id", "label", "definition"),
    "concepts": ("id", "label", "aliases", "definition", "topic", "broader", "requires",
                 "motivated_by"),
    "works": ("id", "title", "kind", "arxiv", "urls", "year", "authors", "authors_truncated",
              "doi", "description", "introduces", "teaches", "uses", "discusses", "cites"),
    "sessions": ("code", "title", "date", "collection", "topics", "assumes", "required",
                 "further"),
}  # fmt: skip

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Mapping(dict[str, Any]):
    """A YAML mapping that remembers the line it starts on."""

    line: int = 0


class _LineLoader(_Loader):  # type: ignore[valid-type,misc]
    """The safe loader (no Python tags), keeping line numbers on mappings."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file safely; a syntax error or a Python tag is a DataError at its line."""
    return parse_yaml(read_text(path), str(path))  # through files: a build knows what it read


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML ``text`` safely, its mappings carrying their lines; a syntax error or a
    Python tag is a DataError at its line of ``file``."""
    try:
        return load_values(text, _LineLoader, _Mapping)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(e, "problem", None) or str(e)
        raise DataError([Problem(file, line, None, f"YAML error: {problem}")]) from e


class _Entry:
    """Reads typed fields of one YAML mapping, recording a problem for each bad one."""

    def __init__(self, raw: _Mapping, kind: str, file: str, problems: list[Problem]) -> None:
        self.raw, self.kind, self.file, self.problems = raw, kind, file, problems
        self.line = raw.line or None
        self.name = kind

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, self.name, message))

    def check_fields(self, known: Iterable[str]) -> None:
        allowed = set(known)
        for key in self.raw:
            if key not in allowed:
                self.problem(f"unknown field {key!r} (known: {', '.join(sorted(allowed))})")

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                self.problem(f"missing required field {key!r}")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(f"field {key!r} must be text, got {type(value).__name__}")
            return None
        return str(value).strip()

    def texts(self, key: str) -> list[str]:
        value = self.raw.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            self.problem(f"field {key!r} must be a list of text")
            return []
        return [str(v).strip() for v in value if str(v).strip()]

    def flag(self, key: str) -> bool:
        value = self.raw.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(f"field {key!r} must be true or false, got {value!r}")
            return False
        return value

    def links(self, key: str, make: Callable[[str, str], Any]) -> list[Any]:
        """A list of ``{concept, reason}`` entries, each made into ``make(concept, reason)``."""
        raw = self.raw.get(key) or []
        if not isinstance(raw, list):
            self.problem(f"field {key!r} must be a list of {{concept, reason}} entries")
            return []
        found = []
        for item in raw:
            concept, reason = (item.get("concept"), item.get("reason")) if isinstance(
                item, dict) else (None, None)  # fmt: skip
            if (
                not isinstance(concept, str)
                or not isinstance(reason, str)
                or not (concept.strip() and reason.strip())
            ):
                self.problem(f"each entry of {key!r} needs 'concept' and 'reason', got {item!r}")
                continue
            found.append(make(concept.strip(), reason.strip()))
        return found

    def integer(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(f"field {key!r} must be a whole number, got {value!r}")
            return None
        return value

    def date(self, key: str) -> datetime.date | None:
        value = self.raw.get(key)
        if value is None or isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.problem(f"field {key!r} must be a date like 2024-02-06, got {value!r}")
            return None


def _topic(e: _Entry) -> Topic | None:
    e.check_fields(FIELDS["topics"])
    label = e.text("label", required=True)
    if label is None:
        return None
    topic_id = e.text("id") or slug(label)
    e.name = f"topic {topic_id!r}"
    return Topic(topic_id, label, e.text("definition"), Source(e.file, e.line))


def _concept(e: _Entry) -> Concept | None:
    e.check_fields(FIELDS["concepts"])
    label = e.text("label", required=True)
    concept_id = e.text("id") or (slug(label) if label else None)
    if concept_id:
        e.name = f"concept {concept_id!r}"
    definition = e.text("definition", required=True)
    topic = e.text("topic", required=True)
    requires = e.links("requires", Prerequisite)
    motivated_by = e.links("motivated_by", Motivation)
    if not (label and concept_id and definition and topic):
        return None
    return Concept(
        concept_id,
        label,
        definition,
        topic,
        aliases=e.texts("aliases"),
        requires=requires,
        motivated_by=motivated_by,
        broader=e.texts("broader"),
        source=Source(e.file, e.line),
    )


def _work(e: _Entry) -> Work | None:
    e.check_fields(FIELDS["works"])
    title = e.text("title", required=True)
    arxiv = e.text("arxiv")
    work_id = e.text("id") or (f"arxiv-{arxiv}" if arxiv else slug(title or ""))
    if work_id:
        e.name = f"work {work_id!r}"
    if arxiv is not None and not ARXIV_ID.match(arxiv):
        e.problem(f"arxiv id {arxiv!r} is not like 2305.18290 (no prefix, no version)")
    urls = []
    for url in e.texts("urls"):
        if is_iri(url):
            urls.append(url)
        else:
            e.problem(f"URL {url!r} is not a valid absolute IRI")
    kind = e.text("kind") or "paper"
    if kind not in WORK_KINDS:
        e.problem(f"kind {kind!r} is not one of {', '.join(WORK_KINDS)}")
    if title is None or not work_id:
        return None
    return Work(
        id=work_id,
        title=title,
        kind=kind,
        arxiv=arxiv,
        urls=urls,
        year=e.integer("year"),
        authors=e.texts("authors"),
        authors_truncated=e.flag("authors_truncated"),
        doi=e.text("doi"),
        description=e.text("description"),
        introduces=e.texts("introduces"),
        teaches=e.texts("teaches"),
        uses=e.texts("uses"),
        discusses=e.texts("discusses"),
        cites=e.texts("cites"),
        source=Source(e.file, e.line),
    )


def is_iri(url: str) -> bool:
    """Whether ``url`` is an IRI the graph can hold: valid for Oxigraph, with a scheme."""
    from pyoxigraph import NamedNode

    try:
        NamedNode(url)
    except ValueError:
        return False
    return ":" in url


def _session(e: _Entry) -> Session | None:
    e.check_fields(FIELDS["sessions"])
    code = e.text("code", required=True)
    if code:
        e.name = f"session {code!r}"
    title = e.text("title", required=True)
    if code is None or title is None:
        return None
    return Session(
        code=code,
        title=title,
        date=e.date("date"),
        collection=e.text("collection"),
        topics=e.texts("topics"),
        required=e.texts("required"),
        further=e.texts("further"),
        assumes=e.texts("assumes"),
        source=Source(e.file, e.line),
    )


_SECTIONS: dict[str, tuple[str, Callable[[_Entry], Any]]] = {
    "topics": ("topic", _topic),
    "concepts": ("concept", _concept),
    "works": ("work", _work),
    "sessions": ("session", _session),
}


def _key(item: Entry) -> str:
    return item.code if isinstance(item, Session) else item.id


#: The entries of one data file, by section (``topics``, ``concepts``, …), in file order.
FileEntries = dict[str, list[Entry]]


def load_catalog(data_dir: Path, known: Mapping[Path, FileEntries] | None = None) -> Catalog:
    """Read every data file of ``data_dir``; raise one DataError listing all problems.

    The files in ``known`` are not read: their entries are taken as given (by
    :mod:`fmgraph.patch`, which read those files' bytes and found them unchanged), and checked
    with the others exactly as if they had been read.
    """
    # Loading makes millions of containers and no cycles; with the cyclic collector on, it
    # rescans them over and over (8.2 s instead of 3.5 s for a 100,000-work catalog).
    with paused_gc():
        return _load_catalog(data_dir, known or {})


def _load_catalog(data_dir: Path, known: Mapping[Path, FileEntries]) -> Catalog:
    catalog = Catalog()
    problems: list[Problem] = []
    files = data_files(data_dir)
    if not files:
        problems.append(Problem(str(data_dir), None, None, "data directory holds no data files"))
    for path in files:
        if path.suffix in RDF_SUFFIXES:
            catalog.rdf_files.append(path)
            continue
        entries = known.get(path)
        if entries is None:
            try:
                document = read_yaml(path)
            except DataError as e:
                problems.extend(e.problems)
                continue
            entries = read_entries(document, str(path), problems)
        add_entries(catalog, entries, problems)
    problems.extend(check_references(catalog))
    if problems:
        raise DataError(problems)
    return catalog


def read_entries(document: Any, file: str, problems: list[Problem]) -> FileEntries:
    """The entries of one parsed YAML document, each checked on its own; a problem with one
    is added to ``problems`` and the entry left out."""
    found: FileEntries = {}
    if document is None:
        return found
    if not isinstance(document, dict):
        problems.append(Problem(file, 1, None, f"top level must be a mapping with {_known()}"))
        return found
    for section, entries in document.items():
        if section not in _SECTIONS:
            line = getattr(document, "line", None)
            problems.append(Problem(file, line, None, f"unknown section {section!r} ({_known()})"))
            continue
        kind, parse = _SECTIONS[section]
        if not isinstance(entries, list):
            problems.append(Problem(file, None, section, "must be a list of entries"))
            continue
        items = found.setdefault(section, [])
        for raw in entries:
            if not isinstance(raw, _Mapping):
                problems.append(Problem(file, None, section, f"entry must be a mapping: {raw!r}"))
                continue
            item = parse(_Entry(raw, kind, file, problems))
            if item is not None:
                items.append(item)
    return found


def add_entries(catalog: Catalog, entries: FileEntries, problems: list[Problem]) -> None:
    """Add one file's entries to ``catalog``; an id already there is a problem."""
    for section, items in entries.items():
        kind = _SECTIONS[section][0]
        table: dict[str, Any] = getattr(catalog, section)
        for item in items:
            key = _key(item)
            if key in table:
                first = table[key].source
                problems.append(
                    Problem(
                        item.source.file,
                        item.source.line,
                        f"{kind} {key!r}",
                        f"duplicate id, first defined at {first.file}:{first.line}",
                    )
                )
                continue
            table[key] = item


def _known() -> str:
    return "sections " + ", ".join(_SECTIONS)


def check_references(catalog: Catalog) -> list[Problem]:
    """Problems with ids that name nothing, and prerequisite cycles."""
    problems: list[Problem] = []

    def missing(
        owner: Topic | Concept | Work | Session,
        what: str,
        ids: Iterable[str],
        table: dict[str, Any],
    ) -> None:
        name = f"{type(owner).__name__.lower()} {_key(owner)!r}"
        for ref in ids:
            if ref not in table:
                hint = _closest(ref, table)
                problems.append(
                    Problem(
                        owner.source.file,
                        owner.source.line,
                        name,
                        f"{what} {ref!r} is not defined{hint}",
                    )
                )

    for concept in catalog.concepts.values():
        missing(concept, "topic", [concept.topic], catalog.topics)
        missing(
            concept, "prerequisite concept", [p.concept for p in concept.requires], catalog.concepts
        )
        missing(concept, "motivating concept", [m.concept for m in concept.motivated_by],
                catalog.concepts)  # fmt: skip
        missing(concept, "broader concept", concept.broader, catalog.concepts)
    for work in catalog.works.values():
        missing(work, "concept", work.introduces + work.teaches + work.uses + work.discusses,
                catalog.concepts)  # fmt: skip
        missing(work, "cited work", work.cites, catalog.works)
    for session in catalog.sessions.values():
        missing(session, "topic", session.topics, catalog.topics)
        missing(session, "assumed concept", session.assumes, catalog.concepts)
        missing(session, "work", session.required + session.further, catalog.works)
        seen: set[str] = set()
        for _, role, work_id in session.readings():
            if work_id in seen:
                problems.append(
                    Problem(
                        session.source.file,
                        session.source.line,
                        f"session {session.code!r}",
                        f"work {work_id!r} is read twice ({role})",
                    )
                )
            seen.add(work_id)
    problems.extend(_cycles(catalog))
    return problems


def _closest(ref: str, table: dict[str, Any]) -> str:
    import difflib

    close = difflib.get_close_matches(ref, list(table), n=3)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def _cycles(catalog: Catalog) -> list[Problem]:
    """One problem per prerequisite cycle, found by an iterative depth-first search."""
    concepts = catalog.concepts
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    problems: list[Problem] = []
    for start in sorted(concepts):
        if start in state:
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterator[str]]] = [(start, _requires(concepts[start], concepts))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycle = [*path[path.index(child) :], child]
                c = concepts[child]
                message = "prerequisite cycle: " + " requires ".join(cycle)
                problems.append(
                    Problem(c.source.file, c.source.line, f"concept {child!r}", message)
                )
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, _requires(concepts[child], concepts)))
    return problems


def _requires(concept: Concept, concepts: dict[str, Concept]) -> Iterator[str]:
    return iter([p.concept for p in concept.requires if p.concept in concepts])
