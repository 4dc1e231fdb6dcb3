"""The ``fmgraph`` command line: a thin skin over the library.

Each command parses its arguments, makes one library call and hands the result to one
renderer in :mod:`fmgraph.output`. Library errors become messages and exit codes here, in
:meth:`FmgraphGroup.invoke`, and nowhere else.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from .errors import DataError, Findings, FmgraphError, OutputError

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
            if str(e):  # Findings: the answer printed says why already
                click.echo(f"Error: {e}", err=True)
            ctx.exit(e.exit_code)


class State:
    """What the global options select: the data directory, or a remote endpoint, and the store."""

    #: Set by :func:`main` (a process of its own): reading a local store then forbids network
    #: sockets for the rest of the process (:mod:`fmgraph.sandbox`). Tests that run commands
    #: in-process leave it off, since the filter cannot be lifted.
    deny_network = False

    def __init__(
        self, data: Path | None, endpoint: str | None = None, graph: str | None = None
    ) -> None:
        self.data = data
        self.endpoint = endpoint
        self.graph = graph
        self._store: Any = None

    @property
    def data_dir(self) -> Path:
        from .resources import data_dir

        return self.data if self.data is not None else data_dir()

    def local_store(self) -> Any:
        """The embedded store of the data directory, built first if needed."""
        from .cache import open_store

        return open_store(self.data_dir, progress=say)

    def store(self) -> Any:
        """The store read commands use: the endpoint's, or the embedded one."""
        if self._store is None and self.endpoint is not None:
            from .remote import RemoteStore

            self._store = RemoteStore(self.endpoint, graph=self.graph)
        elif self._store is None:
            if self.graph is not None:
                raise click.UsageError("--graph names a graph at the --endpoint server")
            self._store = self.local_store()
            if State.deny_network:
                from .sandbox import deny_network

                deny_network()
        return self._store


pass_state = click.make_pass_decorator(State)

DATA_HELP = "Data directory to build the graph from (default: the bundled course)."
ENDPOINT_HELP = (
    "Run read commands against this SPARQL 1.1 query endpoint instead of the embedded"
    " store. Credentials come from FMGRAPH_ENDPOINT_TOKEN, or FMGRAPH_ENDPOINT_USER and"
    " FMGRAPH_ENDPOINT_PASSWORD."
)


def _set_global(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """Record ``--data`` or ``--endpoint`` given after a command name in the shared State, as
    if it had been given before it; the same option given twice with two values is refused."""
    state = ctx.find_object(State)
    if value is None or state is None or param.name is None:
        return
    before = getattr(state, param.name)
    if before is not None and before != value:
        raise click.BadParameter(f"given twice, as {before} and as {value}", ctx, param)
    setattr(state, param.name, value)


def data_option(f: F) -> F:
    """``--data DIR``, accepted before or after the command name."""
    return click.option(
        "--data",
        type=click.Path(path_type=Path, file_okay=False),
        expose_value=False,
        callback=_set_global,
        help=DATA_HELP,
    )(f)


def endpoint_option(f: F, help: str = ENDPOINT_HELP) -> F:
    """``--endpoint URL``, accepted before or after the command name."""
    return click.option(
        "--endpoint", metavar="URL", expose_value=False, callback=_set_global, help=help
    )(f)


def store_options(f: F) -> F:
    """``--data`` and ``--endpoint``, for the commands that read the graph."""
    return data_option(endpoint_option(f))


def local_options(f: F) -> F:
    """``--data`` for commands that work on the data directory itself; ``--endpoint`` (before
    or after the command name) is refused with exit 2 instead of being silently ignored."""

    @functools.wraps(f)
    def refuse_endpoint(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        state = ctx.find_object(State)
        if state is not None and state.endpoint is not None:
            raise click.UsageError(
                f"{ctx.command_path} works on a local data directory (--data); "
                "--endpoint does not apply"
            )
        return f(*args, **kwargs)

    hidden_endpoint = click.option(
        "--endpoint", expose_value=False, callback=_set_global, hidden=True
    )
    return data_option(hidden_endpoint(cast(F, refuse_endpoint)))


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


def _readings_count(ctx: click.Context, param: click.Parameter, value: str) -> int | None:
    """``--readings``: a number of works, or ``all`` (``None``)."""
    if value.strip().lower() == "all":
        return None
    if not value.strip().isdigit():
        raise click.BadParameter(f"{value!r} is not a number of works or 'all'", ctx, param)
    return int(value)


def readings_option(f: F) -> F:
    """``--readings N|all``: works shown for each step of a path or plan."""
    return click.option(
        "--readings",
        metavar="N|all",
        default="3",
        callback=_readings_count,
        show_default=True,
        help="Works shown for each step ('all' for every one): introducers first, then what "
        "the course reads as required, then as further reading, then the rest.",
    )(f)


def output_option(f: F) -> F:
    """``-o/--output``, written atomically; standard output when omitted."""

    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Write to this file instead of standard output.",
    )(f)


def ending_in_newline(data: bytes) -> bytes:
    """``data`` with a final newline, so a shell prompt never lands on the last line."""
    return data if not data or data.endswith(b"\n") else data + b"\n"


def emit(text: str | bytes) -> None:
    """Write an answer to standard output, ending in a newline."""
    data = text.encode() if isinstance(text, str) else text
    sys.stdout.buffer.write(ending_in_newline(data))
    sys.stdout.buffer.flush()


def check_output(output: str | None) -> None:
    """Fail at once, before any work, when ``output`` cannot be a file we write."""
    if output in (None, "-"):
        return
    folder = Path(output).parent  # click's Path(dir_okay=False) refuses a directory itself
    if not folder.is_dir():
        raise OutputError(f"cannot write {output}: no directory {folder}")


def wrote(output: str, what: str) -> None:
    """Say which file a command wrote, on standard error."""
    say(f"wrote {output}: {what}")


def say(message: str) -> None:
    """Progress and notes go to standard error, so standard output stays the answer."""
    click.echo(message, err=True)


@click.group(cls=FmgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), help=DATA_HELP)
@click.option("--endpoint", metavar="URL", help=ENDPOINT_HELP)
@click.option(
    "--graph",
    metavar="IRI",
    help="With --endpoint: read this named graph of the server as the whole graph.",
)
@click.version_option(package_name="fmgraph")
@click.pass_context
def cli(ctx: click.Context, data: Path | None, endpoint: str | None, graph: str | None) -> None:
    """fmgraph: a foundation-model course's reading list as a knowledge graph.

    Sessions, works, topics and concepts with prerequisite links, held as RDF in an embedded
    store, queried with SPARQL, walked as a networkx graph, exported and rendered. --data and
    --endpoint may also be given after the command name.

    \b
    Examples:
      fmgraph path transformer rlhf
      fmgraph --endpoint http://127.0.0.1:7878/query path transformer rlhf
      fmgraph stats --data my-course/
    """
    ctx.obj = State(data, endpoint, graph)


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
@store_options
@click.option(
    "--timeout",
    type=click.FloatRange(0, min_open=True),
    default=300.0,
    show_default=True,
    help="Seconds the query may run; then it is stopped and the command exits with 6.",
)
@pass_state
def query(
    state: State,
    sparql: str | None,
    file: Path | None,
    name: str | None,
    list_: bool,
    fmt: str,
    timeout: float,
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
    from .deadline import run_with_deadline

    store = state.store()
    emit(run_with_deadline(lambda: output.query_result(run_query(store, text), fmt), timeout,
                           "the query"))  # fmt: skip


def background_option(f: F) -> F:
    """``--with-background``: follow fm:motivatedBy (history, context) as well as fm:requires."""
    return click.option(
        "--with-background",
        is_flag=True,
        help="Follow 'motivated by' links (history and context) as well as hard prerequisites.",
    )(f)


def _names(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    """``--know a,b --know c``: names separated by commas, the option given once or more."""
    return [name.strip() for item in value for name in item.split(",") if name.strip()]


def know_option(f: F) -> F:
    return click.option(
        "--know",
        metavar="NAME,…",
        multiple=True,
        callback=_names,
        help="Concepts you know already: they and everything they require are left out.",
    )(f)


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--all", "all_paths", is_flag=True, help="Show every shortest chain, not one.")
@background_option
@readings_option
@format_option("text", "json")
@store_options
@pass_state
def path(
    state: State,
    source: str,
    target: str,
    all_paths: bool,
    with_background: bool,
    readings: int | None,
    fmt: str,
) -> None:
    """Show the prerequisite chain from SOURCE (learned first) to TARGET.

    Names are concept ids, labels or aliases, compared ignoring case and punctuation. Each step
    says why it needs the step before and which works teach it (three unless --readings says
    otherwise), with where the course reads them. Exits 1 when there is no chain, 2 when a name
    is unknown or ambiguous.

    \b
    Examples:
      fmgraph path transformer rlhf
      fmgraph path "self attention" mixtral --all
      fmgraph path rlhf dpo --with-background
      fmgraph path transformer rlhf --readings all --format json
    """
    from . import output
    from .paths import find_path

    result = find_path(
        state.store(),
        source,
        target,
        all_paths=all_paths,
        readings=readings,
        with_background=with_background,
    )
    emit(output.as_json(result) if fmt == "json" else output.path_text(result))


@cli.command()
@click.argument("target")
@know_option
@background_option
@readings_option
@format_option("text", "json")
@store_options
@pass_state
def plan(
    state: State,
    target: str,
    know: list[str],
    with_background: bool,
    readings: int | None,
    fmt: str,
) -> None:
    """List everything to learn before TARGET, in a teaching order.

    Depth-first from TARGET: each concept comes after what it requires, and right before the
    step it is needed for (ties go to what the course teaches first). Each step says what it
    is needed for and why, and lists the works that teach it (three unless --readings says
    otherwise): works that introduce or teach it before works that only use it, required
    readings before further ones, earlier sessions first. Only hard prerequisites are
    followed unless --with-background is given.

    \b
    Examples:
      fmgraph plan dpo
      fmgraph plan dpo --know rlhf,transformer
      fmgraph plan lora --readings 1
      fmgraph plan dpo --readings all --format json
    """
    from . import output
    from .paths import learning_plan

    result = learning_plan(
        state.store(),
        target,
        readings=readings,
        know=know,
        with_background=with_background,
        progress=say,
    )
    emit(output.as_json(result) if fmt == "json" else output.plan_text(result))


@cli.command(name="next")
@know_option
@click.option("--toward", metavar="TARGET", help="Only concepts on TARGET's plan.")
@readings_option
@format_option("text", "json")
@pass_state
def next_(
    state: State, know: list[str], toward: str | None, readings: int | None, fmt: str
) -> None:
    """List the concepts you can learn next: all of their prerequisites are known.

    What you know is the concepts given with --know and everything they require. Each
    concept lists the works that teach it. With --toward, only the concepts on that
    target's plan.

    \b
    Examples:
      fmgraph next --know transformer
      fmgraph next --know rlhf --toward dpo
    """
    from . import output
    from .paths import next_concepts

    result = next_concepts(state.store(), know, toward=toward, readings=readings, progress=say)
    emit(output.as_json(result) if fmt == "json" else output.next_text(result))


@cli.command()
@format_option("text", "json")
@pass_state
def audit(state: State, fmt: str) -> None:
    """Check that sessions teach each concept after its prerequisites.

    Sessions are taken in date order. For every concept a session's readings introduce or
    teach, each hard prerequisite must be taught by the same or an earlier session, or be
    declared assumed (a session's `assumes:` list). Each finding names the session, the
    concept, the missing prerequisite and where it is first taught, if later. Exits 1 when
    there are findings.

    \b
    Examples:
      fmgraph audit
      fmgraph --data my-course audit --format json
    """
    from . import output
    from .audit import audit as audit_course

    result = audit_course(state.store())
    emit(output.as_json(result) if fmt == "json" else output.audit_text(result))
    if result.findings:
        raise Findings()


@cli.command()
@click.argument("name")
@format_option("text", "json")
@store_options
@pass_state
def show(state: State, name: str, fmt: str) -> None:
    """Describe one concept, session (by code), work (by id, arXiv id or title) or topic.

    Qualify a name with its kind when it is ambiguous: concept:fine-tuning, topic:fine-tuning.

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
@store_options
@pass_state
def export(state: State, fmt: str, output: str | None) -> None:
    """Export the whole graph: RDF formats, or GraphML/GEXF of the networkx view for Gephi.

    Output is byte-identical for the same data; files are written atomically.

    \b
    Examples:
      fmgraph export -o fmgraph.ttl
      fmgraph export --format graphml -o fmgraph.graphml
    """
    from .export import write_export

    check_output(output)
    size = write_export(state.store(), fmt, output)
    if output not in (None, "-"):
        wrote(output, f"{fmt}, {size:,} bytes")


@cli.command()
@format_option("text", "json")
@local_options
@pass_state
def validate(state: State, fmt: str) -> None:
    """Check the data: schema, references, prerequisite cycles, SHACL shapes, RDF syntax.

    Every problem names its file, line and entry. Exits 1 when there is any.

    \b
    Example:
      fmgraph --data my-course/ validate
    """
    from . import output
    from .validate import validate_data

    problems = validate_data(state.data_dir)
    if fmt == "json":
        emit(output.as_json(problems))
    else:
        emit("".join(f"{p}\n" for p in problems) or f"{state.data_dir}: no problems found\n")
    if problems:
        raise Findings()


@cli.command()
@format_option("text", "json")
@store_options
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


@cli.command()
@click.option(
    "-o",
    "--output",
    default="fmgraph.html",
    show_default=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the page to this file ('-' for standard output).",
)
@click.option("--focus", metavar="NAME", help="Draw only the neighbourhood of this node.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    help="With --focus: how many links away from NAME to go.  [default: 1]",
)
@click.option("--concepts", is_flag=True, help="Draw the prerequisite DAG alone, in levels.")
@click.option(
    "--path",
    "chain",
    nargs=2,
    metavar="A B",
    help="Draw the chain of `fmgraph path A B` with its readings.",
)
@click.option(
    "--plan",
    "plan_target",
    metavar="TARGET",
    help="Open on the study plan of `fmgraph plan TARGET`, its concepts drawn in levels.",
)
@click.option("--sessions", is_flag=True, help="Open on the sessions in date order.")
@click.option("--title", help="The page's heading.")
@store_options
@pass_state
def render(
    state: State,
    output: str,
    focus: str | None,
    depth: int | None,
    concepts: bool,
    chain: tuple[str, str] | None,
    plan_target: str | None,
    sessions: bool,
    title: str | None,
) -> None:
    """Write the graph as one interactive HTML page that works offline.

    The page needs no network: everything it uses is inside the file. Search a node by name
    or alias, filter by kind, click a node to light up its neighbourhood, open a concept's
    study plan (the steps of `fmgraph plan`, with readings; mark what you know), list the
    sessions in date order. Names are resolved as in `fmgraph path` and `fmgraph show`.

    \b
    Examples:
      fmgraph render
      fmgraph render --focus dpo --depth 2 -o dpo.html
      fmgraph render --concepts -o concepts.html
      fmgraph render --path attention dpo --title "From attention to DPO"
      fmgraph render --plan dpo -o dpo-plan.html
      fmgraph render --sessions -o sessions.html
    """
    from .export import write_output
    from .render import BROWSER_NODES, build_page

    views = (focus is not None, concepts, chain is not None, plan_target is not None, sessions)
    if sum(views) > 1:
        raise click.UsageError("choose one view: --focus, --concepts, --path, --plan or --sessions")
    if depth is not None and focus is None:
        raise click.UsageError("--depth goes with --focus NAME")
    check_output(output)
    page = build_page(
        state.store(),
        focus=focus,
        depth=1 if depth is None else depth,
        concepts=concepts,
        path=chain,
        plan=plan_target,
        sessions=sessions,
        title=title,
    )
    write_output(ending_in_newline(page.html.encode()), output)
    if output != "-":
        wrote(output, f"{page.nodes} nodes, {page.links} links")
    from .graphview import unidentified_count

    if missing := unidentified_count(state.store()):
        click.echo(
            f"note: {missing} nodes have no dcterms:identifier; they are named by their label"
            " or IRI",
            err=True,
        )
    if page.whole and page.nodes > BROWSER_NODES:
        click.echo(
            f"note: a browser draws about {BROWSER_NODES:,} nodes smoothly; for a graph this "
            "size try --concepts, or --focus NAME --depth N",
            err=True,
        )


@cli.group(name="import")
@local_options
def import_group() -> None:
    """Merge reading lists (course sites, posts, BibTeX, CSL-JSON) into the --data directory.

    The directory is created when missing. New topics, works and sessions go to
    imported-topics.yaml, imported-works.yaml and imported-sessions.yaml; entries that already
    exist are updated where they are written, keeping your comments. A work already known (same
    arXiv id, DOI, URL or title) is reused, so importing the same sources twice changes nothing.
    Writes are atomic: on any error the directory is left as it was; imports of one directory
    take turns, and one killed half-way is finished by the next. See docs/importing.md.

    \b
    Example:
      fmgraph --data my-course/ import site course-site/
    """


def _import_options(f: F) -> F:
    """Options every import command shares."""
    f = format_option("text", "json")(f)
    f = click.option(
        "--write-links",
        is_flag=True,
        help="Write the proposed concept links (as teaches, uses or discusses).",
    )(f)
    f = click.option(
        "--link-concepts",
        is_flag=True,
        help="Propose links to concepts whose label or alias is a word of a work's title.",
    )(f)
    f = click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")(f)
    f = click.option(
        "--verbose", is_flag=True, help="List every change and every reported problem."
    )(f)
    return local_options(f)


def _reading_list_options(f: F) -> F:
    """The file and the session it is a reading list of, for BibTeX and CSL-JSON imports."""
    f = click.option(
        "--role",
        type=click.Choice(["required", "further"]),
        default="required",
        show_default=True,
        help="Role of the readings in the session.",
    )(f)
    f = click.option(
        "--session", "code", required=True, help="Code of the session they are read in."
    )(f)
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(f)


def _import_reading_list(state: State, run: Callable[..., Any], **options: Any) -> None:
    """Run a BibTeX or CSL-JSON import with the options its command was given."""
    fmt, verbose = options.pop("fmt"), options.pop("verbose")
    result = run(_import_dir(state), options.pop("file"), options.pop("code"),
                 options.pop("role"), progress=say, **options)  # fmt: skip
    _import_done(result, fmt, verbose)


def _import_dir(state: State) -> Path:
    if state.data is None:
        raise click.UsageError("import writes into a data directory: give it with --data DIR")
    return state.data


def _import_done(result: Any, fmt: str, verbose: bool) -> None:
    from . import output

    emit(output.as_json(result) if fmt == "json" else output.import_text(result, verbose))


@import_group.command(name="posts")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_import_options
@pass_state
def import_posts(
    state: State,
    paths: tuple[Path, ...],
    dry_run: bool,
    link_concepts: bool,
    write_links: bool,
    fmt: str,
    verbose: bool,
) -> None:
    """Import course posts: Jekyll markdown files, or folders searched for *.md.

    Each post gives a session (code from `desc`, title, date, tags as topics, first category
    as collection) and its readings in order: "Required Readings" are required, "More",
    "Extra" and "Even More" readings are further. Readings that could not be fully read are
    reported with file and line, and imported with what was found.

    \b
    Examples:
      fmgraph --data my-course/ import posts _posts/
      fmgraph --data my-course/ import posts _posts/2024-02-06-S5.md --dry-run
      fmgraph --data my-course/ import posts _posts/ --link-concepts --write-links
    """
    from .importing import import_posts as run

    result = run(
        _import_dir(state),
        list(paths),
        dry_run=dry_run,
        link_concepts=link_concepts,
        write_links=write_links,
        progress=say,
    )
    _import_done(result, fmt, verbose)


@import_group.command(name="bibtex")
@_reading_list_options
@_import_options
@pass_state
def import_bibtex(state: State, /, **options: Any) -> None:
    """Import a BibTeX file: one work per entry, each a reading of session --session.

    Titles, authors, years, DOIs, URLs and arXiv ids (from eprint/archivePrefix or an arXiv
    URL) are read with bibtexparser. A session that does not exist yet is created, titled by
    its code.

    \b
    Example:
      fmgraph --data my-course/ import bibtex readings.bib --session 2024-S5 --role further
    """
    from .importing import import_bibtex

    _import_reading_list(state, import_bibtex, **options)


@import_group.command(name="csl-json")
@_reading_list_options
@_import_options
@pass_state
def import_csl_json(state: State, /, **options: Any) -> None:
    """Import a CSL-JSON file (Zotero or Better BibTeX export): one work per item.

    Titles, authors, years, DOIs, URLs and arXiv ids (from the URL, or an arXiv: mention in
    number, note or container-title) are read; each item is a reading of session --session.

    \b
    Example:
      fmgraph --data my-course/ import csl-json library.json --session 2024-S5
    """
    from .importing import import_csl_json

    _import_reading_list(state, import_csl_json, **options)


@import_group.command(name="site")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--course", help="Prefix every session code with CODE- (e.g. --course NLP24).")
@click.option(
    "--role",
    type=click.Choice(["required", "further"]),
    help="Give every reading this role instead of the one its section names.",
)
@_import_options
@pass_state
def import_site(
    state: State,
    paths: tuple[Path, ...],
    course: str | None,
    role: str | None,
    dry_run: bool,
    link_concepts: bool,
    write_links: bool,
    fmt: str,
    verbose: bool,
) -> None:
    """Import a course website's source: folders or files of markdown, HTML and _data lists.

    Each file's format is detected: Jekyll posts and collections, documentation-theme lecture
    pages, plain markdown, HTML pages and schedule tables, and _data/*.yml|json lecture lists.
    One session per page or lecture (code from desc/code/lecture, else nav_order, date or file
    name); every paper id (arXiv, DOI, OpenReview, ACL, PMLR, NeurIPS) is a reading; slides,
    recordings and placeholders are left out and counted. See docs/importing.md.

    \b
    Examples:
      fmgraph --data my-course/ import site course-site/
      fmgraph --data my-course/ import site course-site/ --course NLP24 --dry-run
    """
    from .importing import import_site as run

    result = run(
        _import_dir(state),
        list(paths),
        course=course,
        role=role,
        dry_run=dry_run,
        link_concepts=link_concepts,
        write_links=write_links,
        progress=say,
    )
    _import_done(result, fmt, verbose)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7878,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds a query may run; then it is stopped and answered with 503.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Most rows (or triples) in one answer; a cut answer says X-Fmgraph-Truncated: true.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Query worker processes (default: the number of CPUs, between 2 and 4).",
)
@click.option("--cors", is_flag=True, help="Let web pages of any origin query the endpoint.")
@local_options
@pass_state
def serve(
    state: State,
    host: str,
    port: int,
    timeout: float,
    max_rows: int,
    workers: int | None,
    cors: bool,
) -> None:
    """Serve the graph: a read-only SPARQL endpoint at /query and the explorer at /.

    SPARQL 1.1 Protocol, GET and POST (form or application/sparql-query). SELECT and ASK
    answer as JSON, XML, CSV or TSV, CONSTRUCT and DESCRIBE as Turtle, N-Triples, RDF/XML or
    JSON-LD, as the Accept header asks. Updates, LOAD and SERVICE are refused with 403. The
    prefixes of fmgraph query are predeclared. On a loopback address, only requests to
    localhost are answered. The explorer shows the whole graph, or the concept map when the
    graph has more than 5,000 nodes. Ctrl-C stops the server.

    \b
    Examples:
      fmgraph serve
      fmgraph serve --port 8000 --timeout 5 --max-rows 1000
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 5' \\
        http://127.0.0.1:7878/query
    """
    from .cache import store_path
    from .serve import is_loopback
    from .serve import serve as serve_store

    if not is_loopback(host):
        click.echo(f"Warning: listening on {host}: others on the network can query it", err=True)
    serve_store(
        store_path(state.data_dir, progress=say),
        host=host,
        port=port,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        cors=cors,
        say=say,
    )


@cli.command()
@click.option(
    "--graph",
    metavar="IRI",
    help="Replace this named graph (default: the global --graph, else the default graph).",
)
@click.option(
    "--store-url",
    metavar="URL",
    help="Graph Store Protocol URL; derived only for Oxigraph (…/query → …/store).",
)
@click.option(
    "--update-url",
    metavar="URL",
    help="Push with SPARQL Update (DROP, INSERT DATA) to this URL, for servers with no graph"
    " store.",
)
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Triples sent in one request; progress is shown after each.",
)
@data_option
@functools.partial(endpoint_option, help="The SPARQL query endpoint to push to.")
@pass_state
def push(
    state: State,
    graph: str | None,
    store_url: str | None,
    update_url: str | None,
    chunk_size: int,
) -> None:
    """Upload the built graph to a SPARQL server, replacing the target graph.

    Uses the SPARQL 1.1 Graph Store Protocol: a PUT of the first chunk, a POST of each
    further one. Credentials come from FMGRAPH_ENDPOINT_TOKEN (Bearer), or
    FMGRAPH_ENDPOINT_USER and FMGRAPH_ENDPOINT_PASSWORD (Digest or Basic, as the server asks).

    \b
    Examples:
      fmgraph push --endpoint http://127.0.0.1:7878/query
      fmgraph push --endpoint http://127.0.0.1:7878/query --graph https://example.org/fm
      fmgraph push --store-url http://127.0.0.1:8890/sparql-graph-crud-auth --graph urn:fm
      fmgraph push --update-url http://127.0.0.1:8000/ --graph urn:fm
    """
    from .remote import push as push_graph

    endpoint = state.endpoint
    if endpoint is None and store_url is None and update_url is None:
        raise click.UsageError("give --endpoint URL (or --store-url or --update-url) to push to")
    store = state.local_store()
    pushed = push_graph(
        store,
        endpoint,
        graph=graph or state.graph,
        store_url=store_url,
        update_url=update_url,
        chunk=chunk_size,
        progress=say,
    )
    click.echo(f"pushed {pushed.triples} triples to {pushed.url}", err=True)


@cli.group(name="cache")
def cache_group() -> None:
    """Inspect or empty the cache of built stores ($FMGRAPH_CACHE_DIR).

    \b
    Examples:
      fmgraph cache info
      fmgraph cache clear
    """


@cache_group.command(name="info")
@format_option("text", "json")
def cache_info_command(fmt: str) -> None:
    """List the cached stores: key, triples, size, and whether each matches its manifest.

    \b
    Example:
      fmgraph cache info --format json
    """
    from . import output
    from .cache import cache_info

    info = cache_info()
    if fmt == "json":
        emit(output.as_json(info))
        return
    lines = [f"cache directory: {info.directory}"]
    for store in info.stores:
        triples = "?" if store.triples is None else f"{store.triples:,}"
        state = "ok" if store.problem is None else f"damaged: {store.problem}"
        lines.append(f"store {store.key}: {triples} triples, {store.bytes:,} bytes, {state}")
    lines.append(f"{len(info.stores)} stores; leftovers {info.leftover_bytes:,} bytes;"
                 f" {info.total_bytes:,} bytes in all")  # fmt: skip
    emit("\n".join(lines) + "\n")


@cache_group.command(name="clear")
def cache_clear_command() -> None:
    """Remove every cached store; the next command builds the one it needs.

    \b
    Example:
      fmgraph cache clear
    """
    from .cache import cache_dir, clear_cache

    freed = clear_cache()
    click.echo(f"removed the stores in {cache_dir()} ({freed:,} bytes)", err=True)


def main() -> None:
    State.deny_network = True
    cli(prog_name="fmgraph")
