from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fmgraph.errors import DataError
from fmgraph.importing.identifiers import arxiv_id, canonical_url, guess_kind, normalize_url
from fmgraph.importing.posts import find_posts, parse_post, parse_posts
from fmgraph.importing.records import ImportedReading
from fmgraph.importing.text import authors_of, clean_title, section_role, year_of

POSTS = Path(__file__).parent / "fixtures" / "posts"
EXPECTED = POSTS / "expected.yaml"


def _post(tmp_path: Path, body: str, front: str = "title: A session\ndesc: 2099-S1\n") -> Path:
    path = tmp_path / "post.md"
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def _seen(reading: ImportedReading) -> dict[str, Any]:
    work = reading.work
    return {
        "role": reading.role,
        "title": work.title,
        "arxiv": work.arxiv,
        "urls": work.urls,
        "authors": work.authors,
        "year": work.year,
        "doi": work.doi,
        "kind": work.kind,
    }


def _table_row(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "role": entry["role"],
        "title": entry["title"],
        "arxiv": str(entry["arxiv"]) if entry.get("arxiv") else None,
        "urls": list(entry.get("urls", [])),
        "authors": list(entry.get("authors", [])),
        "year": entry.get("year"),
        "doi": entry.get("doi"),
        "kind": entry.get("kind", "paper"),
    }


def test_every_fixture_post_gives_exactly_the_readings_a_reader_sees() -> None:
    table = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
    assert sorted(table) == sorted(p.name for p in (POSTS / "good").glob("*.md"))
    total = 0
    for name, row in sorted(table.items()):
        session = parse_post(POSTS / "good" / name)
        assert (session.code, session.title, session.collection) == (
            row["code"],
            row["title"],
            row.get("collection"),
        ), name
        assert str(session.date) == str(row["date"]) and session.tags == row.get("tags", [])
        assert [_seen(r) for r in session.readings] == [_table_row(e) for e in row["readings"]]
        total += len(row["readings"])
    assert total == 24


def test_crlf_and_byte_order_mark_parse_like_plain_lines(tmp_path: Path) -> None:
    source = POSTS / "good" / "2024-03-07-agents.md"
    plain = parse_post(source)
    crlf = tmp_path / source.name
    crlf.write_bytes(b"\xef\xbb\xbf" + source.read_bytes().replace(b"\n", b"\r\n"))
    twin = parse_post(crlf)
    assert twin.code == plain.code and twin.title == plain.title
    assert [(r.role, r.line, r.work) for r in twin.readings] == [
        (r.role, r.line, r.work) for r in plain.readings
    ]


def test_stored_crlf_fixture_keeps_line_numbers() -> None:
    session = parse_post(POSTS / "good" / "2024-03-05-scaling.md")
    assert [r.line for r in session.readings] == [18, 24, 32, 36]


def test_excerpt_marker_and_blog_heading_end_the_reading_list() -> None:
    ids = [
        r.work.arxiv
        for name in ("2024-03-05-scaling.md", "2024-03-07-agents.md")
        for r in parse_post(POSTS / "good" / name).readings
    ]
    assert "1111.11111" not in ids and "2222.22222" not in ids


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2305.18290",
        "https://arxiv.org/abs/2305.18290v2",
        "http://arxiv.org/abs/2305.18290v2/",
        "https://www.arxiv.org/pdf/2305.18290",
        "https://arxiv.org/pdf/2305.18290v1.pdf",
        "https://arxiv.org/html/2305.18290v3",
        "https://export.arxiv.org/abs/2305.18290",
    ],
)
def test_arxiv_abs_pdf_and_html_urls_give_one_canonical_id(url: str) -> None:
    assert arxiv_id(url) == "2305.18290"
    assert canonical_url(url) == "https://arxiv.org/abs/2305.18290"
    assert normalize_url(url) == "arxiv:2305.18290"


def test_old_style_arxiv_ids_are_recognised() -> None:
    assert arxiv_id("https://arxiv.org/abs/hep-th/9901001v2") == "hep-th/9901001"
    assert arxiv_id("https://arxiv.org/abs/math.GT/0309136") == "math.GT/0309136"
    assert arxiv_id("https://example.org/abs/2305.18290") is None


def test_urls_compare_without_scheme_www_fragment_or_trailing_slash() -> None:
    assert normalize_url("http://www.Example.org/a/?utm_source=x#top") == normalize_url(
        "https://example.org/a"
    )
    assert normalize_url("https://openreview.net/pdf?id=Abc") == normalize_url(
        "https://openreview.net/forum?id=Abc"
    )
    assert normalize_url("https://example.org/a?page=2") != normalize_url("https://example.org/a")


@pytest.mark.parametrize(
    ("heading", "level", "role"),
    [
        ("Required Readings:", 2, "required"),
        ("Require Readings", 2, "required"),
        ("Requried readings", 2, "required"),
        ("REQUIRED READINGS", 2, "required"),
        ("Readings:", 2, "required"),
        ("readings", 2, "required"),
        ("More Readings:", 2, "further"),
        ("More readings", 2, "further"),
        ("Extra Readings", 2, "further"),
        ("EXTRA READINGS", 2, "further"),
        ("Even More", 2, "further"),
        ("further reading", 2, "further"),
        ("Readings", 3, "required"),
        ("Extra Trees", 3, None),
        ("Reading Comprehension Benchmarks", 3, None),
        ("Section 1: Benchmarking", 2, None),
        ("Leading models", 2, None),
    ],
)
def test_section_headings_give_roles(heading: str, level: int, role: str | None) -> None:
    assert section_role(heading, level) == role


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        (
            "- Llama 2: Open Foundation and Fine-Tuned Chat Models",
            "Llama 2: Open Foundation and Fine-Tuned Chat Models",
        ),
        ("related: Reflexion: Language Agents /", "Reflexion: Language Agents"),
        ("Basics of ML and DL:", "Basics of ML and DL"),
        ("**Masked Autoencoders**  ", "Masked Autoencoders"),
        ("1. Attention Is All You Need", "Attention Is All You Need"),
        ("Mixtral 8x7B - ", "Mixtral 8x7B"),
    ],
)
def test_headings_are_cleaned_into_titles(raw: str, title: str) -> None:
    assert clean_title(raw) == title


def test_urls_lose_what_sloppy_markdown_sticks_to_them(tmp_path: Path) -> None:
    body = (
        "## Readings\n### A reading\n"
        "+ https://example.org/one)\n"
        "+ https://example.org/two|\n"
        "+ see https://en.wikipedia.org/wiki/Transformer_(deep_learning).\n"
        "+ [https://example.org/three](https://example.org/three)\n"
        "+ <https://example.org/four>\n"
        '+ <img src="https://example.org/picture.png"> ![a figure](https://example.org/fig.png)\n'
    )
    (reading,) = parse_post(_post(tmp_path, body)).readings
    assert reading.work.urls == [
        "https://example.org/one",
        "https://example.org/two",
        "https://en.wikipedia.org/wiki/Transformer_(deep_learning)",
        "https://example.org/three",
        "https://example.org/four",
    ]


@pytest.mark.parametrize(
    ("urls", "kind"),
    [
        (["https://arxiv.org/abs/2305.18290", "https://huggingface.co/blog/dpo-trl"], "paper"),
        (["https://openreview.net/forum?id=x"], "paper"),
        (["https://aclanthology.org/2020.emnlp-main.550/"], "paper"),
        (["https://github.com/org/repo"], "code-repository"),
        (["https://medium.com/@a/post"], "blog-post"),
        (["https://someone.substack.com/p/x"], "blog-post"),
        (["https://www.anthropic.com/news/evaluating-ai-systems"], "blog-post"),
        (["https://huggingface.co/spaces/lmsys/chatbot-arena-leaderboard"], "leaderboard"),
        (["https://example.edu/lectures/week1.pdf"], "lecture-notes"),
        (["https://hai.stanford.edu/generative-ai"], "web-page"),
        ([], "paper"),
    ],
)
def test_kind_is_guessed_from_urls(urls: list[str], kind: str) -> None:
    assert guess_kind(urls) == kind


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Authors: Ada Lovelace, Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("by Grace Hopper", ["Grace Hopper"]),
        ("Ze Liu; Yutong Lin; Han Hu", ["Ze Liu", "Yutong Lin", "Han Hu"]),
        (
            "Tom B. Brown, Benjamin Mann and Nick Ryder",
            ["Tom B. Brown", "Benjamin Mann", "Nick Ryder"],
        ),
        ("Ashish Vaswani, Noam Shazeer, et al.", ["Ashish Vaswani", "Noam Shazeer"]),
        ("Typical NLP tasks / Challenges / Pipeline", None),
        ("Attention", None),
        ("Mistral, Mixtral", None),
        ("We introduce a model, Mistral 7B, that beats Llama 2", None),
        ('"a quoted note, with commas"', None),
    ],
)
def test_author_lines_are_told_from_notes(line: str, names: list[str] | None) -> None:
    assert authors_of(line) == names


@pytest.mark.parametrize(
    ("line", "year"),
    [
        ("[Submitted on 23 Jan 2020]", 2020),
        ("Submitted on 2 Oct 2023 (v1), last revised 4 Jan 2024", 2023),
        ("Date: 1998", 1998),
        ("May 2021", 2021),
        ("2022-05-29", 2022),
        ("We trained 2023 models", None),
    ],
)
def test_dates_give_years(line: str, year: int | None) -> None:
    assert year_of(line) == year


def test_reading_without_url_is_kept_and_reported(tmp_path: Path) -> None:
    session = parse_post(_post(tmp_path, "## Readings\n\n### A book with no link\n- a note\n"))
    (reading,) = session.readings
    assert reading.work.title == "A book with no link" and reading.work.urls == []
    assert [str(p) for p in reading.problems] == [
        f"{tmp_path / 'post.md'}:7: reading 'A book with no link': "
        "no URL found; imported with its title only"
    ]


def test_reading_before_any_section_is_required_and_reported(tmp_path: Path) -> None:
    body = (
        "### Early\n- https://example.org/e\n## More Readings\n### Late\n- https://example.org/l\n"
    )
    early, late = parse_post(_post(tmp_path, body)).readings
    assert (early.role, late.role) == ("required", "further")
    assert "before any reading section" in early.problems[0].message
    assert late.problems == []


def test_readings_under_an_unknown_group_heading_are_reported(tmp_path: Path) -> None:
    body = "## More Readings\n## Slides\n### Lecture slides\n- https://example.org/slides.pdf\n"
    (reading,) = parse_post(_post(tmp_path, body)).readings
    assert reading.role == "further" and reading.work.title == "Lecture slides"
    assert "'Slides', which names no reading section" in reading.problems[0].message


def test_a_list_of_links_gives_one_reading_per_link(tmp_path: Path) -> None:
    body = (
        "## Readings\n- [First paper](https://arxiv.org/abs/2101.00001)\n"
        "  - a note on it\n- [Second paper](https://example.org/second)\n"
    )
    first, second = parse_post(_post(tmp_path, body)).readings
    assert (first.work.title, second.work.title) == ("First paper", "Second paper")
    assert first.problems == [] and second.problems == []


def test_several_arxiv_ids_in_one_reading_keep_the_first_and_report(tmp_path: Path) -> None:
    body = "## Readings\n### Two papers\n- https://arxiv.org/abs/2101.00001\n- arXiv:2101.00002\n"
    (reading,) = parse_post(_post(tmp_path, body)).readings
    assert reading.work.arxiv == "2101.00001"
    assert reading.problems[0].message == (
        "names several arXiv ids (2101.00001, 2101.00002); the work takes 2101.00001"
    )


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("tags: Agents Tool-Use\n", ["Agents", "Tool-Use"]),
        ("tags: Human Alignment, RL\n", ["Human Alignment", "RL"]),
        ("tags: [Human Alignment, RL]\n", ["Human Alignment", "RL"]),
        ("tags:\n  - Human Alignment\n", ["Human Alignment"]),
        ("", []),
    ],
)
def test_tags_may_be_a_list_or_a_string(tmp_path: Path, tags: str, expected: list[str]) -> None:
    path = _post(tmp_path, "", front=f"title: T\ndesc: 2099-S1\n{tags}")
    assert parse_post(path).tags == expected


def test_date_comes_from_front_matter_or_file_name(tmp_path: Path) -> None:
    dated = tmp_path / "2024-02-06-alignment.md"
    dated.write_text("---\ntitle: T\ndesc: 2099-S1\n---\n", encoding="utf-8")
    assert str(parse_post(dated).date) == "2024-02-06"
    path = _post(tmp_path, "", front="title: T\ndesc: 2099-S1\ndate: 2024-01-23 10:00:00\n")
    assert str(parse_post(path).date) == "2024-01-23"
    bad = _post(tmp_path, "", front="title: T\ndesc: 2099-S1\ndate: someday\n")
    session = parse_post(bad)
    assert session.date is None and "not a date" in session.problems[0].message


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("no-front-matter.md", 1, "no front matter"),
        ("broken-front-matter.md", 5, "front matter is not valid YAML"),
        ("unclosed-front-matter.md", 1, "front matter is not closed"),
        ("no-session-code.md", 1, "no 'desc' with the session code"),
    ],
)
def test_bad_front_matter_is_an_error_at_file_and_line(name: str, line: int, message: str) -> None:
    path = POSTS / "bad" / name
    with pytest.raises(DataError) as info:
        parse_post(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == (str(path), line)
    assert message in problem.message


def test_desc_that_is_no_code_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = _post(tmp_path, "", front="title: T\ndesc: a long description\n")
    with pytest.raises(DataError) as info:
        parse_post(path)
    assert str(info.value).startswith(f"{path}:3: desc 'a long description' is not a session")


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("---\ntitle: caf\xe9\ndesc: X\n---\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        parse_post(path)


def test_every_bad_post_is_reported_at_once() -> None:
    with pytest.raises(DataError) as info:
        parse_posts([POSTS / "bad"])
    assert sorted(Path(p.file).name for p in info.value.problems) == sorted(
        p.name for p in (POSTS / "bad").glob("*.md")
    )


def test_folders_are_searched_for_posts_in_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/2.md", "1.markdown", ".hidden/3.md", "notes.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in find_posts([tmp_path])] == [
        "1.markdown",
        "b/2.md",
    ]


def test_progress_is_reported_per_post() -> None:
    messages: list[str] = []
    parse_posts([POSTS / "good"], progress=messages.append)
    assert messages[0].startswith("reading post 1/4: ")
    assert len(messages) == 4


def test_html_comments_over_several_lines_are_skipped(tmp_path: Path) -> None:
    body = (
        "## Readings\n### Kept\n- https://example.org/kept <!-- inline -->\n"
        "<!-- a comment that\n### Hidden\n- https://example.org/hidden\nends here -->\n"
        "### Also kept\n- https://example.org/also\n"
    )
    readings = parse_post(_post(tmp_path, body)).readings
    assert [r.work.title for r in readings] == ["Kept", "Also kept"]
    assert readings[0].work.urls == ["https://example.org/kept"]


def test_fenced_code_is_not_read(tmp_path: Path) -> None:
    body = "## Readings\n```\n### Not a reading\n- https://example.org/code\n```\n"
    assert parse_post(_post(tmp_path, body)).readings == []
