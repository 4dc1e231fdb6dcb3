"""Any RDF graph is browsable: nodes without dcterms:identifier are listed and drawn under a
name from their label or IRI, and found by every label they have, whatever its language."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fmgraph.cli import cli
from fmgraph.names import iri_name, label_order

THESAURUS = """\
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/thesaurus/> .
ex:scheme a skos:ConceptScheme ; skos:prefLabel "Machine learning thesaurus"@en .
ex:c1 a skos:Concept ; skos:inScheme ex:scheme ;
  skos:prefLabel "Neural network"@en , "Réseau de neurones"@fr ; skos:altLabel "ANN"@en .
ex:c2 a skos:Concept ; skos:inScheme ex:scheme ; skos:prefLabel "Attention mechanism"@en-GB ;
  skos:broader ex:c1 .
ex:c3 a skos:Concept ; skos:inScheme ex:scheme ;
  skos:prefLabel "Transformateur"@fr , "Transformer"@en ; skos:broader ex:c2 .
"""

# fmgraph's own vocabulary, as another generator writes it: no identifiers, labels tagged,
# and names given by rdfs:label and schema:name as well.
NO_IDENTIFIERS = """\
@prefix fm: <https://w3id.org/fmgraph/vocab#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix g: <http://example.org/gen/> .
g:attention a fm:Concept ; skos:prefLabel "Self-attention"@en .
g:transformer a fm:Concept ; skos:prefLabel "Transformer architecture"@en ;
  fm:requires g:attention .
g:lm a fm:Concept ; rdfs:label "Language model" ; fm:requires g:transformer .
g:rlhf a fm:Concept ; schema:name "Reinforcement learning from human feedback"@en ;
  skos:altLabel "RLHF" ; fm:requires g:lm .
g:topic%2F1 a fm:Topic ; skos:prefLabel "Alignment"@en .
g:paper1 a fm:Work ; dcterms:title "Attention is all you need"@en ; fm:introduces g:transformer .
g:paper2 a fm:Work ; fm:discusses g:rlhf .
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def thesaurus(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("thesaurus")
    (directory / "thesaurus.ttl").write_text(THESAURUS, encoding="utf-8")
    return str(directory)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("generated")
    (directory / "graph.ttl").write_text(NO_IDENTIFIERS, encoding="utf-8")
    return str(directory)


@pytest.mark.parametrize(
    "name", ["Réseau de neurones", "reseau de neurones", "neural network", "ANN", "c1"]
)
def test_a_thesaurus_concept_is_found_by_every_label_in_any_language(
    thesaurus: str, name: str
) -> None:
    code, out, err = run("--data", thesaurus, "show", name)
    assert code == 0, err
    assert out.startswith("concept c1 — Neural network\n  iri: http://example.org/thesaurus/c1\n")


def test_the_english_label_is_shown_when_there_are_several(thesaurus: str) -> None:
    code, out, _err = run("--data", thesaurus, "show", "transformateur", "--format", "json")
    assert code == 0
    view = json.loads(out)
    assert (view["id"], view["label"]) == ("c3", "Transformer")
    code, out, _err = run("--data", thesaurus, "show", "attention mechanism", "--format", "json")
    assert json.loads(out)["label"] == "Attention mechanism"  # en-GB is English too


def test_thesaurus_nodes_are_drawn_and_counted(thesaurus: str) -> None:
    code, out, err = run("--data", thesaurus, "render", "-o", "-")
    assert code == 0
    for label in ("Neural network", "Attention mechanism", "Transformer"):
        assert f'"label": "{label}"' in out or f'"label":"{label}"' in out
    assert err == "note: 3 nodes have no dcterms:identifier; they are named by their label or IRI\n"
    code, out, _err = run("--data", thesaurus, "stats")
    assert out.endswith("\nnodes without dcterms:identifier: 3 (listed under their label or IRI)\n")
    code, out, _err = run("--data", thesaurus, "stats", "--format", "json")
    assert json.loads(out)["without_identifier"] == 3


def test_a_graph_without_identifiers_has_paths_by_label(generated: str) -> None:
    code, out, err = run("--data", generated, "path", "self attention", "rlhf", "--format", "json")
    assert code == 0, err
    steps = json.loads(out)["chains"][0]["steps"]
    assert [(s["id"], s["label"]) for s in steps] == [
        ("attention", "Self-attention"),
        ("transformer", "Transformer architecture"),
        ("lm", "Language model"),
        ("rlhf", "Reinforcement learning from human feedback"),
    ]
    code, out, _err = run("--data", generated, "plan", "Reinforcement learning from human feedback")
    assert code == 0
    assert "Language model" in out


def test_no_node_of_a_graph_without_identifiers_is_dropped(generated: str) -> None:
    code, out, err = run("--data", generated, "export", "--format", "graphml")
    assert code == 0, err
    for iri in ("attention", "transformer", "lm", "rlhf", "topic%2F1", "paper1", "paper2"):
        assert f'<node id="http://example.org/gen/{iri}">' in out
    assert '<data key="d2">Attention is all you need</data>' in out or "Attention is all" in out
    code, _out, err = run("--data", generated, "render", "-o", "-")
    assert err.startswith("note: 7 nodes have no dcterms:identifier")
    code, out, _err = run("--data", generated, "show", "language model")
    assert out.startswith("concept lm — Language model\n")
    code, out, _err = run("--data", generated, "show", "paper2")
    assert out.startswith("work paper2 — paper2\n")


def test_an_identified_graph_says_nothing_about_identifiers() -> None:
    code, out, err = run("render", "-o", "-", "--concepts")
    assert code == 0
    assert "dcterms:identifier" not in err
    code, out, _err = run("stats")
    assert "without dcterms:identifier" not in out


@pytest.mark.parametrize(
    ("iri", "name"),
    [
        ("http://example.org/thesaurus/c1", "c1"),
        ("http://example.org/vocab#Thing", "Thing"),
        ("http://example.org/a/b/", "b"),
        ("http://example.org/gen/topic%2F1", "topic/1"),
        ("urn:isbn:123", "urn:isbn:123"),
    ],
)
def test_a_node_without_identifier_is_named_by_the_end_of_its_iri(iri: str, name: str) -> None:
    assert iri_name(iri) == name


def test_english_labels_come_first_then_untagged_then_others() -> None:
    labels = [("Zèbre", "fr"), ("Zebra", None), ("Zebra (animal)", "en-US"), ("Aa", "de")]
    assert [v for v, lang in sorted(labels, key=lambda x: label_order(*x))] == [
        "Zebra (animal)",
        "Zebra",
        "Aa",
        "Zèbre",
    ]
