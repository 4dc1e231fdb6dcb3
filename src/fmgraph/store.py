"""The store interface every module uses, and the embedded store that implements it.

Everything above the store talks to a :class:`GraphStore`, so a remote SPARQL endpoint
(:class:`fmgraph.remote.RemoteStore`) can stand in for the embedded one. Where a store is
kept and when it is rebuilt is :mod:`fmgraph.cache`'s job; how one is built is
:mod:`fmgraph.pipeline`'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
)

QueryResult = QuerySolutions | QueryBoolean | QueryTriples

#: The N-Quads copy of a small store, beside its database (see :class:`LocalStore`).
SNAPSHOT = "snapshot.nq"


class GraphStore(Protocol):
    """What the rest of fmgraph needs of a store: SPARQL, its graphs, and its triples."""

    def query(
        self,
        sparql: str,
        prefixes: dict[str, str] | None = None,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """Evaluate ``sparql``; ``default_graph``/``named_graphs`` set the dataset (the
        SPARQL protocol's ``default-graph-uri`` and ``named-graph-uri``)."""
        ...

    def triples(self) -> Iterator[Triple]:
        """Every triple of every graph."""
        ...

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        ...

    def dump(self, fmt: RdfFormat, output: IO[bytes]) -> None:
        """Write the default graph in ``fmt`` (a triples format) to ``output``, in the store's
        own order, without holding it in memory."""
        ...


class LocalStore:
    """A built pyoxigraph store on disk, opened read-only.

    A small graph also has an N-Quads snapshot beside its database; loading that into memory
    takes less time than opening the database, which is what a one-shot command pays for.
    ``snapshot_sha256``, when given, is checked against the bytes loaded, so a snapshot that
    changed after it was verified is not loaded (ValueError).
    """

    def __init__(self, path: Path, snapshot_sha256: str | None = None) -> None:
        self.path = path
        snapshot = path / SNAPSHOT
        if snapshot.is_file():
            data = snapshot.read_bytes()
            if snapshot_sha256 is not None and hashlib.sha256(data).hexdigest() != snapshot_sha256:
                raise ValueError(f"{snapshot} does not match its checksum")
            self.oxigraph = Store()
            self.oxigraph.load(input=data, format=RdfFormat.N_QUADS)
        else:
            self.oxigraph = Store.read_only(str(path))

    def query(
        self,
        sparql: str,
        prefixes: dict[str, str] | None = None,
        *,
        default_graph: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        dataset: dict[str, Any] = {}
        if default_graph is not None or named_graphs is not None:
            dataset["default_graph"] = [NamedNode(g) for g in default_graph or ()]
            dataset["named_graphs"] = [NamedNode(g) for g in named_graphs or ()]
        return self.oxigraph.query(sparql, prefixes=prefixes, **dataset)

    def triples(self) -> Iterator[Triple]:
        for quad in self.oxigraph.quads_for_pattern(None, None, None, None):
            yield quad.triple

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.oxigraph.named_graphs() if hasattr(g, "value"))

    def dump(self, fmt: RdfFormat, output: IO[bytes]) -> None:
        self.oxigraph.dump(output, format=fmt, from_graph=DefaultGraph())


def __getattr__(name: str) -> Any:
    # Kept for callers written before the cache moved to fmgraph.cache.
    if name in ("open_store", "store_path", "cache_dir"):
        from . import cache

        return getattr(cache, name)
    raise AttributeError(f"module 'fmgraph.store' has no attribute {name!r}")
