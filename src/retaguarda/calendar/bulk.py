"""Vectorised kernels over a span table: the scalar formulas on int64 arrays.

Invariants:
- Same inputs, same formulas and same table as `scalar`, so the results are equal
  item by item (checked by tests/calendar/test_properties.py). No Python loop per item:
  each operation is a few bucket-index lookups (`SortedIndex`), gathers and
  arithmetic passes over the arrays, in place where possible.
- Preconditions, established by the caller with the scalar kernels on the largest
  instant and amount (results are monotone in both): every instant lies inside the
  table, has no NaT, and every result is reachable in the table.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from retaguarda.calendar.table import SpanTable

I64 = npt.NDArray[np.int64]


def business_before(table: SpanTable, t: I64) -> I64:
    i = table.start_index.find(t)
    result: I64 = t - table.base[i]
    np.minimum(result, table.cum_end[i], out=result)
    return result


def add_business_seconds(table: SpanTable, t: I64, seconds: I64 | int) -> I64:
    if isinstance(seconds, int) and seconds == 0:
        return t.copy()
    target = business_before(table, t)
    target += seconds
    j = table.cum_index.find(target)
    target += table.base[j]
    if not isinstance(seconds, int):
        zero = seconds == 0
        if zero.any():
            target[zero] = t[zero]
    return target


def add_business_days(table: SpanTable, t: I64, days: I64 | int) -> I64:
    index = table.bday_through[table.midnight_index.find(t)]
    index += days
    result: I64 = table.bday_end[index]
    return result


def add_calendar_days(table: SpanTable, t: I64, days: I64 | int) -> I64:
    index = table.midnight_index.find(t)
    index += days + 1
    result: I64 = table.midnights[index]
    return result


def between(table: SpanTable, a: I64, b: I64) -> I64:
    result = business_before(table, b)
    result -= business_before(table, a)
    return result
