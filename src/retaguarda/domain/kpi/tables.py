"""Neutral report tables: what a report says, not how a file shows it.

A `Table` is the hand-over between the indicator code and the file writers
(`interop.report_files`): a key, a title, typed columns and rows of plain values.

Invariants:
- keys (of tables and columns) are slugs: lowercase letters, digits, `_` and `-`,
  starting with a letter or digit, at most 64 characters, so they are safe as file
  and sheet names;
- a table has at least one column, and its column keys are unique;
- every row has exactly one value per column;
- every value is `None` (missing, e.g. a ratio whose denominator is zero) or of
  the kind its column's `Unit` promises (see `Unit`); floats are finite, and
  datetimes carry a UTC offset.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class Unit(StrEnum):
    """What a column's numbers mean, and so which values it accepts.

    - `count`: a whole number of things (`int`).
    - `number`: any other real quantity (`int`, `float`, `Decimal`).
    - `ratio`: a fraction where 1 means 100 % (0.875); shown as a percentage.
    - `percent`: percentage points where 100 means 100 % (87.5).
    - `seconds`, `minutes`, `hours`, `days`: a duration as a number of that unit.
    - `money`: an amount (`Decimal` preferred; `int` and `float` accepted).
    - `date`: a calendar day (`datetime.date`, not a `datetime`).
    - `datetime`: an instant (`datetime.datetime` with a UTC offset).
    - `text`: a string (a reason, an area, a name).
    """

    COUNT = "count"
    NUMBER = "number"
    RATIO = "ratio"
    PERCENT = "percent"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    TEXT = "text"


def _is_real(value: object) -> bool:
    """A finite int, float or Decimal, and not a bool."""
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return _is_count(value)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _is_instant(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _is_text(value: object) -> bool:
    return isinstance(value, str)


ACCEPTS: dict[Unit, Callable[[object], bool]] = {
    Unit.COUNT: _is_count,
    Unit.DATE: _is_date,
    Unit.DATETIME: _is_instant,
    Unit.TEXT: _is_text,
}
"""The value check of each unit; every unit not listed takes finite reals."""


def accepts(unit: Unit, value: object) -> bool:
    """Whether `value` may stand in a column of `unit` (`None` always may)."""
    return value is None or ACCEPTS.get(unit, _is_real)(value)


def _check_key(key: str, what: str) -> None:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ValueError(f"{what} key {key!r} is not a slug (a-z, 0-9, '_', '-'; at most 64)")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: a stable `key`, the `label` people read, and its `unit`.

    `unit` also accepts the unit's string value ("ratio") and stores the `Unit`.

    Raises:
        ValueError: the key is not a slug or the unit is unknown.
    """

    key: str
    label: str
    unit: Unit

    def __post_init__(self) -> None:
        _check_key(self.key, "column")
        object.__setattr__(self, "unit", Unit(self.unit))


@dataclass(frozen=True, slots=True)
class Table:
    """A titled grid of typed values; rows are tuples in column order.

    Rows given as other sequences (lists) are stored as tuples.

    Raises:
        ValueError: a key is not a slug, there is no column, a column key repeats,
            a row has the wrong number of values, or a value does not fit its unit.
    """

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...] = ()

    def __post_init__(self) -> None:
        _check_key(self.key, "table")
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "rows", tuple(tuple(row) for row in self.rows))
        self._check_columns()
        for number, row in enumerate(self.rows):
            self._check_row(number, row)

    def _check_columns(self) -> None:
        if not self.columns:
            raise ValueError(f"table {self.key!r} has no column")
        keys = [column.key for column in self.columns]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            raise ValueError(f"table {self.key!r} repeats column keys {repeated}")

    def _check_row(self, number: int, row: tuple[object, ...]) -> None:
        if len(row) != len(self.columns):
            raise ValueError(
                f"table {self.key!r}, row {number}: {len(row)} values "
                f"for {len(self.columns)} columns"
            )
        for column, value in zip(self.columns, row, strict=True):
            if not accepts(column.unit, value):
                raise ValueError(
                    f"table {self.key!r}, row {number}, column {column.key!r}: "
                    f"{value!r} is not a {column.unit.value} value"
                )

    def index(self, key: str) -> int:
        """The position of column `key`.

        Raises:
            KeyError: no column has that key.
        """
        for position, column in enumerate(self.columns):
            if column.key == key:
                return position
        raise KeyError(key)

    def values(self, key: str) -> tuple[object, ...]:
        """Every value of column `key`, in row order (e.g. to feed a chart)."""
        position = self.index(key)
        return tuple(row[position] for row in self.rows)
