"""`retaguarda serve` as a real process: health, intake and shutdown, on every database."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from tests.api.server import running_server
from tests.builders import seed, token


@pytest.fixture
def server(engine: Engine, db_url: str) -> Iterator[str]:
    seed(engine)
    with running_server(db_url) as base:
        yield base


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
