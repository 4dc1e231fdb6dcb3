"""Rewrite the output under every `$ fmgraph …` line of the docs' ```console blocks with what
the command prints now, the way tests/test_docs.py runs them (each page in a fresh folder
holding the repository's tests/ and data/, commands in order, `| head -N` / `| tail -N` cut
standard output, a failing command shows standard error too).

Run: python scripts/update_doc_examples.py [PAGE.md …]   (default: README.md, CHANGELOG.md,
docs/*.md). Review the diff: a changed answer is a changed claim.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from fmgraph.cli import cli

ROOT = Path(__file__).parents[1]
QUICKSTART = re.compile(r"<!-- quickstart:begin -->.*?<!-- quickstart:end -->", flags=re.S)
BLOCK = re.compile(r"^```console\n(.*?)^```", flags=re.S | re.M)


def _output(command: str) -> str:
    command, pipe, cut = command.removeprefix("$ ").partition(" | ")
    result = CliRunner().invoke(cli, shlex.split(command)[1:], prog_name="fmgraph")
    got = result.stdout_bytes.decode().replace("\r\n", "\n")
    if pipe:
        tool, count = re.fullmatch(r"(head|tail) -(\d+)", cut).groups()  # type: ignore[union-attr]
        lines = got.splitlines(keepends=True)
        return "".join(lines[: int(count)] if tool == "head" else lines[-int(count) :])
    if result.exit_code != 0:
        got += result.stderr
    return got


def update(page: Path) -> bool:
    text = page.read_text(encoding="utf-8")
    quickstart = QUICKSTART.search(text)
    skip = quickstart.span() if quickstart else (0, 0)

    def block(match: re.Match[str]) -> str:
        if skip[0] <= match.start() < skip[1]:
            return match.group(0)
        chunks = re.split(r"^(?=\$ )", match.group(1), flags=re.M)
        body = ""
        for chunk in chunks:
            command, _, _ = chunk.partition("\n")
            body += chunk if not command.startswith("$ fmgraph ") else (
                command + "\n" + _output(command))  # fmt: skip
        return "```console\n" + body + "```"

    with tempfile.TemporaryDirectory() as folder:
        for name in ("tests", "data"):
            (Path(folder) / name).symlink_to(ROOT / name)
        here = Path.cwd()
        os.chdir(folder)
        try:
            new = BLOCK.sub(block, text)
        finally:
            os.chdir(here)
    if new != text:
        page.write_text(new, encoding="utf-8")
    return new != text


def main() -> None:
    every = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages = [Path(p).resolve() for p in sys.argv[1:]] or every
    for page in pages:
        if update(page):
            print(f"updated {page.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
