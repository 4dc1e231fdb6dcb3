"""Turn a :class:`~fmgraph.model.Catalog` into RDF triples (pyoxigraph terms).

The triples come out in a fixed order, so the same data always gives the same graph, and
the entailments SPARQL users rely on (``fm:reading``, ``fm:discusses``) are materialized here.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import Literal, NamedNode, Quad, Triple

from .errors import DataError, Problem
from .model import Catalog, Concept, Session, Topic, Work
from .vocab import (
    CITO,
    CONCEPT_SCHEME,
    DCTERMS,
    FM,
    RDF,
    SCHEMA,
    SKOS,
    TOPIC_SCHEME,
    WORK_KINDS,
    XSD,
    authorship_iri,
    collection_iri,
    concept_iri,
    motivation_iri,
    prerequisite_iri,
    reading_iri,
    session_iri,
    topic_iri,
    work_iri,
)

Terms = tuple[NamedNode, NamedNode, NamedNode | Literal]

_TYPE = NamedNode(RDF.type)
_IN_SCHEME = NamedNode(SKOS.inScheme)
_PREF = NamedNode(SKOS.prefLabel)
_IDENT = NamedNode(DCTERMS.identifier)


def _lit(value: str | int, datatype: str | None = None) -> Literal:
    return Literal(str(value), datatype=NamedNode(datatype)) if datatype else Literal(str(value))


def _topic(t: Topic) -> Iterator[Terms]:
    s = NamedNode(topic_iri(t.id))
    yield (s, _TYPE, NamedNode(FM.Topic))
    yield (s, _IDENT, _lit(t.id))
    yield (s, _PREF, _lit(t.label))
    yield (s, _IN_SCHEME, NamedNode(TOPIC_SCHEME))
    if t.definition:
        yield (s, NamedNode(SKOS.definition), _lit(t.definition))


def _concept(c: Concept) -> Iterator[Terms]:
    s = NamedNode(concept_iri(c.id))
    yield (s, _TYPE, NamedNode(FM.Concept))
    yield (s, _IDENT, _lit(c.id))
    yield (s, _PREF, _lit(c.label))
    for alias in c.aliases:
        yield (s, NamedNode(SKOS.altLabel), _lit(alias))
    yield (s, NamedNode(SKOS.definition), _lit(c.definition))
    yield (s, _IN_SCHEME, NamedNode(CONCEPT_SCHEME))
    yield (s, NamedNode(FM.inTopic), NamedNode(topic_iri(c.topic)))
    for p in c.requires:
        node = NamedNode(prerequisite_iri(c.id, p.concept))
        yield (s, NamedNode(FM.requires), NamedNode(concept_iri(p.concept)))
        yield (s, NamedNode(FM.hasPrerequisite), node)
        yield (node, _TYPE, NamedNode(FM.Prerequisite))
        yield (node, NamedNode(FM.dependent), s)
        yield (node, NamedNode(FM.prerequisite), NamedNode(concept_iri(p.concept)))
        yield (node, NamedNode(FM.reason), _lit(p.reason))
    for m in c.motivated_by:
        node = NamedNode(motivation_iri(c.id, m.concept))
        yield (s, NamedNode(FM.motivatedBy), NamedNode(concept_iri(m.concept)))
        yield (s, NamedNode(FM.hasMotivation), node)
        yield (node, _TYPE, NamedNode(FM.Motivation))
        yield (node, NamedNode(FM.dependent), s)
        yield (node, NamedNode(FM.motivation), NamedNode(concept_iri(m.concept)))
        yield (node, NamedNode(FM.reason), _lit(m.reason))
    for broader in c.broader:  # skos:narrower is written out too, as SKOS readers expect
        yield (s, NamedNode(SKOS.broader), NamedNode(concept_iri(broader)))
        yield (NamedNode(concept_iri(broader)), NamedNode(SKOS.narrower), s)


def _work(w: Work) -> Iterator[Terms]:
    s = NamedNode(work_iri(w.id))
    yield (s, _TYPE, NamedNode(FM.Work))
    yield (s, _TYPE, NamedNode(WORK_KINDS[w.kind]))
    yield (s, _IDENT, _lit(w.id))
    yield (s, NamedNode(DCTERMS.title), _lit(w.title))
    if w.arxiv:
        yield (s, NamedNode(FM.arxivId), _lit(w.arxiv))
    for url in w.urls:
        yield (s, NamedNode(SCHEMA.url), NamedNode(url))
    if w.year is not None:
        yield (s, NamedNode(DCTERMS.issued), _lit(f"{w.year:04d}", XSD.gYear))
    for position, author in enumerate(w.authors, start=1):
        node = NamedNode(authorship_iri(w.id, position))
        yield (s, NamedNode(DCTERMS.creator), _lit(author))
        yield (s, NamedNode(FM.authorship), node)
        yield (node, _TYPE, NamedNode(FM.Authorship))
        yield (node, NamedNode(FM.position), _lit(position, XSD.integer))
        yield (node, NamedNode(FM.authorName), _lit(author))
    if w.authors_truncated:
        yield (s, NamedNode(FM.authorsTruncated), _lit("true", XSD.boolean))
    if w.doi:
        yield (s, NamedNode(FM.doi), _lit(w.doi))
    if w.description:
        yield (s, NamedNode(DCTERMS.description), _lit(w.description))
    # Super-properties are written out: introduces ⊂ teaches ⊂ discusses, uses ⊂ discusses.
    for concept_id in w.introduces:
        yield (s, NamedNode(FM.introduces), NamedNode(concept_iri(concept_id)))
    for concept_id in dict.fromkeys(w.introduces + w.teaches):
        yield (s, NamedNode(FM.teaches), NamedNode(concept_iri(concept_id)))
    for concept_id in w.uses:
        yield (s, NamedNode(FM.uses), NamedNode(concept_iri(concept_id)))
    for concept_id in dict.fromkeys(w.introduces + w.teaches + w.uses + w.discusses):
        yield (s, NamedNode(FM.discusses), NamedNode(concept_iri(concept_id)))
    for cited in w.cites:
        yield (s, NamedNode(CITO.cites), NamedNode(work_iri(cited)))


def _session(x: Session) -> Iterator[Terms]:
    s = NamedNode(session_iri(x.code))
    yield (s, _TYPE, NamedNode(FM.Session))
    yield (s, _IDENT, _lit(x.code))
    yield (s, NamedNode(DCTERMS.title), _lit(x.title))
    if x.date is not None:
        yield (s, NamedNode(DCTERMS.date), _lit(x.date.isoformat(), XSD.date))
    if x.collection:
        c = NamedNode(collection_iri(x.collection))
        yield (s, NamedNode(FM.inCollection), c)
        yield (c, _TYPE, NamedNode(FM.Collection))
        yield (c, _IDENT, _lit(x.collection))
        yield (c, _PREF, _lit(x.collection))
    for topic_id in x.topics:
        yield (s, NamedNode(FM.hasTopic), NamedNode(topic_iri(topic_id)))
    for concept_id in x.assumes:
        yield (s, NamedNode(FM.assumes), NamedNode(concept_iri(concept_id)))
    role_property = {"required": FM.requiredReading, "further": FM.furtherReading}
    for position, role, work_id in x.readings():
        work = NamedNode(work_iri(work_id))
        reading = NamedNode(reading_iri(x.code, position))
        yield (s, NamedNode(role_property[role]), work)
        yield (s, NamedNode(FM.reading), work)
        yield (s, NamedNode(FM.hasReading), reading)
        yield (reading, _TYPE, NamedNode(FM.Reading))
        yield (reading, NamedNode(FM.session), s)
        yield (reading, NamedNode(FM.work), work)
        yield (reading, NamedNode(FM.position), _lit(position, XSD.integer))
        yield (reading, NamedNode(FM.role), _lit(role))


def _statements(catalog: Catalog) -> Iterator[Terms]:
    """Every statement the catalog makes, as term tuples, in a deterministic order."""
    yield (NamedNode(CONCEPT_SCHEME), _TYPE, NamedNode(SKOS.ConceptScheme))
    yield (NamedNode(CONCEPT_SCHEME), _PREF, _lit("fmgraph concepts"))
    yield (NamedNode(TOPIC_SCHEME), _TYPE, NamedNode(SKOS.ConceptScheme))
    yield (NamedNode(TOPIC_SCHEME), _PREF, _lit("fmgraph topics"))
    for topic in catalog.topics.values():
        yield from _topic(topic)
    for concept in catalog.concepts.values():
        yield from _concept(concept)
    for work in catalog.works.values():
        try:
            yield from _work(work)
        except ValueError as e:  # pyoxigraph rejects an invalid IRI, e.g. a URL with a space
            raise DataError(
                [
                    Problem(
                        work.source.file, work.source.line, f"work {work.id!r}", f"invalid URL: {e}"
                    )
                ]
            ) from e
    for session in catalog.sessions.values():
        yield from _session(session)


def catalog_triples(catalog: Catalog) -> Iterator[Triple]:
    """Every triple the catalog states, in a deterministic order; bad URLs raise DataError."""
    for terms in _statements(catalog):
        yield Triple(*terms)


def catalog_quads(catalog: Catalog) -> Iterator[Quad]:
    """The same statements as quads of the default graph, as a store takes them: made
    directly, which halves what turning each triple into a quad would cost."""
    for terms in _statements(catalog):
        yield Quad(*terms)
