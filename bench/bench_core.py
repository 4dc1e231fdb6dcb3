"""Benchmark of the core on the bundled course: cold `fmgraph path` and `fmgraph plan` against
importing networkx, and query latency through ``fmgraph.run_query`` against raw pyoxigraph on
the same store (a lookup, and a GROUP BY).

Run: python bench/bench_core.py [--runs N]. Each fmgraph figure and its baseline are measured
in the same run, interleaved, so machine noise hits both alike. Cold commands record the child
process's CPU time (user + system, from ``wait4``) beside its wall time; in-process queries
record CPU time (``time.process_time``). Prints the load average before and after, medians
and ranges (min–max), and the ratio of medians; the docs quote what the last run printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

GROUP_BY = """
SELECT ?code (COUNT(?reading) AS ?n) WHERE {
  ?s a fm:Session ; dcterms:identifier ?code ; fm:hasReading ?reading .
} GROUP BY ?code ORDER BY ?code
"""
LOOKUP = 'SELECT ?label WHERE { ?c dcterms:identifier "dpo" ; skos:prefLabel ?label }'

Sample = tuple[float, float]  # (wall seconds, CPU seconds)


def cold(command: list[str], env: dict[str, str]) -> Sample:
    """Wall and CPU time of one run of ``command`` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object], budget: float = 0.2) -> Callable[[], Sample]:
    """A measurement: how long one call of ``fn`` takes, averaged over ``budget`` seconds."""

    def run() -> Sample:
        count, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
        while time.process_time() - cpu0 < budget:
            fn()
            count += 1
        return (time.perf_counter() - wall0) / count, (time.process_time() - cpu0) / count

    return run


def interleaved(
    a: Callable[[], Sample], b: Callable[[], Sample], runs: int
) -> tuple[list[Sample], list[Sample]]:
    xs, ys = [], []
    for _ in range(runs):
        xs.append(a())
        ys.append(b())
    return xs, ys


def summary(samples: list[Sample], which: int) -> tuple[float, float, float]:
    values = [s[which] for s in samples]
    return statistics.median(values), min(values), max(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds >= 0.01 else f"{seconds * 1e6:.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    load_before = os.getloadavg()
    env = dict(os.environ, FMGRAPH_CACHE_DIR=tempfile.mkdtemp(prefix="fmgraph-bench-"))
    # pip byte-compiles an installed package; an editable checkout may not have been, and
    # PYTHONDONTWRITEBYTECODE may be set, so compile once to measure what users run.
    import compileall

    import fmgraph

    compileall.compile_dir(str(Path(fmgraph.__file__).parent), quiet=1)
    exe = str(Path(sys.executable).with_name("fmgraph"))
    subprocess.run([exe, "path", "transformer", "rlhf"], check=True, env=env, capture_output=True)
    networkx = [sys.executable, "-c", "import networkx"]

    os.environ["FMGRAPH_CACHE_DIR"] = env["FMGRAPH_CACHE_DIR"]
    from fmgraph.resources import data_dir
    from fmgraph.vocab import PREFIXES

    store = fmgraph.open_store(data_dir())
    raw = store.oxigraph  # the very pyoxigraph Store fmgraph queries
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    measures = [
        ("fmgraph path transformer rlhf (cold)",
         lambda: cold([exe, "path", "transformer", "rlhf"], env),
         "python -c 'import networkx'", lambda: cold(networkx, env), 2.0),
        ("fmgraph plan dpo (cold)", lambda: cold([exe, "plan", "dpo"], env),
         "python -c 'import networkx'", lambda: cold(networkx, env), 2.0),
        ("lookup, fmgraph.run_query", timed(lambda: list(fmgraph.run_query(store, LOOKUP))),
         "raw pyoxigraph Store.query", timed(lambda: list(raw.query(header + LOOKUP))), 1.3),
        ("GROUP BY, fmgraph.run_query", timed(lambda: list(fmgraph.run_query(store, GROUP_BY))),
         "raw pyoxigraph Store.query", timed(lambda: list(raw.query(header + GROUP_BY))), 1.5),
    ]  # fmt: skip
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    print("| measure | fmgraph CPU (range) | baseline | baseline CPU (range) | CPU ratio |"
          " wall ratio | target |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name, ours, base_name, base, target in measures:
        xs, ys = interleaved(ours, base, args.runs)  # type: ignore[arg-type]
        (cpu, lo, hi), (bcpu, blo, bhi) = summary(xs, 1), summary(ys, 1)
        wall_ratio = summary(xs, 0)[0] / summary(ys, 0)[0]
        verdict = "met" if cpu / bcpu <= target else "MISSED"
        print(f"| {name} | {ms(cpu)} ({ms(lo)}–{ms(hi)}) | {base_name} |"
              f" {ms(bcpu)} ({ms(blo)}–{ms(bhi)}) | {cpu / bcpu:.2f}× |"
              f" {wall_ratio:.2f}× | ≤ {target}× {verdict} |")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
