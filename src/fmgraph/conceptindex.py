"""The concept layer of a built store, read once and kept beside it.

A plan walks the prerequisite graph and shows, for each step, its link to what it unlocks,
the link's reason, when the course first teaches it and the works suggested for it. On a
store of a million triples a plan of thousands of steps reads tens of thousands of such facts,
each an index lookup in a cold process (1.3 s of a 1.4 s plan). They depend on the store
alone, and a built store never changes: its directory is named by the hash of everything it
was built from. So the first plan on a store reads them for every concept, with the very
functions a plan uses on a remote store (:class:`LiveFacts`), and writes them beside the
store in one file; later plans read that file (:class:`ConceptIndex`). Both answer the same
questions, and ``tests/test_conceptindex.py`` checks that every plan comes out the same.

A store that is not a built one (a remote endpoint) is always read live. A file that cannot
be read (damaged, from another version) is read again from the store and rewritten; where no
file is and none can be written, plans read the store live, as before.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from .files import atomic_write
from .graphview import ConceptLinks, concept_links, link_reasons
from .query import rows, rows_over
from .store import GraphStore, LocalStore
from .suggested import READINGS_SHOWN, SuggestedWork, Suggestions, suggested_works

#: The file beside a built store's database.
INDEX_FILE = "concepts.json"
#: Bump when the file's layout changes.
INDEX_FORMAT = 1

Edge = tuple[str, str, str]  # (prerequisite, dependent, relation)

# The day a concept is first taught in the course: plans visit earlier-taught ones first.
# ``%s``: a VALUES of the concepts wanted, or nothing for all.
_FIRST_TAUGHT = """
SELECT ?c (MIN(?date) AS ?first) WHERE {
  %s ?w fm:teaches ?c . ?s fm:reading ?w ; dcterms:date ?date .
} GROUP BY ?c
"""
_KNOWN = "SELECT DISTINCT ?c WHERE { VALUES ?k { %s } ?k fm:requires* ?c }"
_LINKS = {
    "requires": "SELECT ?c ?p WHERE { ?c fm:requires ?p }",
    "motivatedBy": "SELECT ?c ?p WHERE { ?c fm:motivatedBy ?p }",
}


class ConceptFacts(Protocol):
    """What a plan reads of the concept graph."""

    def links(self, of: str | None, *, background: bool) -> ConceptLinks:
        """``of``, what it requires (with ``background``, or grew out of), and their links:
        :func:`fmgraph.graphview.concept_links` of ``of`` (of every concept with None)."""
        ...

    def requires_closure(self, concepts: Collection[str]) -> set[str]:
        """``concepts`` and everything they require, directly or not."""
        ...

    def first_taught(self, concepts: list[str]) -> dict[str, str]:
        """The date the course first teaches each of ``concepts`` (those it teaches)."""
        ...

    def reasons(self, edges: Iterable[Edge]) -> dict[tuple[str, str], str]:
        """The reason of each link: :func:`fmgraph.graphview.link_reasons`."""
        ...

    def suggested(self, concepts: list[str], limit: int | None) -> dict[str, Suggestions]:
        """The works suggested for each concept: :func:`fmgraph.suggested.suggested_works`."""
        ...


class LiveFacts:
    """The facts read from the store as they are asked for."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def links(self, of: str | None, *, background: bool) -> ConceptLinks:
        return concept_links(self.store, of=of, background=background)

    def requires_closure(self, concepts: Collection[str]) -> set[str]:
        return {r["c"] for r in rows_over(self.store, _KNOWN, concepts)}

    def first_taught(self, concepts: list[str]) -> dict[str, str]:
        found = rows_over(self.store, _FIRST_TAUGHT % "VALUES ?c { %s }", concepts)
        return {r["c"]: r["first"] for r in found if r["first"]}

    def reasons(self, edges: Iterable[Edge]) -> dict[tuple[str, str], str]:
        return link_reasons(self.store, edges)

    def suggested(self, concepts: list[str], limit: int | None) -> dict[str, Suggestions]:
        return suggested_works(self.store, concepts, limit)


_RELATIONS = ("introduces", "teaches", "uses", "discusses")
Place = list[Any]  # [session, role, position]


@dataclass
class ConceptIndex:
    """Every concept's facts, as :class:`LiveFacts` reads them, for plans that show
    ``READINGS_SHOWN`` works a step. Held in columns of plain lists, as JSON has them, so that
    reading the file builds few objects (a plan of 3,070 steps at 1M triples reads 5 MB).

    ``nodes`` are IRIs, the concepts first (in id order, as ``concept_links`` has them), then
    every other node a link touches. For each concept: ``ids``, ``labels``, ``first`` (the
    date the course first teaches it, "" if none) and ``discussed`` (how many works discuss
    it). ``links_of`` maps each relation to three columns of its links among all nodes (a chain
    may pass a node that is not a concept), sorted by IRI: dependent and prerequisite numbers
    and the reason. ``works`` has columns of the works suggested (id, title, url, and where
    the course reads each: [session, role, position] lists), and ``suggested_of`` lists, for each
    concept, its works as work number and relation number (in ``_RELATIONS``), flat."""

    nodes: list[str]
    ids: list[str]
    labels: list[str]
    first: list[str]
    discussed: list[int]
    links_of: dict[str, list[list[Any]]]
    works: list[list[Any]]
    suggested_of: list[list[int]]

    def __post_init__(self) -> None:
        self.number = {iri: i for i, iri in enumerate(self.nodes)}
        self.up: dict[str, dict[int, list[int]]] = {}
        for relation, (dependents, prerequisites, _) in self.links_of.items():
            up = self.up[relation] = {}
            for c, p in zip(dependents, prerequisites, strict=True):
                up.setdefault(c, []).append(p)

    def _closure(self, start: Iterable[int], relations: list[str]) -> set[int]:
        seen = set(start)
        frontier = list(seen)
        while frontier:
            node = frontier.pop()
            for relation in relations:
                for p in self.up[relation].get(node, ()):
                    if p not in seen:
                        seen.add(p)
                        frontier.append(p)
        return seen

    def links(self, of: str | None, *, background: bool) -> ConceptLinks:
        relations = ["motivatedBy", "requires"] if background else ["requires"]
        count = len(self.ids)
        if of is None:
            among = set(range(count))
        else:
            among = self._closure([self.number[of]], relations) if of in self.number else set()
        inside = sorted(i for i in among if i < count)
        labels = {self.nodes[i]: (self.ids[i], self.labels[i]) for i in inside}
        dependents: dict[str, dict[str, str]] = {c: {} for c in labels}
        prerequisites: dict[str, dict[str, str]] = {c: {} for c in labels}
        for relation in relations:  # as concept_links: a "requires" edge wins, in place
            cs, ps, _ = self.links_of[relation]
            for c, p in zip(cs, ps, strict=True):
                if c in among and p in among and c < count and p < count:
                    dependent, prerequisite = self.nodes[c], self.nodes[p]
                    dependents[prerequisite][dependent] = relation
                    prerequisites[dependent][prerequisite] = relation
        return ConceptLinks(labels, dependents, prerequisites)

    def requires_closure(self, concepts: Collection[str]) -> set[str]:
        start = [self.number[c] for c in concepts if c in self.number]
        found = {self.nodes[i] for i in self._closure(start, ["requires"])}
        return found | set(concepts)

    def first_taught(self, concepts: list[str]) -> dict[str, str]:
        found = {}
        for c in concepts:
            i = self.number.get(c)
            if i is not None and i < len(self.ids) and self.first[i]:
                found[c] = self.first[i]
        return found

    def reasons(self, edges: Iterable[Edge]) -> dict[tuple[str, str], str]:
        wanted = {(self.number[d], self.number[p], r): (p, d) for p, d, r in edges}
        found = dict.fromkeys(wanted.values(), "")
        for relation, (cs, ps, reasons) in self.links_of.items():
            for c, p, reason in zip(cs, ps, reasons, strict=True):
                if (c, p, relation) in wanted:
                    found[wanted[c, p, relation]] = reason
        return found

    def suggested(self, concepts: list[str], limit: int | None) -> dict[str, Suggestions]:
        ids, titles, urls, places_of = self.works
        found = {}
        for c in concepts:
            i = self.number[c]
            entries = self.suggested_of[i]
            shown = []
            for w, r in zip(entries[::2], entries[1::2], strict=True):
                relation = _RELATIONS[r]
                for session, role, position in places_of[w] or [(None, None, None)]:
                    fields = (session, role, position, r == 0, relation, urls[w])
                    shown.append(SuggestedWork(ids[w], titles[w], *fields))
            found[c] = Suggestions(shown, self.discussed[i])
        return found

    # -----------------------------------------------------------------------------------------

    @classmethod
    def read(cls, store: GraphStore) -> ConceptIndex:
        """Every concept's facts, read from ``store`` by :class:`LiveFacts`."""
        everything = concept_links(store)
        concepts = list(everything.labels)
        nodes = list(concepts)
        number = {iri: i for i, iri in enumerate(nodes)}
        links_of: dict[str, list[list[Any]]] = {}
        for relation, sparql in _LINKS.items():
            found = sorted({(r["c"], r["p"]) for r in rows(store, sparql)})
            for node in (node for pair in found for node in pair):
                if node not in number:
                    number[node] = len(nodes)
                    nodes.append(node)
            between = [(p, c, relation) for c, p in found if c in everything.labels
                       and p in everything.labels]  # fmt: skip
            reasons = link_reasons(store, between)
            links_of[relation] = [
                [number[c] for c, _ in found],
                [number[p] for _, p in found],
                [reasons.get((p, c), "") for c, p in found],
            ]
        first = {r["c"]: r["first"] for r in rows(store, _FIRST_TAUGHT % "") if r["first"]}
        suggestions = suggested_works(store, concepts, READINGS_SHOWN)
        works: list[list[Any]] = [[], [], [], []]
        work_number: dict[Any, int] = {}
        suggested_of = []
        for c in concepts:
            # consecutive suggestions of one work (one per place the course reads it)
            groups: list[tuple[tuple[str, str, str | None, str], list[Place]]] = []
            for s in suggestions[c].readings:
                head = (s.work, s.title, s.url, s.relation)
                if not groups or groups[-1][0] != head:
                    groups.append((head, []))
                if (s.session, s.role, s.position) != (None, None, None):
                    groups[-1][1].append([s.session, s.role, s.position])
            entries = []
            for (work, title, url, relation), places in groups:
                key = (work, title, url, repr(places))
                if key not in work_number:
                    work_number[key] = len(works[0])
                    for column, value in zip(works, (work, title, url, places), strict=True):
                        column.append(value)
                entries += [work_number[key], _RELATIONS.index(relation)]
            suggested_of.append(entries)
        return cls(
            nodes,
            [everything.labels[c][0] for c in concepts],
            [everything.labels[c][1] for c in concepts],
            [first.get(c, "") for c in concepts],
            [suggestions[c].discussed_by for c in concepts],
            links_of,
            works,
            suggested_of,
        )

    def to_json(self) -> bytes:
        return json.dumps(
            {"format": INDEX_FORMAT, **{f.name: getattr(self, f.name) for f in fields(self)}},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ConceptIndex:
        """The index ``data`` holds; ValueError when it is not one of this version."""
        found = json.loads(data)
        try:
            if found.pop("format") != INDEX_FORMAT:
                raise ValueError("another format")
            index = cls(**found)
            count = len(index.ids)
            columns: list[list[Any]] = [index.labels, index.first, index.discussed]
            columns.append(index.suggested_of)
            if any(len(column) != count for column in columns) or len(index.nodes) < count:
                raise ValueError("columns of different lengths")
            if set(index.links_of) != set(_LINKS) or len(index.works) != 4:
                raise ValueError("missing links or works")
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"not a concept index ({e!r})") from e
        return index


def concept_facts(
    store: GraphStore,
    readings: int | None = READINGS_SHOWN,
    progress: Callable[[str], None] | None = None,
) -> ConceptFacts:
    """Where a plan reads its facts: the built store's concept index (made on first use,
    saying so to ``progress``) when the plan shows the index's number of works a step, else
    the store itself."""
    if not isinstance(store, LocalStore) or readings != READINGS_SHOWN:
        return LiveFacts(store)
    if not (store.path / INDEX_FILE).is_file() and not os.access(store.path, os.W_OK):
        return LiveFacts(store)  # reading every concept would be lost with this process
    return concept_index(store, progress)


@functools.lru_cache(maxsize=4)
def _read_index(path: Path, mtime_ns: int, size: int) -> ConceptIndex:
    """The index in ``path``, read once per version of the file (a page that carries a plan
    per concept asks for it once per plan); nothing changes a ConceptIndex once read."""
    return ConceptIndex.from_json(path.read_bytes())


def concept_index(store: LocalStore, progress: Callable[[str], None] | None = None) -> ConceptIndex:
    """The concept index beside ``store``: read from its file, or from the store and then
    written there (if the directory can be written)."""
    path = Path(store.path) / INDEX_FILE
    with contextlib.suppress(OSError, ValueError):
        found = path.stat()
        return _read_index(path, found.st_mtime_ns, found.st_size)
    if progress is not None:
        progress("indexing the concepts of this store for plans (once per store)")
    index = ConceptIndex.read(store)
    with contextlib.suppress(OSError):
        atomic_write(path, index.to_json())
    return index
