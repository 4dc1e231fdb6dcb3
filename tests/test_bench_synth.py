"""bench/synth.py: ``--deep-concepts`` builds what bench_plan.py measures, and the default
output, which every other benchmark reads, stays byte for byte what it was."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from fmgraph.cache import open_store
from fmgraph.paths import learning_plan

SYNTH = Path(__file__).parent.parent / "bench" / "synth.py"
# sha256 (first 16 hex digits) of each file of `synth.py --triples 3000 --seed 7`, as written
# before --deep-concepts existed.
DEFAULT_3000 = {
    "bulk.nt": "f3764f48c752dc5f",
    "concepts.yaml": "571a96ec597db7de",
    "sessions.yaml": "955662f8035a5bb3",
    "topics.yaml": "b951ab061948d48a",
    "works.yaml": "d223a232fb98c029",
}


def _synth() -> ModuleType:
    name = "fmgraph_bench_synth"  # registered: its dataclasses look their module up
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SYNTH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_default_output_is_unchanged(tmp_path: Path) -> None:
    _synth().main(["--triples", "3000", "--seed", "7", str(tmp_path)])
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in tmp_path.iterdir()}
    assert digests == DEFAULT_3000


def test_deep_concepts_are_all_on_the_plan_of_dpo(tmp_path: Path) -> None:
    _synth().main(["--triples", "20000", "--seed", "7", "--deep-concepts", "120", str(tmp_path)])
    text = (tmp_path / "bulk.nt").read_text(encoding="utf-8")
    assert "/vocab#teaches>" in text and "/vocab#uses>" in text
    plan = learning_plan(open_store(tmp_path), "dpo")
    default = learning_plan(open_store(_default(tmp_path.parent / "default")), "dpo")
    assert len(plan.steps) == len(default.steps) + 120
    assert plan.steps[-1].id == "dpo"
    assert max(len(s.readings) for s in plan.steps) == 3


def _default(directory: Path) -> Path:
    _synth().main(["--triples", "20000", "--seed", "7", str(directory)])
    return directory
