"""Files: which files of a data directory fmgraph reads, reading them (and noting what was
read, so a build is filed under the content it saw), and writing a file atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

from .errors import DataError, Problem

YAML_SUFFIXES = (".yaml", ".yml")
RDF_SUFFIXES = (".ttl", ".nt", ".nq")

#: sha256 digests of the files read through :func:`read_bytes`, while a build records them.
_reads: ContextVar[dict[Path, bytes] | None] = ContextVar("fmgraph_reads", default=None)


def data_files(data_dir: Path) -> list[Path]:
    """The files of ``data_dir`` that fmgraph reads, in a stable order.

    A symbolic link that leads outside the directory is refused: the data directory is what
    is read, and a link to ``~/.ssh`` or ``/etc`` must not be read (or exported) silently.
    """
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, None, "data directory does not exist")])
    suffixes = YAML_SUFFIXES + RDF_SUFFIXES
    found = sorted(p for p in data_dir.iterdir() if p.suffix in suffixes and p.is_file())
    links = [p for p in found if p.is_symlink()]
    if links:
        root = data_dir.resolve()
        outside = [p for p in links if not p.resolve().is_relative_to(root)]
        if outside:
            raise DataError(
                [
                    Problem(
                        str(p),
                        None,
                        None,
                        f"symbolic link to {p.resolve()}, outside the data directory: refused"
                        " (copy the file into the directory instead)",
                    )
                    for p in outside
                ]
            )
    return found


@contextmanager
def recording_reads() -> Iterator[dict[Path, bytes]]:
    """Within the block, note the sha256 of every file :func:`read_bytes` reads (this thread)."""
    reads: dict[Path, bytes] = {}
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


def read_bytes(path: Path) -> bytes:
    """The bytes of a source file; DataError naming the file when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError([Problem(str(path), None, None, f"cannot read file: {e}")]) from e
    reads = _reads.get()
    if reads is not None:
        reads[path] = hashlib.sha256(data).digest()
    return data


def read_text(path: Path) -> str:
    """The text of a source file, UTF-8 with or without a byte-order mark; DataError naming the
    file when it cannot be read or is not UTF-8."""
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError([Problem(str(path), None, None, f"not UTF-8 text: {e}")]) from e


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    ``data`` is the bytes, or a function that writes them to the binary file it is given (so
    a large output is streamed, never held whole; whatever it raises leaves the old file). The
    bytes go to a temporary file beside ``path``, are flushed to disk, given the mode a new
    file gets (``0666`` less the umask; ``mkstemp`` makes ``0600``) and renamed over ``path``;
    the directory is synced so the rename survives a crash. Raises ``OSError``.
    """
    parent = path.parent
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            umask = os.umask(0o022)
            os.umask(umask)
            os.fchmod(f.fileno(), 0o666 & ~umask)
            if isinstance(data, bytes):
                f.write(data)
            else:
                data(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(parent)


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not every platform opens directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
