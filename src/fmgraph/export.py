"""Write the graph as RDF (Turtle, N-Triples, JSON-LD, RDF/XML) or, from the networkx view,
as GraphML and GEXF for Gephi. Output is byte-identical for the same data, and written to a
temporary file that is renamed into place, so a failed export never leaves half a file."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    Quad,
    RdfFormat,
    Triple,
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


def _sort_key(t: Triple) -> tuple[str, str, str]:
    return (str(t.subject), str(t.predicate), str(t.object))


def rdf_bytes(triples: Iterable[Triple], fmt: RdfFormat) -> bytes:
    """``triples`` serialized in ``fmt``, with the fmgraph prefixes where the format has them."""
    return serialize(triples, format=fmt, prefixes=EXPORT_PREFIXES) or b""


def canonical_triples(triples: Iterable[Triple]) -> list[Triple]:
    """``triples`` sorted, with blank nodes (from RDF files, labelled at random when loaded)
    renamed by RDF Dataset Canonicalization (RDFC-1.0), so equal graphs give equal lists."""
    found = list(triples)
    if any(isinstance(t.subject, BlankNode) or isinstance(t.object, BlankNode) for t in found):
        dataset = Dataset(Quad(t.subject, t.predicate, t.object) for t in found)
        dataset.canonicalize(CanonicalizationAlgorithm.RDFC_1_0)
        found = [q.triple for q in dataset]
    found.sort(key=_sort_key)
    return found


def _sorted_ntriples(store: GraphStore) -> bytes | None:
    """N-Triples of a store with one graph and no blank nodes, sorted as lines: the same bytes
    as serializing its sorted triples (a term never continues with a character below the
    space that ends it), at half the cost. None when the store has blank nodes or graphs."""
    if store.named_graphs():
        return None
    data = store.dump(RdfFormat.N_TRIPLES)
    if b"_:" in data:  # blank nodes (or text that looks like one): name them canonically
        return None
    lines = data.splitlines(keepends=True)
    lines.sort()
    return b"".join(lines)


def export_bytes(store: GraphStore, fmt: str) -> bytes:
    """The whole graph in ``fmt``, deterministic: triples sorted, blank nodes canonically
    named, no dates."""
    if fmt == "ntriples" and (data := _sorted_ntriples(store)) is not None:
        return data
    if fmt in RDF_FORMATS:
        return rdf_bytes(canonical_triples(store.triples()), RDF_FORMATS[fmt])
    import networkx as nx

    from .graphview import full_graph

    graph = full_graph(store)
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(graph)).encode() + b"\n"
    if fmt == "gexf":
        text = "\n".join(nx.generate_gexf(graph))
        # networkx stamps today's date into GEXF; drop it so exports are reproducible.
        return re.sub(r' lastmodifieddate="[^"]*"', "", text).encode() + b"\n"
    raise FmgraphError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write_output(data: bytes, output: str | None) -> None:
    """Write ``data`` to ``output`` atomically, or to standard output when it is None or '-'."""
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        atomic_write(Path(output), data)
    except OSError as e:
        raise OutputError(f"cannot write {output}: {e.strerror or e}") from e
