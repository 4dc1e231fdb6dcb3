"""An installed wheel — not only the editable checkout — carries and finds its data, ontology
and queries."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).parents[1]

_CHECK = """
import fmgraph, sys
from fmgraph.resources import data_dir, ontology_dir, queries_dir
from fmgraph.cache import open_store
from fmgraph.paths import find_path
site = sys.argv[1]
assert fmgraph.__file__.startswith(site), fmgraph.__file__
for d in (data_dir(), ontology_dir(), queries_dir()):
    assert str(d).startswith(site) and d.is_dir(), d
chain = find_path(open_store(data_dir()), "transformer", "rlhf").chains[0]
print(" ".join(s.id for s in chain.steps))
"""


def test_installed_wheel_finds_its_resources(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True)  # fmt: skip
    (wheel,) = dist.glob("fmgraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "fmgraph/data/concepts.yaml" in names
    assert "fmgraph/ontology/shapes.ttl" in names
    assert "fmgraph/queries/works-read-twice.rq" in names
    assert "fmgraph/py.typed" in names  # type checkers read the package's annotations
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True)  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(site), FMGRAPH_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", _CHECK, str(site)], env=env, cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "transformer large-language-model rlhf\n"
