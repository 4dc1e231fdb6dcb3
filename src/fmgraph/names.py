"""Resolve what a user types (an id, a label, an alias, a code, an arXiv id) to graph nodes.

:func:`resolve` is the one resolver: ``path``, ``plan``, ``next``, ``show``, ``render`` and
``serve`` all go through it. An exact id, label, alias, title or arXiv id is found with index
lookups; anything else is matched against every name of the kinds asked for, ignoring case,
accents, spaces and punctuation: ``RLHF``, ``rlhf`` and ``reinforcement learning from human
feedback`` name the same concept when the data says so. A name may be qualified with its kind
(``topic:alignment``) to settle an ambiguity. The explorer's search box matches the names of
:func:`node_names` with the same normalization.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import UnknownName
from .query import rows, sparql_literal
from .vocab import FM, SKOS

if TYPE_CHECKING:
    from .store import GraphStore

#: How list-valued attributes (aliases, authors) are joined in the networkx views.
SEPARATOR = "; "

KINDS = ("concept", "session", "work", "topic")
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_NOT_ALNUM_ASCII = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """The form names are compared in: lower case, no accents, letters and digits only."""
    if text.isascii():  # the common case, 2.6x faster, and the same result
        return _NOT_ALNUM_ASCII.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_ALNUM.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


def iri_name(iri: str) -> str:
    """What a node without ``dcterms:identifier`` is called: the end of its IRI (after the
    last ``#`` or ``/``, percent-decoded), or the whole IRI when that end is empty."""
    from urllib.parse import unquote

    tail = unquote(re.split(r"[#/]", iri.rstrip("/#"))[-1])
    return tail if tail and tail != iri.rstrip("/#") else iri


def label_order(value: str, language: str | None) -> tuple[int, str]:
    """Sort key choosing the label shown among several: English first, then no language
    tag, then any other language; within each, the first in code-point order."""
    lang = (language or "").lower()
    return (0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2, value)


def node_label(data: dict[str, Any]) -> str:
    """What a node of a graph view is shown as: its label, else its title, else its id."""
    return str(data.get("label") or data.get("title") or data.get("id") or "")


def node_names(data: dict[str, Any]) -> list[str]:
    """What a node of a graph view may be called by: id, label, title, aliases, arXiv id."""
    names = [data.get("id", ""), data.get("label", ""), data.get("title", "")]
    names += [a for a in data.get("aliases", "").split(SEPARATOR) if a]
    names.append(data.get("arxiv", ""))
    return list(dict.fromkeys(n for n in names if n))


class NameIndex:
    """Maps normalized names to node keys (IRIs), each node known with its kind and label."""

    def __init__(self) -> None:
        self._keys: dict[str, set[str]] = defaultdict(set)
        self.kind: dict[str, str] = {}
        self.label: dict[str, str] = {}
        self.short: dict[str, str] = {}

    def add(self, node: str, kind: str, short_id: str, label: str, names: Iterable[str]) -> None:
        self.kind[node], self.label[node], self.short[node] = kind, label, short_id
        for name in (short_id, label, *names):
            key = normalize(name)
            if key:
                self._keys[key].add(node)

    def resolve(self, name: str, kinds: Iterable[str] = KINDS) -> str:
        """The one node ``name`` denotes among ``kinds``; UnknownName when none or several."""
        wanted = set(kinds)
        qualifier, sep, rest = name.partition(":")
        if sep and qualifier.strip().lower() in KINDS and rest.strip():
            wanted &= {qualifier.strip().lower()}
            name = rest
        key = normalize(name)
        matches = sorted(n for n in self._keys.get(key, ()) if self.kind[n] in wanted)
        if len(matches) == 1:
            return matches[0]
        what = " or ".join(k for k in KINDS if k in wanted)
        if matches:
            raise UnknownName(
                f"{name!r} is ambiguous: it names several nodes.",
                [f"{self.kind[m]}:{self.short[m]}" for m in matches],
            )
        raise UnknownName(f"no {what} is named {name!r}.", self.suggest(key, wanted))

    def suggest(self, key: str, kinds: set[str], limit: int = 5) -> list[str]:
        candidates = {
            k: nodes for k, nodes in self._keys.items() if any(self.kind[n] in kinds for n in nodes)
        }
        close = difflib.get_close_matches(key, list(candidates), n=limit, cutoff=0.6)
        if key:
            close += sorted(k for k in candidates if key in k and k not in close)
        seen: dict[str, None] = {}
        for k in close:
            for node in sorted(candidates[k]):
                if self.kind[node] in kinds:
                    seen.setdefault(f"{self.short[node]}", None)
        return list(seen)[:limit]


# Every node, and every name it has, read as plain scans joined here. A node without
# dcterms:identifier is known by the end of its IRI; labels count whatever their language.
_TYPES = {
    FM.Concept: "concept",
    SKOS.Concept: "concept",
    FM.Session: "session",
    FM.Work: "work",
    FM.Topic: "topic",
}
_NAMED_NODES = "SELECT ?n ?type WHERE { VALUES ?type { %s } ?n a ?type }"
_NAME_VALUES = "SELECT ?n ?v (LANG(?v) AS ?lang) WHERE { ?n %s ?v }"
_ID = "dcterms:identifier"
_LABEL_PREDICATES = ("skos:prefLabel", "dcterms:title", "rdfs:label", "schema:name")
_ALIAS_PREDICATES = ("skos:altLabel", "fm:arxivId")
# FILTERs, not VALUES: with the object bound, Oxigraph turns VALUES of predicates and classes
# into index scans (200 ms at a million triples, against 0.2 ms).
_EXACT = """
SELECT DISTINCT ?n ?type ?id ?label WHERE {
  ?n ?name %s FILTER(?name IN (dcterms:identifier, skos:prefLabel, skos:altLabel, dcterms:title,
                               fm:arxivId, rdfs:label, schema:name))
  ?n a ?type FILTER(?type IN (%s))
  OPTIONAL { ?n dcterms:identifier ?id }
  OPTIONAL { ?n skos:prefLabel|dcterms:title|rdfs:label|schema:name ?label }
}
"""


@dataclass(frozen=True)
class Node:
    """A node a name resolved to: its IRI, kind, short id and label."""

    iri: str
    kind: str
    id: str
    label: str


def _types(kinds: Iterable[str]) -> str:
    wanted = set(kinds)
    return ", ".join(f"<{t}>" for t, kind in _TYPES.items() if kind in wanted)


def name_index(store: GraphStore, kinds: Iterable[str] = KINDS) -> NameIndex:
    """Every name of every node of ``kinds`` in the store."""
    found: dict[str, str] = {}
    for r in rows(store, _NAMED_NODES % _types(kinds).replace(",", "")):
        found.setdefault(r["n"], _TYPES[r["type"]])
    values: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for predicate in (_ID, *_LABEL_PREDICATES, *_ALIAS_PREDICATES):
        for r in rows(store, _NAME_VALUES % predicate):
            if r["n"] in found:
                entry = label_order(r["v"], r.get("lang"))
                values.setdefault(r["n"], {}).setdefault(predicate, []).append(entry)
    index = NameIndex()
    for node, kind in sorted(found.items()):
        named = {p: [v for _, v in sorted(vs)] for p, vs in values.get(node, {}).items()}
        short = named[_ID][0] if _ID in named else iri_name(node)
        label = next((named[p][0] for p in _LABEL_PREDICATES if p in named), short)
        index.add(node, kind, short, label, [x for names in named.values() for x in names])
    return index


def resolve(store: GraphStore, name: str, kinds: Iterable[str] = KINDS) -> Node:
    """The node of one of ``kinds`` that ``name`` denotes; UnknownName (with suggestions) when
    none does or several do."""
    kinds = tuple(kinds)
    exact = list(rows(store, _EXACT % (sparql_literal(name.strip()), _types(kinds))))
    if len({r["n"] for r in exact}) == 1:
        r = min(exact, key=lambda r: (r["id"] or "", r["label"] or ""))
        short = r["id"] or iri_name(r["n"])
        return Node(r["n"], _TYPES[r["type"]], short, r["label"] or short)
    index = name_index(store, kinds)
    node = index.resolve(name, kinds)
    return Node(node, index.kind[node], index.short[node], index.label[node])
