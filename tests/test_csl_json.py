from __future__ import annotations

from pathlib import Path

import pytest

from fmgraph.errors import DataError, FmgraphError
from fmgraph.importing.csl_json import parse_csl_json
from fmgraph.model import Work

LIBRARY = Path(__file__).parent / "fixtures" / "csl" / "library.json"


def test_one_reading_per_item_in_file_order_with_lines() -> None:
    session = parse_csl_json(LIBRARY, "2099-S9", "further")
    assert session.code == "2099-S9" and not session.complete
    assert [r.line for r in session.readings] == [2, 15, 23, 30, 36]
    assert {r.role for r in session.readings} == {"further"}


def test_an_arxiv_item_gives_id_url_authors_and_year() -> None:
    work = parse_csl_json(LIBRARY, "S1").readings[0].work
    assert work == Work(
        id="",
        title="Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
        urls=["https://arxiv.org/abs/2305.18290"],
        arxiv="2305.18290",
        authors=["Rafael Rafailov", "Archit Sharma"],
        authors_truncated=True,
        year=2023,
        kind="paper",
    )


def test_doi_container_title_mention_and_kind_from_url() -> None:
    readings = parse_csl_json(LIBRARY, "S1").readings
    parrots, scaling, vllm, untitled = (r.work for r in readings[1:])
    assert (parrots.doi, parrots.year, parrots.kind) == ("10.1145/3442188.3445922", 2021, "paper")
    assert parrots.authors == ["Emily M. Bender", "Timnit Gebru"]
    assert (scaling.arxiv, scaling.urls) == ("2001.08361", ["https://arxiv.org/abs/2001.08361"])
    assert vllm.kind == "code-repository"
    assert untitled.title == "untitledItem"
    assert [p.message for p in readings[4].problems] == ["item has no title; named after its id"]


def test_not_a_list_of_items_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"title": "one"}', encoding="utf-8")
    with pytest.raises(DataError, match="CSL-JSON is a list of items") as caught:
        parse_csl_json(path, "S1")
    assert caught.value.exit_code == 3 and str(path) in str(caught.value)
    path.write_text("[{]", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        parse_csl_json(path, "S1")


def test_bad_session_code_or_role_is_refused() -> None:
    with pytest.raises(FmgraphError, match="session code"):
        parse_csl_json(LIBRARY, "no spaces")
    with pytest.raises(FmgraphError, match="role"):
        parse_csl_json(LIBRARY, "S1", "optional")
