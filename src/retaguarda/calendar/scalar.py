"""Exact scalar kernels over a span table (Python ints and `bisect`).

Invariants:
- Every function takes and returns whole seconds since the epoch (UTC) and reads one
  immutable `SpanTable`; a result the table cannot reach yet is `None`, and the caller
  grows the table and asks again.
- Formulas (B(t) = business seconds before t, see `table`):
  - business_hours S > 0: the earliest t' with B(t') = B(t) + S (a deadline falling on a
    closing time is that closing time); S = 0 gives t itself.
  - business_days N >= 1: the end of the last span of the N-th business day after the
    local date of t (that date never counts).
  - calendar_days N >= 0: the first instant of the local date N + 1 days after t's.
  - between(a, b) = B(b) - B(a), negative when b < a.
  Hand-worked cases: tests/calendar/test_units.py. `bulk` computes the same formulas on
  arrays; tests/calendar/test_properties.py checks both against a day-by-day reference.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from retaguarda.calendar.table import SpanTable


def business_before(table: SpanTable, t: int) -> int:
    """B(t): business seconds between the table's start and t."""
    i = bisect_right(table.starts_l, t) - 1
    return min(t - table.base_l[i], table.cum_end_l[i])


def local_day(table: SpanTable, t: int) -> int:
    """Index of t's local date in the table."""
    return bisect_right(table.midnights_l, t) - 1


def add_business_seconds(table: SpanTable, t: int, seconds: int) -> int | None:
    if seconds == 0:
        return t
    target = business_before(table, t) + seconds
    if target > table.cum_end_l[-1]:
        return None
    j = bisect_left(table.cum_end_l, target)
    return target + table.base_l[j]


def add_business_days(table: SpanTable, t: int, days: int) -> int | None:
    index = table.bday_count_l[local_day(table, t) + 1] + days - 1
    return table.bday_end_l[index] if index < len(table.bday_end_l) else None


def add_calendar_days(table: SpanTable, t: int, days: int) -> int | None:
    index = local_day(table, t) + days + 1
    return table.midnights_l[index] if index < len(table.midnights_l) else None


def between(table: SpanTable, a: int, b: int) -> int:
    return business_before(table, b) - business_before(table, a)
