"""People: each agent's time and output over a window, and their teams' (the "People"
section of docs/indicators.md holds the written definitions).

Time is whole epoch seconds; an interval is half-open, [start, end).

Invariants:
- `Intervals` are normalized: sorted, disjoint, not touching and none empty. Every
  operation (union, intersection, difference, clip) returns normalized intervals,
  whatever overlaps its inputs have, by one sweep over the sorted edges: no Python
  loop over intervals (tests/domain/kpi/test_workforce.py checks each against a
  count second by second).
- A presence `Timeline` covers its window exactly, in runs of one status with no two
  neighbours alike; the status at each instant is the one set by the last change at
  or before it (offline before any change).
- Every ratio is a quotient of two sums (`Tally`, one agent's or a team's), never an
  average of ratios; a ratio whose denominator is 0 is None.
- Pure: the window and its end ("now" at the latest) are arguments, and an agent's
  schedule enters as a `Measure` (the working seconds of each interval).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.catalog import Agent
from retaguarda.domain.kpi.indicator import Indicator
from retaguarda.domain.kpi.tables import Unit

I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Measure = Callable[[I64, I64], I64]
"""Working seconds of each interval [a[i], b[i]) (a <= b), for a schedule."""

HOUR = 3600
MAX_DAYS = 366  # longest window of one report
EARLIEST = datetime(1901, 1, 1, tzinfo=UTC)  # calendars measure from 1901 on

AVAILABLE, BUSY, AWAY, OFFLINE = 0, 1, 2, 3
STATUS_CODES: Mapping[str, int] = {
    "available": AVAILABLE,
    "busy": BUSY,
    "away": AWAY,
    "offline": OFFLINE,
}
ON_DUTY = (AVAILABLE, BUSY)

PEOPLE: tuple[Indicator, ...] = (
    Indicator(
        "items_handled",
        "indicator.items_handled",
        Unit.COUNT,
        "people",
        "distinct items the agent had in progress, or resolved, in the window",
    ),
    Indicator(
        "items_resolved",
        "indicator.items_resolved",
        Unit.COUNT,
        "people",
        "resolved events in the window whose assignee (right after) is the agent",
    ),
    Indicator(
        "productivity_per_hour",
        "indicator.productivity_per_hour",
        Unit.NUMBER,
        "people",
        "items_resolved / hours on duty (presence available or busy)",
    ),
    Indicator(
        "occupancy",
        "indicator.occupancy",
        Unit.RATIO,
        "people",
        "time on duty with an item in progress / time on duty",
    ),
    Indicator(
        "absenteeism",
        "indicator.absenteeism",
        Unit.RATIO,
        "people",
        "scheduled time offline and not in a planned absence / scheduled time not in one",
    ),
    Indicator(
        "mean_unavailability_seconds",
        "indicator.mean_unavailability_seconds",
        Unit.SECONDS,
        "people",
        "mean length of the away spells inside scheduled time (planned absences excluded)",
    ),
)


def _int64(values: npt.ArrayLike) -> I64:
    return np.asarray(values, dtype=np.int64).reshape(-1)


# -- intervals --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Intervals:
    """A normalized set of intervals (module invariants); build it with `of`."""

    start: I64
    end: I64

    @staticmethod
    def of(start: npt.ArrayLike, end: npt.ArrayLike) -> Intervals:
        """The union of the [start[i], end[i]): any order, overlaps and empty ones."""
        edges, (cover,) = _sweep((_int64(start), _int64(end)))
        return _select(edges, cover > 0)

    @staticmethod
    def empty() -> Intervals:
        return Intervals(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.start)

    @property
    def seconds(self) -> int:
        """The total length."""
        return int((self.end - self.start).sum())

    def clip(self, lo: int, hi: int) -> Intervals:
        """The part inside [lo, hi)."""
        start, end = np.maximum(self.start, lo), np.minimum(self.end, hi)
        keep = start < end
        return Intervals(start[keep], end[keep])

    def __or__(self, other: Intervals) -> Intervals:
        edges, (a, b) = _sweep((self.start, self.end), (other.start, other.end))
        return _select(edges, (a > 0) | (b > 0))

    def __and__(self, other: Intervals) -> Intervals:
        edges, (a, b) = _sweep((self.start, self.end), (other.start, other.end))
        return _select(edges, (a > 0) & (b > 0))

    def __sub__(self, other: Intervals) -> Intervals:
        edges, (a, b) = _sweep((self.start, self.end), (other.start, other.end))
        return _select(edges, (a > 0) & (b == 0))

    def measured(self, measure: Measure) -> I64:
        """Each interval's measure (e.g. its working seconds)."""
        return _int64(measure(self.start, self.end))


def _sweep(*sets: tuple[I64, I64]) -> tuple[I64, list[I64]]:
    """The elementary segments [edges[k], edges[k + 1]) between every boundary of
    `sets`, and for each set how many of its (non-empty) intervals cover each one."""
    kept = [(s[s < e], e[s < e]) for s, e in sets]
    edges = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *(x for p in kept for x in p)]))
    n = len(edges)
    covers = []
    for start, end in kept:
        delta = np.bincount(np.searchsorted(edges, start), minlength=n) - np.bincount(
            np.searchsorted(edges, end), minlength=n
        )
        covers.append(np.cumsum(delta)[:-1] if n else np.zeros(0, dtype=np.int64))
    return edges, covers


def _select(edges: I64, keep: Bools) -> Intervals:
    """The chosen elementary segments, neighbours merged."""
    chosen = np.flatnonzero(keep)
    if not len(chosen):
        return Intervals.empty()
    opens = np.ones(len(chosen), dtype=bool)
    opens[1:] = np.diff(chosen) > 1
    closes = np.append(opens[1:], True)
    return Intervals(edges[chosen[opens]], edges[chosen[closes] + 1])


# -- presence ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Timeline:
    """An agent's presence over [lo, hi): consecutive runs, one status each."""

    start: I64
    end: I64
    status: I64

    def runs(self, *codes: int) -> Intervals:
        """The time in any of `codes` (runs of one code are the maximal spells)."""
        chosen = np.isin(self.status, codes)
        return Intervals.of(self.start[chosen], self.end[chosen])


def timeline(at: npt.ArrayLike, status: npt.ArrayLike, lo: int, hi: int) -> Timeline:
    """The presence over [lo, hi) from the agent's changes in order (instant, then
    the order they were recorded): at least every change inside the window and the
    last one at or before `lo` (none: offline until the first)."""
    at, status = _int64(at), _int64(status)
    if hi <= lo:
        return Timeline(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
    before = np.flatnonzero(at <= lo)
    first = status[before[-1]] if len(before) else OFFLINE
    inside = (at > lo) & (at < hi)
    start = np.concatenate([[lo], at[inside]]).astype(np.int64)
    code = np.concatenate([[first], status[inside]]).astype(np.int64)
    end = np.append(start[1:], hi)
    lasted = end > start  # of changes at one instant, the last holds
    start, code = start[lasted], code[lasted]
    new = np.ones(len(code), dtype=bool)
    new[1:] = code[1:] != code[:-1]
    start, code = start[new], code[new]
    return Timeline(start, np.append(start[1:], hi).astype(np.int64), code)


# -- schedules --------------------------------------------------------------------------


def wall_clock(a: I64, b: I64) -> I64:
    """Every second counts (no schedule)."""
    return _int64(b - a)


def never(a: I64, b: I64) -> I64:  # noqa: ARG001
    """No second is scheduled (a schedule whose calendar is gone)."""
    return np.zeros(len(a), dtype=np.int64)


def working_seconds(calendar: BusinessCalendar) -> Measure:
    """The working seconds of `calendar` in each interval (its bulk `between_many`)."""

    def measure(a: I64, b: I64) -> I64:
        return _int64(
            calendar.between_many(_int64(a).view("datetime64[s]"), _int64(b).view("datetime64[s]"))
        )

    return measure


# -- one agent, one team ----------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class AgentLog:
    """What the database holds about one agent for a window (epoch seconds).

    `presence_*`: their presence changes in order (see `timeline`); `work_*`: the
    in_progress spans assigned to them (open ones end at the window's end);
    `absence_*`: their planned absences; `handled`, `resolved`: counted by the
    database (docs/indicators.md)."""

    presence_at: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    presence_status: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    work_start: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    work_end: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    absence_start: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    absence_end: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    handled: int = 0
    resolved: int = 0


@dataclass(frozen=True, slots=True)
class Tally:
    """The sums the figures are quotients of, for one agent or a team (seconds)."""

    agents: int = 0
    handled: int = 0
    resolved: int = 0
    on_duty_s: int = 0  # available or busy
    in_progress_s: int = 0  # on duty with an item in progress
    scheduled_agents: int = 0  # the next three sum over agents with a schedule only
    scheduled_s: int = 0
    planned_absence_s: int = 0  # scheduled time a planned absence covers
    absent_s: int = 0  # expected time offline
    away_s: int = 0  # away spells' expected time
    away_spells: int = 0  # spells with some expected time

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def expected_s(self) -> int:
        return self.scheduled_s - self.planned_absence_s

    def figures(self) -> dict[str, Any]:
        """The indicators (docs/indicators.md, "People") and the sums behind them."""
        scheduled = self.scheduled_agents > 0
        return {
            "handled": self.handled,
            "resolved": self.resolved,
            "productivity_per_hour": _ratio(self.resolved * HOUR, self.on_duty_s),
            "occupancy": _ratio(self.in_progress_s, self.on_duty_s),
            "absenteeism": _ratio(self.absent_s, self.expected_s) if scheduled else None,
            "mean_unavailability_seconds": _ratio(self.away_s, self.away_spells),
            "on_duty_seconds": self.on_duty_s,
            "in_progress_seconds": self.in_progress_s,
            "scheduled_seconds": self.scheduled_s if scheduled else None,
            "planned_absence_seconds": self.planned_absence_s if scheduled else None,
            "absent_seconds": self.absent_s if scheduled else None,
            "away_seconds": self.away_s,
            "away_spells": self.away_spells,
        }


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def tally(log: AgentLog, lo: int, hi: int, schedule: Measure | None) -> Tally:
    """One agent's sums over the window [lo, hi); `schedule`: the working seconds of
    their schedule (None: they have none)."""
    line = timeline(log.presence_at, log.presence_status, lo, hi)
    on_duty = line.runs(*ON_DUTY)
    work = Intervals.of(log.work_start, log.work_end).clip(lo, hi)
    planned = Intervals.of(log.absence_start, log.absence_end).clip(lo, hi)
    spells = line.runs(AWAY)
    away = _each_outside(spells, planned, schedule or wall_clock)
    counted = Tally(
        agents=1,
        handled=log.handled,
        resolved=log.resolved,
        on_duty_s=on_duty.seconds,
        in_progress_s=(work & on_duty).seconds,
        away_s=int(away.sum()),
        away_spells=int((away > 0).sum()),
    )
    if schedule is None:
        return counted
    window = Intervals(_int64([lo]), _int64([hi])) if lo < hi else Intervals.empty()
    offline = line.runs(OFFLINE)
    return replace(
        counted,
        scheduled_agents=1,
        scheduled_s=int(window.measured(schedule).sum()),
        planned_absence_s=int(planned.measured(schedule).sum()),
        absent_s=int((offline - planned).measured(schedule).sum()),
    )


def _each_outside(spells: Intervals, planned: Intervals, measure: Measure) -> I64:
    """For each spell, the measure of its part outside the planned absences."""
    left = spells - planned  # each piece lies inside exactly one spell
    owner = np.searchsorted(spells.start, left.start, side="right") - 1
    out = np.zeros(len(spells), dtype=np.int64)
    np.add.at(out, owner, left.measured(measure))
    return out


def team_of(agent: Agent) -> str | None:
    """An agent's team: their first area (None: they have no area)."""
    return agent.areas[0] if agent.areas else None


def by_team(agents: Iterable[tuple[Agent, Tally]]) -> dict[str | None, Tally]:
    """Each team's sums, from its agents' (sorted by team key, none last)."""
    teams: dict[str | None, Tally] = {}
    for agent, counted in agents:
        key = team_of(agent)
        teams[key] = teams.get(key, Tally()) + counted
    return dict(sorted(teams.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))


# -- rows to logs -----------------------------------------------------------------------


def by_agent(
    keys: npt.ArrayLike, columns: Mapping[str, npt.ArrayLike], *, order: Sequence[str] = ()
) -> dict[str, dict[str, I64]]:
    """Rows given as columns (int64, one length), split by their agent `keys`; within
    one agent ordered by the `order` columns (the first one first; ties as given)."""
    given = np.asarray(keys, dtype=object)
    # Text keys sort as fixed-width strings, far faster than Python objects.
    text = given.astype(str) if all(type(k) is str for k in given) else given
    names, index = np.unique(text, return_inverse=True)
    if not len(names):
        return {}
    values = {name: _int64(column) for name, column in columns.items()}
    sort = np.lexsort((*(values[name] for name in reversed(order)), index))
    index = index[sort]
    values = {name: column[sort] for name, column in values.items()}
    cuts = np.flatnonzero(np.diff(index)) + 1
    starts, stops = np.append(0, cuts), np.append(cuts, len(index))
    return {
        str(names[index[a]]): {name: column[a:b] for name, column in values.items()}
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
    }
