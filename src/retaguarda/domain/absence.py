"""Planned absences of agents: vacations, training, appointments known in advance.

Absenteeism is scheduled time an agent was not present for; the part covered by a
planned absence is excused, the rest is unplanned absence. This module holds the
rules of one absence; the reports read the stored intervals.

Invariants:
- An absence is the half-open interval [start_at, end_at) with end_at > start_at,
  both instants with a UTC offset (kept in UTC).
- Absences of one agent may overlap (a training day inside a vacation): coverage
  is their union.
- Nothing here reads the clock: `created_at` is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.types import require_aware

REASON_MAX = 2000


@dataclass(frozen=True, slots=True)
class Absence:
    """One absence of one agent. `id` is given by storage."""

    agent: str
    start_at: datetime
    end_at: datetime
    reason: str | None
    planned: bool
    created_at: datetime
    created_by: str
    id: int | None = None


def plan(
    agent: str,
    *,
    start: datetime,
    end: datetime,
    reason: str | None,
    planned: bool = True,
    created_at: datetime,
    created_by: str,
) -> Absence:
    """A new absence of `agent` from `start` to `end`, checked.

    Raises:
        InvalidInput: `start` or `end` without offset (naming it), `end` not after
            `start` (naming `end`), or a reason over 2,000 characters.
    """
    start_at = require_aware(start, field="start")
    end_at = require_aware(end, field="end")
    if end_at <= start_at:
        raise InvalidInput(
            "end", f"{end.isoformat()} must be after the start ({start.isoformat()})"
        )
    if reason is not None and len(reason) > REASON_MAX:
        raise InvalidInput("reason", f"at most {REASON_MAX} characters, got {len(reason)}")
    return Absence(
        agent=agent,
        start_at=start_at,
        end_at=end_at,
        reason=reason,
        planned=planned,
        created_at=require_aware(created_at, field="created_at"),
        created_by=created_by,
    )


def window(start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime | None]:
    """A query window [start, end) (either side open when None), checked: instants
    with offset (InvalidInput naming `from` / `to`), `to` after `from`."""
    lower = None if start is None else require_aware(start, field="from")
    upper = None if end is None else require_aware(end, field="to")
    if lower is not None and upper is not None and upper <= lower:
        raise InvalidInput("to", f"{upper.isoformat()} must be after 'from' ({lower.isoformat()})")
    return lower, upper


def overlaps(absence: Absence, start: datetime | None, end: datetime | None) -> bool:
    """Whether `absence` shares some instant with the window [start, end)."""
    return (end is None or absence.start_at < end) and (start is None or absence.end_at > start)
