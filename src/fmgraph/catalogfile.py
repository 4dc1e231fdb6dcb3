"""The catalog a store was built from, kept beside it by data file, so a later build can reuse
the entries of the files that did not change (:mod:`fmgraph.patch`).

A large store's directory holds ``catalog.json``, naming each YAML file it was built from with
the sha256 of its bytes; beside it, for each, ``entries-<sha256>.json`` keeps the file's
entries as rows of plain JSON values, one per entry, in file order, each ending with the line
the entry starts on, and ``text-<sha256>.yaml`` a copy of the file's text, so that an edit
can be read in part (:mod:`fmgraph.reparse`). These files are named by the content they were
read from, so a patched store shares those of its unchanged files with the store it came
from. Stores are content-addressed and never change, and the manifest covers these files like
any other; a file that cannot be read back is reported as :class:`ValueError`, and the build
that wanted it builds from scratch.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .loader import FileEntries
from .model import Catalog, Concept, Entry, Motivation, Prerequisite, Session, Source, Topic, Work

CATALOG = "catalog.json"
FORMAT = "1"
ENTRIES = "entries-{}.json"
TEXT = "text-{}.yaml"


@dataclass(frozen=True)
class KeptCatalog:
    """The catalog kept beside a store: each YAML file's sha256 and entries, and how many
    statements the whole catalog makes (``len(list(catalog_statements(catalog)))``)."""

    digests: dict[str, bytes]
    entries: dict[str, FileEntries]
    statements: int


# ---------------------------------------------------------------------------------------------
# Rows


def _links(links: Sequence[Prerequisite]) -> list[list[str]]:
    return [[link.concept, link.reason] for link in links]


def _row(entry: Entry) -> list[Any]:
    line = entry.source.line
    if isinstance(entry, Topic):
        return [entry.id, entry.label, entry.definition, line]
    if isinstance(entry, Concept):
        c = entry
        return [c.id, c.label, c.definition, c.topic, c.aliases, _links(c.requires),
                _links(c.motivated_by), c.broader, line]  # fmt: skip
    if isinstance(entry, Work):
        w = entry
        return [w.id, w.title, w.kind, w.arxiv, w.urls, w.year, w.authors, w.authors_truncated,
                w.doi, w.description, w.introduces, w.teaches, w.uses, w.discusses, w.cites,
                line]  # fmt: skip
    x = entry
    date = x.date.isoformat() if x.date is not None else None
    return [x.code, x.title, date, x.collection, x.topics, x.required, x.further, x.assumes, line]


def _topic(row: list[Any], source: Source) -> Topic:
    id_, label, definition, _ = row
    return Topic(id_, label, definition, source)


def _concept(row: list[Any], source: Source) -> Concept:
    id_, label, definition, topic, aliases, requires, motivated_by, broader, _ = row
    return Concept(id_, label, definition, topic, aliases,
                   [Prerequisite(c, r) for c, r in requires],
                   [Motivation(c, r) for c, r in motivated_by], broader, source)  # fmt: skip


def _work(row: list[Any], source: Source) -> Work:
    (id_, title, kind, arxiv, urls, year, authors, authors_truncated, doi, description,
     introduces, teaches, uses, discusses, cites, _) = row  # fmt: skip
    return Work(id_, title, kind, arxiv, urls, year, authors, authors_truncated, doi,
                description, introduces, teaches, uses, discusses, cites, source)  # fmt: skip


def _session(row: list[Any], source: Source) -> Session:
    code, title, date, collection, topics, required, further, assumes, _ = row
    day = datetime.date.fromisoformat(date) if date is not None else None
    return Session(code, title, day, collection, topics, required, further, assumes, source)


_READERS: dict[str, Callable[[list[Any], Source], Entry]] = {
    "topics": _topic,
    "concepts": _concept,
    "works": _work,
    "sessions": _session,
}


_SECTION: dict[type, str] = {
    Topic: "topics",
    Concept: "concepts",
    Work: "works",
    Session: "sessions",
}

# ---------------------------------------------------------------------------------------------
# Writing and reading


def by_file(entries: Iterable[Entry]) -> dict[str, FileEntries]:
    """``entries`` grouped by the name of the data file that holds them, in the order given."""
    found: dict[str, FileEntries] = {}
    names: dict[str, str] = {}  # the entries of one file share one path string
    for entry in entries:
        file = entry.source.file
        name = names.get(file) or names.setdefault(file, os.path.basename(file))
        found.setdefault(name, {}).setdefault(_SECTION[type(entry)], []).append(entry)
    return found


def catalog_entries(catalog: Catalog) -> Iterable[Entry]:
    """Every entry of ``catalog``, section by section."""
    for section in _READERS:
        yield from getattr(catalog, section).values()


def write_catalog(
    target: Path,
    entries: dict[str, FileEntries],
    digests: dict[str, bytes],
    statements: int,
    data_dir: Path,
) -> None:
    """Keep ``entries`` (by file name) in the store directory ``target``, each file's under the
    sha256 of its bytes from ``digests``, with a copy of the file's text (taken from
    ``data_dir`` when it still has those bytes). A file's entries and text are written once:
    a patch hands the unchanged ones over already linked in."""
    files = {}
    for name in sorted(digests):
        sha256 = digests[name].hex()
        entries_file, text_file = ENTRIES.format(sha256), TEXT.format(sha256)
        files[name] = {"sha256": sha256}
        if not (target / entries_file).exists():
            rows = {s: [_row(e) for e in items] for s, items in entries.get(name, {}).items()}
            (target / entries_file).write_text(json.dumps(rows, ensure_ascii=False))
        if not (target / text_file).exists():
            with contextlib.suppress(OSError):  # the text is an aid: a patch can do without
                text = (data_dir / name).read_bytes()
                if hashlib.sha256(text).digest() == digests[name]:
                    (target / text_file).write_bytes(text)
    index = {"format": FORMAT, "statements": statements, "files": files}
    (target / CATALOG).write_text(json.dumps(index, indent=1, sort_keys=True))


def kept_text(store: Path, digest: bytes) -> bytes | None:
    """The text of the YAML file of sha256 ``digest`` that the store at ``store`` was built
    from, when it is kept."""
    try:
        return (store / TEXT.format(digest.hex())).read_bytes()
    except OSError:
        return None


def read_catalog(store: Path, data_dir: Path) -> KeptCatalog:
    """The catalog kept beside the store at ``store``, its entries' sources in ``data_dir``.
    ValueError when it cannot be read. The files read are named by their digests here, never
    by what the catalog says."""
    try:
        index = json.loads((store / CATALOG).read_bytes())
        if index.get("format") != FORMAT:
            raise ValueError(f"format {index.get('format')!r}, not {FORMAT}")
        digests = {name: bytes.fromhex(f["sha256"]) for name, f in index["files"].items()}
        entries: dict[str, FileEntries] = {}
        for name, digest in digests.items():
            rows = json.loads((store / ENTRIES.format(digest.hex())).read_bytes())
            file = os.fspath(data_dir / name)
            entries[name] = {
                section: [_READERS[section](row, Source(file, row[-1])) for row in table]
                for section, table in rows.items()
            }
        return KeptCatalog(digests, entries, int(index["statements"]))
    except (OSError, KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise ValueError(f"{CATALOG} cannot be read: {e}") from e


def kept_files(store: Path) -> list[str]:
    """The entries and text files a store keeps."""
    return sorted(p.name for pattern in (ENTRIES, TEXT) for p in store.glob(pattern.format("*")))
