"""Exceptions of the fmgraph library and the exit code each one maps to.

Exit codes (documented in the README):
  0  success
  1  the answer is "no": no prerequisite chain, or ``validate`` found problems
  2  bad request: unknown or ambiguous name, SPARQL syntax error, refused query, bad option
  3  the data could not be loaded or built (YAML, references, duplicates, cycles, SHACL)
  4  an output file could not be written
  5  a remote SPARQL endpoint could not be reached, or answered with an HTTP error
  6  a query ran past its ``--timeout`` and was stopped
"""

from __future__ import annotations

from dataclasses import dataclass


class FmgraphError(Exception):
    """Base class; ``exit_code`` is what the command line exits with."""

    exit_code = 2


@dataclass
class Problem:
    """One thing wrong with the data, with the file, line and entry at fault."""

    file: str
    line: int | None
    entry: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        entry = f" {self.entry}:" if self.entry else ""
        return f"{where}:{entry} {self.message}"


class DataError(FmgraphError):
    """The data directory cannot be loaded or built; carries every problem found."""

    exit_code = 3

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = str(problems[0]) if problems else "invalid data"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)


class UnknownName(FmgraphError):
    """A name matches no node, or several; ``suggestions`` lists close or competing matches."""

    exit_code = 2

    def __init__(self, message: str, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(message + hint)


class NoPath(FmgraphError):
    """No prerequisite chain leads from one concept to the other."""

    exit_code = 1


class Findings(FmgraphError):
    """The answer is "no" and the output already says why: ``validate`` found problems,
    ``audit`` found sessions that teach a concept before its prerequisites."""

    exit_code = 1


class QueryError(FmgraphError):
    """A SPARQL query that is malformed or asks for something fmgraph refuses to do."""

    exit_code = 2


class QueryRefused(QueryError):
    """A well-formed query that would write, or reach outside the store: never executed."""


class OutputError(FmgraphError):
    """An output file could not be written."""

    exit_code = 4


class EndpointError(FmgraphError):
    """A remote SPARQL endpoint could not be reached, timed out, or answered with an error."""

    exit_code = 5


class StoreError(FmgraphError):
    """No store could be built or opened, not even in a temporary directory."""

    exit_code = 4


class QueryTimeout(QueryError):
    """A query ran past its deadline and was stopped."""

    exit_code = 6
