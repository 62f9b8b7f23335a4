"""GET /api/v1/reports/backlog, flow and pareto on both databases: hand-worked
scenarios (tests/scenarios.py says what the items are)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.domain.item.model import Action
from retaguarda.services import config, intake
from retaguarda.services import item as item_service
from retaguarda.services.config import InvalidConfig
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CRM, NOW
from tests.scenarios import LATER, utc, write_kpi_scenario, write_scenario

Headers = dict[str, dict[str, str]]


@pytest.fixture
def scenario(engine: Engine, client: TestClient) -> None:
    write_scenario(engine)


def backlog(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    got = client.get("/api/v1/reports/backlog", params=params, headers=headers)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


@pytest.mark.usefixtures("scenario")
class TestBacklogByHand:
    def test_friday_6_march_at_noon_in_sao_paulo(self, client: TestClient, auth: Headers) -> None:
        body = backlog(client, auth["admin"], at="2026-03-06T15:00:00Z", group_by="area")

        # Open at Fri 6 Mar 12:00 SP: A, B, D, F, G (C resolved, E cancelled).
        # A: due Mon 9 Mar 18:00 (Tue 3, Wed 4, Thu 5, Fri 6, Mon 9); target
        #    T = 9 h (Mon 2, 09-18) + 4 x 10 h + 10 h (Mon 9) = 59 h; used 9 + 10 + 10
        #    + 10 + 4 (Fri 08-12) = 43 h = 73 % -> 50-75 %; age 4 d 3 h -> 3-5d.
        # B: 10 business days: due Thu 19 Mar 18:00, T = 7 h + 100 h = 107 h; used
        #    7 h (Thu 11-18) + 4 h = 11 h = 10 % -> <50 %; age 1 d 1 h -> 1-3d.
        # D: regulator, 10 business days; used 3 h -> <50 %; age 3 h -> 0-1d.
        # F: due Mon 2 Mar 18:00 SP (Tue 24 .. Fri 27, Mon 2): overdue -> >100 %;
        #    age 11 d 3 h -> >10d.
        # G: resolved Tue 3 09:00 -> reopened Thu 5 09:00 counts as a pause of
        #    9 h + 10 h + 1 h = 20 h; used 43 h - 20 h = 23 h of 59 h = 39 % -> <50 %;
        #    age 4 d 3 h -> 3-5d.
        assert body["total"] == 5
        assert (body["current"], body["overdue"]) == (4, 1)
        assert body["aging_by_age"] == {"0-1d": 1, "1-3d": 1, "3-5d": 2, "5-10d": 0, ">10d": 1}
        assert body["aging_by_sla"] == {
            "<50%": 3,
            "50-75%": 1,
            "75-100%": 0,
            ">100%": 1,
            "no_sla": 0,
        }
        groups = {g["key"]: (g["total"], g["overdue"]) for g in body["groups"]}
        # D moved to finance at 10:00 SP: counted where it was at noon.
        assert groups == {"backoffice": (4, 1), "finance": (1, 0)}
        assert body["pending"] == 0

    def test_groups_by_the_assignee_at_that_instant(
        self, client: TestClient, auth: Headers
    ) -> None:
        body = backlog(client, auth["admin"], at="2026-03-06T15:00:00Z", group_by="assignee")

        # Only B is assigned (to Ana); G's reopen cleared its assignee.
        assert {g["key"]: g["total"] for g in body["groups"]} == {None: 4, "ana": 1}

    def test_monday_23_february_afternoon(self, client: TestClient, auth: Headers) -> None:
        body = backlog(client, auth["admin"], at="2026-02-23T15:00:00Z", group_by="assignee")

        # C (in progress with Ana since 10:00 SP) and F (arrived 09:00 SP).
        # C: received Fri 20 Feb 09:00 SP, 5 business days -> due Fri 27 Feb 18:00;
        #    T = 9 h + 4 x 10 h + 10 h = 59 h, used 9 h + 4 h (Mon 08-12) = 13 h -> <50 %.
        assert (body["total"], body["overdue"]) == (2, 0)
        assert {g["key"]: g["total"] for g in body["groups"]} == {"ana": 1, None: 1}
        assert body["aging_by_age"]["3-5d"] == 1  # C: 3 d 3 h old
        assert body["aging_by_age"]["0-1d"] == 1  # F: 3 h old

    def test_an_instant_before_anything_arrived_is_an_empty_backlog(
        self, client: TestClient, auth: Headers
    ) -> None:
        body = backlog(client, auth["admin"], at="2026-01-01T00:00:00Z")

        assert (body["total"], body["current"], body["overdue"]) == (0, 0, 0)
        assert "groups" not in body or body["groups"] is None

    def test_a_supervisor_sees_only_their_areas(self, client: TestClient, auth: Headers) -> None:
        # Sofia supervises backoffice: D (in finance at noon) is not hers.
        body = backlog(client, auth["sofia"], at="2026-03-06T15:00:00Z")

        assert body["total"] == 4


class TestBacklogErrors:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"at": "2026-03-06T15:00:00"}, "at"),  # no offset
            ({"at": "next friday"}, "at"),
            ({"group_by": "colour"}, "group_by"),
            ({"at": "2999-01-01T00:00:00Z"}, "at"),  # the future is not history
        ],
    )
    def test_bad_parameters_are_422_naming_the_field(
        self, client: TestClient, auth: Headers, params: dict[str, str], field: str
    ) -> None:
        got = client.get("/api/v1/reports/backlog", params=params, headers=auth["admin"])

        assert got.status_code == 422, got.text
        assert got.json()["field"] == field

    def test_without_a_token_it_is_401(self, client: TestClient) -> None:
        assert client.get("/api/v1/reports/backlog").status_code == 401


def flow(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    got = client.get("/api/v1/reports/flow", params=params, headers=headers)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


@pytest.mark.usefixtures("scenario")
class TestFlowByHand:
    # No `reports` section: days are Sao Paulo's (the zone of br-sp, the first calendar).
    WEEKS: ClassVar[dict[str, str]] = {
        "from": "2026-02-23T03:00:00Z",
        "to": "2026-03-07T03:00:00Z",
        "interval": "week",
    }

    def test_two_weeks(self, client: TestClient, auth: Headers) -> None:
        body = flow(client, auth["admin"], **self.WEEKS)

        assert body["timezone"] == "America/Sao_Paulo"
        first, second = body["periods"]
        # Weeks start on Monday at 00:00 in Sao Paulo (03:00 UTC).
        assert (first["start"], first["end"]) == ("2026-02-23T03:00:00Z", "2026-03-02T03:00:00Z")
        # Week of 23 Feb: F arrives; C (open since Fri 20) is resolved on Tue 24.
        # Backlog: C before, F after -> growth 0 (0 %). Outflow over the 20 business
        # days up to Sun 1 Mar: C alone -> 1 / 20 = 0.05 a day -> 1 / 0.05 = 20 days.
        assert {k: first[k] for k in ("inflow", "outflow", "backlog_start", "backlog_end")} == {
            "inflow": 1,
            "outflow": 1,
            "backlog_start": 1,
            "backlog_end": 1,
        }
        assert (first["growth"], first["growth_pct"]) == (0, 0.0)
        assert first["backlog_days"] == pytest.approx(20.0)
        # Week of 2 Mar: A, E, G (Mon, Tue), B (Thu), D (Fri) arrive; G is resolved on
        # Tue 3 (and reopened Thu), E cancelled. Backlog 1 -> 5 (A, B, D, F, G): +4 =
        # +400 %. Outflow in the 20 business days up to Sun 8 Mar: C and G = 0.1 a day
        # -> 5 / 0.1 = 50 days.
        assert (second["inflow"], second["outflow"]) == (5, 1)
        assert (second["backlog_start"], second["backlog_end"]) == (1, 5)
        assert (second["growth"], second["growth_pct"]) == (4, 4.0)
        assert second["backlog_days"] == pytest.approx(50.0)

    def test_by_area_counts_each_where_it_was(self, client: TestClient, auth: Headers) -> None:
        body = flow(client, auth["admin"], **self.WEEKS, group_by="area")

        groups = {g["key"]: g["periods"] for g in body["groups"]}
        assert set(groups) == {"backoffice", "finance"}
        office, finance = groups["backoffice"][1], groups["finance"][1]
        # D arrived in backoffice (inflow there) and was in finance at the week's end.
        assert (office["inflow"], office["backlog_start"], office["backlog_end"]) == (5, 1, 4)
        assert (office["growth"], office["growth_pct"]) == (3, 3.0)
        assert office["backlog_days"] == pytest.approx(40.0)  # 4 / (2 / 20)
        assert (finance["inflow"], finance["backlog_start"], finance["backlog_end"]) == (0, 0, 1)
        assert finance["growth_pct"] is None  # from an empty backlog
        assert finance["backlog_days"] is None  # nothing resolved in finance
        # The whole is still given, and equals the ungrouped report.
        assert body["periods"] == flow(client, auth["admin"], **self.WEEKS)["periods"]

    def test_days_agree_with_the_backlog_report(self, client: TestClient, auth: Headers) -> None:
        body = flow(
            client, auth["admin"], **{"from": "2026-03-02T03:00:00Z", "to": "2026-03-07T03:00:00Z"}
        )

        assert len(body["periods"]) == 5  # Monday to Friday
        for period in body["periods"]:
            # The backlog at the period's last instant, as the backlog report sees it.
            end = datetime.fromisoformat(period["end"]) - timedelta(microseconds=1)
            at = backlog(client, auth["admin"], at=end.isoformat())
            assert period["backlog_end"] == at["total"], period["start"]
        assert [p["inflow"] for p in body["periods"]] == [2, 1, 0, 1, 1]  # A+G, E, -, B, D


class TestFlowErrors:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "2026-03-02T00:00:00", "to": "2026-03-07T00:00:00Z"}, "from"),
            ({"from": "2026-03-07T00:00:00Z", "to": "2026-03-02T00:00:00Z"}, "to"),
            (
                {"from": "2026-03-02T00:00:00Z", "to": "2026-03-07T00:00:00Z", "interval": "hour"},
                "interval",
            ),
            ({"from": "2000-01-01T00:00:00Z", "to": "2026-03-07T00:00:00Z"}, "interval"),
            ({"to": "2026-03-07T00:00:00Z"}, "from"),
        ],
    )
    def test_bad_parameters_are_422_naming_the_field(
        self, client: TestClient, auth: Headers, params: dict[str, str], field: str
    ) -> None:
        got = client.get("/api/v1/reports/flow", params=params, headers=auth["admin"])

        assert got.status_code == 422, got.text
        assert got.json()["field"] == field


class TestReportSettings:
    def test_the_reports_section_sets_the_zone_of_report_days(
        self, client: TestClient, auth: Headers, engine: Engine
    ) -> None:
        with unit_of_work(engine) as conn:
            config.apply(conn, "reports: {timezone: Asia/Tokyo}\n", source="r", now=NOW)

        body = flow(
            client, auth["admin"], **{"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
        )

        # Tokyo is UTC+9: 2 March 00:00 UTC is 09:00 there; the day began 1 March 15:00 UTC.
        assert body["timezone"] == "Asia/Tokyo"
        assert body["periods"][0]["start"] == "2026-03-01T15:00:00Z"

    @pytest.mark.usefixtures("client")  # the seeded catalog
    def test_a_bad_section_is_refused_with_paths(self, engine: Engine) -> None:
        with pytest.raises(InvalidConfig) as refused, unit_of_work(engine) as conn:
            config.apply(
                conn, "reports: {timezone: Mars/Olympus, colour: red}\n", source="r", now=NOW
            )

        assert refused.value.lines() == [
            "r: reports.colour: unknown key",
            "r: reports.timezone: unknown time zone 'Mars/Olympus' (e.g. America/Sao_Paulo)",
        ]

    def test_a_calendar_missing_from_the_sla_configuration_is_named(
        self, client: TestClient, auth: Headers, engine: Engine
    ) -> None:
        with unit_of_work(engine) as conn:
            config.apply(conn, "reports: {calendar: moon}\n", source="r", now=NOW)

        got = client.get(
            "/api/v1/reports/flow",
            params={"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"},
            headers=auth["admin"],
        )

        assert got.status_code == 422
        assert got.json()["field"] == "reports.calendar"


# Pareto: (reason, how many in March, how many in February, of which escalated in March)
REASONS = [
    ("billing_error", 5, 2, 2),
    ("late_delivery", 3, 4, 0),
    ("damaged", 2, 0, 1),
    (None, 1, 0, 0),
    ("fraud", 1, 0, 0),
    ("wrong_item", 0, 1, 0),
]
MARCH = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-29T00:00:00Z"}  # 28 days


@pytest.fixture
def reasons(engine: Engine, client: TestClient) -> None:
    entries, escalate = [], []
    for reason, march, february, escalated in REASONS:
        for month, count in ((3, march), (2, february)):
            for n in range(count):
                ref = f"{reason}-{month}-{n}"
                entries.append(
                    {
                        "external_ref": ref,
                        "case_type": "delivery_missing",
                        "channel": "web",
                        "reason": reason,
                        "created_at": utc(2 + n, 12, month=month),
                    }
                )
                if month == 3 and n < escalated:
                    escalate.append(ref)
    with unit_of_work(engine) as conn:
        results = intake.intake(
            conn, [ItemInput.model_validate(e) for e in entries], principal=CRM, now=LATER
        )
        for entry, result in zip(entries, results, strict=True):
            if entry["external_ref"] in escalate:
                item_service.act(
                    conn,
                    result.item_id,
                    action=Action.ESCALATE,
                    principal=ADMIN,
                    now=LATER,
                    at=entry["created_at"] + timedelta(hours=1),
                    reason="needs l2",
                )


@pytest.mark.usefixtures("reasons")
class TestParetoByHand:
    def test_march_against_february(self, client: TestClient, auth: Headers) -> None:
        got = client.get("/api/v1/reports/pareto", params=MARCH, headers=auth["admin"])
        assert got.status_code == 200, got.text
        body = got.json()

        # 12 items in March, one without a reason (counted apart): 11 ranked.
        # 5 + 3 = 8 of 11 = 73 %; + 2 = 10 of 11 = 91 % -> three reasons are the vital few.
        assert (body["total"], body["unspecified"], body["vital_few"]) == (11, 1, 3)
        assert (body["previous_total"], body["previous_unspecified"]) == (7, 0)
        rows = [(r["reason"], r["count"], r["vital_few"]) for r in body["reasons"]]
        assert rows == [
            ("billing_error", 5, True),
            ("late_delivery", 3, True),
            ("damaged", 2, True),
            ("fraud", 1, False),
            ("wrong_item", 0, False),  # only in February
        ]
        shares = [round(r["cumulative_share"], 4) for r in body["reasons"]]
        assert shares == [0.4545, 0.7273, 0.9091, 1.0, 1.0]  # 5, 8, 10, 11, 11 of 11
        first = body["reasons"][0]
        assert (first["share"], first["previous_count"], first["change"]) == (5 / 11, 2, 3)
        assert first["change_pct"] == 1.5  # 2 -> 5
        late = body["reasons"][1]
        assert (late["change"], late["change_pct"]) == (-1, -0.25)  # 4 -> 3
        assert body["reasons"][2]["change_pct"] is None  # damaged: none in February
        assert body["reasons"][4]["change_pct"] == -1.0  # wrong_item: 1 -> 0

    def test_only_the_items_that_reached_a_tier(self, client: TestClient, auth: Headers) -> None:
        got = client.get(
            "/api/v1/reports/pareto",
            params={**MARCH, "tier": "backoffice_l2"},
            headers=auth["admin"],
        )
        body = got.json()

        assert body["total"] == 3
        assert [(r["reason"], r["count"]) for r in body["reasons"] if r["count"]] == [
            ("billing_error", 2),
            ("damaged", 1),
        ]

    def test_an_area_outside_the_callers_is_403(self, client: TestClient, auth: Headers) -> None:
        got = client.get(
            "/api/v1/reports/pareto", params={**MARCH, "area": "finance"}, headers=auth["sofia"]
        )

        assert got.status_code == 403


@pytest.fixture
def kpi_scenario(engine: Engine, client: TestClient) -> None:
    write_kpi_scenario(engine)


MARCH_SP = {"from": "2026-03-01T03:00:00Z", "to": "2026-04-01T03:00:00Z"}


@pytest.mark.usefixtures("kpi_scenario")
class TestKpisByHand:
    """tests/scenarios.py KPI_SCENARIO; hours are Sao Paulo's (UTC-3)."""

    def body(self, client: TestClient, auth: Headers, **params: str) -> dict[str, Any]:
        got = client.get(
            "/api/v1/reports/kpis", params={**MARCH_SP, **params}, headers=auth["admin"]
        )
        assert got.status_code == 200, got.text
        return dict(got.json())

    def test_march(self, client: TestClient, auth: Headers) -> None:
        body = self.body(client, auth)

        # Resolutions in March: K1, K2, K3, K4, K5 (twice), K7 = 7; K5's first was
        # reopened: 6 definitive.
        assert body["resolved"] == 7
        # Resolution clocks stopped by a resolution: K1, K2, K3, K5, K7 met; K4 (due
        # Mon 9 Mar 18:00, resolved Mon 16) breached: 5 / 6.
        assert (body["sla_compliance"], body["sla_counted"]) == (pytest.approx(5 / 6), 6)
        # In progress before each resolution: K1 2 h, K2 1 h + 1 h, K3 1 h + 1 h, K4 1 h,
        # K5 2 h then 1 h, K7 2 h + 1 h = 13 h = 46,800 s over 7 resolutions.
        assert body["aht_seconds"] == pytest.approx(46_800 / 7)
        # Receipt to resolution (s): K5 7,200; K1 10,800; K3 14,400; K5 again 90,000
        # (Wed 09:00 -> Thu 10:00); K2 97,200; K7 97,200; K4 1,213,200 (14 d 1 h).
        # Mean 1,530,000 / 7; median 90,000; p90 at rank 0.9 x 6 = 5.4: 97,200 +
        # 0.4 x (1,213,200 - 97,200) = 543,600. (SQLite's day arithmetic is exact to
        # about 0.1 ms, hence approx.)
        assert body["resolution_seconds"] == {
            "mean": pytest.approx(1_530_000 / 7),
            "p50": pytest.approx(90_000.0),
            "p90": pytest.approx(543_600.0),
        }
        # Business time (08-18 Mon-Fri): K5 2 h, K1 3 h, K3 4 h, K5 again 9 + 2 = 11 h,
        # K2 9 + 4 = 13 h, K7 9 + 4 = 13 h, K4 9 + 40 + 50 + 2 = 101 h. In seconds:
        # mean 529,200 / 7 = 75,600; median 39,600; p90 46,800 + 0.4 x 316,800 = 173,520.
        assert body["resolution_business_seconds"] == {
            "mean": pytest.approx(75_600.0),
            "p50": 39_600.0,
            "p90": pytest.approx(173_520.0),
        }
        # First contact: K2, K4, K7 (K1 was repeated by K6 within 7 days, K3 escalated,
        # K5's definitive resolution is its second): 3 / 6.
        assert body["fcr_rate"] == 0.5
        assert body["ombudsman_per_1000"] == 0.0
        assert body["reopen_rate"] == pytest.approx(1 / 7)  # K5's first resolution
        assert body["failure_rate"] == pytest.approx(2 / 7)  # K2 failed, K5 reopened
        # Last scores of the definitively resolved items: K1 4, K2 1, K7 5.
        assert (body["csat_mean"], body["csat_count"]) == (pytest.approx(10 / 3), 3)
        # K2 waited on finance Mon 11:00 -> Tue 11:00: 10 business hours of its 16.
        assert body["ola_compliance"] == {"finance": 1.0}
        assert body["pending_by_area"] == {
            "finance": {"waits": 1, "total_seconds": 86_400.0, "mean_seconds": 86_400.0}
        }
        # One escalation (K3, out of L1) among the 8 items open in March; all 8 were at
        # L1, only K3 at L2.
        assert body["escalation_rate"] == 0.125
        assert body["escalation_by_tier"] == {"backoffice_l1": 0.125, "backoffice_l2": 0.0}
        assert body["pending"] == 0

    def test_by_case_type(self, client: TestClient, auth: Headers) -> None:
        groups = {g["key"]: g for g in self.body(client, auth, group_by="case_type")["groups"]}

        disputes, deliveries = groups["invoice_dispute"], groups["delivery_missing"]
        # Disputes: K1, K2, K4, K5 x2; their clocks: K1, K2, K5 met, K4 breached.
        assert (disputes["resolved"], disputes["sla_compliance"]) == (5, 0.75)
        assert disputes["fcr_rate"] == pytest.approx(2 / 4)  # K2, K4 of K1, K2, K4, K5
        # Deliveries: K3 (escalated) and K7 (first contact).
        assert (deliveries["resolved"], deliveries["sla_compliance"]) == (2, 1.0)
        assert deliveries["fcr_rate"] == 0.5

    def test_by_policy(self, client: TestClient, auth: Headers) -> None:
        groups = {
            g["key"]: g["resolved"] for g in self.body(client, auth, group_by="policy")["groups"]
        }

        assert groups == {"invoice-dispute": 5, "default": 1, "regulator": 1}

    def test_a_window_with_nothing_resolved_has_no_rates(
        self, client: TestClient, auth: Headers
    ) -> None:
        body = self.body(
            client, auth, **{"from": "2026-05-01T00:00:00Z", "to": "2026-05-02T00:00:00Z"}
        )

        assert body["resolved"] == 0
        assert body["sla_compliance"] is None
        assert body["aht_seconds"] is None
        assert body["resolution_seconds"] == {"mean": None, "p50": None, "p90": None}
        # K6 is still open in May and was not escalated.
        assert body["escalation_rate"] == 0.0
