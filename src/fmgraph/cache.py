"""The store cache: where built stores are kept, under which key, and how they are trusted.

A store lives in ``$FMGRAPH_CACHE_DIR`` (else the user's cache directory) under
``stores/KEY``, where KEY is a hash of every input: the data files (the very bytes the build
read), the ontology and every file of the installed package. So a store is rebuilt whenever
any of them changes, and is never stale. Builds go to a temporary directory that is renamed
into place only when complete: a failed build leaves every existing store as it was.

Each store carries a manifest (format, key, triple count, size and sha256 of each file),
checked when the store is opened: a store that does not match, or that the engine cannot
read, is reported in one line and rebuilt. A cache directory that cannot be used at all
gives one line naming it and ``FMGRAPH_CACHE_DIR``, and the command answers from a store
built in a temporary directory.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StoreError
from .files import RDF_SUFFIXES, atomic_write, data_files
from .resources import ontology_dir
from .store import SNAPSHOT, LocalStore

Progress = Callable[[str], None]

#: Bump when the layout of a built store changes in a way the inputs' hash would not show.
STORE_FORMAT = "2"
KEEP_STORES = 8
KEEP_INDEX = 256
MANIFEST = "manifest.json"
BUILDING = ".building"  # locked by a build while it runs, so a prune can tell it from a leftover
LEFTOVER_AGE = 60.0  # seconds before an unlocked build directory counts as a leftover
_KEY = re.compile(r"^[0-9a-f]{32}$")
#: Engine files that change on their own (RocksDB's log) or that are locks, not content.
_UNLISTED = re.compile(r"^(LOG(\..*)?|LOCK|manifest\.json|\.building)$")


def cache_dir() -> Path:
    """Where stores are kept: ``$FMGRAPH_CACHE_DIR``, else the user's cache directory."""
    configured = os.environ.get("FMGRAPH_CACHE_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("fmgraph"))


# ---------------------------------------------------------------------------------------------
# Keys


@functools.cache
def _package_inputs() -> tuple[tuple[str, Path], ...]:
    """Every file of the installed package and of the ontology, named stably: the code that
    builds a store is whatever the package holds, not a list someone must keep up to date."""
    package = Path(__file__).parent
    found = [("ontology/" + p.relative_to(ontology_dir()).as_posix(), p)
             for p in ontology_dir().rglob("*") if p.is_file()]  # fmt: skip
    found += [
        ("code/" + p.relative_to(package).as_posix(), p)
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    ]
    return tuple(sorted(found))


def inputs(data_dir: Path) -> list[tuple[str, Path]]:
    """Every file whose content decides what the store holds, with a stable name."""
    return [(f"data/{p.name}", p) for p in data_files(data_dir)] + list(_package_inputs())


def stat_key(named: list[tuple[str, Path]]) -> str:
    """A hash of the names, sizes and modification times of ``named``: cheap to compute."""
    digest = hashlib.sha256(STORE_FORMAT.encode())
    for name, path in named:
        st = path.stat()
        digest.update(f"\0{name}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode())
    return digest.hexdigest()[:32]


def content_key(digests: dict[str, bytes]) -> str:
    """A hash of the names and sha256 digests of every input file."""
    digest = hashlib.sha256(STORE_FORMAT.encode())
    for name in sorted(digests):
        digest.update(f"\0{name}\0".encode())
        digest.update(digests[name])
    return digest.hexdigest()[:32]


def _digests(named: list[tuple[str, Path]]) -> dict[str, bytes]:
    return {name: hashlib.sha256(path.read_bytes()).digest() for name, path in named}


# ---------------------------------------------------------------------------------------------
# Manifests


def _listed_files(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_file() and not _UNLISTED.match(p.name))


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_manifest(
    path: Path, key: str, triples: int, digests: dict[str, bytes], like: Path | None = None
) -> None:
    """Record in ``path`` the format, key and triple count, the sha256 ``digests`` of the
    inputs (data files and package, so a later build can find a store to patch), and each
    file's size and sha256. A file that is a hard link to the same file of the store ``like``
    (a patched store's tables) takes its checksum from that store's manifest."""
    known: dict[str, Any] = {}
    if like is not None:
        with contextlib.suppress(ValueError):
            known = read_manifest(like)["files"]
    files = {}
    for p in _listed_files(path):
        st = p.stat()
        same = p.name in known and _same_file(p, like / p.name if like else None)
        sha256 = known[p.name]["sha256"] if same else _sha256(p)
        files[p.name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    manifest = {
        "format": STORE_FORMAT,
        "key": key,
        "triples": triples,
        "files": files,
        "package": package_key(digests),
        "data": {n: d.hex() for n, d in sorted(digests.items()) if n.startswith("data/")},
    }
    atomic_write(path / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())


def _same_file(path: Path, other: Path | None) -> bool:
    try:
        return other is not None and os.path.samefile(path, other)
    except OSError:
        return False


def package_key(digests: dict[str, bytes]) -> str:
    """A hash of the package's files among ``digests`` (the inputs that are not data)."""
    return content_key({n: d for n, d in digests.items() if not n.startswith("data/")})


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the store at ``path``; ValueError when it is missing or unreadable."""
    try:
        manifest = json.loads((path / MANIFEST).read_bytes())
    except (OSError, ValueError) as e:
        raise ValueError(f"its manifest cannot be read ({e})") from e
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ValueError("its manifest is not a manifest")
    return manifest


def damage(path: Path, key: str) -> str | None:
    """What is wrong with the store at ``path`` for ``key``, None when it matches its manifest.

    Sizes are always compared; a file whose modification time changed is hashed again. The
    snapshot is hashed when it is loaded (:class:`~fmgraph.store.LocalStore`).
    """
    try:
        manifest = read_manifest(path)
    except ValueError as e:
        return str(e)
    if manifest.get("format") != STORE_FORMAT or manifest.get("key") != key:
        return "its manifest is for another store"
    for name, expected in manifest["files"].items():
        try:
            st = (path / name).stat()
            if st.st_size != expected["size"]:
                return f"{name} is {st.st_size} bytes, not {expected['size']}"
            changed = st.st_mtime_ns != expected["mtime_ns"]
            if changed and _sha256(path / name) != expected["sha256"]:
                return f"{name} does not match its checksum"
        except FileNotFoundError:
            return f"{name} is missing"
        except (OSError, KeyError, TypeError) as e:
            return f"{name} cannot be checked ({e})"
    return None


# ---------------------------------------------------------------------------------------------
# Finding, building and opening stores


def store_path(data_dir: Path, progress: Progress | None = None) -> Path:
    """The path of an up-to-date, verified store for ``data_dir``, building it if needed."""
    say = progress or (lambda _message: None)
    named = inputs(data_dir)
    root = cache_dir()
    try:
        return _cached(data_dir, named, root, say)
    except OSError as e:
        say(
            f"cannot use the cache directory {root} ({e.strerror or e}); set FMGRAPH_CACHE_DIR"
            " to a writable directory. This command uses a temporary store."
        )
    return _temporary(data_dir, say)


def open_store(data_dir: Path, progress: Progress | None = None) -> LocalStore:
    """Open the store for ``data_dir`` read-only, rebuilding it when the data has changed or
    the store cannot be read."""
    say = progress or (lambda _message: None)
    path = store_path(data_dir, say)
    try:
        return open_at(path)
    except (OSError, SyntaxError, ValueError, MemoryError) as e:
        say(f"the cached store {path} cannot be read ({_one_line(e)}); rebuilding it")
        _discard(path)
    path = store_path(data_dir, say)
    try:
        return open_at(path)
    except (OSError, SyntaxError, ValueError, MemoryError) as e:
        raise StoreError(f"the store {path} cannot be read: {_one_line(e)}") from e


def open_at(path: Path) -> LocalStore:
    """Open the built store at ``path``, its snapshot checked against its manifest."""
    expected = None
    if (path / SNAPSHOT).is_file() and (path / MANIFEST).is_file():
        expected = read_manifest(path)["files"].get(SNAPSHOT, {}).get("sha256")
        if expected is None:
            raise ValueError(f"{SNAPSHOT} is not in the manifest")
    return LocalStore(path, snapshot_sha256=expected)


def _cached(data_dir: Path, named: list[tuple[str, Path]], root: Path, say: Progress) -> Path:
    stores = root / "stores"
    # Stat-keyed index: a lookup costs one stat per file instead of hashing every byte.
    before = stat_key(named)
    index = root / "index" / before
    with contextlib.suppress(OSError):
        key = index.read_text().strip()
        if _KEY.match(key) and _usable(stores / key, key, say):
            return stores / key
    digests = _digests(named)
    key = content_key(digests)
    if _usable(stores / key, key, say):
        _write_index(root, before, key)
        return stores / key
    built, path = _build(data_dir, stores, say, digests)
    # File the index only when no input moved while the build ran, so the stat key names
    # exactly the content the build read.
    if built == key and stat_key(inputs(data_dir)) == before:
        _write_index(root, before, key)
    with contextlib.suppress(OSError):  # housekeeping: another process may prune at once
        prune(root, keep=path)
    return path


def _usable(path: Path, key: str, say: Progress) -> bool:
    if not path.is_dir():
        return False
    wrong = damage(path, key)
    if wrong is None:
        return True
    say(f"the cached store {path} is damaged: {wrong}; rebuilding it")
    _discard(path)
    return False


def _write_index(root: Path, stat: str, key: str) -> None:
    """Note ``key`` for the stat key ``stat``; a lookup aid only, so a failure is ignored."""
    with contextlib.suppress(OSError):
        (root / "index").mkdir(parents=True, exist_ok=True)
        atomic_write(root / "index" / stat, key.encode())


def _build(
    data_dir: Path, stores: Path, say: Progress, digests: dict[str, bytes]
) -> tuple[str, Path]:
    """Build into a new directory of ``stores``, by patching a store of an earlier version of
    the data where one is kept (``digests``: the inputs as this build expects them); rename
    it to its key; return key and path."""
    from .patch import CannotPatch, patch_store
    from .pipeline import build_store

    stores.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=stores, prefix=".build-"))
    try:
        with (tmp / BUILDING).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            base = patch_base(stores, data_dir, digests)
            built = None
            if base is not None:
                try:
                    built = patch_store(base, data_dir, tmp, digests, say)
                except CannotPatch as e:
                    say(f"building from scratch: {e}")
                    base = None
                    for leftover in tmp.iterdir():  # what a declined patch may have copied
                        if leftover.name != BUILDING:
                            leftover.unlink()
            if built is None:
                built = build_store(data_dir, tmp, say)
            # the package as hashed before the build; the data as the build read it
            read = {n: d for n, d in digests.items() if not n.startswith("data/")}
            read.update({f"data/{p.name}": d for p, d in built.reads.items()})
            key = content_key(read)
            write_manifest(tmp, key, built.triples, read, like=base)
            target = stores / key
            try:
                tmp.rename(target)
            except OSError as e:
                if e.errno not in (errno.ENOTEMPTY, errno.EEXIST) or damage(target, key):
                    raise
                # a concurrent build of the same content won the race: use its store
            else:
                (target / BUILDING).unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return key, target


def patch_base(stores: Path, data_dir: Path, digests: dict[str, bytes]) -> Path | None:
    """The kept store that the store of ``data_dir`` is best patched from: built by this
    package from the same RDF files, with its catalog kept and its files as its manifest says,
    and of all such the one whose YAML files differ by the fewest bytes (the newest of those);
    None when there is none."""
    from .catalogfile import CATALOG

    data = {n: d for n, d in digests.items() if n.startswith("data/")}
    sizes = {f"data/{p.name}": p.stat().st_size for p in data_files(data_dir)}
    package = package_key(digests)
    found: list[tuple[int, int, str, Path]] = []
    for path in stores.iterdir() if stores.is_dir() else ():
        if path.name.startswith(".") or not (path / CATALOG).is_file():
            continue
        try:
            manifest = read_manifest(path)
            if manifest.get("format") != STORE_FORMAT or manifest.get("package") != package:
                continue
            before = {n: bytes.fromhex(d) for n, d in manifest["data"].items()}
            newest_first = -path.stat().st_mtime_ns
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # unreadable, or removed by another process meanwhile
        changed = {n for n in before.keys() | data.keys() if before.get(n) != data.get(n)}
        if not changed or any(Path(n).suffix in RDF_SUFFIXES for n in changed):
            continue
        found.append((sum(sizes.get(n, 0) for n in changed), newest_first, path.name, path))
    for *_, path in sorted(found):
        if damage(path, path.name) is None:
            return path
    return None


def _temporary(data_dir: Path, say: Progress) -> Path:
    from .pipeline import build_store

    try:
        tmp = Path(tempfile.mkdtemp(prefix="fmgraph-store-"))
        atexit.register(shutil.rmtree, tmp, True)
        build_store(data_dir, tmp, say)
    except OSError as e:
        raise StoreError(
            f"cannot build the store, not even in a temporary directory: {e.strerror or e}"
        ) from e
    return tmp


def _discard(path: Path) -> None:
    """Take a store out of use at once (a rename), then remove it."""
    aside = path.with_name(f".damaged-{path.name}-{os.getpid()}")
    try:
        path.rename(aside)
    except OSError:
        aside = path
    shutil.rmtree(aside, ignore_errors=True)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# Housekeeping: prune, info, clear


def _leftovers(stores: Path) -> Iterator[Path]:
    """Build directories no build holds any more, and stores taken out of use."""
    now = time.time()
    for p in stores.iterdir():
        if not p.name.startswith(".") or not p.is_dir():
            continue
        if p.name.startswith(".damaged-"):
            yield p
            continue
        try:
            if now - p.stat().st_mtime < LEFTOVER_AGE:
                continue
            with (p / BUILDING).open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except FileNotFoundError:
            pass  # an older build's directory, without a lock
        except OSError:
            continue  # locked: a build is running
        yield p


def prune(root: Path, keep: Path | None = None) -> None:
    """Keep the newest ``KEEP_STORES`` stores; remove build leftovers and dead index entries."""
    stores = root / "stores"
    if not stores.is_dir():
        return
    for leftover in _leftovers(stores):
        shutil.rmtree(leftover, ignore_errors=True)
    built = sorted(
        (p for p in stores.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in built[KEEP_STORES:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    index = root / "index"
    if index.is_dir():
        entries = sorted(index.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        for i, entry in enumerate(entries):
            with contextlib.suppress(OSError):
                if i >= KEEP_INDEX or not (stores / entry.read_text().strip()).is_dir():
                    entry.unlink()


@dataclass(frozen=True)
class StoreInfo:
    key: str
    triples: int | None
    bytes: int
    problem: str | None


@dataclass(frozen=True)
class CacheInfo:
    directory: str
    stores: list[StoreInfo]
    leftover_bytes: int
    total_bytes: int


def _size(path: Path) -> int:
    """The bytes of the files under ``path``, a file linked twice counted once (a patched
    store shares its table files with the store it was patched from)."""
    sizes = {}
    for p in path.rglob("*"):
        if p.is_file():
            st = p.stat()
            sizes[st.st_dev, st.st_ino] = st.st_size
    return sum(sizes.values())


def cache_info() -> CacheInfo:
    """What the cache holds: each store with its triple count, size and any damage."""
    root = cache_dir()
    stores = root / "stores"
    found, leftover = [], 0
    if stores.is_dir():
        for p in sorted(stores.iterdir()):
            if not p.is_dir():
                continue
            if p.name.startswith("."):
                leftover += _size(p)
                continue
            try:
                triples = read_manifest(p).get("triples")
            except ValueError:
                triples = None
            found.append(StoreInfo(p.name, triples, _size(p), damage(p, p.name)))
    total = _size(root) if root.is_dir() else 0
    return CacheInfo(str(root), found, leftover, total)


def clear_cache() -> int:
    """Remove every store and index entry; return the bytes freed."""
    root = cache_dir()
    freed = 0
    for name in ("stores", "index"):
        path = root / name
        if path.is_dir():
            freed += _size(path)
            shutil.rmtree(path)
    return freed
