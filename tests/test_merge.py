from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from fmgraph.errors import DataError, OutputError
from fmgraph.importing import (
    OWNED_FILES,
    ImportResult,
    import_bibtex,
    import_posts,
)
from fmgraph.loader import load_catalog
from fmgraph.output import import_text

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = FIXTURES / "posts" / "good"


def _post(directory: Path, name: str, front: str, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return path


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_fixture_posts_import_into_a_new_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "course"
    result = import_posts(target, [GOOD])
    assert sorted(p.name for p in target.iterdir()) == sorted(OWNED_FILES.values())
    catalog = load_catalog(target)
    assert sorted(catalog.sessions) == ["2099-S1", "2099-S2", "2099-S3", "2099-S4"]
    s2 = catalog.sessions["2099-S2"]
    assert s2.title == "Agents: planning and tools" and str(s2.date) == "2099-03-07"
    assert s2.collection == "TestCourse" and s2.topics == ["agents", "tool-use"]
    assert s2.required == [
        "arxiv-2210.03629",
        "arxiv-2302.04761",
        "arxiv-2303.11366",
        "arxiv-2304.03442",
    ]
    assert s2.further == [
        "a-survey-we-have-no-link-for-yet",
        "arxiv-2305.16291",
        "langchain-agents-documentation",
    ]
    assert catalog.topics["tool-use"].label == "Tool-Use"
    work = catalog.works["arxiv-2304.03442"]
    assert work.arxiv == "2304.03442" and work.kind == "paper"
    assert work.urls == [
        "https://arxiv.org/abs/2304.03442",
        "https://github.com/joonspk-research/generative_agents",
    ]
    assert catalog.works["arxiv-2001.08361"].authors == [
        "Jared Kaplan",
        "Sam McCandlish",
        "Tom Henighan",
    ]
    assert len(catalog.works) == 24 == len(result.works_added) == result.readings_added
    assert len(result.sessions_added) == 4 and result.files_written == sorted(OWNED_FILES.values())
    assert {Path(p.file).name for p in result.reported} == {
        "2024-03-07-agents.md",
        "2024-03-12-retrieval.md",
    }


def test_importing_the_same_posts_again_changes_nothing(tmp_path: Path) -> None:
    import_posts(tmp_path / "d", [GOOD])
    before = _snapshot(tmp_path / "d")
    again = import_posts(tmp_path / "d", [GOOD])
    assert again.changes == [] and again.files_written == []
    assert again.works_added == [] and len(again.works_reused) == 24
    assert _snapshot(tmp_path / "d") == before
    assert "Nothing to change" in import_text(again)


def test_known_works_are_reused_by_arxiv_doi_url_or_title(tiny_copy: Path, tmp_path: Path) -> None:
    body = (
        "## Readings\n"
        "### DPO, as its pdf\n- https://arxiv.org/pdf/2305.18290v3.pdf\n"
        "### Attention notes, by URL\n- http://www.example.org/notes/attention/\n"
        "### human feedback at SCALE\n- a note\n"
    )
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-9\n", body)
    result = import_posts(tiny_copy, [post])
    assert result.works_added == []
    assert result.works_reused == ["arxiv-2305.18290", "attention-notes", "arxiv-2203.02155"]
    session = load_catalog(tiny_copy).sessions["T-9"]
    assert session.required == ["arxiv-2305.18290", "attention-notes", "arxiv-2203.02155"]


def test_a_doi_reuses_the_work_that_has_it(tmp_path: Path) -> None:
    import_posts(tmp_path / "d", [GOOD / "2024-03-12-retrieval.md"])
    result = import_bibtex(tmp_path / "d", FIXTURES / "bib" / "readings.bib", "2099-S3")
    assert "dense-passage-retrieval-for-open-domain-question-answering" in result.works_reused
    work = load_catalog(tmp_path / "d").works[
        "dense-passage-retrieval-for-open-domain-question-answering"
    ]
    assert work.authors == ["Vladimir Karpukhin", "Barlas Oğuz", "Sewon Min"]
    assert work.year == 2020
    assert work.urls == ["https://aclanthology.org/2020.emnlp-main.550/"]


def test_a_title_match_with_another_arxiv_id_is_a_different_work(
    tiny_copy: Path, tmp_path: Path
) -> None:
    body = "## Readings\n### Human feedback at scale\n- https://arxiv.org/abs/2401.00001\n"
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-9\n", body)
    result = import_posts(tiny_copy, [post])
    assert result.works_added == ["arxiv-2401.00001"]


def test_a_taken_slug_gets_a_number(tiny_copy: Path, tmp_path: Path) -> None:
    body = "## Readings\n### Attention notes\n- https://example.org/other-notes\n"
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-9\n", body)
    (course := tiny_copy / "course.yaml").write_text(
        course.read_text(encoding="utf-8").replace("title: Notes on attention", "title: Other"),
        encoding="utf-8",
    )
    result = import_posts(tiny_copy, [post])
    assert result.works_added == ["attention-notes-2"]


def test_an_existing_session_gains_readings_in_place_keeping_comments(
    tiny_copy: Path, tmp_path: Path
) -> None:
    course = tiny_copy / "course.yaml"
    original = course.read_text(encoding="utf-8")
    body = (
        "## Required Readings\n### Preference learning\n- https://arxiv.org/abs/2305.18290\n"
        "### A new required paper\n- https://arxiv.org/abs/2402.00001\n"
        "## More Readings\n### Human feedback at scale\n- https://arxiv.org/abs/2203.02155\n"
    )
    post = _post(
        tmp_path / "posts",
        "p.md",
        "title: Aligning models\ndesc: T-2\ntags: [Alignment & Safety, Preferences]\n",
        body,
    )
    result = import_posts(tiny_copy, [post])
    assert result.sessions_updated == ["T-2"] and result.works_added == ["arxiv-2402.00001"]
    assert result.topics_added == ["preferences"]
    changed = course.read_text(encoding="utf-8")
    assert changed.startswith("# A tiny course written for the tests")
    old_lines, new_lines = original.splitlines(), changed.splitlines()
    assert [line for line in new_lines if line not in old_lines] == [
        "    urls:",  # the work had no URL; it gains the post's
        "      - https://arxiv.org/abs/2203.02155",
        "    topics: [align, preferences]",
        "    required: [arxiv-2305.18290, arxiv-2402.00001]",  # flow lists stay flow
    ]
    assert len(new_lines) == len(old_lines) + 2
    session = load_catalog(tiny_copy).sessions["T-2"]
    assert session.required == ["arxiv-2305.18290", "arxiv-2402.00001"]
    assert session.further == ["arxiv-2203.02155"]


def test_an_existing_work_gains_urls_and_fields_it_lacked(tiny_copy: Path, tmp_path: Path) -> None:
    body = (
        "## Readings\n### Human feedback at scale\n- https://arxiv.org/abs/2203.02155\n"
        "- https://example.org/blog/human-feedback\n- Authors: Ada Lovelace, Alan Turing\n"
    )
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-9\n", body)
    result = import_posts(tiny_copy, [post])
    assert result.works_updated == ["arxiv-2203.02155"]
    (change,) = [c for c in result.changes if c.kind == "work"]
    assert change.detail == (
        "add URL https://arxiv.org/abs/2203.02155, https://example.org/blog/human-feedback; "
        "set authors Ada Lovelace, Alan Turing"
    )
    work = load_catalog(tiny_copy).works["arxiv-2203.02155"]
    assert work.urls == [
        "https://arxiv.org/abs/2203.02155",
        "https://example.org/blog/human-feedback",
    ]
    assert work.authors == ["Ada Lovelace", "Alan Turing"] and work.year == 2022
    again = import_posts(tiny_copy, [post])
    assert [c.kind for c in again.changes] == []


def test_readings_of_the_data_missing_from_the_post_are_kept_and_reported(
    tiny_copy: Path, tmp_path: Path
) -> None:
    body = "## More Readings\n### Preference learning\n- https://arxiv.org/abs/2305.18290\n"
    post = _post(tmp_path / "posts", "p.md", "title: Aligning models\ndesc: T-2\n", body)
    result = import_posts(tiny_copy, [post])
    assert sorted((p.line, p.message) for p in result.reported) == [
        (1, "1 reading(s) of the data are not in this source and were kept: arxiv-2203.02155"),
        (6, "is required reading of session T-2 already; kept so"),
    ]
    assert result.changes == []


def test_the_same_work_twice_in_a_post_is_read_once_and_reported(tmp_path: Path) -> None:
    body = (
        "## Readings\n### Atlas\n- https://arxiv.org/abs/2208.03299\n"
        "## More Readings\n### Atlas again, as a pdf\n- https://arxiv.org/pdf/2208.03299.pdf\n"
    )
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: X-1\n", body)
    result = import_posts(tmp_path / "d", [post])
    session = load_catalog(tmp_path / "d").sessions["X-1"]
    assert (session.required, session.further) == (["arxiv-2208.03299"], [])
    assert any(
        "reads the same work (arxiv-2208.03299) as line 6" in p.message for p in result.reported
    )


def test_a_bibtex_session_is_titled_by_its_code_until_a_post_names_it(tmp_path: Path) -> None:
    target = tmp_path / "d"
    result = import_bibtex(target, FIXTURES / "bib" / "readings.bib", "2099-S1", "further")
    assert result.sessions_added == ["2099-S1"]
    assert load_catalog(target).sessions["2099-S1"].title == "2099-S1"
    result = import_posts(target, [GOOD / "2024-03-05-scaling.md"])
    session = load_catalog(target).sessions["2099-S1"]
    assert session.title == "Scaling laws and compute"
    # Scaling Laws was a further reading from the .bib; the post's other readings are added.
    assert session.further[0] == "arxiv-2001.08361"
    assert session.required == ["arxiv-2203.15556"]


def test_dry_run_writes_nothing_and_does_not_create_the_directory(tmp_path: Path) -> None:
    result = import_posts(tmp_path / "d", [GOOD], dry_run=True)
    assert not (tmp_path / "d").exists()
    assert result.dry_run and len(result.works_added) == 24
    assert result.files_written == sorted(OWNED_FILES.values())
    assert "(dry run: nothing written)" in import_text(result).splitlines()[0]


def test_an_invalid_data_directory_is_refused_and_left_alone(tiny_copy: Path) -> None:
    course = tiny_copy / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8") + "  - code: T-3\n", encoding="utf-8")
    before = _snapshot(tiny_copy)
    with pytest.raises(DataError, match="missing required field 'title'"):
        import_posts(tiny_copy, [GOOD])
    assert _snapshot(tiny_copy) == before


def test_a_bad_post_changes_nothing(tmp_path: Path) -> None:
    import_posts(tmp_path / "d", [GOOD / "2024-03-05-scaling.md"])
    before = _snapshot(tmp_path / "d")
    with pytest.raises(DataError):
        import_posts(tmp_path / "d", [GOOD, FIXTURES / "posts" / "bad" / "no-front-matter.md"])
    assert _snapshot(tmp_path / "d") == before


def test_a_failure_half_way_through_writing_puts_every_file_back(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(tiny_copy)
    body = "## Readings\n### Preference learning\n- https://example.org/new-blog\n"
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-2\ntags: [New Tag]\n", body)
    real_replace = os.replace
    calls: list[str] = []

    def flaky(src: str, dst: str) -> None:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    with pytest.raises(OutputError, match="No space left on device"):
        import_posts(tiny_copy, [post])
    assert len(calls) == 2
    assert _snapshot(tiny_copy) == before  # no temporary file is left either


def test_a_result_that_would_not_load_is_never_written(
    tiny_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmgraph.importing import commands
    from fmgraph.importing.yaml_edit import Edited

    before = _snapshot(tiny_copy)
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-9\n", "### A\n- https://a.org/\n")
    monkeypatch.setattr(commands, "edit_text", lambda *args: Edited("works: [oops\n", "dump"))
    with pytest.raises(DataError, match="the import would make this invalid: YAML error"):
        import_posts(tiny_copy, [post])
    assert _snapshot(tiny_copy) == before


def test_concept_links_are_proposed_and_written_only_when_asked(
    tiny_copy: Path, tmp_path: Path
) -> None:
    body = (
        "## Readings\n### LoRA adapters for DPO pipelines\n- https://example.org/lora-dpo\n"
        "### Attentional models and rlhf\n- https://example.org/attentional\n"
    )
    post = _post(tmp_path / "posts", "p.md", "title: T\ndesc: T-9\n", body)
    proposed = import_posts(tiny_copy, [post], dry_run=True, link_concepts=True)
    # Whole words only: "Attentional" is not "attention"; a short all-capital alias (RLHF)
    # matches only in capitals.
    # The title opens with LoRA (teaches) and uses DPO ("for DPO pipelines").
    assert [
        (link.work, link.relation, link.concept, link.matched, link.written)
        for link in proposed.links
    ] == [
        ("lora-adapters-for-dpo-pipelines", "uses", "dpo", "DPO", False),
        ("lora-adapters-for-dpo-pipelines", "teaches", "lora", "LoRA", False),
    ]
    assert proposed.links[0].evidence == "title words 'DPO' match 'DPO'; it follows 'for'"
    import_posts(tiny_copy, [post], link_concepts=True)
    work = load_catalog(tiny_copy).works["lora-adapters-for-dpo-pipelines"]
    assert (work.teaches, work.uses, work.discusses) == ([], [], [])
    written = import_posts(tiny_copy, [post], write_links=True)
    assert [link.written for link in written.links] == [True, True]
    work = load_catalog(tiny_copy).works["lora-adapters-for-dpo-pipelines"]
    assert (work.teaches, work.uses, work.discusses) == (["lora"], ["dpo"], [])
    again = import_posts(tiny_copy, [post], write_links=True)
    assert again.links == [] and again.changes == []


@pytest.mark.parametrize(
    ("title", "name", "relation"),
    [
        ("LoRA: Low-Rank Adaptation of Large Language Models", "LoRA", "teaches"),
        ("Towards Direct Preference Optimization", "Direct Preference Optimization", "teaches"),
        ("Training language models with RLHF at scale", "RLHF", "uses"),
        ("Sparse Mixtures: routing via top-k gating", "top-k gating", "uses"),
        ("Efficient Transformers: A Survey", "Transformers", "teaches"),
        ("What scaling laws say about data", "scaling laws", "discusses"),
    ],
)
def test_the_title_decides_teaches_uses_or_discusses(title: str, name: str, relation: str) -> None:
    from fmgraph.importing.plan import relation_in_title

    start = title.index(name)
    assert relation_in_title(title, start, start + len(name))[0] == relation


def test_an_abstract_is_evidence_for_a_link_and_never_stored(
    tiny_copy: Path, tmp_path: Path
) -> None:
    from fmgraph.importing.commands import merge_sessions
    from fmgraph.importing.records import ImportedReading, ImportedSession, new_work

    reading = ImportedReading("required", new_work("A study of adapters"), "x.json", 3)
    reading.abstract = "We compare adapters with direct preference optimization on chat data."
    session = ImportedSession("T-3", "x.json", 1, title="T", readings=[reading])
    result = merge_sessions(tiny_copy, [session], ["x.json"], write_links=True)
    (link,) = [x for x in result.links if x.concept == "dpo"]
    assert link.relation == "discusses" and link.evidence.startswith("abstract says")
    text = "".join(p.read_text(encoding="utf-8") for p in tiny_copy.glob("imported-*.yaml"))
    assert "chat data" not in text and "discusses: [dpo]" in text


def test_existing_topics_are_matched_by_id_or_label(tiny_copy: Path, tmp_path: Path) -> None:
    post = _post(
        tmp_path / "posts", "p.md", "title: T\ndesc: T-9\ntags: [basics, alignment & SAFETY]\n", ""
    )
    result = import_posts(tiny_copy, [post])
    assert result.topics_added == []
    assert load_catalog(tiny_copy).sessions["T-9"].topics == ["basics", "align"]


def test_a_new_section_is_appended_to_an_importer_file(tmp_path: Path) -> None:
    target = tmp_path / "d"
    target.mkdir()
    (target / "imported-works.yaml").write_text(
        "# my own notes on these works\nworks:\n  - id: mine\n    title: Mine  # keep me\n",
        encoding="utf-8",
    )
    import_posts(target, [GOOD / "2024-03-14-vision.md"])
    text = (target / "imported-works.yaml").read_text(encoding="utf-8")
    assert text.startswith(
        "# my own notes on these works\nworks:\n  - id: mine\n    title: Mine  # keep me\n"
        "  - id: arxiv-2010.11929\n"
    )
    assert list(load_catalog(target).works)[:2] == ["mine", "arxiv-2010.11929"]


def test_an_unusual_layout_is_still_edited_without_losing_comments(
    tmp_path: Path,
) -> None:
    target = tmp_path / "d"
    target.mkdir()
    (target / "mine.yaml").write_text(
        "# sessions I wrote by hand\n"
        "sessions:\n"
        "-\n"
        "  code: X-1   # the first one\n"
        "  title: First\n"
        "  required: [existing]\n"
        "works:\n"
        "- {id: existing, title: Existing work}  # a flow mapping\n",
        encoding="utf-8",
    )
    post = _post(
        tmp_path / "posts",
        "p.md",
        "title: First\ndesc: X-1\n",
        "## Readings\n### Existing work\n- a note\n### Another\n- https://example.org/a\n",
    )
    import_posts(target, [post])
    text = (target / "mine.yaml").read_text(encoding="utf-8")
    for comment in ("# sessions I wrote by hand", "# the first one", "# a flow mapping"):
        assert comment in text
    assert load_catalog(target).sessions["X-1"].required == ["existing", "another"]


def test_summary_and_result_name_every_change(tmp_path: Path) -> None:
    post = _post(
        tmp_path / "posts",
        "p.md",
        "title: Small\ndesc: X-1\ntags: Tiny\n",
        "## Readings\n### A paper\n- https://arxiv.org/abs/2101.00001v2\n"
        "## More Readings\n### Some page\n- https://example.org/page\n",
    )
    result = import_posts(tmp_path / "d", [post])
    assert isinstance(result, ImportResult)
    assert import_text(result, verbose=True) == (
        f"Read 1 source with 2 readings into {tmp_path / 'd'}\n"
        "  file  format  sessions  readings  added  merged  left out\n"
        "  ----  ------  --------  --------  -----  ------  --------\n"
        "  p.md  post    1         2         2      0       0\n"
        "Added: 1 sessions, 2 works, 1 topics, 2 readings. Updated: 0 sessions, 0 works. "
        "Merged into existing works: 0.\n"
        "  + topic tiny: Tiny  [imported-topics.yaml]\n"
        "  + work arxiv-2101.00001: paper: A paper  [imported-works.yaml]\n"
        "  + work some-page: web-page: Some page  [imported-works.yaml]\n"
        "  + session X-1: Small (1 required, 1 further)  [imported-sessions.yaml]\n"
        "Wrote: imported-sessions.yaml, imported-topics.yaml, imported-works.yaml\n"
    )
    assert yaml.safe_load((tmp_path / "d" / "imported-sessions.yaml").read_text()) == {
        "sessions": [
            {
                "code": "X-1",
                "title": "Small",
                "topics": ["tiny"],
                "required": ["arxiv-2101.00001"],
                "further": ["some-page"],
            }
        ]
    }


def test_progress_goes_through_the_callback(tmp_path: Path) -> None:
    messages: list[str] = []
    import_posts(tmp_path / "d", [GOOD], progress=messages.append)
    assert messages[:4] == [
        f"reading post {i}/4: {p}" for i, p in enumerate(sorted(GOOD.glob("*.md")), start=1)
    ]
    assert messages[4:] == ["rendering data files", "checking the result", "writing 3 file(s)"]


def test_the_bundled_data_takes_an_import_of_its_own_sessions_calmly(tmp_path: Path) -> None:
    from fmgraph.resources import data_dir

    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    post = _post(
        tmp_path / "posts",
        "p.md",
        "title: LLM basics\ndesc: 2024-S1\ntags: [BasicLLM]\ncategories: [FMBasic]\n",
        "## Required Readings\n#### Emergent Abilities of Large Language Models\n"
        "+ [ URL](https://arxiv.org/abs/2206.07682)\n",
    )
    result = import_posts(target, [post])
    assert result.changes == [] and result.works_reused == ["arxiv-2206.07682"]


def test_a_reading_added_to_a_bundled_session_changes_one_line(tmp_path: Path) -> None:
    import difflib

    from fmgraph.resources import data_dir

    target = tmp_path / "data"
    shutil.copytree(data_dir(), target)
    post = _post(
        tmp_path / "posts",
        "p.md",
        "title: Open Source LLM - Mistral Data preparation\ndesc: 2024-S6\n",
        "## Required Readings\n### Mistral 7B\n- https://arxiv.org/pdf/2310.06825v3\n"
        "### A paper read in class\n- https://arxiv.org/abs/2501.00001\n",
    )
    import_posts(target, [post])
    diff = [
        line
        for line in difflib.unified_diff(
            (data_dir() / "sessions.yaml").read_text(encoding="utf-8").splitlines(),
            (target / "sessions.yaml").read_text(encoding="utf-8").splitlines(),
            lineterm="",
            n=0,
        )
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert diff == ["+      - arxiv-2501.00001        # A paper read in class"]
    assert (target / "works.yaml").read_bytes() == (data_dir() / "works.yaml").read_bytes()
