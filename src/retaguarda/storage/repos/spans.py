"""Item spans (each item's open states over time): read the log as columns for
`domain.item.spans`, replace the stored spans of refreshed items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, String, Table, cast, delete, literal_column, select, text

from retaguarda.domain.item.model import Status
from retaguarda.domain.item.spans import LOADED, NAT, STATUS_CODES, EventColumns
from retaguarda.storage.dialect import among
from retaguarda.storage.records import (
    EventRecord,
    ItemResolutionRecord,
    ItemSpanRecord,
    table_of,
)

item_spans = table_of(ItemSpanRecord)
item_resolutions = table_of(ItemResolutionRecord)
_events = table_of(EventRecord)
_CODES = {status.value: code for status, code in STATUS_CODES.items()}
_INSTANTS = (
    "start_at",
    "end_at",
    "overdue_after",
    "half_at",
    "three_quarters_at",
    "at",
    "received_at",
    "overdue_from",
)


def event_columns(conn: Connection, item_ids: Sequence[int]) -> EventColumns:
    """The events of `item_ids` as spans need them, by item, instant and append order."""
    postgres = conn.dialect.name == "postgresql"
    selected = [_events.c.item_id, _micros(postgres), _events.c.type, _path(postgres, "to")]
    for name in LOADED:
        selected += [_sets(postgres, name), _value(postgres, name)]
    rows = conn.execute(
        select(*selected)
        .where(among(conn, _events.c.item_id, item_ids))
        .order_by(_events.c.item_id, _events.c.at, _events.c.id)
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(selected)
    created = np.array(columns[2], dtype=object) == "created"
    to = np.array([_CODES.get(v, -1) for v in columns[3]], dtype=np.int64)
    to[created] = STATUS_CODES[Status.NEW]
    sets, values = {}, {}
    for k, name in enumerate(LOADED):
        sets[name] = np.array(columns[4 + 2 * k], dtype=bool) | created
        column = np.empty(len(rows), dtype=object)
        column[:] = columns[5 + 2 * k]
        values[name] = column
    return EventColumns(
        item_id=np.array(columns[0], dtype=np.int64),
        at=_as_micros(columns[1], postgres),
        to=to,
        sets=sets,
        values=values,
    )


def replace(
    conn: Connection, item_ids: Sequence[int], table: Table, columns: dict[str, Any]
) -> None:
    """The rows of `item_ids` in `table` (item_spans, item_resolutions) become those
    of `columns` (one NumPy array per column; instants as int64 epoch microseconds,
    NAT for none)."""
    conn.execute(delete(table).where(among(conn, table.c.item_id, item_ids)))
    if not len(columns["item_id"]):
        return
    names = list(columns)
    postgres = conn.dialect.name == "postgresql"
    text_columns = [
        _iso(columns[name], postgres) if name in _INSTANTS else columns[name].tolist()
        for name in names
    ]
    if postgres:
        driver = conn.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for row in zip(*text_columns, strict=True):
                copy.write_row(row)
        return
    _insert_rows(conn, table, names, text_columns)


def _insert_rows(
    conn: Connection, table: Table, names: list[str], text_columns: list[list[Any]]
) -> None:
    placeholders = ", ".join(f":{name}" for name in names)
    statement = text(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})")
    rows = [dict(zip(names, row, strict=True)) for row in zip(*text_columns, strict=True)]
    conn.execute(statement, rows)


def _iso(values: Any, postgres: bool) -> list[str | None]:
    """Instants as text: ISO with Z for COPY; on SQLite the naive UTC text the
    UtcDateTime type writes ("YYYY-MM-DD HH:MM:SS.ffffff"), so they compare alike."""
    missing = values == NAT
    iso = np.datetime_as_string(values.astype("datetime64[us]"))
    iso = np.char.add(iso, "Z") if postgres else np.char.replace(iso, "T", " ")
    iso = iso.astype(object)
    iso[missing] = None
    result: list[str | None] = iso.tolist()
    return result


def _micros(postgres: bool) -> Any:
    if postgres:
        return literal_column("CAST(EXTRACT(EPOCH FROM item_events.at) * 1000000 AS BIGINT)")
    # The text SQLite holds ("YYYY-MM-DD HH:MM:SS.ffffff", UTC), parsed by NumPy.
    return cast(_events.c.at, String)


def _as_micros(values: Sequence[Any], postgres: bool) -> Any:
    if postgres:
        return np.array(values, dtype=np.int64)
    return np.array(values, dtype="datetime64[us]").astype(np.int64)


def _path(postgres: bool, *path: str) -> Any:
    if postgres:
        arrows = "".join(f"->'{p}'" for p in path[:-1])
        return literal_column(f"item_events.data{arrows}->>'{path[-1]}'")
    return literal_column(f"json_extract(item_events.data, '$.{'.'.join(path)}')")


def _sets(postgres: bool, name: str) -> Any:
    """Whether the event's `changes` hold `name` (a null value included)."""
    if postgres:
        return literal_column(f"jsonb_exists(item_events.data->'changes', '{name}')")
    return literal_column(f"json_type(item_events.data, '$.changes.{name}') IS NOT NULL")


def _value(postgres: bool, name: str) -> Any:
    """The value set: a transition's change, or the created event's own field."""
    if postgres:
        return literal_column(
            f"CASE WHEN item_events.type = 'created' THEN item_events.data->>'{name}' "
            f"ELSE item_events.data->'changes'->>'{name}' END"
        )
    return literal_column(
        f"CASE WHEN item_events.type = 'created' THEN json_extract(item_events.data, '$.{name}') "
        f"ELSE json_extract(item_events.data, '$.changes.{name}') END"
    )
