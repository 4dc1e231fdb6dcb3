"""Benchmark: ``fmgraph plan`` and ``fmgraph path`` cold, on deep concept graphs at 1M triples.

Run: python bench/bench_plan.py [--triples 1000000] [--deep-concepts 3000] [--rounds 7]
                                [--workdir DIR] [--before SRC]

Two synthetic courses come from bench/synth.py at the same size: the default shape, and one
where ``dpo`` builds on ``--deep-concepts`` more concepts, each discussed by many works. Their
stores are built once (in a private cache under the work directory). Then, in each round, every
command runs once as a cold process, in turn: ``python -c "import networkx"`` (the target's
yardstick), and on each course ``fmgraph plan dpo`` with the store's concept index removed
first (so it makes the index, as the first plan on a store does), then ``fmgraph plan dpo``,
``fmgraph path rlhf dpo``, ``fmgraph plan dpo --know rlhf`` and
``fmgraph next --know rlhf --toward dpo``, which read it. With
``--before SRC`` (a ``src`` directory of another checkout, e.g. from ``git archive``) the same
commands run from that code too, in the same rounds, so before and after are measured side by
side on the same machine state.

Each child's wall time is taken around it, its CPU time (user + system) from ``wait4``, and the
machine's 1-minute load average before each round. Printed: ranges (min-max) and medians, and
the median over rounds of each command's ratio to importing networkx in that round, for wall
and for CPU time. Outputs of the two code versions are compared and any difference reported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import FMGRAPH, Samples, arguments, code_versions, print_ratios, run, say, synthetic

BENCH = Path(__file__).resolve().parent
BASELINE = 'python -c "import networkx"'
COMMANDS = (
    ["plan", "dpo"],
    ["path", "rlhf", "dpo"],
    ["plan", "dpo", "--know", "rlhf"],
    ["next", "--know", "rlhf", "--toward", "dpo"],
)


def ensure_data(workdir: Path, triples: int, deep: int, seed: int) -> Path:
    """The synthetic course of ``triples`` (with ``deep`` concepts under dpo), made once."""
    args = ["--triples", str(triples), "--seed", str(seed)]
    args += ["--deep-concepts", str(deep)] if deep else []
    return synthetic(workdir, f"synth-{triples}-deep{deep}-seed{seed}", args)


def main() -> None:
    parser = arguments(__doc__, rounds=7, workdir="/tmp/fmgraph-plan-bench")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--deep-concepts", type=int, default=3000)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    shapes = {
        "default": ensure_data(args.workdir, args.triples, 0, args.seed),
        f"deep {args.deep_concepts}": ensure_data(
            args.workdir, args.triples, args.deep_concepts, args.seed
        ),
    }
    versions = code_versions(args.workdir, args.before)
    env = versions["after"]
    fmgraph = FMGRAPH
    commands: dict[str, tuple[list[str], dict[str, str]]] = {
        BASELINE: ([sys.executable, "-c", "import networkx"], env)
    }
    first_plans: dict[str, Path] = {}  # commands run with no concept index: they make it
    for shape, data in shapes.items():
        name = f"{shape}: fmgraph plan dpo, first on the store (makes its concept index)"
        commands[name] = ([*fmgraph, "--data", str(data), "plan", "dpo"], env)
        first_plans[name] = data
        for words in COMMANDS:
            for version, version_env in versions.items():
                name = f"{shape}: fmgraph {' '.join(words)}"
                name += f" [{version}]" if args.before else ""
                commands[name] = ([*fmgraph, "--data", str(data), *words], version_env)
    for data in shapes.values():
        say(f"building (or finding) the store of {data.name}")
        run([*fmgraph, "--data", str(data), "stats"], env)
    os.environ["FMGRAPH_CACHE_DIR"] = env["FMGRAPH_CACHE_DIR"]
    from fmgraph.cache import store_path
    from fmgraph.conceptindex import INDEX_FILE

    indexes = {name: store_path(data) / INDEX_FILE for name, data in first_plans.items()}
    samples = {name: Samples() for name in commands}
    for name, (command, command_env) in commands.items():  # warm the page cache, compile
        if name in indexes:
            indexes[name].unlink(missing_ok=True)
        samples[name].output = run(command, command_env).output
    loads: list[float] = []
    for i in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for name, (command, command_env) in commands.items():
            if name in indexes:
                indexes[name].unlink(missing_ok=True)
            samples[name].add(*run(command, command_env)[:3])
        say(f"round {i + 1}/{args.rounds} done")
    base = samples[BASELINE]
    print(f"# fmgraph plan / path, cold, {args.triples:,} triples, {args.rounds} rounds")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average (1 min) "
          f"{min(loads):.2f}-{max(loads):.2f} over the rounds")  # fmt: skip
    print()
    print_ratios(samples, base)
    if args.before:
        for name, got in samples.items():
            if name.endswith("[after]"):
                before = samples[name.replace("[after]", "[before]")]
                same = "identical" if before.output == got.output else "DIFFERENT"
                print(f"output of {name.removesuffix(' [after]')}: {same} before and after")


if __name__ == "__main__":
    main()
