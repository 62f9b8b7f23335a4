"""A hand-worked scenario shared by the report tests (API and CLI).

Calendar br-sp: Monday to Friday 08:00-18:00 in Sao Paulo (UTC-3, so 11:00-21:00
UTC), no holidays in late February and early March 2026. Policies (sla-config.yaml):
invoice_dispute 5 business days, paused on the customer; channel regulator 10
business days; anything else 10 business days. "5 business days" ends at 18:00 of
the fifth business day after the day of receipt (docs/sla.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from retaguarda.domain.item.model import Action, Outcome
from retaguarda.services import config, intake
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CRM, DATA, NOW

LATER = datetime(2026, 4, 1, tzinfo=UTC)  # "now" for the writes: after every event


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# (ref, case type, channel, created, [(action, at, fields)])
SCENARIO: list[tuple[str, str, str, datetime, list[tuple[Action, datetime, dict[str, Any]]]]] = [
    # A: invoice dispute received Mon 2 Mar 09:00 SP, never touched.
    ("A", "invoice_dispute", "web", utc(2, 12), []),
    # B: delivery missing received Thu 5 Mar 11:00 SP, Ana takes and starts it.
    (
        "B",
        "delivery_missing",
        "web",
        utc(5, 14),
        [
            (Action.ASSIGN, utc(5, 15), {"assignee": "ana"}),
            (Action.START, utc(5, 15, 30), {}),
        ],
    ),
    # C: received Fri 20 Feb, started Mon 23 Feb 10:00 SP, resolved Tue 24 Feb.
    (
        "C",
        "invoice_dispute",
        "web",
        utc(20, 12, month=2),
        [
            (Action.ASSIGN, utc(23, 13, month=2), {"assignee": "ana"}),
            (Action.START, utc(23, 13, month=2), {}),
            (Action.RESOLVE, utc(24, 14, month=2), {}),
        ],
    ),
    # D: from the regulator, Fri 6 Mar 09:00 SP, moved to finance at 10:00 SP.
    (
        "D",
        "delivery_missing",
        "regulator",
        utc(6, 12),
        [(Action.TRANSFER, utc(6, 13), {"area": "finance"})],
    ),
    # E: cancelled the day after it arrived.
    ("E", "delivery_missing", "web", utc(3, 12), [(Action.CANCEL, utc(4, 12), {})]),
    # F: invoice dispute received Mon 23 Feb 09:00 SP, never touched.
    ("F", "invoice_dispute", "web", utc(23, 12, month=2), []),
    # G: invoice dispute received Mon 2 Mar 09:00 SP, resolved Tue 3 Mar 09:00 SP,
    # reopened Thu 5 Mar 09:00 SP (back in the queue, nobody assigned).
    (
        "G",
        "invoice_dispute",
        "web",
        utc(2, 12),
        [
            (Action.ASSIGN, utc(2, 13), {"assignee": "ana"}),
            (Action.START, utc(2, 13), {}),
            (Action.RESOLVE, utc(3, 12), {}),
            (Action.REOPEN, utc(5, 12), {}),
        ],
    ),
]


def write_scenario(engine: Engine) -> None:
    """The SLA configuration and the items of SCENARIO (the catalog seeded before)."""
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
    for ref, case_type, channel, created, steps in SCENARIO:
        with unit_of_work(engine) as conn:
            (result,) = intake.intake(
                conn,
                [
                    ItemInput.model_validate(
                        {
                            "external_ref": ref,
                            "case_type": case_type,
                            "channel": channel,
                            "created_at": created,
                        }
                    )
                ],
                principal=CRM,
                now=LATER,
            )
            for action, at, fields in steps:
                item_service.act(
                    conn, result.item_id, action=action, principal=ADMIN, now=LATER, at=at, **fields
                )


# -- service and quality (KPIs): March 2026 in Sao Paulo -----------------------------
# (ref, case type, channel, customer, created, [(action, at, fields)], [(score, at)])
A = Action
KPI_SCENARIO: list[tuple[str, str, str, str | None, datetime, list[Any], list[Any]]] = [
    # K1: received Mon 2 Mar 09:00 SP, worked 10:00-12:00, solved. K6 repeats it.
    (
        "K1",
        "invoice_dispute",
        "web",
        "X",
        utc(2, 12),
        [
            (A.ASSIGN, utc(2, 12), {"assignee": "ana"}),
            (A.START, utc(2, 13), {}),
            (A.RESOLVE, utc(2, 15), {"reason": "billing_error"}),
        ],
        [(4, utc(3, 12))],
    ),
    # K2: worked 10:00-11:00, waits on finance 24 h, worked 11:00-12:00 next day; failed.
    (
        "K2",
        "invoice_dispute",
        "web",
        None,
        utc(2, 12),
        [
            (A.ASSIGN, utc(2, 12), {"assignee": "ana"}),
            (A.START, utc(2, 13), {}),
            (A.PEND_AREA, utc(2, 14), {"area": "finance"}),
            (A.RESUME, utc(3, 14), {}),
            (A.RESOLVE, utc(3, 15), {"outcome": Outcome.FAILED}),
        ],
        [(1, utc(4, 12))],
    ),
    # K3: escalated to L2 after an hour of work, solved there an hour later.
    (
        "K3",
        "delivery_missing",
        "web",
        None,
        utc(2, 12),
        [
            (A.ASSIGN, utc(2, 12), {"assignee": "ana"}),
            (A.START, utc(2, 13), {}),
            (A.ESCALATE, utc(2, 14), {"reason": "needs l2"}),
            (A.ASSIGN, utc(2, 15), {"assignee": "ana"}),
            (A.START, utc(2, 15), {}),
            (A.RESOLVE, utc(2, 16), {}),
        ],
        [],
    ),
    # K4: left alone two weeks, solved in an hour on Mon 16 Mar: past its due.
    (
        "K4",
        "invoice_dispute",
        "web",
        None,
        utc(2, 12),
        [
            (A.ASSIGN, utc(16, 12), {"assignee": "ana"}),
            (A.START, utc(16, 12), {}),
            (A.RESOLVE, utc(16, 13), {}),
        ],
        [],
    ),
    # K5: solved Wed 4 Mar after 2 h, reopened Thu, solved again after 1 h.
    (
        "K5",
        "invoice_dispute",
        "web",
        None,
        utc(4, 12),
        [
            (A.ASSIGN, utc(4, 12), {"assignee": "ana"}),
            (A.START, utc(4, 12), {}),
            (A.RESOLVE, utc(4, 14), {}),
            (A.REOPEN, utc(5, 12), {}),
            (A.ASSIGN, utc(5, 12), {"assignee": "ana"}),
            (A.START, utc(5, 12), {}),
            (A.RESOLVE, utc(5, 13), {}),
        ],
        [],
    ),
    # K6: the same customer and case type as K1, four days later: a repeat contact.
    ("K6", "invoice_dispute", "web", "X", utc(6, 12), [], []),
    # K7: from the regulator (never paused); waits on the customer a day; solved.
    (
        "K7",
        "delivery_missing",
        "regulator",
        None,
        utc(9, 12),
        [
            (A.ASSIGN, utc(9, 12), {"assignee": "ana"}),
            (A.START, utc(9, 12), {}),
            (A.PEND_CUSTOMER, utc(9, 14), {}),
            (A.RESUME, utc(10, 14), {}),
            (A.RESOLVE, utc(10, 15), {}),
        ],
        [(5, utc(11, 12))],
    ),
    # K8: cancelled the next day.
    ("K8", "delivery_missing", "web", None, utc(2, 12), [(A.CANCEL, utc(3, 12), {})], []),
]


def write_kpi_scenario(engine: Engine) -> None:
    """SLA configuration, 7-day repeat contacts, and the items of KPI_SCENARIO."""
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
        config.apply(
            conn, "repeat_contacts: {within_days: 7, match: [case_type]}\n", source="r", now=NOW
        )
    for ref, case_type, channel, customer, created, steps, answers in KPI_SCENARIO:
        with unit_of_work(engine) as conn:
            fields: dict[str, Any] = {
                "external_ref": ref,
                "case_type": case_type,
                "channel": channel,
                "created_at": created,
            }
            if customer:
                fields["customer"] = {"external_id": customer}
            (result,) = intake.intake(
                conn, [ItemInput.model_validate(fields)], principal=CRM, now=LATER
            )
            for action, at, extra in steps:
                item_service.act(
                    conn, result.item_id, action=action, principal=ADMIN, now=LATER, at=at, **extra
                )
            for score, at in answers:
                item_service.record_csat(
                    conn,
                    result.item_id,
                    score=score,
                    comment=None,
                    principal=ADMIN,
                    now=LATER,
                    at=at,
                )
