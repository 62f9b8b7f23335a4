"""Versions of the SLA configuration, in version order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, case, delete, func, insert, literal, select

from retaguarda.domain.sla.bulk import NAT, instant
from retaguarda.storage.dialect import among
from retaguarda.storage.dialect import insert as dialect_insert
from retaguarda.storage.records import (
    CustomerRecord,
    EventRecord,
    ItemRecord,
    SlaAlertRecord,
    SlaClockRecord,
    SlaConfigRecord,
    SlaPendingRecord,
    table_of,
)

sla_configs = table_of(SlaConfigRecord)


def index(conn: Connection) -> list[tuple[int, str, datetime]]:
    """Every version's (number, uid, applied at), oldest first; no documents."""
    rows = conn.execute(
        select(sla_configs.c.version, sla_configs.c.uid, sla_configs.c.applied_at).order_by(
            sla_configs.c.version
        )
    )
    return [(r.version, r.uid, r.applied_at) for r in rows]


def documents(conn: Connection, uids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The documents of the versions named by `uids`."""
    rows = conn.execute(
        select(sla_configs.c.uid, sla_configs.c.document).where(sla_configs.c.uid.in_(uids))
    )
    return {r.uid: r.document for r in rows}


def latest(conn: Connection) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute(
        select(sla_configs.c.version, sla_configs.c.document)
        .order_by(sla_configs.c.version.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row.version, row.document)


def add_version(
    conn: Connection, document: dict[str, Any], *, applied_at: datetime, source: str
) -> int:
    """Store `document` as the next version (two concurrent applies cannot share one)."""
    number = (conn.scalar(select(func.max(sla_configs.c.version))) or 0) + 1
    conn.execute(
        insert(sla_configs).values(
            version=number,
            uid=uuid.uuid4().hex,
            document=document,
            applied_at=applied_at,
            source=source[:300],
        )
    )
    return number


# -- stored clocks --------------------------------------------------------------------

pending = table_of(SlaPendingRecord)
clocks = table_of(SlaClockRecord)
_items = table_of(ItemRecord)
_events = table_of(EventRecord)
_customers = table_of(CustomerRecord)
_FINAL = ("closed", "cancelled")


def take_pending(conn: Connection, limit: int) -> list[int]:
    """Up to `limit` marked items, locked for this transaction (others skip them)."""
    stmt = select(pending.c.item_id).order_by(pending.c.item_id).limit(limit)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(conn.scalars(stmt))


def count_pending(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(pending)) or 0)


def clear_pending(conn: Connection, item_ids: Sequence[int]) -> None:
    conn.execute(delete(pending).where(among(conn, pending.c.item_id, item_ids)))


def mark_open_items(conn: Connection) -> int:
    """Mark every item not closed or cancelled (after a configuration change)."""
    chosen = select(_items.c.id).where(_items.c.status.not_in(_FINAL))
    known = select(pending.c.item_id)
    stmt = insert(pending).from_select(["item_id"], chosen.where(_items.c.id.not_in(known)))
    return conn.execute(stmt).rowcount or 0


def item_rows(conn: Connection, item_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(id, created_at, status, case_type, channel, priority, tier, segment) by id."""
    rows = conn.execute(
        select(
            _items.c.id,
            _items.c.created_at,
            _items.c.status,
            _items.c.case_type,
            _items.c.channel,
            _items.c.priority,
            _items.c.tier,
            _customers.c.segment,
        )
        .select_from(_items.outerjoin(_customers, _items.c.customer_id == _customers.c.id))
        .where(among(conn, _items.c.id, item_ids))
        .order_by(_items.c.id)
    )
    return [tuple(r) for r in rows.all()]


def event_rows(conn: Connection, item_ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """(item id, at, type, to, pending_area, action) per event, by item, in order."""
    data = _events.c.data
    rows = conn.execute(
        select(
            _events.c.item_id,
            _events.c.at,
            _events.c.type,
            data["to"].as_string(),
            data["changes"]["pending_area"].as_string(),
            data["action"].as_string(),
        )
        .where(among(conn, _events.c.item_id, item_ids))
        .order_by(_events.c.item_id, _events.c.at, _events.c.id)
    )
    return [tuple(r) for r in rows.all()]


_CLOCK_COLUMNS = [c.name for c in clocks.c if c.name != "id"]
_INSTANTS = ["started_at", "due_at", "stopped_at", "risk_at", "computed_at"]


def replace_clocks(conn: Connection, item_ids: Sequence[int], columns: dict[str, Any]) -> None:
    """The stored clocks of `item_ids` become those of `columns` (one NumPy array per
    column of `sla_clocks`; instants as int64 epoch seconds, NAT for none)."""
    conn.execute(delete(clocks).where(among(conn, clocks.c.item_id, item_ids)))
    if not len(columns["item_id"]):
        return
    if conn.dialect.name == "postgresql":
        _copy_clocks(conn, columns)
    else:
        values = {
            name: [instant(v) for v in columns[name]]
            if name in _INSTANTS
            else columns[name].tolist()
            for name in _CLOCK_COLUMNS
        }
        conn.execute(
            insert(clocks),
            [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)],
        )


def _copy_clocks(conn: Connection, columns: dict[str, Any]) -> None:
    # Instants become ISO text in one vectorised pass; COPY then takes plain tuples.
    text_columns = []
    for name in _CLOCK_COLUMNS:
        values = columns[name]
        if name in _INSTANTS:
            missing = values == NAT
            iso = np.char.add(np.datetime_as_string(values.astype("datetime64[s]")), "Z")
            values = iso.astype(object)
            values[missing] = None
        text_columns.append(values.tolist())
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY sla_clocks ({', '.join(_CLOCK_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in zip(*text_columns, strict=True):
            copy.write_row(row)


def risk_rows(
    conn: Connection,
    *,
    kind: str,
    at: datetime,
    areas: Sequence[str] | None,
    area: Sequence[str] = (),
    case_type: Sequence[str] = (),
    policy: Sequence[str] = (),
) -> tuple[list[Any], dict[int, str]]:
    """Open clocks at risk (`kind` "at_risk") or breached as of `at`, from the stored
    clocks computed at or before `at`; and the ids of matching items whose clocks were
    computed after `at`, with their area (to be recomputed as of `at` by the caller)."""
    c, i = clocks, _items
    base = (
        select(
            c.c.item_id,
            c.c.metric,
            c.c.policy,
            c.c.area,
            c.c.calendar,
            c.c.config_version,
            c.c.due_at,
            c.c.state,
            c.c.remaining_s,
            i.c.area.label("item_area"),
            i.c.case_type,
        )
        .select_from(c.join(i, c.c.item_id == i.c.id))
        .where(c.c.stopped_at.is_(None))
    )
    for column, values in ((i.c.area, area), (i.c.case_type, case_type), (c.c.policy, policy)):
        if values:
            base = base.where(column.in_(values))
    if areas is not None:
        base = base.where(i.c.area.in_(areas))
    if kind == "at_risk":
        due = (c.c.state == "running") & (c.c.risk_at <= at) & (c.c.due_at >= at)
        condition = due | ((c.c.state == "paused") & c.c.at_risk)
    else:
        condition = ((c.c.state == "running") & (c.c.due_at < at)) | (c.c.state == "breached")
    rows = list(conn.execute(base.where(c.c.computed_at <= at, condition)))
    later = base.with_only_columns(c.c.item_id, i.c.area).where(c.c.computed_at > at).distinct()
    return rows, {row.item_id: row.area for row in conn.execute(later)}


alerts = table_of(SlaAlertRecord)


def alert_candidates(conn: Connection, *, at: datetime) -> list[Any]:
    """Open clocks at risk or breached as of `at` with no alert of that state yet."""
    c = clocks
    risky = ((c.c.state == "running") & (c.c.risk_at <= at) & (c.c.due_at >= at)) | (
        (c.c.state == "paused") & c.c.at_risk
    )
    late = ((c.c.state == "running") & (c.c.due_at < at)) | (c.c.state == "breached")
    state = case((late, literal("breached")), else_=literal("at_risk"))
    seen = (
        select(alerts.c.item_id)
        .where(
            alerts.c.item_id == c.c.item_id,
            alerts.c.metric == c.c.metric,
            alerts.c.started_at == c.c.started_at,
            alerts.c.state == state,
        )
        .exists()
    )
    stmt = (
        select(
            c.c.item_id,
            c.c.metric,
            c.c.policy,
            c.c.area,
            c.c.started_at,
            c.c.due_at,
            c.c.risk_at,
            state.label("alert"),
        )
        .where(c.c.stopped_at.is_(None), c.c.computed_at <= at, risky | late, ~seen)
        .order_by(c.c.item_id, c.c.metric, c.c.started_at)
    )
    return list(conn.execute(stmt))


def claim_alerts(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Insert alert keys; return those this transaction inserted (others had them)."""
    if not rows:
        return []
    stmt = (
        dialect_insert(conn, alerts)
        .on_conflict_do_nothing()
        .returning(alerts.c.item_id, alerts.c.metric, alerts.c.started_at, alerts.c.state)
    )
    claimed: list[tuple[Any, ...]] = []
    for row in rows:  # one by one: RETURNING with executemany is not portable
        claimed.extend(tuple(r) for r in conn.execute(stmt, row))
    return claimed
