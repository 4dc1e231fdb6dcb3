"""Describe one node — a concept, session, work or topic — with everything linked to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .graphview import rows
from .names import NameIndex
from .store import GraphStore
from .vocab import compact

_NAMES = """
SELECT ?n ?kind ?id ?label ?alias WHERE {
  { ?n a fm:Concept ; skos:prefLabel ?label . BIND("concept" AS ?kind)
    OPTIONAL { ?n skos:altLabel ?alias } }
  UNION { ?n a fm:Session . OPTIONAL { ?n dcterms:title ?label } BIND("session" AS ?kind) }
  UNION { ?n a fm:Work ; dcterms:title ?label . BIND("work" AS ?kind)
          OPTIONAL { ?n fm:arxivId ?alias } }
  UNION { ?n a fm:Topic ; skos:prefLabel ?label . BIND("topic" AS ?kind) }
  ?n dcterms:identifier ?id .
}
"""
_OUT = """
SELECT ?p ?o ?oid ?olabel WHERE {
  <%s> ?p ?o .
  OPTIONAL { ?o dcterms:identifier ?oid }
  OPTIONAL { ?o skos:prefLabel|dcterms:title ?olabel }
}
"""
_IN = """
SELECT ?s ?p ?sid ?slabel WHERE {
  ?s ?p <%s> . ?s dcterms:identifier ?sid .
  OPTIONAL { ?s skos:prefLabel|dcterms:title ?slabel }
}
"""
_REASONS = """
SELECT ?other ?reason ?direction WHERE {
  { <%s> fm:hasPrerequisite ?n . ?n fm:prerequisite ?p ; fm:reason ?reason .
    ?p dcterms:identifier ?other . BIND("requires" AS ?direction) }
  UNION
  { ?n fm:prerequisite <%s> ; fm:dependent ?d ; fm:reason ?reason .
    ?d dcterms:identifier ?other . BIND("required by" AS ?direction) }
}
"""
_READS = """
SELECT ?code ?title ?role ?position ?work WHERE {
  ?r fm:work ?w ; fm:session ?s ; fm:role ?role ; fm:position ?position .
  ?s dcterms:identifier ?code . ?w dcterms:identifier ?work ; dcterms:title ?title .
  FILTER(?s = <%s> || ?w = <%s>)
} ORDER BY ?code ?position
"""


@dataclass
class NodeView:
    """What ``fmgraph show`` reports: a node's own values and its links, grouped by relation."""

    kind: str
    id: str
    iri: str
    label: str
    values: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)


def name_index(store: GraphStore) -> NameIndex:
    """Names of every concept, session, work and topic."""
    found: dict[str, tuple[str, str, str, list[str]]] = {}
    for r in rows(store, _NAMES):
        entry = found.setdefault(r["n"], (r["kind"], r["id"], r["label"] or r["id"], []))
        if r["alias"]:
            entry[3].append(r["alias"])
    index = NameIndex()
    for node, (kind, short, label, aliases) in sorted(found.items()):
        index.add(node, kind, short, label, aliases)
    return index


_SKIP = {
    "fm:hasReading",
    "fm:hasPrerequisite",
    "fm:reading",
    "fm:requiredReading",
    "fm:furtherReading",
    "fm:requires",
    "fm:discusses",
    "fm:introduces",
    "fm:session",
    "fm:work",
    "fm:dependent",
    "fm:prerequisite",
}


def show_node(store: GraphStore, name: str) -> NodeView:
    """Resolve ``name`` among all kinds and gather what is known about the node."""
    index = name_index(store)
    node = index.resolve(name)
    view = NodeView(index.kind[node], index.short[node], node, index.label[node])
    for r in sorted(rows(store, _OUT % node), key=lambda r: (r["p"], r["o"])):
        prop = compact(r["p"])
        if prop in _SKIP:
            continue
        value = (r["oid"] and f"{r['oid']} ({r['olabel'] or r['oid']})") or r["o"]
        value = compact(value) if prop == "rdf:type" else value
        if value not in view.values.setdefault(prop, []):
            view.values[prop].append(value)
    for r in sorted(rows(store, _REASONS % (node, node)), key=lambda r: r["other"]):
        view.links.setdefault(r["direction"], []).append(f"{r['other']}: {r['reason']}")
    for r in rows(store, _READS % (node, node)):
        target = r["work"] if view.kind == "session" else r["code"]
        view.links.setdefault("readings" if view.kind == "session" else "read in", []).append(
            f"{r['position']}. {r['role']}: {target} ({r['title']})"
            if view.kind == "session"
            else f"{target} ({r['role']}, #{r['position']})"
        )
    incoming = {
        "fm:discusses": "discussed by",
        "fm:introduces": "introduced by",
        "fm:hasTopic": "sessions",
        "fm:inTopic": "concepts",
        "cito:cites": "cited by",
    }
    outgoing = {"fm:discusses": "discusses", "fm:introduces": "introduces"}
    for r in sorted(rows(store, _OUT % node), key=lambda r: (r["p"], r["oid"] or "")):
        if compact(r["p"]) in outgoing and r["oid"]:
            view.links.setdefault(outgoing[compact(r["p"])], []).append(
                f"{r['oid']} ({r['olabel'] or r['oid']})"
            )
    for r in sorted(rows(store, _IN % node), key=lambda r: (r["p"], r["sid"])):
        relation = incoming.get(compact(r["p"]))
        if relation:
            view.links.setdefault(relation, []).append(f"{r['sid']} ({r['slabel'] or r['sid']})")
    if "discussed by" in view.links and "introduced by" in view.links:
        introduced = set(view.links["introduced by"])
        view.links["discussed by"] = [w for w in view.links["discussed by"] if w not in introduced]
    if view.kind == "concept":
        from .paths import readings_for

        for reading in readings_for(store, [node])[node]:
            if reading.session:
                view.links.setdefault("read in", []).append(
                    f"{reading.session} {reading.role} #{reading.position}: {reading.title}"
                )
    view.links = {k: v for k, v in view.links.items() if v}
    return view
