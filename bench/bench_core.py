"""Benchmark of the core: cold `fmgraph path` against importing networkx, and query latency
through fmgraph against raw pyoxigraph on the same store.

Run: python bench/bench_core.py [--runs N]. Prints a table; the README quotes it. Both sides
of each ratio are measured in the same run, interleaved, so machine noise hits both alike.
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

QUERY = """
SELECT ?code (COUNT(?reading) AS ?n) WHERE {
  ?s a fm:Session ; dcterms:identifier ?code ; fm:hasReading ?reading .
} GROUP BY ?code ORDER BY ?code
"""


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[float, float]:
    """Median of ``runs`` alternating measurements of ``a`` and ``b``."""
    xs, ys = [], []
    for _ in range(runs):
        xs.append(a())
        ys.append(b())
    return statistics.median(xs), statistics.median(ys)


def timed(fn: Callable[[], object], repeat: int = 50) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        return (time.perf_counter() - start) / repeat

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ, FMGRAPH_CACHE_DIR=tempfile.mkdtemp(prefix="fmgraph-bench-"))
    # pip byte-compiles an installed package; an editable checkout may not have been, and
    # PYTHONDONTWRITEBYTECODE may be set, so compile once to measure what users run.
    import compileall

    import fmgraph

    compileall.compile_dir(str(Path(fmgraph.__file__).parent), quiet=1)
    exe = str(Path(sys.executable).with_name("fmgraph"))
    subprocess.run([exe, "path", "rlhf", "dpo"], check=True, env=env, capture_output=True)

    fm_path, nx_import = interleaved(
        lambda: wall([exe, "path", "rlhf", "dpo"], env),
        lambda: wall([sys.executable, "-c", "import networkx"], env),
        args.runs,
    )

    os.environ["FMGRAPH_CACHE_DIR"] = env["FMGRAPH_CACHE_DIR"]
    from fmgraph.query import run_query
    from fmgraph.resources import data_dir
    from fmgraph.store import open_store
    from fmgraph.vocab import PREFIXES

    store = open_store(data_dir())
    raw = store.oxigraph  # the very pyoxigraph Store fmgraph queries
    header = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    fm_query, raw_query = interleaved(
        timed(lambda: list(run_query(store, QUERY))),  # type: ignore[arg-type]
        timed(lambda: list(raw.query(header + QUERY))),  # type: ignore[arg-type]
        args.runs,
    )

    rows = [
        ("fmgraph path rlhf dpo (cold process)", fm_path, "python -c 'import networkx'",
         nx_import, 1.3),
        ("GROUP BY query through fmgraph", fm_query, "raw pyoxigraph Store.query", raw_query, 1.5),
    ]  # fmt: skip
    print(f"{'measure':<40} {'fmgraph':>10} {'baseline':<30} {'value':>10} {'ratio':>7} target")
    for name, ours, base_name, base, target in rows:
        ratio = ours / base
        ok = "ok" if ratio <= target else "MISSED"
        print(f"{name:<40} {ours * 1000:>8.1f}ms {base_name:<30} {base * 1000:>8.2f}ms "
              f"{ratio:>6.2f}x <= {target}x {ok}")  # fmt: skip


if __name__ == "__main__":
    main()
