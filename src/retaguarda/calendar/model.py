"""`BusinessCalendar`: the public face of the calendar package.

Invariants:
- A calendar is immutable once built (its configuration is checked in the
  constructor); the only state is the cache of span tables, grown on demand under a
  lock and replaced atomically, so a calendar may be shared between threads.
- Scalar and bulk operations read the same table with the same formulas (`scalar`,
  `bulk`); results are identical item by item.
- Inputs: aware datetimes (any zone) for the scalar API, `datetime64` arrays meaning
  UTC for the bulk API. A naive datetime is refused with `CalendarError`, never
  guessed. Sub-second parts are floored to the whole second.
- Outputs: aware datetimes in the calendar's zone; `datetime64[s]` (UTC) arrays;
  business seconds as ints / int64 arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from retaguarda.calendar import bulk, scalar
from retaguarda.calendar.errors import CalendarError
from retaguarda.calendar.explain import DayInfo, day_info, explain_add
from retaguarda.calendar.rules import DayRules
from retaguarda.calendar.spec import CalendarSpec, build_spec, spec_from_config
from retaguarda.calendar.table import (
    LAST_RESULT,
    SpanTable,
    TableCache,
    check_instant,
    epoch_seconds,
)
from retaguarda.calendar.units import Unit, amount_array, amount_value, parse_unit

I64 = npt.NDArray[np.int64]
NAT = np.iinfo(np.int64).min
MISSING = NAT
"""What `between_many` returns for a pair with a NaT (int64 min, which is NaT as timedelta64)."""

Amount = int | float | Decimal | Fraction


class BusinessCalendar:
    """Working time of one organisation: zone, weekly spans, holidays, exceptions.

    Args:
        timezone: IANA zone name, e.g. "America/Sao_Paulo".
        hours: day keys (`mon`..`sun`, ranges like `mon-fri`) to lists of "HH:MM-HH:MM".
        holidays: `{country, subdivision?, categories?, language?}` for the `holidays`
            package, or None for no public holidays.
        closed: extra dates without work.
        open: dates worked whatever else says: a date (its weekday's hours) or
            `{date, hours}`.
        key: the calendar's name in the configuration, kept as `cal.key`.

    Raises:
        CalendarError: the configuration is wrong; `field` names where.
    """

    def __init__(
        self,
        timezone: str,
        hours: Mapping[str, Sequence[str]],
        holidays: Mapping[str, Any] | None = None,
        closed: Sequence[date | str] = (),
        open: Sequence[date | str | Mapping[str, Any]] = (),
        *,
        key: str | None = None,
    ) -> None:
        spec = build_spec(
            timezone=timezone, hours=hours, holidays=holidays, closed=closed, open=open, key=key
        )
        self._init(spec)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> BusinessCalendar:
        """One entry of the configuration's `calendars:` list (`key` is optional)."""
        calendar = cls.__new__(cls)
        calendar._init(spec_from_config(config))
        return calendar

    def _init(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.key = spec.key
        self.zone = spec.zone
        self._rules = DayRules(spec)
        self._tables = TableCache(self._rules, spec.zone)

    def __repr__(self) -> str:
        return f"BusinessCalendar(key={self.key!r}, timezone={self.spec.timezone!r})"

    # -- scalar -------------------------------------------------------------------------

    def add(self, start: datetime, amount: Amount, unit: Unit | str) -> datetime:
        """The deadline `amount` `unit` after `start`, in the calendar's zone.

        Formula: see `retaguarda.calendar.scalar` and docs/sla.md ("Units"); hand-worked
        cases in tests/calendar/test_units.py.

        Raises:
            CalendarError: naive `start`, unknown unit, bad amount, or out of range.
        """
        kind = parse_unit(unit)
        value = amount_value(amount, kind)
        t = self._instant(start, "start")
        return self._local(self._add_seconds(t, value, kind))

    def between(self, a: datetime, b: datetime) -> int:
        """Business seconds from `a` to `b` (negative when `b` is before `a`).

        Formula: B(b) - B(a), B(t) = working seconds before t; tests/calendar/test_units.py.
        """
        ta, tb = self._instant(a, "a"), self._instant(b, "b")
        return scalar.between(self._tables.covering(min(ta, tb), max(ta, tb)), ta, tb)

    def _add_seconds(self, t: int, value: int, unit: Unit) -> int:
        if unit is Unit.CALENDAR_HOURS:
            return _checked_result(t + value)
        kernel = _SCALAR[unit]
        table = self._tables.covering(t, t)
        while (result := kernel(table, t, value)) is None:
            table = self._tables.grow(table, field="amount")
        return result

    # -- bulk ---------------------------------------------------------------------------

    def add_many(
        self, starts: npt.ArrayLike, amount: npt.ArrayLike, unit: Unit | str
    ) -> npt.NDArray[np.datetime64]:
        """Deadlines for many receipts at once: `datetime64[s]` (UTC), NaT for NaT.

        `starts` is a `datetime64` array of UTC instants (any unit; floored to seconds);
        `amount` one number or one per item. Equal item by item to `add`.
        """
        kind = parse_unit(unit)
        t = _seconds_array(starts, "starts")
        shape, t = t.shape, t.ravel()
        values = amount_array(amount, kind, t.size)
        t, missing = _fill_missing(t)
        if (missing is not None and missing.all()) or not t.size:
            return np.full(shape, NAT, dtype=np.int64).view("datetime64[s]")
        result = self._add_many_seconds(t, values, kind)
        if missing is not None:
            result[missing] = NAT
        return result.reshape(shape).view("datetime64[s]")

    def between_many(self, a: npt.ArrayLike, b: npt.ArrayLike) -> I64:
        """Business seconds for many pairs at once (int64; `MISSING` where a NaT is)."""
        ta, tb = _seconds_array(a, "a"), _seconds_array(b, "b")
        if ta.shape != tb.shape:
            raise CalendarError(f"has shape {ta.shape} but b has {tb.shape}", field="a")
        shape, ta, tb = ta.shape, ta.ravel(), tb.ravel()
        missing = None
        if ta.size and min(int(ta.min()), int(tb.min())) == NAT:
            missing = (ta == NAT) | (tb == NAT)
            if missing.all():
                return np.full(shape, MISSING, dtype=np.int64)
            fill = ta[~missing].flat[0]
            ta, tb = np.where(missing, fill, ta), np.where(missing, fill, tb)
        if not ta.size:
            return np.zeros(shape, dtype=np.int64)
        bounds = [(int(x.min()), int(x.max()), name) for x, name in ((ta, "a"), (tb, "b"))]
        for low, high, name in bounds:
            check_instant(low, name)
            check_instant(high, name)
        lo, hi = min(b[0] for b in bounds), max(b[1] for b in bounds)
        result = bulk.between(self._tables.covering(lo, hi), ta, tb)
        if missing is not None:
            result[missing] = MISSING
        return result.reshape(shape)

    def _add_many_seconds(self, t: I64, values: I64 | int, unit: Unit) -> I64:
        lo, hi = int(t.min()), int(t.max())
        check_instant(lo, "starts")
        check_instant(hi, "starts")
        largest = values if isinstance(values, int) else int(values.max())
        if unit is Unit.CALENDAR_HOURS:
            _checked_result(hi + largest)
            result: I64 = t + values
            return result
        # Results grow with the instant and the amount: if the table reaches the latest
        # instant's result for the largest amount, it reaches every result.
        table = self._tables.covering(lo, hi)
        while _SCALAR[unit](table, hi, largest) is None:
            table = self._tables.grow(table, field="amount")
        return _BULK[unit](table, t, values)

    # -- explain ------------------------------------------------------------------------

    def day(self, day: date) -> DayInfo:
        """What `day` (a local date) is: working or not, why, and its spans."""
        if not isinstance(day, date) or isinstance(day, datetime):
            raise CalendarError(f"must be a date, got {day!r}", field="day")
        t = epoch_seconds(datetime(day.year, day.month, day.day, 12, tzinfo=self.zone))
        check_instant(t, "day")
        return day_info(self._tables.covering(t, t), self._rules, day)

    def explain_add(self, start: datetime, amount: Amount, unit: Unit | str) -> list[str]:
        """`add` in plain English steps, the last one naming the deadline."""
        kind = parse_unit(unit)
        value = amount_value(amount, kind)
        t = self._instant(start, "start")
        due = self._add_seconds(t, value, kind)
        table = self._tables.covering(t, max(t, due))
        return explain_add(table, self._rules, t, due, amount, kind)

    # -- conversions --------------------------------------------------------------------

    def _instant(self, moment: datetime, field: str) -> int:
        if not isinstance(moment, datetime):
            raise CalendarError(f"must be a datetime, got {moment!r}", field=field)
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise CalendarError(
                f"naive datetime {moment.isoformat()}: give it a time zone", field=field
            )
        t = epoch_seconds(moment)
        check_instant(t, field)
        return t

    def _local(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, self.zone)


_ScalarKernel = Callable[[SpanTable, int, int], "int | None"]
_BulkKernel = Callable[[SpanTable, I64, "I64 | int"], I64]
_SCALAR: dict[Unit, _ScalarKernel] = {
    Unit.BUSINESS_HOURS: scalar.add_business_seconds,
    Unit.BUSINESS_DAYS: scalar.add_business_days,
    Unit.CALENDAR_DAYS: scalar.add_calendar_days,
}
_BULK: dict[Unit, _BulkKernel] = {
    Unit.BUSINESS_HOURS: bulk.add_business_seconds,
    Unit.BUSINESS_DAYS: bulk.add_business_days,
    Unit.CALENDAR_DAYS: bulk.add_calendar_days,
}


def _checked_result(t: int) -> int:
    if t > LAST_RESULT:
        raise CalendarError("the result falls after the year 2199", field="amount")
    return t


def _seconds_array(values: npt.ArrayLike, field: str) -> I64:
    """UTC `datetime64` of any unit → int64 seconds (floored), same shape; NaT stays NaT."""
    array = np.asarray(values)
    if array.dtype.kind != "M":
        raise CalendarError(
            f"must be a datetime64 array of UTC instants, got {array.dtype}", field=field
        )
    seconds: I64 = array.astype("datetime64[s]", copy=False).view(np.int64)
    return seconds


def _fill_missing(t: I64) -> tuple[I64, npt.NDArray[np.bool_] | None]:
    """Replace NaT by a present instant (the result is masked back); None: none missing."""
    if not t.size or int(t.min()) != NAT:
        return t, None
    missing = t == NAT
    if missing.all():
        return t, missing
    return np.where(missing, t[~missing].flat[0], t), missing
