"""`import site`: every fixture format gives exactly the sessions and readings of its table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fmgraph.errors import DataError
from fmgraph.importing.identifiers import paper_key
from fmgraph.importing.readings import title_of_text
from fmgraph.importing.records import ImportedReading
from fmgraph.importing.site import detect, find_site_files, read_site
from fmgraph.names import normalize

SITE = Path(__file__).parent / "fixtures" / "site"
FORMATS = ["data", "docs-theme", "holdout", "html", "jekyll", "markdown"]


def _key(reading: ImportedReading) -> str | None:
    work = reading.work
    if work.arxiv:
        return f"arxiv:{work.arxiv}"
    if work.doi:
        return f"doi:{work.doi.lower()}"
    return next((k for k in map(paper_key, work.urls) if k), None)


def _seen(reading: ImportedReading, wanted: dict[str, Any]) -> dict[str, Any]:
    """A parsed reading as the table writes it; titles compared only where there is no id."""
    title = reading.work.title if wanted.get("id") is None else wanted["title"]
    return {"role": reading.role, "title": normalize(title), "id": _key(reading)}


@pytest.mark.parametrize("name", FORMATS)
def test_each_format_gives_the_sessions_and_readings_a_person_sees(name: str) -> None:
    folder = SITE / name
    table = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    read = read_site([folder])
    got = [(Path(s.file).relative_to(folder).as_posix(), s.code, s.title) for s in read.sessions]
    assert got == [(r["file"], r["code"], r["title"]) for r in table["sessions"]]
    for session, row in zip(read.sessions, table["sessions"], strict=True):
        wanted = [
            {"role": e["role"], "title": normalize(e["title"]), "id": e.get("id")}
            for e in row["readings"]
        ]
        assert len(session.readings) == len(wanted), session.code
        seen = [_seen(r, w) for r, w in zip(session.readings, row["readings"], strict=True)]
        assert seen == wanted, session.code
    assert sum(f.links_left_out for f in read.files) == table["links_left_out"]


def test_the_site_reader_reads_the_fixture_posts_like_the_posts_reader() -> None:
    from fmgraph.importing.posts import parse_post

    folder = Path(__file__).parent / "fixtures" / "posts" / "good"
    for path in sorted(folder.glob("*.md")):
        post = parse_post(path)
        (site,) = read_site([path]).sessions
        assert (site.code, site.title, site.date, site.tags) == (
            post.code,
            post.title,
            post.date,
            post.tags,
        )
        assert [(r.role, normalize(r.work.title), r.work.arxiv) for r in site.readings] == [
            (r.role, normalize(r.work.title), r.work.arxiv) for r in post.readings
        ]


def test_a_shared_code_with_another_title_becomes_a_new_session_with_one_warning() -> None:
    read = read_site([SITE / "jekyll"])
    assert [s.code for s in read.sessions] == ["SEM-01", "SEM-01-2", "SEM-01"]
    warnings = [p for p in read.problems if "shared by" in p.message]
    assert len(warnings) == 1
    assert warnings[0].message == (
        "code is shared by 2 sources with different titles or dates; imported as SEM-01, SEM-01-2"
    )


def test_course_prefix_and_role_override(tmp_path: Path) -> None:
    read = read_site([SITE / "markdown"], course="EFF", role="further")
    assert [s.code for s in read.sessions] == ["EFF-L05", "EFF-L06"]
    assert {r.role for s in read.sessions for r in s.readings} == {"further"}


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "[Survey] A Field Guide to Sparse Mixtures (ICML'24): why it collapses",
            "A Field Guide to Sparse Mixtures",
        ),
        (
            "Levy and Goldberg (2014), Neural Word Embedding as Implicit Matrix Factorization",
            "Neural Word Embedding as Implicit Matrix Factorization",
        ),
        (
            "Constitutional AI: Harmlessness from AI Feedback. Yuntao Bai, Saurav Kadavath.",
            "Constitutional AI: Harmlessness from AI Feedback",
        ),
        (
            "A notebook that builds a tiny search engine at",
            "A notebook that builds a tiny search engine",
        ),
        ("; and GShard, ", "GShard"),
        (
            'Chen, Mark, et al. "Evaluating large language models trained on code." arXiv',
            "Evaluating large language models trained on code",
        ),
        ("Direct Preference Optimization, NeurIPS 2023", "Direct Preference Optimization"),
        (
            "Smith, J. (2020). A Study of Things in Depth. Journal of Stuff.",
            "A Study of Things in Depth",
        ),
    ],
)
def test_titles_from_text_drop_tags_venues_bylines_and_notes(text: str, title: str) -> None:
    assert title_of_text(text) == title


def test_site_files_skip_build_output_hidden_folders_and_data_outside_data(
    tmp_path: Path,
) -> None:
    for name in ["a.md", "_site/b.md", ".git/c.md", "_data/l.yml", "config.yml", "d.html", "e.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in find_site_files([tmp_path])]
    assert found == ["_data/l.yml", "a.md", "d.html"]
    assert [detect(Path(n)) for n in ("x.markdown", "x.htm", "x.json", "x.txt")] == [
        "markdown",
        "html",
        "data",
        None,
    ]


def test_a_site_without_lectures_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "about.md").write_text("# About\n\nNothing to read here.\n", encoding="utf-8")
    with pytest.raises(DataError, match="no lecture or reading list found"):
        read_site([tmp_path])


def test_a_broken_data_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "_data"
    data.mkdir()
    (data / "lectures.yml").write_text("- title: A\n  readings: [x\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_site([tmp_path])
    problem = caught.value.problems[0]
    assert problem.file.endswith("lectures.yml") and problem.line is not None
    assert caught.value.exit_code == 3


def test_bylines_give_authors_year_and_whether_the_list_is_complete() -> None:
    (session,) = read_site([SITE / "docs-theme" / "lectures" / "attention.md"]).sessions
    works = [r.work for r in session.readings]
    assert [(w.authors[:2], w.authors_truncated, w.year) for w in works] == [
        (["Dzmitry Bahdanau", "Kyunghyun Cho"], False, 2014),
        (["Ashish Vaswani", "Noam Shazeer"], True, 2017),
        (["Minh-Thang Luong", "Hieu Pham"], False, 2015),
    ]


def test_bare_links_under_a_heading_that_names_a_group_are_readings_of_their_own(
    tmp_path: Path,
) -> None:
    page = tmp_path / "week-07.md"
    page.write_text(
        "# Week 7\n\n## Readings\n\n### High-impact papers\n\n"
        "- https://arxiv.org/abs/2101.03961\n- https://arxiv.org/pdf/2202.08906v2.pdf\n\n"
        "### Attention Is All You Need\n\n- https://arxiv.org/abs/1706.03762\n",
        encoding="utf-8",
    )
    (session,) = read_site([page]).sessions
    assert [(r.work.title, r.work.arxiv) for r in session.readings] == [
        ("arXiv 2101.03961", "2101.03961"),
        ("arXiv 2202.08906", "2202.08906"),
        ("Attention Is All You Need", "1706.03762"),
    ]


def test_a_markdown_schedule_table_gives_one_session_per_class(tmp_path: Path) -> None:
    page = tmp_path / "schedule.md"
    page.write_text(
        "---\ntitle: Schedule\n---\n\n"
        "| # | Date | Topic | Readings | Optional |\n|---|---|---|---|---|\n"
        "| 1 | 2025-09-02 | Intro | [Attention Is All You Need]"
        "(https://arxiv.org/abs/1706.03762) | |\n"
        "| | 2025-09-04 | No class: holiday | | |\n"
        "| 2 | 2025-09-09 | Scaling | [Scaling Laws for Neural Language Models]"
        "(https://arxiv.org/pdf/2001.08361.pdf) | [slides](slides/2.pdf) |\n",
        encoding="utf-8",
    )
    read = read_site([page])
    assert [(s.code, s.title, str(s.date)) for s in read.sessions] == [
        ("L01", "Intro", "2025-09-02"),
        ("L02", "Scaling", "2025-09-09"),
    ]
    assert [[r.work.arxiv for r in s.readings] for s in read.sessions] == [
        ["1706.03762"],
        ["2001.08361"],
    ]
    assert read.files[0].links_left_out == 1


def test_lectures_listed_inside_weeks_are_one_list(tmp_path: Path) -> None:
    data = tmp_path / "_data"
    data.mkdir()
    (data / "schedule.yml").write_text(
        "- week: 1\n  date: 2025-01-06\n  lectures:\n"
        "    - title: Intro\n      readings: ['[BERT](https://aclanthology.org/N19-1423/)']\n"
        "    - title: Tokens\n      date: 2025-01-08\n"
        "      readings: ['[BPE](https://aclanthology.org/P16-1162/)']\n",
        encoding="utf-8",
    )
    read = read_site([tmp_path])
    assert [(s.code, s.title, str(s.date)) for s in read.sessions] == [
        ("2025-01-06", "Intro", "2025-01-06"),
        ("2025-01-08", "Tokens", "2025-01-08"),
    ]


def test_a_desc_that_is_a_description_is_no_code(tmp_path: Path) -> None:
    page = tmp_path / "lecture-3.md"
    page.write_text(
        "---\ntitle: Attention\ndesc: An overview of attention\n---\n\n## Readings\n\n"
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n",
        encoding="utf-8",
    )
    assert [s.code for s in read_site([page]).sessions] == ["L03"]


def test_role_labels_in_a_section_or_a_cell_change_the_role(tmp_path: Path) -> None:
    page = tmp_path / "week-08.md"
    page.write_text(
        "# Week 8\n\n## Readings\n\n**Required:**\n\n"
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762)\n\n"
        "**Optional:**\n\n- [Scaling Laws for Neural Language Models]"
        "(https://arxiv.org/abs/2001.08361)\n",
        encoding="utf-8",
    )
    (session,) = read_site([page]).sessions
    assert [(r.role, r.work.arxiv) for r in session.readings] == [
        ("required", "1706.03762"),
        ("further", "2001.08361"),
    ]
    schedule = tmp_path / "schedule.html"
    schedule.write_text(
        "<table><tr><th>Topic</th><th>Readings</th></tr><tr><td>Intro</td><td>"
        '<a href="https://arxiv.org/abs/1706.03762">Attention</a><br>'
        'Optional: <a href="https://arxiv.org/abs/2001.08361">Scaling laws</a></td></tr>'
        "</table>",
        encoding="utf-8",
    )
    (row,) = read_site([schedule]).sessions
    assert [(r.role, r.work.title) for r in row.readings] == [
        ("required", "Attention"),
        ("further", "Scaling laws"),
    ]


def test_an_html_div_holding_only_a_link_is_read_like_a_paragraph(tmp_path: Path) -> None:
    page = tmp_path / "lecture-2.html"
    page.write_text(
        "<html><head><title>Lecture 2</title></head><body><h2>Readings</h2>"
        '<div class="paper"><a href="https://arxiv.org/abs/1706.03762">Attention Is All You '
        'Need</a></div><div class="paper"><span>Scaling Laws for Neural Language Models</span> '
        '<a href="https://arxiv.org/pdf/2001.08361">pdf</a></div></body></html>',
        encoding="utf-8",
    )
    (session,) = read_site([page]).sessions
    assert [(r.work.title, r.work.arxiv) for r in session.readings] == [
        ("Attention Is All You Need", "1706.03762"),
        ("Scaling Laws for Neural Language Models", "2001.08361"),
    ]
