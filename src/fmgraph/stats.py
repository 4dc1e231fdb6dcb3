"""Counts of the graph's nodes by class and of its triples by relation."""

from __future__ import annotations

from dataclasses import dataclass

from .graphview import rows, unidentified_count
from .store import GraphStore
from .vocab import VOCAB, compact

_TOTAL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?class . FILTER(!STRSTARTS(STR(?s), "%s"))
} GROUP BY ?class
"""
_RELATIONS = """
SELECT ?p (COUNT(*) AS ?n) WHERE {
  ?s ?p ?o . FILTER(!STRSTARTS(STR(?s), "%s"))
} GROUP BY ?p
"""


@dataclass
class Stats:
    triples: int
    classes: dict[str, int]
    relations: dict[str, int]
    #: Sessions, works, concepts and topics without dcterms:identifier, named from label or IRI.
    without_identifier: int = 0


def graph_stats(store: GraphStore) -> Stats:
    """Total triples; instances per class and triples per predicate, the vocabulary excluded."""
    vocab = VOCAB.rstrip("#")
    total = next(rows(store, _TOTAL))["n"] or 0
    classes = {compact(r["class"]): int(r["n"]) for r in rows(store, _CLASSES % vocab)}
    relations = {compact(r["p"]): int(r["n"]) for r in rows(store, _RELATIONS % vocab)}
    return Stats(
        int(total),
        dict(sorted(classes.items())),
        dict(sorted(relations.items())),
        unidentified_count(store),
    )
