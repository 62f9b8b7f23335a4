"""SLA clocks in the item JSON and /items/{id}/sla/explain, over HTTP, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.services import config
from retaguarda.services.uow import unit_of_work
from tests.api.test_items import API, act, create
from tests.builders import NOW

SLA_CONFIG = Path(__file__).parents[1] / "data" / "sla-config.yaml"


@pytest.fixture
def sla_client(client: TestClient, engine: Engine) -> TestClient:
    with unit_of_work(engine) as conn:
        config.apply(conn, SLA_CONFIG.read_text(), source="sla-config.yaml", now=NOW)
    return client


def by_metric(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["metric"] if c["kind"] == "sla" else f"ola:{c['area']}": c for c in item["sla"]}


class TestItemJson:
    def test_a_new_item_answers_with_its_running_clocks(
        self, sla_client: TestClient, auth: dict
    ) -> None:
        item = create(sla_client, auth["crm"])
        clocks = by_metric(item)
        assert set(clocks) == {"first_response", "resolution"}
        first = clocks["first_response"]
        assert first["policy"] == "invoice-dispute"
        assert first["target"] == {"amount": "4", "unit": "business_hours"}
        assert first["due_at"].endswith("-03:00")  # the calendar's offset, São Paulo
        assert first["state"] == "running"
        # Just received: nothing (or a second) used of 4 business hours.
        assert first["elapsed_business_seconds"] <= 1
        assert first["elapsed_business_seconds"] + first["remaining_business_seconds"] == 4 * 3600

    def test_history_imported_with_its_dates_is_measured_on_them(
        self, sla_client: TestClient, auth: dict
    ) -> None:
        # Received Fri 17 April 2026 10:00 São Paulo; 5 business days skip the
        # weekend and Tiradentes (Tue 21): due at the end of Mon 27 April.
        item = create(sla_client, auth["crm"], created_at="2026-04-17T10:00:00-03:00")
        resolution = by_metric(item)["resolution"]
        assert resolution["due_at"] == "2026-04-27T18:00:00-03:00"
        assert resolution["state"] == "breached"  # it is long past April
        # The same clocks on a later read.
        read = sla_client.get(f"{API}/items/{item['id']}", headers=auth["crm"]).json()
        assert by_metric(read)["resolution"]["due_at"] == "2026-04-27T18:00:00-03:00"

    def test_transitions_and_lists_carry_the_clocks(
        self, sla_client: TestClient, auth: dict
    ) -> None:
        item = create(sla_client, auth["crm"], created_at="2026-04-17T10:00:00-03:00")
        for command in (
            {"action": "queue", "at": "2026-04-17T11:00:00-03:00"},
            {"action": "assign", "assignee": "ana", "at": "2026-04-17T11:05:00-03:00"},
            {"action": "start", "at": "2026-04-17T13:00:00-03:00"},
        ):
            answer = act(sla_client, auth["admin"], item["id"], **command)
            assert answer.status_code == 200, answer.text
        first = by_metric(answer.json())["first_response"]
        # Started at 13:00, due 14:00 (10:00 + 4 business hours): met.
        assert (first["state"], first["stopped_at"]) == ("met", "2026-04-17T16:00:00Z")
        listed = sla_client.get(f"{API}/items", headers=auth["admin"]).json()["items"]
        assert by_metric(listed[0])["first_response"]["state"] == "met"

    def test_without_an_sla_configuration_items_have_no_clocks(
        self, client: TestClient, auth: dict
    ) -> None:
        assert create(client, auth["crm"])["sla"] == []


class TestExplain:
    def test_explains_the_due_date_day_by_day(self, sla_client: TestClient, auth: dict) -> None:
        item = create(sla_client, auth["crm"], created_at="2026-04-17T19:40:00-03:00")
        response = sla_client.get(
            f"{API}/items/{item['id']}/sla/explain",
            params={"at": "2026-04-20T09:00:00-03:00"},
            headers=auth["crm"],
        )
        assert response.status_code == 200, response.text
        found = response.json()
        assert found["config_version"] == 1
        assert (
            "policy 'invoice-dispute' (#1) matched: case_type = 'invoice_dispute'"
            in (found["steps"])
        )
        resolution = next(c for c in found["clocks"] if c["metric"] == "resolution")
        # Friday 19:40 is outside hours; days count from Monday 20; Tiradentes skipped.
        assert resolution["due_at"] == "2026-04-27T18:00:00-03:00"
        assert any("outside hours" in step for step in resolution["steps"])
        assert "Tuesday 2026-04-21 skipped: holiday (Tiradentes' Day)" in resolution["steps"]
        # As of Monday 09:00: 1 business hour used (08:00-09:00) of the first response's 4.
        first = next(c for c in found["clocks"] if c["metric"] == "first_response")
        assert (first["state"], first["elapsed_business_seconds"]) == ("running", 3600)

    def test_a_naive_instant_is_refused_naming_the_field(
        self, sla_client: TestClient, auth: dict
    ) -> None:
        item = create(sla_client, auth["crm"])
        response = sla_client.get(
            f"{API}/items/{item['id']}/sla/explain",
            params={"at": "2026-04-20T09:00:00"},
            headers=auth["crm"],
        )
        assert response.status_code == 422
        assert response.json()["field"] == "at"

    def test_an_item_the_caller_may_not_see_is_not_found(
        self, sla_client: TestClient, auth: dict
    ) -> None:
        item = create(sla_client, auth["crm"], area="finance")
        response = sla_client.get(f"{API}/items/{item['id']}/sla/explain", headers=auth["ana"])
        assert response.status_code == 404


class TestRiskLists:
    """Three items received in April 2026 (all long overdue by now):
    A Mon 6 April 09:00, B Thu 9 April 09:00 (both invoice disputes), and C, a
    regulator complaint received Thu 9 April 09:00 in the finance area."""

    @pytest.fixture
    def items(self, sla_client: TestClient, auth: dict) -> dict[str, int]:
        made = {
            "A": create(
                sla_client, auth["crm"], external_ref="A", created_at="2026-04-06T09:00:00-03:00"
            ),
            "B": create(
                sla_client, auth["crm"], external_ref="B", created_at="2026-04-09T09:00:00-03:00"
            ),
            "C": create(
                sla_client,
                auth["crm"],
                external_ref="C",
                channel="regulator",
                case_type="delivery_missing",
                area="finance",
                created_at="2026-04-09T09:00:00-03:00",
            ),
        }
        return {name: item["id"] for name, item in made.items()}

    def test_as_of_a_past_instant_the_clocks_are_those_of_that_instant(
        self, sla_client: TestClient, auth: dict, items: dict[str, int]
    ) -> None:
        # B was started at 12:30, after the instant asked about: as of 12:00 its
        # first response (due 13:00) had used 3 of 4 business hours = 75 %: at risk.
        for command in (
            {"action": "queue", "at": "2026-04-09T10:00:00-03:00"},
            {"action": "assign", "assignee": "ana", "at": "2026-04-09T10:05:00-03:00"},
            {"action": "start", "at": "2026-04-09T12:30:00-03:00"},
        ):
            assert act(sla_client, auth["admin"], items["B"], **command).status_code == 200
        found = sla_client.get(
            f"{API}/sla/at-risk", params={"at": "2026-04-09T12:00:00-03:00"}, headers=auth["sofia"]
        ).json()
        assert [(c["item_id"], c["metric"], c["remaining_s"]) for c in found["clocks"]] == [
            (items["B"], "first_response", 3600)
        ]
        breached = sla_client.get(
            f"{API}/sla/breached", params={"at": "2026-04-09T12:00:00-03:00"}, headers=auth["sofia"]
        ).json()
        # A's first response was due Mon 6 at 13:00: overdue by Mon 13-18 (5 h) + Tue (10)
        # + Wed (10) + Thu 08-12 (4) = 29 business hours.
        assert [(c["item_id"], c["metric"], c["remaining_s"]) for c in breached["clocks"]] == [
            (items["A"], "first_response", -29 * 3600)
        ]
        assert breached["clocks"][0]["due_at"] == "2026-04-06T13:00:00-03:00"

    def test_now_every_open_clock_of_april_is_breached_most_overdue_first(
        self, sla_client: TestClient, auth: dict, items: dict[str, int]
    ) -> None:
        found = sla_client.get(f"{API}/sla/breached", headers=auth["admin"]).json()
        assert found["pending"] == 0
        pairs = [(c["item_id"], c["metric"]) for c in found["clocks"]]
        assert sorted(pairs) == sorted(
            [
                (items["A"], "first_response"),
                (items["A"], "resolution"),
                (items["B"], "first_response"),
                (items["B"], "resolution"),
                (items["C"], "resolution"),
            ]
        )
        remaining = [c["remaining_s"] for c in found["clocks"]]
        assert remaining == sorted(remaining)
        assert remaining[-1] < 0
        assert pairs[0] == (items["A"], "first_response")  # due earliest of all

    def test_filters_and_the_callers_areas_apply(
        self, sla_client: TestClient, auth: dict, items: dict[str, int]
    ) -> None:
        only_c = sla_client.get(
            f"{API}/sla/breached", params={"policy": "regulator"}, headers=auth["admin"]
        ).json()
        assert {c["item_id"] for c in only_c["clocks"]} == {items["C"]}
        by_type = sla_client.get(
            f"{API}/sla/breached", params={"case_type": "delivery_missing"}, headers=auth["admin"]
        ).json()
        assert {c["item_id"] for c in by_type["clocks"]} == {items["C"]}
        # Ana works the back office only: C (finance) is not hers to see.
        mine = sla_client.get(f"{API}/sla/breached", headers=auth["ana"]).json()
        assert {c["item_id"] for c in mine["clocks"]} == {items["A"], items["B"]}

    def test_a_policy_change_is_applied_to_the_stored_clocks_of_open_items(
        self, sla_client: TestClient, auth: dict, items: dict[str, int], engine: Engine
    ) -> None:
        before = sla_client.get(f"{API}/sla/breached", headers=auth["admin"]).json()
        assert {c["item_id"] for c in before["clocks"]} == set(items.values())
        with unit_of_work(engine) as conn:
            config.apply(
                conn,
                "sla_policies:\n  - {key: relaxed, match: {}, calendar: always,"
                " targets: {resolution: {calendar_days: 3650}}}\n",
                source="relaxed.yaml",
                now=NOW,
            )
        found = sla_client.get(f"{API}/sla/breached", headers=auth["admin"]).json()
        assert found["clocks"] == []  # ten years to resolve: nothing overdue any more
