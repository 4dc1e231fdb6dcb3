"""Check and write: the would-be data directory is loaded before anything is written, and the
files an import changes are written together.
"""

from __future__ import annotations

import os
import shutil
import tempfile
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
