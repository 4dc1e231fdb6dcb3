"""Merge imported sessions and works into a data directory, without losing or duplicating.

A work already known (same arXiv id, DOI, normalized URL or normalized title) is reused and
only gains what it lacked (URLs, arXiv id, DOI, year, authors); a session already known gains
the readings, topics and fields it lacked, and keeps everything it had. Re-importing the same
sources therefore changes nothing.

Where entries go:
  * new topics, works and sessions are appended to files the importer owns:
    ``imported-topics.yaml``, ``imported-works.yaml`` and ``imported-sessions.yaml``;
  * an entry that already exists is updated in the file that holds it, whoever wrote it.

Files are edited, never regenerated: ruamel.yaml's round-trip mode re-renders only the entries
that change and splices them in, so comments and layout elsewhere stay as the user left them.

Writes are atomic: every new file content is rendered in memory and the would-be directory is
loaded and checked in a temporary copy first; then each file is written to a temporary file in
the directory and moved over the old one, and a failure half-way puts the old files back.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, OutputError, Problem
from .files import data_files
from .loader import FIELDS, load_catalog
from .model import Catalog, Concept, Work
from .names import normalize
from .posts import (
    ImportedReading,
    ImportedSession,
    ImportedWork,
    guess_kind,
    normalize_url,
    unique_urls,
)
from .vocab import slug

#: The files new entries are appended to, one per section.
OWNED_FILES: dict[str, str] = {
    "topics": "imported-topics.yaml",
    "works": "imported-works.yaml",
    "sessions": "imported-sessions.yaml",
}
_KEY_FIELD = {"topics": "id", "works": "id", "sessions": "code"}
_FIELD_ORDER = {section: FIELDS[section] for section in ("topics", "works", "sessions")}
_FLOW_LISTS = {"topics", "authors", "introduces", "discusses", "cites"}
_HEADER = (
    "Written by `fmgraph import`: {what}. Edit freely; later imports keep your changes and\n"
    "only add what is missing."
)

Progress = Callable[[str], None]


# ---------------------------------------------------------------------------------- results


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
    """A proposed ``discusses`` link: the concept's label or alias is a word of the title."""

    work: str
    title: str
    concept: str
    matched: str
    written: bool


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


# ----------------------------------------------------------------------------- the merge


@dataclass
class _Update:
    """Changes to one existing entry: items appended to list fields, fields set."""

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


@dataclass
class _WorkState:
    """What is known of a work so far, existing or new, to match and merge readings into."""

    id: str
    title: str
    kind: str
    arxiv: str | None
    doi: str | None
    urls: list[str]
    year: int | None
    authors: list[str]
    concepts: list[str]
    new: bool

    @classmethod
    def of(cls, work: Work) -> _WorkState:
        return cls(
            work.id,
            work.title,
            work.kind,
            work.arxiv,
            work.doi,
            list(work.urls),
            work.year,
            list(work.authors),
            list(dict.fromkeys(work.introduces + work.discusses)),
            new=False,
        )


@dataclass
class _SessionState:
    code: str
    title: str
    date: datetime.date | None
    collection: str | None
    topics: list[str]
    required: list[str]
    further: list[str]
    new: bool


def _identity(arxiv: str | None, doi: str | None, urls: Iterable[str], title: str) -> list[str]:
    """The keys a work is recognised by, strongest first."""
    keys = []
    if arxiv:
        keys.append(f"arxiv:{arxiv}")
    if doi:
        keys.append(f"doi:{doi.lower()}")
    keys += [f"url:{normalize_url(u)}" for u in urls]
    name = normalize(title)
    if name:
        keys.append(f"title:{name}")
    return keys


class _Merger:
    """Plans every change of one import against a loaded catalog; writes nothing."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.works: dict[str, _WorkState] = {}
        self.index: dict[str, str] = {}
        for work in catalog.works.values():
            self._register(_WorkState.of(work))
        self.sessions: dict[str, _SessionState] = {
            s.code: _SessionState(
                s.code,
                s.title,
                s.date,
                s.collection,
                list(s.topics),
                list(s.required),
                list(s.further),
                new=False,
            )
            for s in catalog.sessions.values()
        }
        self.topics: dict[str, str] = {t.id: t.label for t in catalog.topics.values()}
        self.new_topics: list[str] = []
        self.updates: dict[tuple[str, str], _Update] = {}
        self.reported: list[Problem] = []
        self.touched: dict[str, None] = {}
        self.reused: dict[str, None] = {}
        self.readings_added = 0
        self.session_order: list[str] = []

    # ------------------------------------------------------------------ bookkeeping

    def _register(self, state: _WorkState) -> None:
        self.works[state.id] = state
        keys = _identity(state.arxiv, state.doi, state.urls, state.title)
        if state.id.startswith("arxiv-") and not state.arxiv:
            keys.insert(0, f"arxiv:{state.id[len('arxiv-') :]}")
        for key in keys:
            self.index.setdefault(key, state.id)

    def _update(self, section: str, key: str) -> _Update:
        """The pending update of an existing entry, created on first use."""
        found = self.updates.get((section, key))
        if found is None:
            table: dict[str, Any] = getattr(self.catalog, section)
            source = table[key].source
            found = _Update(section, key, source.file, source.line)
            self.updates[(section, key)] = found
        return found

    def _unique_id(self, base: str) -> str:
        base = base or "work"
        candidate, n = base, 2
        while candidate in self.works:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    # ------------------------------------------------------------------------ works

    def _find(self, work: ImportedWork) -> str | None:
        for key in _identity(work.arxiv, work.doi, work.urls, work.title):
            found = self.index.get(key)
            if found is None:
                continue
            state = self.works[found]
            clash_arxiv = work.arxiv and state.arxiv and work.arxiv != state.arxiv
            clash_doi = work.doi and state.doi and work.doi.lower() != state.doi.lower()
            if not (clash_arxiv or clash_doi):
                return found
        return None

    def work_for(self, work: ImportedWork) -> str:
        """The id of the work a reading reads: an existing one merged with it, or a new one."""
        found = self._find(work)
        if found is None:
            base = f"arxiv-{work.arxiv}" if work.arxiv else slug(work.title)
            state = _WorkState(
                id=self._unique_id(base),
                title=work.title,
                kind=work.kind,
                arxiv=work.arxiv,
                doi=work.doi,
                urls=list(work.urls),
                year=work.year,
                authors=list(work.authors),
                concepts=[],
                new=True,
            )
            self._register(state)
            self.touched[state.id] = None
            return state.id
        state = self.works[found]
        self.touched[found] = None
        if not state.new:
            self.reused[found] = None
        extra = unique_urls(work.urls, known=state.urls)
        fill: dict[str, Any] = {}
        if work.arxiv and not state.arxiv and f"arxiv:{work.arxiv}" not in self.index:
            fill["arxiv"] = state.arxiv = work.arxiv
        if work.doi and not state.doi and f"doi:{work.doi.lower()}" not in self.index:
            fill["doi"] = state.doi = work.doi
        if work.year and not state.year:
            fill["year"] = state.year = work.year
        if work.authors and not state.authors:
            state.authors = list(work.authors)
            fill["authors"] = list(work.authors)
        state.urls.extend(extra)
        if state.new:
            state.kind = "paper" if state.arxiv else guess_kind(state.urls)
        elif extra or fill:
            update = self._update("works", found)
            if extra:
                update.add("urls", extra, "add URL " + ", ".join(extra))
            for name, value in fill.items():
                update.set[name] = value
                shown = ", ".join(value) if isinstance(value, list) else value
                update.notes.append(f"set {name} {shown}")
        self._register(state)
        return found

    # ----------------------------------------------------------------------- topics

    def topic_for(self, tag: str, session: ImportedSession) -> str | None:
        key = slug(tag)
        if not key:
            session.problems.append(
                Problem(
                    session.file,
                    session.line,
                    f"session {session.code!r}",
                    f"tag {tag!r} has no letters or digits; left out",
                )
            )
            return None
        wanted = normalize(tag)
        for topic_id, label in self.topics.items():
            if topic_id == key or normalize(label) == wanted:
                return topic_id
        self.topics[key] = tag
        self.new_topics.append(key)
        return key

    # --------------------------------------------------------------------- sessions

    def _report(self, session: ImportedSession, message: str) -> None:
        self.reported.append(
            Problem(session.file, session.line, f"session {session.code!r}", message)
        )

    def _readings(self, session: ImportedSession) -> list[tuple[str, str, ImportedReading]]:
        """``(role, work id, reading)`` of a source, each work once."""
        seen: dict[str, ImportedReading] = {}
        result = []
        for reading in session.readings:
            work_id = self.work_for(reading.work)
            if work_id in seen:
                first = seen[work_id]
                reading.report(
                    f"reads the same work ({work_id}) as line {first.line}; kept once, "
                    f"as {first.role}"
                )
                continue
            seen[work_id] = reading
            result.append((reading.role, work_id, reading))
        return result

    def session(self, session: ImportedSession) -> None:
        """Plan the changes one imported session makes."""
        topics = [t for t in (self.topic_for(tag, session) for tag in session.tags) if t]
        readings = self._readings(session)
        state = self.sessions.get(session.code)
        if session.code not in self.session_order:
            self.session_order.append(session.code)
        if state is None:
            if session.title is None:
                self._report(
                    session,
                    "is a new session; it is titled by its code until you give it a title",
                )
            state = _SessionState(
                session.code,
                session.title or session.code,
                session.date,
                session.collection,
                list(dict.fromkeys(topics)),
                [w for role, w, _ in readings if role == "required"],
                [w for role, w, _ in readings if role == "further"],
                new=True,
            )
            self.sessions[session.code] = state
            self.readings_added += len(readings)
            return
        if state.new:
            self._report(session, "is also imported from an earlier source; merged into it")

        def change(name: str, items: list[Any], note: str) -> None:
            getattr(state, name).extend(items)
            if not state.new:
                self._update("sessions", session.code).add(name, items, note)

        listed = set(state.required) | set(state.further)
        for role, work_id, reading in readings:
            if work_id in listed:
                has = "required" if work_id in state.required else "further"
                if has != role:
                    reading.report(f"is {has} reading of session {session.code} already; kept so")
                continue
            listed.add(work_id)
            change(role, [work_id], f"add {role} reading {work_id}")
            self.readings_added += 1
        new_topics = [t for t in dict.fromkeys(topics) if t not in state.topics]
        if new_topics:
            change("topics", new_topics, "add topic " + ", ".join(new_topics))
        for name in ("date", "collection", "title"):
            value = getattr(session, name)
            current = getattr(state, name)
            if value is None or value == current:
                continue
            if current is None or (name == "title" and current == session.code):
                setattr(state, name, value)
                if not state.new:
                    update = self._update("sessions", session.code)
                    update.set[name] = value
                    update.notes.append(f"set {name} {value}")
            else:
                self._report(session, f"keeps its {name} {current!r} (the source says {value!r})")
        if session.complete:
            ids = {w for _, w, _ in readings}
            missing = [w for w in state.required + state.further if w not in ids]
            if missing:
                self._report(
                    session,
                    f"{len(missing)} reading(s) of the data are not in this source and were "
                    f"kept: {', '.join(missing)}",
                )

    # ------------------------------------------------------------------------ links

    def link_concepts(self, write: bool) -> list[ConceptLink]:
        """Concepts whose label or alias is a whole word of a touched work's title."""
        patterns = [
            (c, _name_patterns(c))
            for c in sorted(self.catalog.concepts.values(), key=lambda c: c.id)
        ]
        links: list[ConceptLink] = []
        for work_id in self.touched:
            state = self.works[work_id]
            found = []
            for concept, names in patterns:
                if concept.id in state.concepts:
                    continue
                for name, pattern in names:
                    if pattern.search(state.title):
                        found.append(ConceptLink(work_id, state.title, concept.id, name, write))
                        break
            links.extend(found)
            if write and found:
                ids = [link.concept for link in found]
                state.concepts.extend(ids)
                if not state.new:
                    self._update("works", work_id).add(
                        "discusses", ids, "link concept " + ", ".join(ids)
                    )
        return links


def _name_patterns(concept: Concept) -> list[tuple[str, re.Pattern[str]]]:
    """One pattern per label and alias, matching it as a whole word (plural allowed).

    Short all-capital aliases (RLHF, LM) match only in capitals, so "lm" in a word does not.
    """
    patterns = []
    for name in [concept.label, *concept.aliases]:
        name = name.strip()
        if not name:
            continue
        body = r"[\s\-]+".join(re.escape(part) for part in name.split())
        flags = 0 if (name.isupper() and len(name) <= 6) else re.IGNORECASE
        patterns.append((name, re.compile(rf"(?<!\w){body}(?:s|es)?(?!\w)", flags)))
    return patterns


# ------------------------------------------------------------------------ YAML editing


def _yaml() -> Any:
    from ruamel.yaml import YAML

    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    rt.indent(mapping=2, sequence=4, offset=2)
    return rt


def _seq(name: str, items: Iterable[Any], comments: dict[str, str] | None = None) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(list(items))
    if name in _FLOW_LISTS:
        seq.fa.set_flow_style()
    elif comments:
        # Items of an entry's list stand in column 8; line their comments up.
        column = 8 + max((len(str(item)) for item in seq if item in comments), default=0) + 2
        for i, item in enumerate(seq):
            if item in comments:
                seq.yaml_add_eol_comment(f"# {comments[item]}", i, column=column)
    return seq


def _scalar(name: str, value: Any) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(value) if name == "arxiv" else value


def _entry(section: str, values: dict[str, Any], comments: dict[str, str]) -> Any:
    """A new entry as a round-trip mapping, fields in the order of the data format."""
    from ruamel.yaml.comments import CommentedMap

    entry = CommentedMap()
    for name in _FIELD_ORDER[section]:
        value = values.get(name)
        if value is None or value == []:
            continue
        entry[name] = (
            _seq(name, value, comments) if isinstance(value, list) else _scalar(name, value)
        )
    return entry


def _append_item(seq: Any, value: Any, comment: str | None) -> None:
    """Append to a round-trip list, moving the blank lines and comments that followed the old
    last item (they belong to what comes next) after the new one."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    last = len(seq) - 1
    tail, column = "", None
    slot = seq.ca.items.get(last) if last >= 0 else None
    if slot and slot[0] is not None:
        token = slot[0]
        if token.value.lstrip(" ").startswith("#"):
            column = token.column
            first, _, tail = token.value.partition("\n")
            token.value = first + "\n"
        else:
            tail = token.value[1:]
            del seq.ca.items[last]
    seq.append(value)
    index = len(seq) - 1
    if comment and not getattr(seq.fa, "_flow_style", False):
        seq.yaml_add_eol_comment(f"# {comment}", index, column=column)
        token = seq.ca.items[index][0]
        token.value = token.value.rstrip("\n") + "\n" + tail
    elif tail:
        seq.ca.items[index] = [CommentToken("\n" + tail, CommentMark(0), None), None, None, None]


def _apply(section: str, entry: Any, update: _Update, comments: dict[str, str]) -> None:
    """Apply an update to an existing round-trip entry in place."""
    order = _FIELD_ORDER[section]

    def place(name: str, value: Any) -> None:
        if name in entry:
            entry[name] = value
            return
        position = 0
        keys = list(entry.keys())
        for i, key in enumerate(keys):
            if key in order and order.index(key) < order.index(name):
                position = i + 1
        entry.insert(position, name, value)

    for name, items in update.append.items():
        current = entry.get(name)
        if isinstance(current, list):
            for item in items:
                _append_item(current, item, comments.get(item))
        else:
            before = [current] if current not in (None, "") else []
            place(name, _seq(name, before + items, comments))
    for name, value in update.set.items():
        place(name, _seq(name, value) if isinstance(value, list) else _scalar(name, value))


def _plain(value: Any) -> Any:
    """A round-trip value as plain Python, to compare with what a safe load gives."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


_COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def _comments(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in text.splitlines():
        match = _COMMENT.search(line)
        if match:
            found[match.group(1).strip()] += 1
    return found


def _faithful(original: str, text: str, doc: Any) -> bool:
    """``text`` holds exactly ``doc``'s data and every comment of ``original``."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    return loaded == _plain(doc) and not (_comments(original) - _comments(text))


def _dump(rt: Any, value: Any) -> str:
    buffer = io.StringIO()
    rt.dump(value, buffer)
    return buffer.getvalue()


def _render_items(rt: Any, items: list[Any], dash: int) -> list[str]:
    """Entries as the lines of a block list whose ``-`` stands in column ``dash``."""
    from ruamel.yaml.comments import CommentedSeq

    lines = _dump(rt, CommentedSeq(items)).splitlines()
    shift = dash - 2  # a top-level list is dumped with its dashes in column 2
    if shift >= 0:
        return [(" " * shift + line) if line else line for line in lines]
    return [line[-shift:] if line[:-shift].strip() == "" else line for line in lines]


def _is_filler(line: str) -> bool:
    """A blank or comment-only line: what separates entries and belongs to what follows."""
    return not line.strip() or line.lstrip().startswith("#")


def _trim(lines: list[str], start: int, end: int) -> int:
    """``end`` moved up past the blank and comment lines that close ``lines[start:end]``."""
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    return end


def _render_fields(rt: Any, entry: Any, names: list[str], column: int) -> list[str]:
    """Some fields of an entry as lines whose keys stand in ``column``, without the blank and
    comment lines ruamel attaches after them (those stay where they are in the file)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    # Dumped as the fields of a list item, so they stand in column 4 as in data/ and comment
    # columns come out where they were; then the item's dash is blanked and all is shifted.
    item = CommentedSeq([CommentedMap((name, entry[name]) for name in names)])
    lines = _dump(rt, item).splitlines()
    while lines and _is_filler(lines[-1]):
        lines.pop()
    lines[0] = lines[0].replace("- ", "  ", 1)
    shift = column - 4
    if shift >= 0:
        return [(" " * shift + line) if line else line for line in lines]
    return [line[-shift:] if not line[:-shift].strip() else line for line in lines]


def _field_edits(
    rt: Any, lines: list[str], entry: Any, before: list[str], start: int, end: int
) -> list[tuple[int, int, list[str]]] | None:
    """Edits that rewrite only the fields of one entry that changed or were added."""
    if not before:
        return None
    column = entry.lc.key(before[0])[1]
    end = _trim(lines, start, end)
    ranges: dict[str, tuple[int, int]] = {}
    for i, name in enumerate(before):
        first = entry.lc.key(name)[0]
        last = entry.lc.key(before[i + 1])[0] if i + 1 < len(before) else end
        ranges[name] = (first, _trim(lines, first, last))
    edits: list[tuple[int, int, list[str]]] = []
    pending: list[str] = []
    anchor: str | None = None
    current = [str(k) for k in entry]
    for name in [*current, ""]:
        if name and name not in ranges:
            pending.append(name)  # a new field: written after the field before it
            continue
        if pending:
            if anchor is None:
                return None
            at = ranges[anchor][1]
            edits.append((at, at, _render_fields(rt, entry, pending, column)))
            pending = []
        if not name:
            break
        anchor = name
    if any(name not in current for name in ranges):
        return None  # a field was removed: not something an import does
    return edits


def _splice(
    original: str,
    doc: Any,
    keys: list[str],
    touched: dict[str, dict[int, list[str]]],
    appended: dict[str, list[Any]],
    changed: dict[tuple[str, int], set[str]],
) -> str | None:
    """``original`` with the changed fields re-rendered and new entries appended, everything
    else left byte for byte; None when the layout is too unusual to edit in place."""
    rt = _yaml()
    lines = original.splitlines()
    edits: list[tuple[int, int, list[str]]] = []  # (start, end, replacement), 0-based, end excl.
    tail: list[str] = []
    for section in sorted(set(touched) | set(appended)):
        new_items = appended.get(section, [])
        seq = doc[section]
        if section not in keys:  # a section the file did not have: add it at the end
            tail += ["", f"{section}:", *_render_items(rt, new_items, 2)]
            continue
        count = len(seq) - len(new_items)
        if count <= 0:
            return None
        position = keys.index(section)
        section_end = doc.lc.key(keys[position + 1])[0] if position + 1 < len(keys) else len(lines)
        starts = [seq.lc.item(i)[0] for i in range(count)]
        first = lines[starts[0]]
        if not first.lstrip().startswith("- "):
            return None
        dash = len(first) - len(first.lstrip())
        bounds = [
            (starts[i], starts[i + 1] if i + 1 < count else section_end) for i in range(count)
        ]
        for i, before in touched.get(section, {}).items():
            entry = seq[i]
            start, end = bounds[i]
            names = changed.get((section, i), set())
            if before and before[0] in names:
                return None  # the first field shares its line with the dash
            fields = _field_edits(rt, lines, entry, before, start, end)
            if fields is None:
                return None
            edits += fields
            for name in names & set(before):
                first_line = entry.lc.key(name)[0]
                following = [entry.lc.key(n)[0] for n in before if entry.lc.key(n)[0] > first_line]
                last = _trim(lines, first_line, min(following, default=end))
                column = entry.lc.key(name)[1]
                edits.append((first_line, last, _render_fields(rt, entry, [name], column)))
        if new_items:
            gap = [""] if count > 1 and not lines[bounds[-1][0] - 1].strip() else []
            block: list[str] = []
            for item in new_items:
                block += gap + _render_items(rt, [item], dash)
            start, end = bounds[-1]
            at = _trim(lines, start, end)
            edits.append((at, at, block))
    result = list(lines)
    # Apply from the bottom up; at one line, an insertion goes after a replacement ending there.
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1] - e[0]), reverse=True):
        result[start:end] = replacement
    return "\n".join(result + tail).rstrip("\n") + "\n"


def _edit_file(
    path: Path,
    original: str | None,
    appends: dict[str, list[dict[str, Any]]],
    updates: list[_Update],
    comments: dict[str, str],
) -> str:
    """The new text of one data file after appending entries and applying updates."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    rt = _yaml()
    if original is None or not original.strip():
        what = " and ".join(appends) or "entries"
        header = "".join(f"# {line}\n" for line in _HEADER.format(what=what).splitlines())
        built = {s: [_entry(s, e, comments) for e in entries] for s, entries in appends.items()}
        parts = []
        for section, items in built.items():
            gap = [""] if section in ("works", "sessions") else []
            lines = [f"{section}:"]
            for item in items:
                lines += (gap if lines[-1] != f"{section}:" else []) + _render_items(rt, [item], 2)
            parts.append("\n".join(lines) + "\n")
        text = header + "\n" + "\n".join(parts)
        expected = {s: [_plain(item) for item in items] for s, items in built.items()}
        if yaml.safe_load(text) != expected:
            doc = CommentedMap((s, CommentedSeq(items)) for s, items in expected.items())
            text = header + "\n" + _dump(rt, doc)
        return text
    doc = rt.load(original)
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise DataError([Problem(str(path), 1, None, "top level must be a mapping")])
    keys = [str(k) for k in doc]
    touched: dict[str, dict[int, list[str]]] = {}
    for update in updates:
        seq = doc.get(update.section)
        index = next(
            (i for i in range(len(seq or [])) if seq.lc.item(i)[0] + 1 == update.line), None
        )
        if index is None:
            raise DataError(
                [
                    Problem(
                        str(path),
                        update.line,
                        f"{update.section[:-1]} {update.key!r}",
                        "cannot find this entry to update it; was the file changed meanwhile?",
                    )
                ]
            )
        touched.setdefault(update.section, {})[index] = [str(k) for k in seq[index]]
        _apply(update.section, seq[index], update, comments)
    appended: dict[str, list[Any]] = {}
    for section, entries in appends.items():
        items = [_entry(section, e, comments) for e in entries]
        if doc.get(section) is None:
            doc[section] = CommentedSeq()
        for item in items:
            doc[section].append(item)
        appended.setdefault(section, []).extend(items)
    changed = {
        (u.section, i): set(u.append) | set(u.set)
        for u in updates
        for i, before in touched.get(u.section, {}).items()
        if doc[u.section].lc.item(i)[0] + 1 == u.line
    }
    spliced = _splice(original, doc, keys, touched, appended, changed)
    if spliced is not None and _faithful(original, spliced, doc):
        return spliced
    return _dump(rt, doc)


# ----------------------------------------------------------------------- the import


def _load(data_dir: Path) -> Catalog:
    if not data_dir.exists():
        return Catalog()
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, None, "is not a directory")])
    if not data_files(data_dir):
        return Catalog()
    return load_catalog(data_dir)


def _check(data_dir: Path, contents: dict[Path, str]) -> None:
    """Load the would-be directory in a temporary copy; DataError naming the real files."""
    with tempfile.TemporaryDirectory(prefix="fmgraph-import-") as tmp:
        copy = Path(tmp)
        if data_dir.is_dir():
            for path in data_files(data_dir):
                shutil.copy2(path, copy / path.name)
        for path, text in contents.items():
            (copy / path.name).write_text(text, encoding="utf-8")
        try:
            load_catalog(copy)
        except DataError as e:
            raise DataError(
                [
                    Problem(
                        p.file.replace(str(copy), str(data_dir)),
                        p.line,
                        p.entry,
                        f"the import would make this invalid: {p.message}",
                    )
                    for p in e.problems
                ]
            ) from e


def write_atomically(data_dir: Path, contents: dict[Path, str]) -> None:
    """Write every file or none: temporary files first, then renames; undo on failure."""
    created = not data_dir.exists()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create {data_dir}: {e.strerror or e}") from e
    temps: dict[Path, Path] = {}
    umask = os.umask(0o022)
    os.umask(umask)
    try:
        for path, text in contents.items():
            fd, name = tempfile.mkstemp(dir=data_dir, prefix=f".{path.name}.", suffix=".tmp")
            temps[path] = Path(name)
            os.fchmod(fd, 0o666 & ~umask)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
    except OSError as e:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        raise OutputError(f"cannot write in {data_dir}: {e.strerror or e}") from e
    originals = {p: p.read_bytes() if p.exists() else None for p in contents}
    done: list[Path] = []
    try:
        for path, tmp in temps.items():
            os.replace(tmp, path)
            done.append(path)
    except OSError as e:
        for path in done:
            old = originals[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {data_dir}: {e.strerror or e}") from e


def _relative(path: str | Path, data_dir: Path) -> str:
    try:
        return str(Path(path).relative_to(data_dir))
    except ValueError:
        return str(path)


def merge_sessions(
    data_dir: Path,
    sessions: list[ImportedSession],
    sources: list[str],
    *,
    dry_run: bool = False,
    link_concepts: bool = False,
    write_links: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Merge ``sessions`` into ``data_dir`` (created when missing) and report what changed."""
    say = progress or (lambda message: None)
    catalog = _load(data_dir)
    merger = _Merger(catalog)
    for session in sessions:
        merger.session(session)
    links = merger.link_concepts(write_links) if (link_concepts or write_links) else []

    # What goes where.
    comments = {
        w.id: w.title[:60] + ("…" if len(w.title) > 60 else "")
        for w in merger.works.values()
        if w.id.startswith("arxiv-")
    }
    appends: dict[Path, dict[str, list[dict[str, Any]]]] = {}
    updates: dict[Path, list[_Update]] = {}
    changes: list[Change] = []
    result = ImportResult(
        data_dir=str(data_dir),
        dry_run=dry_run,
        sources=sources,
        readings_read=sum(len(s.readings) for s in sessions),
        links=links,
        readings_added=merger.readings_added,
    )

    def new(section: str, values: dict[str, Any], detail: str) -> None:
        path = data_dir / OWNED_FILES[section]
        appends.setdefault(path, {}).setdefault(section, []).append(values)
        key = values[_KEY_FIELD[section]]
        changes.append(Change("add", section[:-1], key, detail, path.name))

    for topic_id in merger.new_topics:
        new("topics", {"id": topic_id, "label": merger.topics[topic_id]}, merger.topics[topic_id])
        result.topics_added.append(topic_id)
    for w in merger.works.values():
        if not w.new:
            continue
        values: dict[str, Any] = {
            "id": w.id,
            "title": w.title,
            "kind": w.kind,
            "arxiv": w.arxiv,
            "urls": w.urls,
            "year": w.year,
            "authors": w.authors,
            "doi": w.doi,
            "discusses": w.concepts,
        }
        new("works", values, f"{w.kind}: {w.title}")
        result.works_added.append(w.id)
    for code in merger.session_order:
        s = merger.sessions[code]
        if not s.new:
            continue
        values = {
            "code": s.code,
            "title": s.title,
            "date": s.date,
            "collection": s.collection,
            "topics": s.topics,
            "required": s.required,
            "further": s.further,
        }
        detail = f"{s.title} ({len(s.required)} required, {len(s.further)} further)"
        new("sessions", values, detail)
        result.sessions_added.append(code)
    for update in merger.updates.values():
        path = Path(update.file)
        updates.setdefault(path, []).append(update)
        kind = update.section[:-1]
        changes.append(
            Change("update", kind, update.key, "; ".join(update.notes), _relative(path, data_dir))
        )
        (result.sessions_updated if kind == "session" else result.works_updated).append(update.key)
    result.works_reused = list(merger.reused)
    result.changes = changes

    reported = [p for s in sessions for p in s.all_problems()] + merger.reported
    unique = {(p.file, p.line, p.entry, p.message): p for p in reported}
    result.reported = [unique[k] for k in sorted(unique, key=lambda k: (k[0], k[1] or 0, k[3]))]
    if not changes:
        return result

    say("rendering data files")
    contents: dict[Path, str] = {}
    for path in sorted(set(appends) | set(updates)):
        original = path.read_text(encoding="utf-8-sig") if path.exists() else None
        contents[path] = _edit_file(
            path, original, appends.get(path, {}), updates.get(path, []), comments
        )
    say("checking the result")
    _check(data_dir, contents)
    result.files_written = sorted(_relative(p, data_dir) for p in contents)
    if not dry_run:
        say(f"writing {len(contents)} file(s)")
        write_atomically(data_dir, contents)
    return result


def import_posts(
    data_dir: Path,
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    link_concepts: bool = False,
    write_links: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import course posts (files, or folders searched for ``*.md``) into ``data_dir``."""
    from .posts import parse_posts

    sessions = parse_posts(paths, progress)
    return merge_sessions(
        data_dir,
        sessions,
        [s.file for s in sessions],
        dry_run=dry_run,
        link_concepts=link_concepts,
        write_links=write_links,
        progress=progress,
    )


def import_bibtex(
    data_dir: Path,
    path: Path,
    session: str,
    role: str = "required",
    *,
    dry_run: bool = False,
    link_concepts: bool = False,
    write_links: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import the entries of a BibTeX file into ``data_dir`` as readings of ``session``."""
    from .bibtex import parse_bibtex

    parsed = parse_bibtex(path, session, role)
    return merge_sessions(
        data_dir,
        [parsed],
        [str(path)],
        dry_run=dry_run,
        link_concepts=link_concepts,
        write_links=write_links,
        progress=progress,
    )


# --------------------------------------------------------------------------- summary
