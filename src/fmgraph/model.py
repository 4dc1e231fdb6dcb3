"""The catalog: plain dataclasses for what the data files describe, before it becomes RDF."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """Where an entry is written: a file and the line its mapping starts on."""

    file: str
    line: int | None = None


# An entry's source is where it is written, not what it says: two entries that say the same
# compare equal wherever they are written (a build that finds an entry unchanged reuses it).


@dataclass
class Topic:
    id: str
    label: str
    definition: str | None = None
    source: Source = field(default=Source("<memory>"), compare=False)


@dataclass
class Prerequisite:
    """A concept that must be understood first (``fm:requires``), and why."""

    concept: str
    reason: str


@dataclass
class Motivation(Prerequisite):
    """A concept this one grew out of (``fm:motivatedBy``): useful context, not needed."""


@dataclass
class Concept:
    id: str
    label: str
    definition: str
    topic: str
    aliases: list[str] = field(default_factory=list)
    requires: list[Prerequisite] = field(default_factory=list)
    motivated_by: list[Motivation] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    source: Source = field(default=Source("<memory>"), compare=False)


@dataclass
class Work:
    id: str
    title: str
    kind: str = "paper"
    arxiv: str | None = None
    urls: list[str] = field(default_factory=list)
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    authors_truncated: bool = False
    doi: str | None = None
    description: str | None = None
    introduces: list[str] = field(default_factory=list)
    teaches: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    discusses: list[str] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)
    source: Source = field(default=Source("<memory>"), compare=False)


@dataclass
class Session:
    code: str
    title: str
    date: datetime.date | None = None
    collection: str | None = None
    topics: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    further: list[str] = field(default_factory=list)
    assumes: list[str] = field(default_factory=list)
    source: Source = field(default=Source("<memory>"), compare=False)

    def readings(self) -> list[tuple[int, str, str]]:
        """``(position, role, work id)`` for every reading, required ones first, from 1."""
        roles = [("required", w) for w in self.required] + [("further", w) for w in self.further]
        return [(i, role, work) for i, (role, work) in enumerate(roles, start=1)]


#: One entry of a data file.
Entry = Topic | Concept | Work | Session


@dataclass
class Catalog:
    """Everything a data directory holds, keyed by id; ``rdf_files`` are loaded as they are."""

    topics: dict[str, Topic] = field(default_factory=dict)
    concepts: dict[str, Concept] = field(default_factory=dict)
    works: dict[str, Work] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    rdf_files: list[Path] = field(default_factory=list)
