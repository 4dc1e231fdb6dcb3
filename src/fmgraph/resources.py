"""Where the bundled data, ontology and queries live, in a wheel or in a source checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_PACKAGE = Path(str(files("fmgraph")))


def _bundled(name: str) -> Path:
    # A wheel carries data/ and ontology/ inside the package (force-included at build time);
    # an editable checkout keeps them at the top of the repository, two levels up.
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent.parent / name


def data_dir() -> Path:
    """The bundled data directory (the course's reading list)."""
    return _bundled("data")


def ontology_dir() -> Path:
    """The directory holding ``fmgraph.ttl`` and ``shapes.ttl``."""
    return _bundled("ontology")


def queries_dir() -> Path:
    """The bundled SPARQL queries, one ``.rq`` file each."""
    return _PACKAGE / "queries"
