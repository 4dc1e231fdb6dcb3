"""Scale benchmark: fmgraph on synthetic courses of about 10k, 100k and 1M triples.

Run: python bench/bench_scale.py [--sizes 10000,100000,1000000] [--workdir DIR] [--runs N]

Data directories come from bench/synth.py and are cached in the work directory (default
/tmp/fmgraph-scale); stores are built in private caches there, never the user's. Everything
is measured in one run, each fmgraph figure beside the plain way of doing the same work:

- load: triples/s of building a directory (a fresh process and a fresh cache per build),
  against raw ``pyoxigraph.Store().load`` and rdflib ``Graph().parse`` of the same graph as
  N-Triples (the built store, dumped), each in its own process, interleaved, medians;
- queries: a lookup, a GROUP BY over all sessions and ``fm:requires+``, through
  ``fmgraph.run_query`` against the same pyoxigraph store queried directly, and against
  rdflib holding the graph in memory;
- ``fmgraph path`` / ``plan`` / ``show`` / ``stats`` as cold processes on the built store,
  against ``python -c "import networkx"``; ``export``, ``render --concepts``, ``render --focus``
  and ``validate`` too, to show how they grow;
- peak memory (the maximum resident set of each child process, from ``wait4``) per triple;
- CPU time (user + system) of each child process, from ``wait4``, beside its wall time, and
  the machine's 1-minute load average before each round of builds and of commands;
- ``render``: the concept DAG page, and a page of a 20,000-node neighbourhood.

Prints markdown tables: the targets at the largest size (the build's ratio by CPU time and
by wall time), then the cost of every command at every size with its growth per tenfold step
(1.0 = linear), so a quadratic step shows at once, then the CPU time of every child process
with its range (min-max), and the load averages seen.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import dump_ntriples, say, synthetic

BENCH = Path(__file__).resolve().parent
SIZES = (10_000, 100_000, 1_000_000)
NEIGHBOURHOOD = 20_000  # nodes in the render view at 1M triples; scaled down with the graph
#: A command whose cost grows by more than 10**SUPERLINEAR per tenfold size is flagged.
SUPERLINEAR = 1.15

QUERIES = {
    "lookup": """
SELECT ?title ?year WHERE { ?w dcterms:identifier "%(work)s" ; dcterms:title ?title ;
  dcterms:issued ?year }""",
    "GROUP BY over all sessions": """
SELECT ?code (COUNT(?reading) AS ?n) WHERE {
  ?s a fm:Session ; dcterms:identifier ?code ; fm:hasReading ?reading .
} GROUP BY ?code ORDER BY ?code""",
    "fm:requires+ of dpo": """
SELECT DISTINCT ?a WHERE { ?c dcterms:identifier "dpo" ; fm:requires+ ?a }""",
}


# ------------------------------------------------------------------------------ children
# Each measured load runs in a fresh interpreter, so its peak memory is its own.


def _child(kind: str, arg: str) -> None:
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if kind == "build":
        from fmgraph.cache import store_path

        marks: list[tuple[float, str]] = []

        def progress(message: str) -> None:
            marks.append((time.perf_counter() - start, message))

        store_path(Path(arg), progress)
        result["marks"] = marks
    elif kind == "raw":
        from pyoxigraph import RdfFormat, Store

        store = Store()
        store.load(path=arg, format=RdfFormat.N_TRIPLES)
        result["triples"] = len(store)
    elif kind == "raw-bulk-disk":
        from pyoxigraph import RdfFormat, Store

        directory = tempfile.mkdtemp(prefix="raw-store-", dir=os.environ.get("TMPDIR"))
        store = Store(directory)
        store.bulk_load(path=arg, format=RdfFormat.N_TRIPLES)
        store.flush()
        result["triples"] = len(store)
        del store
        shutil.rmtree(directory)
    elif kind == "rdflib":
        from rdflib import Graph

        result["triples"] = len(Graph().parse(arg, format="nt"))
    else:
        raise SystemExit(f"unknown child {kind}")
    result["seconds"] = time.perf_counter() - start
    print(json.dumps(result))


@dataclass
class Run:
    seconds: float
    rss: int  # bytes
    output: str = ""
    cpu: float = 0.0  # user + system seconds of the child alone


class Launcher:
    """Starts measured processes from a small helper started first.

    Linux keeps the parent's peak resident set in a child's ``ru_maxrss`` across fork and
    exec, so a child of this (by then large) process would report this process's peak. The
    helper is started while everything is still small, and forks the measured commands.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--launcher"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, command: list[str], env: dict[str, str] | None = None) -> Run:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"command": command, "env": env}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if answer["status"] != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {answer['status']}")
        return Run(answer["seconds"], answer["rss"], answer["output"], answer["cpu"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def _launcher() -> None:
    """The helper's loop: one JSON request per line in, one JSON answer per line out."""
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is KiB on Linux
    for line in sys.stdin:
        request = json.loads(line)
        start = time.perf_counter()
        with subprocess.Popen(request["command"], env=request["env"], stdout=subprocess.PIPE) as p:
            assert p.stdout is not None
            output = p.stdout.read().decode()
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        answer = {
            "seconds": time.perf_counter() - start,
            "rss": usage.ru_maxrss * scale,
            "cpu": usage.ru_utime + usage.ru_stime,
            "status": p.returncode,
            "output": output,
        }
        print(json.dumps(answer), flush=True)


LAUNCHER: Launcher | None = None


def run(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and peak resident memory of one child process."""
    assert LAUNCHER is not None
    return LAUNCHER.run(command, env)


def child(kind: str, arg: str, env: dict[str, str]) -> tuple[Run, dict[str, Any]]:
    result = run([sys.executable, __file__, "--child", kind, arg], env)
    return result, json.loads(result.output.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ helpers


def _consume(query: Callable[..., Any], *args: Any) -> list[Any]:
    return list(query(*args))


def median_runs(runs: list[Run]) -> Run:
    seconds = statistics.median(r.seconds for r in runs)
    return Run(seconds, max(r.rss for r in runs), cpu=statistics.median(r.cpu for r in runs))


def record(size: Size, name: str, runs: list[Run]) -> None:
    """The median wall time, peak memory and CPU time (median and range) of ``runs``."""
    m = median_runs(runs)
    size.rows[name] = m.seconds
    size.memory[name] = m.rss
    cpu = [r.cpu for r in runs]
    size.cpu[name] = (statistics.median(cpu), min(cpu), max(cpu))


def timed(fn: Callable[[], object], budget: float = 0.2) -> Callable[[], float]:
    """Seconds per call of ``fn``, repeated until ``budget`` seconds have passed."""

    def measure() -> float:
        count, start = 0, time.perf_counter()
        while True:
            fn()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                return elapsed / count

    return measure


def interleaved(fns: list[Callable[[], float]], runs: int) -> list[float]:
    """Median of ``runs`` rounds, each calling every function once, in turn."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, got in zip(fns, samples, strict=True):
            got.append(fn())
    return [statistics.median(s) for s in samples]


def human_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def per_triple(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs" if seconds >= 1e-6 else f"{seconds * 1e9:.2f} ns"


def human_bytes(n: float) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


# ------------------------------------------------------------------------------ the data


def ensure_data(workdir: Path, size: int, seed: int) -> Path:
    """The synthetic directory of ``size`` triples, generated unless cached and current."""
    args = ["--triples", str(size), "--seed", str(seed)]
    return synthetic(workdir, f"synth-{size}-seed{seed}", args)


@dataclass
class Size:
    """Everything measured at one size."""

    triples: int  # what the store holds, once built; until then the size asked for
    data: Path
    nominal: int = 0  # the size asked for
    rows: dict[str, float] = field(default_factory=dict)  # measure -> seconds
    memory: dict[str, int] = field(default_factory=dict)  # measure -> peak bytes
    cpu: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # median, min, max
    loads: list[float] = field(default_factory=list)  # 1-min load average before each round
    notes: dict[str, str] = field(default_factory=dict)


def fresh_env(workdir: Path) -> tuple[dict[str, str], Path]:
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=workdir))
    return dict(os.environ, FMGRAPH_CACHE_DIR=str(cache), TMPDIR=str(workdir)), cache


# ------------------------------------------------------------------------------ measures


def measure_load(size: Size, workdir: Path, runs: int, warm: Path) -> None:
    """Build from scratch against the plain loads of the same graph as N-Triples."""
    dump = workdir / f"{size.data.name}.all.nt"
    builds: list[Run] = []
    phases: dict[str, list[float]] = {}
    raw: list[Run] = []
    raw_disk: list[Run] = []
    parsed: list[Run] = []
    for i in range(runs):
        size.loads.append(os.getloadavg()[0])
        env, cache = fresh_env(workdir)
        result, detail = child("build", str(size.data), env)
        builds.append(result)
        for name, seconds in build_phases(detail["marks"]).items():
            phases.setdefault(name, []).append(seconds)
        if i == 0:  # keep the first store for the commands, and dump it for the baselines
            shutil.rmtree(warm, ignore_errors=True)
            shutil.move(str(cache), warm)
            dump_ntriples(size.data, warm, dump)
        else:
            shutil.rmtree(cache, ignore_errors=True)
        env = dict(os.environ, TMPDIR=str(workdir))
        raw.append(child("raw", str(dump), env)[0])
        raw_disk.append(child("raw-bulk-disk", str(dump), env)[0])
        parsed.append(child("rdflib", str(dump), env)[0])
        say(f"  load run {i + 1}/{runs}: build {builds[-1].seconds:.2f} s, raw "
            f"{raw[-1].seconds:.2f} s, rdflib {parsed[-1].seconds:.2f} s")  # fmt: skip
    size.triples = sum(1 for _ in dump.open("rb"))
    for name, run_ in (
        ("build", builds),
        ("raw Store().load", raw),
        ("raw bulk_load to disk", raw_disk),
        ("rdflib parse", parsed),
    ):
        record(size, name, run_)
    for name, values in phases.items():
        size.rows[f"build: {name}"] = statistics.median(values)
    rdf = sorted(size.data.glob("*.nt"))
    if rdf:
        env = dict(os.environ, TMPDIR=str(workdir))
        nt = [child("raw", str(rdf[0]), env)[0] for _ in range(runs)]
        record(size, "raw Store().load of the .nt file", nt)


def build_phases(marks: list[tuple[float, str]]) -> dict[str, float]:
    """Durations between the build's progress messages, named by what happened in them. The
    RDF files load in a second thread while the YAML is read, so those two overlap."""
    at: dict[str, float] = {}
    for seconds, message in marks:
        for pattern, name in (
            (r"building", "start"),
            (r"loaded \d+ works", "yaml"),
            (r"loading ", "rdf"),
            (r"loaded \d+ RDF file", "rdf done"),
            (r"writing the catalogue", "catalogue"),
            (r"compacting", "compacting"),
            (r"built", "end"),
        ):
            if re.match(pattern, message) and name not in at:
                at[name] = seconds
    spans = {
        "YAML to catalog": ("start", "yaml"),
        "RDF files to store (beside the YAML)": ("rdf", "rdf done"),
        "catalog to store": ("catalogue", "compacting" if "compacting" in at else "end"),
        "compacting": ("compacting", "end"),
    }
    return {name: at[b] - at[a] for name, (a, b) in spans.items() if a in at and b in at}


def measure_cli(size: Size, warm: Path, runs: int, fmgraph: str, workdir: Path) -> None:
    """Cold processes on the built store, interleaved with importing networkx."""
    env = dict(os.environ, FMGRAPH_CACHE_DIR=str(warm))
    base = [fmgraph, "--data", str(size.data)]
    commands = {
        "fmgraph path rlhf dpo": [*base, "path", "rlhf", "dpo"],
        "fmgraph plan dpo": [*base, "plan", "dpo"],
        "fmgraph show dpo": [*base, "show", "dpo"],
        "fmgraph stats": [*base, "stats"],
        'python -c "import networkx"': [sys.executable, "-c", "import networkx"],
    }
    for command in commands.values():  # warm the page cache and byte-compile
        run(command, env)
    samples: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(runs):
        size.loads.append(os.getloadavg()[0])
        for name, command in commands.items():
            samples[name].append(run(command, env))
    for name, got in samples.items():
        record(size, name, got)
    slow = {
        "fmgraph export --format ntriples": [*base, "export", "--format", "ntriples", "-o",
                                             str(workdir / "export.nt")],
        "fmgraph render --concepts": [*base, "render", "--concepts", "-o",
                                      str(workdir / "concepts.html")],
        "fmgraph render --focus dpo": [*base, "render", "--focus", "dpo", "-o",
                                       str(workdir / "focus.html")],
    }  # fmt: skip
    for name, command in slow.items():
        record(size, name, [run(command, env) for _ in range(max(1, runs // 3))])
    for name in ("export.nt", "concepts.html", "focus.html"):
        (workdir / name).unlink(missing_ok=True)


def measure_validate(size: Size, warm: Path, fmgraph: str) -> None:
    env = dict(os.environ, FMGRAPH_CACHE_DIR=str(warm))
    record(size, "fmgraph validate", [run([fmgraph, "--data", str(size.data), "validate"], env)])


def measure_queries(size: Size, warm: Path, runs: int, dump: Path) -> None:
    """The same three queries through fmgraph, on the raw store, and in rdflib."""
    os.environ["FMGRAPH_CACHE_DIR"] = str(warm)
    from rdflib import Graph

    from fmgraph.cache import open_store
    from fmgraph.query import run_query
    from fmgraph.vocab import PREFIXES

    store = open_store(size.data)
    raw = store.oxigraph  # the very pyoxigraph Store fmgraph queries
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    work = next(iter(raw.query(header + "SELECT ?id WHERE { ?w a fm:Paper ; dcterms:identifier "
                                "?id } ORDER BY ?id LIMIT 1 OFFSET 7")))["id"].value  # fmt: skip
    start = time.perf_counter()
    graph = Graph()
    graph.parse(str(dump), format="nt")
    say(f"  rdflib holds {len(graph)} triples ({time.perf_counter() - start:.1f} s to parse)")
    for name, template in QUERIES.items():
        sparql = template % {"work": work}
        answers = {
            "fmgraph": len(_consume(run_query, store, sparql)),
            "raw": len(_consume(raw.query, header + sparql)),
            "rdflib": len(_consume(graph.query, header + sparql)),
        }
        if len(set(answers.values())) != 1:
            raise RuntimeError(f"{name}: the three disagree: {answers}")
        ours, plain, rdf = interleaved(
            [
                timed(partial(_consume, run_query, store, sparql)),
                timed(partial(_consume, raw.query, header + sparql)),
                timed(partial(_consume, graph.query, header + sparql), budget=0.5),
            ],
            runs,
        )
        size.rows[f"query {name}: fmgraph"] = ours
        size.rows[f"query {name}: raw pyoxigraph"] = plain
        size.rows[f"query {name}: rdflib"] = rdf
        size.notes[f"query {name}"] = f"{answers['fmgraph']} rows"
    del graph


def neighbourhood(graph: Any, centre: str, size: int) -> list[str]:
    """The first ``size`` nodes met going out from ``centre`` along links either way, in a
    fixed order (networkx's undirected view iterates a set, so its order varies by run)."""
    seen, order, queue = {centre}, [centre], deque([centre])
    while queue and len(order) < size:
        node = queue.popleft()
        for other in sorted(set(graph.successors(node)) | set(graph.predecessors(node))):
            if other not in seen and len(order) < size:
                seen.add(other)
                order.append(other)
                queue.append(other)
    return order


def measure_render(size: Size, warm: Path, runs: int) -> None:
    """Page of the concept DAG, and of a neighbourhood of the whole graph (Python time)."""
    os.environ["FMGRAPH_CACHE_DIR"] = str(warm)
    try:
        from fmgraph.render import build_page, render_html
    except ImportError as e:
        size.notes["render"] = f"pending: {e}"
        return
    from fmgraph.cache import open_store
    from fmgraph.graphview import full_graph

    store = open_store(size.data)
    pages: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        page = build_page(store, concepts=True).html
        pages.append(time.perf_counter() - start)
    size.rows["render --concepts"] = statistics.median(pages)
    size.notes["render --concepts"] = f"{len(page) / 1e6:.1f} MB page"
    start = time.perf_counter()
    graph = full_graph(store)
    size.rows["full_graph (the view render and GraphML start from)"] = time.perf_counter() - start
    hub = max(
        (n for n, d in graph.nodes(data=True) if d.get("kind") == "concept"),
        key=lambda n: (graph.degree(n), n),
    )
    wanted = max(100, NEIGHBOURHOOD * size.nominal // 1_000_000)
    view = graph.subgraph(neighbourhood(graph, hub, wanted)).copy()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_html(view, title="neighbourhood", context=graph)
        times.append(time.perf_counter() - start)
    size.rows["render a neighbourhood"] = statistics.median(times)
    size.notes["render a neighbourhood"] = (
        f"{view.number_of_nodes()} nodes, {view.number_of_edges()} links around "
        f"{graph.nodes[hub]['id']}"
    )


# ------------------------------------------------------------------------------ report

Target = tuple[str, str, str, Callable[[Size], float], str, Callable[[float], bool]]


def targets() -> list[Target]:
    """(measure, fmgraph side, baseline side, value of a size, target text, met?)"""

    found: list[Target] = [
        (
            "load: build the directory (CPU time)",
            "build",
            "raw Store().load",
            lambda s: s.cpu["raw Store().load"][0] / s.cpu["build"][0],
            "≥ 0.5×",
            lambda r: r >= 0.5,
        ),
        (
            "load: build the directory (wall time)",
            "build",
            "raw Store().load",
            lambda s: s.rows["raw Store().load"] / s.rows["build"],
            "≥ 0.5×",
            lambda r: r >= 0.5,
        ),
        (
            "load: build the directory",
            "build",
            "rdflib parse",
            lambda s: s.rows["rdflib parse"] / s.rows["build"],
            "≥ 8× (expected)",
            lambda r: r >= 8,
        ),
    ]
    for name in QUERIES:
        found.append(
            (
                f"query: {name}",
                f"query {name}: fmgraph",
                f"query {name}: raw pyoxigraph",
                lambda s, n=name: (
                    s.rows[f"query {n}: fmgraph"] / s.rows[f"query {n}: raw pyoxigraph"]
                ),
                "≤ 1.5×",
                lambda r: r <= 1.5,
            )
        )
        found.append(
            (
                f"query: {name}",
                f"query {name}: fmgraph",
                f"query {name}: rdflib",
                lambda s, n=name: s.rows[f"query {n}: rdflib"] / s.rows[f"query {n}: fmgraph"],
                "≥ 10× faster (expected)",
                lambda r: r >= 10,
            )
        )
    for name in ("fmgraph path rlhf dpo", "fmgraph plan dpo"):
        found.append(
            (
                f"{name}, cold process",
                name,
                'python -c "import networkx"',
                lambda s, n=name: s.rows[n] / s.rows['python -c "import networkx"'],
                "≤ 1.5×",
                lambda r: r <= 1.5,
            )
        )
    return found


def report(sizes: list[Size]) -> str:
    from importlib.metadata import version

    big = sizes[-1]
    versions = ", ".join(
        f"{p} {version(p)}" for p in ("pyoxigraph", "rdflib", "networkx", "PyYAML")
    )
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {versions}"
    loads = [x for s in sizes for x in s.loads]
    out = [f"### Targets at {big.triples:,} triples\n", f"Measured on {machine}."]
    out.append(f"1-minute load average before the rounds: {min(loads):.2f}-{max(loads):.2f} "
               f"(median {statistics.median(loads):.2f}).\n")  # fmt: skip
    out.append("| measure | fmgraph | baseline | ratio | target | |")
    out.append("|---|---|---|---|---|---|")
    for measure, ours, base, value, goal, met in targets():
        if ours not in big.rows or base not in big.rows:
            out.append(f"| {measure} | pending | {base} | | {goal} | |")
            continue
        ratio = value(big)
        verdict = "met" if met(ratio) else "**missed**"
        if ours == "build" and "CPU" in measure:
            ours_text = f"{human_time(big.cpu[ours][0])} CPU"
            base_text = f"{base}: {human_time(big.cpu[base][0])} CPU"
        elif ours == "build":
            ours_text = (
                f"{big.triples / big.rows[ours]:,.0f} triples/s ({human_time(big.rows[ours])})"
            )
            base_text = f"{base}: {big.triples / big.rows[base]:,.0f} triples/s"
        else:
            ours_text = human_time(big.rows[ours])
            base_text = f"{base.split(': ')[-1]}: {human_time(big.rows[base])}"
        out.append(f"| {measure} | {ours_text} | {base_text} | {ratio:.2f}× | {goal} | {verdict} |")
    for name, label in (("build", "build"), ("fmgraph path rlhf dpo", "`fmgraph path`, cold")):
        if name in big.memory:
            per = big.memory[name] / big.triples
            verdict = "met" if per <= 500 else "**missed**"
            peak = human_bytes(big.memory[name])
            out.append(f"| peak memory per triple: {label} | {per:.0f} B ({peak}) | | | ≤ 500 B "
                       f"| {verdict} |")  # fmt: skip
    for name in ("render --concepts", "render a neighbourhood"):
        if name in big.rows:
            t = big.rows[name]
            verdict = "met" if t < 2 else "**missed**"
            note = big.notes.get(name, "")
            out.append(f"| {name} ({note}) | {human_time(t)} | | | < 2 s | {verdict} |")
        elif "render" in big.notes:
            out.append(f"| {name} | {big.notes['render']} | | | < 2 s | |")
    out.append("")
    out.append(
        "### Cost at each size (median seconds; growth = log10 of the ratio per tenfold step)\n"
    )
    labels = [f"{s.triples:,} triples" for s in sizes]
    out.append("| measure | " + " | ".join(labels) + " | growth | per triple at the largest |")
    out.append("|---|" + "---|" * len(sizes) + "---|---|")
    names = list(dict.fromkeys(n for s in sizes for n in s.rows))
    flagged = []
    for name in names:
        cells = [human_time(s.rows[name]) if name in s.rows else "" for s in sizes]
        growth = []
        for a, b in pairwise(sizes):
            if name in a.rows and name in b.rows and a.rows[name] > 0:
                k = math.log(b.rows[name] / a.rows[name]) / math.log(b.triples / a.triples)
                growth.append(f"{k:.2f}")
                if k > SUPERLINEAR and b.rows[name] > 0.05:
                    flagged.append(f"{name} ({a.triples:,} → {b.triples:,}: {k:.2f})")
        last = next((s for s in reversed(sizes) if name in s.rows), None)
        per = per_triple(last.rows[name] / last.triples) if last else ""
        out.append(f"| {name} | " + " | ".join(cells) + f" | {', '.join(growth)} | {per} |")
    out.append("")
    out.append("### CPU time of each child process (user + system: median, min-max)\n")
    out.append("| process | " + " | ".join(labels) + " |")
    out.append("|---|" + "---|" * len(sizes))
    for name in dict.fromkeys(n for s in sizes for n in s.cpu):
        cells = []
        for s in sizes:
            if name in s.cpu:
                median, low, high = s.cpu[name]
                cells.append(f"{human_time(median)} ({human_time(low)}-{human_time(high)})")
            else:
                cells.append("")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("### Peak memory (maximum resident set of the process)\n")
    out.append("| process | " + " | ".join(labels) + " | per triple at the largest |")
    out.append("|---|" + "---|" * len(sizes) + "---|")
    for name in dict.fromkeys(n for s in sizes for n in s.memory):
        cells = [human_bytes(s.memory[name]) if name in s.memory else "" for s in sizes]
        last = next(s for s in reversed(sizes) if name in s.memory)
        out.append(f"| {name} | " + " | ".join(cells) +
                   f" | {last.memory[name] / last.triples:.0f} B |")  # fmt: skip
    notes = [f"- {s.triples:,} triples, {k}: {v}" for s in sizes for k, v in s.notes.items()]
    if notes:
        out += ["", *notes]
    out.append("")
    out.append(
        "Faster than linear growth (above "
        f"{SUPERLINEAR}): " + ("; ".join(flagged) if flagged else "none")
    )
    return "\n".join(out) + "\n"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1:] == ["--launcher"]:
        _launcher()
        return
    global LAUNCHER
    LAUNCHER = Launcher()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "fmgraph-scale"
    )
    parser.add_argument("--runs", type=int, default=5, help="rounds of the cheap measures")
    parser.add_argument("--load-runs", type=int, default=3, help="rounds of the builds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--validate-max",
        type=int,
        default=1_000_000,
        help="run `fmgraph validate` (pySHACL) up to this size only",
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    import compileall

    import fmgraph

    compileall.compile_dir(str(Path(fmgraph.__file__).parent), quiet=1)
    exe = str(Path(sys.executable).with_name("fmgraph"))
    sizes = []
    for triples in (int(x) for x in args.sizes.split(",")):
        size = Size(triples, ensure_data(args.workdir, triples, args.seed), triples)
        warm = args.workdir / f"cache-{size.data.name}"
        say(f"{size.data.name}: load")
        measure_load(size, args.workdir, args.load_runs, warm)
        say(f"{size.data.name}: commands")
        measure_cli(size, warm, args.runs, exe, args.workdir)
        if triples <= args.validate_max:
            say(f"{size.data.name}: validate")
            measure_validate(size, warm, exe)
        say(f"{size.data.name}: queries")
        measure_queries(size, warm, args.runs, args.workdir / f"{size.data.name}.all.nt")
        say(f"{size.data.name}: render")
        measure_render(size, warm, max(1, args.runs // 2))
        sizes.append(size)
        (args.workdir / "results.json").write_text(
            json.dumps([s.__dict__ for s in sizes], default=str, indent=1)
        )
    LAUNCHER.close()
    print(report(sizes))


if __name__ == "__main__":
    main()
