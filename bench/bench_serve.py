"""`fmgraph serve` under load, against `oxigraph serve-read-only` on the same store.

A small SELECT (ten concepts, JSON results) is sent by 4 and by 16 client processes at once,
over keep-alive connections and over a new connection per request, to each server in turn
(interleaved, several rounds). Each run prints throughput, median and 99th-percentile
latency, the servers' CPU time per 1,000 answers (the fmgraph front and its workers summed),
wall time and the machine's load average; the summary gives the range over the rounds.

    python bench/bench_serve.py [--seconds 3] [--rounds 3]

The clients speak HTTP over raw sockets so that they cost the machine little; they run on
the same machine as the servers, so both servers pay for them alike.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
QUERY = "SELECT ?c WHERE { ?c a <https://w3id.org/fmgraph/vocab#Concept> } ORDER BY ?c LIMIT 10"
ACCEPT = "application/sparql-results+json"


def _request(host: str, port: int, keep_alive: bool) -> bytes:
    path = "/query?" + urllib.parse.urlencode({"query": QUERY})
    connection = "keep-alive" if keep_alive else "close"
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: {ACCEPT}\r\n"
        f"Connection: {connection}\r\n\r\n"
    ).encode()


def _read_response(sock: socket.socket, buffer: bytearray) -> int:
    """Read one response from ``sock`` (bytes left over stay in ``buffer``); its status."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        buffer += chunk
    end = buffer.index(b"\r\n\r\n") + 4
    head = bytes(buffer[:end]).decode("latin-1").lower()
    del buffer[:end]
    status = int(head.split(" ", 2)[1])
    length = re.search(r"\r\ncontent-length:\s*(\d+)", head)
    if length:
        need = int(length.group(1))
        while len(buffer) < need:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before the body")
            buffer += chunk
        del buffer[:need]
        return status
    if "transfer-encoding: chunked" in head:
        while True:
            while b"\r\n" not in buffer:
                buffer += sock.recv(65536)
            line_end = buffer.index(b"\r\n")
            size = int(bytes(buffer[:line_end]).split(b";")[0], 16)
            while len(buffer) < line_end + 2 + size + 2:
                buffer += sock.recv(65536)
            del buffer[: line_end + 2 + size + 2]
            if size == 0:
                return status
    while chunk := sock.recv(65536):  # no length: the body ends with the connection
        buffer += chunk
    buffer.clear()
    return status


def _client(args: tuple[str, int, bool, float, float]) -> tuple[list[float], int]:
    host, port, keep_alive, start, stop = args
    request = _request(host, port, keep_alive)
    latencies: list[float] = []
    errors = 0
    while time.monotonic() < start:
        time.sleep(0.001)
    sock: socket.socket | None = None
    buffer = bytearray()
    while time.monotonic() < stop:
        began = time.perf_counter()
        try:
            if sock is None:
                sock = socket.create_connection((host, port))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(request)
            status = _read_response(sock, buffer)
            if not keep_alive:
                sock.close()
                sock, buffer = None, bytearray()
        except OSError:
            errors += 1
            if sock is not None:
                sock.close()
            sock, buffer = None, bytearray()
            continue
        latencies.append(time.perf_counter() - began)
        if status != 200:
            errors += 1
    if sock is not None:
        sock.close()
    return latencies, errors


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and every live descendant."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(p, 0.0) for p in tree)


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on port {port}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(port: int, pid: int, clients: int, keep_alive: bool, seconds: float) -> dict[str, float]:
    start = time.monotonic() + 0.5
    stop = start + seconds
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds(pid)
    wall = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(clients) as pool:
        results = pool.map(_client, [("127.0.0.1", port, keep_alive, start, stop)] * clients)
    wall = time.perf_counter() - wall
    cpu = _cpu_seconds(pid) - cpu_before
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    n = len(latencies)
    return {
        "rps": n / seconds,
        "p50": latencies[n // 2] * 1000 if n else float("nan"),
        "p99": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
        "cpu_per_1000": cpu / n * 1000 if n else float("nan"),
        "errors": errors,
        "wall": wall,
        "load": max(load_before, os.getloadavg()[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()

    from fmgraph.cache import store_path
    from fmgraph.resources import data_dir

    store = store_path(data_dir())
    ox_port, fm_port = _free_port(), _free_port()
    servers = {
        "oxigraph": subprocess.Popen(
            [str(OXIGRAPH), "serve-read-only", "-l", str(store), "-b", f"127.0.0.1:{ox_port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        "fmgraph": subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from fmgraph.cli import main; main()",
                "serve",
                "--port",
                str(fm_port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    }
    ports = {"oxigraph": ox_port, "fmgraph": fm_port}
    try:
        for port in ports.values():
            _wait_for(port)
        time.sleep(2)  # fmgraph's workers start after it listens
        print(f"store {store}; {os.cpu_count()} CPUs; query: {QUERY}")
        print(
            f"{options.rounds} rounds of {options.seconds:g} s per server and setting, interleaved"
        )
        table: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for round_ in range(options.rounds):
            for keep_alive in (True, False):
                mode = "keep-alive" if keep_alive else "new connections"
                for clients in (4, 16):
                    for name in ("oxigraph", "fmgraph"):
                        r = _run(ports[name], servers[name].pid, clients, keep_alive,
                                 options.seconds)  # fmt: skip
                        table.setdefault((mode, name, clients), []).append(r)
                        print(
                            f"round {round_ + 1} {mode:15} {clients:2} clients {name:8}"
                            f" {r['rps']:7.0f} req/s  p50 {r['p50']:6.2f} ms"
                            f"  p99 {r['p99']:6.2f} ms"
                            f"  server CPU {r['cpu_per_1000']:.3f} s/1000  errors {r['errors']:.0f}"
                            f"  wall {r['wall']:.1f} s  load {r['load']:.2f}",
                            flush=True,
                        )
        print("\nsummary (range over rounds):")
        for (mode, name, clients), runs in sorted(table.items()):

            def span(key: str, runs: list[dict[str, float]] = runs) -> str:
                values = [r[key] for r in runs]
                return f"{min(values):.4g}-{max(values):.4g}"

            print(
                f"{mode:15} {clients:2} clients {name:8} req/s {span('rps'):>11}"
                f"  p50 ms {span('p50'):>11}  p99 ms {span('p99'):>11}"
                f"  CPU s/1000 {span('cpu_per_1000'):>11}  load {span('load')}"
            )
        for mode in ("keep-alive", "new connections"):
            for clients in (4, 16):
                ox = [r["rps"] for r in table[(mode, "oxigraph", clients)]]
                fm = [r["rps"] for r in table[(mode, "fmgraph", clients)]]
                ratios = [o / f for o, f in zip(ox, fm, strict=True)]
                print(
                    f"{mode:15} {clients:2} clients: oxigraph/fmgraph throughput"
                    f" {min(ratios):.2f}-{max(ratios):.2f}x"
                )
    finally:
        for process in servers.values():
            process.send_signal(signal.SIGINT)
        for process in servers.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
