"""The records an import passes along: what a source says, and what the import did.

A work a source names is a :class:`fmgraph.model.Work` whose ``id`` is empty until the merge
plan gives it one (a new id, or the id of the known work it is). Readings and sessions carry the
file and line they were read from, and what was odd about them, as
:class:`~fmgraph.errors.Problem` records.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..errors import FmgraphError, Problem
from ..loader import FIELDS, SESSION_CODE
from ..model import Work
from ..vocab import ROLES


def new_work(title: str, **fields: Any) -> Work:
    """A work as a source names it: no id yet."""
    return Work(id="", title=title, **fields)


def entry_values(section: str, record: Any) -> dict[str, Any]:
    """The fields a data file writes for a new work or session, in the data format's order,
    without the empty ones: a field added to the model and the loader is written without a
    change here."""
    values = {name: getattr(record, name, None) for name in FIELDS[section]}
    return {k: v for k, v in values.items() if v not in (None, "", [], False)}


@dataclass
class ImportedReading:
    """One entry of a session's reading list, where it was found, and what was odd about it."""

    role: str
    work: Work
    file: str
    line: int
    problems: list[Problem] = field(default_factory=list)
    #: An abstract the source carries: evidence for concept links, never written.
    abstract: str | None = None

    def report(self, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, f"reading {self.work.title!r}", message))


@dataclass
class ImportedSession:
    """A session as a source describes it.

    ``title`` None keeps the title a session already has (a BibTeX import names only the
    code). ``complete`` is True when the source lists every reading of the session (a post),
    so readings of the data that it lacks are worth reporting.
    """

    code: str
    file: str
    line: int
    title: str | None = None
    date: datetime.date | None = None
    collection: str | None = None
    tags: list[str] = field(default_factory=list)
    readings: list[ImportedReading] = field(default_factory=list)
    complete: bool = True
    problems: list[Problem] = field(default_factory=list)

    def all_problems(self) -> list[Problem]:
        """Problems of the session itself, then of each reading, in file order."""
        found = list(self.problems)
        for reading in self.readings:
            found.extend(reading.problems)
        return sorted(found, key=lambda p: p.line or 0)


@dataclass
class Change:
    """One entry added or updated, in the file (relative to the data directory) that holds it."""

    action: str  # "add" | "update"
    kind: str  # "topic" | "work" | "session"
    id: str
    detail: str
    file: str


@dataclass
class ConceptLink:
    """A proposed link from a work to a concept (``relation``: teaches, uses or discusses), with
    its evidence: which words of the title matched which label or alias (``matched``), or what
    the source's abstract says."""

    work: str
    title: str
    concept: str
    matched: str
    written: bool
    relation: str = "discusses"
    evidence: str = ""


@dataclass
class SourceSummary:
    """What one source file gave: its format, sessions, readings, links left out as no
    readings, and the works its readings added or were merged into (known works)."""

    file: str
    format: str
    sessions: int = 0
    readings: int = 0
    links_left_out: int = 0
    works_added: int = 0
    works_merged: int = 0


@dataclass
class ImportResult:
    """What an import did (or, with ``dry_run``, would do) to a data directory."""

    data_dir: str
    dry_run: bool
    sources: list[str]
    readings_read: int
    sessions_added: list[str] = field(default_factory=list)
    sessions_updated: list[str] = field(default_factory=list)
    works_added: list[str] = field(default_factory=list)
    works_reused: list[str] = field(default_factory=list)
    works_updated: list[str] = field(default_factory=list)
    topics_added: list[str] = field(default_factory=list)
    readings_added: int = 0
    changes: list[Change] = field(default_factory=list)
    links: list[ConceptLink] = field(default_factory=list)
    reported: list[Problem] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)
    files: list[SourceSummary] = field(default_factory=list)


@dataclass
class EntryUpdate:
    """Changes to one existing entry of a data file: items appended to list fields, fields set."""

    section: str
    key: str
    file: str
    line: int | None
    append: dict[str, list[Any]] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, items: Iterable[Any], note: str) -> None:
        self.append.setdefault(name, []).extend(items)
        self.notes.append(note)


def check_target(session: str, role: str) -> None:
    """A reading-list file (BibTeX, CSL-JSON) is read into one session with one role: refuse
    a role that is not one, or a session code the data format would not take."""
    if role not in ROLES:
        raise FmgraphError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not SESSION_CODE.match(session):
        raise FmgraphError(
            f"session code {session!r} is not like 2024-S5 (letters, digits, '-', '.', '_')"
        )
