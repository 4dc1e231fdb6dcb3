"""The command line: exact output and exit codes, with click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmgraph.cli import cli

FIXTURE = str(Path(__file__).parent / "fixtures" / "tiny")


def run(*args: str, data: str | None = FIXTURE) -> tuple[int, str, str]:
    runner = CliRunner()
    argv = (["--data", data] if data else []) + list(args)
    result = runner.invoke(cli, argv, catch_exceptions=False)
    return result.exit_code, result.stdout_bytes.decode(), result.stderr


def test_path_text_exact() -> None:
    code, out, _ = run("path", "attention", "dpo")
    assert code == 0
    assert out == (
        "attention → transformer → dpo\n"
        " 1. Attention (attention)\n"
        "      read: Notes on attention — T-1 required #1\n"
        " 2. Transformer (transformer)\n"
        "      why: every transformer layer is attention\n"
        "      read: Notes on attention — T-1 required #1\n"
        " 3. Direct preference optimization (dpo)\n"
        "      why: it fine-tunes a transformer directly\n"
        '      read: Preference learning <b>without</b> rewards & "quotes" — naïve'
        " [introduces it] — T-2 required #1\n"
    )


def test_readings_option_limits_the_works_of_each_step_and_counts_the_rest() -> None:
    code, out, _ = run("path", "rlhf", "dpo", "--readings", "1")
    assert code == 0
    assert out.splitlines()[1:4] == [
        " 1. Reinforcement learning from human feedback (rlhf)",
        "      read: Human feedback at scale [introduces it] — T-1 required #2, T-2 further #2",
        "      … and 1 more work (--readings all)",
    ]
    code, out, _ = run("path", "attention", "lora", "--readings", "0")
    assert code == 0
    assert [line.strip() for line in out.splitlines() if "read:" in line] == [
        "read: 1 work discusses it (--readings all)",
        "read: 1 work discusses it (--readings all)",
        "read: (no reading in the graph discusses it)",
    ]
    code, out, _ = run("plan", "rlhf", "--readings", "all")
    assert code == 0 and "more work" not in out
    assert "Preference learning" in out  # the second work discussing rlhf
    code, _, err = run("plan", "rlhf", "--readings", "-1")
    assert code == 2
    assert "Invalid value for '--readings': '-1' is not a number of works or 'all'" in err


def test_path_json_contract() -> None:
    """Pins the JSON shape other tools rely on."""
    code, out, _ = run("path", "rlhf", "dpo", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc == {
        "source": "rlhf",
        "target": "dpo",
        "chains": [
            {
                "steps": [
                    {
                        "id": "rlhf",
                        "label": "Reinforcement learning from human feedback",
                        "reason": None,
                        "readings": [
                            {"work": "arxiv-2203.02155", "title": "Human feedback at scale",
                             "session": "T-1", "role": "required", "position": 2,
                             "introduces": True, "relation": "introduces", "url": None},
                            {"work": "arxiv-2203.02155", "title": "Human feedback at scale",
                             "session": "T-2", "role": "further", "position": 2,
                             "introduces": True, "relation": "introduces", "url": None},
                            {"work": "arxiv-2305.18290",
                             "title": "Preference learning <b>without</b> rewards & \"quotes\""
                                      " — naïve",
                             "session": "T-2", "role": "required", "position": 1,
                             "introduces": False, "relation": "discusses",
                             "url": "https://arxiv.org/abs/2305.18290"},
                        ],
                        "after": [],
                        "discussed_by": 2,
                        "needed_for": None,
                        "background": False,
                    },
                    {
                        "id": "dpo",
                        "label": "Direct preference optimization",
                        "reason": "it solves the RLHF objective in closed form",
                        "readings": [
                            {"work": "arxiv-2305.18290",
                             "title": "Preference learning <b>without</b> rewards & \"quotes\""
                                      " — naïve",
                             "session": "T-2", "role": "required", "position": 1,
                             "introduces": True, "relation": "introduces",
                             "url": "https://arxiv.org/abs/2305.18290"},
                        ],
                        "after": [],
                        "discussed_by": 1,
                        "needed_for": None,
                        "background": False,
                    },
                ]
            }
        ],
    }  # fmt: skip


def test_no_chain_exits_1_with_one_line() -> None:
    code, out, err = run("path", "dpo", "attention")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert "The reverse chain exists" in err


def test_unknown_name_exits_2_with_suggestions() -> None:
    code, _, err = run("path", "atention", "dpo")
    assert code == 2
    assert err == "Error: no concept is named 'atention'. Did you mean: attention?\n"


def test_plan_text() -> None:
    code, out, _ = run("plan", "rlhf")
    assert code == 0
    assert out.splitlines()[0] == (
        "To learn Reinforcement learning from human feedback (rlhf), in this order (3 concepts):"
    )


def test_show_json() -> None:
    code, out, _ = run("show", "lora", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["kind"], doc["id"], doc["label"]) == ("concept", "lora", "Low-rank adaptation")


def test_query_inline_file_and_named(tmp_path: Path) -> None:
    sparql = "SELECT ?id WHERE { ?s a fm:Session ; dcterms:identifier ?id } ORDER BY ?id"
    assert run("query", sparql, "--format", "csv")[1] == "id\r\nT-1\r\nT-2\r\n"
    rq = tmp_path / "q.rq"
    rq.write_text(sparql)
    assert run("query", "-f", str(rq), "--format", "csv")[1] == "id\r\nT-1\r\nT-2\r\n"
    code, out, _ = run("query", "--name", "works-read-twice", "--format", "csv")
    assert code == 0 and out == 'title,sessions,codes\r\nHuman feedback at scale,2,"T-1, T-2"\r\n'


def test_query_list_names_every_bundled_query() -> None:
    from fmgraph.query import bundled_queries

    code, out, _ = run("query", "--list")
    assert code == 0
    for q in bundled_queries():
        assert q.name in out


def test_query_usage_and_refusal_exit_2() -> None:
    assert run("query")[0] == 2
    code, _, err = run("query", "INSERT DATA { <a:b> <a:c> <a:d> }")
    assert code == 2 and "refused" in err
    code, _, err = run("query", "SELECT * WHERE {\n ?s ?p\n}")
    assert code == 2 and "line 3, column" in err


def test_export_to_file_and_unwritable_path(tmp_path: Path) -> None:
    target = tmp_path / "g.ttl"
    assert run("export", "-o", str(target))[0] == 0
    assert target.read_text().startswith("@prefix")
    code, _, err = run("export", "-o", str(tmp_path / "no" / "such" / "dir.ttl"))
    assert code == 4 and "cannot write" in err


def test_stats_json() -> None:
    code, out, _ = run("stats", "--format", "json")
    assert code == 0
    assert json.loads(out)["classes"]["fm:Concept"] == 5


def test_validate_clean_and_dirty(tiny_copy: Path) -> None:
    code, out, _ = run("validate", data=str(tiny_copy))
    assert code == 0 and out.endswith("no problems found\n")
    course = tiny_copy / "course.yaml"
    course.write_text(course.read_text().replace("topic: basics", "topic: basix", 1))
    code, out, _ = run("validate", data=str(tiny_copy))
    assert code == 1
    assert "course.yaml:" in out and "concept 'attention': topic 'basix' is not defined" in out


@pytest.mark.parametrize(
    ("setup", "needle"),
    [
        (lambda d: (d / "course.yaml").write_text("concepts: [\n"), "YAML error"),
        (lambda d: (d / "course.yaml").write_text("topics: !!python/name:os.system\n"),
         "python/name"),
        (lambda d: (d / "course.yaml").unlink(), "holds no data files"),
    ],
)  # fmt: skip
def test_bad_data_exits_3_naming_the_file(
    tiny_copy: Path, setup: Callable[[Path], object], needle: str
) -> None:
    setup(tiny_copy)
    code, out, err = run("path", "rlhf", "dpo", data=str(tiny_copy))
    assert code == 3 and out == ""
    assert needle in err and str(tiny_copy) in err


def test_missing_data_directory_exits_3(tmp_path: Path) -> None:
    code, _, err = run("stats", data=str(tmp_path / "nowhere"))
    assert code == 3 and "data directory does not exist" in err


# ---------------------------------------------------------------------------------------------
# Options shared by every command


def invoke(*argv: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(argv), prog_name="fmgraph", catch_exceptions=False)
    return result.exit_code, result.stdout_bytes.decode(), result.stderr


def test_data_is_accepted_before_or_after_the_command_with_the_same_answer() -> None:
    before = invoke("--data", FIXTURE, "stats")
    assert before[0] == 0 and "fm:Concept" in before[1]
    assert invoke("stats", "--data", FIXTURE)[:2] == before[:2]
    assert invoke("path", "rlhf", "dpo", "--data", FIXTURE)[:2] == run("path", "rlhf", "dpo")[:2]


@pytest.mark.parametrize("where", ["before", "after"])
def test_endpoint_is_used_before_or_after_the_command(where: str) -> None:
    """An endpoint nothing listens on: the command must fail reaching it, not answer locally."""
    endpoint = ["--endpoint", "http://127.0.0.1:9/query"]
    argv = [*endpoint, "stats"] if where == "before" else ["stats", *endpoint]
    code, out, err = invoke(*argv)
    assert code == 5 and out == ""
    assert err.startswith("Error: ") and "127.0.0.1:9" in err


def test_data_after_an_import_subcommand_names_the_target(tmp_path: Path) -> None:
    posts = str(Path(__file__).parent / "fixtures" / "posts" / "good")
    code, out, err = invoke("import", "posts", posts, "--data", str(tmp_path / "mc"), "--dry-run")
    assert code == 0, err
    assert f"into {tmp_path / 'mc'}" in out
    code, _, err = invoke("import", "--data", str(tmp_path / "mc"), "posts", posts, "--dry-run")
    assert code == 0, err


def test_the_same_option_with_two_values_is_refused() -> None:
    code, out, err = invoke("--data", FIXTURE, "stats", "--data", "elsewhere")
    assert code == 2 and out == ""
    assert "Invalid value for '--data': given twice" in err
    assert invoke("--data", FIXTURE, "stats", "--data", FIXTURE)[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],
        ["import", "posts", FIXTURE],
        ["import", "bibtex", str(Path(__file__).parent / "fixtures" / "bib" / "readings.bib"),
         "--session", "T-9"],
        ["serve"],
    ],
    ids=["validate", "import posts", "import bibtex", "serve"],
)  # fmt: skip
@pytest.mark.parametrize("where", ["before", "after"])
def test_commands_of_the_data_directory_refuse_an_endpoint(
    argv: list[str], where: str, tmp_path: Path
) -> None:
    endpoint = ["--endpoint", "http://127.0.0.1:9/query"]
    data = ["--data", str(tmp_path / "d")]
    full = [*data, *endpoint, *argv] if where == "before" else [*data, *argv, *endpoint]
    code, out, err = invoke(*full)
    assert code == 2 and out == ""
    assert f"Error: fmgraph {argv[0]}" in err
    assert "works on a local data directory (--data); --endpoint does not apply\n" in err
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "SELECT ?s WHERE { ?s a fm:Topic }", "--format", "json"],
        ["query", "ASK { ?s a fm:Topic }", "--format", "json"],
        ["query", "ASK { ?s a fm:Topic }", "--format", "csv"],
        ["export", "--format", "jsonld"],
        ["export", "--format", "rdfxml"],
        ["export", "--format", "turtle"],
        ["path", "rlhf", "dpo", "--format", "json"],
        ["render", "-o", "-"],
    ],
    ids=lambda argv: " ".join(argv[:1] + argv[-1:]),
)
def test_every_answer_ends_in_a_newline(argv: list[str]) -> None:
    code, out, _ = run(*argv)
    assert code == 0
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_export_to_a_file_says_what_it_wrote_and_ends_in_a_newline(tmp_path: Path) -> None:
    target = tmp_path / "g.jsonld"
    code, out, err = run("export", "--format", "jsonld", "-o", str(target))
    assert code == 0 and out == ""
    data = target.read_bytes()
    assert data.endswith(b"]\n")
    assert err.endswith(f"wrote {target}: jsonld, {len(data):,} bytes\n")


@pytest.mark.parametrize("command", ["export", "render"])
def test_an_output_into_a_missing_folder_fails_before_any_work(
    command: str, tiny_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "no" / "such" / "page.out"
    code, out, err = run(command, "-o", str(target), data=str(tiny_copy))
    assert code == 4 and out == ""
    assert err == f"Error: cannot write {target}: no directory {target.parent}\n"  # nothing built


@pytest.mark.parametrize("command", ["export", "render"])
def test_an_output_that_is_a_directory_is_a_usage_error(command: str, tiny_copy: Path) -> None:
    code, _, err = run(command, "-o", str(tiny_copy), data=str(tiny_copy))
    assert code == 2
    assert f"'{tiny_copy}' is a directory" in err
