"""Real SPARQL servers for tests, each started on 127.0.0.1 over a temporary database and
stopped when its ``with`` block ends: Oxigraph, Virtuoso and rdflib-endpoint.

A server whose program is missing fails the test under CI (``CI=true``, where
``scripts/bootstrap.sh`` installs them all) and skips it elsewhere, saying what to install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import need

# The `oxigraph` package of the test extras installs its server beside the interpreter.
OXIGRAPH = Path(sys.executable).parent / "oxigraph"
VIRTUOSO_USER = "dba"
VIRTUOSO_PASSWORD = "dba"  # the password of a new Virtuoso database
RDFLIB_ENDPOINT_KEY = "test-key-for-updates"


@dataclass(frozen=True)
class Server:
    """A running server: where to query it and how to push to it."""

    name: str
    query_url: str
    push_args: tuple[str, ...]  # the `fmgraph push` options naming where to write
    push_env: dict[str, str]  # the credentials writing needs
    process: subprocess.Popen[bytes]


def missing(what: str, install: str) -> None:
    """Fail under CI, skip elsewhere (conftest.need's rule): a server test never passes
    without its server."""
    need(what, None, f"{install}; scripts/bootstrap.sh installs it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _start(
    launch: Callable[[], tuple[list[str], str, dict[str, Any]]],
    log: Path,
    *,
    wait: float = 60,
    attempts: int = 3,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the command ``launch`` gives, with the URL that answers 200 once it is ready and
    its Popen options; new ports each attempt, since a free port can be taken between choosing
    and binding it. Returns the process and its ready URL, or fails with the log."""
    for _attempt in range(attempts):
        command, ready, options = launch()
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **options)
        deadline = time.monotonic() + wait
        while process.poll() is None and time.monotonic() < deadline:
            if answers(ready):
                return process, ready
            time.sleep(0.1)
        _stop(process)
    pytest.fail(f"{command[0]} did not start within {wait:g} s:\n{log.read_text()[-3000:]}")


@contextmanager
def oxigraph(directory: Path) -> Iterator[Server]:
    """`oxigraph serve` (read-write) over an empty store."""
    if not OXIGRAPH.exists():
        missing(f"the Oxigraph server ({OXIGRAPH})", "pip install -e '.[test]'")

    def launch() -> tuple[list[str], str, dict[str, Any]]:
        port = free_port()
        command = [str(OXIGRAPH), "serve", "--location", str(directory / "db")]
        command += ["--bind", f"127.0.0.1:{port}"]
        return command, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", {}

    process, ready = _start(launch, directory / "oxigraph.log")
    url = ready.split("?")[0]
    try:
        yield Server("oxigraph", url, ("--endpoint", url), {}, process)
    finally:
        _stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
DirsAllowed = ., {dir}, {load_dir}
DefaultIsolation = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 4
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
MaxSortedTopRows = 10000000
"""


def virtuoso_ini(
    directory: Path,
    http_port: int,
    sql_port: int,
    *,
    load_dir: Path | None = None,
    buffers: int = 20_000,
) -> Path:
    """A minimal virtuoso.ini: database, logs and HTTP server in ``directory``, on loopback.
    ``buffers`` are 8 KB pages of cache (the packaged default, 10,000, suits 80 MB)."""
    ini = directory / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=directory,
            sql_port=sql_port,
            http_port=http_port,
            load_dir=load_dir or directory,
            buffers=buffers,
            dirty_buffers=buffers * 3 // 4,
        )
    )
    return ini


@contextmanager
def virtuoso(
    directory: Path, *, load_dir: Path | None = None, buffers: int = 20_000
) -> Iterator[Server]:
    """Virtuoso 7 (``virtuoso-t +foreground``) over a new database in ``directory``; its Graph
    Store at /sparql-graph-crud-auth takes HTTP Digest as dba."""
    program = shutil.which("virtuoso-t")
    if program is None:
        missing("Virtuoso (virtuoso-t)", "apt-get install virtuoso-opensource-7-bin")
        raise AssertionError  # not reached

    def launch() -> tuple[list[str], str, dict[str, Any]]:
        http_port, sql_port = free_port(), free_port()
        ini = virtuoso_ini(directory, http_port, sql_port, load_dir=load_dir, buffers=buffers)
        command = [program, "+foreground", "+configfile", str(ini)]
        return command, f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D", {"cwd": directory}

    process, ready = _start(launch, directory / "virtuoso-out.log")
    base = ready.split("/sparql")[0]
    try:
        yield Server(
            "virtuoso",
            f"{base}/sparql",
            ("--store-url", f"{base}/sparql-graph-crud-auth"),
            {
                "FMGRAPH_ENDPOINT_USER": VIRTUOSO_USER,
                "FMGRAPH_ENDPOINT_PASSWORD": VIRTUOSO_PASSWORD,
            },
            process,
        )
    finally:
        _stop(process)


@contextmanager
def rdflib_endpoint(directory: Path) -> Iterator[Server]:
    """rdflib-endpoint over an empty in-memory dataset, with SPARQL Update behind a key."""
    try:
        import rdflib_endpoint  # noqa: F401
    except ImportError:
        missing("rdflib-endpoint", "pip install -e '.[test]'")

    def launch() -> tuple[list[str], str, dict[str, Any]]:
        port = free_port()
        env = {**os.environ, "RDFLIB_APIKEY": RDFLIB_ENDPOINT_KEY}
        command = [sys.executable, "-m", "rdflib_endpoint", "serve", "--enable-update"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        return command, f"http://127.0.0.1:{port}/?query=ASK%20%7B%20%7D", {"env": env}

    process, ready = _start(launch, directory / "rdflib-endpoint.log")
    url = ready.split("?")[0]
    try:
        yield Server(
            "rdflib-endpoint",
            url,
            ("--update-url", url),
            {"FMGRAPH_ENDPOINT_TOKEN": RDFLIB_ENDPOINT_KEY},
            process,
        )
    finally:
        _stop(process)


SERVERS = {"oxigraph": oxigraph, "virtuoso": virtuoso, "rdflib-endpoint": rdflib_endpoint}
