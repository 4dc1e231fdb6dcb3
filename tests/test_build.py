from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from fmgraph.build import catalog_quads, catalog_triples
from fmgraph.loader import load_catalog
from fmgraph.validate import shacl_problems
from fmgraph.vocab import DCTERMS, FM, XSD, concept_iri, reading_iri, session_iri, work_iri


@pytest.fixture
def triples(tiny_copy: Path) -> list[Triple]:
    return list(catalog_triples(load_catalog(tiny_copy)))


def test_build_is_deterministic(tiny_copy: Path) -> None:
    first = list(catalog_triples(load_catalog(tiny_copy)))
    second = list(catalog_triples(load_catalog(tiny_copy)))
    assert first == second


def test_quads_state_the_triples_in_the_default_graph_in_the_same_order(
    tiny_copy: Path, triples: list[Triple]
) -> None:
    from pyoxigraph import DefaultGraph

    quads = list(catalog_quads(load_catalog(tiny_copy)))
    assert [q.triple for q in quads] == triples
    assert {q.graph_name for q in quads} == {DefaultGraph()}


def test_super_properties_are_materialized(triples: list[Triple]) -> None:
    s, w = NamedNode(session_iri("T-2")), NamedNode(work_iri("arxiv-2203.02155"))
    assert Triple(s, NamedNode(FM.furtherReading), w) in triples
    assert Triple(s, NamedNode(FM.reading), w) in triples
    intro = NamedNode(work_iri("arxiv-2305.18290"))
    dpo = NamedNode(concept_iri("dpo"))
    assert Triple(intro, NamedNode(FM.introduces), dpo) in triples
    assert Triple(intro, NamedNode(FM.discusses), dpo) in triples


def test_reading_position_and_role_are_recorded(triples: list[Triple]) -> None:
    r = NamedNode(reading_iri("T-2", 2))
    assert (
        Triple(r, NamedNode(FM.position), Literal("2", datatype=NamedNode(XSD.integer))) in triples
    )
    assert Triple(r, NamedNode(FM.role), Literal("further")) in triples


def test_literals_are_typed(triples: list[Triple]) -> None:
    w = NamedNode(work_iri("arxiv-2305.18290"))
    assert (
        Triple(w, NamedNode(DCTERMS.issued), Literal("2023", datatype=NamedNode(XSD.gYear)))
        in triples
    )
    s = NamedNode(session_iri("T-2"))
    date = Literal("2024-02-06", datatype=NamedNode(XSD.date))
    assert Triple(s, NamedNode(DCTERMS.date), date) in triples


def test_tiny_graph_conforms_to_the_shapes(tiny_copy: Path, triples: list[Triple]) -> None:
    assert shacl_problems(triples, load_catalog(tiny_copy)) == []


def test_shacl_violation_names_the_entry(tiny_copy: Path) -> None:
    catalog = load_catalog(tiny_copy)
    catalog.works["attention-notes"].title = ""  # empty titles pass YAML loading only by accident
    problems = shacl_problems(catalog_triples(catalog), catalog)
    assert problems
    assert problems[0].entry == "work 'attention-notes'"
    assert problems[0].file.endswith("course.yaml")


def test_whole_graph_shacl_checks_name_the_culprits(tiny_copy: Path) -> None:
    catalog = load_catalog(tiny_copy)
    dpo, work = NamedNode(concept_iri("dpo")), NamedNode(work_iri("arxiv-2305.18290"))
    triples = [
        t for t in catalog_triples(catalog) if t != Triple(work, NamedNode(FM.discusses), dpo)
    ] + [Triple(dpo, NamedNode(FM.requires), dpo)]
    problems = {p.message: p for p in shacl_problems(triples, catalog)}
    assert len(problems) == 2
    discusses = next(p for m, p in problems.items() if "does not list it with fm:discusses" in m)
    assert work.value in discusses.message and discusses.entry == "concept 'dpo'"
    assert any("lists itself in fm:requires" in m for m in problems)
