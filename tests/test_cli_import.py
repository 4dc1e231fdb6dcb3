from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fmgraph.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "posts" / "good"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _post(tmp_path: Path) -> Path:
    path = tmp_path / "2024-05-01-small.md"
    path.write_text(
        "---\ntitle: Small\ndesc: X-1\ntags: Tiny\n---\n"
        "## Readings\n### A paper\n- https://arxiv.org/abs/2101.00001v2\n"
        "## More Readings\n### Some page with no link\n- just a note\n",
        encoding="utf-8",
    )
    return path


def test_import_posts_prints_a_summary_and_writes_the_files(tmp_path: Path) -> None:
    post, target = _post(tmp_path), tmp_path / "d"
    result = _run("--data", str(target), "import", "posts", str(post))
    assert result.exit_code == 0
    assert result.stdout == (
        f"Read 1 source with 2 readings into {target}\n"
        "  file                 format  sessions  readings  added  merged  left out\n"
        "  -------------------  ------  --------  --------  -----  ------  --------\n"
        "  2024-05-01-small.md  post    1         2         2      0       0\n"
        "Added: 1 sessions, 2 works, 1 topics, 2 readings. Updated: 0 sessions, 0 works. "
        "Merged into existing works: 0.\n"
        "Reported (1):\n"
        f"  {post}:10: reading 'Some page with no link': no URL found; imported with its "
        "title only\n"
        "Wrote: imported-sessions.yaml, imported-topics.yaml, imported-works.yaml\n"
    )
    assert "rendering data files" in result.stderr
    again = _run("--data", str(target), "import", "posts", str(post))
    assert again.exit_code == 0
    assert again.stdout.splitlines()[4] == (
        "Nothing to change: the data directory already holds all of it."
    )


def test_verbose_lists_every_change(tmp_path: Path) -> None:
    post, target = _post(tmp_path), tmp_path / "d"
    result = _run("--data", str(target), "import", "posts", str(post), "--verbose")
    assert result.exit_code == 0
    assert (
        "Merged into existing works: 0.\n"
        "  + topic tiny: Tiny  [imported-topics.yaml]\n"
        "  + work arxiv-2101.00001: paper: A paper  [imported-works.yaml]\n"
        "  + work some-page-with-no-link: paper: Some page with no link  [imported-works.yaml]\n"
        "  + session X-1: Small (1 required, 1 further)  [imported-sessions.yaml]\n"
    ) in result.stdout


def test_the_summary_of_many_files_stays_on_one_screen(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    for i in range(30):
        (posts / f"p{i:02d}.md").write_text(
            f"---\ntitle: P{i}\ndesc: P-{i}\n---\n## Readings\n### Only a title {i}\n- note\n",
            encoding="utf-8",
        )
    result = _run("--data", str(tmp_path / "d"), "import", "posts", str(posts))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) <= 50
    assert lines[3] == "  p00.md  post    1         1         1      0       0"
    assert "  … and 10 more files (--verbose)" in lines
    assert "  … and 10 more (--verbose)" in lines


def test_imported_directory_validates_builds_and_exports(tmp_path: Path) -> None:
    target = tmp_path / "course"
    assert _run("--data", str(target), "import", "posts", str(GOOD)).exit_code == 0
    bib = FIXTURES / "bib" / "readings.bib"
    result = _run("--data", str(target), "import", "bibtex", str(bib), "--session", "2099-S3")
    assert result.exit_code == 0
    validate = _run("--data", str(target), "validate")
    assert (validate.exit_code, validate.stdout) == (0, f"{target}: no problems found\n")
    exported = _run("--data", str(target), "export", "--format", "turtle")
    assert exported.exit_code == 0
    assert "<https://w3id.org/fmgraph/id/reading/2099-S3/1> a fm:Reading" in exported.stdout
    shown = _run("--data", str(target), "show", "2099-S2", "--format", "json")
    assert shown.exit_code == 0


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "d"
    result = _run("--data", str(target), "import", "posts", str(GOOD), "--dry-run")
    assert result.exit_code == 0 and not target.exists()
    lines = result.stdout.splitlines()
    assert lines[0] == f"Read 4 sources with 24 readings into {target} (dry run: nothing written)"
    assert (
        lines[-1]
        == "Would write: imported-sessions.yaml, imported-topics.yaml, imported-works.yaml"
    )


def test_a_bad_post_exits_3_naming_file_and_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = FIXTURES / "posts" / "bad" / "broken-front-matter.md"
    target = tmp_path / "d"
    result = _run("--data", str(target), "import", "posts", str(GOOD), str(bad))
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1].startswith(
        f"Error: {bad}:5: front matter is not valid YAML"
    )
    assert not target.exists()


def test_import_needs_a_data_directory() -> None:
    result = _run("import", "posts", str(GOOD))
    assert result.exit_code == 2
    assert "give it with --data DIR" in result.stderr


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("--data", str(tmp_path), "import", "posts", str(tmp_path / "nope.md"))
    assert result.exit_code == 2


def test_json_output_is_the_result_record(tmp_path: Path) -> None:
    result = _run(
        "--data", str(tmp_path / "d"), "import", "posts", str(_post(tmp_path)), "--format", "json"
    )
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert sorted(record) == [
        "changes",
        "data_dir",
        "dry_run",
        "files",
        "files_written",
        "links",
        "readings_added",
        "readings_read",
        "reported",
        "sessions_added",
        "sessions_updated",
        "sources",
        "topics_added",
        "works_added",
        "works_reused",
        "works_updated",
    ]
    assert record["changes"][0] == {
        "action": "add",
        "kind": "topic",
        "id": "tiny",
        "detail": "Tiny",
        "file": "imported-topics.yaml",
    }
    assert sorted(record["reported"][0]) == ["entry", "file", "line", "message"]
    assert record["files"] == [
        {
            "file": str(_post(tmp_path)),
            "format": "post",
            "sessions": 1,
            "readings": 2,
            "links_left_out": 0,
            "works_added": 2,
            "works_merged": 0,
        }
    ]


def test_import_bibtex_adds_readings_to_a_session(tmp_path: Path) -> None:
    target, bib = tmp_path / "d", FIXTURES / "bib" / "readings.bib"
    result = _run(
        "--data",
        str(target),
        "import",
        "bibtex",
        str(bib),
        "--session",
        "R-1",
        "--role",
        "further",
    )
    assert result.exit_code == 0
    assert "Added: 1 sessions, 7 works, 0 topics, 7 readings." in result.stdout
    assert "session 'R-1': is a new session; it is titled by its code" in result.stdout


def test_bibtex_with_a_bad_session_code_exits_2(tmp_path: Path) -> None:
    bib = FIXTURES / "bib" / "readings.bib"
    result = _run("--data", str(tmp_path), "import", "bibtex", str(bib), "--session", "a b")
    assert result.exit_code == 2
    assert "session code 'a b' is not like 2024-S5" in result.stderr


def test_link_concepts_prints_proposals(tiny_copy: Path, tmp_path: Path) -> None:
    post = tmp_path / "p.md"
    post.write_text(
        "---\ntitle: T\ndesc: T-9\n---\n## Readings\n### Cheap LoRA tricks\n- https://x.org/a\n",
        encoding="utf-8",
    )
    result = _run("--data", str(tiny_copy), "import", "posts", str(post), "--link-concepts")
    assert result.exit_code == 0
    assert (
        "Concept links (1, proposed; --write-links writes them):\n"
        "  cheap-lora-tricks discusses lora  "
        "(title words 'LoRA' match 'LoRA'; the title names it)\n"
    ) in result.stdout


@pytest.mark.parametrize("command", [[], ["posts"], ["bibtex"], ["site"], ["csl-json"]])
def test_every_import_command_has_help_with_an_example(command: list[str]) -> None:
    result = _run("import", *command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "fmgraph --data" in result.stdout


SITE = FIXTURES / "site"


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_import_site_writes_every_format_and_a_second_run_changes_no_byte(tmp_path: Path) -> None:
    target = tmp_path / "course"
    folders = [str(SITE / name) for name in ("data", "docs-theme", "html", "jekyll", "markdown")]
    first = _run("--data", str(target), "import", "site", *folders)
    assert first.exit_code == 0, first.output
    before = _files(target)
    assert sorted(before) == [
        "imported-sessions.yaml",
        "imported-topics.yaml",
        "imported-works.yaml",
    ]
    validated = _run("--data", str(target), "validate")
    assert validated.exit_code == 0, validated.output
    again = _run("--data", str(target), "import", "site", *folders)
    assert again.exit_code == 0
    assert "Nothing to change" in again.stdout
    assert _files(target) == before


def test_import_site_with_course_prefix_and_role(tmp_path: Path) -> None:
    target = tmp_path / "course"
    result = _run(
        "--data", str(target), "import", "site", str(SITE / "markdown"),
        "--course", "EFF", "--role", "further", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["sessions_added"] == ["EFF-L05", "EFF-L06"]
    assert record["files"][0]["format"] == "markdown"
    catalog_text = (target / "imported-sessions.yaml").read_text(encoding="utf-8")
    assert "required:" not in catalog_text and "further:" in catalog_text


def test_import_site_on_a_folder_without_lectures_exits_3(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "about.md").write_text("# About\n", encoding="utf-8")
    result = _run("--data", str(tmp_path / "d"), "import", "site", str(tmp_path / "site"))
    assert result.exit_code == 3
    assert "no lecture or reading list found" in result.output
    assert not (tmp_path / "d").exists()


def test_import_csl_json_adds_readings_and_merges_known_works(tmp_path: Path) -> None:
    target = tmp_path / "d"
    library = FIXTURES / "csl" / "library.json"
    result = _run("--data", str(target), "import", "csl-json", str(library), "--session", "Z-1")
    assert result.exit_code == 0, result.output
    assert "Added: 1 sessions, 5 works, 0 topics, 5 readings." in result.stdout
    from fmgraph.loader import load_catalog

    works = load_catalog(target).works
    assert works["arxiv-2305.18290"].authors_truncated  # "others" in the export
    assert not works["arxiv-2001.08361"].authors_truncated
    bib = FIXTURES / "bib" / "readings.bib"
    again = _run("--data", str(target), "import", "bibtex", str(bib), "--session", "Z-1")
    assert again.exit_code == 0, again.output
    record = json.loads(
        _run(
            "--data", str(target), "import", "csl-json", str(library), "--session", "Z-1",
            "--format", "json",
        ).stdout
    )  # fmt: skip
    assert record["changes"] == [] and record["files"][0]["format"] == "csl-json"


def test_a_course_session_the_site_no_longer_lists_is_kept_and_reported_once(
    tmp_path: Path,
) -> None:
    site, target = tmp_path / "site", tmp_path / "d"
    site.mkdir()
    for week in (1, 2):
        (site / f"week-0{week}.md").write_text(
            f"# Week {week}\n\n## Readings\n\n- [Paper {week}](https://arxiv.org/abs/2101.0000{week})\n",
            encoding="utf-8",
        )
    assert _run("--data", str(target), "import", "site", str(site), "--course", "C").exit_code == 0
    (site / "week-02.md").unlink()
    result = _run("--data", str(target), "import", "site", str(site), "--course", "C")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if "not in these sources" in line]
    assert lines == [
        f"  {target}: 1 session(s) of course C are not in these sources and were kept with "
        "their readings: C-L02"
    ]
    from fmgraph.loader import load_catalog

    assert load_catalog(target).sessions["C-L02"].required == ["arxiv-2101.00002"]
