"""Turn a :class:`~fmgraph.model.Catalog` into RDF statements.

The statements come out in a fixed order, so the same data always gives the same graph, and
the entailments SPARQL users rely on (``fm:reading``, ``fm:discusses``) are materialized here.
Each is a plain tuple of strings (:data:`Statement`), written out one of two ways: as
N-Triples text (:func:`ntriples_lines`), which is how a build hands them to the store, or as
pyoxigraph terms (:func:`catalog_triples`), which is what SHACL and Python callers read. The
two give the same graph (``tests/test_build.py`` compares them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pyoxigraph import Literal, NamedNode, Quad, Triple

from .errors import DataError, Problem
from .model import Catalog, Concept, Entry, Session, Topic, Work
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

#: (subject IRI, predicate IRI, object, datatype): the object is an IRI when the datatype is
#: None, else a literal's lexical form, of datatype xsd:string when the datatype is "".
#: Subjects and predicates are minted by :mod:`fmgraph.vocab` (their variable parts
#: percent-encoded), so they hold no character N-Triples would have to escape.
Statement = tuple[str, str, str, str | None]

_TYPE = RDF.type
_IN_SCHEME = SKOS.inScheme
_PREF = SKOS.prefLabel
_IDENT = DCTERMS.identifier
_STRING = ""  # the datatype of a plain literal (xsd:string)


def _url(url: str) -> str:
    """``url`` checked as an IRI (ValueError if it is not one): the only IRI a data file writes
    whole rather than having :mod:`fmgraph.vocab` mint it."""
    NamedNode(url)
    return url


def _topic(t: Topic) -> Iterator[Statement]:
    s = topic_iri(t.id)
    yield (s, _TYPE, FM.Topic, None)
    yield (s, _IDENT, t.id, _STRING)
    yield (s, _PREF, t.label, _STRING)
    yield (s, _IN_SCHEME, TOPIC_SCHEME, None)
    if t.definition:
        yield (s, SKOS.definition, t.definition, _STRING)


def _concept(c: Concept) -> Iterator[Statement]:
    s = concept_iri(c.id)
    yield (s, _TYPE, FM.Concept, None)
    yield (s, _IDENT, c.id, _STRING)
    yield (s, _PREF, c.label, _STRING)
    for alias in c.aliases:
        yield (s, SKOS.altLabel, alias, _STRING)
    yield (s, SKOS.definition, c.definition, _STRING)
    yield (s, _IN_SCHEME, CONCEPT_SCHEME, None)
    yield (s, FM.inTopic, topic_iri(c.topic), None)
    for p in c.requires:
        node = prerequisite_iri(c.id, p.concept)
        yield (s, FM.requires, concept_iri(p.concept), None)
        yield (s, FM.hasPrerequisite, node, None)
        yield (node, _TYPE, FM.Prerequisite, None)
        yield (node, FM.dependent, s, None)
        yield (node, FM.prerequisite, concept_iri(p.concept), None)
        yield (node, FM.reason, p.reason, _STRING)
    for m in c.motivated_by:
        node = motivation_iri(c.id, m.concept)
        yield (s, FM.motivatedBy, concept_iri(m.concept), None)
        yield (s, FM.hasMotivation, node, None)
        yield (node, _TYPE, FM.Motivation, None)
        yield (node, FM.dependent, s, None)
        yield (node, FM.motivation, concept_iri(m.concept), None)
        yield (node, FM.reason, m.reason, _STRING)
    for broader in c.broader:  # skos:narrower is written out too, as SKOS readers expect
        yield (s, SKOS.broader, concept_iri(broader), None)
        yield (concept_iri(broader), SKOS.narrower, s, None)


def _work(w: Work) -> Iterator[Statement]:
    s = work_iri(w.id)
    yield (s, _TYPE, FM.Work, None)
    yield (s, _TYPE, WORK_KINDS[w.kind], None)
    yield (s, _IDENT, w.id, _STRING)
    yield (s, DCTERMS.title, w.title, _STRING)
    if w.arxiv:
        yield (s, FM.arxivId, w.arxiv, _STRING)
    for url in w.urls:
        yield (s, SCHEMA.url, _url(url), None)
    if w.year is not None:
        yield (s, DCTERMS.issued, f"{w.year:04d}", XSD.gYear)
    for position, author in enumerate(w.authors, start=1):
        node = authorship_iri(w.id, position)
        yield (s, DCTERMS.creator, author, _STRING)
        yield (s, FM.authorship, node, None)
        yield (node, _TYPE, FM.Authorship, None)
        yield (node, FM.position, str(position), XSD.integer)
        yield (node, FM.authorName, author, _STRING)
    if w.authors_truncated:
        yield (s, FM.authorsTruncated, "true", XSD.boolean)
    if w.doi:
        yield (s, FM.doi, w.doi, _STRING)
    if w.description:
        yield (s, DCTERMS.description, w.description, _STRING)
    # Super-properties are written out: introduces ⊂ teaches ⊂ discusses, uses ⊂ discusses.
    for concept_id in w.introduces:
        yield (s, FM.introduces, concept_iri(concept_id), None)
    for concept_id in dict.fromkeys(w.introduces + w.teaches):
        yield (s, FM.teaches, concept_iri(concept_id), None)
    for concept_id in w.uses:
        yield (s, FM.uses, concept_iri(concept_id), None)
    for concept_id in dict.fromkeys(w.introduces + w.teaches + w.uses + w.discusses):
        yield (s, FM.discusses, concept_iri(concept_id), None)
    for cited in w.cites:
        yield (s, CITO.cites, work_iri(cited), None)


def _session(x: Session) -> Iterator[Statement]:
    s = session_iri(x.code)
    yield (s, _TYPE, FM.Session, None)
    yield (s, _IDENT, x.code, _STRING)
    yield (s, DCTERMS.title, x.title, _STRING)
    if x.date is not None:
        yield (s, DCTERMS.date, x.date.isoformat(), XSD.date)
    if x.collection:
        yield (s, FM.inCollection, collection_iri(x.collection), None)
    for topic_id in x.topics:
        yield (s, FM.hasTopic, topic_iri(topic_id), None)
    for concept_id in x.assumes:
        yield (s, FM.assumes, concept_iri(concept_id), None)
    role_property = {"required": FM.requiredReading, "further": FM.furtherReading}
    for position, role, work_id in x.readings():
        work = work_iri(work_id)
        reading = reading_iri(x.code, position)
        yield (s, role_property[role], work, None)
        yield (s, FM.reading, work, None)
        yield (s, FM.hasReading, reading, None)
        yield (reading, _TYPE, FM.Reading, None)
        yield (reading, FM.session, s, None)
        yield (reading, FM.work, work, None)
        yield (reading, FM.position, str(position), XSD.integer)
        yield (reading, FM.role, role, _STRING)


def _collection(name: str) -> Iterator[Statement]:
    c = collection_iri(name)
    yield (c, _TYPE, FM.Collection, None)
    yield (c, _IDENT, name, _STRING)
    yield (c, _PREF, name, _STRING)


def header_statements() -> Iterator[Statement]:
    """The statements every catalog makes: its two concept schemes."""
    yield (CONCEPT_SCHEME, _TYPE, SKOS.ConceptScheme, None)
    yield (CONCEPT_SCHEME, _PREF, "fmgraph concepts", _STRING)
    yield (TOPIC_SCHEME, _TYPE, SKOS.ConceptScheme, None)
    yield (TOPIC_SCHEME, _PREF, "fmgraph topics", _STRING)


def entry_statements(entry: Entry) -> Iterator[Statement]:
    """The statements one entry of a data file makes; a URL that is not an IRI raises
    DataError naming its work.

    Two entries never make the same statement: each statement's subject is the entry's own
    IRI or a node minted from its id (an authorship, a reading, a prerequisite link), or, for
    ``skos:narrower``, its object is; ids are unique within their kind and the IRIs of
    different kinds are apart. The only statements entries share are a collection's, made once
    for every collection some session is in (:func:`collection_statements`). So the statements
    of a changed entry can be taken out of a store without asking which other entry makes
    them (:mod:`fmgraph.patch` relies on this; ``tests/test_build.py`` checks it).
    """
    if isinstance(entry, Topic):
        return _topic(entry)
    if isinstance(entry, Concept):
        return _concept(entry)
    if isinstance(entry, Work):
        return _checked_work(entry)
    return _session(entry)


def _checked_work(work: Work) -> Iterator[Statement]:
    try:
        yield from _work(work)
    except ValueError as e:  # pyoxigraph rejects an invalid IRI, e.g. a URL with a space
        raise DataError(
            [Problem(work.source.file, work.source.line, f"work {work.id!r}", f"invalid URL: {e}")]
        ) from e


def collections(sessions: Iterable[Session]) -> list[str]:
    """The collections ``sessions`` are in, each once, in order of first use."""
    return list(dict.fromkeys(x.collection for x in sessions if x.collection))


def collection_statements(names: Iterable[str]) -> Iterator[Statement]:
    """What the graph says of each collection: its type, identifier and label."""
    for name in names:
        yield from _collection(name)


def catalog_statements(catalog: Catalog) -> Iterator[Statement]:
    """Every statement the catalog makes, in a deterministic order; a URL that is not an IRI
    raises DataError naming its work."""
    yield from header_statements()
    for table in (catalog.topics, catalog.concepts, catalog.works, catalog.sessions):
        for entry in table.values():
            yield from entry_statements(entry)
    yield from collection_statements(collections(catalog.sessions.values()))


# ---------------------------------------------------------------------------------------------
# As N-Triples text

#: What N-Triples must or should escape. A literal may not hold `"`, `\`, LF or CR as they
#: are; the other C0 controls and DEL are escaped too, as Oxigraph's own serializer does, so a
#: line reads the same as Oxigraph writes it. An IRIREF may hold none of these characters.
_LITERAL_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f]')
_IRI_ESCAPED = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_ECHAR = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
          "\f": "\\f"}  # fmt: skip


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ECHAR.get(char) or f"\\u{ord(char):04X}"


def _uchar(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04X}"  # an IRIREF allows no ECHAR


def ntriples_term(value: str, datatype: str | None) -> str:
    """The object of a :data:`Statement` as an N-Triples term: ``<value>`` when ``datatype``
    is None, else a literal, escaped as the N-Triples grammar requires."""
    if datatype is None:
        if _IRI_ESCAPED.search(value) is not None:  # cannot happen with a checked IRI
            value = _IRI_ESCAPED.sub(_uchar, value)
        return f"<{value}>"
    if _LITERAL_ESCAPED.search(value) is not None:
        value = _LITERAL_ESCAPED.sub(_escape, value)
    return f'"{value}"^^<{datatype}>' if datatype else f'"{value}"'


def ntriples_lines(statements: Iterable[Statement]) -> Iterator[str]:
    """Each statement as one line of N-Triples (with its newline), in Oxigraph's canonical
    form."""
    term = ntriples_term
    for s, p, o, datatype in statements:
        yield f"<{s}> <{p}> {term(o, datatype)} .\n"


# ---------------------------------------------------------------------------------------------
# As pyoxigraph terms


def _terms(statement: Statement) -> tuple[NamedNode, NamedNode, NamedNode | Literal]:
    s, p, o, datatype = statement
    if datatype is None:
        value: NamedNode | Literal = NamedNode(o)
    elif datatype:
        value = Literal(o, datatype=NamedNode(datatype))
    else:
        value = Literal(o)
    return NamedNode(s), NamedNode(p), value


def statement_triple(statement: Statement) -> Triple:
    """One statement as a pyoxigraph triple."""
    return Triple(*_terms(statement))


def catalog_triples(catalog: Catalog) -> Iterator[Triple]:
    """Every triple the catalog states, in a deterministic order; bad URLs raise DataError."""
    return map(statement_triple, catalog_statements(catalog))


def catalog_quads(catalog: Catalog) -> Iterator[Quad]:
    """The same statements as quads of the default graph."""
    for statement in catalog_statements(catalog):
        yield Quad(*_terms(statement))
