"""Supervisor moves over HTTP, on every test database: assign and reassign, the transfer
action, POST /items/move (dry run, skips, scope, bad input) and POST /agents/{key}/return."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from retaguarda.asgi import create_app
from retaguarda.settings import Settings
from tests.api.test_items import API, act, create

# Back-office items are invoice disputes; finance's are refund requests. The users:
# sofia supervises back office; ana and bruno work back office, carla finance.


def steps(client: TestClient, auth: dict, item_id: int, *commands: dict[str, Any]) -> None:
    for command in commands:
        response = act(client, auth["admin"], item_id, **command)
        assert response.status_code == 200, (command, response.text)


def item_in(client: TestClient, auth: dict, ref: str, status: str, **extra: Any) -> int:
    """An item brought to `status` by the admin (ana works it from assigned on)."""
    item_id = int(create(client, auth["crm"], ref=ref, **extra)["id"])
    path = {
        "new": [],
        "queued": [{"action": "queue"}],
        "assigned": [{"action": "assign", "assignee": "ana"}],
        "in_progress": [{"action": "assign", "assignee": "ana"}, {"action": "start"}],
        "pending_customer": [
            {"action": "assign", "assignee": "ana"},
            {"action": "start"},
            {"action": "pend_customer"},
        ],
    }[status]
    steps(client, auth, item_id, *path)
    return item_id


def get(client: TestClient, auth: dict, item_id: int) -> dict[str, Any]:
    return dict(client.get(f"{API}/items/{item_id}", headers=auth["admin"]).json())


def events(client: TestClient, auth: dict, item_id: int) -> list[dict[str, Any]]:
    return list(client.get(f"{API}/items/{item_id}/events", headers=auth["admin"]).json())


def move(client: TestClient, headers: dict[str, str], **body: Any) -> Response:
    return client.post(f"{API}/items/move", json=body, headers=headers)


@pytest.fixture
def office(client: TestClient, auth: dict) -> dict[str, int]:
    ids = {
        status: item_in(client, auth, f"INV-{status}", status)
        for status in ("new", "queued", "assigned", "in_progress", "pending_customer")
    }
    ids["finance"] = item_in(client, auth, "REF-1", "queued", case_type="refund_request")
    return ids


class TestAssignAndReassign:
    def test_a_supervisor_reassigns_an_item_someone_else_is_working(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = item_in(client, auth, "INV-1", "in_progress")  # ana's

        response = act(client, auth["sofia"], item_id, action="assign", assignee="bruno")

        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["assignee"]) == ("assigned", "bruno")
        last = events(client, auth, item_id)[-1]
        assert (last["type"], last["actor"]) == ("assigned", "sofia")
        assert last["data"]["changes"] == {"assignee": "bruno"}
        assert last["data"]["from"] == "in_progress"

    def test_an_assignee_outside_the_items_area_is_422_naming_assignee(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = item_in(client, auth, "INV-1", "queued")

        response = act(client, auth["admin"], item_id, action="assign", assignee="carla")

        assert response.status_code == 422
        assert response.json() == {
            "error": "InvalidInput",
            "detail": "agent 'carla' does not work in area 'backoffice' (works in: finance)",
            "field": "assignee",
        }
        assert len(events(client, auth, item_id)) == 2  # created, queued

    def test_a_specialist_may_not_take_an_item_from_a_colleague(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = item_in(client, auth, "INV-1", "assigned")  # ana's

        response = act(client, auth["bruno"], item_id, action="assign", assignee="bruno")

        assert response.status_code == 403
        assert response.json()["field"] == "action"
        assert get(client, auth, item_id)["assignee"] == "ana"


class TestTransferAction:
    def test_moves_the_item_to_the_other_areas_queue(self, client: TestClient, auth: dict) -> None:
        item_id = item_in(client, auth, "INV-1", "in_progress")

        response = act(
            client, auth["admin"], item_id, action="transfer", area="finance", note="a refund"
        )

        assert response.status_code == 200, response.text
        out = response.json()
        assert (out["status"], out["area"], out["assignee"], out["tier"]) == (
            "queued",
            "finance",
            None,
            "backoffice_l1",
        )
        assert "transfer" in out["allowed_actions"]
        last = events(client, auth, item_id)[-1]
        assert (last["type"], last["actor"]) == ("transferred", "admin")
        assert last["data"] == {
            "action": "transfer",
            "from": "in_progress",
            "to": "queued",
            "changes": {"area": "finance", "assignee": None},
            "note": "a refund",
        }

    @pytest.mark.parametrize(
        ("user", "command", "status", "field"),
        [
            ("sofia", {"area": "finance"}, 403, "area"),  # not her area
            ("ana", {"area": "logistics"}, 403, "action"),  # a supervisor's call
            ("admin", {}, 422, "area"),
            ("admin", {"area": "backoffice"}, 422, "area"),
            ("admin", {"area": "nowhere"}, 422, "area"),
            ("admin", {"area": "finance", "assignee": "carla"}, 422, "assignee"),
        ],
        ids=["other area", "specialist", "no area", "own area", "unknown area", "with assignee"],
    )
    def test_refusals_name_the_field_and_change_nothing(
        self, client: TestClient, auth: dict, user: str, command: dict, status: int, field: str
    ) -> None:
        item_id = item_in(client, auth, "INV-1", "in_progress")

        response = act(client, auth[user], item_id, action="transfer", **command)

        assert response.status_code == status, response.text
        assert response.json()["field"] == field
        assert len(events(client, auth, item_id)) == 3

    def test_an_item_waiting_on_the_customer_is_409(self, client: TestClient, auth: dict) -> None:
        item_id = item_in(client, auth, "INV-1", "pending_customer")

        response = act(client, auth["admin"], item_id, action="transfer", area="finance")

        assert response.status_code == 409
        assert response.json()["status"] == "pending_customer"
        assert "transfer" not in response.json()["allowed_actions"]


class TestMove:
    def test_a_dry_run_counts_and_changes_nothing(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        before = {ref: get(client, auth, i)["version"] for ref, i in office.items()}

        response = move(
            client,
            auth["sofia"],
            filter={"area": ["backoffice"]},
            to={"assignee": "bruno"},
            dry_run=True,
        )

        assert response.status_code == 200, response.text
        assert response.json() == {
            "matched": 5,
            "moved": 0,
            "dry_run": True,
            "skipped": {"pending_customer": 1},
            "item_ids": [office[s] for s in ("new", "queued", "assigned", "in_progress")],
        }
        assert {ref: get(client, auth, i)["version"] for ref, i in office.items()} == before

    def test_moves_to_an_agent_with_one_event_each(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        response = move(
            client,
            auth["sofia"],
            filter={"area": ["backoffice"], "tier": ["backoffice_l1"]},
            to={"assignee": "bruno"},
            note="ana is on leave",
        )

        assert response.status_code == 200, response.text
        out = response.json()
        assert (out["matched"], out["moved"], out["dry_run"]) == (5, 4, False)
        assert out["skipped"] == {"pending_customer": 1}
        for item_id in out["item_ids"]:
            assert get(client, auth, item_id)["assignee"] == "bruno"
            last = events(client, auth, item_id)[-1]
            assert (last["type"], last["actor"]) == ("assigned", "sofia")
            assert last["data"]["note"] == "ana is on leave"
        assert get(client, auth, office["pending_customer"])["assignee"] == "ana"

    def test_returns_to_the_queue_by_assignee(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        response = move(
            client,
            auth["sofia"],
            filter={"assignee": "ana", "status": ["assigned", "in_progress"]},
            to={"queue": True},
        )

        out = response.json()
        assert (out["matched"], out["moved"], out["skipped"]) == (2, 2, {})
        for status in ("assigned", "in_progress"):
            item = get(client, auth, office[status])
            assert (item["status"], item["assignee"]) == ("queued", None)
            assert events(client, auth, office[status])[-1]["type"] == "unassigned"

    def test_transfers_to_another_area(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        response = move(
            client,
            auth["admin"],
            filter={"case_type": ["invoice_dispute"], "status": ["new", "queued"]},
            to={"area": "logistics"},
        )

        out = response.json()
        assert (out["matched"], out["moved"]) == (2, 2)
        for status in ("new", "queued"):
            item = get(client, auth, office[status])
            assert (item["status"], item["area"]) == ("queued", "logistics")
            assert events(client, auth, office[status])[-1]["type"] == "transferred"

    def test_only_items_the_caller_sees_are_matched(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        response = move(
            client, auth["sofia"], filter={"case_type": ["refund_request"]}, to={"queue": True}
        )

        assert response.json()["matched"] == 0
        assert get(client, auth, office["finance"])["version"] == 2

    @pytest.mark.parametrize(
        ("user", "body", "field"),
        [
            ("ana", {"filter": {"area": ["backoffice"]}, "to": {"assignee": "ana"}}, None),
            ("sofia", {"filter": {"area": ["finance"]}, "to": {"queue": True}}, "filter.area"),
            ("sofia", {"filter": {"area": ["backoffice"]}, "to": {"area": "finance"}}, "to.area"),
        ],
        ids=["specialist", "filter outside her areas", "target outside her areas"],
    )
    @pytest.mark.usefixtures("office")
    def test_forbidden_is_403(
        self, client: TestClient, auth: dict, user: str, body: dict, field: str | None
    ) -> None:
        response = move(client, auth[user], **body)

        assert response.status_code == 403
        assert response.json()["field"] == field

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"to": {"queue": True}}, "filter"),
            ({"filter": {}, "to": {"queue": True}}, "filter"),
            ({"filter": {"assignee": None}, "to": {"queue": True}}, "filter"),
            ({"filter": {"area": ["backoffice"]}}, "to"),
            ({"filter": {"area": ["backoffice"]}, "to": {}}, "to"),
            ({"filter": {"area": ["backoffice"]}, "to": {"queue": False}}, "to"),
            ({"filter": {"area": ["backoffice"]}, "to": {"queue": True, "area": "x"}}, "to"),
            ({"filter": {"area": ["nowhere"]}, "to": {"queue": True}}, "filter.area"),
            ({"filter": {"tier": ["l9"]}, "to": {"queue": True}}, "filter.tier"),
            ({"filter": {"case_type": ["x"]}, "to": {"queue": True}}, "filter.case_type"),
            ({"filter": {"assignee": "zeca"}, "to": {"queue": True}}, "filter.assignee"),
            ({"filter": {"status": ["lost"]}, "to": {"queue": True}}, "filter.status[0]"),
            ({"filter": {"channel": ["email"]}, "to": {"queue": True}}, "filter.channel"),
            ({"filter": {"area": ["backoffice"]}, "to": {"area": "mars"}}, "to.area"),
            ({"filter": {"area": ["backoffice"]}, "to": {"assignee": "zeca"}}, "to.assignee"),
        ],
        ids=lambda v: v if isinstance(v, str) else "",
    )
    def test_bad_input_is_422_naming_the_field(
        self, client: TestClient, auth: dict, office: dict[str, int], body: dict, field: str
    ) -> None:
        response = move(client, auth["admin"], **body)

        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert get(client, auth, office["new"])["version"] == 1

    def test_more_than_the_cap_is_refused_stating_it(
        self, engine: Engine, auth: dict, office: dict[str, int]
    ) -> None:
        app = create_app(Settings(bulk_max_items=4), engine=engine)
        with TestClient(app) as small:
            response = move(
                small, auth["admin"], filter={"case_type": ["invoice_dispute"]}, to={"queue": True}
            )

            assert response.status_code == 422
            assert response.json() == {
                "error": "InvalidInput",
                "detail": "matches more than 4 items; at most 4 are moved per request: "
                "narrow the filter",
                "field": "filter",
            }
            assert get(small, auth, office["assigned"])["status"] == "assigned"

    def test_needs_a_token(self, client: TestClient) -> None:
        response = client.post(f"{API}/items/move", json={})

        assert response.status_code == 401


class TestReturnAgentItems:
    def test_returns_the_agents_assigned_items(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        response = client.post(
            f"{API}/agents/ana/return", json={"note": "ana went offline"}, headers=auth["sofia"]
        )

        assert response.status_code == 200, response.text
        assert response.json() == {"returned": 1, "item_ids": [office["assigned"]], "skipped": {}}
        item = get(client, auth, office["assigned"])
        assert (item["status"], item["assignee"]) == ("queued", None)
        last = events(client, auth, office["assigned"])[-1]
        assert (last["type"], last["actor"]) == ("unassigned", "sofia")
        assert last["data"]["note"] == "ana went offline"
        assert get(client, auth, office["in_progress"])["assignee"] == "ana"

    def test_with_in_progress_and_without_a_body(
        self, client: TestClient, auth: dict, office: dict[str, int]
    ) -> None:
        started = client.post(
            f"{API}/agents/ana/return", json={"include_in_progress": True}, headers=auth["admin"]
        )
        again = client.post(f"{API}/agents/ana/return", headers=auth["admin"])

        assert started.json()["item_ids"] == [office["assigned"], office["in_progress"]]
        assert again.status_code == 200
        assert again.json() == {"returned": 0, "item_ids": [], "skipped": {}}
        assert get(client, auth, office["pending_customer"])["assignee"] == "ana"

    @pytest.mark.parametrize(
        ("user", "agent", "status", "field"),
        [
            ("ana", "ana", 403, None),  # specialists never, not even for themselves
            ("sofia", "carla", 403, "agent"),  # carla works finance only
            ("admin", "zeca", 404, "agent"),
        ],
        ids=["specialist", "agent outside her areas", "unknown agent"],
    )
    @pytest.mark.usefixtures("office")
    def test_refusals(
        self, client: TestClient, auth: dict, user: str, agent: str, status: int, field: str | None
    ) -> None:
        response = client.post(f"{API}/agents/{agent}/return", json={}, headers=auth[user])

        assert response.status_code == status
        assert response.json()["field"] == field

    @pytest.mark.usefixtures("office")
    def test_unknown_fields_are_422(self, client: TestClient, auth: dict) -> None:
        response = client.post(
            f"{API}/agents/ana/return", json={"in_progress": True}, headers=auth["sofia"]
        )

        assert response.status_code == 422
        assert response.json()["field"] == "in_progress"
