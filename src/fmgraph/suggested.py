"""The works suggested for learning a concept, ranked: those that introduce it, then those
that teach it, then those that only use or discuss it; the course's required readings before
its further ones, earlier sessions first. ``fmgraph plan``, ``path``, ``next`` and ``show``
show them for each concept."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .query import rows, rows_keyed, rows_over
from .store import GraphStore
from .vocab import FM


@dataclass
class SuggestedWork:
    """A work about a concept, how it treats it (``relation``: introduces, teaches, uses or
    discusses), and where the course reads it (if it does)."""

    work: str
    title: str
    session: str | None
    role: str | None
    position: int | None
    introduces: bool
    relation: str = "discusses"
    url: str | None = None


# Works are chosen before they are fetched: a concept of a large graph is discussed by
# hundreds of works, and reading each one's identifier and title is what costs. Counting,
# introducers and the works the course reads are index walks, the works are ranked by IRI
# within their group, and only the works shown have their titles and sessions read. Each query
# binds its IRIs with a number and answers with the number (query.rows_keyed): decoding the
# IRIs of a row costs more than finding it.
_DISCUSSED_BY = """
SELECT ?i (COUNT(?w) AS ?n) WHERE { VALUES (?i ?c) { %s } ?w fm:discusses ?c } GROUP BY ?i
"""
_INTRODUCERS = "SELECT ?i ?w WHERE { VALUES (?i ?c) { %s } ?w fm:introduces ?c }"
_TEACHERS = "SELECT ?i ?w WHERE { VALUES (?i ?c) { %s } ?w fm:teaches ?c }"
# Whether a shown work uses the concept it is shown for: only pairs neither introduced nor
# taught are asked about, each a lookup of one triple.
_USES = "SELECT ?i WHERE { VALUES (?i ?c ?w) { %s } ?w fm:uses ?c }"
_URLS = "SELECT ?i ?url WHERE { VALUES (?i ?w) { %s } ?w schema:url ?url }"
_DISCUSSING = "SELECT ?i ?w WHERE { VALUES (?i ?c) { %s } ?w fm:discusses ?c }"
# The works the course reads are taken first: Oxigraph then joins them with the (indexed)
# works discussing each concept by hash, where a lookup of readings per work is 6x slower.
# As it is a hash join, not index lookups, a VALUES of thousands costs no more per concept,
# and the read works are gathered once rather than once per 500 concepts (0.10 s, not 0.20,
# in a cold process, for the 3,070 steps of a deep plan at 1M triples).
_READ_CHUNK = 4000
_READ_DISCUSSING = """
SELECT DISTINCT ?i ?w ?list ?date WHERE {
  { SELECT DISTINCT ?w ?list ?date WHERE {
      VALUES ?list { fm:requiredReading fm:furtherReading } ?s ?list ?w
      OPTIONAL { ?s dcterms:date ?date } } }
  VALUES (?i ?c) { %s } ?w fm:discusses ?c .
}
"""
_WORKS = """
SELECT ?i ?work ?title WHERE {
  VALUES (?i ?w) { %s } ?w dcterms:identifier ?work ; dcterms:title ?title
}
"""
# Where the course reads the works shown: looked up per work, or, when more works are shown
# than the course has readings (a plan of thousands of steps), read for the whole course at
# once and filtered (the same rows; 0.07 s, not 0.13, for 8,751 works and 2,711 readings).
_READ_IN = """
SELECT ?w ?code ?role ?position WHERE {
  %s ?r fm:work ?w ; fm:session ?s ; fm:role ?role ; fm:position ?position .
  ?s dcterms:identifier ?code .
}
"""
_READINGS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?r fm:work ?w }"
#: Works shown for each step of a path or plan unless asked otherwise.
READINGS_SHOWN = 3


@dataclass
class Suggestions:
    """The works shown for one concept, as readings, and how many works discuss it in all."""

    readings: list[SuggestedWork]
    discussed_by: int


def suggested_works(
    store: GraphStore, concepts: list[str], limit: int | None = None, *, course_only: bool = False
) -> dict[str, Suggestions]:
    """For each concept IRI, up to ``limit`` works discussing it (all with ``None``), each with
    every place the course reads it. Works that introduce it come first, then works that teach
    it, then works that only use or discuss it; within each, works the course reads as
    required, then as further reading, then works it does not read (none with
    ``course_only``); then the earliest session first, then the works' IRIs (their ids)."""
    counts = {r["key"]: int(r["n"]) for r in rows_keyed(store, _DISCUSSED_BY, concepts)}
    introduced = {(r["key"], r["w"]) for r in rows_keyed(store, _INTRODUCERS, concepts)}
    taught = {(r["key"], r["w"]) for r in rows_keyed(store, _TEACHERS, concepts)} | introduced
    role: dict[tuple[str, str], int] = {}  # 0 required, 1 further
    first: dict[tuple[str, str], str] = {}  # the earliest date a session reads the work
    for r in rows_keyed(store, _READ_DISCUSSING, concepts, _READ_CHUNK):
        pair = (r["key"], r["w"])
        role[pair] = min(role.get(pair, 2), 0 if r["list"] == FM.requiredReading else 1)
        if r["date"]:
            first[pair] = min(first.get(pair, r["date"]), r["date"])

    def rank(pair: tuple[str, str]) -> tuple[int, int, str, str]:
        how = 0 if pair in introduced else 1 if pair in taught else 2
        return (how, role.get(pair, 2), first.get(pair, "~"), pair[1])

    ranked: dict[str, list[str]] = {c: [] for c in concepts}
    known = set(role) if course_only else taught | set(role)
    for c, w in sorted(known, key=rank):
        ranked[c].append(w)
    if not course_only:
        short = [c for c in concepts if limit is None or len(ranked[c]) < limit]
        others: dict[str, list[str]] = {}
        for r in rows_keyed(store, _DISCUSSING, short):
            if (r["key"], r["w"]) not in known:
                others.setdefault(r["key"], []).append(r["w"])
        for c, works in others.items():
            ranked[c] += sorted(works)
    chosen = {c: works[:limit] for c, works in ranked.items()}
    shown = {w for works in chosen.values() for w in works}
    titles = {r["key"]: (r["work"], r["title"]) for r in rows_keyed(store, _WORKS, shown)}
    asked = {(c, w) for c, works in chosen.items() for w in works if (c, w) not in taught}
    used = {r["key"] for r in rows_keyed(store, _USES, asked)}
    urls: dict[str, str] = {}
    for r in rows_keyed(store, _URLS, shown):
        urls[r["key"]] = min(urls.get(r["key"], r["url"]), r["url"])
    read_in: dict[str, list[dict[str, Any]]] = {}
    for r in _read_in(store, shown):
        read_in.setdefault(r["w"], []).append(r)
    found: dict[str, Suggestions] = {}
    for c, works in chosen.items():
        readings = []
        for w in works:
            pair = (c, w)
            relation = ("introduces" if pair in introduced else "teaches" if pair in taught
                        else "uses" if pair in used else "discusses")  # fmt: skip
            places = sorted(read_in.get(w, []), key=lambda r: (r["role"] != "required",
                            r["code"], int(r["position"])))  # fmt: skip
            for s in places or [{"code": None, "role": None, "position": None}]:
                position = int(s["position"]) if s["position"] else None
                # A work from an RDF file may lack an id or title: it is shown by its IRI.
                work, title = titles.get(w, (w, w))
                place = (s["code"], s["role"], position)
                readings.append(
                    SuggestedWork(work, title, *place, pair in introduced, relation, urls.get(w))
                )
        found[c] = Suggestions(readings, counts.get(c, 0))
    return found


def _read_in(store: GraphStore, works: set[str]) -> list[dict[str, Any]]:
    """Every place the course reads one of ``works``: its session, role and position."""
    if not works:
        return []
    (count,) = rows(store, _READINGS_COUNT)
    if len(works) > int(count["n"]):
        return [r for r in rows(store, _READ_IN % "") if r["w"] in works]
    return rows_over(store, _READ_IN % "VALUES ?w { %s }", works)
