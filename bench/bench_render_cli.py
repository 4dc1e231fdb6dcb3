"""Benchmark: ``fmgraph render --concepts`` cold, on a synthetic course of 1M triples.

Run: python bench/bench_render_cli.py [--triples 1000000] [--deep-concepts 0] [--rounds 7]
                                      [--workdir DIR] [--before SRC]

The course comes from bench/synth.py (its default shape at 1M triples has 5,000 concepts and
8,140 prerequisite links; ``--deep-concepts N`` adds N more under ``dpo``). Its store is built
once, in a private cache under the work directory. Then, in each round, every command runs once
as a cold process, in turn: ``python -c "import networkx"`` (the project's yardstick) and
``fmgraph --data DIR render --concepts -o FILE``; with ``--before SRC`` (a ``src`` directory of
another checkout, from ``git archive``) the same command runs from that code too, in the same
rounds, and the two pages are compared byte for byte.

Each child's wall time is taken around it, its CPU time (user + system) from ``wait4``, and the
machine's 1-minute load average before each round. Printed: ranges (min-max) and medians in
seconds (the target, under 1.5 s, is absolute), and the median over rounds of each command's
ratio to importing networkx in that round, for wall and for CPU time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_plan import BASELINE, ensure_data
from measure import FMGRAPH, Samples, arguments, code_versions, print_ratios, run, say


def main() -> None:
    parser = arguments(__doc__, rounds=7, workdir="/tmp/fmgraph-render-bench")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--deep-concepts", type=int, default=0)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = ensure_data(args.workdir, args.triples, args.deep_concepts, args.seed)
    versions = code_versions(args.workdir, args.before)
    env = versions["after"]
    fmgraph = FMGRAPH
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        BASELINE: ([sys.executable, "-c", "import networkx"], env)
    }
    pages: dict[str, Path] = {}
    for version, version_env in versions.items():
        name = "fmgraph render --concepts" + (f" [{version}]" if args.before else "")
        pages[name] = args.workdir / f"concepts-{version}.html"
        render = ["--data", str(data), "render", "--concepts", "-o", str(pages[name])]
        commands[name] = ([*fmgraph, *render], version_env)
    say(f"building (or finding) the store of {data.name}")
    counts = json.loads(
        run([*fmgraph, "--data", str(data), "stats", "--format", "json"], env).output
    )
    concepts = counts["classes"].get("fm:Concept", 0)
    samples = {name: Samples() for name in commands}
    for name, (command, command_env) in commands.items():  # warm the page cache, compile
        run(command, command_env)
        if name in pages:
            samples[name].output = pages[name].read_bytes()
    loads: list[float] = []
    for i in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for name, (command, command_env) in commands.items():
            samples[name].add(*run(command, command_env)[:3])
        say(f"round {i + 1}/{args.rounds} done")
    loads.append(os.getloadavg()[0])
    base = samples[BASELINE]
    page = max(len(s.output) for s in samples.values())
    print(f"# fmgraph render --concepts, cold, {counts['triples']:,} triples, "
          f"{concepts:,} concepts, {page / 1e6:.1f} MB page, {args.rounds} rounds")  # fmt: skip
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, load average (1 min) {min(loads):.2f}-{max(loads):.2f} "
          "over the rounds")  # fmt: skip
    print()
    print_ratios(samples, base)
    if args.before:
        before, after = (samples[name].output for name in pages)
        same = "identical" if before == after else "DIFFERENT"
        print(f"page of fmgraph render --concepts: {same} before and after")


if __name__ == "__main__":
    main()
