"""Span tables: a calendar's working time as sorted UTC arrays, built a year at a time.

Invariants:
- Times are int64 seconds since 1970-01-01T00:00:00Z; local dates are indices from
  `SpanTable.first`.
- `midnights[k]` is the first instant whose local date is day `k` (length ndays + 1,
  the last entry closes the table), strictly increasing.
- Spans are the days' wall-clock spans converted to UTC day by day with zoneinfo's
  `fold=0` (a boundary in a spring-forward gap takes the offset before the change; one
  in a fall-back overlap is its first occurrence). Converted spans are then made
  disjoint and sorted: a span never starts before an earlier one ends, and one left
  empty is dropped. So `starts` and `ends` are non-decreasing and `starts <= ends`.
- Index 0 of the span arrays is a zero-length sentinel at the table's first instant,
  so every covered instant has a span starting at or before it.
- `cum_end[i]` is the business seconds up to the end of span i; `base[i]` is
  `starts[i]` minus the business seconds before span i. Then for a covered instant t,
  with i the last span starting at or before t, the business seconds before t are
  `B(t) = min(t - base[i], cum_end[i])`, and the earliest instant reaching a target
  T > 0 is `T + base[j]` with j the first span whose `cum_end[j] >= T`.
- A business day is a local date with at least one (non-empty, converted) span;
  `bday_count[k]` counts business days before day k, `bday_end[n]` is the end of the
  last span of the n-th business day of the table.
- A table is immutable; growing builds a new one, so readers keep a consistent
  snapshot while another thread extends the cache.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from retaguarda.calendar.errors import CalendarError
from retaguarda.calendar.rules import DayRules

I64 = npt.NDArray[np.int64]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_SECOND = timedelta(seconds=1)
DAY = 86_400
MIN_YEAR = 1900
MAX_YEAR = 2199
# Instants accepted as input: a year of slack inside the tables' years, so the local
# date of any accepted instant (and the day after it) lies inside a buildable table.
FIRST_INSTANT = (datetime(MIN_YEAR + 1, 1, 1, tzinfo=UTC) - EPOCH) // ONE_SECOND
LAST_INSTANT = (datetime(MAX_YEAR, 1, 1, tzinfo=UTC) - EPOCH) // ONE_SECOND
# Results (deadlines) may go up to the end of the last buildable year.
LAST_RESULT = (datetime(MAX_YEAR, 12, 31, tzinfo=UTC) - EPOCH) // ONE_SECOND


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the epoch of an aware datetime, sub-second part floored."""
    return (moment - EPOCH) // ONE_SECOND


def local_instant(zone: ZoneInfo, day: date, seconds: int) -> int:
    """The instant of wall-clock `seconds` after midnight of `day` (fold=0; 86400 = 24:00)."""
    wall = datetime.combine(day, time()) + timedelta(seconds=seconds)
    return epoch_seconds(wall.replace(tzinfo=zone))


def local_date(zone: ZoneInfo, instant: int) -> date:
    return datetime.fromtimestamp(instant, zone).date()


def first_instant(zone: ZoneInfo, day: date) -> int:
    """The first instant whose local date is `day`.

    Local midnight when it exists once; when the clock changes at midnight (it is
    skipped or repeated), the first instant of the day, found by bisection.
    """
    wall = datetime.combine(day, time())
    early = epoch_seconds(wall.replace(tzinfo=zone))
    late = epoch_seconds(wall.replace(tzinfo=zone, fold=1))
    if early == late:
        return early
    lo, hi = min(early, late) - 1, max(early, late)
    if local_date(zone, lo) >= day or local_date(zone, hi) < day:
        return early
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if local_date(zone, mid) >= day:
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True, slots=True)
class RawDays:
    """Local dates [first, first + ndays) before the spans are made disjoint."""

    first: date
    midnights: I64  # ndays + 1
    span_day: I64
    span_start: I64
    span_end: I64

    @property
    def ndays(self) -> int:
        return len(self.midnights) - 1

    @property
    def stop(self) -> date:
        return self.first + timedelta(days=self.ndays)


def build_raw(rules: DayRules, zone: ZoneInfo, first: date, stop: date) -> RawDays:
    """Convert the wall-clock spans of each local date in [first, stop) to UTC."""
    rules.load_years(range(first.year, stop.year + 1))
    ndays = (stop - first).days
    midnights = [first_instant(zone, first + timedelta(days=k)) for k in range(ndays + 1)]
    span_day: list[int] = []
    span_start: list[int] = []
    span_end: list[int] = []
    for k in range(ndays):
        day = first + timedelta(days=k)
        spans, _reason = rules.classify(day)
        for start, end in spans:
            span_day.append(k)
            span_start.append(local_instant(zone, day, start))
            span_end.append(local_instant(zone, day, end))
    return RawDays(
        first,
        np.array(midnights, dtype=np.int64),
        np.array(span_day, dtype=np.int64),
        np.array(span_start, dtype=np.int64),
        np.array(span_end, dtype=np.int64),
    )


def join(before: RawDays, after: RawDays) -> RawDays:
    """Two adjacent ranges as one (`before.stop == after.first`)."""
    assert before.stop == after.first
    return RawDays(
        before.first,
        np.concatenate([before.midnights[:-1], after.midnights]),
        np.concatenate([before.span_day, after.span_day + before.ndays]),
        np.concatenate([before.span_start, after.span_start]),
        np.concatenate([before.span_end, after.span_end]),
    )


@dataclass(frozen=True, slots=True, eq=False)
class SortedIndex:
    """Search a sorted int64 array in O(1) per query, through equal-width buckets.

    `kind="last_le"`: the last i with `values[i] <= x` (searchsorted right, minus one);
    `kind="first_ge"`: the first i with `values[i] >= x` (searchsorted left). Queries
    must lie in [values[0], upper], which callers guarantee (instants inside the table,
    targets not beyond its last business second).

    Bucket b covers [origin + b*width, origin + (b+1)*width); `first[b]` is the answer
    at its left edge and at most `steps` values fall inside one bucket, so `steps`
    vectorised compare-and-advance passes finish the search (0 for evenly spaced
    values such as the midnights of a zone without DST). When values cluster so much
    that `steps` would exceed a few, `find` uses `np.searchsorted` instead.
    """

    values: I64
    probe: I64  # the value compared at each guess, padded with int64 max at the end
    origin: int
    width: int
    first: I64
    steps: int
    kind: Literal["last_le", "first_ge"]

    def find(self, x: I64) -> I64:
        if self.steps > _MAX_STEPS:
            if self.kind == "last_le":
                found: I64 = np.searchsorted(self.values, x, side="right") - 1
                return found
            return np.searchsorted(self.values, x, side="left")
        bucket = x - self.origin
        bucket //= self.width
        guess: I64 = self.first[bucket]
        probe = self.probe
        for _ in range(self.steps):
            if self.kind == "last_le":
                guess += probe[guess] <= x
            else:
                guess += probe[guess] < x
        return guess


_MAX_STEPS = 6


def sorted_index(
    values: I64, kind: Literal["last_le", "first_ge"], upper: int, width: int | None = None
) -> SortedIndex:
    """Build the buckets for queries in [values[0], upper] (width: half the mean gap)."""
    origin = int(values[0])
    extent = max(upper, int(values[-1])) - origin
    if width is None:
        width = max(1, extent // (2 * len(values)))
    edges = origin + np.arange(extent // width + 2, dtype=np.int64) * width
    pad = np.array([np.iinfo(np.int64).max], dtype=np.int64)
    if kind == "last_le":
        at_edges = np.searchsorted(values, edges, side="right") - 1
        inside = np.searchsorted(values, edges[1:], side="left") - (at_edges[:-1] + 1)
        probe = np.concatenate([values[1:], pad])
    else:
        at_edges = np.searchsorted(values, edges, side="left")
        inside = np.diff(at_edges)
        probe = np.concatenate([values, pad])
    steps = int(inside.max()) if len(inside) else 0
    return SortedIndex(values, probe, origin, width, at_edges.astype(np.int64), steps, kind)


@dataclass(frozen=True, slots=True, eq=False)
class SpanTable:
    """The arrays of the module invariants, with list copies for the scalar path."""

    first: date
    midnights: I64
    starts: I64
    ends: I64
    base: I64
    cum_end: I64
    day_lo: I64
    bday_count: I64
    bday_through: I64  # bday_count[k + 1] - 1: ordinal of the last business day <= day k
    bday_end: I64
    bday_day: I64
    start_index: SortedIndex
    cum_index: SortedIndex
    midnight_index: SortedIndex
    midnights_l: list[int]
    starts_l: list[int]
    ends_l: list[int]
    base_l: list[int]
    cum_end_l: list[int]
    bday_count_l: list[int]
    bday_end_l: list[int]

    @property
    def ndays(self) -> int:
        return len(self.midnights) - 1

    @property
    def stop(self) -> date:
        return self.first + timedelta(days=self.ndays)

    def day_spans(self, k: int) -> list[tuple[int, int]]:
        """UTC spans of day index `k`."""
        lo, hi = int(self.day_lo[k]), int(self.day_lo[k + 1])
        return list(zip(self.starts[lo:hi].tolist(), self.ends[lo:hi].tolist(), strict=True))


def assemble(raw: RawDays) -> SpanTable:
    """Make the spans disjoint and derive the cumulative and business-day arrays."""
    start, end, day = raw.span_start, raw.span_end, raw.span_day
    reach = np.maximum.accumulate(np.maximum(start, end)) if len(start) else start
    previous = np.concatenate([[np.iinfo(np.int64).min], reach[:-1]]) if len(start) else start
    start = np.maximum(start, previous)
    end = np.maximum(end, start)
    keep = end > start
    start, end, day = start[keep], end[keep], day[keep]
    sentinel = min(int(raw.midnights[0]), int(start[0])) if len(start) else int(raw.midnights[0])
    starts = np.concatenate([[sentinel], start]).astype(np.int64)
    ends = np.concatenate([[sentinel], end]).astype(np.int64)
    duration = ends - starts
    cum_end = np.cumsum(duration)
    base = starts - (cum_end - duration)
    day_lo = (np.searchsorted(day, np.arange(raw.ndays + 1), side="left") + 1).astype(np.int64)
    is_business = np.diff(day_lo) > 0
    bday_count = np.concatenate([[0], np.cumsum(is_business)]).astype(np.int64)
    bday_day = np.flatnonzero(is_business).astype(np.int64)
    bday_end = ends[day_lo[bday_day + 1] - 1]
    return SpanTable(
        first=raw.first,
        midnights=raw.midnights,
        starts=starts,
        ends=ends,
        base=base,
        cum_end=cum_end,
        day_lo=day_lo,
        bday_count=bday_count,
        bday_end=bday_end,
        bday_day=bday_day,
        bday_through=bday_count[1:] - 1,
        start_index=sorted_index(starts, "last_le", int(raw.midnights[-1])),
        cum_index=sorted_index(cum_end, "first_ge", int(cum_end[-1])),
        midnight_index=sorted_index(raw.midnights, "last_le", int(raw.midnights[-1]), DAY),
        midnights_l=raw.midnights.tolist(),
        starts_l=starts.tolist(),
        ends_l=ends.tolist(),
        base_l=base.tolist(),
        cum_end_l=cum_end.tolist(),
        bday_count_l=bday_count.tolist(),
        bday_end_l=bday_end.tolist(),
    )


def check_instant(instant: int, field: str) -> None:
    if not FIRST_INSTANT <= instant < LAST_INSTANT:
        shown = (
            (EPOCH + timedelta(seconds=instant)).isoformat() if abs(instant) < 2**37 else instant
        )
        raise CalendarError(
            f"{shown} is outside the supported range {MIN_YEAR + 1}-{MAX_YEAR - 1}", field=field
        )


class TableCache:
    """The growing table of one calendar: whole years, extended on demand, thread-safe."""

    def __init__(self, rules: DayRules, zone: ZoneInfo) -> None:
        self._rules = rules
        self._zone = zone
        self._raw: RawDays | None = None
        self._table: SpanTable | None = None
        self._lock = threading.Lock()

    def covering(self, lo: int, hi: int) -> SpanTable:
        """A table whose days include the instants lo..hi (already range-checked)."""
        table = self._table
        if table is not None and table.midnights_l[0] <= lo and hi < table.midnights_l[-1]:
            return table
        first = datetime.fromtimestamp(lo - 2 * DAY, UTC).year
        last = datetime.fromtimestamp(hi + 2 * DAY, UTC).year
        return self._cover_years(first, last)

    def grow(self, table: SpanTable, *, field: str) -> SpanTable:
        """A table reaching further into the future than `table` (doubling its years)."""
        last = table.stop.year - 1
        if last >= MAX_YEAR:
            raise CalendarError(f"the result falls after the year {MAX_YEAR}", field=field)
        years = last - table.first.year + 1
        return self._cover_years(table.first.year, min(MAX_YEAR, last + max(1, years)))

    def _cover_years(self, first: int, last: int) -> SpanTable:
        with self._lock:
            raw = self._raw
            if raw is None:
                raw = build_raw(self._rules, self._zone, date(first, 1, 1), date(last + 1, 1, 1))
            else:
                if first < raw.first.year:
                    early = build_raw(self._rules, self._zone, date(first, 1, 1), raw.first)
                    raw = join(early, raw)
                if last >= raw.stop.year:
                    late = build_raw(self._rules, self._zone, raw.stop, date(last + 1, 1, 1))
                    raw = join(raw, late)
            if raw is not self._raw or self._table is None:
                self._raw, self._table = raw, assemble(raw)
            return self._table
