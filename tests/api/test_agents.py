"""Agents' presence over HTTP, on both databases: who may change it, and its log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from retaguarda.services.uow import unit_of_work
from retaguarda.storage.repos import agent as agent_repo
from tests.api.test_items import API


def presence(client: TestClient, headers: dict[str, str], agent: str, **body: str) -> Response:
    return client.post(f"{API}/agents/{agent}/presence", json=body, headers=headers)


class TestPresence:
    def test_an_agent_starts_offline_and_every_change_is_an_event(
        self, client: TestClient, auth: dict, engine: Engine
    ) -> None:
        fresh = client.get(f"{API}/agents/ana/presence", headers=auth["ana"]).json()
        assert fresh == {"agent": "ana", "status": "offline", "since": None}
        for status, at in (
            ("available", "2026-03-02T08:00:00Z"),
            ("available", "2026-03-02T08:30:00Z"),  # no change: no event
            ("away", "2026-03-02T12:00:00Z"),
        ):
            answer = presence(client, auth["admin"], "ana", status=status, at=at)
            assert answer.status_code == 200, answer.text
        now = client.get(f"{API}/agents/ana/presence", headers=auth["sofia"]).json()
        assert now == {"agent": "ana", "status": "away", "since": "2026-03-02T12:00:00Z"}
        with unit_of_work(engine) as conn:
            log = [(e.actor, e.data) for e in agent_repo.presence_events(conn, "ana")]
        assert log == [
            ("admin", {"status": "available", "from": "offline"}),
            ("admin", {"status": "away", "from": "available"}),
        ]

    def test_a_specialist_sets_their_own_presence_only(
        self, client: TestClient, auth: dict
    ) -> None:
        assert presence(client, auth["ana"], "ana", status="available").status_code == 200
        refused = presence(client, auth["ana"], "bruno", status="available")
        assert refused.status_code == 403
        assert refused.json()["field"] == "agent"

    def test_a_supervisor_sets_the_presence_of_agents_of_their_areas(
        self, client: TestClient, auth: dict
    ) -> None:
        # Sofia supervises the back office: Bruno yes, Carla (finance) no.
        assert presence(client, auth["sofia"], "bruno", status="busy").status_code == 200
        assert presence(client, auth["sofia"], "carla", status="busy").status_code == 403

    def test_bad_input_is_refused_naming_the_field(self, client: TestClient, auth: dict) -> None:
        unknown = presence(client, auth["admin"], "nobody", status="available")
        assert (unknown.status_code, unknown.json()["field"]) == (404, "agent")
        bad = presence(client, auth["admin"], "ana", status="sleeping")
        assert (bad.status_code, bad.json()["field"]) == (422, "status")
        presence(client, auth["admin"], "ana", status="available", at="2026-03-02T10:00:00Z")
        earlier = presence(client, auth["admin"], "ana", status="away", at="2026-03-02T09:00:00Z")
        assert (earlier.status_code, earlier.json()["field"]) == (422, "at")
        backdated = presence(client, auth["ana"], "ana", status="away", at="2026-03-02T11:00:00Z")
        assert (backdated.status_code, backdated.json()["field"]) == (403, "at")
