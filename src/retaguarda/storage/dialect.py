"""The few statements whose spelling differs between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Table, literal_column, select, text
from sqlalchemy.dialects import postgresql, sqlite


def insert(connection: Connection, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT for the connection's database."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def among(connection: Connection, column: Any, ids: Sequence[int]) -> Any:
    """`column IN ids` with the ids sent as one JSON array parameter.

    An expanding IN list of 50,000 ids costs more to render and for psycopg to
    parse than the query costs to run; one JSON parameter costs neither, and
    needs no chunking under SQLite's parameter limit.
    """
    values = orjson.dumps(list(ids)).decode()
    if connection.dialect.name == "postgresql":
        rows = text("json_array_elements_text(CAST(:ids AS json))").bindparams(ids=values)
        return column.in_(select(literal_column("CAST(value AS BIGINT)")).select_from(rows))
    rows = text("json_each(:ids)").bindparams(ids=values)
    return column.in_(select(literal_column("value")).select_from(rows))
