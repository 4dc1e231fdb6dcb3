"""Check and write: the would-be data directory is loaded before anything is written, and the
files an import changes are written together, one import at a time.

A write is a small transaction (:func:`write_files_together`):

1. every new file is written in full to a temporary file beside its target and synced;
2. a journal (``.fmgraph-import.journal``) naming each temporary file and its target is
   written and renamed into place: that rename is the commit point;
3. the temporary files are renamed over their targets, in the order given (the importer passes
   topics before works before sessions, so that each step leaves a directory that loads);
4. the journal is removed.

A process killed after step 2 leaves the journal; the next import (:func:`recover`) finishes
the renames before it reads anything. A process killed before step 2 leaves only temporary
files, which the next import removes. An error during step 3 puts every old file back.

Imports of one directory serialize on :func:`import_lock`, an exclusive ``fcntl.flock`` on
``.fmgraph-import.lock`` in the data directory, held from before the data is read until the
files are written, so two imports at once both land.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import DataError, OutputError, Problem
from ..files import data_files
from ..loader import load_catalog
from ..model import Catalog


def load_target(data_dir: Path) -> Catalog:
    if not data_dir.exists():
        return Catalog()
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, None, "is not a directory")])
    if not data_files(data_dir):
        return Catalog()
    return load_catalog(data_dir)


def check(data_dir: Path, contents: dict[Path, str]) -> None:
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


LOCK_NAME = ".fmgraph-import.lock"
JOURNAL_NAME = ".fmgraph-import.journal"
_TEMP_SUFFIX = ".fmgraph-import.tmp"


def _after_rename(done: int) -> None:
    """Called after each rename of a write; a test replaces it to kill the process there."""


@contextmanager
def import_lock(data_dir: Path) -> Iterator[None]:
    """Hold the import lock of ``data_dir`` (created when missing) until the block ends.

    The lock file is removed on release; a waiter that then locks the removed file notices
    (its inode is no longer the path's) and locks the new file instead.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create {data_dir}: {e.strerror or e}") from e
    path = data_dir / LOCK_NAME
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise OutputError(f"cannot lock {path}: {e.strerror or e}") from e
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover(data_dir: Path) -> list[str]:
    """Finish a write a killed import committed, and remove temporary files of one it did not;
    the names of the files the finished write replaced. Call it holding the import lock."""
    if not data_dir.is_dir():
        return []
    journal = data_dir / JOURNAL_NAME
    finished: list[str] = []
    if journal.exists():
        try:
            renames = json.loads(journal.read_text(encoding="utf-8"))["renames"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            message = f"import journal cannot be read ({e}); check the data files, then delete it"
            raise DataError([Problem(str(journal), None, None, message)]) from e
        for temp, target in renames:
            source = data_dir / Path(temp).name
            if source.exists():
                os.replace(source, data_dir / Path(target).name)
                finished.append(Path(target).name)
        _sync_dir(data_dir)
        journal.unlink()
    for stray in data_dir.glob(f".*{_TEMP_SUFFIX}"):
        stray.unlink(missing_ok=True)
    return finished


def write_files_together(data_dir: Path, contents: dict[Path, str]) -> None:
    """Write every file of ``contents`` or none, renaming them into place in the order given;
    see the module docstring for the journal that makes a killed write finish on the next
    import. Call it holding :func:`import_lock`."""
    created = not data_dir.exists()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create {data_dir}: {e.strerror or e}") from e
    temps: dict[Path, Path] = {}
    umask = os.umask(0o022)
    os.umask(umask)
    journal = data_dir / JOURNAL_NAME

    def discard() -> None:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)

    try:
        for path, text in contents.items():
            fd, name = tempfile.mkstemp(dir=data_dir, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
            temps[path] = Path(name)
            os.fchmod(fd, 0o666 & ~umask)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        record = {"renames": [[tmp.name, path.name] for path, tmp in temps.items()]}
        fd, name = tempfile.mkstemp(dir=data_dir, prefix=".journal.", suffix=_TEMP_SUFFIX)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(name, journal)
        _sync_dir(data_dir)
    except OSError as e:
        discard()
        if created:
            with contextlib.suppress(OSError):
                data_dir.rmdir()  # only while empty
        raise OutputError(f"cannot write in {data_dir}: {e.strerror or e}") from e
    originals = {p: p.read_bytes() if p.exists() else None for p in contents}
    done: list[Path] = []
    try:
        for path, tmp in temps.items():
            os.replace(tmp, path)
            done.append(path)
            _after_rename(len(done))
        _sync_dir(data_dir)
        journal.unlink()
    except OSError as e:
        for path in done:
            old = originals[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        discard()
        raise OutputError(f"cannot write {data_dir}: {e.strerror or e}") from e
