"""Which files of a data directory fmgraph reads, and reading a source file as text (kept
apart so that finding them is cheap)."""

from __future__ import annotations

from pathlib import Path

from .errors import DataError, Problem

YAML_SUFFIXES = (".yaml", ".yml")
RDF_SUFFIXES = (".ttl", ".nt", ".nq")


def data_files(data_dir: Path) -> list[Path]:
    """The files of ``data_dir`` that fmgraph reads, in a stable order."""
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, None, "data directory does not exist")])
    suffixes = YAML_SUFFIXES + RDF_SUFFIXES
    return sorted(p for p in data_dir.iterdir() if p.is_file() and p.suffix in suffixes)


def read_text(path: Path) -> str:
    """The text of a source file, UTF-8 with or without a byte-order mark; DataError naming the
    file when it cannot be read or is not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError([Problem(str(path), None, None, f"not UTF-8 text: {e}")]) from e
    except OSError as e:
        raise DataError([Problem(str(path), None, None, f"cannot read file: {e}")]) from e
