"""Every indicator of the registry over one hand-worked scenario, through HTTP, on
SQLite and (with RETAGUARDA_TEST_DATABASE_URL) PostgreSQL.

The scenario is tests/scenario_two_months.py: 33 items received in February and March
2026, four agents. Its docstring gives the calendar, the policies and the days; each
item's comment says what happens to it. Every expected value below is worked out by
hand from docs/indicators.md and docs/sla.md. Times are Sao Paulo's (SP, UTC-3).

The resolutions, which most service figures are made of (h = hours in progress since
the item's previous resolution or its receipt; calendar and business = receipt to
resolution in calendar and business seconds, business hours being 08-18 Mon-Fri):

February (10 resolutions, 8 definitive):
  #   item when (SP)    who   tier h    calendar                business
  R1  F01 Mon 2 12:00   ana   l1  2     3 h = 10,800            10,800
  R2  F02 Thu 5 11:00   ana   l1  2     2 h = 7,200             7,200
  R3  F03 Fri 6 11:00   bruno l1  2     93 h = 334,800          4+10+10+10+3 = 37 h = 133,200
  R4  F04 Thu 19 10:00  ana   l1  1     15 d = 1,296,000        8+20+50+30+2 = 110 h = 396,000
  R5  F05 Wed 11 12:00  carla l1  3     50 h = 180,000          8+10+4 = 22 h = 79,200 (failed)
  R6  F06 Thu 12 10:00  ana   l2  1     49 h = 176,400          9+10+2 = 21 h = 75,600 (opened)
  R7  F08 Tue 17 11:00  ana   l1  2     2 h = 7,200             7,200 (reopened)
  R8  F08 Thu 19 11:30  bruno l1  2     50.5 h = 181,800        9+10+3.5 = 22.5 h = 81,000
  R9  F09 Mon 23 11:00  carla l1  2     73 h = 262,800          8+3 = 11 h = 39,600
  R10 F12 Fri 27 13:00  carla l1  2     2 h = 7,200             7,200
March (18 resolutions, 17 definitive):
  R11 F06 Tue 3 16:00   ana   omb 2     21 d 7 h = 1,839,600    9+30+50+50+10+8 = 157 h = 565,200
  R12 F10 Tue 3 12:00   ana   l1  2     6 d 2 h = 525,600       8+10+10+10+4 = 42 h = 151,200
  R13 M01 Mon 2 11:00   ana   l1  2     2 h = 7,200             7,200
  R14 M02 Mon 9 11:00   ana   l1  1.5   2 h = 7,200             7,200
  R15 M03 Mon 9 11:00   bruno l1  2     6 d 2 h = 525,600       9+10+10+10+3 = 42 h = 151,200
  R16 M04 Wed 11 13:00  ana   l1  3     8 d - 1 h = 687,600     4+30+10+10+5 = 59 h = 212,400
  R17 M05 Mon 9 16:00   ana   l2  2     5 d 7 h = 457,200       9+10+10+8 = 37 h = 133,200
  R18 M06 Mon 9 12:00   bruno l1  2     4 d 2 h = 352,800       8+10+4 = 22 h = 79,200
  R19 M07 Mon 9 12:00   carla l1  2     3 d 2 h = 266,400       8+4 = 12 h = 43,200 (failed)
  R20 M09 Tue 10 10:00  bruno l1  1     20 h = 72,000           4+2 = 6 h = 21,600 (failed+reopened)
  R21 M09 Wed 11 15:00  ana   l1  2     49 h = 176,400          4+10+7 = 21 h = 75,600
  R22 M10 Tue 10 12:00  bruno l1  1.5   3 h = 10,800            10,800
  R23 M11 Wed 11 16:30  ana   l1  3.5   29.5 h = 106,200        7+8.5 = 15.5 h = 55,800
  R24 M12 Mon 9 14:00   bruno l1  4     6 h = 21,600            21,600 (h: Dora 3 + Bruno 1)
  R25 M13 Fri 13 11:00  ana   omb 6     50 h = 180,000          9+10+3 = 22 h = 79,200
  R26 M15 Mon 16 10:00  ana   l1  1     1 h = 3,600             3,600
  R27 M17 Mon 23 11:00  ana   l1  1     1 h = 3,600             3,600 (unfounded)
  R28 M18 Thu 26 12:00  carla l1  2     50 h = 180,000          8+10+4 = 22 h = 79,200
R5, R9 (F09 was moved to finance), R10, R19 and R28 are in finance, the rest in
backoffice. Business seconds are receipt to resolution on the clock's calendar, pauses not taken
out (as for calendar seconds: "the same in business seconds").
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.domain.item.model import Action
from retaguarda.domain.kpi.registry import INDICATORS
from tests.scenario_two_months import ITEMS, write_two_months

Headers = dict[str, dict[str, str]]
H = 3600

FEBRUARY = {"from": "2026-02-01T00:00:00-03:00", "to": "2026-03-01T00:00:00-03:00"}
MARCH = {"from": "2026-03-01T00:00:00-03:00", "to": "2026-04-01T00:00:00-03:00"}
# The people window: Mon 9 to Wed 11 March, three Sao Paulo days.
TWO_MONTHS = {"from": FEBRUARY["from"], "to": MARCH["to"]}
WEEK = {"from": "2026-03-09T00:00:00-03:00", "to": "2026-03-12T00:00:00-03:00"}


@pytest.fixture
def ids(engine: Engine, client: TestClient) -> dict[str, int]:
    return write_two_months(engine)


def get(client: TestClient, headers: dict[str, str], report: str, **params: str) -> Any:
    got = client.get(f"/api/v1/reports/{report}", params=params, headers=headers)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["pending"] == 0  # every item refreshed: the figures are exact
    return body


def by(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


def counts(body: dict[str, Any]) -> tuple[int, int, int]:
    return body["total"], body["current"], body["overdue"]


# Which test asserts each indicator of the registry (checked both ways below).
COVERAGE = {
    "backlog_total": "TestBacklog",
    "backlog_current": "TestBacklog",
    "backlog_overdue": "TestBacklog",
    "backlog_aging_by_age": "TestBacklog",
    "backlog_aging_by_sla": "TestBacklog",
    "inflow": "TestFlow",
    "outflow": "TestFlow",
    "backlog_end": "TestFlow",
    "growth": "TestFlow",
    "growth_pct": "TestFlow",
    "backlog_days": "TestFlow",
    "pareto_reasons": "TestPareto",
    "vital_few": "TestPareto",
    "sla_compliance": "TestKpis",
    "ola_compliance": "TestKpis",
    "pending_seconds": "TestKpis",
    "aht_seconds": "TestKpis",
    "resolution_seconds": "TestKpis",
    "resolution_business_seconds": "TestKpis",
    "fcr_rate": "TestKpis",
    "escalation_rate": "TestKpis",
    "ombudsman_per_1000": "TestKpis",
    "reopen_rate": "TestKpis",
    "failure_rate": "TestKpis",
    "csat_mean": "TestKpis",
    "items_handled": "TestPeople",
    "items_resolved": "TestPeople",
    "productivity_per_hour": "TestPeople",
    "occupancy": "TestPeople",
    "absenteeism": "TestPeople",
    "mean_unavailability_seconds": "TestPeople",
}


def test_every_indicator_of_the_registry_is_asserted_here() -> None:
    assert set(COVERAGE) == set(INDICATORS)


class TestTheScenario:
    def test_it_has_the_size_and_every_event_kind_the_issue_asks_for(
        self, client: TestClient, auth: Headers, ids: dict[str, int]
    ) -> None:
        # 12 items received in February, 21 in March.
        assert (len(ITEMS), len(ids)) == (33, 33)
        types: set[str] = set()
        actions: set[str] = set()
        for ref, item_id in ids.items():
            got = client.get(f"/api/v1/items/{item_id}/events", headers=auth["admin"])
            assert got.status_code == 200, ref
            for event in got.json():
                types.add(event["type"])
                actions.add(event["data"].get("action", ""))
        assert actions - {""} == {a.value for a in Action}  # all thirteen actions
        assert {"created", "csat_recorded"} <= types

    def test_repeat_contacts_and_journeys(
        self, client: TestClient, auth: Headers, ids: dict[str, int]
    ) -> None:
        def item(ref: str) -> dict[str, Any]:
            got = client.get(f"/api/v1/items/{ids[ref]}", headers=auth["admin"])
            assert got.status_code == 200
            return dict(got.json())

        # F02 3 days after F01; M02 exactly 7 x 24 h after M01 (bound included); M16
        # 4 days after M15. F11 (C2) has no earlier contact.
        assert item("F02")["repeat_of"] == ids["F01"]
        assert item("M02")["repeat_of"] == ids["M01"]
        assert item("M16")["repeat_of"] == ids["M15"]
        assert item("F11")["repeat_of"] is None
        assert item("F06")["journey"] == ["backoffice_l1", "backoffice_l2", "ombudsman"]
        assert item("M13")["journey"] == ["backoffice_l1", "ombudsman"]
        # The last answer is the item's: F06 1 then 3, M09 1 then 4.
        assert (item("F06")["csat"], item("M09")["csat"]) == (3, 4)


@pytest.mark.usefixtures("ids")
class TestBacklog:
    def test_tuesday_10_february_at_noon(self, client: TestClient, auth: Headers) -> None:
        at = "2026-02-10T12:00:00-03:00"
        body = get(client, auth["admin"], "backlog", at=at, group_by="area")

        # Open: F04, F05, F06 (F01, F02, F03 resolved; nothing else received yet).
        # F04 (invoice-dispute): T = B(Wed 4 10:00, Wed 11 18:00) = 8 + 5 x 10 = 58 h;
        #   used Wed 8 + Thu 10 + Fri 10 + Mon 10 + Tue 08-12 4 = 42 h = 72 % -> 50-75%;
        #   age 6 d 2 h -> 5-10d. Not overdue (due Wed 11).
        # F05 (default): waiting on the customer since Mon 11:00: used 1 h of
        #   T = 8 + 40 + 50 + 10 = 108 h -> <50%; age 1 d 2 h -> 1-3d.
        # F06 (regulator): used Tue 09-12 = 3 h of 109 h -> <50%; age 3 h -> 0-1d.
        assert counts(body) == (3, 3, 0)
        assert body["aging_by_age"] == {"0-1d": 1, "1-3d": 1, "3-5d": 0, "5-10d": 1, ">10d": 0}
        assert body["aging_by_sla"] == {
            "<50%": 2,
            "50-75%": 1,
            "75-100%": 0,
            ">100%": 0,
            "no_sla": 0,
        }
        # F05 is a refund request: finance.
        assert {g["key"]: g["total"] for g in body["groups"]} == {"backoffice": 2, "finance": 1}
        channels = get(client, auth["admin"], "backlog", at=at, group_by="channel")
        assert {g["key"]: g["total"] for g in channels["groups"]} == {"web": 2, "regulator": 1}

    def test_friday_6_march_at_17(self, client: TestClient, auth: Headers) -> None:
        at = "2026-03-06T17:00:00-03:00"  # 20:00Z
        body = get(client, auth["admin"], "backlog", at=at)

        # Open: F11, M03, M04, M05, M06, M07, M08 (F06 and F10 solved on Tue 3, M01 on
        # Mon 2). Ages: F11 8 d 1 h (5-10d); M03 3 d 8 h, M04 3 d 3 h (3-5d); M05
        # 2 d 8 h, M06 1 d 7 h (1-3d); M07 7 h, M08 2 h (0-1d).
        assert counts(body) == (7, 7, 0)
        assert body["aging_by_age"] == {"0-1d": 2, "1-3d": 2, "3-5d": 2, "5-10d": 1, ">10d": 0}
        # Shares of the target used (business hours):
        # F11: 2 + 10 (Fri 27) + 40 (Mon 2-Thu 5) + 9 = 61 of 102 = 60 % -> 50-75%.
        # M03: 1 h of 9 + 100 = 109 (on the customer since Tue 10:00, paused) -> <50%.
        # M04: 4 + 10 + 10 + 9 = 33 of 54 = 61 % -> 50-75%.
        # M05: 9 + 10 + 9 = 28 of 109 -> <50%. M06: 8 + 9 = 17 of 58 (waiting on
        # finance does not pause it) -> <50%. M07: 7 of 108, M08: 2 of 103 -> <50%.
        assert body["aging_by_sla"] == {
            "<50%": 5,
            "50-75%": 2,
            "75-100%": 0,
            ">100%": 0,
            "no_sla": 0,
        }

        def groups(group_by: str) -> dict[Any, int]:
            found = get(client, auth["admin"], "backlog", at=at, group_by=group_by)
            return {g["key"]: g["total"] for g in found["groups"]}

        # M07 arrived in finance; M06 waits on finance but stays in backoffice.
        assert groups("area") == {"backoffice": 6, "finance": 1}
        assert groups("tier") == {"backoffice_l1": 6, "backoffice_l2": 1}  # M05 escalated
        assert groups("case_type") == {
            "delivery_missing": 4,  # F11, M03, M05, M08
            "invoice_dispute": 2,  # M04, M06
            "refund_request": 1,  # M07
        }
        assert groups("channel") == {"web": 6, "chat": 1}  # M06 by chat
        # Bruno keeps M03 (on the customer) and M06 (on finance); the rest unassigned.
        assert groups("assignee") == {None: 5, "bruno": 2}

    def test_wednesday_11_march_at_10(self, client: TestClient, auth: Headers) -> None:
        at = "2026-03-11T10:00:00-03:00"  # 13:00Z
        body = get(client, auth["admin"], "backlog", at=at, group_by="assignee")

        # Open: F11; M04 (waiting on finance, Ana's); M09 (reopened at 09:00, queued,
        # nobody assigned); M11 (on the customer, Ana's); M13 (received 09:00).
        # F11: used 2 + 10 + 50 + 10 + 10 + 2 = 84 of 102 h = 82 % -> 75-100%, due
        #   Thu 12 Mar: current; age 12 d 18 h -> >10d.
        # M04: due Tue 10 Mar 18:00, still open: overdue -> >100%; age 7 d 20 h -> 5-10d.
        # M09: T = 4 + 50 = 54 h; B(Mon 14:00, Wed 10:00) = 4 + 10 + 2 = 16 h minus
        #   the 9 h it was resolved (Tue 10-18, Wed 08-09) = 7 h -> <50%; 1 d 20 h -> 1-3d.
        # M11: 1 h of 57 h (paused on the customer) -> <50%; 23 h -> 0-1d.
        # M13: 1 h of 59 h -> <50%; 1 h -> 0-1d.
        assert counts(body) == (5, 4, 1)
        assert body["aging_by_age"] == {"0-1d": 2, "1-3d": 1, "3-5d": 0, "5-10d": 1, ">10d": 1}
        assert body["aging_by_sla"] == {
            "<50%": 3,
            "50-75%": 0,
            "75-100%": 1,
            ">100%": 1,
            "no_sla": 0,
        }
        groups = {g["key"]: (g["total"], g["overdue"]) for g in body["groups"]}
        assert groups == {None: (3, 0), "ana": (2, 1)}  # M04 is Ana's and overdue
        cases = get(client, auth["admin"], "backlog", at=at, group_by="case_type")
        assert {g["key"]: g["total"] for g in cases["groups"]} == {
            "invoice_dispute": 4,
            "delivery_missing": 1,
        }
        channels = get(client, auth["admin"], "backlog", at=at, group_by="channel")
        assert {g["key"]: g["total"] for g in channels["groups"]} == {"web": 4, "regulator": 1}

    def test_the_end_of_march(self, client: TestClient, auth: Headers) -> None:
        at = "2026-03-31T20:00:00-03:00"  # Tue 31 Mar, after closing time
        body = get(client, auth["admin"], "backlog", at=at, group_by="area")

        # Open: F11, M14, M16, M19, M20.
        # F11: due Thu 12 Mar -> overdue; age 33 d 4 h -> >10d.
        # M14: due Thu 26 Mar 18:00 (Fri 13 = 1 .. Thu 26 = 10) -> overdue; 19 d 10 h.
        # M16: on the customer since Fri 20 10:00: used 1 h of 9 + 50 = 59 h, the due
        #   moves with the pause (58 business hours were left) -> current, <50%; age
        #   11 d 11 h -> >10d.
        # M19: T = 8 + 40 + 10 = 58 h (due Wed 1 Apr 18:00); used 8 + 40 = 48 h = 83 %
        #   -> 75-100%; age 6 d 10 h -> 5-10d.
        # M20: used Fri 2 + Mon 10 + Tue 10 = 22 h of 102 h (due Mon 13 Apr, Good
        #   Friday skipped) -> <50%; age 4 d 4 h -> 3-5d.
        assert counts(body) == (5, 3, 2)
        assert body["aging_by_age"] == {"0-1d": 0, "1-3d": 0, "3-5d": 1, "5-10d": 1, ">10d": 3}
        assert body["aging_by_sla"] == {
            "<50%": 2,
            "50-75%": 0,
            "75-100%": 1,
            ">100%": 2,
            "no_sla": 0,
        }
        groups = {g["key"]: (g["total"], g["overdue"]) for g in body["groups"]}
        assert groups == {"backoffice": (4, 1), "logistics": (1, 1)}  # M14 transferred
        tiers = get(client, auth["admin"], "backlog", at=at, group_by="tier")
        assert {g["key"]: g["total"] for g in tiers["groups"]} == {"backoffice_l1": 5}
        people = get(client, auth["admin"], "backlog", at=at, group_by="assignee")
        assert {g["key"]: g["total"] for g in people["groups"]} == {None: 3, "bruno": 2}


# Backlog at the end of each Sao Paulo day (open intervals of the items, SP):
#   February: 1 on Mon 2 (F03) .. Thu 5 2 (F03, F04); Fri 6 1 (F04); Mon 9 2 (+F05);
#   Tue 10 3 (+F06); Wed 11 2 (-F05); Thu 12 1 (-F06); Fri 13 2 (+F07); Mon 16 1
#   (F07 cancelled); Thu 19 0 (F04, F08 solved); Fri 20 1 (F09); Mon 23 0; Wed 25 1
#   (F10); Thu 26 2 (F11); Fri 27 2 (F12 in and out) = end of February.
#   March: Mon 2 3 (F06 open again, M01 in and out); Tue 3 3 (F11, M03, M04); Wed 4
#   4; Thu 5 5; Fri 6 7; Mon 9 3 (F11, M04, M09); Tue 10 3 (F11, M04, M11); Wed 11 2
#   (F11, M13); Thu 12 3 (+M14); Fri 13 2; Mon 16 3 (+M21); Wed 18 2 (M21 cancelled);
#   Fri 20 3 (+M16); Tue 24 4 (+M18); Wed 25 5 (+M19); Thu 26 4; Fri 27 .. Tue 31 5.
# Resolutions per business day: Feb 2, 5, 6, 11, 12, 17: 1 each; Feb 19: 2; Feb 23,
# 27: 1 each (February 10). Mar 2: 1; Mar 3: 2; Mar 9: 6; Mar 10: 2; Mar 11: 3;
# Mar 13, 16, 23, 26: 1 each (March 18).
@pytest.mark.usefixtures("ids")
class TestFlow:
    def test_months(self, client: TestClient, auth: Headers) -> None:
        body = get(client, auth["admin"], "flow", **TWO_MONTHS, interval="month")

        assert body["timezone"] == "America/Sao_Paulo"
        feb, mar = body["periods"]
        assert (feb["start"], feb["end"]) == ("2026-02-01T03:00:00Z", "2026-03-01T03:00:00Z")
        # February: 12 received (F12 by the date it carries, though imported on 31
        # Mar), 10 resolutions (F08 twice), F07 cancelled; backlog 0 -> 2 (F10, F11).
        assert (feb["inflow"], feb["outflow"]) == (12, 10)
        assert (feb["backlog_start"], feb["backlog_end"], feb["growth"]) == (0, 2, 2)
        assert feb["growth_pct"] is None  # from an empty backlog
        # 20 business days up to Sat 28 Feb: 2-27 Feb, 10 resolutions -> 0.5 a day;
        # 2 / 0.5 = 4 days.
        assert feb["backlog_days"] == pytest.approx(4.0)
        # March: 21 received, 18 resolutions; backlog 2 -> 5: +3 = +150 %.
        assert (mar["inflow"], mar["outflow"]) == (21, 18)
        assert (mar["backlog_start"], mar["backlog_end"], mar["growth"]) == (2, 5, 3)
        assert mar["growth_pct"] == pytest.approx(1.5)
        # 20 business days up to Tue 31 Mar: 4-31 Mar (22 in March minus 2 and 3):
        # 18 - 3 (Mon 2: M01; Tue 3: F06, F10) = 15 -> 0.75 a day; 5 / 0.75 = 6.67.
        assert mar["backlog_days"] == pytest.approx(5 / 0.75)

    def test_months_by_area(self, client: TestClient, auth: Headers) -> None:
        body = get(
            client,
            auth["admin"],
            "flow",
            **TWO_MONTHS,
            interval="month",
            group_by="area",
        )

        groups = {g["key"]: g["periods"] for g in body["groups"]}
        assert set(groups) == {"backoffice", "finance", "logistics"}

        def row(p: dict[str, Any]) -> tuple[Any, ...]:
            return (p["inflow"], p["outflow"], p["backlog_start"], p["backlog_end"], p["growth"])

        # Backoffice: inflow = arrivals there (F09 arrived in backoffice, moved to
        # finance): Feb 12 - F05, F12 = 10; Mar 21 - M07, M18 = 19. Outflow where
        # resolved: Feb 10 - R5, R9, R10 (finance) = 7; Mar 18 - R19, R28 = 16.
        # Backlog: F10, F11 at the end of Feb; F11, M16, M19, M20 at the end of March.
        office = groups["backoffice"]
        assert [row(p) for p in office] == [(10, 7, 0, 2, 2), (19, 16, 2, 4, 2)]
        assert office[0]["growth_pct"] is None
        assert office[1]["growth_pct"] == pytest.approx(1.0)  # 2 -> 4
        # Own outflow in the 20 business days: Feb 7 -> 2 / 0.35 = 5.71; Mar 4-31:
        # 16 - R13, R11, R12 = 13 -> 4 / 0.65 = 6.15.
        assert office[0]["backlog_days"] == pytest.approx(2 / 0.35)
        assert office[1]["backlog_days"] == pytest.approx(4 / 0.65)
        # Finance: F05, F12 (Feb) and M07, M18 (Mar) arrive; F05, F09, F12 and M07, M18
        # resolved there; empty at both ends: growth 0, no growth_pct, 0 days.
        finance = groups["finance"]
        assert [row(p) for p in finance] == [(2, 3, 0, 0, 0), (2, 2, 0, 0, 0)]
        assert [p["growth_pct"] for p in finance] == [None, None]
        assert [p["backlog_days"] for p in finance] == [0.0, 0.0]
        # Logistics: only M14, transferred there on 12 March and still there.
        logistics = groups["logistics"]
        assert [row(p) for p in logistics] == [(0, 0, 0, 0, 0), (0, 0, 0, 1, 1)]
        assert logistics[1]["growth_pct"] is None
        assert logistics[1]["backlog_days"] is None  # nothing resolved in logistics

    def test_weeks(self, client: TestClient, auth: Headers) -> None:
        body = get(
            client,
            auth["admin"],
            "flow",
            **{"from": "2026-02-02T00:00:00-03:00", "to": "2026-03-30T00:00:00-03:00"},
            interval="week",
        )

        periods = body["periods"]
        assert [p["start"][:10] for p in periods] == [
            "2026-02-02",
            "2026-02-09",
            "2026-02-16",
            "2026-02-23",
            "2026-03-02",
            "2026-03-09",
            "2026-03-16",
            "2026-03-23",
        ]
        # (inflow, outflow, backlog_start, backlog_end, growth) per ISO week:
        # 2 Feb: F01, F02, F03, F04 in; R1, R2, R3 out; 0 -> 1 (F04).
        # 9 Feb: F05, F06, F07 in; R5, R6 out; 1 -> 2 (F04, F07).
        # 16 Feb: F08, F09 in; R7, R4, R8 out; F07 cancelled; 2 -> 1 (F09).
        # 23 Feb: F10, F11, F12 in; R9, R10 out; 1 -> 2 (F10, F11).
        # 2 Mar: M01, M03, M04, M05, M06, M07, M08 in; R13, R11, R12 out (F06 came
        #   back and left again); 2 -> 7.
        # 9 Mar: M02, M09, M12, M10, M11, M13, M14 in; 6 + 2 + 3 + 1 = 12 out; M08
        #   cancelled; 7 -> 2 (F11, M14).
        # 16 Mar: M15, M21, M16 in; R26 out; M21 cancelled; 2 -> 3.
        # 23 Mar: M17, M18, M19, M20 in; R27, R28 out; 3 -> 5.
        assert [
            (p["inflow"], p["outflow"], p["backlog_start"], p["backlog_end"], p["growth"])
            for p in periods
        ] == [
            (4, 3, 0, 1, 1),
            (3, 2, 1, 2, 1),
            (2, 3, 2, 1, -1),
            (3, 2, 1, 2, 1),
            (7, 3, 2, 7, 5),
            (7, 12, 7, 2, -5),
            (3, 1, 2, 3, 1),
            (4, 2, 3, 5, 2),
        ]
        assert [p["growth_pct"] for p in periods] == [
            None,
            pytest.approx(1.0),
            pytest.approx(-0.5),
            pytest.approx(1.0),
            pytest.approx(2.5),
            pytest.approx(-5 / 7),
            pytest.approx(0.5),
            pytest.approx(2 / 3),
        ]
        # Outflow in the 20 business days up to each week's Sunday:
        # to 8 Feb: 12 Jan-6 Feb, 3 resolutions -> 0.15/day; 1 / 0.15 = 6.67.
        # to 15 Feb: 19 Jan-13 Feb, 5 -> 0.25; 2 / 0.25 = 8.
        # to 22 Feb: 26 Jan-20 Feb, 8 -> 0.4; 1 / 0.4 = 2.5.
        # to 1 Mar: 2-27 Feb, 10 -> 0.5; 2 / 0.5 = 4.
        # to 8 Mar: 9 Feb-6 Mar, 7 (R5, R6, R7, R4, R8, R9, R10) + 3 = 10 -> 0.5; 14.
        # to 15 Mar: 16 Feb-13 Mar, 5 (R7, R4, R8, R9, R10) + 15 = 20 -> 1; 2.
        # to 22 Mar: 23 Feb-20 Mar, 2 (R9, R10) + 16 = 18 -> 0.9; 3 / 0.9 = 3.33.
        # to 29 Mar: 2-27 Mar, 18 -> 0.9; 5 / 0.9 = 5.56.
        assert [p["backlog_days"] for p in periods] == [
            pytest.approx(1 / 0.15),
            pytest.approx(8.0),
            pytest.approx(2.5),
            pytest.approx(4.0),
            pytest.approx(14.0),
            pytest.approx(2.0),
            pytest.approx(3 / 0.9),
            pytest.approx(5 / 0.9),
        ]

    def test_days_of_the_people_week(self, client: TestClient, auth: Headers) -> None:
        body = get(
            client,
            auth["admin"],
            "flow",
            **{"from": "2026-03-09T00:00:00-03:00", "to": "2026-03-14T00:00:00-03:00"},
            interval="day",
        )

        periods = body["periods"]
        assert [p["start"] for p in periods] == [
            f"2026-03-{d:02d}T03:00:00Z" for d in (9, 10, 11, 12, 13)
        ]
        # Mon 9: M02, M09, M12 in; R14, R15, R17, R18, R19, R24 out; M08 cancelled;
        #   7 -> 3 (F11, M04, M09).
        # Tue 10: M10, M11 in; R20, R22 out; 3 -> 3 (F11, M04, M11).
        # Wed 11: M13 in; R16, R21, R23 out (M09 reopened and solved again); 3 -> 2.
        # Thu 12: M14 in; 2 -> 3. Fri 13: R25 out; 3 -> 2.
        assert [
            (p["inflow"], p["outflow"], p["backlog_start"], p["backlog_end"], p["growth"])
            for p in periods
        ] == [
            (3, 6, 7, 3, -4),
            (2, 2, 3, 3, 0),
            (1, 3, 3, 2, -1),
            (1, 0, 2, 3, 1),
            (0, 1, 3, 2, -1),
        ]
        assert [p["growth_pct"] for p in periods] == [
            pytest.approx(-4 / 7),
            0.0,
            pytest.approx(-1 / 3),
            pytest.approx(0.5),
            pytest.approx(-1 / 3),
        ]
        # 20 business days up to each day:
        # Mon 9: 10 Feb-9 Mar: 7 in February (R5 .. R10) + 3 + 6 = 16 -> 0.8; 3 / 0.8.
        # Tue 10: 11 Feb-10 Mar: 7 (R5 on the 11th still in) + 11 = 18 -> 0.9; 3 / 0.9.
        # Wed 11: 12 Feb-11 Mar: 6 (R5 out) + 14 = 20 -> 1; 2 / 1.
        # Thu 12: 13 Feb-12 Mar: 5 (R6 out) + 14 = 19 -> 0.95; 3 / 0.95.
        # Fri 13: 16 Feb-13 Mar: 5 + 15 = 20 -> 1; 2 / 1.
        assert [p["backlog_days"] for p in periods] == [
            pytest.approx(3 / 0.8),
            pytest.approx(3 / 0.9),
            pytest.approx(2.0),
            pytest.approx(3 / 0.95),
            pytest.approx(2.0),
        ]
        # Each day's end is the backlog report at that instant.
        for period in periods:
            at = get(client, auth["admin"], "backlog", at=period["end"].replace("Z", "+00:00"))
            assert at["total"] == period["backlog_end"]


# Reasons now (given at intake, or by the last resolve that named one):
#   February: billing_error F01, F02, F04, F08, F10 (5); late_delivery F03, F06 (2);
#     refund_delay F05, F12 (2); damaged F09 (1); duplicate F07 (1); none: F11.
#   March: billing_error M01, M02, M04, M06, M09, M15 (6); damaged M05, M12, M20 (3);
#     late_delivery M03, M10 (2); refund_delay M07, M18 (2); fraud M13 (1);
#     wrong_item M11 (1); none: M08, M14, M16, M17, M19, M21 (6).
@pytest.mark.usefixtures("ids")
class TestPareto:
    def test_march_against_february(self, client: TestClient, auth: Headers) -> None:
        body = get(client, auth["admin"], "pareto", **MARCH)

        # 21 received in March, 6 without a reason: 15 ranked. The previous period is
        # the 31 days before 1 March (from 29 January): February's 12, 11 ranked.
        assert (body["total"], body["unspecified"]) == (15, 6)
        assert (body["previous_total"], body["previous_unspecified"]) == (11, 1)
        rows = [
            (r["reason"], r["count"], r["previous_count"], r["change"]) for r in body["reasons"]
        ]
        assert rows == [
            ("billing_error", 6, 5, 1),
            ("damaged", 3, 1, 2),
            ("late_delivery", 2, 2, 0),  # ties in name order
            ("refund_delay", 2, 2, 0),
            ("fraud", 1, 0, 1),
            ("wrong_item", 1, 0, 1),
            ("duplicate", 0, 1, -1),  # only in February: last, count 0
        ]
        assert [r["share"] for r in body["reasons"]] == pytest.approx(
            [6 / 15, 3 / 15, 2 / 15, 2 / 15, 1 / 15, 1 / 15, 0.0]
        )
        # Running: 6, 9, 11, 13, 14, 15, 15 of 15.
        assert [r["cumulative_share"] for r in body["reasons"]] == pytest.approx(
            [6 / 15, 9 / 15, 11 / 15, 13 / 15, 14 / 15, 1.0, 1.0]
        )
        # 80 %: 11 x 5 = 55 < 15 x 4 = 60; 13 x 5 = 65 >= 60 -> the first four.
        assert body["vital_few"] == 4
        assert [r["vital_few"] for r in body["reasons"]] == [True] * 4 + [False] * 3
        assert [r["change_pct"] for r in body["reasons"]] == [
            pytest.approx(0.2),  # 5 -> 6
            pytest.approx(2.0),  # 1 -> 3
            0.0,
            0.0,
            None,  # none before
            None,
            -1.0,  # 1 -> 0
        ]

    def test_february(self, client: TestClient, auth: Headers) -> None:
        body = get(client, auth["admin"], "pareto", **FEBRUARY)

        # 11 ranked, F11 unspecified; nothing in the 28 days before.
        assert (body["total"], body["unspecified"], body["previous_total"]) == (11, 1, 0)
        assert [(r["reason"], r["count"]) for r in body["reasons"]] == [
            ("billing_error", 5),
            ("late_delivery", 2),
            ("refund_delay", 2),
            ("damaged", 1),
            ("duplicate", 1),
        ]
        # Running 5, 7, 9 of 11: 9 x 5 = 45 >= 44 -> three are the vital few.
        assert [r["cumulative_share"] for r in body["reasons"]] == pytest.approx(
            [5 / 11, 7 / 11, 9 / 11, 10 / 11, 1.0]
        )
        assert body["vital_few"] == 3
        assert all(r["change_pct"] is None for r in body["reasons"])  # all new

    def test_per_tier_and_area(self, client: TestClient, auth: Headers) -> None:
        # What reached the ombudsman: M13 (fraud) in March; F06 (late_delivery), a
        # February item, in the period before.
        top = get(client, auth["admin"], "pareto", **MARCH, tier="ombudsman")
        assert (top["total"], top["previous_total"], top["vital_few"]) == (1, 1, 1)
        assert [(r["reason"], r["count"], r["change_pct"]) for r in top["reasons"]] == [
            ("fraud", 1, None),
            ("late_delivery", 0, -1.0),
        ]
        # What reached L2 in March: M05 (damaged), M21 (no reason); M13 jumped from L1
        # to the ombudsman and never was at L2. Before: F06.
        l2 = get(client, auth["admin"], "pareto", **MARCH, tier="backoffice_l2")
        assert (l2["total"], l2["unspecified"], l2["previous_total"]) == (1, 1, 1)
        assert [(r["reason"], r["count"]) for r in l2["reasons"]] == [
            ("damaged", 1),
            ("late_delivery", 0),
        ]
        # Arrived in finance: M07, M18 in March; F05, F12 before (F09 arrived in
        # backoffice and was moved there).
        finance = get(client, auth["admin"], "pareto", **MARCH, area="finance")
        assert [(r["reason"], r["count"], r["previous_count"]) for r in finance["reasons"]] == [
            ("refund_delay", 2, 2)
        ]
        assert finance["reasons"][0]["change_pct"] == 0.0


@pytest.mark.usefixtures("ids")
class TestKpis:
    def test_march(self, client: TestClient, auth: Headers) -> None:
        body = get(client, auth["admin"], "kpis", **MARCH)

        # R11-R28: 18 resolutions; R20 (M09's first) was reopened: 17 definitive.
        assert body["resolved"] == 18
        # Resolution clocks stopped in March by a resolution (item resolved or closed
        # now): F06 (due pushed to Thu 12 Mar 17:00, met), F10, M01, M02, M03 (closed),
        # M04, M05, M06, M07, M09 (its clock stops at Wed 11 15:00), M10, M11, M12, M13,
        # M15, M17, M18 = 17; M04 (due Tue 10 Mar 18:00, resolved Wed 11) breached; M08
        # and M21 cancelled are not counted -> 16 / 17.
        assert (body["sla_compliance"], body["sla_counted"]) == (pytest.approx(16 / 17), 17)
        # Handling (h): 2 + 2 + 2 + 1.5 + 2 + 3 + 2 + 2 + 2 + 1 + 2 + 1.5 + 3.5 + 4 + 6 +
        # 1 + 1 + 2 = 40.5 h = 145,800 s over 18.
        assert body["aht_seconds"] == pytest.approx(145_800 / 18)  # 8,100
        # Calendar seconds sorted: 3,600 3,600 7,200 7,200 10,800 21,600 72,000 106,200
        # 176,400 180,000 180,000 266,400 352,800 457,200 525,600 525,600 687,600
        # 1,839,600; sum 5,423,400 -> mean 301,300. p50 at rank 8.5: (176,400 +
        # 180,000) / 2 = 178,200. p90 at rank 0.9 x 17 = 15.3: 525,600 + 0.3 x
        # (687,600 - 525,600) = 574,200.
        assert body["resolution_seconds"] == {
            "mean": pytest.approx(301_300.0),
            "p50": pytest.approx(178_200.0),
            "p90": pytest.approx(574_200.0),
        }
        # Business seconds sorted: 3,600 3,600 7,200 7,200 10,800 21,600 21,600 43,200
        # 55,800 75,600 79,200 79,200 79,200 133,200 151,200 151,200 212,400 565,200;
        # sum 1,701,000 -> mean 94,500; p50 (55,800 + 75,600) / 2 = 65,700; p90
        # 151,200 + 0.3 x 61,200 = 169,560.
        assert body["resolution_business_seconds"] == {
            "mean": pytest.approx(94_500.0),
            "p50": pytest.approx(65_700.0),
            "p90": pytest.approx(169_560.0),
        }
        # First contact among the 17 definitive: F10, M02, M03, M04, M06, M07, M10, M11,
        # M12, M17, M18 = 11. Not: F06 (second resolution, escalated), M01 (M02 repeats
        # it), M05 (escalated), M09 (second resolution), M13 (escalated), M15 (M16
        # repeats it). M02 is itself a repeat, but nothing repeats it. -> 11 / 17.
        assert body["fcr_rate"] == pytest.approx(11 / 17)
        # Reached the ombudsman: F06 and M13 of 17 definitive -> 1000 x 2 / 17.
        assert body["ombudsman_per_1000"] == pytest.approx(2000 / 17)
        assert body["reopen_rate"] == pytest.approx(1 / 18)  # R20
        # Failed or open again: R19 (M07 failed), R20 (failed and reopened: once).
        assert body["failure_rate"] == pytest.approx(2 / 18)
        # Last scores of the definitively resolved: F06 3, M01 5, M02 4, M09 4, M15 5.
        assert (body["csat_mean"], body["csat_count"]) == (pytest.approx(21 / 5), 5)
        # Waits on areas ended in March: finance F10 (Mon 2 11:00 -> Tue 3 11:00, 10 of
        # 16 business hours: met), M06 (Thu 5 11:00 -> Mon 9 11:00, due Fri 17:00:
        # breached), M04 (Mon 9 15:00 -> Wed 11 12:00, due Wed 11:00: breached);
        # logistics M18 (Tue 24 11:00 -> Thu 26 11:00, due Thu 26 18:00: met).
        assert body["ola_compliance"] == {"finance": pytest.approx(1 / 3), "logistics": 1.0}
        assert body["pending_by_area"] == {
            # 86,400 + 345,600 + 162,000 = 594,000 over 3.
            "finance": {"waits": 3, "total_seconds": 594_000.0, "mean_seconds": 198_000.0},
            "logistics": {"waits": 1, "total_seconds": 172_800.0, "mean_seconds": 172_800.0},
        }
        # Escalations starting in March: F06 (L2 -> ombudsman, from resolved, Mon 2),
        # M05 (L1 -> L2), M13 (L1 -> ombudsman), M21 (L1 -> L2) = 4. Items open at some
        # instant of March: F06, F10, F11 and the 21 March items = 24 -> 4 / 24.
        assert body["escalation_rate"] == pytest.approx(4 / 24)
        # Per tier: out of L1 M05, M13, M21 = 3 of the 23 items open at L1 in March (all
        # but F06, which was open only at the ombudsman); out of L2: F06, of the 2 open
        # at L2 in March (M05, M21: F06 was resolved, not in the backlog, while at L2 in
        # March); out of the ombudsman: none of F06, M13.
        assert body["escalation_by_tier"] == {
            "backoffice_l1": pytest.approx(3 / 23),
            "backoffice_l2": 0.5,
            "ombudsman": 0.0,
        }

    def test_february(self, client: TestClient, auth: Headers) -> None:
        body = get(client, auth["admin"], "kpis", **FEBRUARY)

        # R1-R10; R6 (F06, escalated from resolved in March) and R7 (F08, reopened) are
        # not definitive: 8.
        assert body["resolved"] == 10
        # Clocks stopped in February: F01, F02, F03, F04, F05, F08 (its last stop Thu
        # 19 11:30, due Tue 24 + 18 h), F09, F12 = 8; F04 breached (due Wed 11 Feb);
        # F06 stops next in March; F07 cancelled -> 7 / 8.
        assert (body["sla_compliance"], body["sla_counted"]) == (0.875, 8)
        # Handling 2 + 2 + 2 + 1 + 3 + 1 + 2 + 2 + 2 + 2 = 19 h = 68,400 s over 10.
        assert body["aht_seconds"] == pytest.approx(6_840.0)
        # Calendar sorted: 7,200 x 3, 10,800, 176,400, 180,000, 181,800, 262,800,
        # 334,800, 1,296,000; sum 2,464,200 -> mean 246,420; p50 at 4.5: 178,200; p90
        # at 8.1: 334,800 + 0.1 x 961,200 = 430,920.
        assert body["resolution_seconds"] == {
            "mean": pytest.approx(246_420.0),
            "p50": pytest.approx(178_200.0),
            "p90": pytest.approx(430_920.0),
        }
        # Business sorted: 7,200 x 3, 10,800, 39,600, 75,600, 79,200, 81,000, 133,200,
        # 396,000; sum 837,000 -> mean 83,700; p50 (39,600 + 75,600) / 2 = 57,600; p90
        # 133,200 + 0.1 x 262,800 = 159,480.
        assert body["resolution_business_seconds"] == {
            "mean": pytest.approx(83_700.0),
            "p50": pytest.approx(57_600.0),
            "p90": pytest.approx(159_480.0),
        }
        # First contact: F02, F03, F04, F05 (failed, still first contact), F09
        # (transferred, same tier), F12 = 6 of 8; F01 repeated by F02, F08 solved twice.
        assert body["fcr_rate"] == 0.75
        assert body["ombudsman_per_1000"] == 0.0  # F06's February resolution is not definitive
        assert body["reopen_rate"] == pytest.approx(0.2)  # R6, R7
        assert body["failure_rate"] == pytest.approx(0.3)  # R5 failed, R6, R7 open again
        # Definitive with a score: F01 5, F02 4, F05 2 (F06's is not definitive).
        assert (body["csat_mean"], body["csat_count"]) == (pytest.approx(11 / 3), 3)
        # F03 waited on logistics Tue 3 10:00 -> Fri 6 10:00 (259,200 s), due Thu 5 18:00.
        assert body["ola_compliance"] == {"logistics": 0.0}
        assert body["pending_by_area"] == {
            "logistics": {"waits": 1, "total_seconds": 259_200.0, "mean_seconds": 259_200.0}
        }
        # One escalation (F06 to L2, Wed 11) among the 12 items open in February; all 12
        # were at L1, F06 alone at L2.
        assert body["escalation_rate"] == pytest.approx(1 / 12)
        assert body["escalation_by_tier"] == {
            "backoffice_l1": pytest.approx(1 / 12),
            "backoffice_l2": 0.0,
        }

    def groups(self, client: TestClient, auth: Headers, group_by: str) -> dict[Any, Any]:
        body = get(client, auth["admin"], "kpis", **MARCH, group_by=group_by)
        assert body["group_by"] == group_by
        return {
            g["key"]: (g["resolved"], g["sla_counted"], g["sla_compliance"]) for g in body["groups"]
        }

    def test_march_by_policy(self, client: TestClient, auth: Headers) -> None:
        # (resolutions, clocks counted, compliance):
        # invoice-dispute: F10, M01, M02, M04, M06, M09 x 2, M11, M13 (regulator channel,
        #   but the invoice dispute policy comes first), M15 = 10 resolutions; 9 clocks,
        #   M04 breached -> 8 / 9.
        # regulator: F06 -> 1, 1, met.
        # default: M03, M05, M07, M10, M12, M17, M18 = 7, all met.
        assert self.groups(client, auth, "policy") == {
            "invoice-dispute": (10, 9, pytest.approx(8 / 9)),
            "regulator": (1, 1, 1.0),
            "default": (7, 7, 1.0),
        }

    def test_march_by_case_type_and_channel(self, client: TestClient, auth: Headers) -> None:
        # invoice_dispute: as the policy above (10, 9, 8/9); delivery_missing: F06, M03,
        # M05, M10, M12, M17 (6, 6, met); refund_request: M07, M18 (2, 2, met).
        assert self.groups(client, auth, "case_type") == {
            "invoice_dispute": (10, 9, pytest.approx(8 / 9)),
            "delivery_missing": (6, 6, 1.0),
            "refund_request": (2, 2, 1.0),
        }
        # web: M01, M02, M03, M04, M05, M07, M09 x 2, M10, M11, M12, M15, M18 = 13
        # resolutions, 12 clocks, M04 breached; email F10; chat M06; phone M17;
        # regulator F06 and M13.
        assert self.groups(client, auth, "channel") == {
            "web": (13, 12, pytest.approx(11 / 12)),
            "email": (1, 1, 1.0),
            "chat": (1, 1, 1.0),
            "phone": (1, 1, 1.0),
            "regulator": (2, 2, 1.0),
        }

    def test_march_by_area_tier_and_assignee(self, client: TestClient, auth: Headers) -> None:
        # Area at the resolution: finance R19 (M07), R28 (M18); the other 16 backoffice,
        # 15 clocks with M04's breach.
        assert self.groups(client, auth, "area") == {
            "backoffice": (16, 15, pytest.approx(14 / 15)),
            "finance": (2, 2, 1.0),
        }
        # Tier at the resolution: ombudsman F06, M13; L2 M05; the other 15 at L1 (14
        # clocks, M09 once).
        assert self.groups(client, auth, "tier") == {
            "backoffice_l1": (15, 14, pytest.approx(13 / 14)),
            "backoffice_l2": (1, 1, 1.0),
            "ombudsman": (2, 2, 1.0),
        }
        # Assignee at the resolution: Ana R11 R12 R13 R14 R16 R17 R21 R23 R25 R26 R27
        # (11; clocks F06 F10 M01 M02 M04 M05 M09 M11 M13 M15 M17, M04 breached);
        # Bruno R15 R18 R20 R22 R24 (5; clocks M03 M06 M10 M12 -- M09's stopped with
        # Ana); Carla R19 R28.
        assert self.groups(client, auth, "assignee") == {
            "ana": (11, 11, pytest.approx(10 / 11)),
            "bruno": (5, 4, 1.0),
            "carla": (2, 2, 1.0),
        }
        body = get(client, auth["admin"], "kpis", **MARCH, group_by="assignee")
        groups = by(body["groups"], "key")
        # Bruno: handling 2 + 2 + 1 + 1.5 + 4 = 10.5 h over 5; first contact M03, M06,
        # M10, M12 of his 4 definitive (R20 was reopened); failed R20.
        bruno = groups["bruno"]
        assert bruno["aht_seconds"] == pytest.approx(10.5 * H / 5)
        assert (bruno["fcr_rate"], bruno["failure_rate"]) == (1.0, pytest.approx(1 / 5))
        # Ana: first contact F10, M02, M04, M11, M17 of 11 definitive; reached the
        # ombudsman F06, M13 -> 2000 / 11; scores F06 3, M01 5, M02 4, M09 4, M15 5.
        ana = groups["ana"]
        assert ana["fcr_rate"] == pytest.approx(5 / 11)
        assert ana["ombudsman_per_1000"] == pytest.approx(2000 / 11)
        assert (ana["csat_mean"], ana["csat_count"]) == (pytest.approx(4.2), 5)


# The people window, Mon 9 - Wed 11 March (SP). Items in progress with each agent:
#   Ana: M02 Mon 09:30-11:00; M04 Mon 13:00-15:00, Wed 12:00-13:00; M05 Mon
#     14:00-16:00; M11 Tue 11:00-12:00, Wed 14:00-16:30; M13 Wed 12:00-16:00; M09 Wed
#     13:00-15:00. Union: Mon 09:30-11:00, 13:00-16:00; Tue 11:00-12:00; Wed
#     12:00-16:30.
#   Bruno: M03 Mon 10-11, M06 Mon 11-12, M12 Mon 13-14, M09 Tue 09-10, M10 Tue
#     10:30-12:00.
#   Carla: M07 Mon 10-12. Dora: M12 Mon 09-12.
@pytest.mark.usefixtures("ids")
class TestPeople:
    def test_ana(self, client: TestClient, auth: Headers) -> None:
        ana = by(get(client, auth["admin"], "people", **WEEK)["agents"], "agent")["ana"]

        # On duty (available or busy): Mon 08-12 + 13-18 = 9 h; Tue 09-15 + 15:30-18 =
        # 8.5 h (busy 11-12 included); Wed 12-17 = 5 h: 22.5 h.
        assert ana["on_duty_seconds"] == 22.5 * H
        # In progress while on duty: Mon 1.5 + 3 h, Tue 1 h, Wed 4.5 h = 10 h.
        assert ana["in_progress_seconds"] == 10 * H
        assert ana["occupancy"] == pytest.approx(10 / 22.5)
        # Handled: M02, M04, M05, M09, M11, M13 = 6; resolved: M02, M05 (Mon), M04, M09,
        # M11 (Wed) = 5 (M13 on Friday, outside).
        assert (ana["handled"], ana["resolved"]) == (6, 5)
        assert ana["productivity_per_hour"] == pytest.approx(5 / 22.5)
        # Scheduled 3 x 10 h; planned absence Wed 08-12 = 4 h; expected 26 h. Offline
        # in it: Tue 08-09 (her "traffic" absence was not planned: excuses nothing) and
        # Wed 17-18 = 2 h.
        assert (ana["scheduled_seconds"], ana["planned_absence_seconds"]) == (30 * H, 4 * H)
        assert ana["absent_seconds"] == 2 * H
        assert ana["absenteeism"] == pytest.approx(2 / 26)
        # Away Mon 12-13 and Tue 15:00-15:30: 5,400 s in 2 spells.
        assert (ana["away_seconds"], ana["away_spells"]) == (5400, 2)
        assert ana["mean_unavailability_seconds"] == 2700

    def test_bruno_carla_and_dora(self, client: TestClient, auth: Headers) -> None:
        agents = by(get(client, auth["admin"], "people", **WEEK)["agents"], "agent")

        bruno = agents["bruno"]
        # On duty: Mon 08-18 (busy 10-12 included) 10 h; Tue 08-10 + 10:30-16 = 7.5 h;
        # Wed off sick: 17.5 h. In progress on duty: Mon 10-12 + 13-14 = 3 h, Tue
        # 09-10 + 10:30-12 = 2.5 h: 5.5 h.
        assert (bruno["on_duty_seconds"], bruno["in_progress_seconds"]) == (17.5 * H, 5.5 * H)
        assert bruno["occupancy"] == pytest.approx(5.5 / 17.5)
        # Handled and resolved: M03, M06, M12 (Mon), M09, M10 (Tue).
        assert (bruno["handled"], bruno["resolved"]) == (5, 5)
        assert bruno["productivity_per_hour"] == pytest.approx(5 / 17.5)
        # Scheduled 30 h, nothing planned; offline Tue 16-18 and all Wednesday (10 h,
        # recorded as an unplanned absence): 12 h.
        assert (bruno["absent_seconds"], bruno["absenteeism"]) == (12 * H, pytest.approx(0.4))
        assert (bruno["away_spells"], bruno["mean_unavailability_seconds"]) == (1, 1800)

        carla = agents["carla"]
        # No schedule. On duty Mon 09-13 (4 h) + Tue 09-10 and 10:20-12 (2 h 40): 24,000 s;
        # in progress M07 Mon 10-12.
        assert (carla["on_duty_seconds"], carla["in_progress_seconds"]) == (24_000, 2 * H)
        assert carla["occupancy"] == pytest.approx(0.3)
        assert (carla["handled"], carla["resolved"]) == (1, 1)
        assert carla["productivity_per_hour"] == pytest.approx(1 / (24_000 / H))  # 0.15
        assert (carla["scheduled"], carla["absenteeism"], carla["scheduled_seconds"]) == (
            False,
            None,
            None,
        )
        assert carla["mean_unavailability_seconds"] == 1200  # away Tue 10:00-10:20

        dora = agents["dora"]
        # Her first area, finance, is her team. Away since Fri 6 17:30 (her last change
        # before the window) until Mon 08:30: the spell's expected part in the window
        # is Mon 08:00-08:30. On duty Mon 08:30-18:00 = 9.5 h; M12 Mon 09-12 with her.
        assert dora["team"] == "finance"
        assert (dora["away_seconds"], dora["away_spells"]) == (1800, 1)
        assert (dora["on_duty_seconds"], dora["in_progress_seconds"]) == (9.5 * H, 3 * H)
        assert dora["occupancy"] == pytest.approx(3 / 9.5)
        # She worked M12 and unassigned it: handled, not resolved.
        assert (dora["handled"], dora["resolved"], dora["productivity_per_hour"]) == (1, 0, 0.0)
        # Scheduled 30 h, vacation Tue-Wed 20 h: expected Monday's 10 h, when she was
        # away (not absent) and then on duty.
        assert (dora["scheduled_seconds"], dora["planned_absence_seconds"]) == (30 * H, 20 * H)
        assert (dora["absent_seconds"], dora["absenteeism"]) == (0, 0.0)
        assert dora["mean_unavailability_seconds"] == 1800

    def test_teams(self, client: TestClient, auth: Headers) -> None:
        teams = by(get(client, auth["admin"], "people", **WEEK)["teams"], "team")

        assert list(teams) == ["backoffice", "finance"]
        office, finance = teams["backoffice"], teams["finance"]
        # Backoffice = Ana + Bruno: handled 6 + 5, resolved 5 + 5 in 22.5 + 17.5 = 40 h.
        assert (office["agents"], office["handled"], office["resolved"]) == (2, 11, 10)
        assert office["productivity_per_hour"] == pytest.approx(10 / 40)
        assert office["occupancy"] == pytest.approx((10 + 5.5) / 40)
        assert office["absenteeism"] == pytest.approx((2 + 12) / (26 + 30))  # 25 %
        assert office["mean_unavailability_seconds"] == pytest.approx((5400 + 1800) / 3)
        # Finance = Carla + Dora: on duty 24,000 + 34,200 = 58,200 s.
        assert (finance["agents"], finance["handled"], finance["resolved"]) == (2, 2, 1)
        assert finance["productivity_per_hour"] == pytest.approx(1 / (58_200 / H))
        assert finance["occupancy"] == pytest.approx((7200 + 10_800) / 58_200)
        assert finance["absenteeism"] == 0.0  # Dora's 0 of 10 h; Carla has no schedule
        assert finance["mean_unavailability_seconds"] == pytest.approx((1200 + 1800) / 2)

    def test_the_whole_of_march(self, client: TestClient, auth: Headers) -> None:
        body = get(client, auth["admin"], "people", **MARCH)
        agents, teams = by(body["agents"], "agent"), by(body["teams"], "team")

        # Handled in March: Ana F06, F10, M01, M02, M04, M05, M09, M11, M13, M15, M17
        # (11), resolved the 11 of the KPI groups; Bruno M03, M06, M09, M10, M12, M16
        # (Fri 20), M19 (from Mon 30, still) = 7, resolved 5; Carla M07, M18; Dora M12.
        assert [(agents[k]["handled"], agents[k]["resolved"]) for k in agents] == [
            (11, 11),
            (7, 5),
            (2, 2),
            (1, 0),
        ]
        ana, bruno, dora = agents["ana"], agents["bruno"], agents["dora"]
        # On duty: the week plus Friday 6 March 08-18 (Ana, Bruno) or 08:00-17:30
        # (Dora). Nothing in progress with them on that Friday, nor after the week
        # while they were on duty.
        assert ana["on_duty_seconds"] == 32.5 * H
        assert ana["occupancy"] == pytest.approx(10 / 32.5)
        assert ana["productivity_per_hour"] == pytest.approx(11 / 32.5)
        # 22 business days x 10 h = 220 h; Ana's planned 4 h -> 216 h expected; on duty
        # 32.5 h and away 1.5 h of it: 182 h offline.
        assert (ana["scheduled_seconds"], ana["absent_seconds"]) == (220 * H, 182 * H)
        assert ana["absenteeism"] == pytest.approx(182 / 216)
        # Bruno: 220 h expected, on duty 27.5 h, away 0.5 h: 192 h offline.
        assert bruno["on_duty_seconds"] == 27.5 * H
        assert bruno["occupancy"] == pytest.approx(5.5 / 27.5)
        assert bruno["absenteeism"] == pytest.approx(192 / 220)
        # Dora: on duty 9.5 + 9.5 = 19 h; her weekend away spell is one spell of Fri
        # 17:30-18:00 and Mon 08:00-08:30 (1 h); expected 220 - 20 = 200 h, 180 h offline.
        assert (dora["on_duty_seconds"], dora["away_seconds"], dora["away_spells"]) == (
            19 * H,
            H,
            1,
        )
        assert dora["absenteeism"] == pytest.approx(0.9)
        assert dora["mean_unavailability_seconds"] == H
        # Teams: backoffice 16 resolved in 32.5 + 27.5 = 60 h on duty; absent 182 + 192
        # of 216 + 220 h expected.
        office = teams["backoffice"]
        assert office["productivity_per_hour"] == pytest.approx(16 / 60)
        assert office["occupancy"] == pytest.approx(15.5 / 60)
        assert office["absenteeism"] == pytest.approx(374 / 436)
        # Finance: 2 resolved in 24,000 + 68,400 s on duty.
        assert teams["finance"]["productivity_per_hour"] == pytest.approx(2 / (92_400 / H))
