"""Render what the library returns — query results, chains, plans, nodes, stats — as text,
JSON or CSV. The one place where results become bytes for a terminal or a file."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from .errors import QueryError
from .vocab import compact

if TYPE_CHECKING:
    from .audit import AuditResult
    from .importing import ImportResult
    from .paths import NextResult, PathResult, PlanResult, Step
    from .show import NodeView
    from .stats import Stats
    from .store import QueryResult
    from .suggested import SuggestedWork

_RESULT_FORMATS = {
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
    "json": QueryResultsFormat.JSON,
}


def _term_text(term: Any) -> str:
    from .export import EXPORT_PREFIXES

    if term is None:
        return ""
    value: str = term.value
    return compact(value, EXPORT_PREFIXES) if type(term).__name__ == "NamedNode" else value


def table(header: list[str], body: list[list[str]]) -> str:
    """A plain-text table with a header rule; cells keep their text, newlines flattened."""
    cells = [[c.replace("\n", " ") for c in row] for row in body]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"


def query_result(result: QueryResult, fmt: str) -> bytes:
    """A SELECT or ASK result in ``fmt``; CONSTRUCT and DESCRIBE always give Turtle."""
    if isinstance(result, QuerySolutions):
        if fmt == "turtle":
            raise QueryError(
                "--format turtle is for CONSTRUCT and DESCRIBE; a SELECT gives "
                "table, csv, tsv or json"
            )
        if fmt in _RESULT_FORMATS:
            return result.serialize(format=_RESULT_FORMATS[fmt]) or b""
        names = [v.value for v in result.variables]
        body = [[_term_text(s[n]) for n in names] for s in result]
        return (table(names, body) + f"({len(body)} rows)\n").encode()
    if isinstance(result, QueryBoolean):
        if fmt in _RESULT_FORMATS:
            return result.serialize(format=_RESULT_FORMATS[fmt]) or b""
        return (("true" if bool(result) else "false") + "\n").encode()
    from .export import canonical_rdf

    # Sorted: a graph has no order, and engines (local or --endpoint) each give their own.
    return canonical_rdf(result, RdfFormat.TURTLE)


_RELATION_NOTES = {"introduces": " [introduces it]", "uses": " [uses it]"}


def _where(readings: list[SuggestedWork]) -> list[str]:
    by_work: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for r in readings:
        titles[r.work] = r.title + _RELATION_NOTES.get(r.relation, "")
        places = by_work.setdefault(r.work, [])
        if r.session:
            places.append(f"{r.session} {r.role} #{r.position}")
    return [
        f"{titles[w]} — {', '.join(p) if p else 'not read in a session'}"
        for w, p in by_work.items()
    ]


def _step_lines(number: int, step: Step, *, after: bool = False) -> list[str]:
    lines = [f"{number:>2}. {step.label} ({step.id})"]
    if step.needed_for:
        how = "background for" if step.background else "needed for"
        lines.append(f"      why: {how} {step.needed_for}" + (f": {step.reason}" if step.reason
                                                                  else ""))  # fmt: skip
    elif step.reason:
        lines.append(f"      why: {step.reason}")
    if after and step.after:
        lines.append(f"      after: {', '.join(step.after)}")
    where = _where(step.readings)
    lines += [f"      read: {w}" for w in where]
    more = step.discussed_by - len(where)
    works = f"work{'s' if more != 1 else ''}"
    if where and more > 0:
        lines.append(f"      … and {more} more {works} (--readings all)")
    elif more > 0:
        lines.append(f"      read: {more} {works} discuss{'es' if more == 1 else ''} it"
                     " (--readings all)")  # fmt: skip
    elif not where:
        lines.append("      read: (no reading in the graph discusses it)")
    return lines


def path_text(result: PathResult) -> str:
    lines: list[str] = []
    for i, chain in enumerate(result.chains, start=1):
        arrow = " → ".join(s.id for s in chain.steps)
        head = f"Chain {i} of {len(result.chains)}: " if len(result.chains) > 1 else ""
        lines.append(f"{head}{arrow}")
        for n, step in enumerate(chain.steps, start=1):
            lines += _step_lines(n, step)
        lines.append("")
    return "\n".join(lines)


def plan_text(result: PlanResult) -> str:
    known = f"; known, left out: {', '.join(result.known)}" if result.known else ""
    if not result.steps:
        return f"Nothing to learn: {result.target} is known already{known}.\n"
    goal = result.steps[-1]
    background = ", with background" if result.with_background else ""
    n = len(result.steps)
    lines = [
        f"To learn {goal.label} ({goal.id}), in this order ({n} concept{'s' if n != 1 else ''}"
        f"{background}{known}):"
    ]
    for n, step in enumerate(result.steps, start=1):
        lines += _step_lines(n, step, after=True)
    return "\n".join(lines) + "\n"


def next_text(result: NextResult) -> str:
    toward = f" toward {result.toward}" if result.toward else ""
    known = ", ".join(result.known) if result.known else "nothing yet"
    if not result.steps:
        return f"Nothing left to learn{toward}: known {known}.\n"
    n = len(result.steps)
    lines = [f"Ready to learn{toward} ({n} concept{'s' if n != 1 else ''}; known: {known}):"]
    for n, step in enumerate(result.steps, start=1):
        lines += _step_lines(n, step, after=True)
    return "\n".join(lines) + "\n"


def audit_text(result: AuditResult) -> str:
    n = len(result.sessions)
    head = f"Audit of {n} session{'s' if n != 1 else ''} teaching {result.concepts_taught} concepts"
    if not result.findings:
        return (f"{head}: every prerequisite of what a session teaches is taught by then or "
                "declared assumed.\n")  # fmt: skip
    lines = [f"{head}: {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}"]
    for f in result.findings:
        when = f" ({f.date})" if f.date else ""
        if f.first_taught_in:
            later = f"first taught later, in {f.first_taught_in}" + (
                f" ({f.first_taught_on})" if f.first_taught_on else "")  # fmt: skip
        else:
            later = "never taught; declare it under the session's assumes"
        lines.append(f"{f.session}{when}: {f.concept} (taught by {f.work}) requires "
                     f"{f.prerequisite}: {later}")  # fmt: skip
        lines.append(f"    why it is needed: {f.reason}")
    return "\n".join(lines) + "\n"


def node_text(view: NodeView) -> str:
    lines = [f"{view.kind} {view.id} — {view.label}", f"  iri: {view.iri}"]
    for name, values in view.values.items():
        if name == "authors":  # in order, on one line
            lines.append(f"  authors: {', '.join(values)}")
            continue
        for value in values:
            lines.append(f"  {name}: {value}")
    for relation, items in view.links.items():
        lines.append(f"  {relation}:")
        lines += [f"    - {item}" for item in items]
    return "\n".join(lines) + "\n"


def stats_text(stats: Stats) -> str:
    lines = [f"triples: {stats.triples}", "", "nodes by class:"]
    lines += [f"  {k:<28} {v:>8}" for k, v in stats.classes.items()]
    lines += ["", "triples by relation:"]
    lines += [f"  {k:<28} {v:>8}" for k, v in stats.relations.items()]
    if stats.without_identifier:
        lines += ["", f"nodes without dcterms:identifier: {stats.without_identifier}"
                  " (listed under their label or IRI)"]  # fmt: skip
    return "\n".join(lines) + "\n"


def as_json(result: Any) -> str:
    """A result dataclass, or a list of them, as indented JSON (the format pinned by the
    contract tests)."""
    import json

    data = [asdict(r) for r in result] if isinstance(result, list) else asdict(result)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


#: How many files and reported problems the summary of an import shows without --verbose.
IMPORT_SHOWN = 20


def import_text(result: ImportResult, verbose: bool = False) -> str:
    """A summary a person reads in one screen: counts per source file, what was added and
    merged, the first reported problems; with ``verbose`` every change and every problem."""
    n = len(result.sources)
    head = f"Read {n} source{'s' if n != 1 else ''} with {result.readings_read} readings"
    lines = [
        f"{head} into {result.data_dir}{' (dry run: nothing written)' if result.dry_run else ''}"
    ]
    files = result.files if verbose else result.files[:IMPORT_SHOWN]
    if files:
        import os.path

        # Files are shown relative to the folder they share, so the table stays narrow.
        root = os.path.commonpath([os.path.dirname(f.file) or "." for f in result.files])
        rows = [
            [
                os.path.relpath(f.file, root) if root else f.file,
                f.format,
                str(f.sessions),
                str(f.readings),
                str(f.works_added),
                str(f.works_merged),
                str(f.links_left_out),
            ]
            for f in files
        ]
        header = ["file", "format", "sessions", "readings", "added", "merged", "left out"]
        lines += ["  " + line for line in table(header, rows).splitlines()]
        if len(result.files) > len(files):
            lines.append(f"  … and {len(result.files) - len(files)} more files (--verbose)")
    if not result.changes:
        lines.append("Nothing to change: the data directory already holds all of it.")
    else:
        lines.append(
            f"Added: {len(result.sessions_added)} sessions, {len(result.works_added)} works, "
            f"{len(result.topics_added)} topics, {result.readings_added} readings. "
            f"Updated: {len(result.sessions_updated)} sessions, "
            f"{len(result.works_updated)} works. "
            f"Merged into existing works: {len(result.works_reused)}."
        )
        if verbose:
            for c in result.changes:
                sign = "+" if c.action == "add" else "~"
                lines.append(f"  {sign} {c.kind} {c.id}: {c.detail}  [{c.file}]")
    if result.links:
        state = "written" if result.links[0].written else "proposed; --write-links writes them"
        lines.append(f"Concept links ({len(result.links)}, {state}):")
        for link in result.links:
            lines.append(f"  {link.work} {link.relation} {link.concept}  ({link.evidence})")
    if result.reported:
        shown = result.reported if verbose else result.reported[:IMPORT_SHOWN]
        lines.append(f"Reported ({len(result.reported)}):")
        lines += [f"  {p}" for p in shown]
        if len(result.reported) > len(shown):
            lines.append(f"  … and {len(result.reported) - len(shown)} more (--verbose)")
    if result.files_written and result.changes:
        verb = "Would write" if result.dry_run else "Wrote"
        lines.append(f"{verb}: {', '.join(result.files_written)}")
    return "\n".join(lines) + "\n"
