"""Write the graph as RDF (Turtle, N-Triples, JSON-LD, RDF/XML) or, from the networkx view,
as GraphML and GEXF for Gephi. Output is byte-identical for the same data, and written to a
temporary file that is renamed into place, so a failed export never leaves half a file.

RDF exports are streamed. The store's N-Triples go to a temporary file; its lines are sorted
in runs of :data:`RUN_BYTES` (merged back from temporary files when there is more than one
run), and the sorted lines are written as they are (N-Triples) or parsed back a batch at a time
into pyoxigraph's streaming serializer, which groups the consecutive triples of a subject. So
an export holds about one run in memory, never the graph as Python objects.
"""

from __future__ import annotations

import heapq
import io
import itertools
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import IO, BinaryIO

from pyoxigraph import (
    CanonicalizationAlgorithm,
    Dataset,
    RdfFormat,
    Triple,
    parse,
    serialize,
)

from .errors import FmgraphError, OutputError
from .files import atomic_write
from .store import GraphStore
from .vocab import ID, PREFIXES

RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "jsonld": RdfFormat.JSON_LD,
    "rdfxml": RdfFormat.RDF_XML,
}
GRAPH_FORMATS = ("graphml", "gexf")
FORMATS = (*RDF_FORMATS, *GRAPH_FORMATS)
EXPORT_PREFIXES = {
    **PREFIXES,
    "concept": f"{ID}concept/",
    "session": f"{ID}session/",
    "work": f"{ID}work/",
    "topic": f"{ID}topic/",
}
#: N-Triples sorted in memory at once; a larger graph is sorted in runs that are merged. As
#: Python lines a run takes about 1.3 times this.
RUN_BYTES = 32 << 20
#: Sorted lines written, or parsed back for the serializer, at once.
BATCH_LINES = 10_000

Writer = Callable[[IO[bytes]], int]


def rdf_bytes(triples: Iterable[Triple], fmt: RdfFormat) -> bytes:
    """``triples`` serialized in ``fmt`` in their own order, with the fmgraph prefixes where
    the format has them."""
    return serialize(triples, format=fmt, prefixes=EXPORT_PREFIXES) or b""


def canonical_rdf(triples: Iterable[Triple], fmt: RdfFormat) -> bytes:
    """``triples`` in ``fmt``, ordered and with blank nodes named as exports are, so equal
    graphs give equal bytes."""
    buffer = io.BytesIO()
    with sorted_ntriples(partial(serialize, triples, format=RdfFormat.N_TRIPLES)) as lines:
        _write_rdf(lines, fmt, buffer)
    return buffer.getvalue()


@contextmanager
def sorted_ntriples(write: Callable[[IO[bytes]], object]) -> Iterator[Iterator[bytes]]:
    """The lines of the N-Triples that ``write`` writes to the file it is given, sorted, with
    blank nodes (from RDF files, labelled at random when loaded) renamed by RDF Dataset
    Canonicalization (RDFC-1.0), so equal graphs give equal lines.

    Sorted lines are the triples sorted by subject, predicate and object text: a term never
    continues with a character below the space that ends it. The work is done on entering;
    the lines are read lazily, within the block.
    """
    with ExitStack() as stack:
        dump = stack.enter_context(tempfile.SpooledTemporaryFile(RUN_BYTES))
        write(dump)
        blank = stack.enter_context(tempfile.SpooledTemporaryFile(RUN_BYTES))
        runs: list[Iterable[bytes]] = []
        _sort_in_runs(dump, runs, stack, aside=blank)
        dump.close()
        if blank.tell():
            # RDFC-1.0 reads only the triples that mention a blank node, so only those (and
            # any whose text merely looks like one) are held, in the engine's own memory.
            blank.seek(0)
            dataset = Dataset(parse(blank, RdfFormat.N_TRIPLES))
            blank.close()
            dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
            named = stack.enter_context(tempfile.SpooledTemporaryFile(RUN_BYTES))
            serialize(dataset, named, format=RdfFormat.N_TRIPLES)
            del dataset
            _sort_in_runs(named, runs, stack)
            named.close()
        blank.close()
        yield iter(runs[0]) if len(runs) == 1 else heapq.merge(*runs)


def _sort_in_runs(
    source: IO[bytes],
    runs: list[Iterable[bytes]],
    stack: ExitStack,
    aside: IO[bytes] | None = None,
) -> None:
    """Add the lines of ``source`` to ``runs``, sorted in runs of about :data:`RUN_BYTES`. A run
    is kept in memory when it is the only one, else spilled to a temporary file (closed with
    ``stack``). With ``aside``, lines that mention ``_:`` are written there instead."""
    size = source.seek(0, io.SEEK_END)
    source.seek(0)
    while chunk := source.read(RUN_BYTES) + source.readline():  # whole lines
        lines = chunk.splitlines(keepends=True)
        if aside is not None and b"_:" in chunk:
            kept = []
            for line in lines:
                if b"_:" in line:
                    aside.write(line)
                else:
                    kept.append(line)
            lines = kept
        del chunk
        lines.sort()
        if runs or source.tell() < size or (aside is not None and aside.tell()):
            run = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (stack closes it)
            run.writelines(lines)
            run.seek(0)
            runs.append(run)
        else:
            runs.append(lines)
        del lines  # before the next chunk is read: one run in memory at a time


def _write_ntriples(store: GraphStore, output: IO[bytes]) -> None:
    """Every triple of ``store``, of every graph, as N-Triples in the store's order."""
    if store.named_graphs():
        serialize(store.triples(), output, format=RdfFormat.N_TRIPLES)
    else:  # the common case, and the fast one: no Python object per triple
        store.dump(RdfFormat.N_TRIPLES, output)


class _Tally:
    """A binary stream that passes on what is written, counting the bytes and keeping the last
    one."""

    def __init__(self, output: IO[bytes]) -> None:
        self.output = output
        self.size = 0
        self.last = b""

    def write(self, data: bytes) -> int:
        if data:
            self.size += len(data)
            self.last = data[-1:]
            self.output.write(data)
        return len(data)

    def flush(self) -> None:
        self.output.flush()


def _write_rdf(lines: Iterator[bytes], fmt: RdfFormat, output: IO[bytes]) -> int:
    """Write sorted N-Triples ``lines`` in ``fmt`` to ``output``, ending in a newline; the
    number of bytes written."""
    tally = _Tally(output)
    batches = (b"".join(batch) for batch in _batched(lines, BATCH_LINES))
    if fmt == RdfFormat.N_TRIPLES:
        for batch in batches:
            tally.write(batch)
    else:
        # lenient: these lines come from pyoxigraph's own serializer, already checked.
        parsed = (parse(batch, RdfFormat.N_TRIPLES, lenient=True) for batch in batches)
        quads = itertools.chain.from_iterable(parsed)
        serialize(quads, tally, format=fmt, prefixes=EXPORT_PREFIXES)  # type: ignore[arg-type]
    if tally.last not in (b"", b"\n"):
        tally.write(b"\n")
    return tally.size


def _batched(items: Iterator[bytes], size: int) -> Iterator[list[bytes]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def _graph_bytes(store: GraphStore, fmt: str) -> bytes:
    """GraphML or GEXF of the networkx view, ending in a newline."""
    import networkx as nx

    from .graphview import full_graph

    graph = full_graph(store)
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(graph)).encode() + b"\n"
    text = "\n".join(nx.generate_gexf(graph))
    # networkx stamps today's date into GEXF; drop it so exports are reproducible.
    return re.sub(r' lastmodifieddate="[^"]*"', "", text).encode() + b"\n"


def _write_bytes(data: bytes, output: IO[bytes]) -> int:
    output.write(data)
    return len(data)


@contextmanager
def _exporter(store: GraphStore, fmt: str) -> Iterator[Writer]:
    """A function that writes the graph in ``fmt`` to a stream and returns the number of bytes;
    the store is read (and sorted) before the block starts, so no output is opened until then."""
    if fmt in RDF_FORMATS:
        with sorted_ntriples(partial(_write_ntriples, store)) as lines:
            yield partial(_write_rdf, lines, RDF_FORMATS[fmt])
    elif fmt in GRAPH_FORMATS:
        yield partial(_write_bytes, _graph_bytes(store, fmt))
    else:
        raise FmgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def export_bytes(store: GraphStore, fmt: str) -> bytes:
    """The whole graph in ``fmt``, deterministic (triples sorted, blank nodes canonically
    named, no dates), ending in a newline."""
    buffer = io.BytesIO()
    with _exporter(store, fmt) as write:
        write(buffer)
    return buffer.getvalue()


def write_export(store: GraphStore, fmt: str, output: str | None) -> int:
    """Write what :func:`export_bytes` gives, streamed, to ``output`` (atomically) or to
    standard output when it is None or '-'; the number of bytes written."""
    size = 0

    def write(stream: BinaryIO) -> None:
        nonlocal size
        size = writer(stream)

    with _exporter(store, fmt) as writer:
        write_output(write, output)
    return size


def write_output(data: bytes | Callable[[BinaryIO], object], output: str | None) -> None:
    """Write ``data`` (bytes, or a function that writes them to the stream it is given) to
    ``output`` atomically, or to standard output when it is None or '-'."""
    if output in (None, "-"):
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            data(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    try:
        atomic_write(Path(output), data)
    except OSError as e:
        raise OutputError(f"cannot write {output}: {e.strerror or e}") from e
