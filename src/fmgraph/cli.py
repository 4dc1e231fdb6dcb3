"""The ``fmgraph`` command line: a thin skin over the library.

Each command parses its arguments, makes one library call and hands the result to one
renderer in :mod:`fmgraph.output`. Library errors become messages and exit codes here, in
:meth:`FmgraphGroup.invoke`, and nowhere else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import DataError, FmgraphError

F = TypeVar("F", bound=Callable[..., Any])


class FmgraphGroup(click.Group):
    """A click group that turns :class:`FmgraphError` into one message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DataError as e:
            for problem in e.problems[:10]:
                click.echo(f"Error: {problem}", err=True)
            if len(e.problems) > 10:
                click.echo(f"… and {len(e.problems) - 10} more; run `fmgraph validate`", err=True)
            ctx.exit(e.exit_code)
        except FmgraphError as e:
            click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)


class State:
    """What the global options select: the data directory, and the store opened from it."""

    def __init__(self, data: Path | None) -> None:
        self.data = data
        self._store: Any = None

    @property
    def data_dir(self) -> Path:
        from .resources import data_dir

        return self.data if self.data is not None else data_dir()

    def store(self) -> Any:
        if self._store is None:
            from .store import open_store

            self._store = open_store(self.data_dir, progress=lambda m: click.echo(m, err=True))
        return self._store


pass_state = click.make_pass_decorator(State)


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """``--format``, spelled the same for every command."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def output_option(f: F) -> F:
    """``-o/--output``, written atomically; standard output when omitted."""

    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Write to this file instead of standard output.",
    )(f)


def emit(text: str | bytes) -> None:
    data = text.encode() if isinstance(text, str) else text
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@click.group(cls=FmgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    help="Data directory to build the graph from (default: the bundled course).",
)
@click.version_option(package_name="fmgraph")
@click.pass_context
def cli(ctx: click.Context, data: Path | None) -> None:
    """fmgraph: a foundation-model course's reading list as a knowledge graph.

    Sessions, works, topics and concepts with prerequisite links, held as RDF in an embedded
    store, queried with SPARQL, walked as a networkx graph, exported and rendered.

    \b
    Example:
      fmgraph path rlhf dpo
    """
    ctx.obj = State(data)


@cli.command()
@click.argument("sparql", required=False)
@click.option(
    "-f",
    "--file",
    "file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read the query from a .rq file.",
)
@click.option("--name", help="Run a bundled query by name (see --list).")
@click.option("--list", "list_", is_flag=True, help="List the bundled queries and exit.")
@format_option("table", "csv", "tsv", "json", "turtle", default="table")
@pass_state
def query(
    state: State, sparql: str | None, file: Path | None, name: str | None, list_: bool, fmt: str
) -> None:
    """Run a read-only SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE).

    The prefixes fm, skos, dcterms, schema, cito, rdf, rdfs, owl and xsd are predeclared.
    Updates, LOAD, SERVICE and FROM of remote graphs are refused. CONSTRUCT and DESCRIBE
    give Turtle; --format json gives the SPARQL 1.1 Query Results JSON format.

    \b
    Examples:
      fmgraph query "SELECT ?code WHERE { ?s a fm:Session ; dcterms:identifier ?code }"
      fmgraph query --name readings-per-session --format csv
      fmgraph query -f my-query.rq --format json
    """
    from . import output
    from .query import bundled_queries, bundled_query, read_query_file, run_query

    if list_:
        queries = bundled_queries()
        emit(output.table(["name", "description"], [[q.name, q.description] for q in queries]))
        return
    given = [x for x in (sparql, file, name) if x is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of: a SPARQL string, -f FILE, or --name NAME")
    if file is not None:
        text = read_query_file(file)
    elif name is not None:
        text = bundled_query(name).sparql
    else:
        text = sparql or ""
    emit(output.query_result(run_query(state.store(), text), fmt))


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--all", "all_paths", is_flag=True, help="Show every shortest chain, not one.")
@format_option("text", "json")
@pass_state
def path(state: State, source: str, target: str, all_paths: bool, fmt: str) -> None:
    """Show the prerequisite chain from SOURCE (learned first) to TARGET.

    Names are concept ids, labels or aliases, compared ignoring case and punctuation. Each step
    says why it needs the step before and which readings teach it. Exits 1 when there is no
    chain, 2 when a name is unknown or ambiguous.

    \b
    Examples:
      fmgraph path rlhf dpo
      fmgraph path "self attention" LoRA --all
      fmgraph path transformer dpo --format json
    """
    from . import output
    from .paths import find_path

    result = find_path(state.store(), source, target, all_paths=all_paths)
    emit(output.as_json(result) if fmt == "json" else output.path_text(result))


@cli.command()
@click.argument("target")
@format_option("text", "json")
@pass_state
def plan(state: State, target: str, fmt: str) -> None:
    """List everything to learn before TARGET, each concept after all it requires.

    \b
    Example:
      fmgraph plan dpo
    """
    from . import output
    from .paths import learning_plan

    result = learning_plan(state.store(), target)
    emit(output.as_json(result) if fmt == "json" else output.plan_text(result))


@cli.command()
@click.argument("name")
@format_option("text", "json")
@pass_state
def show(state: State, name: str, fmt: str) -> None:
    """Describe one concept, session (by code), work (by id, arXiv id or title) or topic.

    Qualify a name with its kind when it is ambiguous: concept:diffusion, topic:diffusion.

    \b
    Examples:
      fmgraph show dpo
      fmgraph show 2024-S5
      fmgraph show 2305.18290
    """
    from . import output
    from .show import show_node

    view = show_node(state.store(), name)
    emit(output.as_json(view) if fmt == "json" else output.node_text(view))


@cli.command()
@format_option("turtle", "ntriples", "jsonld", "rdfxml", "graphml", "gexf", default="turtle")
@output_option
@pass_state
def export(state: State, fmt: str, output: str | None) -> None:
    """Export the whole graph: RDF formats, or GraphML/GEXF of the networkx view for Gephi.

    Output is byte-identical for the same data; files are written atomically.

    \b
    Examples:
      fmgraph export -o fmgraph.ttl
      fmgraph export --format graphml -o fmgraph.graphml
    """
    from .export import export_bytes, write_output

    write_output(export_bytes(state.store(), fmt), output)


@cli.command()
@format_option("text", "json")
@pass_state
def validate(state: State, fmt: str) -> None:
    """Check the data: schema, references, prerequisite cycles, SHACL shapes, RDF syntax.

    Every problem names its file, line and entry. Exits 1 when there is any.

    \b
    Example:
      fmgraph --data my-course/ validate
    """
    import json

    from .validate import validate_data

    problems = validate_data(state.data_dir)
    if fmt == "json":
        emit(json.dumps([p.__dict__ for p in problems], indent=2, ensure_ascii=False) + "\n")
    else:
        emit("".join(f"{p}\n" for p in problems) or f"{state.data_dir}: no problems found\n")
    if problems:
        sys.exit(1)


@cli.command()
@format_option("text", "json")
@pass_state
def stats(state: State, fmt: str) -> None:
    """Count nodes by class and triples by relation.

    \b
    Example:
      fmgraph stats --format json
    """
    from . import output
    from .stats import graph_stats

    result = graph_stats(state.store())
    emit(output.as_json(result) if fmt == "json" else output.stats_text(result))


def main() -> None:
    cli(prog_name="fmgraph")
