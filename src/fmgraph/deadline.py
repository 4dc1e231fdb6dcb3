"""Run work that may not finish (a SPARQL query) with a deadline, and abandon it at the end.

Oxigraph evaluates a query holding the interpreter lock, so a thread running one can be
neither interrupted nor waited on with a timeout, and a signal handler never gets to run.
The work therefore runs in a forked child process, which inherits the open store for free
(no second opening), sends back the bytes of its answer, and is killed at the deadline.
"""

from __future__ import annotations

import os
import pickle
import selectors
import signal
import time
from collections.abc import Callable

from .errors import FmgraphError, QueryTimeout

#: Seconds ``fmgraph query`` lets a query run by default: generous for a real question, a
#: bound for a cartesian product that would run until killed.
DEFAULT_QUERY_TIMEOUT = 300.0


class _Relayed(FmgraphError):
    """An FmgraphError raised in the child, with its message and exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def run_with_deadline(work: Callable[[], bytes], timeout: float, what: str) -> bytes:
    """``work()`` run in a child process; QueryTimeout once ``timeout`` seconds have passed.

    An FmgraphError in the child is raised again here with its message and exit code; any
    other failure of the child is an FmgraphError naming ``what``. Without ``fork`` (Windows)
    the work runs here, without a deadline.
    """
    if not hasattr(os, "fork"):
        return work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the outcome, leave without cleanup
        os.close(read_end)
        code = 0
        try:
            try:
                outcome: tuple[str, object] = ("ok", work())
            except FmgraphError as e:
                outcome = ("error", (str(e), e.exit_code))
            except BaseException as e:
                outcome = ("error", (f"{what} failed: {type(e).__name__}: {e}", 2))
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
        except BaseException:
            code = 70
        os._exit(code)
    os.close(write_end)
    try:
        answer = _read_until(read_end, time.monotonic() + timeout)
    finally:
        os.close(read_end)
    if answer is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise QueryTimeout(
            f"{what} ran longer than {timeout:g} s and was stopped (--timeout sets the limit)"
        )
    _, status = os.waitpid(pid, 0)
    if not answer:
        raise FmgraphError(f"{what} stopped unexpectedly (status {status})")
    kind, value = pickle.loads(answer)
    if kind == "error":
        message, exit_code = value
        raise _Relayed(message, exit_code)
    result: bytes = value
    return result


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything written to ``fd`` until it closes; None if the deadline passes first."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
