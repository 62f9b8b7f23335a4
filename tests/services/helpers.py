"""Helpers shared by the service tests: inputs, one-call intake, row counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from retaguarda.domain.access import Principal
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.model import WorkItem
from retaguarda.services import intake
from retaguarda.services.intake import IntakeResult, ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import EventRecord, ItemRecord
from retaguarda.storage.repos import item as item_repo
from tests.builders import CRM, NOW

ITEMS = ItemRecord.__table__
EVENTS = EventRecord.__table__


def item_input(ref: str = "INV-1", **fields: Any) -> ItemInput:
    """An invoice dispute by e-mail, with `fields` overriding or adding to it."""
    return ItemInput.model_validate(
        {"external_ref": ref, "channel": "email", "case_type": "invoice_dispute", **fields}
    )


def create(
    engine: Engine,
    ref: str = "INV-1",
    *,
    principal: Principal = CRM,
    now: datetime = NOW,
    **fields: Any,
) -> IntakeResult:
    """Take in one item in its own unit of work; return its result."""
    with unit_of_work(engine) as conn:
        [result] = intake.intake(conn, [item_input(ref, **fields)], principal=principal, now=now)
    return result


def new_item(engine: Engine, ref: str = "INV-1", **fields: Any) -> int:
    """The id of a freshly created item (fails the test if it was not created)."""
    result = create(engine, ref, **fields)
    assert result.status == "created", result
    assert result.item_id is not None
    return result.item_id


def stored(engine: Engine, item_id: int) -> WorkItem:
    with engine.connect() as conn:
        item = item_repo.get(conn, item_id)
    assert item is not None
    return item


def history(engine: Engine, item_id: int) -> list[Event]:
    with engine.connect() as conn:
        return item_repo.history(conn, item_id)


def count(engine: Engine, table: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)
