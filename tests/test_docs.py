"""The docs tell the truth: every ```console example in README.md and docs/*.md prints what it
shows, the CLI reference is the commands' own --help, every command is documented and has an
example in its help, and every link between the docs leads somewhere."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from fmgraph.cli import cli
from fmgraph.store import LocalStore

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
QUICKSTART = re.compile(r"<!-- quickstart:begin -->.*?<!-- quickstart:end -->", flags=re.S)


@dataclass
class Example:
    """One `$ fmgraph …` line of a console block and the output shown under it."""

    page: str
    line: int
    command: str
    expected: str


def console_examples(page: Path) -> list[Example]:
    """Every command of every ```console block of ``page``, in order. The quick start is left
    out: .ci/run executes it in a fresh virtual environment."""
    text = page.read_text(encoding="utf-8")
    text = QUICKSTART.sub(lambda m: "\n" * m.group(0).count("\n"), text)  # keep line numbers
    examples = []
    for block in re.finditer(r"^```console\n(.*?)^```", text, flags=re.S | re.M):
        first = text.count("\n", 0, block.start(1)) + 1
        offset = 0
        for chunk in re.split(r"^(?=\$ )", block.group(1), flags=re.M):
            command, _, output = chunk.partition("\n")
            if command:
                name = page.relative_to(ROOT).as_posix()
                examples.append(Example(name, first + offset, command, output))
            offset += chunk.count("\n")
    return examples


EXAMPLES = [example for page in PAGES for example in console_examples(page)]


def test_every_console_line_is_an_fmgraph_command() -> None:
    """Anything else (a shell set-up, a server that keeps running) belongs in a ```text block,
    which is not executed."""
    for example in EXAMPLES:
        where = f"{example.page}:{example.line}"
        assert example.command.startswith("$ fmgraph "), f"{where}: use ```text for this"


def test_quick_start_installs_and_answers_then_tests() -> None:
    """.ci/run executes these two lines in a fresh virtual environment, as root, no sudo."""
    block = QUICKSTART.search(README)
    assert block is not None
    first, second = re.findall(r"^\$ (.*)$", block.group(0), flags=re.M)
    assert "pip install ." in first and "&& fmgraph plan " in first
    assert "pytest" in second and "sudo" not in first + second


def test_the_docs_show_at_least_five_queries_and_three_paths() -> None:
    commands = [shlex.split(e.command)[2] for e in EXAMPLES]
    assert commands.count("query") >= 5
    assert commands.count("path") >= 3


@pytest.mark.parametrize("page", [p for p in PAGES if console_examples(p)], ids=lambda p: p.name)
def test_console_examples_print_exactly_what_the_docs_show(
    page: Path, bundled_store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page's commands run in order in a fresh folder holding the repository's tests/
    (for the sample posts and BibTeX files) and data/. An example shows standard output, and
    standard error too when the command fails; progress on standard error is not shown."""
    for name in ("tests", "data"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    for example in console_examples(page):
        command, pipe, cut = example.command.removeprefix("$ ").partition(" | ")
        if shlex.split(command)[1:2] in (["serve"], ["push"]):  # would block or need a server
            pytest.fail(f"{example.page}:{example.line}: show {command!r} in a ```text block")
        result = CliRunner().invoke(
            cli, shlex.split(command)[1:], prog_name="fmgraph", catch_exceptions=False
        )
        got = result.stdout_bytes.decode().replace("\r\n", "\n")  # CSV ends lines in CRLF
        if pipe:  # `| head -N` or `| tail -N`: standard output only, as in a shell
            piped = re.fullmatch(r"(head|tail) -(\d+)", cut)
            assert piped, f"{example.page}:{example.line}: only | head -N or | tail -N"
            tool, count = piped.groups()
            lines = got.splitlines(keepends=True)
            got = "".join(lines[: int(count)] if tool == "head" else lines[-int(count) :])
        elif result.exit_code != 0:
            got += result.stderr
        assert got == example.expected, f"{example.page}:{example.line}: {example.command}"


def test_cli_reference_is_the_help_of_every_command() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _commands(group: object = cli, prefix: str = "fmgraph") -> list[str]:
    import click

    assert isinstance(group, click.Group)
    names = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            names += _commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help_with_an_example_and_a_row_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(cli, [*command.split()[1:], "--help"])
    assert result.exit_code == 0
    description = result.output.partition("\nOptions:")[0].rstrip()
    last_paragraph = description.rpartition("\n\n")[2].strip()
    assert re.match(r"Examples?:\n", last_paragraph), f"{command} --help must end with examples"
    assert re.search(r"\n +fmgraph ", last_paragraph), f"{command}: no example runs fmgraph"
    assert re.search(rf"^\| `{command}( |`)", README, flags=re.M), command


def test_exit_codes_table_matches_the_errors_module() -> None:
    from fmgraph import errors

    for cls in (errors.NoPath, errors.UnknownName, errors.QueryError, errors.DataError,
                errors.OutputError, errors.EndpointError, errors.StoreError,
                errors.QueryTimeout):  # fmt: skip
        assert re.search(rf"^\| {cls.exit_code} \|", README, flags=re.M)


def test_readme_is_short() -> None:
    assert len(README.encode()) <= 15_000


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"^```.*?^```|`[^`\n]*`", "", text, flags=re.S | re.M)  # not code
    for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", text):
        assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_docs_index_links_every_page() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        if page.name != "index.md":
            assert f"]({page.name})" in index, page.name


def test_readme_python_api_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    block = re.search(r"## Python API\n.*?```python\n(.*?)```", README, flags=re.S)
    assert block is not None
    # The example reads data/ as a user's checkout, and writes graph.ttl: in a fresh folder,
    # not into the repository.
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(block.group(1), scope)
    assert scope["problems"] == []
    near, whole = scope["near"], scope["graph"]
    assert isinstance(near, nx.DiGraph) and isinstance(whole, nx.DiGraph)
    assert 0 < len(near) < len(whole)
    assert "https://w3id.org/fmgraph/id/concept/dpo\n" in capsys.readouterr().out
