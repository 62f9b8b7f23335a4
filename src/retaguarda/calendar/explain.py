"""Plain-English accounts of a calendar: what a day is, and why a deadline is what it is.

Invariants:
- Everything here reads the same span table and `DayRules.classify` as the
  arithmetic; it recomputes nothing on its own, so an explanation cannot contradict
  the deadline it explains (the deadline is passed in, computed by `scalar`).
- Lines are short, English, in the calendar's local time; dates are written
  "Friday 2026-04-17", times "19:40" (":SS" only when not zero), offsets "-03:00".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from retaguarda.calendar.rules import DayRules
from retaguarda.calendar.scalar import between as table_between
from retaguarda.calendar.scalar import local_day
from retaguarda.calendar.spec import WEEKDAY_NAMES
from retaguarda.calendar.table import SpanTable
from retaguarda.calendar.units import Unit


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One local date: its working spans (aware, in the calendar's zone) and why it is special.

    `reason` is None for an ordinary working day, else "weekend", "closed",
    "holiday: <name>", "open (exception)" or "no hours on <Weekday>s".
    """

    date: date
    spans: tuple[tuple[datetime, datetime], ...]
    working: bool
    reason: str | None

    @property
    def business_seconds(self) -> int:
        # Through UTC: Python subtracts two datetimes of the same zone on the wall clock.
        return sum(
            (end.astimezone(UTC) - start.astimezone(UTC)) // timedelta(seconds=1)
            for start, end in self.spans
        )


def day_info(table: SpanTable, rules: DayRules, day: date) -> DayInfo:
    zone = rules.spec.zone
    spans = tuple(
        (_at(zone, start), _at(zone, end)) for start, end in table.day_spans(_index(table, day))
    )
    reason = rules.classify(day)[1]
    if not spans and reason is None:
        reason = "no working time left after the clock change"
    return DayInfo(day, spans, bool(spans), reason)


def explain_add(
    table: SpanTable, rules: DayRules, t: int, due: int, amount: object, unit: Unit
) -> list[str]:
    """The steps from receipt `t` to deadline `due` (both epoch seconds)."""
    zone = rules.spec.zone
    received = _at(zone, t)
    first = _received(table, rules, t)
    if unit is Unit.BUSINESS_DAYS:
        return [first, *_business_days(table, rules, t, due, amount)]
    if unit is Unit.BUSINESS_HOURS:
        return [first, *_business_hours(table, rules, t, due, amount)]
    deadline = _at(zone, due)
    if unit is Unit.CALENDAR_DAYS:
        last = _date(table, local_day(table, due) - 1)
        return [
            first,
            f"counting {_plural(amount, 'calendar day')} after {fmt_day(received.date())}",
            f"due at {_clock(deadline)} {_offset(deadline)} on {fmt_day(deadline.date())} "
            f"(the end of {fmt_day(last)})",
        ]
    lines = [first, f"due {_plural(amount, 'hour')} later: {fmt_moment(deadline)}"]
    if received.utcoffset() != deadline.utcoffset():
        lines.append(
            f"the clock changed from {_offset(received)} to {_offset(deadline)} in between"
        )
    return lines


def _received(table: SpanTable, rules: DayRules, t: int) -> str:
    zone = rules.spec.zone
    when = _at(zone, t)
    day = when.date()
    spans = table.day_spans(_index(table, day))
    if not spans:
        reason = rules.classify(day)[1] or "no working time"
        status = f"outside hours: {reason}"
    elif any(start <= t < end for start, end in spans):
        status = "within hours"
    else:
        status = "outside hours"
    return f"received {fmt_day(day)} {_clock(when)} ({status})"


def _business_days(
    table: SpanTable, rules: DayRules, t: int, due: int, amount: object
) -> list[str]:
    zone = rules.spec.zone
    receipt, last = local_day(table, t), local_day(table, due)
    counted = [k for k in range(receipt + 1, last + 1) if table.day_spans(k)]
    start_day = _date(table, counted[0])
    lead = "the day of receipt does not count; " if table.day_spans(receipt) else ""
    lines = [f"{lead}counting {_plural(amount, 'business day')} from {fmt_day(start_day)}"]
    lines += _skipped(table, rules, receipt + 1, last)
    lines.append("business days counted: " + ", ".join(str(_date(table, k)) for k in counted))
    deadline = _at(zone, due)
    lines.append(
        f"due at the end of {fmt_day(_date(table, last))}, {_clock(deadline)} {_offset(deadline)}"
    )
    return lines


def _business_hours(
    table: SpanTable, rules: DayRules, t: int, due: int, amount: object
) -> list[str]:
    zone = rules.spec.zone
    if due == t:
        return [f"0 business hours: due at receipt, {fmt_moment(_at(zone, t))}"]
    opening = max(t, table.starts_l[bisect_right(table.ends_l, t)])
    lines = [f"counting {_plural(amount, 'business hour')} from {fmt_moment(_at(zone, opening))}"]
    receipt, last = local_day(table, t), local_day(table, due)
    left = table_between(table, t, due)
    skip_from = receipt + 1
    for k in range(receipt, last + 1):
        spans = [(max(s, t), min(e, due)) for s, e in table.day_spans(k) if e > t and s < due]
        if not spans:
            continue
        lines += _skipped(table, rules, skip_from, k)
        skip_from = k + 1
        used = sum(e - s for s, e in spans)
        left -= used
        shown = ", ".join(f"{_clock(_at(zone, s))}-{_clock(_at(zone, e))}" for s, e in spans)
        lines.append(
            f"{fmt_day(_date(table, k))}: {fmt_duration(used)} counted ({shown}), "
            f"{fmt_duration(left)} left"
        )
    deadline = _at(zone, due)
    closing = " (closing time)" if table.ends_l[bisect_left(table.ends_l, due)] == due else ""
    lines.append(f"due {fmt_moment(deadline)}{closing}")
    return lines


def _skipped(table: SpanTable, rules: DayRules, lo: int, hi: int) -> list[str]:
    """Runs of non-working days in [lo, hi) sharing a reason, one line per run."""
    runs: list[tuple[date, date, str]] = []
    for k in range(lo, hi):
        if table.day_spans(k):
            continue
        day = _date(table, k)
        reason = rules.classify(day)[1] or "no working time"
        if runs and runs[-1][2] == reason and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day, reason)
        else:
            runs.append((day, day, reason))
    return [_skip_line(first, last, reason) for first, last, reason in runs]


def _skip_line(first: date, last: date, reason: str) -> str:
    kind, _, name = reason.partition(": ")
    why = f"{kind} ({name})" if name else reason
    span = fmt_day(first) if first == last else f"{fmt_day(first)} to {fmt_day(last)}"
    return f"{span} skipped: {why}"


def fmt_day(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.isoformat()}"


def fmt_moment(moment: datetime) -> str:
    return f"{fmt_day(moment.date())} {_clock(moment)} {_offset(moment)}"


def fmt_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs else "")
    return " ".join(p for p in parts if p) or "0 h"


def _plural(amount: object, noun: str) -> str:
    return f"{amount} {noun}" if amount == 1 else f"{amount} {noun}s"


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:5]}"


def _at(zone: ZoneInfo, t: int) -> datetime:
    return datetime.fromtimestamp(t, zone)


def _date(table: SpanTable, k: int) -> date:
    return table.first + timedelta(days=k)


def _index(table: SpanTable, day: date) -> int:
    return (day - table.first).days
