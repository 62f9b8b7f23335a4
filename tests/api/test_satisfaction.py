"""Resolution outcomes (`resolve` with `outcome`) and customer satisfaction answers
(`POST /items/{id}/csat`) over HTTP, on every test database."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.test_items import API, act, create


def csat(client: TestClient, headers: dict[str, str], item_id: int, **body: Any) -> Response:
    return client.post(f"{API}/items/{item_id}/csat", json=body, headers=headers)


def in_progress(client: TestClient, auth: dict[str, dict[str, str]]) -> int:
    """A back-office item ana is working on."""
    item_id = int(create(client, auth["crm"])["id"])
    for user, command in (
        ("sofia", {"action": "queue"}),
        ("ana", {"action": "assign", "assignee": "ana"}),
        ("ana", {"action": "start"}),
    ):
        assert act(client, auth[user], item_id, **command).status_code == 200
    return item_id


def resolved(client: TestClient, auth: dict[str, dict[str, str]], **resolve: Any) -> int:
    item_id = in_progress(client, auth)
    answer = act(client, auth["ana"], item_id, action="resolve", **resolve)
    assert answer.status_code == 200, answer.text
    return item_id


def events(client: TestClient, auth: dict[str, dict[str, str]], item_id: int) -> list[Any]:
    return list(client.get(f"{API}/items/{item_id}/events", headers=auth["admin"]).json())


class TestOutcome:
    @pytest.mark.parametrize("outcome", ["solved", "unfounded", "failed"])
    def test_resolve_records_it_on_the_item_and_its_event(
        self, client: TestClient, auth: dict, outcome: str
    ) -> None:
        item_id = resolved(client, auth, outcome=outcome, reason="duplicate_charge")

        item = client.get(f"{API}/items/{item_id}", headers=auth["ana"]).json()
        assert (item["status"], item["outcome"], item["csat"]) == ("resolved", outcome, None)
        last = events(client, auth, item_id)[-1]
        assert last["type"] == "resolved"
        assert last["data"]["changes"] == {"outcome": outcome, "reason": "duplicate_charge"}

    def test_solved_when_omitted_and_cleared_by_reopen(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = resolved(client, auth)
        assert client.get(f"{API}/items/{item_id}", headers=auth["ana"]).json()["outcome"] == (
            "solved"
        )

        reopened = act(client, auth["sofia"], item_id, action="reopen")

        assert reopened.status_code == 200
        assert (reopened.json()["status"], reopened.json()["outcome"]) == ("queued", None)
        assert events(client, auth, item_id)[-1]["data"]["changes"] == {
            "assignee": None,
            "outcome": None,
        }

    def test_every_item_answer_carries_outcome_and_csat(
        self, client: TestClient, auth: dict
    ) -> None:
        created = create(client, auth["crm"])
        listed = client.get(f"{API}/items", headers=auth["crm"]).json()["items"]

        assert (created["outcome"], created["csat"]) == (None, None)
        assert {"outcome", "csat"} <= set(listed[0])

    @pytest.mark.parametrize(
        ("command", "field"),
        [
            ({"action": "queue", "outcome": "solved"}, "outcome"),
            ({"action": "resolve", "outcome": "perfect"}, "outcome"),
        ],
        ids=["outcome with queue", "unknown outcome"],
    )
    def test_bad_outcomes_are_422_naming_the_field(
        self, client: TestClient, auth: dict, command: dict[str, Any], field: str
    ) -> None:
        item_id = in_progress(client, auth) if command["action"] == "resolve" else None
        item_id = item_id or int(create(client, auth["crm"])["id"])
        before = len(events(client, auth, item_id))

        answer = act(client, auth["admin"], item_id, **command)

        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        assert len(events(client, auth, item_id)) == before


class TestCsat:
    def test_records_an_event_and_the_item_keeps_the_last_score(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = resolved(client, auth, outcome="unfounded")
        before = client.get(f"{API}/items/{item_id}", headers=auth["crm"]).json()

        first = csat(client, auth["crm"], item_id, score=2, comment="took too long")
        second = csat(client, auth["crm"], item_id, score=5)

        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert first.json()["csat"] == 2
        item = second.json()
        assert (item["csat"], item["status"], item["outcome"]) == (5, "resolved", "unfounded")
        assert item["version"] == before["version"] + 2
        assert item["allowed_actions"] == before["allowed_actions"]
        assert item == {**client.get(f"{API}/items/{item_id}", headers=auth["crm"]).json()}
        answers = [e for e in events(client, auth, item_id) if e["type"] == "csat_recorded"]
        assert [(e["actor"], e["data"]) for e in answers] == [
            ("crm", {"score": 2, "comment": "took too long"}),
            ("crm", {"score": 5, "comment": None}),
        ]

    def test_a_closed_item_takes_answers_and_stays_closed(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = resolved(client, auth)
        act(client, auth["sofia"], item_id, action="close")

        answer = csat(client, auth["sofia"], item_id, score=3)

        assert answer.status_code == 200
        assert (answer.json()["status"], answer.json()["csat"]) == ("closed", 3)

    def test_an_open_item_is_409_naming_its_status(self, client: TestClient, auth: dict) -> None:
        item_id = in_progress(client, auth)

        answer = csat(client, auth["crm"], item_id, score=5)

        assert answer.status_code == 409
        body = answer.json()
        assert (body["error"], body["field"]) == ("Conflict", "status")
        assert "'in_progress'" in body["detail"]
        assert [e["type"] for e in events(client, auth, item_id)][-1] == "started"

    def test_who_may_answer(self, client: TestClient, auth: dict) -> None:
        item_id = resolved(client, auth)  # back office, ana's
        for user in ("admin", "crm", "sofia", "ana"):
            assert csat(client, auth[user], item_id, score=4).status_code == 200, user
        bruno = csat(client, auth["bruno"], item_id, score=4)
        carla = csat(client, auth["carla"], item_id, score=4)
        assert (bruno.status_code, carla.status_code) == (403, 404)
        assert client.post(f"{API}/items/{item_id}/csat", json={"score": 4}).status_code == 401
        assert csat(client, auth["crm"], 424242, score=4).status_code == 404

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"score": 0}, "score"),
            ({"score": 6}, "score"),
            ({"score": "very good"}, "score"),
            ({}, "score"),
            ({"score": 3, "comment": "x" * 2001}, "comment"),
            ({"score": 3, "rating": 3}, "rating"),
            ({"score": 3, "at": "2026-03-02T09:00:00"}, "at"),  # no offset
            ({"score": 3, "at": "2000-01-01T00:00:00Z"}, "at"),  # before the last event
            ({"score": 3, "at": "2999-01-01T00:00:00Z"}, "at"),  # in the future
        ],
        ids=[
            "zero",
            "six",
            "text",
            "missing",
            "long comment",
            "unknown field",
            "naive at",
            "at too early",
            "future at",
        ],
    )
    def test_bad_input_is_422_naming_the_field(
        self, client: TestClient, auth: dict, body: dict[str, Any], field: str
    ) -> None:
        item_id = resolved(client, auth)

        answer = csat(client, auth["crm"], item_id, **body)

        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        assert events(client, auth, item_id)[-1]["type"] == "resolved"

    def test_only_admins_and_integrations_date_an_answer(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = resolved(client, auth)
        last = events(client, auth, item_id)[-1]["at"]

        by_supervisor = csat(client, auth["sofia"], item_id, score=4, at=last)
        by_integration = csat(client, auth["crm"], item_id, score=4, at=last)

        assert (by_supervisor.status_code, by_supervisor.json()["field"]) == (403, "at")
        assert by_integration.status_code == 200
        assert events(client, auth, item_id)[-1]["at"] == last

    def test_is_published_in_the_openapi_document(self, client: TestClient) -> None:
        paths = client.get(f"{API}/openapi.json").json()["paths"]
        responses = paths[f"{API}/items/{{item_id}}/csat"]["post"]["responses"]
        assert {"200", "403", "404", "409", "422"} <= set(responses)
