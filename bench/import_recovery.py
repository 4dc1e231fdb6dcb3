"""How well `fmgraph import posts` recovers readings, measured on the fixture posts.

Each post of tests/fixtures/posts/good/ is parsed, and every reading a reader sees in it (the
table tests/fixtures/posts/expected.yaml) is looked for among the parsed readings, by arXiv id,
a shared URL or the title. A reading is recovered *fully* when its role, position, title, arXiv
id, URLs, authors, year, DOI and kind all match the table, *partially* when it was found but
some of those differ, and *missed* when it was not found. Parsed readings the table does not
have are counted as *extra*.

Run: python bench/import_recovery.py [--posts DIR] [--expected FILE] [--verbose]. The README
quotes its totals.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fmgraph.importing.identifiers import normalize_url
from fmgraph.importing.posts import parse_post
from fmgraph.importing.records import ImportedReading
from fmgraph.names import normalize

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "posts"
FIELDS = ("role", "position", "title", "arxiv", "urls", "authors", "year", "doi", "kind")


@dataclass
class PostRecovery:
    """The recovery of one post: counts, and for each imperfect reading what differed."""

    post: str
    expected: int
    full: int = 0
    partial: int = 0
    missed: int = 0
    extra: int = 0
    session_ok: bool = True
    details: list[str] = field(default_factory=list)


def _actual(reading: ImportedReading, position: int) -> dict[str, Any]:
    work = reading.work
    return {
        "role": reading.role,
        "position": position,
        "title": work.title,
        "arxiv": work.arxiv,
        "urls": work.urls,
        "authors": work.authors,
        "year": work.year,
        "doi": work.doi,
        "kind": work.kind,
    }


def _wanted(entry: dict[str, Any], position: int) -> dict[str, Any]:
    return {
        "role": entry["role"],
        "position": position,
        "title": entry["title"],
        "arxiv": str(entry["arxiv"]) if entry.get("arxiv") else None,
        "urls": list(entry.get("urls", [])),
        "authors": list(entry.get("authors", [])),
        "year": entry.get("year"),
        "doi": entry.get("doi"),
        "kind": entry.get("kind", "paper"),
    }


def _same(wanted: dict[str, Any], actual: dict[str, Any]) -> bool:
    if wanted["arxiv"] and wanted["arxiv"] == actual["arxiv"]:
        return True
    if {normalize_url(u) for u in wanted["urls"]} & {normalize_url(u) for u in actual["urls"]}:
        return True
    return normalize(wanted["title"]) == normalize(actual["title"])


def measure_post(path: Path, table: dict[str, Any]) -> PostRecovery:
    """Compare one post's parse with its row of the expected table."""
    session = parse_post(path)
    result = PostRecovery(path.name, len(table["readings"]))
    for name in ("code", "title", "collection"):
        if getattr(session, name) != table.get(name):
            result.session_ok = False
            result.details.append(f"session {name}: {getattr(session, name)!r} != {table[name]!r}")
    if str(session.date) != str(table.get("date")):
        result.session_ok = False
        result.details.append(f"session date: {session.date} != {table.get('date')}")
    if session.tags != table.get("tags", []):
        result.session_ok = False
        result.details.append(f"session tags: {session.tags} != {table.get('tags')}")
    actual = [_actual(r, i) for i, r in enumerate(session.readings, start=1)]
    unused = list(range(len(actual)))
    for position, entry in enumerate(table["readings"], start=1):
        wanted = _wanted(entry, position)
        match = next((i for i in unused if _same(wanted, actual[i])), None)
        if match is None:
            result.missed += 1
            result.details.append(f"missed: {wanted['title']}")
            continue
        unused.remove(match)
        differ = [f for f in FIELDS if wanted[f] != actual[match][f]]
        if differ:
            result.partial += 1
            shown = ", ".join(f"{f} {actual[match][f]!r} != {wanted[f]!r}" for f in differ)
            result.details.append(f"partial: {wanted['title']}: {shown}")
        else:
            result.full += 1
    result.extra = len(unused)
    result.details += [f"extra: {actual[i]['title']}" for i in unused]
    return result


def measure(posts: Path, expected: Path) -> list[PostRecovery]:
    """The recovery of every post the expected table names."""
    table = yaml.safe_load(expected.read_text(encoding="utf-8"))
    return [measure_post(posts / name, row) for name, row in sorted(table.items())]


def report(results: list[PostRecovery], verbose: bool) -> str:
    header = f"{'post':<28}{'expected':>9}{'full':>6}{'partial':>9}{'missed':>8}{'extra':>7}"
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.post:<28}{r.expected:>9}{r.full:>6}{r.partial:>9}{r.missed:>8}{r.extra:>7}"
        )
        if verbose:
            lines += [f"    {d}" for d in r.details]
    total = [sum(getattr(r, f) for r in results) for f in ("expected", "full", "partial")]
    missed = sum(r.missed for r in results)
    extra = sum(r.extra for r in results)
    lines.append("-" * len(header))
    lines.append(f"{'total':<28}{total[0]:>9}{total[1]:>6}{total[2]:>9}{missed:>8}{extra:>7}")
    sessions = sum(r.session_ok for r in results)
    share = 100 * total[1] / total[0] if total[0] else 0.0
    lines.append(
        f"Readings recovered fully: {total[1]}/{total[0]} ({share:.0f}%), partially: {total[2]}, "
        f"missed: {missed}, extra: {extra}. Sessions right: {sessions}/{len(results)}."
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=Path, default=FIXTURES / "good")
    parser.add_argument("--expected", type=Path, default=FIXTURES / "expected.yaml")
    parser.add_argument("--verbose", action="store_true", help="Show what differed.")
    args = parser.parse_args()
    results = measure(args.posts, args.expected)
    sys.stdout.write(report(results, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
