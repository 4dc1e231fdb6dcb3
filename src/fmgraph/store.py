"""The embedded store: a pyoxigraph database built from a data directory, cached by content.

A store lives in the user's cache directory under a key derived from the content of the data
files, the ontology and the build code, so it is rebuilt whenever any of them changes and is
never stale. Builds go to a temporary directory that is renamed into place only when complete:
a failed build leaves every existing store as it was.

Everything else in fmgraph talks to a :class:`GraphStore`, so a remote SPARQL endpoint can
stand in for the embedded store.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from pyoxigraph import (
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse,
)

from .errors import DataError, Problem
from .files import RDF_SUFFIXES, data_files
from .resources import ontology_dir

Progress = Callable[[str], None]
QueryResult = QuerySolutions | QueryBoolean | QueryTriples

#: Bump when the layout of a built store changes in a way the source hash would not show.
STORE_FORMAT = "1"
KEEP_STORES = 8
SNAPSHOT = "snapshot.nq"
SHACL_BUILD_LIMIT = 50_000  # catalog triples checked with pySHACL at build time
SNAPSHOT_LIMIT = 100_000  # triples; above this, opening the database is the faster way in
BULK_BATCH = 50_000  # quads handed to the store at once
_BUILD_MODULES = (
    "build.py",
    "files.py",
    "loader.py",
    "model.py",
    "store.py",
    "validate.py",
    "vocab.py",
    "yaml_values.py",
)
_RDF_FORMATS = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS}


class GraphStore(Protocol):
    """What the rest of fmgraph needs of a store: SPARQL, and all its triples for export."""

    def query(self, sparql: str, prefixes: dict[str, str] | None = None) -> QueryResult: ...

    def triples(self) -> Iterator[Triple]: ...

    def named_graphs(self) -> list[str]: ...


class LocalStore:
    """A built pyoxigraph store on disk, opened read-only.

    A small graph also has an N-Quads snapshot beside its database; loading that into memory
    takes less time than opening the database, which is what a one-shot command pays for.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        snapshot = path / SNAPSHOT
        if snapshot.is_file():
            self.oxigraph = Store()
            self.oxigraph.load(path=str(snapshot), format=RdfFormat.N_QUADS)
        else:
            self.oxigraph = Store.read_only(str(path))

    def query(self, sparql: str, prefixes: dict[str, str] | None = None) -> QueryResult:
        return self.oxigraph.query(sparql, prefixes=prefixes)

    def triples(self) -> Iterator[Triple]:
        for quad in self.oxigraph.quads_for_pattern(None, None, None, None):
            yield quad.triple

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.oxigraph.named_graphs() if hasattr(g, "value"))


def cache_dir() -> Path:
    """Where stores are kept: ``$FMGRAPH_CACHE_DIR``, else the user's cache directory."""
    configured = os.environ.get("FMGRAPH_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("fmgraph"))


def _inputs(data_dir: Path) -> list[tuple[str, Path]]:
    """Every file whose content decides what the store holds, with a stable name."""
    package = Path(__file__).parent
    onto = ontology_dir()
    return (
        [(f"data/{p.name}", p) for p in data_files(data_dir)]
        + [(f"ontology/{name}", onto / name) for name in ("fmgraph.ttl", "shapes.ttl")]
        + [(f"code/{name}", package / name) for name in _BUILD_MODULES]
    )


def _stat_key(inputs: list[tuple[str, Path]]) -> str:
    digest = hashlib.sha256(STORE_FORMAT.encode())
    for name, path in inputs:
        st = path.stat()
        digest.update(f"\0{name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def content_key(inputs: list[tuple[str, Path]]) -> str:
    """A hash of the names and bytes of every input file."""
    digest = hashlib.sha256(STORE_FORMAT.encode())
    for name, path in inputs:
        digest.update(f"\0{name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def store_path(data_dir: Path, progress: Progress | None = None) -> Path:
    """The path of an up-to-date store for ``data_dir``, building it first if needed."""
    inputs = _inputs(data_dir)
    root = cache_dir()
    # Stat-keyed index: a lookup costs one stat per file instead of hashing every byte.
    index = root / "index" / _stat_key(inputs)
    if index.is_file():
        path = root / "stores" / index.read_text().strip()
        if (path / "CURRENT").is_file():
            return path
    key = content_key(inputs)
    path = root / "stores" / key
    if not (path / "CURRENT").is_file():
        build_store(data_dir, path, progress)
        _prune(root / "stores", keep=path)
    _atomic_write_text(index, key)
    return path


def open_store(data_dir: Path, progress: Progress | None = None) -> LocalStore:
    """Open the store for ``data_dir`` read-only, rebuilding it when the data has changed."""
    return LocalStore(store_path(data_dir, progress))


def build_store(data_dir: Path, target: Path, progress: Progress | None = None) -> None:
    """Load, check and write the graph of ``data_dir`` to a new store at ``target``.

    The directory's RDF files load in the background while the YAML is read; then catalog
    statements stream into the store as quads. SHACL runs here on catalogs of up to
    ``SHACL_BUILD_LIMIT`` triples; a larger one is checked structurally by the loader, and in
    full by ``fmgraph validate``, so a big build is not held in one in-memory rdflib graph.
    """
    from .build import catalog_quads
    from .loader import load_catalog
    from .validate import shacl_problems

    say = progress or (lambda _message: None)
    say(f"building the graph of {data_dir}")
    rdf_paths = [p for p in data_files(data_dir) if p.suffix in RDF_SUFFIXES]
    count = itertools.count()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.build-"))
    rdf_files: _RdfFiles | None = None
    try:
        store = Store(str(tmp))
        rdf_files = _RdfFiles(store, rdf_paths, say)
        catalog = load_catalog(data_dir)
        say(f"loaded {len(catalog.works)} works, {len(catalog.concepts)} concepts, "
            f"{len(catalog.sessions)} sessions")  # fmt: skip
        stream = catalog_quads(catalog)
        head = list(itertools.islice(stream, SHACL_BUILD_LIMIT + 1))
        if len(head) <= SHACL_BUILD_LIMIT:
            problems = shacl_problems([q.triple for q in head], catalog)
            if problems:
                raise DataError(problems)
        else:
            say(f"catalog over {SHACL_BUILD_LIMIT} triples: SHACL is left to `fmgraph validate`")
        rdf_files.finish()
        say("writing the catalogue")
        statements = (q for q, _ in zip(itertools.chain(head, stream), count, strict=False))
        _extend_in_batches(store, statements)
        store.bulk_load(path=str(ontology_dir() / "fmgraph.ttl"), format=RdfFormat.TURTLE)
        store.flush()
        total = len(store)
        if total <= SNAPSHOT_LIMIT:
            store.dump(str(tmp / SNAPSHOT), format=RdfFormat.N_QUADS)
        else:
            # Compacting the files the bulk loader wrote halves the cost of every later read
            # (a full scan at 1M triples: 7.7 s -> 3.3 s) for 0.75 s of build.
            say("compacting the store")
            store.optimize()
        del store
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "CURRENT").is_file():  # not a concurrent build that won the race
                raise
    finally:
        if rdf_files is not None:
            rdf_files.abandon()  # a failed build: stop between batches before the files go
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"built {total} triples ({next(count)} from YAML)")


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
                _load_rdf_file(store, path, self.stopping)
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


def _load_rdf_file(store: Store, path: Path, stopping: threading.Event) -> None:
    fmt = _RDF_FORMATS[path.suffix]
    first_line = 1
    try:
        if fmt in (RdfFormat.N_TRIPLES, RdfFormat.N_QUADS) and not _has_blank_nodes(path):
            with path.open("rb") as lines:
                while not stopping.is_set() and (
                    batch := list(itertools.islice(lines, BULK_BATCH))
                ):
                    store.bulk_load(input=b"".join(batch), format=fmt)
                    first_line += len(batch)
        else:
            quads = parse(path=str(path), format=fmt, rename_blank_nodes=True)
            _extend_in_batches(store, quads)
    except SyntaxError as e:
        # A batch counts its lines from 1; say where they are in the file.
        shift = first_line - 1
        message = re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + shift}", str(e))
        line = _line_of(e)
        problem = Problem(str(path), line + shift if line else None, None, f"RDF syntax: {message}")
        raise DataError([problem]) from e


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


def _prune(stores: Path, keep: Path) -> None:
    """Remove all but the newest stores; builds are cheap, disk is the user's."""
    built = sorted(
        (p for p in stores.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in built[KEEP_STORES:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
