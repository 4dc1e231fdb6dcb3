"""Benchmark: building a store against loading the same graph, and the snapshot threshold.

Run: python bench/bench_build.py [--triples 1000000] [--rounds 5] [--workdir DIR]
                                 [--snapshot-sizes 5000,10000,20000,50000,84000]
                                 [--snapshot-rounds 7] [--skip-build] [--skip-snapshot]
                                 [--skip-edits] [--edit-rounds 5] [--before SRC]

**Build.** A synthetic course of ``--triples`` (bench/synth.py, seed 7) is built from scratch
in each round, as ``fmgraph`` builds it on first use (``fmgraph.cache.store_path`` with an
empty cache: YAML and N-Triples in, a compacted on-disk store, its manifest), in a fresh
process; interleaved with it, in fresh processes too, the plain ways to hold the same graph
(the built store dumped as N-Triples): ``pyoxigraph.Store().load`` in memory (the target's
yardstick) and Oxigraph's own ``bulk_load`` into an on-disk store (the floor of any build that
writes a database). The build's steps come from its progress messages. With ``--before SRC``
(the ``src`` directory of another checkout: ``git archive COMMIT | tar -x -C DIR``, then
``--before DIR/src``) that code's build runs in the same rounds too.

**Edits.** An instructor edits one file and runs a command: the store is rebuilt by patching
the store of the directory before the edit (:mod:`fmgraph.patch`). For each YAML file of the
synthetic course, a copy of the course gets one edit in that file (a quoted value in the
middle of the file changes); in each round, in fresh processes and in turn, that copy is built
from a cache holding only the store of the unedited course (a patch), and from an empty cache
(a full build). Printed per file: both costs and the median over rounds of patch ÷ full.

**Snapshot.** For each of ``--snapshot-sizes``, a synthetic course is built twice: with the
N-Quads snapshot a small store keeps beside its database, and without it. In each round
``fmgraph path rlhf dpo``, ``fmgraph show dpo`` and ``fmgraph stats`` (which reads every
triple) run cold against both, in turn, so the cost
of loading the snapshot into memory is set against opening the database read-only.

Each child's wall time is taken around it, its CPU time (user + system) and peak resident set
from ``wait4``, and the 1-minute load average before each round. Printed: ranges (min-max)
and medians, and the median over rounds of each ratio taken within a round.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import FMGRAPH, Samples, arguments, dump_ntriples, ratio, run, say, span, synthetic

BENCH = Path(__file__).resolve().parent


def ensure_data(workdir: Path, triples: int, seed: int) -> Path:
    """The synthetic course of ``triples``, made once."""
    args = ["--triples", str(triples), "--seed", str(seed)]
    return synthetic(workdir, f"synth-{triples}-seed{seed}", args)


# ------------------------------------------------------------------------------ children


def _child(kind: str, arg: str, extra: str) -> None:
    result: dict[str, Any] = {}
    start = time.perf_counter()
    if kind == "build":  # arg: the data directory; FMGRAPH_CACHE_DIR is empty
        import fmgraph.pipeline
        from fmgraph.cache import store_path

        if extra:  # the snapshot part builds one store of each kind
            fmgraph.pipeline.SNAPSHOT_LIMIT = int(extra)
        marks: list[tuple[float, float, str]] = []

        def progress(message: str) -> None:
            marks.append((time.perf_counter() - start, time.process_time(), message))

        result["store"] = str(store_path(Path(arg), progress))
        result["marks"] = marks
    elif kind == "raw":  # arg: an N-Triples file
        from pyoxigraph import RdfFormat, Store

        store = Store()
        store.load(path=arg, format=RdfFormat.N_TRIPLES)
        result["triples"] = len(store)
    elif kind == "raw-disk":  # arg: an N-Triples file; extra: an empty directory
        from pyoxigraph import RdfFormat, Store

        store = Store(extra)
        store.bulk_load(path=arg, format=RdfFormat.N_TRIPLES)
        store.flush()
        result["triples"] = len(store)
    else:
        raise SystemExit(f"unknown child {kind}")
    print(json.dumps(result))


def child(kind: str, arg: str, extra: str = "", env: dict[str, str] | None = None) -> tuple:
    wall, cpu, rss, out = run([sys.executable, __file__, "--child", kind, arg, extra], env)
    out = out.decode()
    return wall, cpu, rss, json.loads(out.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ the build

STEPS = (  # (name, message that starts it, messages that may end it)
    ("YAML to catalogue (the RDF files load beside it)", "building", ("loaded ",)),
    ("wait for the RDF files", "catalog", ("writing",)),
    ("catalogue to store", "writing", ("compacting", "built")),
    ("compacting", "compacting", ("built",)),
)


def steps(marks: list[list[Any]]) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds (all threads) of each step of a build, from its progress marks."""
    found: dict[str, tuple[float, float]] = {}
    for name, first, ends in STEPS:
        start = next((m for m in marks if m[2].startswith(first)), None)
        if start is None:
            continue
        after = marks[marks.index(start) + 1 :]
        end = next((m for m in after if m[2].startswith(ends)), None)
        if end is not None:
            found[name] = (end[0] - start[0], end[1] - start[1])
    return found


def bench_build(args: argparse.Namespace) -> None:
    data = ensure_data(args.workdir, args.triples, args.seed)
    nt = args.workdir / f"{data.name}.all.nt"
    names = ["build", "raw Store().load", "raw bulk_load to disk"]
    if args.before:
        names.insert(0, "build [before]")
    samples = {name: Samples() for name in names}
    loads: list[float] = []
    for i in range(args.rounds + 1):  # round 0 warms the page cache and writes the dump
        load = os.getloadavg()[0]
        cache = Path(tempfile.mkdtemp(prefix="cache-", dir=args.workdir))
        env = dict(os.environ, FMGRAPH_CACHE_DIR=str(cache))
        build = child("build", str(data), env=env)
        if not nt.is_file():
            dump_ntriples(data, cache, nt)
        shutil.rmtree(cache)
        got = [build]
        if args.before:
            cache = Path(tempfile.mkdtemp(prefix="cache-", dir=args.workdir))
            before_env = dict(env, FMGRAPH_CACHE_DIR=str(cache), PYTHONPATH=str(args.before))
            got.insert(0, child("build", str(data), env=before_env))
            shutil.rmtree(cache)
        raw = child("raw", str(nt))
        disk = Path(tempfile.mkdtemp(prefix="raw-", dir=args.workdir))
        raw_disk = child("raw-disk", str(nt), str(disk))
        shutil.rmtree(disk)
        say(f"round {i}/{args.rounds}: build {build[0]:.2f} s ({build[1]:.2f} s CPU), "
            f"raw load {raw[0]:.2f} s ({raw[1]:.2f} s CPU), load average {load:.2f}")  # fmt: skip
        if i == 0:
            continue
        loads.append(load)
        for name, result in zip(samples, [*got, raw, raw_disk], strict=True):
            samples[name].add(*result)
    triples = samples["raw Store().load"].detail[0]["triples"]
    base = samples["raw Store().load"]
    print(f"## Build at {triples:,} triples, {args.rounds} rounds\n")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average (1 min) "
          f"{min(loads):.2f}-{max(loads):.2f} over the rounds\n")  # fmt: skip
    print("| process | wall | CPU | peak RSS | raw load ÷ it, wall | raw load ÷ it, CPU |")
    print("|---|---|---|---|---|---|")
    for name, got in samples.items():
        rss = f"{max(got.rss) / 1e6:.0f} MB"
        print(f"| {name} | {span(got.wall)} | {span(got.cpu)} | {rss} | "
              f"{ratio(base.wall, got.wall):.2f}× | {ratio(base.cpu, got.cpu):.2f}× |")  # fmt: skip
    print("\nSteps of the build (wall, CPU of all its threads):\n")
    print("| step | wall | CPU |")
    print("|---|---|---|")
    per_step = [steps(d["marks"]) for d in samples["build"].detail]
    for name, *_ in STEPS:
        got = [s[name] for s in per_step if name in s]
        if got:
            print(f"| {name} | {span([w for w, _ in got])} | {span([c for _, c in got])} |")
    print()


# ------------------------------------------------------------------------------ edits


def edited_copy(data: Path, name: str, target: Path) -> Path:
    """A copy of ``data`` whose file ``name`` has one quoted value changed, mid-file."""
    if not target.is_dir():
        shutil.copytree(data, target)
        text = (data / name).read_text()
        start = text.index(': "', len(text) // 2)
        end = text.index('"\n', start + 3)
        (target / name).write_text(text[:end] + " (edited)" + text[end:])
    return target


def bench_edits(args: argparse.Namespace) -> None:
    data = ensure_data(args.workdir, args.triples, args.seed)
    names = sorted(p.name for p in data.iterdir() if p.suffix == ".yaml")
    base = args.workdir / f"cache-{data.name}-base"
    shutil.rmtree(base, ignore_errors=True)
    build = child("build", str(data), env=dict(os.environ, FMGRAPH_CACHE_DIR=str(base)))
    say(f"base store built in {build[0]:.2f} s")
    copies = {n: edited_copy(data, n, args.workdir / f"{data.name}-edit-{n}") for n in names}
    cells = {(n, kind): Samples() for n in names for kind in ("patch", "full")}
    loads: list[float] = []
    for i in range(args.edit_rounds + 1):  # round 0 warms the page cache
        load = os.getloadavg()[0]
        for name in names:
            for kind in ("patch", "full"):
                cache = args.workdir / f"cache-edit-{kind}"
                shutil.rmtree(cache, ignore_errors=True)
                if kind == "patch":  # the unedited course's store, linked: a patch never writes it
                    shutil.copytree(base, cache, copy_function=os.link)
                env = dict(os.environ, FMGRAPH_CACHE_DIR=str(cache))
                got = child("build", str(copies[name]), env=env)
                patched = any(m[2].startswith("patching") for m in got[3]["marks"])
                if patched != (kind == "patch"):
                    raise SystemExit(f"{name}: expected a {kind}, got {got[3]['marks']}")
                if i:
                    cells[name, kind].add(*got)
                shutil.rmtree(cache)
        say(f"edit round {i}/{args.edit_rounds} done, load average {load:.2f}")
        if i:
            loads.append(load)
    print(f"## An edit of one file at {args.triples:,} triples: patch against full build, "
          f"{args.edit_rounds} rounds\n")  # fmt: skip
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average (1 min) "
          f"{min(loads):.2f}-{max(loads):.2f} over the rounds\n")  # fmt: skip
    print("| file edited | size | patch wall | patch CPU | full build wall | full build CPU | "
          "patch ÷ full, wall | patch ÷ full, CPU |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        a, b = cells[name, "patch"], cells[name, "full"]
        size = (data / name).stat().st_size / 1e6
        shares = f"{ratio(a.wall, b.wall):.2f}× | {ratio(a.cpu, b.cpu):.2f}×"
        print(f"| {name} | {size:.1f} MB | {span(a.wall)} | {span(a.cpu)} | {span(b.wall)} | "
              f"{span(b.cpu)} | {shares} |")  # fmt: skip
    print()


# ------------------------------------------------------------------------------ the snapshot


def bench_snapshot(args: argparse.Namespace) -> None:
    sizes = [int(x) for x in args.snapshot_sizes.split(",")]
    kinds = {"snapshot": str(10**9), "database": "0"}  # SNAPSHOT_LIMIT of each build
    commands = {"path": ["path", "rlhf", "dpo"], "show": ["show", "dpo"], "stats": ["stats"]}
    cells: dict[tuple[int, str, str], Samples] = {}
    plan = []
    for size in sizes:
        data = ensure_data(args.workdir, size, args.seed)
        for kind, limit in kinds.items():
            cache = args.workdir / f"cache-{data.name}-{kind}"
            shutil.rmtree(cache, ignore_errors=True)
            env = dict(os.environ, FMGRAPH_CACHE_DIR=str(cache))
            store = Path(child("build", str(data), limit, env=env)[3]["store"])
            has = (store / "snapshot.nq").is_file()
            if has != (kind == "snapshot"):
                raise SystemExit(f"{store}: expected a {kind} store")
            for name, words in commands.items():
                command = [*FMGRAPH, "--data", str(data), *words]
                run(command, env)  # warm the page cache; the store is found in the cache
                cells[size, kind, name] = Samples()
                plan.append(((size, kind, name), command, env))
    loads: list[float] = []
    for i in range(args.snapshot_rounds):
        loads.append(os.getloadavg()[0])
        for key, command, env in plan:
            cells[key].add(*run(command, env)[:3], {})
        say(f"snapshot round {i + 1}/{args.snapshot_rounds} done")
    for _, _, env in plan:  # a second store means a rebuild: the code changed during the run
        if len(list(Path(env["FMGRAPH_CACHE_DIR"], "stores").iterdir())) != 1:
            raise SystemExit(f"{env['FMGRAPH_CACHE_DIR']}: rebuilt during the run; run again")
    print(f"## Cold commands: snapshot against database, {args.snapshot_rounds} rounds\n")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average (1 min) "
          f"{min(loads):.2f}-{max(loads):.2f} over the rounds\n")  # fmt: skip
    print("| triples (nominal) | command | snapshot CPU | database CPU | snapshot ÷ database, "
          "CPU | snapshot wall | database wall | snapshot ÷ database, wall |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for size in sizes:
        for name in commands:
            a, b = cells[size, "snapshot", name], cells[size, "database", name]
            print(f"| {size:,} | {name} | {span(a.cpu)} | {span(b.cpu)} | "
                  f"{ratio(a.cpu, b.cpu):.2f}× | {span(a.wall)} | {span(b.wall)} | "
                  f"{ratio(a.wall, b.wall):.2f}× |")  # fmt: skip
    print()


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(*sys.argv[2:5])
        return
    parser = arguments(__doc__, rounds=5, workdir="/tmp/fmgraph-build-bench")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--snapshot-sizes", default="5000,10000,20000,50000,84000")
    parser.add_argument("--snapshot-rounds", type=int, default=7)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-snapshot", action="store_true")
    parser.add_argument("--skip-edits", action="store_true")
    parser.add_argument("--edit-rounds", type=int, default=5)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.before:
        args.before = args.before.resolve()
    if not args.skip_build:
        bench_build(args)
    if not args.skip_edits:
        bench_edits(args)
    if not args.skip_snapshot:
        bench_snapshot(args)


if __name__ == "__main__":
    main()
