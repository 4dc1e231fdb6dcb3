"""fmgraph over Virtuoso (`--endpoint`) against the embedded store, on the synthetic graph.

Run: python bench/bench_virtuoso.py [--triples 1000000] [--runs 5] [--work DIR]

1. makes the synthetic course (bench/synth.py) and builds its embedded store;
2. exports the store as N-Triples and loads it into a new Virtuoso database (started on
   127.0.0.1 by tests/servers.py) with Virtuoso's bulk loader, ``ld_dir`` + ``rdf_loader_run``
   through ``isql-vt``, into the named graph GRAPH, then a checkpoint;
3. runs each command — path, plan, show and a GROUP BY query — as a fresh ``fmgraph``
   process, embedded and through ``--endpoint URL --graph GRAPH`` interleaved, ``--runs``
   times each, checking that both print the same bytes.

For each it prints the ranges of wall time, of the client's CPU time and of Virtuoso's CPU
time (from /proc), the ratio of median wall times, and the load average around the runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))

import servers  # noqa: E402  (tests/servers.py starts Virtuoso as the tests do)

GRAPH = "https://example.org/graphs/synthetic"
COMMANDS = {
    "path rlhf dpo": ["path", "rlhf", "dpo"],
    "plan dpo": ["plan", "dpo"],
    "show dpo": ["show", "dpo"],
    "GROUP BY (readings per session)": [
        "query",
        "--format",
        "csv",
        "SELECT ?code (COUNT(?reading) AS ?n) WHERE { ?s a fm:Session ;"
        " dcterms:identifier ?code ; fm:hasReading ?reading } GROUP BY ?code ORDER BY ?code",
    ],
}
FMGRAPH = [sys.executable, "-c", "from fmgraph.cli import main; main()"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(
    args: list[str], env: dict[str, str], server_pid: int | None
) -> tuple[float, float, float, bytes]:
    """Wall time, client CPU time, server CPU time and output of one fmgraph run."""
    before = os.times()
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    start = time.perf_counter()
    done = subprocess.run([*FMGRAPH, *args], env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    server = (cpu_seconds(server_pid) - server_before) if server_pid else 0.0
    if done.returncode != 0:
        raise SystemExit(f"fmgraph {' '.join(args)} failed:\n{done.stderr.decode()}")
    client = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, client, server, done.stdout


def span(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def isql(port: int, statements: str) -> float:
    """Run SQL through isql-vt as dba; the seconds it took."""
    program = shutil.which("isql-vt") or shutil.which("isql")
    if program is None:
        raise SystemExit("isql-vt is missing: apt-get install virtuoso-opensource-7-bin")
    start = time.perf_counter()
    done = subprocess.run(
        [program, str(port), servers.VIRTUOSO_USER, servers.VIRTUOSO_PASSWORD],
        input=statements.encode(),
        capture_output=True,
        check=False,
    )
    output = done.stdout.decode() + done.stderr.decode()
    if done.returncode != 0 or "*** Error" in output:
        raise SystemExit(f"isql failed:\n{output}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, help="working directory (default: a new temporary)")
    parser.add_argument("--buffers", type=int, default=170_000, help="Virtuoso 8 KB pages")
    options = parser.parse_args()
    import tempfile

    work = options.work or Path(tempfile.mkdtemp(prefix="fmgraph-bench-virtuoso-"))
    work.mkdir(parents=True, exist_ok=True)
    data, load, db = work / "data", work / "load", work / "virtuoso"
    env = {**os.environ, "FMGRAPH_CACHE_DIR": str(work / "cache")}
    if not data.is_dir():
        subprocess.run(
            [sys.executable, str(BENCH / "synth.py"), "--triples", str(options.triples),
             "--seed", str(options.seed), str(data)],
            check=True,
        )  # fmt: skip
    start = time.perf_counter()
    subprocess.run([*FMGRAPH, "--data", str(data), "stats"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    print(f"embedded store built (or found) in {time.perf_counter() - start:.1f} s")
    load.mkdir(exist_ok=True)
    dump = load / "graph.nt"
    if not dump.is_file():
        subprocess.run(
            [*FMGRAPH, "--data", str(data), "export", "--format", "ntriples", "-o", str(dump)],
            env=env,
            check=True,
        )
    shutil.rmtree(db, ignore_errors=True)
    db.mkdir()
    with servers.virtuoso(db, load_dir=load, buffers=options.buffers) as server:
        ini = (db / "virtuoso.ini").read_text()
        sql_port = int(ini.split("ServerPort = 127.0.0.1:", 1)[1].split()[0])
        seconds = isql(
            sql_port,
            f"ld_dir('{load}', 'graph.nt', '{GRAPH}');\nrdf_loader_run();\ncheckpoint;\n",
        )
        size = dump.stat().st_size / 1e6
        print(f"Virtuoso bulk load (ld_dir + rdf_loader_run + checkpoint) of {size:.0f} MB"
              f" N-Triples: {seconds:.1f} s")  # fmt: skip
        remote = ["--endpoint", server.query_url, "--graph", GRAPH]
        local = ["--data", str(data)]
        print(f"{'command':<34} {'embedded wall s':>16} {'endpoint wall s':>16}"
              f" {'ratio':>6} {'client CPU s emb/end':>22} {'Virtuoso CPU s':>15}")  # fmt: skip
        load_before = os.getloadavg()
        for name, args in COMMANDS.items():
            embedded: list[tuple[float, float, float, bytes]] = []
            endpoint: list[tuple[float, float, float, bytes]] = []
            timed([*local, *args], env, None)  # warm both: page cache, Virtuoso's buffers
            timed([*remote, *args], env, server.process.pid)
            for _ in range(options.runs):
                embedded.append(timed([*local, *args], env, None))
                endpoint.append(timed([*remote, *args], env, server.process.pid))
            if embedded[0][3] != endpoint[0][3]:
                raise SystemExit(f"{name}: the endpoint's answer differs from the embedded one")
            e_wall = [r[0] for r in embedded]
            r_wall = [r[0] for r in endpoint]
            ratio = statistics.median(r_wall) / statistics.median(e_wall)
            print(
                f"{name:<34} {span(e_wall):>16} {span(r_wall):>16} {ratio:>5.2f}x"
                f" {span([r[1] for r in embedded]) + ' / ' + span([r[1] for r in endpoint]):>22}"
                f" {span([r[2] for r in endpoint]):>15}"
            )
        load_after = os.getloadavg()
    print(f"same output embedded and through the endpoint for every command; {options.runs} runs"
          f" each, interleaved; load average {load_before[0]:.1f} before, {load_after[0]:.1f}"
          f" after, on {os.cpu_count()} CPUs")  # fmt: skip


if __name__ == "__main__":
    main()
