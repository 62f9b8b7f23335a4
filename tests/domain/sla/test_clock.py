"""SLA and OLA clocks from an item's events: hand-worked cases on the br-sp calendar.

br-sp: America/Sao_Paulo (-03:00 all year), Mon-Fri 08:00-18:00 (10 business
hours a day), BR/SP public holidays: Tue 2026-04-21 (Tiradentes) among them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event, created_event
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action, Channel
from retaguarda.domain.sla.clock import Clock, Measured, measure
from retaguarda.domain.sla.policy import Ola, SlaConfig, SlaPolicy, Target
from tests.domain.builders import LADDER, draft

BRT = timezone(timedelta(hours=-3))
H = 3600
BR_SP = BusinessCalendar.from_config(
    {
        "key": "br-sp",
        "timezone": "America/Sao_Paulo",
        "holidays": {"country": "BR", "subdivision": "SP"},
        "hours": {"mon-fri": ["08:00-18:00"]},
    }
)
INVOICE = SlaPolicy(
    key="invoice-dispute",
    calendar="br-sp",
    targets={
        "first_response": Target(Decimal(4), "business_hours"),
        "resolution": Target(Decimal(5), "business_days"),
    },
    match={"case_type": ("invoice_dispute",)},
)
REGULATOR = SlaPolicy(
    key="regulator",
    calendar="br-sp",
    targets={"resolution": Target(Decimal(10), "business_days")},
    match={"channel": ("regulator",)},
    pause_on=frozenset(),
)
V1_AT = datetime(2026, 1, 1, tzinfo=UTC)
V1 = SlaConfig(
    version=1,
    applied_at=V1_AT,
    calendars={"br-sp": BR_SP},
    policies=(REGULATOR, INVOICE),
    olas={"finance": Ola("finance", "br-sp", Target(Decimal(16), "business_hours"))},
)


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 4) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=BRT)


def story(
    received: datetime, *steps: tuple[Action, datetime, dict[str, str]], **draft_fields: object
) -> list[Event]:
    """The events of an item received at `received`, acted on through the real lifecycle."""
    first = replace(
        created_event(draft(created_at=received, **draft_fields), actor="crm"), item_id=1
    )
    item = replay.start(1, first)
    events = [first]
    for action, when, fields in steps:
        item, event = transition(
            item, TransitionCommand(action=action, at=when, actor="ana", **fields), ladder=LADDER
        )
        events.append(event)
    return events


def clock(measured: Measured, metric: str) -> Clock:
    [found] = [c for c in measured.clocks if c.metric == metric]
    return found


def worked_on(
    received: datetime, *more: tuple[Action, datetime, dict[str, str]], **draft_fields: object
) -> list[Event]:
    """Queued an hour after receipt, assigned, started two hours later, then `more`."""
    return story(
        received,
        (Action.QUEUE, received + timedelta(hours=1), {}),
        (Action.ASSIGN, received + timedelta(hours=1, minutes=5), {"assignee": "ana"}),
        (Action.START, received + timedelta(hours=3), {}),
        *more,
        **draft_fields,
    )


class TestPausesAndOla:
    # Received Fri 17 April 10:00; answered customer-side pause Fri 17:00 -> Mon 20 09:00;
    # then waiting on finance from Mon 20 10:00. Seen on Wed 22 at 12:00.
    EVENTS = worked_on(
        at(17, 10),
        (Action.PEND_CUSTOMER, at(17, 17), {}),
        (Action.RESUME, at(20, 9), {}),
        (Action.PEND_AREA, at(20, 10), {"area": "finance"}),
    )

    def measured(self) -> Measured:
        return measure(self.EVENTS, [V1], at=at(22, 12))

    def test_first_response_met_by_the_start(self) -> None:
        fr = clock(self.measured(), "first_response")
        # 4 business hours from Fri 10:00 -> Fri 14:00; started at 13:00.
        assert fr.due_at.isoformat() == "2026-04-17T14:00:00-03:00"
        assert fr.stopped_at == at(17, 13)
        assert fr.state == "met"
        assert fr.elapsed_business_seconds == 3 * H  # 10:00 -> 13:00
        assert fr.remaining_business_seconds == 1 * H  # 13:00 -> 14:00

    def test_a_pause_over_the_weekend_moves_the_due_by_its_business_time_only(self) -> None:
        res = clock(self.measured(), "resolution")
        # Base due: 5 business days after Fri 17 -> Mon 20, (Tue 21 Tiradentes),
        # Wed 22, Thu 23, Fri 24, Mon 27: end of Mon 27, 18:00.
        # Pause Fri 17:00 -> Mon 09:00 covers Fri 17-18 and Mon 08-09: 2 h.
        # Due moves 2 business hours: Mon 27 18:00 -> Tue 28 10:00.
        assert res.due_at.isoformat() == "2026-04-28T10:00:00-03:00"
        # Elapsed: Fri 10-18 (8 h) + Mon 08-18 (10 h) + Wed 08-12 (4 h) - 2 h paused = 20 h.
        assert res.elapsed_business_seconds == 20 * H
        # Remaining: Wed 12-18 (6) + Thu (10) + Fri (10) + Mon (10) + Tue 08-10 (2) = 38 h.
        assert res.remaining_business_seconds == 38 * H
        # 20 h of a 58 h target (Fri 8 + 5 days x 10) is 34 % < 75 %: not at risk.
        assert res.state == "running"
        assert not res.at_risk

    def test_waiting_on_an_area_does_not_pause_the_customer_clock_but_runs_its_ola(self) -> None:
        ola = clock(self.measured(), "ola")
        assert ola.area == "finance"
        # 16 business hours from Mon 20 10:00: Mon 10-18 (8), Tue holiday, Wed 08-16 (8).
        assert ola.due_at.isoformat() == "2026-04-22T16:00:00-03:00"
        assert ola.elapsed_business_seconds == 12 * H  # Mon 8 h + Wed 08-12 4 h
        assert ola.remaining_business_seconds == 4 * H
        # 12 of 16 hours = 75 %, the default threshold: at risk, still running.
        assert (ola.state, ola.at_risk) == ("running", True)

    def test_the_policy_choice_is_explained(self) -> None:
        steps = self.measured().steps
        assert "policy 'regulator' (#1) skipped: channel is 'email', not 'regulator'" in steps
        assert "policy 'invoice-dispute' (#2) matched: case_type = 'invoice_dispute'" in steps


class TestBreach:
    # Received Saturday 11 April 22:00: first response counts from Mon 13 08:00.
    EVENTS = story(at(11, 22))

    def test_due_exactly_is_not_yet_breached(self) -> None:
        fr = clock(measure(self.EVENTS, [V1], at=at(13, 12)), "first_response")
        assert fr.due_at.isoformat() == "2026-04-13T12:00:00-03:00"  # 08:00 + 4 h
        assert (fr.state, fr.remaining_business_seconds, fr.at_risk) == ("running", 0, True)

    def test_one_second_later_it_is(self) -> None:
        fr = clock(measure(self.EVENTS, [V1], at=at(13, 12, 0, 1)), "first_response")
        assert (fr.state, fr.remaining_business_seconds) == ("breached", -1)

    def test_past_due_by_the_wall_clock_over_a_weekend_is_breached(self) -> None:
        # Resolution due: 5 business days after Sat 11 -> Mon 13 .. Fri 17, 18:00.
        # On Saturday 18 no business time has passed since, but the due has.
        res = clock(measure(self.EVENTS, [V1], at=at(18, 10)), "resolution")
        assert res.due_at.isoformat() == "2026-04-17T18:00:00-03:00"
        assert (res.state, res.remaining_business_seconds) == ("breached", 0)


class TestPoliciesAndVersions:
    def test_a_policy_without_pauses_keeps_counting_while_pending_on_the_customer(self) -> None:
        events = worked_on(
            at(6, 9), (Action.PEND_CUSTOMER, at(6, 14), {}), channel=Channel.REGULATOR
        )
        measured = measure(events, [V1], at=at(7, 9))
        res = clock(measured, "resolution")
        assert res.policy == "regulator"
        # 10 business days after Mon 6 April: Tue 7 .. Mon 20 (no holiday in between):
        # Tue 7, Wed 8, Thu 9, Fri 10, Mon 13, Tue 14, Wed 15, Thu 16, Fri 17, Mon 20.
        assert res.due_at.isoformat() == "2026-04-20T18:00:00-03:00"
        assert res.state == "running"  # not paused: pause_on is empty
        assert res.elapsed_business_seconds == 10 * H  # Mon 09-18 (9) + Tue 08-09 (1)

    def test_no_matching_policy_means_no_sla_clock(self) -> None:
        events = story(at(6, 9), case_type="address_change")
        measured = measure(events, [V1], at=at(6, 10))
        assert measured.clocks == ()
        assert "no SLA policy matches this item, so it has no SLA clock" in measured.steps

    def test_reopening_resumes_the_clock_without_counting_the_time_resolved(self) -> None:
        events = worked_on(
            at(6, 9),
            (Action.RESOLVE, at(6, 15), {}),
            (Action.REOPEN, at(7, 15), {}),
        )
        res = clock(measure(events, [V1], at=at(8, 9)), "resolution")
        # Resolved Mon 15:00 -> Tue 15:00: 10 business hours not counted.
        # Base due: end of Mon 13 April (5 business days after Mon 6: Tue 7 .. Mon 13);
        # +10 business hours -> Tue 14 18:00.
        assert res.due_at.isoformat() == "2026-04-14T18:00:00-03:00"
        # Counted: Mon 09-15 (6) + Tue 15-18 (3) + Wed 08-09 (1) = 10 h.
        assert res.elapsed_business_seconds == 10 * H
        assert (res.state, res.stopped_at) == ("running", None)

    def test_a_late_policy_change_recomputes_open_items_but_not_closed_ones(self) -> None:
        stricter = replace(
            V1,
            version=2,
            applied_at=at(10, 12),
            policies=(
                replace(INVOICE, targets={"resolution": Target(Decimal(2), "business_days")}),
            ),
        )
        open_item = worked_on(at(6, 9))
        closed = worked_on(at(6, 9), (Action.RESOLVE, at(9, 10), {}), (Action.CLOSE, at(9, 11), {}))
        now = at(10, 13)
        still_open = clock(measure(open_item, [V1, stricter], at=now), "resolution")
        kept = clock(measure(closed, [V1, stricter], at=now), "resolution")
        # Open: 2 business days after Mon 6 -> end of Wed 8; now is Fri 10: breached.
        assert (still_open.due_at, still_open.state) == (at(8, 18), "breached")
        # Closed on Thu 9 under version 1: 5 business days -> Mon 13 18:00, met on Thu 9.
        assert (kept.due_at, kept.state) == (at(13, 18), "met")

    def test_predicted_breach_when_less_time_remains_than_the_handling_takes(self) -> None:
        events = worked_on(at(6, 9))
        # Seen Thu 9 at 08:00, well under the 75 % threshold, with a case type whose
        # expected handling (40 business hours) is longer than what is left (30 h).
        early = measure(
            events, [V1], at=at(9, 8), expected_handling_minutes={"invoice_dispute": 40 * 60}
        )
        res = clock(early, "resolution")
        # Target: Mon 09-18 (9) + Tue 7 .. Mon 13 (5 x 10) = 59 h.
        # Elapsed: Mon 9 + Tue 10 + Wed 10 = 29 h (49 %); remaining 59 - 29 = 30 h.
        assert res.elapsed_business_seconds == 29 * H
        assert res.remaining_business_seconds == 30 * H
        assert res.at_risk
        relaxed = measure(
            events, [V1], at=at(9, 8), expected_handling_minutes={"invoice_dispute": 60}
        )
        assert not clock(relaxed, "resolution").at_risk


def test_no_configuration_means_no_clock() -> None:
    measured = measure(story(at(6, 9)), [], at=at(6, 10))
    assert (measured.config_version, measured.clocks) == (None, ())


def test_events_after_the_instant_asked_about_are_ignored() -> None:
    events = worked_on(at(6, 9))
    before_start = measure(events, [V1], at=at(6, 11))
    fr = clock(before_start, "first_response")
    # At 11:00 nobody has started it yet (start at 12:00): running, 2 h used of 4.
    assert (fr.state, fr.elapsed_business_seconds, fr.stopped_at) == ("running", 2 * H, None)


@pytest.mark.parametrize("explain", [False, True])
def test_explaining_changes_the_steps_not_the_figures(explain: bool) -> None:
    events = TestPausesAndOla.EVENTS
    plain = measure(events, [V1], at=at(22, 12))
    other = measure(events, [V1], at=at(22, 12), explain=explain)
    assert [replace(c, steps=()) for c in plain.clocks] == [
        replace(c, steps=()) for c in other.clocks
    ]
    res = clock(measure(events, [V1], at=at(22, 12), explain=True), "resolution")
    assert "Tuesday 2026-04-21 skipped: holiday (Tiradentes' Day)" in res.steps
