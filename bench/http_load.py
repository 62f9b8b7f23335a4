"""Single creates over HTTP: real server processes and a keep-alive load generator."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from harness import BENCH, percentile

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    pid: int


@contextmanager
def server(command: Sequence[str], env: dict[str, str], port: int) -> Iterator[Server]:
    """Start `command` (a server on 127.0.0.1:`port`), wait for /health, stop it after."""
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed in `finally`
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"server {' '.join(command)} did not start:\n{err}")
            time.sleep(0.1)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def retaguarda_server(
    database_url: str, *, source: str | None = None
) -> tuple[list[str], dict[str, str], int]:
    """`retaguarda serve` on a free port; `source`: a src/ folder to run instead."""
    port = free_port()
    command = [str(VENV_BIN / "retaguarda"), "serve", "--port", str(port)]
    env = {**os.environ, "RETAGUARDA_DATABASE_URL": database_url}
    if source:
        env["PYTHONPATH"] = source
    return [*command, "--log-level", "warning"], env, port


def peer_server(database_url: str) -> tuple[list[str], dict[str, str], int]:
    """The peer app (bench/peer_app.py) under uvicorn, launched like `retaguarda serve`."""
    port = free_port()
    command = [
        str(VENV_BIN / "uvicorn"),
        "--factory",
        "peer_app:create_app",
        "--app-dir",
        str(BENCH),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return command, {**os.environ, "BENCH_PEER_URL": database_url}, port


@dataclass
class LoadResult:
    seconds: float
    requests: int
    statuses: dict[int, int]
    latencies_ms: list[float]  # ascending
    first_error: str | None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": self.seconds,
            "requests": self.requests,
            "per_second": self.per_second,
            "statuses": self.statuses,
            "p50_ms": percentile(self.latencies_ms, 50),
            "p99_ms": percentile(self.latencies_ms, 99),
            "first_error": self.first_error,
        }


def fire(
    base: str, path: str, bodies: Sequence[dict[str, Any]], *, clients: int, token: str | None
) -> LoadResult:
    """POST every body once from `clients` threads, each with its own keep-alive client.

    Body i goes to thread i % clients, so the split is the same every run.
    """
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    shards = [bodies[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    errors: list[str] = []
    sessions = [
        httpx.Client(base_url=base, headers=headers, timeout=60, http2=False)
        for _ in range(clients)
    ]
    for session in sessions:  # open the keep-alive connections before the clock starts
        session.get("/health")
    start = threading.Barrier(clients + 1)

    def worker(k: int) -> None:
        session, mine, seen = sessions[k], latencies[k], statuses[k]
        start.wait()
        for body in shards[k]:
            t0 = time.perf_counter()
            response = session.post(path, json=body)
            mine.append((time.perf_counter() - t0) * 1000)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            if response.status_code >= 300 and not errors:
                errors.append(f"{response.status_code} {response.text[:300]}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - t0
    for session in sessions:
        session.close()
    merged: dict[int, int] = {}
    for seen in statuses:
        for code, count in seen.items():
            merged[code] = merged.get(code, 0) + count
    return LoadResult(
        seconds=seconds,
        requests=len(bodies),
        statuses=merged,
        latencies_ms=sorted(x for lat in latencies for x in lat),
        first_error=errors[0] if errors else None,
    )
