"""Agents' planned absences over HTTP, on every test database: who writes and reads
them, the window filter, removal, and the errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.test_items import API

VACATION = {"start": "2026-03-09T08:00:00-03:00", "end": "2026-03-14T08:00:00-03:00"}


def add(client: TestClient, headers: dict[str, str], agent: str, **body: Any) -> Response:
    return client.post(f"{API}/agents/{agent}/absences", json=body, headers=headers)


def listed(client: TestClient, headers: dict[str, str], agent: str, **window: str) -> Response:
    return client.get(f"{API}/agents/{agent}/absences", params=window, headers=headers)


class TestAbsences:
    def test_a_supervisor_records_one_and_the_agent_reads_it(
        self, client: TestClient, auth: dict
    ) -> None:
        created = add(client, auth["sofia"], "ana", **VACATION, reason="vacation")

        assert created.status_code == 201, created.text
        absence = created.json()
        assert absence == {
            "id": absence["id"],
            "agent": "ana",
            "start": "2026-03-09T11:00:00Z",
            "end": "2026-03-14T11:00:00Z",
            "reason": "vacation",
            "planned": True,
            "created_at": absence["created_at"],
            "created_by": "sofia",
        }
        for user in ("ana", "sofia", "admin"):
            read = listed(client, auth[user], "ana")
            assert (read.status_code, read.json()) == (200, [absence]), user

    def test_the_window_keeps_the_absences_it_overlaps_by_start(
        self, client: TestClient, auth: dict
    ) -> None:
        later = add(
            client,
            auth["admin"],
            "ana",
            start="2026-03-20T12:00:00Z",
            end="2026-03-21T12:00:00Z",
            planned=False,
        ).json()
        week = add(client, auth["admin"], "ana", **VACATION).json()
        bruno = add(client, auth["admin"], "bruno", **VACATION).json()

        def ids(**window: str) -> list[int]:
            answer = listed(client, auth["admin"], "ana", **window)
            assert answer.status_code == 200, answer.text
            return [a["id"] for a in answer.json()]

        assert ids() == [week["id"], later["id"]]  # by start; bruno's are his
        assert ids(**{"from": "2026-03-14T11:00:00Z"}) == [later["id"]]  # the week ended then
        assert ids(to="2026-03-09T11:00:00Z") == []  # ... and began then
        assert ids(**{"from": "2026-03-10T00:00:00-03:00", "to": "2026-03-11T00:00:00-03:00"}) == [
            week["id"]
        ]
        assert ids(**{"from": "2026-03-21T12:00:00Z"}) == []
        assert later["planned"] is False
        assert [a["id"] for a in listed(client, auth["bruno"], "bruno").json()] == [bruno["id"]]

    def test_delete_removes_it(self, client: TestClient, auth: dict) -> None:
        absence = add(client, auth["sofia"], "ana", **VACATION).json()
        url = f"{API}/agents/ana/absences/{absence['id']}"

        deleted = client.delete(url, headers=auth["sofia"])

        assert (deleted.status_code, deleted.content) == (204, b"")
        assert listed(client, auth["ana"], "ana").json() == []
        again = client.delete(url, headers=auth["sofia"])
        assert (again.status_code, again.json()["field"]) == (404, "id")

    def test_an_absence_is_deleted_only_under_its_own_agent(
        self, client: TestClient, auth: dict
    ) -> None:
        absence = add(client, auth["admin"], "ana", **VACATION).json()

        wrong = client.delete(f"{API}/agents/bruno/absences/{absence['id']}", headers=auth["admin"])

        assert wrong.status_code == 404
        assert len(listed(client, auth["admin"], "ana").json()) == 1

    def test_who_may_write_and_read(self, client: TestClient, auth: dict) -> None:
        absence = add(client, auth["admin"], "ana", **VACATION).json()
        delete = f"{API}/agents/ana/absences/{absence['id']}"
        # Sofia supervises the back office: not Carla (finance).
        outside = add(client, auth["sofia"], "carla", **VACATION)
        assert (outside.status_code, outside.json()["field"]) == (403, "agent")
        assert listed(client, auth["sofia"], "carla").status_code == 403
        # The agent reads their own, writes nothing; nobody else of their rank reads them.
        for user in ("ana", "crm"):
            assert add(client, auth[user], "ana", **VACATION).status_code == 403, user
            assert client.delete(delete, headers=auth[user]).status_code == 403, user
        other = listed(client, auth["bruno"], "ana")
        assert (other.status_code, other.json()["field"]) == (403, "agent")
        assert listed(client, auth["crm"], "ana").status_code == 403
        assert listed(client, auth["ana"], "ana").status_code == 200
        # Unknown agent, no token.
        unknown = add(client, auth["admin"], "nobody", **VACATION)
        assert (unknown.status_code, unknown.json()["field"]) == (404, "agent")
        assert listed(client, auth["admin"], "nobody").status_code == 404
        assert client.delete(
            f"{API}/agents/nobody/absences/1", headers=auth["admin"]
        ).status_code == (404)
        assert client.get(f"{API}/agents/ana/absences").status_code == 401

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"start": VACATION["end"], "end": VACATION["start"]}, "end"),
            ({"start": VACATION["start"], "end": VACATION["start"]}, "end"),
            ({"start": "2026-03-09T08:00:00", "end": VACATION["end"]}, "start"),
            ({"start": VACATION["start"], "end": "2026-03-14T08:00:00"}, "end"),
            ({"end": VACATION["end"]}, "start"),
            ({"start": VACATION["start"]}, "end"),
            ({**VACATION, "reason": "r" * 2001}, "reason"),
            ({**VACATION, "kind": "vacation"}, "kind"),
            ({"start": "next monday", "end": VACATION["end"]}, "start"),
        ],
        ids=[
            "backwards",
            "empty",
            "naive start",
            "naive end",
            "no start",
            "no end",
            "long reason",
            "unknown field",
            "not an instant",
        ],
    )
    def test_bad_input_is_422_naming_the_field(
        self, client: TestClient, auth: dict, body: dict[str, Any], field: str
    ) -> None:
        answer = add(client, auth["admin"], "ana", **body)

        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        assert listed(client, auth["admin"], "ana").json() == []

    @pytest.mark.parametrize(
        ("window", "field"),
        [
            ({"from": "2026-03-09T08:00:00"}, "from"),
            ({"to": "2026-03-09T08:00:00"}, "to"),
            ({"from": "2026-03-10T00:00:00Z", "to": "2026-03-09T00:00:00Z"}, "to"),
            ({"from": "yesterday"}, "from"),
        ],
        ids=["naive from", "naive to", "to before from", "not an instant"],
    )
    def test_a_bad_window_is_422_naming_the_parameter(
        self, client: TestClient, auth: dict, window: dict[str, str], field: str
    ) -> None:
        answer = listed(client, auth["admin"], "ana", **window)

        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field

    def test_are_published_in_the_openapi_document(self, client: TestClient) -> None:
        paths = client.get(f"{API}/openapi.json").json()["paths"]
        assert {"get", "post"} <= set(paths[f"{API}/agents/{{key}}/absences"])
        assert "delete" in paths[f"{API}/agents/{{key}}/absences/{{absence_id}}"]
        params = paths[f"{API}/agents/{{key}}/absences"]["get"]["parameters"]
        assert {"from", "to"} <= {p["name"] for p in params}
