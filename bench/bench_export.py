"""Benchmark: ``fmgraph export`` cold, N-Triples and Turtle, against a raw pyoxigraph dump.

Run: python bench/bench_export.py [--sizes 100000,1000000] [--rounds 5]
                                  [--formats ntriples,turtle] [--blank-nodes N]
                                  [--workdir DIR] [--before SRC]

For each size, a synthetic course from bench/synth.py (``--seed 7``) is generated and its store
built once, in a private cache under the work directory. Then, in each round, every command
runs once as a cold process, in turn: the plain baseline (``Store.read_only(path).dump(...)``
of the same store, in N-Triples and in Turtle, written to a file, in a process of its own) and
``fmgraph --data DIR export --format F -o FILE`` for each format. With ``--before SRC`` (a
``src`` directory of another checkout, e.g. from ``git archive``) the fmgraph commands run from
that code too, in the same rounds, and the files the two versions write are compared byte for
byte. ``--blank-nodes N`` adds to each course a file of N blank nodes (three triples each, one
naming it from an IRI), which every export renames by RDFC-1.0 first.

Each child's wall time is taken around it, its CPU time (user + system) and peak resident
memory (``ru_maxrss``) from ``wait4``, and the machine's 1-minute load average before each
round. Printed per size: ranges (min-max) and medians, CPU and peak memory per triple, and the
median over rounds of each command's CPU ratio to the raw N-Triples dump of that round, and of
fmgraph's Turtle to fmgraph's N-Triples (the target: within 2x). Across sizes: how CPU time
grows per tenfold step (log10 of the time ratio; 1.0 is linear).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import FMGRAPH, Samples, arguments, code_versions, run, say, span, synthetic

BENCH = Path(__file__).resolve().parent
SUFFIX = {"ntriples": "nt", "turtle": "ttl", "jsonld": "jsonld", "rdfxml": "rdf"}
RAW_DUMP = """
import sys
from pyoxigraph import DefaultGraph, RdfFormat, Store
fmt = {"ntriples": RdfFormat.N_TRIPLES, "turtle": RdfFormat.TURTLE}[sys.argv[2]]
Store.read_only(sys.argv[1]).dump(sys.argv[3], format=fmt, from_graph=DefaultGraph())
"""
STORE_PATH = """
import sys
from pathlib import Path
from fmgraph.cache import store_path
print(store_path(Path(sys.argv[1])))
"""


def ensure_data(workdir: Path, triples: int, seed: int, blank: int) -> Path:
    """The synthetic course of ``triples``, made once, with ``blank`` blank nodes in a file of
    their own."""

    def add_blank_nodes(out: Path) -> None:
        with (out / "blank.nt").open("w", encoding="utf-8") as f:
            for i in range(blank):
                f.write(
                    f"<https://example.org/thing/{i}> <https://example.org/part> _:b{i} .\n"
                    f'_:b{i} <https://example.org/position> "{i % 7}" .\n'
                    f"_:b{i} <https://example.org/next> _:b{(i + 1) % blank} .\n"
                )

    name = f"synth-{triples}-seed{seed}" + (f"-blank{blank}" if blank else "")
    args = ["--triples", str(triples), "--seed", str(seed)]
    return synthetic(workdir, name, args, add_blank_nodes if blank else None)


def digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def main() -> None:
    parser = arguments(__doc__, rounds=5, workdir="/tmp/fmgraph-export-bench")
    parser.add_argument("--sizes", default="100000,1000000", help="triples, comma-separated")
    parser.add_argument("--formats", default="ntriples,turtle", help=", ".join(SUFFIX))
    parser.add_argument("--blank-nodes", type=int, default=0, help="blank nodes added")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    args.workdir.mkdir(parents=True, exist_ok=True)
    outdir = args.workdir / "out"
    outdir.mkdir(exist_ok=True)
    versions = code_versions(args.workdir, args.before)
    env = versions["after"]
    fmgraph = FMGRAPH

    commands: dict[tuple[int, str], tuple[list[str], dict[str, str], Path]] = {}
    triples: dict[int, int] = {}
    for size in sizes:
        data = ensure_data(args.workdir, size, args.seed, args.blank_nodes)
        say(f"building (or finding) the store of {data.name}")
        store = run([sys.executable, "-c", STORE_PATH, str(data)], env)[3].decode().strip()
        for fmt in ("ntriples", "turtle"):
            out = outdir / f"{size}-raw.{SUFFIX[fmt]}"
            command = [sys.executable, "-c", RAW_DUMP, store, fmt, str(out)]
            commands[size, f"raw pyoxigraph dump, {fmt}"] = (command, env, out)
        for fmt in formats:
            for version, version_env in versions.items():
                name = f"fmgraph export --format {fmt}"
                name += f" [{version}]" if args.before else ""
                out = outdir / f"{size}-{version}.{SUFFIX[fmt]}"
                command = [*fmgraph, "--data", str(data), "export", "--format", fmt, "-o", str(out)]
                commands[size, name] = (command, version_env, out)

    samples = {key: Samples() for key in commands}
    for key, (command, command_env, out) in commands.items():  # warm the page cache, compile
        say(f"warm-up: {key[0]:,} {key[1]}")
        run(command, command_env)
        samples[key].output = out
        if key[1] == "raw pyoxigraph dump, ntriples":
            with out.open("rb") as f:
                chunks = iter(lambda: f.read(1 << 20), b"")
                triples[key[0]] = sum(chunk.count(b"\n") for chunk in chunks)
    outputs = {key: digest(out) for key, (_, _, out) in commands.items() if "[" in key[1]}
    loads: list[float] = []
    for i in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for key, (command, command_env, _) in commands.items():
            wall, cpu, rss, _ = run(command, command_env)
            samples[key].wall.append(wall)
            samples[key].cpu.append(cpu)
            samples[key].rss.append(rss)
        say(f"round {i + 1}/{args.rounds} done")
    loads.append(os.getloadavg()[0])

    print(f"# fmgraph export, cold, {args.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average (1 min) "
          f"{min(loads):.2f}-{max(loads):.2f} over the rounds")  # fmt: skip
    for size in sizes:
        n = triples[size]
        base = samples[size, "raw pyoxigraph dump, ntriples"]
        print()
        blank = f", {args.blank_nodes:,} of them blank nodes" if args.blank_nodes else ""
        print(f"## {n:,} triples in the default graph (synth --triples {size:,}{blank})")
        print()
        print("| command | wall | CPU | CPU per triple | peak RSS | RSS per triple | CPU ratio |")
        print("|---|---|---|---|---|---|---|")
        for (s, name), got in samples.items():
            if s != size:
                continue
            ratio = statistics.median(c / b for c, b in zip(got.cpu, base.cpu, strict=True))
            rss_median = statistics.median(got.rss)
            print(f"| {name} | {span(got.wall)} | {span(got.cpu)} | "
                  f"{statistics.median(got.cpu) / n * 1e6:.2f} µs | "
                  f"{min(got.rss) / 1e6:.0f}-{max(got.rss) / 1e6:.0f} MB | "
                  f"{rss_median / n:.0f} B | {ratio:.2f}x |")  # fmt: skip
        for version in versions:
            tag = f" [{version}]" if args.before else ""
            nt = samples.get((size, f"fmgraph export --format ntriples{tag}"))
            for fmt in formats:
                other = samples.get((size, f"fmgraph export --format {fmt}{tag}"))
                if fmt == "ntriples" or nt is None or other is None:
                    continue
                cpu = statistics.median(c / b for c, b in zip(other.cpu, nt.cpu, strict=True))
                wall = statistics.median(w / b for w, b in zip(other.wall, nt.wall, strict=True))
                print(f"\n{fmt}{tag} / ntriples{tag}: CPU {cpu:.2f}x, wall {wall:.2f}x "
                      "(median of the rounds' ratios; target: CPU within 2x)")  # fmt: skip
    if len(sizes) > 1:
        print()
        print("CPU growth per tenfold step (log10 of the ratio of medians; 1.0 is linear):")
        for name in dict.fromkeys(name for _, name in samples):
            steps = []
            for small, large in itertools.pairwise(sizes):
                a, b = samples[small, name], samples[large, name]
                growth = math.log10(statistics.median(b.cpu) / statistics.median(a.cpu))
                steps.append(f"{growth / math.log10(triples[large] / triples[small]):.2f}")
            print(f"  {name}: {', '.join(steps)}")
    if args.before:
        print()
        for (size, name), value in outputs.items():
            if name.endswith("[after]"):
                before = outputs[size, name.replace("[after]", "[before]")]
                same = "identical" if before == value else "DIFFERENT"
                print(f"output of {size:,} {name.removesuffix(' [after]')}: {same} before/after")


if __name__ == "__main__":
    main()
