from __future__ import annotations

import pytest

from fmgraph.importing.identifiers import normalize_url, paper_key, paper_mentions


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://arxiv.org/abs/2401.01234", "arxiv:2401.01234"),
        ("https://arxiv.org/pdf/2401.01234v2.pdf", "arxiv:2401.01234"),
        ("http://arxiv.org/html/2401.01234v1", "arxiv:2401.01234"),
        ("https://export.arxiv.org/abs/hep-th/9901001", "arxiv:hep-th/9901001"),
        ("https://doi.org/10.48550/arXiv.2305.18290", "arxiv:2305.18290"),
        ("https://doi.org/10.1145/3442188.3445922", "doi:10.1145/3442188.3445922"),
        ("https://openreview.net/pdf?id=r1xMH1BtvB", "openreview:r1xMH1BtvB"),
        ("https://aclanthology.org/2023.acl-long.12.pdf", "acl:2023.acl-long.12"),
        ("https://aclanthology.org/N19-1423/", "acl:N19-1423"),
        ("https://www.aclweb.org/anthology/P19-1001.pdf", "acl:P19-1001"),
        ("https://proceedings.mlr.press/v139/radford21a.html", "pmlr:v139/radford21a"),
        ("https://proceedings.mlr.press/v139/radford21a/radford21a.pdf", "pmlr:v139/radford21a"),
        (
            "https://proceedings.neurips.cc/paper/2020/hash/"
            "1457c0d6bfcb4967418bfb8ac142f64a-Abstract.html",
            "neurips:2020/1457c0d6bfcb4967418bfb8ac142f64a",
        ),
        (
            "https://papers.nips.cc/paper_files/paper/2017/file/"
            "3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf",
            "neurips:2017/3f5ee243547dee91fbd053c1c4a845aa",
        ),
        ("https://ar5iv.labs.arxiv.org/html/2401.01234", "arxiv:2401.01234"),
        ("https://dl.acm.org/doi/10.1145/3442188.3445922", "doi:10.1145/3442188.3445922"),
        ("https://dl.acm.org/doi/pdf/10.1145/3442188.3445922", "doi:10.1145/3442188.3445922"),
        ("https://www.science.org/doi/10.1126/science.aaa8415", "doi:10.1126/science.aaa8415"),
        ("https://example.org/paper.pdf", None),
    ],
)
def test_every_page_and_file_of_a_paper_gives_its_one_key(url: str, key: str | None) -> None:
    assert paper_key(url) == key


def test_the_abstract_and_pdf_of_one_paper_compare_equal() -> None:
    assert normalize_url("https://aclanthology.org/D15-1166.pdf") == normalize_url(
        "https://aclanthology.org/D15-1166/"
    )


def test_mentions_in_text_are_found_with_their_place() -> None:
    text = "see arXiv:2401.01234v3 and doi 10.1145/123.456)."
    assert paper_mentions(text) == [
        ("https://arxiv.org/abs/2401.01234", 4, 22),
        ("https://doi.org/10.1145/123.456", 31, 46),
    ]
