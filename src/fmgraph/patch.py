"""Patching: the store of a data directory made from the store of an earlier version of it.

Instructors edit one file at a time. When the cache holds a store built from the same package
and the same RDF files, and only some YAML files differ, a build need not start again: it
reads the changed files, takes the other files' entries from the catalog kept beside the old
store (:mod:`fmgraph.catalogfile`), checks the whole catalog as a full build does, and then
changes a copy of the old store by the difference between the changed files' statements
before and after. The copy shares the old store's immutable table files through hard links,
so it costs a few directory entries, and the old store is never opened for writing.

The difference is exact because of how statements are made (:func:`fmgraph.build.
entry_statements`): no two entries make the same statement, so a statement only the old
version of a changed entry made can go, unless the ontology, an RDF file or the catalog's
fixed statements also state it, which is checked. The result holds the same triples as a full
build of the same files (``tests/test_patch.py`` compares them over many edits).

An edited file is read in part where :mod:`fmgraph.reparse` can, and whole otherwise.

Whatever a patch cannot do the same way as a full build, it declines (:class:`CannotPatch`),
and the caller builds from scratch: an RDF file that changed, a catalog small enough for the
build-time SHACL check, an old store with a snapshot, a kept catalog that cannot be read, an
edit that changes more than ``MAX_CHANGED_SHARE`` of the triples, an old store removed while
it was copied. Problems in the data are raised as a full build raises them, with the same
messages.
"""

from __future__ import annotations

import mmap
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, Triple, parse

from .build import (
    Statement,
    collection_statements,
    collections,
    entry_statements,
    header_statements,
    statement_triple,
)
from .catalogfile import (
    CATALOG,
    ENTRIES,
    TEXT,
    KeptCatalog,
    by_file,
    catalog_entries,
    kept_files,
    kept_text,
    read_catalog,
    write_catalog,
)
from .files import RDF_SUFFIXES, data_files, read_bytes, recording_reads
from .gcpause import paused_gc
from .loader import FileEntries, load_catalog
from .model import Catalog, Entry, Session
from .pipeline import (
    RDF_FORMATS,
    SHACL_BUILD_LIMIT,
    Background,
    Built,
    keep_snapshot,
    literals_checked,
)
from .reparse import reparse
from .resources import ontology_dir
from .store import SNAPSHOT

Progress = Callable[[str], None]

#: Files of an engine directory that never change once written: a copy links them.
_IMMUTABLE_SUFFIXES = (".sst", ".blob")
#: The share of a store's triples a patch may change; beyond it, taking triples out one by one
#: costs more than a full build (bench/bench_build.py --edits).
MAX_CHANGED_SHARE = 0.1
#: Subjects searched for, one pass each, in an N-Triples file before it is parsed whole.
MAX_SEARCHED_SUBJECTS = 64


class CannotPatch(Exception):
    """This change needs a full build; the message says why."""


def patch_store(
    base: Path,
    data_dir: Path,
    target: Path,
    digests: Mapping[str, bytes],
    progress: Progress | None = None,
) -> Built:
    """Make in the empty directory ``target`` the store of ``data_dir`` from the store at
    ``base``, built from an earlier version of it. ``digests`` are the sha256 of the data
    files (named ``data/NAME``) as the caller found them: a file whose digest is the one the
    old store was built from is not read again, and counts as read with that digest.

    Raises CannotPatch when only a full build can do it, DataError for bad data (as a full
    build would), OSError when the store cannot be written.
    """
    with paused_gc():  # the catalog is millions of containers and no cycles (see loader)
        return _patch_store(base, data_dir, target, digests, progress)


def _patch_store(
    base: Path,
    data_dir: Path,
    target: Path,
    digests: Mapping[str, bytes],
    progress: Progress | None,
) -> Built:
    say = progress or (lambda _message: None)
    base_triples, base_data, base_files, kept = _old_store(base, data_dir)
    read = _read(base, data_dir, digests, base_data, kept)
    change = _change(kept, read)
    if change.statements <= SHACL_BUILD_LIMIT:
        raise CannotPatch(f"a catalogue of {change.statements} statements is checked with SHACL")
    if len(change.gone) + len(change.come) > MAX_CHANGED_SHARE * base_triples:
        size = len(change.gone) + len(change.come)
        raise CannotPatch(f"{size} triples change, a full build is cheaper")
    in_part = {p.name for p in read.in_part}
    what = [f"{n} (read in part)" if n in in_part else n for n in change.files]
    say(f"patching the store {base.name}: {', '.join(what)} changed")
    try:
        wanted = {f.format(d.hex()) for d in read.unchanged.values() for f in (ENTRIES, TEXT)}
        unwanted = set(kept_files(base)) - wanted
        names = [n for n in base_files if n not in unwanted and n != CATALOG]
        _link_copy(base, target, names, wanted)
    except FileNotFoundError as e:  # another process pruned the old store meanwhile
        raise CannotPatch(f"the old store went away while it was copied ({e})") from e

    # The catalog is written in a second thread while the store is changed. The entries of
    # the files read in part are grouped already; the others' are grouped here.
    yaml_digests = {p.name: d for p, d in read.digests.items() if p.suffix not in RDF_SUFFIXES}
    grouped = {p.name: read.known[p] for p in read.in_part}
    in_part_files = {os.fspath(p) for p in read.in_part}
    grouped.update(by_file(e for e in change.entries if e.source.file not in in_part_files))
    keeping = Background(write_catalog, target, grouped, yaml_digests, change.statements,
                         data_dir)  # fmt: skip
    try:
        gone = change.gone - _stated_elsewhere(change.gone, read.catalog.rdf_files)
        removed, added = _apply(target, gone, change.come, base_triples)
    finally:
        keeping.thread.join()
    keeping.finish()
    total = base_triples - removed + added
    say(f"built {total} triples by patching: {removed} taken out, {added} put in")
    return Built(total, dict(read.digests))


def _old_store(base: Path, data_dir: Path) -> tuple[int, dict[str, bytes], list[str], KeptCatalog]:
    """The old store's triple count, the digests of its data files, the files its manifest
    lists (its content) and its kept catalog."""
    from .cache import read_manifest

    if (base / SNAPSHOT).exists():
        raise CannotPatch("the old store is small enough to keep a snapshot")
    try:
        manifest = read_manifest(base)
        triples = int(manifest["triples"])
        data = {name: bytes.fromhex(d) for name, d in manifest["data"].items()}
        return triples, data, sorted(manifest["files"]), read_catalog(base, data_dir)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise CannotPatch(f"the old store's records cannot be read: {e}") from e


@dataclass
class _Read:
    """The data as a patch read it."""

    catalog: Catalog
    digests: dict[Path, bytes]  # of every data file, as read or as the old store had it
    unchanged: dict[Path, bytes]  # the files as the old store has them: not read again
    known: dict[Path, FileEntries]  # entries not parsed from a whole file
    in_part: set[Path]  # the edited files read in part


def _read(
    base: Path,
    data_dir: Path,
    digests: Mapping[str, bytes],
    base_data: dict[str, bytes],
    kept: KeptCatalog,
) -> _Read:
    """The catalog of ``data_dir``: the unchanged files' entries from the kept catalog, the
    edited ones' read in part where they can be, the rest parsed; checked whole."""
    unchanged: dict[Path, bytes] = {}
    known: dict[Path, FileEntries] = {}
    files = data_files(data_dir)
    for path in files:
        digest = digests.get(f"data/{path.name}")
        if path.suffix in RDF_SUFFIXES:
            if digest is None or base_data.get(f"data/{path.name}") != digest:
                raise CannotPatch(f"{path.name} is new or changed, and is not YAML")
            unchanged[path] = digest
        elif digest is not None and kept.digests.get(path.name) == digest:
            unchanged[path] = digest
            known[path] = kept.entries[path.name]
    in_part: set[Path] = set()
    with recording_reads() as reads:
        for path in files:
            if path not in unchanged and path.name in kept.digests:
                entries = _read_edited(base, path, kept.digests[path.name], kept.entries)
                if entries is not None:
                    known[path] = entries
                    in_part.add(path)
        catalog = load_catalog(data_dir, known)
    reads.update(unchanged)
    rdf_now = {f"data/{p.name}" for p in catalog.rdf_files}
    rdf_before = {name for name in base_data if Path(name).suffix in RDF_SUFFIXES}
    if rdf_now != rdf_before or any(p not in unchanged for p in catalog.rdf_files):
        raise CannotPatch("the RDF files are not those of the old store")
    return _Read(catalog, dict(reads), unchanged, known, in_part)


@dataclass
class _Change:
    """What an edit changes: the files, their entries now, the statements the catalog makes,
    and the triples to take out and put in."""

    files: list[str]
    entries: list[Entry]
    statements: int
    gone: set[Triple]
    come: list[Quad]


def _change(kept: KeptCatalog, read: _Read) -> _Change:
    catalog = read.catalog
    reused = {os.fspath(path) for path in read.unchanged}
    yaml_now = {p.name for p in read.digests if p.suffix not in RDF_SUFFIXES}
    files = sorted((yaml_now | set(kept.digests)) - {p.name for p in read.unchanged})
    old = [e for name in files for e in _flat(kept.entries.get(name, {}))]
    new = [e for e in catalog_entries(catalog) if e.source.file not in reused]
    # An entry the edit left as it was makes the statements it made: the same object when its
    # file was read in part, an equal one otherwise (its source is not compared: lines move
    # when others are edited). Only the rest are remade.
    old_objects, new_objects = set(map(id, old)), set(map(id, new))
    old = [e for e in old if id(e) not in new_objects]
    new_rest = [e for e in new if id(e) not in old_objects]
    before_edit = {_key(e): e for e in old}
    edited = [e for e in new_rest if before_edit.get(_key(e)) != e]
    kept_as_was = {_key(e) for e in new_rest} - {_key(e) for e in edited}
    old = [e for e in old if _key(e) not in kept_as_was]
    old_statements = [s for e in old for s in entry_statements(e)]
    made = (s for e in edited for s in entry_statements(e))
    new_statements = list(literals_checked(made, catalog))
    old_sessions = [e for f in kept.entries.values() for e in f.get("sessions", ())]
    old_collections = set(collections(e for e in old_sessions if isinstance(e, Session)))
    new_collections = set(collections(catalog.sessions.values()))
    statements = (
        kept.statements
        + len(new_statements) - len(old_statements)
        + _count(collection_statements(new_collections))
        - _count(collection_statements(old_collections))
    )  # fmt: skip
    before, after = set(old_statements), set(new_statements)
    before.update(collection_statements(old_collections - new_collections))
    after.update(collection_statements(new_collections - old_collections))
    gone = {statement_triple(s) for s in before - after}
    come = [Quad(*statement_triple(s)) for s in sorted(after - before, key=_order)]
    return _Change(files, new, statements, gone, come)


def _apply(target: Path, gone: set[Triple], come: list[Quad], triples: int) -> tuple[int, int]:
    """Take ``gone`` out of the store at ``target`` (of ``triples`` triples) and put ``come``
    in, writing its snapshot if it is small enough to have one; how many triples were taken
    out and put in (of those it held, and of those it did not)."""
    store = Store(str(target))
    removed = 0
    for triple in gone:
        quad = Quad(*triple)
        if quad in store:
            store.remove(quad)
            removed += 1
    fresh = [q for q in come if q not in store]
    store.extend(fresh)
    store.flush()
    keep_snapshot(store, target, triples - removed + len(fresh))
    del store
    return removed, len(fresh)


def _read_edited(
    base: Path, path: Path, digest: bytes, kept: dict[str, FileEntries]
) -> FileEntries | None:
    """The entries of the edited YAML file at ``path``, read in part from its text as the old
    store kept it (of sha256 ``digest``); None when it must be read whole."""
    old = kept_text(base, digest)
    if old is None:
        return None
    return reparse(old, read_bytes(path), kept[path.name], os.fspath(path))


def _key(entry: Entry) -> tuple[type, str]:
    return (type(entry), entry.code if isinstance(entry, Session) else entry.id)


def _flat(entries: FileEntries) -> list[Entry]:
    return [e for items in entries.values() for e in items]


def _count(items: Iterable[object]) -> int:
    return sum(1 for _ in items)


def _order(statement: Statement) -> tuple[str, str, str, str]:
    s, p, o, datatype = statement
    return (s, p, o, "" if datatype is None else "^" + datatype)


# ---------------------------------------------------------------------------------------------
# Is a statement made elsewhere?


def _stated_elsewhere(candidates: set[Triple], rdf_files: list[Path]) -> set[Triple]:
    """Those of ``candidates`` that the catalog's fixed statements, the ontology or one of
    ``rdf_files`` states in the default graph."""
    found = candidates & _always_stated()
    for path in rdf_files:
        rest = candidates - found
        if not rest:
            break
        found |= _stated_in(path, rest)
    return found


@cache
def _always_stated() -> frozenset[Triple]:
    header = {statement_triple(s) for s in header_statements()}
    ontology = parse(path=str(ontology_dir() / "fmgraph.ttl"), format=RdfFormat.TURTLE)
    return frozenset(header | {q.triple for q in ontology})


def _stated_in(path: Path, candidates: set[Triple]) -> set[Triple]:
    """Those of ``candidates`` the RDF file at ``path`` states in the default graph.

    An N-Triples or N-Quads file states a triple on one line that holds its subject written
    out as ``<IRI>``, unless the file escapes characters of its IRIs (``\\u``), so only the
    lines holding the candidates' subjects are parsed; other files are parsed whole.
    """
    fmt = RDF_FORMATS[path.suffix]
    subjects = {str(t.subject) for t in candidates}  # "<IRI>": the catalog's subjects are IRIs
    lines: bytes | None = None
    if fmt in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS) and len(subjects) <= MAX_SEARCHED_SUBJECTS:
        lines = _lines_with(path, [s.encode() for s in sorted(subjects)])
    if lines is None:
        quads = parse(path=str(path), format=fmt, rename_blank_nodes=True)
    else:
        quads = parse(input=lines, format=fmt)
    return {q.triple for q in quads if q.graph_name == DefaultGraph() and q.triple in candidates}


def _lines_with(path: Path, needles: list[bytes]) -> bytes | None:
    """The lines of the file at ``path`` that hold one of ``needles``; None when the file
    escapes characters (then an IRI may be written other than as its needle)."""
    if path.stat().st_size == 0:
        return b""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b"\\u") != -1 or data.find(b"\\U") != -1:
            return None
        starts: set[int] = set()
        for needle in needles:
            at = data.find(needle)
            while at != -1:
                start = data.rfind(b"\n", 0, at) + 1
                if start not in starts:
                    starts.add(start)
                at = data.find(needle, at + len(needle))
        found = []
        for start in sorted(starts):
            end = data.find(b"\n", start)
            found.append(data[start : end if end != -1 else len(data)])
        return b"\n".join(found) + b"\n"


# ---------------------------------------------------------------------------------------------
# Copying a store


def _link_copy(base: Path, target: Path, names: list[str], also_linked: set[str]) -> None:
    """Copy the files ``names`` of the store at ``base`` into ``target``: the engine's
    immutable table files and ``also_linked`` as hard links (copies where links cannot be
    made), the rest as copies."""
    for name in names:
        source = base / name
        if source.suffix in _IMMUTABLE_SUFFIXES or name in also_linked:
            try:
                os.link(source, target / name)
                continue
            except OSError:
                pass
        shutil.copy2(source, target / name)
