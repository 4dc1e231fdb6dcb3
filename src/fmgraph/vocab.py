"""The fmgraph vocabulary and the one place where resource IRIs are minted.

Terms are plain strings so that commands which never touch rdflib (``fmgraph path``) can use
them without importing it. A misspelt term is an ``AttributeError`` at once, as with rdflib's
``DefinedNamespace(_fail=True)``, because every term is a declared class attribute.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote

VOCAB: Final = "https://w3id.org/fmgraph/vocab#"
ID: Final = "https://w3id.org/fmgraph/id/"

PREFIXES: Final[dict[str, str]] = {
    "fm": VOCAB,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "cito": "http://purl.org/spar/cito/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


class FM:
    """Terms of ``fm:``."""

    Session: Final = VOCAB + "Session"
    Collection: Final = VOCAB + "Collection"
    Work: Final = VOCAB + "Work"
    Paper: Final = VOCAB + "Paper"
    BlogPost: Final = VOCAB + "BlogPost"
    WebPage: Final = VOCAB + "WebPage"
    CodeRepository: Final = VOCAB + "CodeRepository"
    Leaderboard: Final = VOCAB + "Leaderboard"
    LectureNotes: Final = VOCAB + "LectureNotes"
    Concept: Final = VOCAB + "Concept"
    Topic: Final = VOCAB + "Topic"
    Reading: Final = VOCAB + "Reading"
    Prerequisite: Final = VOCAB + "Prerequisite"
    Motivation: Final = VOCAB + "Motivation"
    Authorship: Final = VOCAB + "Authorship"

    hasTopic: Final = VOCAB + "hasTopic"
    inCollection: Final = VOCAB + "inCollection"
    reading: Final = VOCAB + "reading"
    requiredReading: Final = VOCAB + "requiredReading"
    furtherReading: Final = VOCAB + "furtherReading"
    hasReading: Final = VOCAB + "hasReading"
    session: Final = VOCAB + "session"
    work: Final = VOCAB + "work"
    position: Final = VOCAB + "position"
    role: Final = VOCAB + "role"
    arxivId: Final = VOCAB + "arxivId"
    doi: Final = VOCAB + "doi"
    discusses: Final = VOCAB + "discusses"
    teaches: Final = VOCAB + "teaches"
    uses: Final = VOCAB + "uses"
    introduces: Final = VOCAB + "introduces"
    assumes: Final = VOCAB + "assumes"
    authorship: Final = VOCAB + "authorship"
    authorName: Final = VOCAB + "authorName"
    authorsTruncated: Final = VOCAB + "authorsTruncated"
    inTopic: Final = VOCAB + "inTopic"
    requires: Final = VOCAB + "requires"
    hasPrerequisite: Final = VOCAB + "hasPrerequisite"
    dependent: Final = VOCAB + "dependent"
    prerequisite: Final = VOCAB + "prerequisite"
    reason: Final = VOCAB + "reason"
    motivatedBy: Final = VOCAB + "motivatedBy"
    hasMotivation: Final = VOCAB + "hasMotivation"
    motivation: Final = VOCAB + "motivation"


class RDF:
    type: Final = PREFIXES["rdf"] + "type"


class SKOS:
    Concept: Final = PREFIXES["skos"] + "Concept"
    ConceptScheme: Final = PREFIXES["skos"] + "ConceptScheme"
    prefLabel: Final = PREFIXES["skos"] + "prefLabel"
    altLabel: Final = PREFIXES["skos"] + "altLabel"
    definition: Final = PREFIXES["skos"] + "definition"
    inScheme: Final = PREFIXES["skos"] + "inScheme"
    broader: Final = PREFIXES["skos"] + "broader"
    narrower: Final = PREFIXES["skos"] + "narrower"


class DCTERMS:
    identifier: Final = PREFIXES["dcterms"] + "identifier"
    title: Final = PREFIXES["dcterms"] + "title"
    date: Final = PREFIXES["dcterms"] + "date"
    issued: Final = PREFIXES["dcterms"] + "issued"
    creator: Final = PREFIXES["dcterms"] + "creator"
    description: Final = PREFIXES["dcterms"] + "description"


class SCHEMA:
    url: Final = PREFIXES["schema"] + "url"


class CITO:
    cites: Final = PREFIXES["cito"] + "cites"


class XSD:
    string: Final = PREFIXES["xsd"] + "string"
    integer: Final = PREFIXES["xsd"] + "integer"
    date: Final = PREFIXES["xsd"] + "date"
    gYear: Final = PREFIXES["xsd"] + "gYear"
    boolean: Final = PREFIXES["xsd"] + "boolean"


#: Work kinds as written in the data files, and the class each one mints.
WORK_KINDS: Final[dict[str, str]] = {
    "paper": FM.Paper,
    "blog-post": FM.BlogPost,
    "web-page": FM.WebPage,
    "code-repository": FM.CodeRepository,
    "leaderboard": FM.Leaderboard,
    "lecture-notes": FM.LectureNotes,
}

ROLES: Final = ("required", "further")

CONCEPT_SCHEME: Final = ID + "scheme/concepts"
TOPIC_SCHEME: Final = ID + "scheme/topics"


_UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]*")


def _segment(value: str) -> str:
    # Percent-encode everything outside the unreserved set, so any title or id gives a valid IRI.
    if _UNRESERVED.fullmatch(value):  # most ids are slugs: quote() would return them as they are
        return value
    return quote(value, safe="-._~")


def concept_iri(concept_id: str) -> str:
    return f"{ID}concept/{_segment(concept_id)}"


def session_iri(code: str) -> str:
    return f"{ID}session/{_segment(code)}"


def work_iri(work_id: str) -> str:
    return f"{ID}work/{_segment(work_id)}"


def topic_iri(topic_id: str) -> str:
    return f"{ID}topic/{_segment(topic_id)}"


def collection_iri(name: str) -> str:
    return f"{ID}collection/{_segment(name)}"


def reading_iri(session_code: str, position: int) -> str:
    return f"{ID}reading/{_segment(session_code)}/{position}"


def prerequisite_iri(dependent_id: str, prerequisite_id: str) -> str:
    return f"{ID}prerequisite/{_segment(dependent_id)}/{_segment(prerequisite_id)}"


def motivation_iri(dependent_id: str, motivation_id: str) -> str:
    return f"{ID}motivation/{_segment(dependent_id)}/{_segment(motivation_id)}"


def authorship_iri(work_id: str, position: int) -> str:
    return f"{ID}authorship/{_segment(work_id)}/{position}"


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ``text`` and join its runs of letters and digits with ``-``."""
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def compact(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """``iri`` as ``prefix:local`` when one of ``prefixes`` covers it, else unchanged."""
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri
