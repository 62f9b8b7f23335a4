"""Column types that must behave the same on SQLite and PostgreSQL, through the real tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import StatementError

from retaguarda.storage.records import EventRecord, ItemRecord, TokenRecord, UserRecord
from tests.builders import NOW, seed

users = UserRecord.__table__
items = ItemRecord.__table__
events = EventRecord.__table__
tokens = TokenRecord.__table__

BRASILIA = timezone(timedelta(hours=-3))


def add_user(conn: Connection, created_at: datetime, name: str = "dora") -> int:
    return int(
        conn.execute(
            users.insert()
            .values(name=name, role="admin", agent=None, areas=[], created_at=created_at)
            .returning(users.c.id)
        ).scalar_one()
    )


def add_item(conn: Connection, ref: str = "R-1", **values: Any) -> int:
    row = {
        "external_ref": ref,
        "channel": "email",
        "case_type": "invoice_dispute",
        "status": "new",
        "area": "backoffice",
        "tier": "backoffice_l1",
        "journey": ["backoffice_l1"],
        "priority": 3,
        "tags": [],
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
        **values,
    }
    return int(conn.execute(items.insert().values(**row).returning(items.c.id)).scalar_one())


class TestUtcDateTime:
    def test_an_aware_utc_value_comes_back_identical(self, engine: Engine) -> None:
        value = datetime(2026, 3, 2, 12, 30, 15, 123456, tzinfo=UTC)
        with engine.begin() as conn:
            user_id = add_user(conn, value)
        with engine.connect() as conn:
            stored = conn.scalar(select(users.c.created_at).where(users.c.id == user_id))
        assert stored == value
        assert stored.tzinfo is UTC
        assert stored.microsecond == 123456

    def test_another_offset_is_stored_as_the_same_instant_in_utc(self, engine: Engine) -> None:
        # 09:30:15.000001 at -03:00 is 12:30:15.000001 UTC.
        value = datetime(2026, 3, 2, 9, 30, 15, 1, tzinfo=BRASILIA)
        with engine.begin() as conn:
            user_id = add_user(conn, value)
        with engine.connect() as conn:
            stored = conn.scalar(select(users.c.created_at).where(users.c.id == user_id))
            raw = conn.execute(
                text("SELECT created_at FROM users WHERE id = :id"), {"id": user_id}
            ).scalar_one()
        assert stored == datetime(2026, 3, 2, 12, 30, 15, 1, tzinfo=UTC)
        assert stored.tzinfo is UTC
        assert (stored.hour, stored.microsecond) == (12, 1)
        if engine.dialect.name == "sqlite":
            # SQLite keeps no offset: the column holds naive UTC text.
            assert raw == "2026-03-02 12:30:15.000001"
        else:
            assert raw == stored  # timestamptz: the same instant, whatever the session zone

    def test_a_naive_value_is_refused_and_nothing_is_written(self, engine: Engine) -> None:
        with engine.begin() as conn, pytest.raises(StatementError, match="naive datetime"):
            add_user(conn, datetime(2026, 3, 2, 12, 30))  # noqa: DTZ001
        with engine.connect() as conn:
            assert conn.execute(select(users.c.id)).all() == []

    def test_null_stays_null(self, engine: Engine) -> None:
        with engine.begin() as conn:
            user_id = add_user(conn, NOW)
            token_id = conn.execute(
                tokens.insert()
                .values(
                    user_id=user_id,
                    token_hash="0" * 64,
                    prefix="rtg_00000000",
                    created_at=NOW,
                    revoked_at=None,
                )
                .returning(tokens.c.id)
            ).scalar_one()
        with engine.connect() as conn:
            row = conn.execute(
                select(tokens.c.created_at, tokens.c.revoked_at).where(tokens.c.id == token_id)
            ).one()
        assert (row.created_at, row.revoked_at) == (NOW, None)


class TestMoney:
    @pytest.mark.parametrize(
        "amount",
        [
            Decimal("12345678.91"),
            Decimal("0.10"),  # a float would print 0.1
            Decimal("9999999999999999.99"),  # 18 digits: a float rounds it to 1e16
        ],
        ids=["cents of millions", "trailing zero", "largest NUMERIC(18,2)"],
    )
    def test_keeps_the_decimal_exactly(self, engine: Engine, amount: Decimal) -> None:
        seed(engine, extra=False)
        with engine.begin() as conn:
            item_id = add_item(conn, amount=amount)
        with engine.connect() as conn:
            stored = conn.scalar(select(items.c.amount).where(items.c.id == item_id))
        assert isinstance(stored, Decimal)
        assert stored == amount
        assert str(stored) == str(amount)

    def test_sqlite_stores_it_as_text_postgresql_as_numeric(self, engine: Engine) -> None:
        seed(engine, extra=False)
        with engine.begin() as conn:
            item_id = add_item(conn, amount=Decimal("12345678.91"))
        with engine.connect() as conn:
            raw = conn.execute(
                text("SELECT amount FROM items WHERE id = :id"), {"id": item_id}
            ).scalar_one()
        if engine.dialect.name == "sqlite":
            assert raw == "12345678.91"
        else:
            assert raw == Decimal("12345678.91")

    def test_none_stays_none(self, engine: Engine) -> None:
        seed(engine, extra=False)
        with engine.begin() as conn:
            item_id = add_item(conn, amount=None)
        with engine.connect() as conn:
            assert conn.scalar(select(items.c.amount).where(items.c.id == item_id)) is None


class TestJson:
    def test_nested_event_data_round_trips(self, engine: Engine) -> None:
        data = {
            "action": "escalate",
            "changes": {"tier": "backoffice_l2", "assignee": None},
            "note": "cliente ligou três vezes — ação urgente",
            "numbers": [1, 2.5, -3, 0],
            "flags": [True, False, None],
            "empty": {},
        }
        seed(engine, extra=False)
        with engine.begin() as conn:
            item_id = add_item(conn)
            conn.execute(
                events.insert().values(
                    item_id=item_id,
                    type="escalated",
                    at=NOW,
                    actor="ana",
                    data=data,
                    schema_version=1,
                    recorded_at=NOW,
                )
            )
        with engine.connect() as conn:
            stored = conn.scalar(select(events.c.data).where(events.c.item_id == item_id))
        assert stored == data

    def test_lists_round_trip_in_order(self, engine: Engine) -> None:
        seed(engine, extra=False)
        with engine.begin() as conn:
            item_id = add_item(
                conn,
                tags=["vip", "reclamação", "vip"],
                journey=["first_level", "backoffice_l1", "first_level"],
            )
        with engine.connect() as conn:
            row = conn.execute(
                select(items.c.tags, items.c.journey).where(items.c.id == item_id)
            ).one()
        assert row.tags == ["vip", "reclamação", "vip"]
        assert row.journey == ["first_level", "backoffice_l1", "first_level"]
