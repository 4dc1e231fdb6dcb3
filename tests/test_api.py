from __future__ import annotations

import subprocess
import sys

import fmgraph


def test_every_public_name_resolves() -> None:
    for name in fmgraph.__all__:
        assert getattr(fmgraph, name) is not None, name


def test_version_comes_from_the_package_metadata() -> None:
    from importlib.metadata import version

    assert fmgraph.__version__ == version("fmgraph")


def test_importing_the_cli_stays_light() -> None:
    """`fmgraph path` must not pay for rdflib, pyshacl, pyvis or yaml at start-up."""
    code = "import sys, fmgraph.cli, fmgraph.paths; print(' '.join(sorted(sys.modules)))"
    modules = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()  # fmt: skip
    for heavy in ("rdflib", "pyshacl", "pyvis", "yaml", "IPython", "bibtexparser"):
        assert heavy not in modules, heavy
