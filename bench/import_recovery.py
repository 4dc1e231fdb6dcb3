"""How well `fmgraph import site` recovers the readings a person sees, per source format.

For each fixture folder under tests/fixtures/site/ (and the fixture posts of
tests/fixtures/posts/good/), the folder is read as `import site` reads it, and every session and
reading is compared with the folder's hand-written table (expected.yaml): a reading a person sees
is *found* when a parsed reading of the same session has its paper identifier or, for a reading
without one, its normalized title. The report gives per format:

  recall       found readings / readings in the table
  precision    parsed readings that are in the table / parsed readings
  roles        found readings with the table's role / found readings
  identifiers  found readings with the table's identifier (or none) / found readings
  sessions     sessions with the table's code and title / sessions in the table
  left out     links left out as no readings, parsed / in the table

With --links it also imports every fixture into the bundled course data (a dry run) with
--link-concepts and compares the proposed concept links with tests/fixtures/site/links.yaml, a
hand-judged table: precision (links judged right / links proposed) and relation (right links
whose relation, teaches, uses or discusses, is the judged one / right links).

Run: python bench/import_recovery.py [--verbose] [--links]. docs/importing.md quotes its last
run.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fmgraph.importing.identifiers import paper_key
from fmgraph.importing.records import ImportedReading
from fmgraph.importing.site import read_site
from fmgraph.names import normalize

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "tests" / "fixtures" / "site"
POSTS = ROOT / "tests" / "fixtures" / "posts"


@dataclass
class Score:
    """The comparison of one format's fixture with its table."""

    format: str
    expected: int = 0
    parsed: int = 0
    found: int = 0
    right_role: int = 0
    right_id: int = 0
    sessions: int = 0
    sessions_right: int = 0
    left_out: int = 0
    left_out_expected: int = 0
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)

    def share(self, part: int, whole: int) -> float:
        return part / whole if whole else 1.0


def reading_key(reading: ImportedReading) -> str | None:
    """The paper identifier of a parsed reading, as the table writes it."""
    work = reading.work
    if work.arxiv:
        return f"arxiv:{work.arxiv}"
    if work.doi:
        return f"doi:{work.doi.lower()}"
    return next((k for k in map(paper_key, work.urls) if k), None)


def _posts_id(entry: dict[str, Any]) -> str | None:
    if entry.get("arxiv"):
        return f"arxiv:{entry['arxiv']}"
    if entry.get("doi"):
        return f"doi:{str(entry['doi']).lower()}"
    return next((k for k in map(paper_key, entry.get("urls", [])) if k), None)


def _posts_table() -> dict[str, Any]:
    """The fixture posts' table (tests/fixtures/posts/expected.yaml) in the site tables' form."""
    table = yaml.safe_load((POSTS / "expected.yaml").read_text(encoding="utf-8"))
    sessions = []
    for name, row in sorted(table.items()):
        readings = [
            {"role": e["role"], "title": e["title"], "id": _posts_id(e)} for e in row["readings"]
        ]
        sessions.append(
            {"file": name, "code": row["code"], "title": row["title"], "readings": readings}
        )
    return {"sessions": sessions, "links_left_out": None}


def measure(name: str, folder: Path, table: dict[str, Any]) -> Score:
    """Read ``folder`` as `import site` does and compare it with ``table``."""
    score = Score(name)
    started = time.process_time()
    read = read_site([folder])
    score.seconds = time.process_time() - started
    score.left_out = sum(f.links_left_out for f in read.files)
    score.left_out_expected = table.get("links_left_out") or 0
    if table.get("links_left_out") is None:
        score.left_out_expected = score.left_out
    parsed = {(Path(s.file).relative_to(folder).as_posix(), s.code): s for s in read.sessions}
    score.parsed = sum(len(s.readings) for s in read.sessions)
    for row in table["sessions"]:
        score.sessions += 1
        score.expected += len(row["readings"])
        session = parsed.pop((row["file"], row["code"]), None)
        if session is None:
            score.details.append(f"session {row['code']} of {row['file']}: not found")
            continue
        if session.title == row["title"]:
            score.sessions_right += 1
        else:
            score.details.append(f"session {row['code']}: title {session.title!r}")
        unused = list(session.readings)
        for entry in row["readings"]:
            wanted = entry.get("id")
            match = next(
                (
                    r
                    for r in unused
                    if (wanted and reading_key(r) == wanted)
                    or (normalize(r.work.title) == normalize(entry["title"]))
                ),
                None,
            )
            if match is None:
                score.details.append(f"missed in {row['code']}: {entry['title']}")
                continue
            unused.remove(match)
            score.found += 1
            score.right_role += match.role == entry["role"]
            score.right_id += reading_key(match) == wanted
            if match.role != entry["role"] or reading_key(match) != wanted:
                score.details.append(
                    f"differs in {row['code']}: {entry['title']}: role {match.role}, "
                    f"id {reading_key(match)}"
                )
        score.details += [f"extra in {row['code']}: {r.work.title}" for r in unused]
    for file, code in parsed:
        score.details.append(f"extra session {code} of {file}")
    return score


def measure_all() -> list[Score]:
    scores = [measure("posts", POSTS / "good", _posts_table())]
    for folder in sorted(p for p in SITE.iterdir() if (p / "expected.yaml").exists()):
        table = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
        scores.append(measure(folder.name, folder, table))
    return scores


def report(scores: list[Score], verbose: bool) -> str:
    header = (
        f"{'format':<12}{'readings':>9}{'recall':>8}{'precision':>10}{'roles':>7}"
        f"{'ids':>7}{'sessions':>10}{'left out':>10}{'cpu ms':>8}"
    )
    lines = [header, "-" * len(header)]
    for s in scores:
        lines.append(
            f"{s.format:<12}{s.expected:>9}{s.share(s.found, s.expected):>8.2f}"
            f"{s.share(s.found, s.parsed):>10.2f}{s.share(s.right_role, s.found):>7.2f}"
            f"{s.share(s.right_id, s.found):>7.2f}"
            f"{f'{s.sessions_right}/{s.sessions}':>10}"
            f"{f'{s.left_out}/{s.left_out_expected}':>10}{1000 * s.seconds:>8.0f}"
        )
        if verbose:
            lines += [f"    {d}" for d in s.details]
    expected = sum(s.expected for s in scores)
    found = sum(s.found for s in scores)
    parsed = sum(s.parsed for s in scores)
    lines.append("-" * len(header))
    lines.append(
        f"All formats: recall {found}/{expected}, precision {found}/{parsed}, "
        f"roles {sum(s.right_role for s in scores)}/{found}, "
        f"identifiers {sum(s.right_id for s in scores)}/{found}."
    )
    return "\n".join(lines) + "\n"


def measure_links(verbose: bool) -> str:
    """Precision of the proposed concept links against the hand-judged table."""
    from fmgraph.importing import import_site
    from fmgraph.resources import data_dir

    folders = [p for p in sorted(SITE.iterdir()) if p.is_dir()] + [POSTS / "good"]
    started = time.process_time()
    result = import_site(data_dir(), folders, dry_run=True, link_concepts=True)
    seconds = time.process_time() - started
    table = yaml.safe_load((SITE / "links.yaml").read_text(encoding="utf-8"))["links"]
    judged = {(e["work"], e["concept"]): e for e in table}
    right = relation = unjudged = 0
    lines = []
    for link in result.links:
        entry = judged.get((link.work, link.concept))
        if entry is None:
            unjudged += 1
            lines.append(f"    unjudged: {link.work} {link.relation} {link.concept}")
            continue
        if entry["right"]:
            right += 1
            relation += entry["relation"] == link.relation
            if verbose and entry["relation"] != link.relation:
                lines.append(f"    relation {link.relation}, judged {entry['relation']}: "
                             f"{link.work} {link.concept}")  # fmt: skip
        elif verbose:
            lines.append(f"    wrong: {link.work} {link.relation} {link.concept}")
    total = len(result.links)
    head = (
        f"Concept links: {total} proposed, precision {right}/{total - unjudged} judged right "
        f"({right / max(total - unjudged, 1):.2f}), relation {relation}/{right} "
        f"({relation / max(right, 1):.2f}), {unjudged} not in the table; cpu {seconds:.1f} s"
    )
    return "\n".join([head, *lines]) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="Show what differed.")
    parser.add_argument("--links", action="store_true", help="Measure concept links too.")
    args = parser.parse_args()
    import os

    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    sys.stdout.write(report(measure_all(), args.verbose))
    if args.links:
        sys.stdout.write(measure_links(args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
