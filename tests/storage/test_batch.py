"""Multi-row inserts (`storage.batch`): the same rows and rules on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError

from retaguarda.storage.batch import BatchInsert
from retaguarda.storage.records import CustomerRecord, EventRecord, ItemRecord
from tests.builders import NOW, seed

customers = CustomerRecord.__table__
items = ItemRecord.__table__
events = EventRecord.__table__
BRASILIA = timezone(timedelta(hours=-3))
ITEM_COLUMNS = [c.name for c in items.c if c.name != "id"]


def item_row(ref: str, **values: Any) -> dict[str, Any]:
    return {
        "external_ref": ref,
        "channel": "email",
        "case_type": "invoice_dispute",
        "status": "new",
        "area": "backoffice",
        "tier": "backoffice_l1",
        "journey": ["backoffice_l1"],
        "assignee": None,
        "pending_area": None,
        "subject": None,
        "description": None,
        "customer_id": None,
        "amount": None,
        "priority": 3,
        "reason": None,
        "tags": [],
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
        "repeat_of": None,
        "outcome": None,
        "csat": None,
        **values,
    }


class TestBatchInsert:
    def test_rows_are_stored_in_the_order_given_with_their_values(self, engine: Engine) -> None:
        seed(engine)
        batch = BatchInsert(
            items, ITEM_COLUMNS, lambda stmt: stmt.returning(items.c.id, items.c.external_ref)
        )
        rows = [
            item_row("B-3", amount=Decimal("10.5"), tags=["vip", 'quote " and \\']),
            item_row("B-1", created_at=datetime(2026, 3, 2, 9, 0, tzinfo=BRASILIA)),
            item_row("B-2", subject="ünïcødé, {braces} [brackets]", journey=["a", "b"]),
        ]
        with engine.begin() as conn:
            returned = list(batch.execute(conn, rows))
            stored = conn.execute(select(items).order_by(items.c.id)).all()
        assert [ref for _, ref in returned] == ["B-3", "B-1", "B-2"]
        assert [r.external_ref for r in stored] == ["B-3", "B-1", "B-2"]
        assert stored[0].amount == Decimal("10.5")
        assert stored[0].tags == ["vip", 'quote " and \\']
        assert stored[1].created_at == datetime(2026, 3, 2, 9, 0, tzinfo=BRASILIA)  # same instant
        assert stored[2].subject == "ünïcødé, {braces} [brackets]"
        assert stored[2].journey == ["a", "b"]

    def test_the_finishing_clause_applies_on_both_databases(self, engine: Engine) -> None:
        batch = BatchInsert(
            customers,
            ["external_id", "name"],
            lambda stmt: stmt.on_conflict_do_nothing(index_elements=["external_id"]).returning(
                customers.c.external_id
            ),
        )
        with engine.begin() as conn:
            first = list(batch.execute(conn, [{"external_id": "C-1", "name": "Ana"}]))
            again = list(
                batch.execute(
                    conn,
                    [{"external_id": "C-1", "name": "Ana"}, {"external_id": "C-2", "name": None}],
                )
            )
        assert first == [("C-1",)]
        assert again == [("C-2",)]

    def test_a_naive_datetime_is_refused(self) -> None:
        batch = BatchInsert(events, [c.name for c in events.c if c.name != "id"])
        row = {
            "item_id": 1,
            "type": "created",
            "at": datetime(2026, 3, 2, 12, 0),  # noqa: DTZ001 - the point of the test
            "actor": "crm",
            "data": {},
            "schema_version": 1,
            "recorded_at": NOW,
        }
        with pytest.raises(ValueError, match="naive datetime"):
            batch.to_json([row])

    def test_json_columns_refuse_what_json_cannot_store(self) -> None:
        batch = BatchInsert(events, [c.name for c in events.c if c.name != "id"])
        row = {
            "item_id": 1,
            "type": "created",
            "at": NOW,
            "actor": "crm",
            "data": {"when": NOW},  # not JSON: refused as SQLAlchemy's JSON type refuses it
            "schema_version": 1,
            "recorded_at": NOW,
        }
        with pytest.raises(TypeError):
            batch.to_json([row])


class TestCopy:
    """`BatchInsert.copy`: COPY on PostgreSQL, the same values as `execute` stores."""

    def test_copied_rows_read_back_as_inserted_ones(self, engine: Engine) -> None:
        seed(engine)
        with engine.begin() as conn:
            BatchInsert(items, ITEM_COLUMNS).copy(
                conn,
                [
                    item_row(
                        "C-1",
                        amount=Decimal("10.50"),
                        tags=["vip", 'quote " and \\', "tab\there"],
                        subject="line\nbreak, ünïcødé",
                        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=BRASILIA),
                    ),
                    item_row("C-2", description=None, journey=["a", "b"]),
                ],
            )
            stored = conn.execute(select(items).order_by(items.c.id)).all()
        assert [r.external_ref for r in stored] == ["C-1", "C-2"]
        assert stored[0].amount == Decimal("10.50")
        assert stored[0].tags == ["vip", 'quote " and \\', "tab\there"]
        assert stored[0].subject == "line\nbreak, ünïcødé"
        # 09:00 at -03:00 is 12:00 UTC: the instant is kept, whatever the offset given.
        assert stored[0].created_at == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
        assert stored[1].description is None
        assert stored[1].journey == ["a", "b"]

    def test_a_naive_datetime_is_refused_and_nothing_is_written(self, engine: Engine) -> None:
        seed(engine)
        naive = datetime(2026, 3, 2, 12, 0)  # noqa: DTZ001 - the point of the test
        # SQLite's executemany reports the bind error wrapped by SQLAlchemy.
        refused = (ValueError, StatementError)
        with pytest.raises(refused, match="naive datetime"), engine.begin() as conn:
            BatchInsert(items, ITEM_COLUMNS).copy(
                conn, [item_row("C-1"), item_row("C-2", created_at=naive)]
            )
        with engine.connect() as conn:
            assert conn.execute(select(items)).all() == []
