"""The README tells the truth: every command is documented and has an example in its help,
and the example queries print exactly what the README shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmgraph.cli import cli

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
DOCS = Path(__file__).parents[1] / "docs"


def _console_examples(*commands: str) -> list[tuple[str, str]]:
    """(command, expected output) for each README console line that runs one of ``commands``,
    its output being the lines up to the next command."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
            command, _, output = chunk.partition("\n")
            words = command.split()
            if words[:2] == ["$", "fmgraph"] and words[2:3] and words[2] in commands:
                examples.append((command.removeprefix("$ "), output))
    return examples


def test_readme_has_at_least_five_example_queries_and_three_paths() -> None:
    assert len(_console_examples("query")) >= 5
    assert len(_console_examples("path")) >= 3


@pytest.mark.parametrize(("command", "expected"), _console_examples("query", "path"))
def test_readme_example_output_is_real(command: str, expected: str, bundled_store) -> None:  # type: ignore[no-untyped-def]
    command, _, head = command.partition(" | head -")
    result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    assert result.exit_code == 0
    got = result.stdout_bytes.decode().replace("\r\n", "\n")
    if head:
        got = "".join(got.splitlines(keepends=True)[: int(head)])
    assert got == expected


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    docs = "".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    assert f"fmgraph {name}" in README + docs


def test_exit_codes_table_matches_the_errors_module() -> None:
    from fmgraph import errors

    for cls in (errors.NoPath, errors.UnknownName, errors.QueryError, errors.DataError,
                errors.OutputError, errors.EndpointError):  # fmt: skip
        assert re.search(rf"^\| {cls.exit_code} \|", README, flags=re.M)


def test_readme_python_api_example_runs(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    block = re.search(r"## Python API\n.*?```python\n(.*?)```", README, flags=re.S)
    assert block is not None
    monkeypatch.chdir(Path(__file__).parents[1])  # the example reads data/ as a user's checkout
    scope: dict[str, object] = {}
    exec(block.group(1), scope)
    assert scope["problems"] == []
    near, whole = scope["near"], scope["graph"]
    assert 0 < len(near) < len(whole)  # type: ignore[arg-type]
    assert "https://w3id.org/fmgraph/id/concept/dpo\n" in capsys.readouterr().out
