"""The backlog at an instant: which items count, and the buckets they fall in.

docs/indicators.md ("Backlog") is the written definition. An item is in the
backlog at t when it was created at or before t and its status at t is open
(new, queued, assigned, in_progress, pending_customer, pending_area): a reopen
opens it again. It is *overdue* at t when its resolution clock is breached at t
(docs/sla.md), else *current*; an item without a resolution clock is current.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# By age: t - created_at in calendar days, lower bound included.
AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("0-1d", 0),
    ("1-3d", 1),
    ("3-5d", 3),
    ("5-10d", 5),
    (">10d", 10),
)
# By share of the resolution target used at t; overdue items are ">100%" whatever
# their share (a clock past its due by the wall clock only, at a weekend, used 100 %).
SHARE_BUCKETS = ("<50%", "50-75%", "75-100%", ">100%")
NO_SLA = "no_sla"  # items without a resolution clock (no policy matches them)
GROUPS = ("area", "tier", "case_type", "channel", "assignee")


def age_bucket(created_at: datetime, at: datetime) -> str:
    """The age bucket of an item created at `created_at`, seen at `at`."""
    age = at - created_at
    chosen = AGE_BUCKETS[0][0]
    for name, days in AGE_BUCKETS:
        if age >= timedelta(days=days):
            chosen = name
    return chosen


def age_limits(at: datetime) -> list[tuple[str, datetime]]:
    """Each age bucket with the latest creation instant it takes, oldest bucket
    first: an item belongs to the first bucket whose limit it was created by."""
    return [(name, at - timedelta(days=days)) for name, days in reversed(AGE_BUCKETS)]


def share_bucket(*, has_clock: bool, overdue: bool, half: bool, three_quarters: bool) -> str:
    """The SLA-share bucket from the clock's state at t."""
    if not has_clock:
        return NO_SLA
    if overdue:
        return ">100%"
    if three_quarters:
        return "75-100%"
    if half:
        return "50-75%"
    return "<50%"


@dataclass
class Tally:
    """Counts of backlog items, overall or for one group."""

    total: int = 0
    overdue: int = 0
    by_age: dict[str, int] = field(default_factory=lambda: {n: 0 for n, _ in AGE_BUCKETS})
    by_share: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((*SHARE_BUCKETS, NO_SLA), 0)
    )

    @property
    def current(self) -> int:
        return self.total - self.overdue

    def add(self, other: Tally) -> None:
        self.total += other.total
        self.overdue += other.overdue
        for name, count in other.by_age.items():
            self.by_age[name] += count
        for name, count in other.by_share.items():
            self.by_share[name] += count

    def count(self, *, age: str, share: str, n: int = 1) -> None:
        """Add n items of one age bucket and one share bucket."""
        self.total += n
        self.overdue += n if share == ">100%" else 0
        self.by_age[age] += n
        self.by_share[share] += n

    def as_dict(self) -> Mapping[str, object]:
        return {
            "total": self.total,
            "current": self.current,
            "overdue": self.overdue,
            "aging_by_age": dict(self.by_age),
            "aging_by_sla": dict(self.by_share),
        }
