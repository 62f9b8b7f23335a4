"""One hand-worked scenario for every indicator: February and March 2026 in Sao Paulo.

33 items (F01-F12 received in February, M01-M21 in March), four agents' presence,
schedules and absences, written through the services in the order things happened.
tests/api/test_two_month_scenario.py asserts every indicator of the registry over it,
with the arithmetic next to each value.

Calendar br-sp (tests/data/sla-config.yaml): Monday to Friday 08:00-18:00 in Sao Paulo,
which is UTC-3 all year (no daylight saving since 2019), so 11:00-21:00 UTC. With
`holidays` BR/SP, public category, February and March 2026 have no holiday (Carnival,
16-17 February, is only `optional`); Good Friday, 3 April, is one.

Days: February 2026 starts on a Sunday: Mondays are 2, 9, 16 and 23 February, then 2,
9, 16, 23 and 30 March. February has 20 business days (2-27), March 22 (2-31).

Policies (first match wins): `invoice-dispute` (case type invoice_dispute) 5 business
days, paused on the customer; `regulator` (channel regulator) 10 business days, never
paused; `default` 10 business days, paused on the customer. "N business days" ends at
18:00 of the N-th business day after the day of receipt. OLAs: finance 16 business
hours, logistics 2 business days. The time an item spends resolved before it is open
again (reopen, or escalation from resolved) is a pause of its resolution clock.

Repeat contacts: `{within_days: 7, match: [case_type]}` (7 x 24 h, the bound included).

Case types (tests/data): invoice_dispute and delivery_missing arrive in backoffice,
refund_request in finance; all at tier backoffice_l1. Ladder: first_level,
backoffice_l1, backoffice_l2, backoffice_l3, pre_ombudsman, ombudsman (the top).

Agents: ana and bruno (team backoffice) and dora (areas finance and backoffice: team
finance) work by br-sp; carla (finance) has no schedule.

Recording: the configuration is applied first (dated Mon 2 Mar, `tests.builders.NOW`;
items received before are measured with that first version, docs/sla.md "Versions").
Then each event is written at the instant it carries (`now` = `at`), in time order,
as a live system would, except the backdated ones, written later than the instant
they carry: F12 (a February item imported on Tue 31 Mar: all four of its events) and
M11's `resume` (entered two hours late). Absences are recorded when a supervisor would:
the planned ones on Mon 2 Mar, the unplanned ones after the fact.

Size: 33 items, 174 item events (33 `created`, 131 actions covering all thirteen,
10 `csat_recorded`), 34 presence changes (available, busy, away, offline) and 4
absences (2 planned, 2 not).

Times below are Sao Paulo's ("SP"); UTC is three hours later ("Z").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from retaguarda.domain.item.model import Action, Outcome
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import absence, agent, config, intake
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CRM, DATA, NOW

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def sp(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An instant of 2026 given in Sao Paulo local time, as UTC (SP + 3 h)."""
    return datetime(2026, month, day, hour, minute, tzinfo=SAO_PAULO).astimezone(UTC)


def feb(day: int, hour: int, minute: int = 0) -> datetime:
    return sp(2, day, hour, minute)


def mar(day: int, hour: int, minute: int = 0) -> datetime:
    return sp(3, day, hour, minute)


AGENTS = """
agents:
  - {key: ana, name: Ana Souza, areas: [backoffice], tiers: [backoffice_l1, backoffice_l2],
     skills: {billing: 3, logistics: 2}, capacity: 3, schedule: {calendar: br-sp}}
  - {key: bruno, name: Bruno Lima, areas: [backoffice], tiers: [backoffice_l1],
     skills: {logistics: 3}, capacity: 2, schedule: {calendar: br-sp}}
  - {key: dora, name: Dora Reis, areas: [finance, backoffice], tiers: [backoffice_l1],
     skills: {billing: 2}, capacity: 2, schedule: {calendar: br-sp}}
"""
REPEATS = "repeat_contacts: {within_days: 7, match: [case_type]}\n"


@dataclass(frozen=True)
class Step:
    """One event on an item: an action, or a satisfaction answer (`action` None)."""

    action: Action | None
    at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    recorded: datetime | None = None  # written later than `at` (backdated)


def do(action: Action, at: datetime, *, recorded: datetime | None = None, **fields: Any) -> Step:
    return Step(action, at, fields, recorded)


def csat(score: int, at: datetime) -> Step:
    return Step(None, at, {"score": score})


@dataclass(frozen=True)
class Item:
    ref: str
    case_type: str
    channel: str
    created: datetime
    steps: tuple[Step, ...] = ()
    customer: str | None = None
    reason: str | None = None  # given at intake
    recorded: datetime | None = None  # a backdated import: every event written then


A = Action
INV, DEL, REF = "invoice_dispute", "delivery_missing", "refund_request"

ITEMS: list[Item] = [
    # ---------------------------------------------------------------- February
    # F01: customer C1's invoice dispute, Mon 2 Feb 09:00 SP (12:00Z). Ana has it at
    # once, works 10:00-12:00 (13-15Z) and solves it (billing_error). Due Mon 9 Feb
    # 18:00 (Tue 3 .. Mon 9): met. CSAT 5. Not first contact: F02 repeats it.
    Item(
        "F01",
        INV,
        "web",
        feb(2, 9),
        (
            do(A.ASSIGN, feb(2, 9), assignee="ana"),
            do(A.START, feb(2, 10)),
            do(A.RESOLVE, feb(2, 12), reason="billing_error"),
            csat(5, feb(3, 9)),
        ),
        customer="C1",
    ),
    # F02: C1 again, same case type, Thu 5 Feb 09:00 SP (12:00Z): 3 days after F01, a
    # repeat contact of it. Ana solves it 09:00-11:00 (12-14Z); closed Mon 9 Feb 09:00
    # (12:00Z); CSAT 4 given after the close. Due Thu 12 Feb 18:00: met.
    Item(
        "F02",
        INV,
        "web",
        feb(5, 9),
        (
            do(A.ASSIGN, feb(5, 9), assignee="ana"),
            do(A.START, feb(5, 9)),
            do(A.RESOLVE, feb(5, 11), reason="billing_error"),
            do(A.CLOSE, feb(9, 9)),
            csat(4, feb(9, 10)),
        ),
        customer="C1",
    ),
    # F03: delivery missing, Mon 2 Feb 14:00 SP (17:00Z), queued at once. Bruno works it
    # Tue 3 09:00-10:00 (12-13Z), then it waits on logistics Tue 3 10:00 -> Fri 6 10:00
    # (13:00Z; 3 days = 259,200 s; OLA 2 business days: due Thu 5 Feb 18:00, breached),
    # he finishes 10:00-11:00 (13-14Z): late_delivery. Default policy: due Mon 16 Feb
    # 18:00 (10 business days after Mon 2; pending_area does not pause it): met.
    Item(
        "F03",
        DEL,
        "web",
        feb(2, 14),
        (
            do(A.QUEUE, feb(2, 14)),
            do(A.ASSIGN, feb(3, 9), assignee="bruno"),
            do(A.START, feb(3, 9)),
            do(A.PEND_AREA, feb(3, 10), area="logistics"),
            do(A.RESUME, feb(6, 10)),
            do(A.RESOLVE, feb(6, 11), reason="late_delivery"),
        ),
    ),
    # F04: invoice dispute Wed 4 Feb 10:00 SP (13:00Z), left untouched. Due Wed 11 Feb
    # 18:00 (Thu 5, Fri 6, Mon 9, Tue 10, Wed 11). Ana solves it in an hour on Thu 19
    # Feb 09:00-10:00 (12-13Z): breached.
    Item(
        "F04",
        INV,
        "web",
        feb(4, 10),
        (
            do(A.ASSIGN, feb(19, 9), assignee="ana"),
            do(A.START, feb(19, 9)),
            do(A.RESOLVE, feb(19, 10), reason="billing_error"),
        ),
    ),
    # F05: refund request (finance) Mon 9 Feb 10:00 SP (13:00Z). Carla works 10:00-11:00,
    # waits on the customer Mon 11:00 -> Wed 11 10:00 (paused: default policy), works
    # 10:00-12:00 (13-15Z) and the refund fails (outcome failed, refund_delay). Due
    # Mon 23 Feb 18:00 plus the pause: met. CSAT 2.
    Item(
        "F05",
        REF,
        "web",
        feb(9, 10),
        (
            do(A.ASSIGN, feb(9, 10), assignee="carla"),
            do(A.START, feb(9, 10)),
            do(A.PEND_CUSTOMER, feb(9, 11)),
            do(A.RESUME, feb(11, 10)),
            do(A.RESOLVE, feb(11, 12), reason="refund_delay", outcome=Outcome.FAILED),
            csat(2, feb(12, 9)),
        ),
    ),
    # F06: from the regulator, Tue 10 Feb 09:00 SP (12:00Z): policy `regulator`, 10
    # business days, due Tue 24 Feb 18:00. Escalated to L2 Wed 11 Feb 09:00 (12:00Z);
    # Ana solves it Thu 12 Feb 09:00-10:00 (12-13Z), late_delivery; CSAT 1. On Mon 2
    # Mar 09:00 SP (12:00Z) the customer goes to the ombudsman: escalated from
    # resolved straight to the top tier (open again: the February resolution is not
    # definitive). Ana takes it Tue 3 Mar 09:00, works 14:00-16:00 (17-19Z) and solves
    # it; CSAT 3. Clock: the resolved time Thu 12 Feb 10:00 -> Mon 2 Mar 09:00 is a
    # pause of 8 + 10 + 50 + 50 + 1 = 119 business hours, so the due moves from Tue 24
    # Feb 18:00 to Thu 12 Mar 17:00 (11 days of 10 h after Tue 24, then 9 h): met.
    Item(
        "F06",
        DEL,
        "regulator",
        feb(10, 9),
        (
            do(A.ESCALATE, feb(11, 9), reason="regulator complaint"),
            do(A.ASSIGN, feb(12, 9), assignee="ana"),
            do(A.START, feb(12, 9)),
            do(A.RESOLVE, feb(12, 10), reason="late_delivery"),
            csat(1, feb(13, 9)),
            do(A.ESCALATE, mar(2, 9), reason="customer went to the ombudsman", to_tier="ombudsman"),
            do(A.ASSIGN, mar(3, 9), assignee="ana"),
            do(A.START, mar(3, 14)),
            do(A.RESOLVE, mar(3, 16), reason="late_delivery"),
            csat(3, mar(4, 9)),
        ),
    ),
    # F07: Fri 13 Feb 17:00 SP (20:00Z), a duplicate (reason given at intake):
    # cancelled Mon 16 Feb 09:00 (12:00Z).
    Item(
        "F07",
        DEL,
        "web",
        feb(13, 17),
        (do(A.CANCEL, feb(16, 9)),),
        reason="duplicate",
    ),
    # F08: invoice dispute Tue 17 Feb 09:00 SP (12:00Z); Ana solves it 09:00-11:00
    # (billing_error); reopened Thu 19 Feb 09:00 (12:00Z): Ana works 09:00-10:00, gives
    # it back (unassign 10:00), Bruno takes it 10:30 and solves it at 11:30 (14:30Z).
    # Due Tue 24 Feb 18:00 plus the 18 h it was resolved: met.
    Item(
        "F08",
        INV,
        "web",
        feb(17, 9),
        (
            do(A.ASSIGN, feb(17, 9), assignee="ana"),
            do(A.START, feb(17, 9)),
            do(A.RESOLVE, feb(17, 11), reason="billing_error"),
            do(A.REOPEN, feb(19, 9)),
            do(A.ASSIGN, feb(19, 9), assignee="ana"),
            do(A.START, feb(19, 9)),
            do(A.UNASSIGN, feb(19, 10)),
            do(A.ASSIGN, feb(19, 10, 30), assignee="bruno"),
            do(A.START, feb(19, 10, 30)),
            do(A.RESOLVE, feb(19, 11, 30)),
        ),
    ),
    # F09: a damaged delivery from the app (reason at intake), Fri 20 Feb 10:00 SP
    # (13:00Z), in backoffice; transferred to finance Mon 23 Feb 09:00 (12:00Z), where
    # Carla solves it 09:00-11:00 (12-14Z). Due Fri 6 Mar 18:00: met.
    Item(
        "F09",
        DEL,
        "app",
        feb(20, 10),
        (
            do(A.TRANSFER, feb(23, 9), area="finance"),
            do(A.ASSIGN, feb(23, 9), assignee="carla"),
            do(A.START, feb(23, 9)),
            do(A.RESOLVE, feb(23, 11)),
        ),
        reason="damaged",
    ),
    # F10: invoice dispute by email, Wed 25 Feb 10:00 SP (13:00Z), open across the month
    # end. Ana works it Mon 2 Mar 10:00-11:00, it waits on finance Mon 11:00 -> Tue 3
    # 11:00 (14:00Z; 86,400 s; OLA 16 business hours: 7 on Monday + 9 -> due Tue 17:00,
    # met), she finishes 11:00-12:00 (14-15Z). Due Wed 4 Mar 18:00 (Thu 26, Fri 27,
    # Mon 2, Tue 3, Wed 4): met.
    Item(
        "F10",
        INV,
        "email",
        feb(25, 10),
        (
            do(A.ASSIGN, mar(2, 10), assignee="ana"),
            do(A.START, mar(2, 10)),
            do(A.PEND_AREA, mar(2, 11), area="finance"),
            do(A.RESUME, mar(3, 11)),
            do(A.RESOLVE, mar(3, 12), reason="billing_error"),
        ),
    ),
    # F11: customer C2's missing delivery, Thu 26 Feb 16:00 SP (19:00Z), never touched:
    # open at the end. Due Thu 12 Mar 18:00 (Fri 27 = 1, Mon 2 .. Fri 6 = 2-6, Mon 9 ..
    # Thu 12 = 7-10); target T = 2 h + 10 x 10 h = 102 business hours.
    Item("F11", DEL, "web", feb(26, 16), customer="C2"),
    # F12: a refund Carla handled on paper, Fri 27 Feb 11:00-13:00 SP (14-16Z), imported
    # on Tue 31 Mar 12:00 SP: every event backdated by a month. It counts in February.
    Item(
        "F12",
        REF,
        "web",
        feb(27, 11),
        (
            do(A.ASSIGN, feb(27, 11), assignee="carla"),
            do(A.START, feb(27, 11)),
            do(A.RESOLVE, feb(27, 13), reason="refund_delay"),
        ),
        recorded=mar(31, 12),
    ),
    # ------------------------------------------------------------------- March
    # M01: customer C3, Mon 2 Mar 09:00 SP (12:00Z), Ana 09:00-11:00 (12-14Z),
    # billing_error; CSAT 5. Due Mon 9 Mar 18:00: met. M02 repeats it.
    Item(
        "M01",
        INV,
        "web",
        mar(2, 9),
        (
            do(A.ASSIGN, mar(2, 9), assignee="ana"),
            do(A.START, mar(2, 9)),
            do(A.RESOLVE, mar(2, 11), reason="billing_error"),
            csat(5, mar(3, 9)),
        ),
        customer="C3",
    ),
    # M02: C3 again Mon 9 Mar 09:00 SP (12:00Z): exactly 7 x 24 h after M01, a repeat
    # contact (the bound is included). Ana assigned 09:00, works 09:30-11:00
    # (12:30-14Z); CSAT 4. Due Mon 16 Mar 18:00: met.
    Item(
        "M02",
        INV,
        "web",
        mar(9, 9),
        (
            do(A.ASSIGN, mar(9, 9), assignee="ana"),
            do(A.START, mar(9, 9, 30)),
            do(A.RESOLVE, mar(9, 11), reason="billing_error"),
            csat(4, mar(9, 15)),
        ),
        customer="C3",
    ),
    # M03: Tue 3 Mar 09:00 SP (12:00Z); Bruno 09:00-10:00, waits on the customer Tue
    # 10:00 -> Mon 9 10:00 (paused), Bruno 10:00-11:00 (13-14Z): late_delivery; closed
    # Tue 10 Mar 09:00. Default policy, due Tue 17 Mar 18:00: met.
    Item(
        "M03",
        DEL,
        "web",
        mar(3, 9),
        (
            do(A.ASSIGN, mar(3, 9), assignee="bruno"),
            do(A.START, mar(3, 9)),
            do(A.PEND_CUSTOMER, mar(3, 10)),
            do(A.RESUME, mar(9, 10)),
            do(A.RESOLVE, mar(9, 11), reason="late_delivery"),
            do(A.CLOSE, mar(10, 9)),
        ),
    ),
    # M04: invoice dispute Tue 3 Mar 14:00 SP (17:00Z), due Tue 10 Mar 18:00 (Wed 4 ..
    # Tue 10); T = 4 h + 50 h = 54 business hours. Ana works it Mon 9 13:00-15:00, it
    # waits on finance Mon 15:00 -> Wed 11 12:00 (15:00Z; 45 h = 162,000 s; OLA: Mon 3 h
    # + Tue 10 h + Wed 3 h -> due Wed 11:00, breached; pending_area does not pause the
    # customer's clock), she finishes 12:00-13:00 (15-16Z): the SLA is breached.
    Item(
        "M04",
        INV,
        "web",
        mar(3, 14),
        (
            do(A.ASSIGN, mar(9, 13), assignee="ana"),
            do(A.START, mar(9, 13)),
            do(A.PEND_AREA, mar(9, 15), area="finance"),
            do(A.RESUME, mar(11, 12)),
            do(A.RESOLVE, mar(11, 13), reason="billing_error"),
        ),
    ),
    # M05: Wed 4 Mar 09:00 SP (12:00Z), queued; escalated to L2 Thu 5 09:00 (12:00Z);
    # Ana (L1 and L2) works it Mon 9 14:00-16:00 (17-19Z): damaged. Due Wed 18 Mar: met.
    Item(
        "M05",
        DEL,
        "web",
        mar(4, 9),
        (
            do(A.QUEUE, mar(4, 9)),
            do(A.ESCALATE, mar(5, 9), reason="needs l2"),
            do(A.ASSIGN, mar(9, 14), assignee="ana"),
            do(A.START, mar(9, 14)),
            do(A.RESOLVE, mar(9, 16), reason="damaged"),
        ),
    ),
    # M06: invoice dispute by chat Thu 5 Mar 10:00 SP (13:00Z). Bruno 10:00-11:00, waits
    # on finance Thu 11:00 -> Mon 9 11:00 (4 days = 345,600 s; OLA due Fri 6 17:00:
    # Thu 7 h + Fri 9 h; breached), Bruno 11:00-12:00 (14-15Z). Due Thu 12 Mar 18:00:
    # met.
    Item(
        "M06",
        INV,
        "chat",
        mar(5, 10),
        (
            do(A.ASSIGN, mar(5, 10), assignee="bruno"),
            do(A.START, mar(5, 10)),
            do(A.PEND_AREA, mar(5, 11), area="finance"),
            do(A.RESUME, mar(9, 11)),
            do(A.RESOLVE, mar(9, 12), reason="billing_error"),
        ),
    ),
    # M07: refund request (finance) Fri 6 Mar 10:00 SP (13:00Z); Carla Mon 9 10:00-12:00
    # (13-15Z); the refund fails (outcome failed). Due Fri 20 Mar: met.
    Item(
        "M07",
        REF,
        "web",
        mar(6, 10),
        (
            do(A.ASSIGN, mar(9, 10), assignee="carla"),
            do(A.START, mar(9, 10)),
            do(A.RESOLVE, mar(9, 12), reason="refund_delay", outcome=Outcome.FAILED),
        ),
    ),
    # M08: Fri 6 Mar 15:00 SP (18:00Z), cancelled Mon 9 09:00 (12:00Z).
    Item("M08", DEL, "web", mar(6, 15), (do(A.CANCEL, mar(9, 9)),)),
    # M09: invoice dispute Mon 9 Mar 14:00 SP (17:00Z); Bruno Tue 10 09:00-10:00: failed;
    # CSAT 1; reopened Wed 11 09:00 (12:00Z); Ana 13:00-15:00 (16-18Z) solves it; CSAT 4
    # (the last). Due Mon 16 Mar 18:00 plus 9 h resolved (Tue 10-18, Wed 08-09): met.
    Item(
        "M09",
        INV,
        "web",
        mar(9, 14),
        (
            do(A.ASSIGN, mar(10, 9), assignee="bruno"),
            do(A.START, mar(10, 9)),
            do(A.RESOLVE, mar(10, 10), reason="billing_error", outcome=Outcome.FAILED),
            csat(1, mar(10, 12)),
            do(A.REOPEN, mar(11, 9)),
            do(A.ASSIGN, mar(11, 13), assignee="ana"),
            do(A.START, mar(11, 13)),
            do(A.RESOLVE, mar(11, 15), reason="billing_error"),
            csat(4, mar(12, 10)),
        ),
    ),
    # M10: Tue 10 Mar 09:00 SP (12:00Z); Bruno assigned 09:00, works 10:30-12:00
    # (13:30-15Z): late_delivery. Met.
    Item(
        "M10",
        DEL,
        "web",
        mar(10, 9),
        (
            do(A.ASSIGN, mar(10, 9), assignee="bruno"),
            do(A.START, mar(10, 10, 30)),
            do(A.RESOLVE, mar(10, 12), reason="late_delivery"),
        ),
    ),
    # M11: invoice dispute Tue 10 Mar 11:00 SP (14:00Z); Ana 11:00-12:00, waits on the
    # customer Tue 12:00 -> Wed 11 14:00 (17:00Z) -- Ana records that `resume` at 16:00
    # (19:00Z), two hours late: a backdated event -- and works 14:00-16:30 (17-19:30Z):
    # wrong_item. Due Tue 17 Mar 18:00: met.
    Item(
        "M11",
        INV,
        "web",
        mar(10, 11),
        (
            do(A.ASSIGN, mar(10, 11), assignee="ana"),
            do(A.START, mar(10, 11)),
            do(A.PEND_CUSTOMER, mar(10, 12)),
            do(A.RESUME, mar(11, 14), recorded=mar(11, 16)),
            do(A.RESOLVE, mar(11, 16, 30), reason="wrong_item"),
        ),
    ),
    # M12: Mon 9 Mar 08:00 SP (11:00Z); Dora (back office is her second area) works it
    # 09:00-12:00, unassigns it at 12:00; Bruno 13:00-14:00 (16-17Z): damaged. Met.
    Item(
        "M12",
        DEL,
        "web",
        mar(9, 8),
        (
            do(A.ASSIGN, mar(9, 9), assignee="dora"),
            do(A.START, mar(9, 9)),
            do(A.UNASSIGN, mar(9, 12)),
            do(A.ASSIGN, mar(9, 13), assignee="bruno"),
            do(A.START, mar(9, 13)),
            do(A.RESOLVE, mar(9, 14), reason="damaged"),
        ),
    ),
    # M13: an invoice dispute from the regulator Wed 11 Mar 09:00 SP (12:00Z): policy
    # invoice-dispute (listed first), due Wed 18 Mar 18:00. Ana 12:00-16:00; escalated
    # straight to the ombudsman at 16:00 (19:00Z); Ana again Fri 13 09:00-11:00 (12-14Z):
    # fraud. Met.
    Item(
        "M13",
        INV,
        "regulator",
        mar(11, 9),
        (
            do(A.ASSIGN, mar(11, 12), assignee="ana"),
            do(A.START, mar(11, 12)),
            do(A.ESCALATE, mar(11, 16), reason="regulator demand", to_tier="ombudsman"),
            do(A.ASSIGN, mar(13, 9), assignee="ana"),
            do(A.START, mar(13, 9)),
            do(A.RESOLVE, mar(13, 11), reason="fraud"),
        ),
    ),
    # M14: Thu 12 Mar 10:00 SP (13:00Z), queued in backoffice, transferred to logistics
    # at 11:00 (14:00Z), where nobody works: open at the end. Due Thu 26 Mar 18:00.
    Item(
        "M14",
        DEL,
        "web",
        mar(12, 10),
        (do(A.QUEUE, mar(12, 10)), do(A.TRANSFER, mar(12, 11), area="logistics")),
    ),
    # M15: customer C5, Mon 16 Mar 09:00 SP (12:00Z); Ana 09:00-10:00: billing_error;
    # CSAT 5. M16 repeats it.
    Item(
        "M15",
        INV,
        "web",
        mar(16, 9),
        (
            do(A.ASSIGN, mar(16, 9), assignee="ana"),
            do(A.START, mar(16, 9)),
            do(A.RESOLVE, mar(16, 10), reason="billing_error"),
            csat(5, mar(17, 9)),
        ),
        customer="C5",
    ),
    # M16: C5 again Fri 20 Mar 09:00 SP (12:00Z), 4 days later: a repeat contact.
    # Bruno 09:00-10:00, then waiting on the customer to the end (paused).
    Item(
        "M16",
        INV,
        "web",
        mar(20, 9),
        (
            do(A.ASSIGN, mar(20, 9), assignee="bruno"),
            do(A.START, mar(20, 9)),
            do(A.PEND_CUSTOMER, mar(20, 10)),
        ),
        customer="C5",
    ),
    # M17: by phone Mon 23 Mar 10:00 SP (13:00Z); Ana 10:00-11:00: unfounded, no reason.
    Item(
        "M17",
        DEL,
        "phone",
        mar(23, 10),
        (
            do(A.ASSIGN, mar(23, 10), assignee="ana"),
            do(A.START, mar(23, 10)),
            do(A.RESOLVE, mar(23, 11), outcome=Outcome.UNFOUNDED),
        ),
    ),
    # M18: refund (finance) Tue 24 Mar 10:00 SP (13:00Z); Carla 10:00-11:00, waits on
    # logistics Tue 11:00 -> Thu 26 11:00 (48 h = 172,800 s; OLA 2 business days: due
    # Thu 26 18:00, met), Carla 11:00-12:00 (14-15Z): refund_delay. Met.
    Item(
        "M18",
        REF,
        "web",
        mar(24, 10),
        (
            do(A.ASSIGN, mar(24, 10), assignee="carla"),
            do(A.START, mar(24, 10)),
            do(A.PEND_AREA, mar(24, 11), area="logistics"),
            do(A.RESUME, mar(26, 11)),
            do(A.RESOLVE, mar(26, 12), reason="refund_delay"),
        ),
    ),
    # M19: invoice dispute Wed 25 Mar 10:00 SP (13:00Z), queued; Bruno from Mon 30
    # 09:00 (12:00Z), in progress at the end. Due Wed 1 Apr 18:00.
    Item(
        "M19",
        INV,
        "web",
        mar(25, 10),
        (
            do(A.QUEUE, mar(25, 10)),
            do(A.ASSIGN, mar(30, 9), assignee="bruno"),
            do(A.START, mar(30, 9)),
        ),
    ),
    # M20: Fri 27 Mar 16:00 SP (19:00Z), damaged (reason at intake), new at the end.
    Item("M20", DEL, "web", mar(27, 16), reason="damaged"),
    # M21: Mon 16 Mar 10:00 SP (13:00Z); escalated to L2 Tue 17 09:00 (12:00Z);
    # cancelled Wed 18 09:00 (12:00Z).
    Item(
        "M21",
        DEL,
        "web",
        mar(16, 10),
        (
            do(A.ESCALATE, mar(17, 9), reason="needs l2"),
            do(A.CANCEL, mar(18, 9)),
        ),
    ),
]

# Presence changes (agent, SP instant, status). An agent never set is offline.
# Friday 6 March, then the people window Mon 9 - Wed 11 March.
P = Presence
PRESENCE: list[tuple[str, datetime, Presence]] = [
    ("ana", mar(6, 8), P.AVAILABLE),
    ("ana", mar(6, 18), P.OFFLINE),
    ("ana", mar(9, 8), P.AVAILABLE),
    ("ana", mar(9, 12), P.AWAY),  # lunch, an hour
    ("ana", mar(9, 13), P.AVAILABLE),
    ("ana", mar(9, 18), P.OFFLINE),
    ("ana", mar(10, 9), P.AVAILABLE),  # an hour late
    ("ana", mar(10, 11), P.BUSY),
    ("ana", mar(10, 12), P.AVAILABLE),
    ("ana", mar(10, 15), P.AWAY),  # 30 minutes
    ("ana", mar(10, 15, 30), P.AVAILABLE),
    ("ana", mar(10, 18), P.OFFLINE),
    ("ana", mar(11, 12), P.AVAILABLE),  # after her planned absence 08:00-12:00
    ("ana", mar(11, 17), P.OFFLINE),  # an hour early
    ("bruno", mar(6, 8), P.AVAILABLE),
    ("bruno", mar(6, 18), P.OFFLINE),
    ("bruno", mar(9, 8), P.AVAILABLE),
    ("bruno", mar(9, 10), P.BUSY),
    ("bruno", mar(9, 12), P.AVAILABLE),
    ("bruno", mar(9, 18), P.OFFLINE),
    ("bruno", mar(10, 8), P.AVAILABLE),
    ("bruno", mar(10, 10), P.AWAY),  # 30 minutes
    ("bruno", mar(10, 10, 30), P.AVAILABLE),
    ("bruno", mar(10, 16), P.OFFLINE),  # two hours early; off sick on Wednesday
    ("carla", mar(9, 9), P.AVAILABLE),
    ("carla", mar(9, 13), P.OFFLINE),
    ("carla", mar(10, 9), P.AVAILABLE),
    ("carla", mar(10, 10), P.AWAY),  # 20 minutes
    ("carla", mar(10, 10, 20), P.AVAILABLE),
    ("carla", mar(10, 12), P.OFFLINE),
    ("dora", mar(6, 8), P.AVAILABLE),
    ("dora", mar(6, 17, 30), P.AWAY),  # left without logging off: away all weekend
    ("dora", mar(9, 8, 30), P.AVAILABLE),
    ("dora", mar(9, 18), P.OFFLINE),
]

# Absences (agent, start, end, planned, reason, recorded at).
ABSENCES: list[tuple[str, datetime, datetime, bool, str, datetime]] = [
    ("ana", mar(11, 8), mar(11, 12), True, "doctor", mar(2, 9)),
    ("ana", mar(10, 8), mar(10, 9), False, "traffic", mar(10, 9)),  # excuses nothing
    ("bruno", mar(11, 8), mar(11, 18), False, "sick", mar(12, 9)),  # excuses nothing
    ("dora", mar(10, 0), mar(12, 0), True, "vacation", mar(2, 9)),  # Tue and Wed
]

Write = tuple[datetime, Callable[[Connection, dict[str, int]], None]]


def _item_writes(item: Item) -> list[Write]:
    def create(conn: Connection, ids: dict[str, int]) -> None:
        fields: dict[str, Any] = {
            "external_ref": item.ref,
            "case_type": item.case_type,
            "channel": item.channel,
            "created_at": item.created,
            "reason": item.reason,
        }
        if item.customer:
            fields["customer"] = {"external_id": item.customer}
        (result,) = intake.intake(
            conn,
            [ItemInput.model_validate(fields)],
            principal=CRM,
            now=item.recorded or item.created,
        )
        assert result.item_id is not None, result.error
        ids[item.ref] = result.item_id

    def step(s: Step, now: datetime) -> Callable[[Connection, dict[str, int]], None]:
        def write(conn: Connection, ids: dict[str, int]) -> None:
            if s.action is None:
                item_service.record_csat(
                    conn,
                    ids[item.ref],
                    score=s.fields["score"],
                    comment=None,
                    principal=ADMIN,
                    now=now,
                    at=s.at,
                )
            else:
                item_service.act(
                    conn,
                    ids[item.ref],
                    action=s.action,
                    principal=ADMIN,
                    now=now,
                    at=s.at,
                    **s.fields,
                )

        return write

    writes: list[Write] = [(item.recorded or item.created, create)]
    for s in item.steps:
        now = s.recorded or item.recorded or s.at
        writes.append((now, step(s, now)))
    return writes


def _presence_write(key: str, at: datetime, status: Presence) -> Write:
    def write(conn: Connection, ids: dict[str, int]) -> None:
        agent.set_presence(conn, key, status, principal=ADMIN, now=at, at=at)

    return at, write


def _absence_write(
    key: str, start: datetime, end: datetime, planned: bool, reason: str, now: datetime
) -> Write:
    def write(conn: Connection, ids: dict[str, int]) -> None:
        absence.add(
            conn,
            key,
            start=start,
            end=end,
            reason=reason,
            planned=planned,
            principal=ADMIN,
            now=now,
        )

    return now, write


def write_two_months(engine: Engine) -> dict[str, int]:
    """Configuration, then every write in the order it was made (by the instant it is
    written: `at`, or later for a backdated one); returns the item ids by reference."""
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
        config.apply(conn, REPEATS, source="repeats", now=NOW)
        config.apply(conn, AGENTS, source="agents", now=NOW)
    writes: list[Write] = [w for item in ITEMS for w in _item_writes(item)]
    writes += [_presence_write(*change) for change in PRESENCE]
    writes += [_absence_write(*entry) for entry in ABSENCES]
    # A stable sort: the writes of one item keep their order at equal instants.
    writes.sort(key=lambda w: w[0])
    ids: dict[str, int] = {}
    for _, write in writes:
        with unit_of_work(engine) as conn:
            write(conn, ids)
    return ids
