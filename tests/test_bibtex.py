from __future__ import annotations

from pathlib import Path

import pytest

from fmgraph.errors import DataError, FmgraphError
from fmgraph.importing.bibtex import parse_bibtex
from fmgraph.model import Work

BIB = Path(__file__).parent / "fixtures" / "bib"


def _works(name: str) -> dict[str, Work]:
    session = parse_bibtex(BIB / name, "2099-S9", "further")
    return {r.work.title: r.work for r in session.readings}


def test_one_reading_per_entry_in_file_order_with_the_given_role() -> None:
    session = parse_bibtex(BIB / "readings.bib", "2099-S9", "further")
    assert session.code == "2099-S9" and session.title is None and not session.complete
    assert [r.line for r in session.readings] == [3, 12, 20, 27, 33, 40, 47]
    assert {r.role for r in session.readings} == {"further"}


def test_eprint_with_archive_prefix_gives_arxiv_id_url_and_year() -> None:
    work = _works("readings.bib")["Scaling Laws for Neural Language Models"]
    assert work == Work(
        id="",
        title="Scaling Laws for Neural Language Models",
        urls=["https://arxiv.org/abs/2001.08361"],
        arxiv="2001.08361",
        authors=["Jared Kaplan", "Sam McCandlish", "Tom Henighan"],
        year=2020,
        kind="paper",
    )


def test_arxiv_id_comes_from_a_pdf_url_or_a_journal_mention() -> None:
    works = _works("readings.bib")
    dpo = works["Direct Preference Optimization: Your Language Model is Secretly a Reward Model"]
    assert (dpo.arxiv, dpo.urls) == ("2305.18290", ["https://arxiv.org/abs/2305.18290"])
    assert dpo.authors == ["Rafael Rafailov", "Archit Sharma"]  # "and others" dropped
    assert dpo.authors_truncated and not works["Attention Is All You Need"].authors_truncated
    assert works["Attention Is All You Need"].arxiv == "1706.03762"


def test_an_arxiv_doi_gives_the_arxiv_id(tmp_path: Path) -> None:
    path = tmp_path / "doi.bib"
    path.write_text("@misc{x, title={T}, doi={10.48550/arXiv.2310.06825}}\n", encoding="utf-8")
    (reading,) = parse_bibtex(path, "S1").readings
    assert reading.work.arxiv == "2310.06825" and reading.work.doi == "10.48550/arXiv.2310.06825"


def test_latex_accents_and_braces_are_decoded() -> None:
    work = _works("readings.bib")["A Title with Braces and an Accent in Müller"]
    assert work.authors == ["Jörg Müller", "Émile Zola"]
    assert work.doi == "10.1234/example.2021.42" and work.year == 2021


def test_kind_of_a_misc_entry_follows_its_url() -> None:
    llama = _works("readings.bib")["LlamaIndex"]
    assert (llama.kind, llama.urls) == (
        "code-repository",
        ["https://github.com/run-llama/llama_index"],
    )


def test_entry_without_title_is_named_after_its_key_and_reported() -> None:
    session = parse_bibtex(BIB / "readings.bib", "2099-S9")
    reading = session.readings[-1]
    assert reading.work.title == "notitle2024"
    assert reading.work.urls == ["https://example.org/untitled-note"]
    assert [str(p) for p in session.all_problems()] == [
        f"{BIB / 'readings.bib'}:47: reading 'notitle2024': entry has no title; named after its key"
    ]


def test_a_broken_entry_is_reported_and_the_others_imported() -> None:
    session = parse_bibtex(BIB / "broken.bib", "2099-S9")
    assert [r.work.title for r in session.readings] == [
        "A Readable Entry Before a Broken One",
        "A Readable Entry After the Broken One",
    ]
    (problem,) = session.all_problems()
    assert (problem.file, problem.line) == (str(BIB / "broken.bib"), 8)
    assert problem.message.startswith("entry skipped: Unexpected block start")


def test_a_file_with_no_entry_is_an_error() -> None:
    with pytest.raises(DataError, match="no BibTeX entries found"):
        parse_bibtex(BIB / "empty.bib", "2099-S9")


@pytest.mark.parametrize(("code", "role"), [("has space", "required"), ("S1", "optional")])
def test_bad_session_code_or_role_is_refused(code: str, role: str) -> None:
    with pytest.raises(FmgraphError) as info:
        parse_bibtex(BIB / "readings.bib", code, role)
    assert info.value.exit_code == 2
