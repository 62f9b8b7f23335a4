"""GET /api/v1/reports/people on both databases: a hand-worked scenario (every figure
worked out in the comments), access by role, and the errors.

Monday 2 to Wednesday 4 March 2026; São Paulo is UTC-3, so its midnights are 03:00
UTC and br-sp's 08:00-18:00 is 11:00-21:00 UTC (no holiday on those days). All
instants below are UTC. The window is [Mon 03:00, Thu 03:00): three SP days.

- Ana (back office) works by br-sp: 10 h a day, 30 h scheduled.
- Bruno (back office) has his own hours, 09:00-13:00 and 14:00-18:00 in São Paulo
  (12:00-16:00 and 17:00-21:00 UTC): 8 h a day, 24 h scheduled.
- Carla (finance) has no schedule.
- Dora works in finance and back office (first area: finance, her team) by br-sp.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.domain.item.model import Action
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import absence, agent, config, intake
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CRM, DATA, NOW
from tests.scenarios import LATER

Headers = dict[str, dict[str, str]]
WINDOW = {"from": "2026-03-02T03:00:00Z", "to": "2026-03-05T03:00:00Z"}
H = 3600

AGENTS = """
agents:
  - {key: ana, name: Ana Souza, areas: [backoffice], tiers: [backoffice_l1, backoffice_l2],
     skills: {billing: 3, logistics: 2}, capacity: 3, schedule: {calendar: br-sp}}
  - {key: bruno, name: Bruno Lima, areas: [backoffice], tiers: [backoffice_l1],
     skills: {logistics: 3}, capacity: 2,
     schedule: {timezone: America/Sao_Paulo, hours: {mon-fri: ["09:00-13:00", "14:00-18:00"]}}}
  - {key: dora, name: Dora Reis, areas: [finance, backoffice], tiers: [backoffice_l1],
     skills: {billing: 2}, capacity: 2, schedule: {calendar: br-sp}}
"""


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime.fromisoformat(f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+00:00")


FEB = 2
PRESENCE: dict[str, list[tuple[datetime, Presence]]] = {
    "ana": [
        (at(27, 11, month=FEB), Presence.AVAILABLE),  # before the window ...
        (at(27, 21, month=FEB), Presence.OFFLINE),  # ... offline at its start
        (at(2, 11), Presence.AVAILABLE),
        (at(2, 14), Presence.AWAY),
        (at(2, 14, 30), Presence.AVAILABLE),
        (at(2, 21), Presence.OFFLINE),
        (at(3, 12), Presence.AVAILABLE),  # an hour late
        (at(3, 15), Presence.AWAY),
        (at(3, 16), Presence.AVAILABLE),
        (at(3, 20), Presence.OFFLINE),  # an hour early
        (at(4, 16), Presence.AVAILABLE),  # after her planned absences
        (at(4, 21), Presence.OFFLINE),
    ],
    "bruno": [
        (at(2, 12), Presence.AVAILABLE),
        (at(2, 14), Presence.BUSY),
        (at(2, 15), Presence.AVAILABLE),
        (at(2, 15, 30), Presence.AWAY),  # across his lunch break (16:00-17:00)
        (at(2, 17, 30), Presence.AVAILABLE),
        (at(2, 21), Presence.OFFLINE),
        (at(3, 12), Presence.AVAILABLE),
        (at(3, 16), Presence.OFFLINE),  # gone at lunch, not back
        (at(4, 12), Presence.AVAILABLE),
        (at(4, 21), Presence.OFFLINE),
    ],
    "carla": [
        (at(2, 13), Presence.AVAILABLE),
        (at(2, 17), Presence.OFFLINE),
        (at(3, 13), Presence.AVAILABLE),
        (at(3, 14), Presence.AWAY),
        (at(3, 14, 20), Presence.AVAILABLE),
        (at(3, 17), Presence.OFFLINE),
    ],
    "dora": [
        (at(27, 12, month=FEB), Presence.AVAILABLE),
        (at(27, 20, 30, month=FEB), Presence.AWAY),  # away all weekend, still at `from`
        (at(2, 11, 30), Presence.AVAILABLE),
        (at(2, 21), Presence.OFFLINE),
    ],
}

# (agent, start, end, planned, reason)
ABSENCES = [
    # Two planned absences overlapping on Wednesday: their union is 11:00-16:00, 5 h.
    ("ana", at(4, 11), at(4, 14), True, "doctor"),
    ("ana", at(4, 13), at(4, 16), True, "training"),
    # Recorded but not planned: excuses nothing.
    ("ana", at(3, 11), at(3, 12), False, "traffic"),
    # Dora's vacation: Tuesday and Wednesday, São Paulo days.
    ("dora", at(3, 3), at(5, 3), True, "vacation"),
]

# (ref, case type, created, [(action, at, fields)])
ITEMS: list[tuple[str, str, datetime, list[tuple[Action, datetime, dict[str, Any]]]]] = [
    # I0: Ana starts it Friday evening and leaves it in progress over the weekend.
    (
        "I0",
        "invoice_dispute",
        at(27, 19, month=FEB),
        [
            (Action.ASSIGN, at(27, 20, month=FEB), {"assignee": "ana"}),
            (Action.START, at(27, 20, month=FEB), {}),
            (Action.RESOLVE, at(2, 11, 15), {}),
        ],
    ),
    (
        "I1",
        "invoice_dispute",
        at(2, 11),
        [
            (Action.ASSIGN, at(2, 11, 15), {"assignee": "ana"}),
            (Action.START, at(2, 11, 30), {}),
            (Action.RESOLVE, at(2, 13, 30), {}),
        ],
    ),
    (
        "I2",
        "invoice_dispute",
        at(2, 14, 45),
        [
            (Action.ASSIGN, at(2, 15), {"assignee": "ana"}),
            (Action.START, at(2, 15), {}),
            (Action.PEND_CUSTOMER, at(2, 17), {}),
            (Action.RESUME, at(3, 12, 30), {}),
            (Action.RESOLVE, at(3, 14), {}),
        ],
    ),
    # I3: Ana works it Monday 16:00-18:00 (alongside I2), then it goes to Bruno.
    (
        "I3",
        "delivery_missing",
        at(2, 15, 30),
        [
            (Action.ASSIGN, at(2, 16), {"assignee": "ana"}),
            (Action.START, at(2, 16), {}),
            (Action.ASSIGN, at(2, 18), {"assignee": "bruno"}),
            (Action.START, at(3, 12), {}),
            (Action.RESOLVE, at(3, 13), {}),
        ],
    ),
    # I4: in progress with Ana from Tuesday 19:00 to Wednesday 17:00 (overnight).
    (
        "I4",
        "invoice_dispute",
        at(3, 18, 30),
        [
            (Action.ASSIGN, at(3, 19), {"assignee": "ana"}),
            (Action.START, at(3, 19), {}),
            (Action.RESOLVE, at(4, 17), {}),
        ],
    ),
    (
        "I5",
        "delivery_missing",
        at(4, 11, 30),
        [
            (Action.ASSIGN, at(4, 12), {"assignee": "bruno"}),
            (Action.START, at(4, 12), {}),
            (Action.RESOLVE, at(4, 15), {}),
        ],
    ),
    # I6: Bruno Monday 14:00-16:30, then from Wednesday 20:00 on: still in progress.
    (
        "I6",
        "delivery_missing",
        at(2, 13, 30),
        [
            (Action.ASSIGN, at(2, 14), {"assignee": "bruno"}),
            (Action.START, at(2, 14), {}),
            (Action.PEND_CUSTOMER, at(2, 16, 30), {}),
            (Action.RESUME, at(4, 20), {}),
        ],
    ),
    (
        "I7",
        "refund_request",
        at(2, 13),
        [
            (Action.ASSIGN, at(2, 13, 30), {"assignee": "carla"}),
            (Action.START, at(2, 13, 30), {}),
            (Action.RESOLVE, at(2, 15, 30), {}),
        ],
    ),
    (
        "I8",
        "refund_request",
        at(2, 11, 45),
        [
            (Action.ASSIGN, at(2, 12), {"assignee": "dora"}),
            (Action.START, at(2, 12), {}),
            (Action.PEND_AREA, at(2, 14), {"area": "logistics"}),
        ],
    ),
    # Resolved by Ana the Friday before: outside the window.
    (
        "I9",
        "invoice_dispute",
        at(27, 12, month=FEB),
        [
            (Action.ASSIGN, at(27, 13, month=FEB), {"assignee": "ana"}),
            (Action.START, at(27, 13, month=FEB), {}),
            (Action.RESOLVE, at(27, 15, month=FEB), {}),
        ],
    ),
]


def write_people(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
        config.apply(conn, AGENTS, source="agents", now=NOW)
    with unit_of_work(engine) as conn:
        for key, changes in PRESENCE.items():
            for when, status in changes:
                agent.set_presence(conn, key, status, principal=ADMIN, now=LATER, at=when)
        for key, start, end, planned, reason in ABSENCES:
            absence.add(
                conn,
                key,
                start=start,
                end=end,
                reason=reason,
                planned=planned,
                principal=ADMIN,
                now=LATER,
            )
    for ref, case_type, created, steps in ITEMS:
        with unit_of_work(engine) as conn:
            (result,) = intake.intake(
                conn,
                [
                    ItemInput.model_validate(
                        {
                            "external_ref": ref,
                            "case_type": case_type,
                            "channel": "web",
                            "created_at": created,
                        }
                    )
                ],
                principal=CRM,
                now=LATER,
            )
            for action, when, fields in steps:
                item_service.act(
                    conn,
                    result.item_id,
                    action=action,
                    principal=ADMIN,
                    now=LATER,
                    at=when,
                    **fields,
                )


@pytest.fixture
def people_scenario(engine: Engine, client: TestClient) -> None:
    write_people(engine)


def people(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    got = client.get("/api/v1/reports/people", params=params, headers=headers)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def by_key(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}


@pytest.mark.usefixtures("people_scenario")
class TestPeopleByHand:
    def test_ana_by_the_br_sp_calendar(self, client: TestClient, auth: Headers) -> None:
        ana = by_key(people(client, auth["admin"], **WINDOW)["agents"], "agent")["ana"]

        # On duty (available or busy): Mon 11:00-14:00 + 14:30-21:00 = 9.5 h; Tue
        # 12:00-15:00 + 16:00-20:00 = 7 h; Wed 16:00-21:00 = 5 h: 21.5 h.
        assert ana["on_duty_seconds"] == 21.5 * H
        # In progress with her (union): I0 from Friday to Mon 11:15 (clipped to the
        # window: from Mon 03:00), I1 Mon 11:30-13:30, I2 Mon 15:00-17:00 and Tue
        # 12:30-14:00, I3 Mon 16:00-18:00 (with I2: 15:00-18:00 counts once, 3 h),
        # I4 Tue 19:00-Wed 17:00. While on duty: Mon 11:00-11:15 + 2 h + 3 h = 5.25 h;
        # Tue 1.5 h + 19:00-20:00 = 2.5 h; Wed 16:00-17:00 = 1 h (I4's night and her
        # absent morning add nothing): 8.75 h.
        assert ana["in_progress_seconds"] == 8.75 * H
        assert ana["occupancy"] == pytest.approx(8.75 / 21.5)  # 40.7 %
        # Resolved: I0 (Mon 11:15), I1, I2, I4; I3 went to Bruno; I9 before the window.
        assert (ana["handled"], ana["resolved"]) == (5, 4)
        assert ana["productivity_per_hour"] == pytest.approx(4 / 21.5)
        # Scheduled 3 x 10 h; planned: the union Wed 11:00-16:00 = 5 h (not 3 + 3);
        # expected 25 h. Offline in expected time: Tue 11:00-12:00 (the absence
        # recorded as not planned excuses nothing) and Tue 20:00-21:00 = 2 h.
        assert ana["scheduled_seconds"] == 30 * H
        assert ana["planned_absence_seconds"] == 5 * H
        assert ana["absent_seconds"] == 2 * H
        assert ana["absenteeism"] == pytest.approx(2 / 25)  # 8 %
        # Away Mon 14:00-14:30 and Tue 15:00-16:00: (1800 + 3600) / 2.
        assert (ana["away_seconds"], ana["away_spells"]) == (5400, 2)
        assert ana["mean_unavailability_seconds"] == 2700
        assert (ana["team"], ana["scheduled"]) == ("backoffice", True)

    def test_bruno_by_his_own_hours(self, client: TestClient, auth: Headers) -> None:
        bruno = by_key(people(client, auth["admin"], **WINDOW)["agents"], "agent")["bruno"]

        # On duty: Mon 12:00-15:30 (busy 14:00-15:00 included) + 17:30-21:00 = 7 h;
        # Tue 12:00-16:00 = 4 h; Wed 12:00-21:00 = 9 h: 20 h.
        assert bruno["on_duty_seconds"] == 20 * H
        # In progress: I6 Mon 14:00-16:30 (away from 15:30: 1.5 h count), I3 Tue
        # 12:00-13:00 (1 h; Ana's Monday part is hers), I5 Wed 12:00-15:00 (3 h), I6
        # again from Wed 20:00, still open: cut at 21:00 by his logging off (1 h).
        assert bruno["in_progress_seconds"] == 6.5 * H
        assert bruno["occupancy"] == pytest.approx(6.5 / 20)
        assert (bruno["handled"], bruno["resolved"]) == (3, 2)  # I3, I5 (I6 open)
        assert bruno["productivity_per_hour"] == pytest.approx(2 / 20)
        # Scheduled 3 x 8 h = 24 h, no planned absence. Offline Tue 16:00 - Wed 12:00:
        # scheduled Tue 17:00-21:00 (16:00-17:00 is his lunch) = 4 h.
        assert (bruno["scheduled_seconds"], bruno["planned_absence_seconds"]) == (24 * H, 0)
        assert bruno["absent_seconds"] == 4 * H
        assert bruno["absenteeism"] == pytest.approx(4 / 24)
        # One spell, Mon 15:30-17:30, across lunch: 15:30-16:00 + 17:00-17:30 = 1 h.
        assert (bruno["away_seconds"], bruno["away_spells"]) == (H, 1)
        assert bruno["mean_unavailability_seconds"] == H

    def test_carla_without_a_schedule(self, client: TestClient, auth: Headers) -> None:
        carla = by_key(people(client, auth["admin"], **WINDOW)["agents"], "agent")["carla"]

        # On duty: Mon 13:00-17:00 = 4 h; Tue 13:00-14:00 + 14:20-17:00 = 3 h 40 min.
        assert carla["on_duty_seconds"] == 27_600
        assert carla["in_progress_seconds"] == 2 * H  # I7 Mon 13:30-15:30
        assert carla["occupancy"] == pytest.approx(7200 / 27_600)
        assert (carla["handled"], carla["resolved"]) == (1, 1)
        assert carla["productivity_per_hour"] == pytest.approx(1 / (27_600 / H))
        # No schedule: no scheduled time to be absent from; her away spell counts whole.
        assert carla["scheduled"] is False
        assert carla["absenteeism"] is None
        assert carla["scheduled_seconds"] is None
        assert carla["absent_seconds"] is None
        assert carla["mean_unavailability_seconds"] == 1200  # Tue 14:00-14:20

    def test_dora_away_since_before_the_window_and_on_vacation(
        self, client: TestClient, auth: Headers
    ) -> None:
        dora = by_key(people(client, auth["admin"], **WINDOW)["agents"], "agent")["dora"]

        # Her first area is finance: that is her team.
        assert dora["team"] == "finance"
        # Away since Friday 20:30 (her last change before `from`) until Mon 11:30: the
        # spell's scheduled part is Mon 11:00-11:30. On duty Mon 11:30-21:00 = 9.5 h.
        assert (dora["away_seconds"], dora["away_spells"]) == (1800, 1)
        assert dora["on_duty_seconds"] == 9.5 * H
        assert dora["in_progress_seconds"] == 2 * H  # I8 Mon 12:00-14:00
        assert dora["occupancy"] == pytest.approx(2 / 9.5)
        assert (dora["handled"], dora["resolved"]) == (1, 0)
        assert dora["productivity_per_hour"] == pytest.approx(0.0)
        # Scheduled 30 h, vacation Tue and Wed 20 h: expected Monday's 10 h, when she
        # was away (not offline) and then on duty: absenteeism 0.
        assert dora["scheduled_seconds"] == 30 * H
        assert dora["planned_absence_seconds"] == 20 * H
        assert (dora["absent_seconds"], dora["absenteeism"]) == (0, 0.0)

    def test_teams_sum_numerators_and_denominators(self, client: TestClient, auth: Headers) -> None:
        body = people(client, auth["admin"], **WINDOW)
        teams = by_key(body["teams"], "team")

        assert list(teams) == ["backoffice", "finance"]
        back, fin = teams["backoffice"], teams["finance"]
        # Back office = Ana + Bruno: 6 resolved in 21.5 + 20 = 41.5 h on duty.
        assert (back["agents"], back["handled"], back["resolved"]) == (2, 8, 6)
        assert back["productivity_per_hour"] == pytest.approx(
            6 / 41.5
        )  # not the mean of 0.186 and 0.1
        assert back["occupancy"] == pytest.approx((8.75 + 6.5) / 41.5)
        # Absent 2 + 4 h of expected 25 + 24 h.
        assert back["absenteeism"] == pytest.approx(6 / 49)
        assert back["mean_unavailability_seconds"] == (5400 + 3600) / 3
        # Finance = Carla + Dora: absenteeism from Dora alone (Carla has no schedule).
        assert (fin["agents"], fin["handled"], fin["resolved"]) == (2, 2, 1)
        assert fin["on_duty_seconds"] == 27_600 + 34_200
        assert fin["productivity_per_hour"] == pytest.approx(1 / (61_800 / H))
        assert fin["occupancy"] == pytest.approx((7200 + 7200) / 61_800)
        assert (fin["scheduled_seconds"], fin["absenteeism"]) == (30 * H, 0.0)
        assert fin["mean_unavailability_seconds"] == (1200 + 1800) / 2
        assert body["pending"] == 0
        assert (body["from"], body["to"], body["until"]) == (
            "2026-03-02T03:00:00Z",
            "2026-03-05T03:00:00Z",
            "2026-03-05T03:00:00Z",
        )

    def test_a_window_of_one_morning_clips_every_interval(
        self, client: TestClient, auth: Headers
    ) -> None:
        # Mon 11:00-14:00 São Paulo = 14:00-17:00 UTC, written with its offset.
        body = people(
            client,
            auth["admin"],
            **{"from": "2026-03-02T11:00:00-03:00", "to": "2026-03-02T14:00:00-03:00"},
        )
        ana = by_key(body["agents"], "agent")["ana"]

        # Ana: away 14:00-14:30, on duty 14:30-17:00 (2.5 h), in progress 15:00-17:00.
        assert ana["on_duty_seconds"] == 2.5 * H
        assert ana["in_progress_seconds"] == 2 * H
        assert (ana["away_seconds"], ana["away_spells"]) == (1800, 1)
        assert (ana["scheduled_seconds"], ana["absent_seconds"]) == (3 * H, 0)
        # I2 and I3 were in progress with her; neither was resolved in those hours.
        assert (ana["handled"], ana["resolved"]) == (2, 0)


@pytest.mark.usefixtures("people_scenario")
class TestPeopleAccess:
    def test_a_supervisor_sees_the_agents_sharing_one_of_their_areas(
        self, client: TestClient, auth: Headers
    ) -> None:
        # Sofia supervises back office: Ana, Bruno, and Dora (finance and back office);
        # not Carla. Dora's team is finance: it sums Dora alone here.
        body = people(client, auth["sofia"], **WINDOW)

        assert [a["agent"] for a in body["agents"]] == ["ana", "bruno", "dora"]
        teams = by_key(body["teams"], "team")
        assert (teams["backoffice"]["agents"], teams["finance"]["agents"]) == (2, 1)
        assert teams["finance"]["occupancy"] == 2 / 9.5

    def test_a_specialist_sees_only_themselves(self, client: TestClient, auth: Headers) -> None:
        body = people(client, auth["ana"], **WINDOW)

        assert [a["agent"] for a in body["agents"]] == ["ana"]
        [team] = body["teams"]
        assert (team["team"], team["agents"], team["resolved"]) == ("backoffice", 1, 4)

    def test_an_integration_sees_everyone(self, client: TestClient, auth: Headers) -> None:
        body = people(client, auth["crm"], **WINDOW)

        assert [a["agent"] for a in body["agents"]] == ["ana", "bruno", "carla", "dora"]


class TestPeopleErrors:
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"from": "2026-03-02T03:00:00", "to": "2026-03-05T03:00:00Z"}, "from"),  # no offset
            ({"from": "2026-03-02T03:00:00Z", "to": "2026-03-05T03:00:00"}, "to"),
            ({"from": "monday", "to": "2026-03-05T03:00:00Z"}, "from"),
            ({"to": "2026-03-05T03:00:00Z"}, "from"),  # missing
            ({"from": "2026-03-02T03:00:00Z"}, "to"),
            ({"from": "2026-03-05T03:00:00Z", "to": "2026-03-02T03:00:00Z"}, "to"),  # backwards
            ({"from": "2999-01-01T00:00:00Z", "to": "2999-01-02T00:00:00Z"}, "from"),  # future
            ({"from": "2025-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "to"),  # > 366 days
            ({"from": "1800-01-01T00:00:00Z", "to": "1800-01-02T00:00:00Z"}, "from"),
        ],
    )
    def test_bad_parameters_are_422_naming_the_field(
        self, client: TestClient, auth: Headers, params: dict[str, str], field: str
    ) -> None:
        got = client.get("/api/v1/reports/people", params=params, headers=auth["admin"])

        assert got.status_code == 422, got.text
        assert got.json()["field"] == field

    def test_without_a_token_it_is_401(self, client: TestClient) -> None:
        got = client.get("/api/v1/reports/people", params=WINDOW)

        assert got.status_code == 401
        assert got.headers["www-authenticate"] == "Bearer"

    def test_a_window_reaching_past_now_is_measured_until_now(
        self, client: TestClient, auth: Headers
    ) -> None:
        today = datetime.now(UTC).replace(microsecond=0)
        start, end = today - timedelta(days=1), today + timedelta(days=10)
        body = people(client, auth["admin"], **{"from": start.isoformat(), "to": end.isoformat()})

        assert datetime.fromisoformat(body["to"]) == end
        assert today <= datetime.fromisoformat(body["until"]) < end

    def test_agents_with_nothing_recorded_have_zeros_and_nulls(
        self, client: TestClient, auth: Headers
    ) -> None:
        body = people(client, auth["admin"], **WINDOW)

        # The seeded agents, never present: offline throughout, no schedule.
        ana = by_key(body["agents"], "agent")["ana"]
        assert (ana["handled"], ana["on_duty_seconds"]) == (0, 0)
        assert ana["productivity_per_hour"] is None
        assert ana["occupancy"] is None
        assert ana["absenteeism"] is None
        assert ana["mean_unavailability_seconds"] is None
