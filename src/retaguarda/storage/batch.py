"""INSERTs of many rows at once that cost the same to send for 1 or 10,000 rows.

On SQLite a batch is an executemany. On PostgreSQL the rows travel as one JSON
array that the server turns into records of the table's own row type
(`json_populate_record`), so the statement text is short and fixed: psycopg
keeps its parsed form and the server its plan. SQLAlchemy's executemany would
send instead a multi-row VALUES list with ~20,000 parameters per 1,000 rows, a
new statement text that psycopg parses in Python for every batch: 38 % of the
time of a bulk intake went to that parsing. Array parameters (`unnest`) are no
better: psycopg escapes their elements in Python. The document is written by
orjson, ~20 times faster than the standard library's encoder, which took a
quarter of a bulk intake's client time. See docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, CursorResult, Table, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite

from retaguarda.storage.types import Money, UtcDateTime


class BatchInsert:
    """An INSERT into `table` of the named columns, for any number of rows.

    `finish` adds what both dialects share (ON CONFLICT, RETURNING) to the
    dialect's plain INSERT, e.g. `lambda stmt: stmt.on_conflict_do_nothing()`.
    Rows are inserted in the order given.
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        finish: Callable[[Any], Any] = lambda stmt: stmt,
    ) -> None:
        self.columns = tuple(columns)
        self.table = table
        self.sqlite = finish(sqlite.insert(table))
        self.postgresql = finish(_from_json_rows(table, self.columns))
        self._instants = [c for c in self.columns if isinstance(table.c[c].type, UtcDateTime)]
        self._amounts = [c for c in self.columns if isinstance(table.c[c].type, Money)]
        self._copy_text = [(c, _copy_text(table.c[c].type)) for c in self.columns]

    def execute(
        self, conn: Connection, rows: Sequence[dict[str, Any]]
    ) -> CursorResult[*tuple[Any, ...]]:
        """Insert `rows` (dicts by column name) in one statement."""
        if conn.dialect.name == "postgresql":
            return conn.execute(self.postgresql, {"rows": self.to_json(rows)})
        return conn.execute(self.sqlite, list(rows))

    def copy(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert `rows` without returning anything; on PostgreSQL with COPY.

        COPY skips the server's JSON parsing and record building; for a bulk
        intake's events it is ~10 % of the whole run. It costs one more round
        trip than `execute`, so use it for batches, not for one row.
        """
        if conn.dialect.name != "postgresql":
            conn.execute(self.sqlite, list(rows))
            return
        columns = ", ".join(self.columns)
        driver = conn.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {self.table.name} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([to_text(row[c]) for c, to_text in self._copy_text])

    def to_json(self, rows: Sequence[dict[str, Any]]) -> str:
        """The rows as one JSON array, with the columns' own bind rules applied.

        UTC-aware instants (a naive one is refused, as `UtcDateTime` does) and
        exact decimals become text; JSON columns stay nested values, so what
        JSON cannot store (an instant, a dataclass) fails as it would through
        SQLAlchemy's `json.dumps` instead of being written in some form of
        orjson's choosing.
        """
        if self._instants or self._amounts:
            rows = [self._plain(row) for row in rows]
        return orjson.dumps(rows, option=_STRICT).decode()

    def _plain(self, row: dict[str, Any]) -> dict[str, Any]:
        row = dict(row)
        for column in self._instants:
            row[column] = _utc_text(row[column])
        for column in self._amounts:
            amount: Decimal | None = row[column]
            row[column] = None if amount is None else str(amount)
        return row


# Refuse the values orjson would otherwise write natively and json.dumps refuses.
_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _from_json_rows(table: Table, columns: Sequence[str]) -> Any:
    rows = text(
        "json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS a(value, n), "
        f"json_populate_record(NULL::{table.name}, a.value) AS r"
    )
    picked: list[Any] = [literal_column(f"r.{c}") for c in columns]
    return postgresql.insert(table).from_select(
        list(columns), select(*picked).select_from(rows).order_by(text("a.n"))
    )


def _copy_text(column_type: Any) -> Callable[[Any], Any]:
    """How COPY is given a value of `column_type`: the bind rules of `to_json`."""
    if isinstance(column_type, UtcDateTime):
        return _utc_text
    if isinstance(column_type, Money):
        return lambda amount: None if amount is None else str(amount)
    if isinstance(column_type, JSON):
        return lambda value: orjson.dumps(value, option=_STRICT).decode()
    return lambda value: value


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.isoformat()  # any offset: PostgreSQL stores the instant
