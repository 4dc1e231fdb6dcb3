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


def _console_examples() -> list[tuple[str, str]]:
    """(command, expected output) for each README console block that runs `fmgraph query`."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        if block.startswith("$ fmgraph query"):
            command, _, output = block.partition("\n")
            examples.append((command.removeprefix("$ "), output))
    return examples


def test_readme_has_at_least_five_example_queries() -> None:
    assert len(_console_examples()) >= 5


@pytest.mark.parametrize(("command", "expected"), _console_examples())
def test_readme_example_query_output_is_real(command: str, expected: str, bundled_store) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout_bytes.decode().replace("\r\n", "\n") == expected


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"fmgraph {name}" in README


def test_exit_codes_table_matches_the_errors_module() -> None:
    from fmgraph import errors

    for cls in (errors.NoPath, errors.UnknownName, errors.QueryError, errors.DataError,
                errors.OutputError, errors.EndpointError):  # fmt: skip
        assert re.search(rf"^\| {cls.exit_code} \|", README, flags=re.M)
