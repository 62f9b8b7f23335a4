"""REST API v1 /items over real HTTP through the app, on every test database."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from retaguarda.asgi import create_app
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from retaguarda.settings import Settings
from retaguarda.storage.records import EventRecord, ItemRecord
from tests.builders import NOW

API = "/api/v1"


def body(ref: str = "INV-1", **extra: Any) -> dict[str, Any]:
    return {
        "external_ref": ref,
        "channel": "email",
        "case_type": "invoice_dispute",
        "subject": "Cobrança em duplicidade",
        "customer": {"external_id": "CUST-1", "name": "Maria Silva", "language": "pt-BR"},
        "amount": "189.90",
        **extra,
    }


def create(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    response = client.post(f"{API}/items", json=body(**extra), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def act(client: TestClient, headers: dict[str, str], item_id: int, **command: Any) -> Any:
    return client.post(f"{API}/items/{item_id}/transitions", json=command, headers=headers)


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


class TestAuthentication:
    def test_health_needs_no_token(self, client: TestClient) -> None:
        response = client.get("/health")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"

    def test_missing_token_is_401_in_the_error_shape(self, client: TestClient) -> None:
        response = client.get(f"{API}/items")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "Unauthenticated"
        assert set(response.json()) >= {"error", "detail", "field"}

    def test_unknown_token_is_401(self, client: TestClient) -> None:
        response = client.get(f"{API}/items", headers={"Authorization": "Bearer rtg_nope"})
        assert response.status_code == 401

    def test_revoked_token_is_401(self, client: TestClient, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            issued = account.create_token(conn, user="crm", label=None, now=NOW)
        headers = {"Authorization": f"Bearer {issued.secret}"}
        assert client.get(f"{API}/items", headers=headers).status_code == 200
        with unit_of_work(engine) as conn:
            account.revoke_token(conn, ident=str(issued.id), now=NOW)
        assert client.get(f"{API}/items", headers=headers).status_code == 401


class TestCreate:
    def test_returns_201_with_the_item(self, client: TestClient, auth: dict) -> None:
        item = create(client, auth["crm"])
        assert item["external_ref"] == "INV-1"
        assert item["status"] == "new"
        # area and tier come from the case type invoice_dispute
        assert (item["area"], item["tier"]) == ("backoffice", "backoffice_l1")
        assert item["journey"] == ["backoffice_l1"]
        assert item["assignee"] is None
        assert item["customer"]["name"] == "Maria Silva"
        assert item["amount"] == "189.90"
        assert item["created_at"] == item["updated_at"]
        assert sorted(item["allowed_actions"]) == [
            "assign",
            "cancel",
            "escalate",
            "queue",
            "transfer",
        ]

    def test_same_channel_and_ref_again_is_200_with_the_same_item(
        self, client: TestClient, auth: dict, engine: Engine
    ) -> None:
        first = create(client, auth["crm"])
        again = client.post(f"{API}/items", json=body(subject="changed"), headers=auth["crm"])
        assert again.status_code == 200
        assert again.json()["id"] == first["id"]
        assert again.json()["subject"] == "Cobrança em duplicidade"
        assert count(engine, ItemRecord) == 1
        assert count(engine, EventRecord) == 1

    def test_same_ref_on_another_channel_is_another_item(
        self, client: TestClient, auth: dict
    ) -> None:
        first = create(client, auth["crm"])
        second = create(client, auth["crm"], channel="phone")
        assert second["id"] != first["id"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"external_ref": None}, "external_ref"),
            ({"external_ref": "  "}, "external_ref"),
            ({"channel": "fax"}, "channel"),
            ({"priority": 5}, "priority"),
            ({"amount": "10.999"}, "amount"),
            ({"amount": "-1"}, "amount"),
            ({"colour": "red"}, "colour"),
            ({"customer": {"external_id": "C", "email": "not-an-email"}}, "customer.email"),
            ({"case_type": "no_such_type"}, "case_type"),
            ({"area": "no_such_area"}, "area"),
            ({"tier": "no_such_tier"}, "tier"),
            ({"created_at": "2026-01-05T10:00:00"}, "created_at"),
            ({"created_at": "2999-01-05T10:00:00Z"}, "created_at"),
            # PostgreSQL cannot store U+0000: refused per field, not as a 500
            ({"subject": "nul \u0000 here"}, "subject"),
            ({"customer": {"external_id": "C", "name": "M\u0000"}}, "customer.name"),
        ],
        ids=lambda v: str(v),
    )
    def test_bad_input_is_422_naming_the_field(
        self, client: TestClient, auth: dict, engine: Engine, change: dict, field: str
    ) -> None:
        data = {k: v for k, v in {**body(), **change}.items() if v is not None}
        response = client.post(f"{API}/items", json=data, headers=auth["crm"])
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert response.json()["error"] == "InvalidInput"
        assert response.json()["detail"]
        assert count(engine, ItemRecord) == 0

    def test_the_answer_equals_a_later_read(self, client: TestClient, auth: dict) -> None:
        # An earlier item gave the customer's e-mail; this one omits it, and the
        # answer shows the stored details, as a read does. 10.5 is kept as 10.50.
        create(client, auth["crm"], ref="E-0", customer={"external_id": "C-7", "email": "a@b.c"})
        item = create(client, auth["crm"], ref="E-1", amount=10.5, customer={"external_id": "C-7"})
        assert item["amount"] == "10.50"
        assert item["customer"]["email"] == "a@b.c"
        assert client.get(f"{API}/items/{item['id']}", headers=auth["crm"]).json() == item

    def test_integration_may_backdate(self, client: TestClient, auth: dict) -> None:
        item = create(client, auth["crm"], created_at="2026-01-05T10:00:00-03:00")
        assert item["created_at"] == "2026-01-05T13:00:00Z"

    def test_specialist_may_not_backdate(self, client: TestClient, auth: dict) -> None:
        response = client.post(
            f"{API}/items", json=body(created_at="2026-01-05T10:00:00Z"), headers=auth["ana"]
        )
        assert response.status_code == 403
        assert response.json()["field"] == "created_at"

    def test_specialist_creates_only_in_own_areas(self, client: TestClient, auth: dict) -> None:
        # carla works finance; invoice_dispute belongs to back office
        response = client.post(f"{API}/items", json=body(), headers=auth["carla"])
        assert response.status_code == 403
        assert response.json()["field"] == "area"
        assert (
            client.post(
                f"{API}/items", json=body(case_type="refund_request"), headers=auth["carla"]
            ).status_code
            == 201
        )


class TestBulk:
    def test_bad_items_are_reported_and_the_rest_stored(
        self, client: TestClient, auth: dict, engine: Engine
    ) -> None:
        items = [body("B-1"), body("B-2", channel="fax"), body("B-3"), body("B-1"), {"x": 1}]
        response = client.post(f"{API}/items/bulk", json={"items": items}, headers=auth["crm"])
        assert response.status_code == 200, response.text
        out = response.json()
        assert (out["created"], out["existing"], out["errors"]) == (2, 1, 2)
        statuses = [(r["index"], r["status"]) for r in out["results"]]
        assert statuses == [
            (0, "created"),
            (1, "error"),
            (2, "created"),
            (3, "existing"),
            (4, "error"),
        ]
        assert out["results"][1]["error"]["field"] == "channel"
        assert out["results"][3]["id"] == out["results"][0]["id"]
        assert count(engine, ItemRecord) == 2
        assert count(engine, EventRecord) == 2

    def test_more_than_the_limit_is_refused_whole(self, engine: Engine, auth: dict) -> None:
        app = create_app(Settings(bulk_max_items=3), engine=engine)
        with TestClient(app) as small:
            items = [body(f"L-{i}") for i in range(4)]
            response = small.post(f"{API}/items/bulk", json={"items": items}, headers=auth["crm"])
        assert response.status_code == 422
        assert response.json()["field"] == "items"
        assert count(engine, ItemRecord) == 0


class TestRead:
    def test_get_and_404(self, client: TestClient, auth: dict) -> None:
        item = create(client, auth["crm"])
        assert client.get(f"{API}/items/{item['id']}", headers=auth["ana"]).json() == item
        missing = client.get(f"{API}/items/999999", headers=auth["ana"])
        assert missing.status_code == 404
        assert missing.json()["error"] == "NotFound"

    def test_items_outside_the_callers_areas_are_invisible(
        self, client: TestClient, auth: dict
    ) -> None:
        item = create(client, auth["crm"])
        assert client.get(f"{API}/items/{item['id']}", headers=auth["carla"]).status_code == 404
        assert client.get(f"{API}/items", headers=auth["carla"]).json()["items"] == []
        assert len(client.get(f"{API}/items", headers=auth["sofia"]).json()["items"]) == 1

    def test_filters_and_cursor_pagination(self, client: TestClient, auth: dict) -> None:
        for i in range(7):
            create(client, auth["crm"], ref=f"P-{i}", channel="phone" if i % 2 else "web")
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"channel": "web", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get(f"{API}/items", params=params, headers=auth["crm"]).json()
            seen += [i["id"] for i in page["items"]]
            assert all(i["channel"] == "web" for i in page["items"])
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        # web items are P-0, P-2, P-4, P-6: four items, pages of 2 -> 2 pages
        assert len(seen) == 4 == len(set(seen))
        assert seen == sorted(seen)
        assert pages == 2

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": 0}, "limit"),
            ({"status": "sleeping"}, "status"),
            ({"cursor": "garbage"}, "cursor"),
            ({"created_from": "2026-01-01T00:00:00"}, "created_from"),
        ],
    )
    def test_bad_query_is_422_naming_the_parameter(
        self, client: TestClient, auth: dict, params: dict, field: str
    ) -> None:
        response = client.get(f"{API}/items", params=params, headers=auth["crm"])
        assert response.status_code == 422
        assert response.json()["field"] == field

    def test_events_are_ordered_with_their_shape(self, client: TestClient, auth: dict) -> None:
        item = create(client, auth["crm"])
        act(client, auth["sofia"], item["id"], action="queue")
        act(client, auth["ana"], item["id"], action="assign", assignee="ana")
        events = client.get(f"{API}/items/{item['id']}/events", headers=auth["ana"]).json()
        assert [e["type"] for e in events] == ["created", "queued", "assigned"]
        assert [e["actor"] for e in events] == ["crm", "sofia", "ana"]
        assert set(events[2]) == {"id", "type", "at", "actor", "data"}
        assert events[2]["data"]["changes"] == {"assignee": "ana"}
        assert events[2]["data"]["from"] == "queued"


class TestTransitions:
    def test_a_whole_life(self, client: TestClient, auth: dict) -> None:
        item_id = create(client, auth["crm"])["id"]
        steps = [
            ("sofia", {"action": "queue"}, "queued"),
            ("ana", {"action": "assign", "assignee": "ana"}, "assigned"),
            ("ana", {"action": "start"}, "in_progress"),
            ("ana", {"action": "pend_area", "area": "finance"}, "pending_area"),
            ("ana", {"action": "resume"}, "in_progress"),
            ("ana", {"action": "resolve", "reason": "duplicate_charge"}, "resolved"),
            ("sofia", {"action": "close"}, "closed"),
        ]
        for user, command, status in steps:
            response = act(client, auth[user], item_id, **command)
            assert response.status_code == 200, (command, response.text)
            assert response.json()["status"] == status
        final = client.get(f"{API}/items/{item_id}", headers=auth["ana"]).json()
        assert final["reason"] == "duplicate_charge"
        assert final["version"] == 8  # created + 7 transitions
        assert final["allowed_actions"] == []

    def test_illegal_is_409_with_status_and_allowed_actions(
        self, client: TestClient, auth: dict
    ) -> None:
        item_id = create(client, auth["crm"])["id"]
        response = act(client, auth["crm"], item_id, action="resolve")
        assert response.status_code == 409
        out = response.json()
        assert out["error"] == "IllegalTransition"
        assert out["status"] == "new"
        assert out["allowed_actions"] == ["assign", "cancel", "escalate", "queue", "transfer"]
        assert out["field"] == "action"

    def test_escalation_climbs_the_ladder(self, client: TestClient, auth: dict) -> None:
        item_id = create(client, auth["crm"])["id"]
        response = act(client, auth["sofia"], item_id, action="escalate", reason="regulator")
        assert response.json()["tier"] == "backoffice_l2"
        response = act(
            client, auth["sofia"], item_id, action="escalate", to_tier="ombudsman", reason="x"
        )
        assert response.json()["journey"] == ["backoffice_l1", "backoffice_l2", "ombudsman"]

    @pytest.mark.parametrize(
        ("command", "status", "field"),
        [
            ({"action": "fly"}, 422, "action"),
            ({"action": "assign"}, 422, "assignee"),
            ({"action": "assign", "assignee": "nobody"}, 422, "assignee"),
            ({"action": "queue", "assignee": "ana"}, 422, "assignee"),
            ({"action": "escalate"}, 422, "reason"),
            ({"action": "escalate", "reason": "r", "to_tier": "first_level"}, 422, "to_tier"),
            ({"action": "queue", "area": "nowhere"}, 422, "area"),
            ({"action": "queue", "extra": 1}, 422, "extra"),
        ],
        ids=lambda v: str(v),
    )
    def test_bad_commands_name_the_field(
        self, client: TestClient, auth: dict, command: dict, status: int, field: str
    ) -> None:
        item_id = create(client, auth["crm"])["id"]
        response = act(client, auth["sofia"], item_id, **command)
        assert response.status_code == status, response.text
        assert response.json()["field"] == field
        events = client.get(f"{API}/items/{item_id}/events", headers=auth["crm"]).json()
        assert len(events) == 1

    def test_unknown_item_is_404(self, client: TestClient, auth: dict) -> None:
        assert act(client, auth["crm"], 424242, action="queue").status_code == 404

    def test_role_rules_are_403(self, client: TestClient, auth: dict) -> None:
        item_id = create(client, auth["crm"])["id"]
        cancel = act(client, auth["ana"], item_id, action="cancel")
        assert cancel.status_code == 403
        others = act(client, auth["ana"], item_id, action="assign", assignee="bruno")
        assert others.status_code == 403
        assert others.json()["field"] == "assignee"
        assert act(client, auth["carla"], item_id, action="queue").status_code == 404

    def test_backdating_at_is_for_integrations(self, client: TestClient, auth: dict) -> None:
        item_id = create(client, auth["crm"], created_at="2026-01-05T10:00:00Z")["id"]
        ok = act(client, auth["crm"], item_id, action="queue", at="2026-01-05T11:00:00Z")
        assert ok.status_code == 200
        assert ok.json()["updated_at"] == "2026-01-05T11:00:00Z"
        early = act(
            client,
            auth["crm"],
            item_id,
            action="assign",
            assignee="ana",
            at="2026-01-05T10:30:00Z",
        )
        assert early.status_code == 422
        assert early.json()["field"] == "at"
        specialist = act(
            client,
            auth["ana"],
            item_id,
            action="assign",
            assignee="ana",
            at="2026-01-05T12:00:00Z",
        )
        assert specialist.status_code == 403
        assert specialist.json()["field"] == "at"


class TestSurface:
    def test_openapi_is_published_under_v1(self, client: TestClient) -> None:
        spec = client.get(f"{API}/openapi.json").json()
        paths = spec["paths"]
        assert {
            f"{API}/items",
            f"{API}/items/bulk",
            f"{API}/items/{{item_id}}",
            f"{API}/items/{{item_id}}/events",
            f"{API}/items/{{item_id}}/transitions",
            "/health",
        } <= set(paths)
        assert "409" in paths[f"{API}/items/{{item_id}}/transitions"]["post"]["responses"]

    def test_unknown_route_and_method_keep_the_error_shape(
        self, client: TestClient, auth: dict
    ) -> None:
        missing = client.get(f"{API}/nothing", headers=auth["crm"])
        assert missing.status_code == 404
        assert set(missing.json()) == {"error", "detail", "field"}
        wrong = client.delete(f"{API}/items", headers=auth["crm"])
        assert wrong.status_code == 405
        assert wrong.json()["error"] == "MethodNotAllowed"
