from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyoxigraph import NamedNode

from fmgraph import vocab


def test_misspelt_term_fails_at_once() -> None:
    with pytest.raises(AttributeError):
        misspelt = "requirez"  # looked up by name: a type checker would refuse it written out
        _ = getattr(vocab.FM, misspelt)


@pytest.mark.parametrize(
    "name",
    ["2024-S5", "dpo", "Attention Is All You Need", 'a "quoted" <title> & more', "naïve/√ #x?y"],
)
def test_minted_iris_are_valid_for_any_id(name: str) -> None:
    for mint in (vocab.concept_iri, vocab.session_iri, vocab.work_iri, vocab.topic_iri):
        iri = mint(name)
        NamedNode(iri)  # raises ValueError when the IRI is invalid
        assert iri.startswith(vocab.ID)
        assert " " not in iri and "#" not in iri.removeprefix(vocab.ID)


def test_fixed_iris_match_the_documented_ones() -> None:
    assert vocab.concept_iri("rlhf") == "https://w3id.org/fmgraph/id/concept/rlhf"
    assert vocab.session_iri("2024-S5") == "https://w3id.org/fmgraph/id/session/2024-S5"
    assert vocab.work_iri("arxiv-2305.18290") == "https://w3id.org/fmgraph/id/work/arxiv-2305.18290"
    assert vocab.FM.requires == "https://w3id.org/fmgraph/vocab#requires"


def test_slug_joins_words_with_dashes() -> None:
    assert vocab.slug("Human Alignment") == "human-alignment"
    assert vocab.slug("  LLM -- Evaluate! ") == "llm-evaluate"


def test_every_vocabulary_term_is_declared_in_the_ontology() -> None:
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDFS

    from fmgraph.resources import ontology_dir

    ontology = Graph().parse(ontology_dir() / "fmgraph.ttl")
    terms = [v for k, v in vars(vocab.FM).items() if not k.startswith("_")]
    assert len(terms) > 30
    for term in terms:
        assert (URIRef(term), RDFS.label, None) in ontology, term
        assert (URIRef(term), RDFS.comment, None) in ontology, term


@given(st.text())
def test_a_segment_is_percent_encoded_as_quote_does(value: str) -> None:
    """The fast path for ids that need no encoding gives what quote() gives, for any text."""
    from urllib.parse import quote

    from fmgraph.vocab import _segment

    assert _segment(value) == quote(value, safe="-._~")
