"""Describe one node — a concept, session, work or topic — with everything linked to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .names import iri_name, resolve
from .query import rows
from .store import GraphStore
from .vocab import compact

_OUT = """
SELECT ?p ?o ?oid ?olabel WHERE {
  <%s> ?p ?o .
  OPTIONAL { ?o dcterms:identifier ?oid }
  OPTIONAL { ?o skos:prefLabel|dcterms:title ?olabel }
}
"""
_IN = """
SELECT ?s ?p ?sid ?slabel WHERE {
  ?s ?p <%s> . OPTIONAL { ?s dcterms:identifier ?sid }
  OPTIONAL { ?s skos:prefLabel|dcterms:title ?slabel }
}
"""
_REASONS = """
SELECT ?other ?reason ?direction WHERE {
  { <%s> fm:hasPrerequisite ?n . ?n fm:prerequisite ?p ; fm:reason ?reason .
    ?p dcterms:identifier ?other . BIND("requires" AS ?direction) }
  UNION
  { ?n fm:prerequisite <%s> ; fm:dependent ?d ; fm:reason ?reason .
    ?d dcterms:identifier ?other . BIND("unlocks" AS ?direction) }
  UNION
  { <%s> fm:hasMotivation ?n . ?n fm:motivation ?p ; fm:reason ?reason .
    ?p dcterms:identifier ?other . BIND("motivated by" AS ?direction) }
  UNION
  { ?n fm:motivation <%s> ; fm:dependent ?d ; fm:reason ?reason .
    ?d dcterms:identifier ?other . BIND("motivates" AS ?direction) }
}
"""
_AUTHORS = """
SELECT ?name ?position WHERE {
  <%s> fm:authorship ?a . ?a fm:authorName ?name ; fm:position ?position .
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


#: Outgoing relations shown as links to other nodes, not as values.
_OUTGOING = {
    "fm:introduces": "introduces",
    "fm:teaches": "teaches",
    "fm:uses": "uses",
    "fm:discusses": "discusses",
    "fm:assumes": "assumes",
    "skos:broader": "broader",
    "skos:narrower": "narrower",
}
#: Incoming relations shown as links from other nodes.
_INCOMING = {
    "fm:introduces": "introduced by",
    "fm:teaches": "taught by",
    "fm:uses": "used by",
    "fm:discusses": "discussed by",
    "fm:assumes": "assumed by",
    "fm:hasTopic": "sessions",
    "fm:inTopic": "concepts",
    "cito:cites": "cited by",
}
#: A work listed under a relation is not listed again under the broader ones after it: the
#: graph writes fm:teaches and fm:discusses next to fm:introduces, for SPARQL's sake.
_NARROWEST_FIRST = [
    ("introduces", "teaches", "uses", "discusses"),
    ("introduced by", "taught by", "used by", "discussed by"),
]
#: Structural relations that the links above (or reasons, authors and readings) present.
_HIDDEN = {
    "fm:hasReading", "fm:hasPrerequisite", "fm:reading", "fm:requiredReading",
    "fm:furtherReading", "fm:requires", "fm:session", "fm:work", "fm:dependent",
    "fm:prerequisite", "fm:hasMotivation", "fm:motivatedBy", "fm:motivation",
    "fm:authorship", "fm:authorsTruncated",
}  # fmt: skip


def _named(node_id: str | None, label: str | None) -> str:
    return f"{node_id} ({label or node_id})"


def _authors_in_order(store: GraphStore, view: NodeView, *, truncated: bool) -> None:
    """The work's authors in the order of its author list, first of its values, ending with
    "et al. (list truncated)" when the data says the list is not complete."""
    authors = sorted(rows(store, _AUTHORS % view.iri), key=lambda r: int(r["position"]))
    if not authors:  # a graph made elsewhere may have only dcterms:creator, unordered
        return
    names = [r["name"] for r in authors]
    if truncated:
        names.append("et al. (list truncated)")
    view.values.pop("dcterms:creator", None)
    view.values = {"authors": names, **view.values}


def show_node(store: GraphStore, name: str) -> NodeView:
    """Resolve ``name`` among all kinds and gather what is known about the node."""
    found = resolve(store, name)
    node = found.iri
    view = NodeView(found.kind, found.id, node, found.label)
    links = view.links
    stated: set[str] = set()
    for r in sorted(rows(store, _OUT % node), key=lambda r: (r["p"], r["oid"] or r["o"])):
        prop = compact(r["p"])
        stated.add(prop)
        if prop in _OUTGOING:
            links.setdefault(_OUTGOING[prop], []).append(_named(r["oid"], r["olabel"]))
        elif prop not in _HIDDEN:
            value = _named(r["oid"], r["olabel"]) if r["oid"] else compact(r["o"])
            if value not in view.values.setdefault(prop, []):
                view.values[prop].append(value)
    incoming = rows(store, _IN % node)
    for r in sorted(incoming, key=lambda r: (r["p"], r["sid"] or iri_name(r["s"]), r["s"])):
        relation = _INCOMING.get(compact(r["p"]))
        if relation:
            links.setdefault(relation, []).append(_named(r["sid"] or iri_name(r["s"]), r["slabel"]))
    for relations in _NARROWEST_FIRST:
        seen: set[str] = set()
        for relation in relations:
            if relation in links:
                links[relation] = [x for x in links[relation] if x not in seen]
                seen.update(links[relation])
    for r in sorted(rows(store, _REASONS % (node, node, node, node)), key=lambda r: r["other"]):
        links.setdefault(r["direction"], []).append(f"{r['other']}: {r['reason']}")
    if view.kind == "work":
        _authors_in_order(store, view, truncated="fm:authorsTruncated" in stated)
    if view.kind == "concept":
        from .suggested import suggested_works

        for reading in suggested_works(store, [node], course_only=True)[node].readings:
            if reading.session:
                links.setdefault("read in", []).append(
                    f"{reading.session} {reading.role} #{reading.position}: {reading.title}"
                )
    for r in rows(store, _READS % (node, node)):
        if view.kind == "session":
            entry = f"{r['position']}. {r['role']}: {_named(r['work'], r['title'])}"
            links.setdefault("readings", []).append(entry)
        else:
            links.setdefault("read in", []).append(f"{r['code']} ({r['role']}, #{r['position']})")
    view.links = {k: v for k, v in links.items() if v}
    return view
