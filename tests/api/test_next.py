"""POST /api/v1/agents/{key}/next: over the app on both databases, and under 64
parallel agents against a real server process on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import config, intake
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import EventRecord, ItemRecord, RoutingQueueRecord
from tests.api.server import running_server
from tests.builders import ADMIN, CONCURRENT_BACKENDS, CRM, seed, token

Headers = dict[str, dict[str, str]]
BRT = timezone(timedelta(hours=-3))


def available(engine: Engine, *agents: str) -> None:
    with unit_of_work(engine) as conn:
        for key in agents:
            agent_service.set_presence(
                conn, key, Presence.AVAILABLE, principal=ADMIN, now=datetime.now(BRT)
            )


def take_in(engine: Engine, count: int, *, case_type: str = "delivery_missing") -> None:
    start = datetime.now(BRT) - timedelta(days=1)
    with unit_of_work(engine) as conn:
        results = intake.intake(
            conn,
            [
                ItemInput.model_validate(
                    {
                        "external_ref": f"Q-{n}",
                        "channel": "web",
                        "case_type": case_type,
                        "created_at": start + timedelta(seconds=n),
                    }
                )
                for n in range(count)
            ],
            principal=CRM,
            now=datetime.now(BRT),
        )
    assert all(r.status == "created" for r in results)


class TestNext:
    def test_assigns_the_first_item_and_answers_with_it(
        self, client: TestClient, auth: Headers, engine: Engine
    ) -> None:
        available(engine, "bruno")
        take_in(engine, 2)
        got = client.post("/api/v1/agents/bruno/next", headers=auth["bruno"])
        assert got.status_code == 200, got.text
        item = got.json()
        # Both delivery_missing items have the same policy: the older comes first.
        assert (item["external_ref"], item["status"], item["assignee"]) == (
            "Q-0",
            "assigned",
            "bruno",
        )
        assert item["sla"] == []  # no SLA configured in these tests: no clocks
        events = client.get(f"/api/v1/items/{item['id']}/events", headers=auth["bruno"]).json()
        assert [e["type"] for e in events][-1] == "assigned"

    def test_204_when_nothing_waits_for_the_agent(
        self, client: TestClient, auth: Headers, engine: Engine
    ) -> None:
        available(engine, "bruno")
        # invoice_dispute needs billing, which Bruno lacks.
        take_in(engine, 1, case_type="invoice_dispute")
        got = client.post("/api/v1/agents/bruno/next", headers=auth["bruno"])
        assert got.status_code == 204
        assert got.content == b""

    def test_409_names_why_the_agent_may_take_nothing(
        self, client: TestClient, auth: Headers, engine: Engine
    ) -> None:
        take_in(engine, 1)
        got = client.post("/api/v1/agents/bruno/next", headers=auth["bruno"])
        assert got.status_code == 409
        assert got.json()["detail"] == "bruno is offline"
        assert got.json()["field"] == "agent"

    def test_who_may_call_it(self, client: TestClient, auth: Headers, engine: Engine) -> None:
        available(engine, "ana", "bruno")
        take_in(engine, 3)
        assert client.post("/api/v1/agents/bruno/next", headers=auth["ana"]).status_code == 403
        assert client.post("/api/v1/agents/carla/next", headers=auth["sofia"]).status_code == 403
        assert client.post("/api/v1/agents/nobody/next", headers=auth["admin"]).status_code == 404
        assert client.post("/api/v1/agents/bruno/next", headers=auth["sofia"]).status_code == 200
        assert client.post("/api/v1/agents/ana/next", headers=auth["crm"]).status_code == 200
        assert client.post("/api/v1/agents/ana/next").status_code == 401


AGENTS = 64
ITEMS = 10_000


@pytest.mark.parametrize("backend", CONCURRENT_BACKENDS, indirect=True)
def test_64_agents_drain_10000_items_each_taken_once(engine: Engine, db_url: str) -> None:
    seed(engine)
    with unit_of_work(engine) as conn:
        config.apply(
            conn,
            "agents:\n"
            + "".join(
                f"  - {{key: w{n}, name: W{n}, areas: [backoffice],"
                f" tiers: [backoffice_l1], skills: {{logistics: 1}}, capacity: {ITEMS}}}\n"
                for n in range(AGENTS)
            ),
            source="agents.yaml",
            now=datetime.now(BRT),
        )
    available(engine, *(f"w{n}" for n in range(AGENTS)))
    take_in(engine, ITEMS)
    headers = {"Authorization": f"Bearer {token(engine, 'admin')}"}
    claimed: dict[str, list[int]] = {}
    errors: list[str] = []

    def agent(key: str) -> None:
        mine = claimed.setdefault(key, [])
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            while True:
                got = http.post(f"/api/v1/agents/{key}/next")
                if got.status_code == 204:
                    return
                if got.status_code != 200:
                    errors.append(f"{key}: {got.status_code} {got.text}")
                    return
                mine.append(got.json()["id"])

    with running_server(db_url, workers=2) as base:
        threads = [threading.Thread(target=agent, args=(f"w{n}",)) for n in range(AGENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    everything = [i for ids in claimed.values() for i in ids]
    assert len(everything) == len(set(everything)) == ITEMS
    items, events, queue = ItemRecord.__table__, EventRecord.__table__, RoutingQueueRecord.__table__
    with engine.connect() as conn:
        # Every item assigned once, to the agent that was told so; none left waiting.
        owners = dict(conn.execute(select(items.c.id, items.c.assignee)).all())
        assigned = conn.execute(
            select(func.count()).where(events.c.type == "assigned")
        ).scalar_one()
        waiting = conn.execute(select(func.count()).select_from(queue)).scalar_one()
    assert all(owners[i] == key for key, ids in claimed.items() for i in ids)
    assert assigned == ITEMS
    assert waiting == 0
