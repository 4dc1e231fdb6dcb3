"""The build pipeline: a data directory's YAML and RDF files into a new pyoxigraph store.

:func:`build_store` fills an empty directory and reports what it read (a digest of every
data file, taken from the very bytes it loaded), so :mod:`fmgraph.cache` files the store
under the content the build saw, not the content before or after it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Literal, Quad, RdfFormat, Store, parse

from .errors import DataError, Problem
from .files import RDF_SUFFIXES, data_files, read_bytes, recording_reads
from .gcpause import paused_gc
from .model import Catalog
from .resources import ontology_dir
from .store import SNAPSHOT

if TYPE_CHECKING:
    from .build import Statement

Progress = Callable[[str], None]

SHACL_BUILD_LIMIT = 50_000  # catalog triples checked with pySHACL at build time
#: Triples up to which a store also keeps an N-Quads snapshot that commands load into memory.
#: Measured (bench/bench_build.py, cold `path`, `show`, `stats`, CPU time, snapshot ÷ opening
#: the database read-only): 0.96-0.98x at 2k triples, 0.99-1.01x at 5k, 1.05-1.06x at 10k,
#: 1.17-1.21x at 20k, 1.54-1.73x at 50k, 1.95-2.45x at 84k. Up to 10k the two cost the same
#: within 6%, and the in-memory copy answers each query of a long-running process faster
#: (on the bundled course, a GROUP BY 0.26 ms against 1.7 ms, a lookup 26 against 34 µs).
SNAPSHOT_LIMIT = 10_000
BULK_BATCH = 100_000  # statements (or lines of a file) handed to the store at once
#: The longest literal (UTF-8 bytes) a build accepts. Oxigraph's parsers hold one statement in
#: a buffer of at most 16 MiB: a longer literal loads, and then every reading of the snapshot
#: fails. Half of it leaves room for escapes (each at most doubles a byte) and the IRIs.
MAX_LITERAL_BYTES = 8 * 1024 * 1024
RDF_FORMATS = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS}


@dataclass
class Built:
    """What a build wrote and read: its triple count and the sha256 of each data file."""

    triples: int
    reads: dict[Path, bytes] = field(default_factory=dict)


def build_store(data_dir: Path, target: Path, progress: Progress | None = None) -> Built:
    """Load, check and write the graph of ``data_dir`` into the empty directory ``target``.

    The directory's RDF files load in the background while the YAML is read; then the catalog's
    statements stream into the store as N-Triples text. SHACL runs here on catalogs of up to
    ``SHACL_BUILD_LIMIT`` triples; a larger one is checked structurally by the loader, and in
    full by ``fmgraph validate``, so a big build is not held in one in-memory rdflib graph.
    The store is closed when this returns. Raises DataError for bad data, OSError when the
    store cannot be written.
    """
    from .build import catalog_statements, ntriples_lines, statement_triple
    from .catalogfile import by_file, catalog_entries, write_catalog
    from .loader import load_catalog
    from .validate import shacl_problems

    say = progress or (lambda _message: None)
    say(f"building the graph of {data_dir}")
    rdf_paths = [p for p in data_files(data_dir) if p.suffix in RDF_SUFFIXES]
    count = itertools.count()
    rdf_files: _RdfFiles | None = None
    keeping: Background | None = None  # the catalog, written beside the store's compaction
    try:
        store = Store(str(target))
        rdf_files = _RdfFiles(store, rdf_paths, say)
        with recording_reads() as reads:
            catalog = load_catalog(data_dir)
        say(f"loaded {len(catalog.works)} works, {len(catalog.concepts)} concepts, "
            f"{len(catalog.sessions)} sessions")  # fmt: skip
        stream = catalog_statements(catalog)
        if any(_size(p) > MAX_LITERAL_BYTES for p in reads):
            stream = literals_checked(stream, catalog)
        head = list(itertools.islice(stream, SHACL_BUILD_LIMIT + 1))
        if len(head) <= SHACL_BUILD_LIMIT:
            problems = shacl_problems([statement_triple(s) for s in head], catalog)
            if problems:
                raise DataError(problems)
        else:
            say(f"catalog over {SHACL_BUILD_LIMIT} triples: SHACL is left to `fmgraph validate`")
        rdf_files.finish()
        reads.update(rdf_files.reads)
        say("writing the catalogue")
        statements = (s for s, _ in zip(itertools.chain(head, stream), count, strict=False))
        # N-Triples text, not pyoxigraph Quads: for the 622k catalogue statements of the 1M
        # synthetic course, the lines cost 0.6 CPU-s to write, the Quads 1.6 s to make and
        # 1.8 s more for the store to convert (bench/bench_build.py has the whole build).
        lines = ntriples_lines(statements)
        while batch := list(itertools.islice(lines, BULK_BATCH)):
            store.bulk_load(input="".join(batch).encode(), format=RdfFormat.N_TRIPLES)
        from_yaml = next(count)
        store.bulk_load(path=str(ontology_dir() / "fmgraph.ttl"), format=RdfFormat.TURTLE)
        store.flush()
        total = len(store)
        if len(head) > SHACL_BUILD_LIMIT:  # a catalog this large may be patched later
            say("keeping the catalog for later builds")
            digests = {p.name: d for p, d in reads.items() if p.suffix not in RDF_SUFFIXES}
            keeping = Background(
                lambda: write_catalog(
                    target, by_file(catalog_entries(catalog)), digests, from_yaml, data_dir
                )
            )
        if not keep_snapshot(store, target, total):
            # Compacting the files the bulk loader wrote makes every later read cheaper, for
            # 0.7-0.9 CPU-s of build at 1M triples: cold `path` 0.13 -> 0.11 CPU-s, `show`
            # 0.15 -> 0.12, `stats` 1.11 -> 0.75 (medians of 5 interleaved runs, 2026-12-02).
            say("compacting the store")
            store.optimize()
        del store
        if keeping is not None:
            keeping.finish()
    finally:
        if rdf_files is not None:
            rdf_files.abandon()  # a failed build: stop between batches before the files go
        if keeping is not None:
            keeping.thread.join()
    say(f"built {total} triples ({from_yaml} from YAML)")
    return Built(total, reads)


def keep_snapshot(store: Store, target: Path, triples: int) -> bool:
    """Write the N-Quads snapshot of a store of ``triples`` that is small enough to have one
    (see ``SNAPSHOT_LIMIT``); whether it was written."""
    if triples > SNAPSHOT_LIMIT:
        return False
    store.dump(str(target / SNAPSHOT), format=RdfFormat.N_QUADS)
    return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def literals_checked(statements: Iterator[Statement], catalog: Catalog) -> Iterator[Statement]:
    """``statements``, failing on a literal over ``MAX_LITERAL_BYTES`` with the entry that
    holds it (only run when a data file is big enough to hold one)."""
    from .validate import source_of

    for statement in statements:
        subject, _, value, datatype = statement
        if datatype is not None and len(value) * 4 > MAX_LITERAL_BYTES:
            size = len(value.encode())
            if size > MAX_LITERAL_BYTES:
                source, entry = source_of(catalog, subject)
                raise DataError([literal_too_long(source.file, source.line, entry, size)])
        yield statement


def literal_too_long(file: str, line: int | None, entry: str | None, size: int | None) -> Problem:
    """The problem of a literal of ``size`` bytes (None: one the parser could not hold)."""
    what = f"a literal of {size / 1048576:.1f} MiB" if size else "a statement over 16 MiB"
    return Problem(
        file,
        line,
        entry,
        f"{what}: the limit is {MAX_LITERAL_BYTES // 1048576} MiB"
        " (the store's parser reads one statement into at most 16 MiB)",
    )


class Background:
    """``function(*args)`` run in a second thread, with the cyclic collector paused."""

    def __init__(self, function: Callable[..., object], *args: object) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(function, *args), daemon=True)
        self.thread.start()

    def _run(self, function: Callable[..., object], *args: object) -> None:
        try:
            with paused_gc():
                function(*args)
        except BaseException as e:  # handed to the caller by finish()
            self.error = e

    def finish(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


class _RdfFiles:
    """Loads a data directory's RDF files into the store in a second thread, started at once,
    while the main thread reads the YAML.

    N-Triples and N-Quads without blank nodes go to Oxigraph's bulk loader a batch of lines at
    a time, which releases the interpreter while it parses and writes, so the two overlap.
    Other files are parsed in Python, whole, so their blank nodes stay one node each. The
    thread holds the store only while it runs, so the store closes when the build drops it.
    """

    def __init__(self, store: Store, paths: list[Path], say: Progress) -> None:
        self.paths, self.say = paths, say
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.reads: dict[Path, bytes] = {}
        self.thread = threading.Thread(
            target=self._load, args=(store,), name="fmgraph-rdf-files", daemon=True
        )
        self.thread.start()

    def _load(self, store: Store) -> None:
        try:
            for path in self.paths:
                if self.stopping.is_set():
                    return
                self.say(f"loading {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
                self.reads[path] = _load_rdf_file(store, path, self.stopping)
            if self.paths:
                self.say(f"loaded {len(self.paths)} RDF file{'s' if len(self.paths) != 1 else ''}")
        except BaseException as e:  # handed to the main thread by finish()
            self.error = e

    def finish(self) -> None:
        """Wait for the files to be loaded; raise what loading them raised."""
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abandon(self) -> None:
        """Stop after the batch in hand and wait, so nothing writes to a store being removed."""
        self.stopping.set()
        self.thread.join()


def _load_rdf_file(store: Store, path: Path, stopping: threading.Event) -> bytes:
    """Load one RDF file; return the sha256 of the bytes loaded."""
    fmt = RDF_FORMATS[path.suffix]
    first_line = 1
    digest = hashlib.sha256()
    try:
        if fmt in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS) and not _has_blank_nodes(path):
            with path.open("rb") as lines:
                while not stopping.is_set() and (
                    batch := list(itertools.islice(lines, BULK_BATCH))
                ):
                    data = b"".join(batch)
                    digest.update(data)
                    if len(data) > MAX_LITERAL_BYTES:
                        for number, line in enumerate(batch, first_line):
                            if len(line) > MAX_LITERAL_BYTES:
                                raise DataError(
                                    [literal_too_long(str(path), number, None, len(line))]
                                )
                    store.bulk_load(input=data, format=fmt)
                    first_line += len(batch)
        else:
            data = read_bytes(path)
            digest.update(data)
            quads: Iterator[Quad] = parse(input=data, format=fmt, rename_blank_nodes=True)
            if len(data) > MAX_LITERAL_BYTES:
                quads = _fileliterals_checked(quads, path)
            _extend_in_batches(store, quads)
    except SyntaxError as e:
        # A batch counts its lines from 1; say where they are in the file.
        shift = first_line - 1
        message = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + shift}", str(e))
        at = _line_of(e)
        problem = Problem(str(path), at + shift if at else None, None, f"RDF syntax: {message}")
        raise DataError([problem]) from e
    except MemoryError as e:  # the parser's 16 MiB statement buffer
        raise DataError([literal_too_long(str(path), None, None, None)]) from e
    except OSError as e:
        if not path.is_file():
            raise DataError([Problem(str(path), None, None, f"cannot read file: {e}")]) from e
        raise
    return digest.digest()


def _fileliterals_checked(quads: Iterator[Quad], path: Path) -> Iterator[Quad]:
    for quad in quads:
        value = quad.object
        if isinstance(value, Literal) and len(value.value) * 4 > MAX_LITERAL_BYTES:
            size = len(value.value.encode())
            if size > MAX_LITERAL_BYTES:
                raise DataError([literal_too_long(str(path), None, f"<{quad.subject}>", size)])
        yield quad


def _has_blank_nodes(path: Path) -> bool:
    """Whether ``_:`` occurs in the file (a literal may hold it too: then it is parsed whole)."""
    import mmap

    if path.stat().st_size == 0:
        return False
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return data.find(b"_:") != -1


def _extend_in_batches(store: Store, quads: Iterator[Quad]) -> None:
    # Oxigraph's bulk loader holds everything one call hands it in memory (~850 B a triple);
    # batches keep a build's peak bounded. Files are parsed once, so blank nodes stay whole.
    while batch := list(itertools.islice(quads, BULK_BATCH)):
        store.bulk_extend(batch)


def _line_of(error: SyntaxError) -> int | None:
    match = re.search(r"(?:line |at )(\d+)", str(error))
    return int(match.group(1)) if match else None
