"""Automatic escalation and repeat contacts seen over HTTP, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.services import config
from retaguarda.services.uow import unit_of_work
from tests.api.test_items import API, create
from tests.builders import NOW

RULES = """
escalation:
  - {when: {amount_gte: 10000}, to: backoffice_l2}
repeat_contacts: {within_days: 30}
"""


def configure(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        config.apply(conn, RULES, source="rules.yaml", now=NOW)


def test_a_created_item_answers_escalated_and_its_journey_says_why(
    engine: Engine, client: TestClient, auth: dict
) -> None:
    configure(engine)
    item = create(client, auth["crm"], amount="25000.00", created_at="2026-03-02T09:00:00Z")

    assert (item["tier"], item["status"], item["journey"], item["version"]) == (
        "backoffice_l2",
        "queued",
        ["backoffice_l1", "backoffice_l2"],
        2,
    )
    assert item["repeat_of"] is None
    assert client.get(f"{API}/items/{item['id']}", headers=auth["admin"]).json() == item
    journey = client.get(f"{API}/items/{item['id']}/journey", headers=auth["admin"]).json()
    assert journey == [
        {
            "tier": "backoffice_l1",
            "area": "backoffice",
            "entered_at": "2026-03-02T09:00:00Z",
            "entered_by": "crm",
            "reason": None,
            "left_at": "2026-03-02T09:00:00Z",
        },
        {
            "tier": "backoffice_l2",
            "area": "backoffice",
            "entered_at": "2026-03-02T09:00:00Z",
            "entered_by": "system",
            "reason": "escalation rule 1: amount >= 10000",
            "left_at": None,
        },
    ]


def test_a_second_contact_of_the_customer_shows_repeat_of(
    engine: Engine, client: TestClient, auth: dict
) -> None:
    configure(engine)
    first = create(client, auth["crm"], external_ref="INV-1", created_at="2026-02-20T10:00:00Z")
    # The same customer (CUST-1) and case type, 10 days later: a repeat contact.
    second = create(client, auth["crm"], external_ref="INV-2", created_at="2026-03-02T10:00:00Z")

    assert first["repeat_of"] is None
    assert second["repeat_of"] == first["id"]
    read = client.get(f"{API}/items/{second['id']}", headers=auth["admin"]).json()
    assert read["repeat_of"] == first["id"]
    events = client.get(f"{API}/items/{second['id']}/events", headers=auth["admin"]).json()
    assert events[0]["data"]["repeat_of"] == first["id"]
