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

from retaguarda.domain.item.model import Action
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
