from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

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


# ---------------------------------------------------------------------------------------------
# The N-Triples text a build hands the store, against pyoxigraph's own terms and serializer

NASTY = [
    'say "hi"',
    "back\\slash \\n \\u0022 not escapes",
    "new\nline",
    "carriage\rreturn",
    "tab\tbell\x07 backspace\b form\f",
    "nul\x00 unit\x1f del\x7f",
    "line\u2028separator, bom\ufeff, nbsp\u00a0",
    "non-BMP \U0001f600 \U00010348 𝔘",
    "ünïcödé <tag> & {braces} | ^ `",
    "",
    " ",
    '"',
    "\\",
    '\\"',
    "ends in a backslash\\",
]


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
@pytest.mark.parametrize("datatype", [None, XSD.integer, ""], ids=["iri", "typed", "plain"])
def test_a_term_is_written_as_pyoxigraph_writes_it(value: str, datatype: str | None) -> None:
    from pyoxigraph import RdfFormat, serialize

    from fmgraph.build import ntriples_lines, statement_triple

    if datatype is None:  # an IRI: only valid ones reach the writer
        value = "https://example.org/" + quote(value, safe="/:") + "/é\U0001f600?q=%20"
    statement = ("https://example.org/s", "https://example.org/p", value, datatype)
    (line,) = ntriples_lines([statement])
    expected = serialize([statement_triple(statement)], format=RdfFormat.N_TRIPLES)
    assert line.encode() == expected


def test_an_iri_the_grammar_forbids_is_written_with_uchar_escapes() -> None:
    from fmgraph.build import ntriples_term

    assert ntriples_term('a b<>"{}|^`\\\x00', None) == (
        "<a\\u0020b\\u003C\\u003E\\u0022\\u007B\\u007D\\u007C\\u005E\\u0060\\u005C\\u0000>"
    )


def _data_directories() -> list[Path]:
    from fmgraph.resources import data_dir

    fixtures = Path(__file__).parent / "fixtures"
    found = [data_dir(), fixtures / "tiny", fixtures / "curriculum", fixtures / "render-xss"]
    return [d for d in found if list(d.glob("*.yaml"))]


@pytest.mark.parametrize("data", _data_directories(), ids=lambda d: d.name)
def test_the_n_triples_text_and_the_terms_state_the_same_graph(data: Path) -> None:
    from pyoxigraph import RdfFormat, parse, serialize

    from fmgraph.build import catalog_statements, ntriples_lines

    catalog = load_catalog(data)
    text = "".join(ntriples_lines(catalog_statements(catalog))).encode()
    triples = list(catalog_triples(catalog))
    assert [q.triple for q in parse(text, format=RdfFormat.N_TRIPLES)] == triples
    assert text == serialize(triples, format=RdfFormat.N_TRIPLES)  # line for line


def test_a_catalog_with_nasty_strings_reads_back_the_same(tiny_copy: Path) -> None:
    from pyoxigraph import RdfFormat, parse

    from fmgraph.build import catalog_statements, ntriples_lines

    catalog = load_catalog(tiny_copy)
    for work, value in zip(catalog.works.values(), NASTY[:-1], strict=False):
        work.title = value or "x"
        work.authors = [value, value[::-1]]
        work.description = value
    text = "".join(ntriples_lines(catalog_statements(catalog))).encode()
    assert list(parse(text, format=RdfFormat.N_TRIPLES)) == list(catalog_quads(catalog))


@pytest.mark.parametrize("data", _data_directories(), ids=lambda d: d.name)
def test_a_built_store_holds_what_the_quads_would_have_written(data: Path, tmp_path: Path) -> None:
    """The build hands the store N-Triples text; the same store made from pyoxigraph quads
    (the build's old route) holds the very same quads."""
    from pyoxigraph import RdfFormat, Store

    from fmgraph.files import data_files
    from fmgraph.pipeline import build_store
    from fmgraph.resources import ontology_dir

    target = tmp_path / "store"
    target.mkdir()
    build_store(data, target)
    built = Store.read_only(str(target))
    expected = Store()
    expected.bulk_extend(catalog_quads(load_catalog(data)))
    expected.load(path=str(ontology_dir() / "fmgraph.ttl"), format=RdfFormat.TURTLE)
    for path in data_files(data):
        if path.suffix in (".nt", ".nq", ".ttl"):
            expected.load(path=str(path))
    assert set(built) == set(expected)
    assert len(built) == len(expected)


def test_an_invalid_url_in_a_catalog_names_its_work(tiny_copy: Path) -> None:
    from fmgraph.build import catalog_statements
    from fmgraph.errors import DataError

    catalog = load_catalog(tiny_copy)
    catalog.works["attention-notes"].urls = ["https://example.org/a b"]
    with pytest.raises(DataError) as info:
        list(catalog_statements(catalog))
    (problem,) = info.value.problems
    assert problem.entry == "work 'attention-notes'" and "invalid URL" in problem.message


def test_no_two_entries_make_the_same_statement(tiny_copy: Path) -> None:
    """What fmgraph.patch relies on: a statement belongs to one entry, except a collection's,
    which catalog_statements makes once. Ids are chosen to collide if IRIs were not apart."""
    from collections import Counter

    from fmgraph.build import catalog_statements, entry_statements
    from fmgraph.resources import data_dir

    (tiny_copy / "tricky.yaml").write_text(
        "topics:\n"
        "  - {id: a/b, label: Slash}\n"
        "concepts:\n"
        "  - {id: a, label: A, definition: d, topic: a/b, broader: [a%2Fb]}\n"
        "  - {id: a%2Fb, label: Encoded, definition: d, topic: a/b,\n"
        "     requires: [{concept: a, reason: r}]}\n"
        "  - {id: a/b, label: Slashed, definition: d, topic: a/b,\n"
        "     requires: [{concept: a, reason: r}], motivated_by: [{concept: a, reason: r}]}\n"
        "works:\n"
        "  - {id: a/b, title: Work, authors: [X, X]}\n"
        "sessions:\n"
        "  - {code: a/b, title: S, collection: C, required: [a/b]}\n"
        "  - {code: a%2Fb, title: T, collection: C, further: [a/b]}\n"
    )
    for directory in (tiny_copy, data_dir()):
        catalog = load_catalog(directory)
        owners: Counter[object] = Counter()
        for table in (catalog.topics, catalog.concepts, catalog.works, catalog.sessions):
            for entry in table.values():
                owners.update(set(entry_statements(entry)))
        assert [s for s, n in owners.items() if n > 1] == []
        statements = list(catalog_statements(catalog))
        assert len(statements) == len(set(statements)) + _repeated_within_entries(catalog)


def _repeated_within_entries(catalog: object) -> int:
    from fmgraph.build import entry_statements
    from fmgraph.model import Catalog

    assert isinstance(catalog, Catalog)
    tables = (catalog.topics, catalog.concepts, catalog.works, catalog.sessions)
    made = [list(entry_statements(e)) for t in tables for e in t.values()]
    return sum(len(m) - len(set(m)) for m in made)
