"""Counts of the graph's nodes by class and of its triples by relation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from .graphview import unidentified_count
from .query import rows, rows_over
from .store import GraphStore
from .vocab import VOCAB, compact

# One full scan: triples per predicate (the total is their sum). Instances per class read
# the rdf:type triples only. The vocabulary's own triples (the ontology the build loads) are
# then subtracted with lookups of its subjects, where a FILTER on every subject's IRI cost
# two more full scans (issue 14: three scans, 4 s at a million triples).
_PER_PREDICATE = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"
_PER_CLASS = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
_VOCAB_PER_PREDICATE = "SELECT ?p (COUNT(*) AS ?n) WHERE { VALUES ?s { %s } ?s ?p ?o } GROUP BY ?p"
_VOCAB_PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?s { %s } ?s a ?class } GROUP BY ?class
"""


@dataclass
class Stats:
    triples: int
    classes: dict[str, int]
    relations: dict[str, int]
    #: Sessions, works, concepts and topics without dcterms:identifier, named from label or IRI.
    without_identifier: int = 0


@cache
def _vocabulary_subjects() -> tuple[str, ...]:
    """The subjects of the ontology fmgraph loads into every store: its terms and itself."""
    from pyoxigraph import NamedNode, RdfFormat, parse

    from .resources import ontology_dir

    namespace = VOCAB.rstrip("#")
    found = {
        q.subject.value
        for q in parse(path=str(ontology_dir() / "fmgraph.ttl"), format=RdfFormat.TURTLE)
        if isinstance(q.subject, NamedNode) and q.subject.value.startswith(namespace)
    }
    return tuple(sorted(found))


def _counts(found: Iterable[dict[str, Any]], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in found:
        counts[r[key]] = counts.get(r[key], 0) + int(r["n"])
    return counts


def graph_stats(store: GraphStore) -> Stats:
    """Total triples; instances per class and triples per predicate, the vocabulary's own
    triples (those about the ontology's terms) excluded from the last two."""
    relations = _counts(rows(store, _PER_PREDICATE), "p")
    classes = _counts(rows(store, _PER_CLASS), "class")
    total = sum(relations.values())
    subjects = _vocabulary_subjects()
    for counts, vocabulary in [
        (relations, _counts(rows_over(store, _VOCAB_PER_PREDICATE, subjects), "p")),
        (classes, _counts(rows_over(store, _VOCAB_PER_CLASS, subjects), "class")),
    ]:
        for key, n in vocabulary.items():
            counts[key] -= n
    return Stats(
        total,
        dict(sorted((compact(k), n) for k, n in classes.items() if n > 0)),
        dict(sorted((compact(k), n) for k, n in relations.items() if n > 0)),
        unidentified_count(store),
    )
