"""Check that a syllabus teaches things in a sound order.

Sessions are taken in date order. A concept is *available* at a session once a reading of
that session, or of one dated on or before it, introduces or teaches it (``fm:teaches``), or
once such a session declares it assumed background (``fm:assumes``). For every concept a
session's readings teach, each hard prerequisite (``fm:requires``) must be available at that
session; each one that is not is a finding, with the session where it is first taught, if a
later one does. Sessions without a date come after the dated ones, in code order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .graphview import rows, rows_over
from .store import GraphStore

_SESSIONS = """
SELECT ?s ?code ?date WHERE {
  ?s a fm:Session ; dcterms:identifier ?code . OPTIONAL { ?s dcterms:date ?date }
}
"""
_TAUGHT = """
SELECT ?s ?c ?work ?position WHERE {
  ?s fm:hasReading ?r . ?r fm:work ?w ; fm:position ?position .
  ?w fm:teaches ?c ; dcterms:identifier ?work .
}
"""
_ASSUMED = "SELECT ?s ?c WHERE { ?s fm:assumes ?c }"
_REQUIRES = """
SELECT ?c ?p ?reason WHERE {
  VALUES ?c { %s } ?c fm:hasPrerequisite ?n . ?n fm:prerequisite ?p ; fm:reason ?reason .
}
"""
_IDS = "SELECT ?c ?id WHERE { VALUES ?c { %s } ?c dcterms:identifier ?id }"


@dataclass
class Finding:
    """``session`` teaches ``concept`` (through ``work``) before ``prerequisite`` is available:
    first taught in ``first_taught_in``, a later session, or never (``None``)."""

    session: str
    date: str | None
    concept: str
    work: str
    prerequisite: str
    reason: str
    first_taught_in: str | None
    first_taught_on: str | None


@dataclass
class AuditResult:
    sessions: list[str]
    concepts_taught: int
    assumed: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def audit(store: GraphStore) -> AuditResult:
    """Every place where a session teaches a concept before one of its prerequisites."""
    sessions = {r["s"]: (r["code"], r["date"]) for r in rows(store, _SESSIONS)}

    def when(session: str) -> tuple[int, str]:
        code, date = sessions[session]
        return (0, date) if date else (1, code)

    taught: dict[str, dict[str, tuple[int, str]]] = {}  # session → concept → (position, work)
    for r in rows(store, _TAUGHT):
        if r["s"] in sessions:
            place = (int(r["position"]), r["work"])
            current = taught.setdefault(r["s"], {}).get(r["c"], place)
            taught[r["s"]][r["c"]] = min(current, place)
    assumed: dict[str, set[str]] = {}
    for r in rows(store, _ASSUMED):
        if r["s"] in sessions:
            assumed.setdefault(r["s"], set()).add(r["c"])
    concepts = {c for found in taught.values() for c in found}
    requires: dict[str, list[tuple[str, str]]] = {}
    for r in rows_over(store, _REQUIRES, concepts):
        requires.setdefault(r["c"], []).append((r["p"], r["reason"]))
    named = concepts | {p for links in requires.values() for p, _ in links}
    named |= {c for found in assumed.values() for c in found}
    ids = {r["c"]: r["id"] for r in rows_over(store, _IDS, named)}
    first: dict[str, str] = {}  # concept → the session that first teaches it
    for session in sorted(taught, key=lambda s: (when(s), sessions[s][0])):
        for concept in taught[session]:
            first.setdefault(concept, session)
    findings = []
    order = sorted(sessions, key=lambda s: (when(s), sessions[s][0]))
    for session in order:
        now = when(session)
        earlier = [s for s in order if when(s) <= now]
        available = set().union(*(set(taught.get(s, {})) | assumed.get(s, set()) for s in earlier))
        code, date = sessions[session]
        for concept, (_, work) in sorted(taught.get(session, {}).items(),
                                         key=lambda item: ids.get(item[0], item[0])):  # fmt: skip
            for prerequisite, reason in sorted(requires.get(concept, [])):
                if prerequisite in available:
                    continue
                later = first.get(prerequisite)
                findings.append(
                    Finding(
                        code,
                        date,
                        ids.get(concept, concept),
                        work,
                        ids.get(prerequisite, prerequisite),
                        reason,
                        sessions[later][0] if later else None,
                        sessions[later][1] if later else None,
                    )
                )
    declared = {
        sessions[s][0]: sorted(ids.get(c, c) for c in found) for s, found in assumed.items()
    }
    return AuditResult(
        [sessions[s][0] for s in order], len(concepts), dict(sorted(declared.items())), findings
    )
