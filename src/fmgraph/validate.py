"""Check a built graph against the SHACL shapes of ``ontology/shapes.ttl`` with pySHACL."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse, serialize

from .errors import DataError, Problem
from .model import Catalog, Source
from .resources import ontology_dir
from .vocab import concept_iri, prerequisite_iri, session_iri, topic_iri, work_iri


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


def shacl_problems(triples: Iterable[Triple], catalog: Catalog) -> list[Problem]:
    """Every SHACL violation of ``triples``, each named by the data entry at fault."""
    import pyshacl
    from rdflib import Graph, Namespace

    data = Graph(bind_namespaces="none")
    data.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
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
    problems = shacl_problems(triples, catalog)
    for path in catalog.rdf_files:
        try:
            for _ in parse(path=str(path)):
                pass
        except (SyntaxError, ValueError) as e:
            problems.append(Problem(str(path), None, None, f"RDF syntax: {e}"))
    return problems
