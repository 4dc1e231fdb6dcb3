"""What every benchmark here shares: cold child processes timed by wall and CPU time with
their peak memory, ranges and per-round ratios, progress lines, and the synthetic courses of
``synth.py``, generated once per work directory."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

BENCH = Path(__file__).resolve().parent


class Child(NamedTuple):
    """One finished child process: wall and CPU seconds (user + system, of the child alone,
    from ``wait4``), peak resident memory in bytes, and what it wrote to standard output."""

    wall: float
    cpu: float
    rss: int
    output: bytes


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(command: list[str], env: dict[str, str] | None = None) -> Child:
    """Run ``command`` to its end; SystemExit if it fails."""
    start = time.perf_counter()
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE) as p:
        assert p.stdout is not None
        output = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited with {p.returncode}")
    return Child(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, output)


#: A cold fmgraph command: the CLI, run by this Python.
FMGRAPH = [sys.executable, "-c", "import sys; from fmgraph.cli import main; sys.exit(main())"]


@dataclass
class Samples:
    """What the rounds measured of one process: wall and CPU seconds and peak resident bytes
    per round, with what a benchmark keeps besides (each round's details, the output)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    detail: list[dict[str, Any]] = field(default_factory=list)
    output: Any = b""

    def add(
        self, wall: float, cpu: float, rss: int = 0, detail: dict[str, Any] | None = None
    ) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.rss.append(rss)
        self.detail.append(detail or {})


def print_ratios(samples: dict[str, Samples], base: Samples) -> None:
    """A table of each process's wall and CPU time and its ratio to ``base`` (the median over
    rounds of the ratio within a round)."""
    print("| command | wall | CPU | ratio wall | ratio CPU |")
    print("|---|---|---|---|---|")
    for name, got in samples.items():
        print(f"| {name} | {span(got.wall)} | {span(got.cpu)} | "
              f"{ratio(got.wall, base.wall):.2f}x | {ratio(got.cpu, base.cpu):.2f}x |")  # fmt: skip


def arguments(doc: str, *, rounds: int, workdir: str) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes (``--seed``, ``--rounds``,
    ``--workdir``, ``--before``), described by the first paragraph of ``doc``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--workdir", type=Path, default=Path(workdir))
    parser.add_argument("--before", type=Path, help="a src directory of the code to compare")
    return parser


def code_versions(workdir: Path, before: Path | None) -> dict[str, dict[str, str]]:
    """The environment of each version of fmgraph measured: "after" (the installed one) and,
    with ``before`` (the ``src`` directory of another checkout), "before" first. Both use a
    private cache in ``workdir``."""
    env = dict(os.environ, FMGRAPH_CACHE_DIR=str(workdir / "cache"))
    env.pop("PYTHONPATH", None)
    if before is None:
        return {"after": env}
    return {"before": dict(env, PYTHONPATH=str(before.resolve())), "after": env}


def span(values: list[float], unit: str = "s") -> str:
    """min-max and median."""
    return f"{min(values):.2f}-{max(values):.2f} {unit} (median {statistics.median(values):.2f})"


def ratio(top: list[float], bottom: list[float]) -> float:
    """The median over rounds of ``top / bottom`` taken within each round."""
    return statistics.median(t / b for t, b in zip(top, bottom, strict=True))


def synthetic(
    workdir: Path, name: str, args: list[str], extra: Callable[[Path], None] | None = None
) -> Path:
    """``workdir / name``, written by ``synth.py ARGS`` (then ``extra``, given the directory)
    unless it is there already, made by the same synth.py with the same arguments."""
    sys.path.insert(0, str(BENCH))
    import synth

    out = workdir / name
    key = hashlib.sha256((BENCH / "synth.py").read_bytes() + " ".join(args).encode())
    stamp = out / "synth.key"  # not a data file: fmgraph reads only YAML and RDF files
    if stamp.is_file() and stamp.read_text() == key.hexdigest():
        return out
    shutil.rmtree(out, ignore_errors=True)
    say(f"generating {out}")
    synth.main([*args, str(out)])
    if extra is not None:
        extra(out)
    stamp.write_text(key.hexdigest())
    return out


def dump_ntriples(data: Path, cache: Path, out: Path) -> None:
    """The built store of ``data`` (in the cache ``cache``), dumped to ``out`` as N-Triples."""
    code = (
        "import sys; from pathlib import Path; from pyoxigraph import DefaultGraph, RdfFormat;"
        "from fmgraph.cache import open_store;"
        "open_store(Path(sys.argv[1])).oxigraph.dump(sys.argv[2], format=RdfFormat.N_TRIPLES,"
        " from_graph=DefaultGraph())"
    )
    env = dict(os.environ, FMGRAPH_CACHE_DIR=str(cache))
    subprocess.run([sys.executable, "-c", code, str(data), str(out)], env=env, check=True)
