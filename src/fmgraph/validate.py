"""Check a built graph against the SHACL shapes of ``ontology/shapes.ttl`` with pySHACL."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, parse

from .errors import DataError, Problem
from .model import Catalog, Source
from .resources import ontology_dir
from .vocab import XSD, concept_iri, prerequisite_iri, session_iri, topic_iri, work_iri


def _sources(catalog: Catalog) -> dict[str, tuple[Source, str]]:
    """Map every minted IRI to the entry that defines it, to name the culprit of a violation."""
    found: dict[str, tuple[Source, str]] = {}
    for t in catalog.topics.values():
        found[topic_iri(t.id)] = (t.source, f"topic {t.id!r}")
    for c in catalog.concepts.values():
        found[concept_iri(c.id)] = (c.source, f"concept {c.id!r}")
        for p in c.requires:
            found[prerequisite_iri(c.id, p.concept)] = (c.source, f"concept {c.id!r}")
    for w in catalog.works.values():
        found[work_iri(w.id)] = (w.source, f"work {w.id!r}")
    for s in catalog.sessions.values():
        found[session_iri(s.code)] = (s.source, f"session {s.code!r}")
    return found


def source_of(catalog: Catalog, iri: str) -> tuple[Source, str]:
    """The source and entry of the catalog entry that minted ``iri`` (an IRI in ``<>``, or
    bare)."""
    source, entry = _sources(catalog).get(iri.strip("<>")) or (Source("<rdf>"), iri)
    return source, entry


def rdflib_graph(triples: Iterable[Triple]) -> Any:
    """``triples`` as an rdflib Graph, term by term.

    Not through an N-Triples text: rdflib's N-Triples parser is quadratic in the length of a
    literal (1 MB 4.8 s, 4 MB 77 s); building the terms is linear.
    """
    from rdflib import BNode, Graph, URIRef
    from rdflib import Literal as RdfLiteral

    def term(value: Any) -> Any:
        if isinstance(value, NamedNode):
            return URIRef(value.value)
        if isinstance(value, BlankNode):
            return BNode(value.value)
        if value.language is not None:
            return RdfLiteral(value.value, lang=value.language)
        if value.datatype.value == XSD.string:
            return RdfLiteral(value.value)
        return RdfLiteral(value.value, datatype=URIRef(value.datatype.value))

    graph = Graph(bind_namespaces="none")
    add = graph.add
    for t in triples:
        add((term(t.subject), term(t.predicate), term(t.object)))
    return graph


def shacl_problems(triples: Iterable[Triple], catalog: Catalog) -> list[Problem]:
    """Every SHACL violation of ``triples``, each named by the data entry at fault."""
    import pyshacl
    from rdflib import Graph, Namespace

    data = rdflib_graph(triples)
    shapes = Graph(bind_namespaces="none").parse(ontology_dir() / "shapes.ttl", format="turtle")
    ontology = Graph(bind_namespaces="none").parse(ontology_dir() / "fmgraph.ttl", format="turtle")
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True
    )
    if conforms:
        return []
    sh = Namespace("http://www.w3.org/ns/shacl#")
    sources = _sources(catalog)
    problems = []
    for result in report.subjects(predicate=sh.focusNode):
        focus = str(report.value(result, sh.focusNode))
        message = str(report.value(result, sh.resultMessage) or "violates a shape")
        path = report.value(result, sh.resultPath)
        value = report.value(result, sh.value)
        detail = f" ({path.n3(report.namespace_manager)}" if path is not None else ""
        detail += f" = {value}" if value is not None and detail else ""
        detail += ")" if detail else ""
        # Whole-graph checks have a vocabulary term as focus; their value names the culprit.
        source, entry = sources.get(focus) or sources.get(str(value)) or (Source("<rdf>"), focus)
        problems.append(Problem(source.file, source.line, entry, f"SHACL: {message}{detail}"))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.message))


def validate_data(data_dir: Path) -> list[Problem]:
    """Every problem of a data directory: schema, references, cycles, SHACL and RDF syntax."""
    from .build import catalog_triples
    from .loader import load_catalog

    try:
        catalog = load_catalog(data_dir)
        triples = list(catalog_triples(catalog))
    except DataError as e:
        return e.problems
    from .pipeline import MAX_LITERAL_BYTES, literal_too_long

    problems = shacl_problems(triples, catalog)
    for t in triples:
        if isinstance(t.object, Literal) and len(t.object.value) * 4 > MAX_LITERAL_BYTES:
            size = len(t.object.value.encode())
            if size > MAX_LITERAL_BYTES:
                source, entry = source_of(catalog, str(t.subject))
                problems.append(literal_too_long(source.file, source.line, entry, size))
    for path in catalog.rdf_files:
        try:
            for quad in parse(path=str(path)):
                value = quad.object
                if isinstance(value, Literal) and len(value.value) * 4 > MAX_LITERAL_BYTES:
                    size = len(value.value.encode())
                    if size > MAX_LITERAL_BYTES:
                        entry = f"<{quad.subject}>"
                        problems.append(literal_too_long(str(path), None, entry, size))
        except (SyntaxError, ValueError) as e:
            problems.append(Problem(str(path), None, None, f"RDF syntax: {e}"))
        except MemoryError:  # Oxigraph's parsers read one statement into at most 16 MiB
            problems.append(literal_too_long(str(path), None, None, None))
    return problems
