"""GET /items/{id}/journey over HTTP, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_items import API, act, create


def test_the_journey_lists_each_tier_with_who_moved_the_item_and_why(
    client: TestClient, auth: dict
) -> None:
    item = create(client, auth["crm"], created_at="2026-03-02T09:00:00Z")
    for command in (
        {"action": "queue", "at": "2026-03-02T09:30:00Z"},
        {"action": "escalate", "reason": "refund above limit", "at": "2026-03-02T10:00:00Z"},
        {
            "action": "escalate",
            "reason": "complaint to the regulator",
            "to_tier": "ombudsman",
            "area": "ombudsman",
            "at": "2026-03-03T08:00:00Z",
        },
    ):
        answer = act(client, auth["admin"], item["id"], **command)
        assert answer.status_code == 200, answer.text
    response = client.get(f"{API}/items/{item['id']}/journey", headers=auth["admin"])
    assert response.status_code == 200
    assert response.json() == [
        {
            "tier": "backoffice_l1",
            "area": "backoffice",
            "entered_at": "2026-03-02T09:00:00Z",
            "entered_by": "crm",
            "reason": None,
            "left_at": "2026-03-02T10:00:00Z",
        },
        {
            "tier": "backoffice_l2",
            "area": "backoffice",
            "entered_at": "2026-03-02T10:00:00Z",
            "entered_by": "admin",
            "reason": "refund above limit",
            "left_at": "2026-03-03T08:00:00Z",
        },
        {
            "tier": "ombudsman",
            "area": "ombudsman",
            "entered_at": "2026-03-03T08:00:00Z",
            "entered_by": "admin",
            "reason": "complaint to the regulator",
            "left_at": None,
        },
    ]


def test_an_item_the_caller_may_not_see_has_no_journey(client: TestClient, auth: dict) -> None:
    item = create(client, auth["crm"], area="finance")
    assert client.get(f"{API}/items/{item['id']}/journey", headers=auth["ana"]).status_code == 404
