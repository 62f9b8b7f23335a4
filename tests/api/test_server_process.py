"""`retaguarda serve` as a real process: health, intake and shutdown, on every database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.builders import seed, token

CLI = Path(sys.executable).with_name("retaguarda")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(engine: Engine, db_url: str) -> Iterator[str]:
    seed(engine)
    port = free_port()
    env = {**os.environ, "RETAGUARDA_DATABASE_URL": db_url}
    process = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"server did not start:\n{output}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serves_health_and_intake_over_http(server: str, engine: Engine) -> None:
    headers = {"Authorization": f"Bearer {token(engine, 'crm')}"}
    item = {"external_ref": "S-1", "channel": "web", "case_type": "delivery_missing"}
    with httpx.Client(base_url=server, headers=headers) as http:
        first = http.post("/api/v1/items", json=item)
        second = http.post("/api/v1/items", json=item)
        listed = http.get("/api/v1/items")
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert [i["external_ref"] for i in listed.json()["items"]] == ["S-1"]
