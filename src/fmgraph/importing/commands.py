"""The import commands: read sources, plan the merge, edit the files, check and write.

Where entries go:
  * new topics, works and sessions are appended to files the importer owns:
    ``imported-topics.yaml``, ``imported-works.yaml`` and ``imported-sessions.yaml``;
  * an entry that already exists is updated in the file that holds it, whoever wrote it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem
from .plan import Merger, few
from .records import (
    Change,
    EntryUpdate,
    ImportedSession,
    ImportResult,
    SourceSummary,
    entry_values,
)
from .write import check, import_lock, load_target, recover, write_files_together
from .yaml_edit import edit_text

#: The files new entries are appended to, one per section.
OWNED_FILES: dict[str, str] = {
    "topics": "imported-topics.yaml",
    "works": "imported-works.yaml",
    "sessions": "imported-sessions.yaml",
}
_KEY_FIELD = {"topics": "id", "works": "id", "sessions": "code"}

Progress = Callable[[str], None]


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
    summaries: list[SourceSummary] | None = None,
    warnings: list[Problem] | None = None,
    course: str | None = None,
) -> ImportResult:
    """Merge ``sessions`` into ``data_dir`` (created when missing) and report what changed.

    A real import holds the directory's import lock from before it reads the data until its
    files are written, and first finishes a write an earlier import was killed in; a dry run
    takes no lock and writes nothing.
    """
    say = progress or (lambda message: None)
    extra = _Extra(summaries or _summaries(sessions), warnings or [], course)
    if dry_run:
        return _merge(data_dir, sessions, sources, True, link_concepts, write_links, say, extra)
    created = not data_dir.exists()
    try:
        with import_lock(data_dir):
            finished = recover(data_dir)
            if finished:
                say(f"finished an interrupted import: {', '.join(finished)}")
            return _merge(
                data_dir, sessions, sources, False, link_concepts, write_links, say, extra
            )
    except BaseException:
        if created:
            # Only if still empty: an import that ran at the same time may have written it.
            with contextlib.suppress(OSError):
                data_dir.rmdir()
        raise


@dataclass
class _Extra:
    summaries: list[SourceSummary]
    warnings: list[Problem]
    course: str | None = None


def _summaries(sessions: list[ImportedSession]) -> list[SourceSummary]:
    """One summary per source file of ``sessions``, in the order they were read."""
    found: dict[str, SourceSummary] = {}
    for session in sessions:
        summary = found.setdefault(session.file, SourceSummary(session.file, "post"))
        summary.sessions += 1
        summary.readings += len(session.readings)
    return list(found.values())


#: Files are renamed into place in this order of what they change, so that every step of a
#: write leaves a directory that loads: a session's new readings are works already written.
_SECTION_RANK = {"topics": 0, "works": 1, "sessions": 2}


def _merge(
    data_dir: Path,
    sessions: list[ImportedSession],
    sources: list[str],
    dry_run: bool,
    link_concepts: bool,
    write_links: bool,
    say: Progress,
    extra: _Extra,
) -> ImportResult:
    catalog = load_target(data_dir)
    merger = Merger(catalog)
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
    updates: dict[Path, list[EntryUpdate]] = {}
    changes: list[Change] = []
    result = ImportResult(
        data_dir=str(data_dir),
        dry_run=dry_run,
        sources=sources,
        readings_read=sum(len(s.readings) for s in sessions),
        links=links,
        readings_added=merger.readings_added,
        files=extra.summaries,
    )

    def new(section: str, values: dict[str, Any], detail: str) -> None:
        path = data_dir / OWNED_FILES[section]
        appends.setdefault(path, {}).setdefault(section, []).append(values)
        key = values[_KEY_FIELD[section]]
        changes.append(Change("add", section[:-1], key, detail, path.name))

    for topic_id in merger.new_topics:
        new("topics", {"id": topic_id, "label": merger.topics[topic_id]}, merger.topics[topic_id])
        result.topics_added.append(topic_id)
    for work_id in merger.new_works:
        w = merger.works[work_id]
        new("works", entry_values("works", w), f"{w.kind}: {w.title}")
        result.works_added.append(w.id)
    for code in merger.session_order:
        if code not in merger.new_sessions:
            continue
        s = merger.sessions[code]
        detail = f"{s.title} ({len(s.required)} required, {len(s.further)} further)"
        new("sessions", entry_values("sessions", s), detail)
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
    added = set(result.works_added)
    for summary in result.files:  # a work added counts for the first file that reads it
        works = merger.works_of_file.get(summary.file, {})
        first = [w for w in works if w in added]
        added -= set(first)
        summary.works_added = len(first)
        summary.works_merged = len(works) - len(first)
    result.changes = changes

    reported = extra.warnings + [p for s in sessions for p in s.all_problems()] + merger.reported
    if extra.course:
        # Sessions of this course the sources no longer list keep their readings; one line.
        gone = [
            code
            for code in catalog.sessions
            if code.startswith(f"{extra.course}-") and code not in merger.session_order
        ]
        if gone:
            reported.append(
                Problem(
                    str(data_dir),
                    None,
                    None,
                    f"{len(gone)} session(s) of course {extra.course} are not in these sources "
                    f"and were kept with their readings: {few(gone)}",
                )
            )
    unique = {(p.file, p.line, p.entry, p.message): p for p in reported}
    result.reported = [unique[k] for k in sorted(unique, key=lambda k: (k[0], k[1] or 0, k[3]))]
    if not changes:
        return result

    say("rendering data files")
    contents: dict[Path, str] = {}

    def rank(path: Path) -> tuple[int, Path]:
        sections = set(appends.get(path, {})) | {u.section for u in updates.get(path, [])}
        return max(_SECTION_RANK[s] for s in sections), path

    for path in sorted(set(appends) | set(updates), key=rank):
        original = path.read_text(encoding="utf-8-sig") if path.exists() else None
        contents[path] = edit_text(
            original, appends.get(path, {}), updates.get(path, []), comments, str(path)
        ).text
    say("checking the result")
    check(data_dir, contents)
    result.files_written = sorted(_relative(p, data_dir) for p in contents)
    if not dry_run:
        say(f"writing {len(contents)} file(s)")
        write_files_together(data_dir, contents)
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
        summaries=[SourceSummary(str(path), "bibtex", 1, len(parsed.readings))],
    )


def import_site(
    data_dir: Path,
    paths: Iterable[Path],
    *,
    course: str | None = None,
    role: str | None = None,
    dry_run: bool = False,
    link_concepts: bool = False,
    write_links: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a course website's source (files or folders; see :mod:`.site`) into ``data_dir``.

    ``course`` prefixes every session code; ``role`` gives every reading that role.
    """
    from .site import read_site

    read = read_site(paths, course=course, role=role, progress=progress)
    return merge_sessions(
        data_dir,
        read.sessions,
        [s.file for s in read.files],
        dry_run=dry_run,
        link_concepts=link_concepts,
        write_links=write_links,
        progress=progress,
        summaries=read.files,
        warnings=read.problems,
        course=course,
    )


def import_csl_json(
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
    """Import the items of a CSL-JSON file (Zotero export) as readings of ``session``."""
    from .csl_json import parse_csl_json

    parsed = parse_csl_json(path, session, role)
    return merge_sessions(
        data_dir,
        [parsed],
        [str(path)],
        dry_run=dry_run,
        link_concepts=link_concepts,
        write_links=write_links,
        progress=progress,
        summaries=[SourceSummary(str(path), "csl-json", 1, len(parsed.readings))],
    )
