"""SLA and OLA clocks of one item, derived from its events as of an instant.

Formulas (docs/sla.md, "Clocks"; hand-worked cases in tests/domain/sla):
- receipt r = the item's `created_at`; base due d0 = calendar.add(r, target).
- A clock counts from its start until it stops; intervals spent in a status the
  policy pauses on (and, for resolution, in `resolved` before a reopen) do not
  count: with P = business seconds of those intervals up to the end E
  (E = the stop, or the instant asked about), due = d0 + P business seconds.
- elapsed = B(r, E) - P; target seconds T = B(r, d0); remaining = B(E, due),
  negative when overdue. B is the calendar's business time between instants.
- state: stopped -> met if the stop is at or before due, else breached;
  running -> breached once E is past due, else paused (in a pausing status)
  or running.
- at risk (running or paused, not breached): elapsed >= at_risk * T, or, for
  resolution, remaining < the case type's expected handling time.
- First response stops at the first start, pend_customer, pend_area or resolve:
  the first time someone worked the item or answered the customer.
- An OLA clock runs for each wait on an area that has an OLA, from the
  `pended_area` to the end of that wait, on the OLA's calendar, with no pauses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.model import Action, Status
from retaguarda.domain.sla.policy import (
    FIRST_RESPONSE,
    RESOLUTION,
    Ola,
    SlaConfig,
    SlaPolicy,
    Target,
    match,
)
from retaguarda.domain.types import require_aware

FIRST_RESPONSE_ACTIONS = frozenset(
    {Action.START, Action.PEND_CUSTOMER, Action.PEND_AREA, Action.RESOLVE}
)
STOPPED = frozenset({Status.RESOLVED, Status.CLOSED, Status.CANCELLED})
FINAL = frozenset({Status.CLOSED, Status.CANCELLED})


@dataclass(frozen=True, slots=True)
class Phase:
    """The item in one status from `start` until `end` (None: still in it)."""

    status: Status
    start: datetime
    end: datetime | None
    pending_area: str | None = None


@dataclass(frozen=True, slots=True)
class Clock:
    kind: str  # "sla" (to the customer or regulator) or "ola" (an area's promise)
    metric: str  # first_response | resolution | ola
    target: Target
    calendar: str
    started_at: datetime
    due_at: datetime  # in the calendar's zone
    state: str  # running | paused | met | breached
    elapsed_business_seconds: int
    remaining_business_seconds: int
    at_risk: bool
    stopped_at: datetime | None = None
    policy: str | None = None
    area: str | None = None
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Measured:
    """Every clock of an item as of `at`, and how its policy was chosen."""

    at: datetime
    config_version: int | None
    clocks: tuple[Clock, ...]
    steps: tuple[str, ...]  # policy choice and configuration version


def phases(events: Sequence[Event], at: datetime) -> list[Phase]:
    """The item's statuses over time, from its events up to `at`."""
    out: list[Phase] = []
    pending_area: str | None = None
    for event in events:
        if event.at > at:
            break
        to = event.data.get("to") if event.type != "created" else Status.NEW.value
        if to is None:
            continue  # not a transition (e.g. an alert recorded on the item)
        pending_area = event.data.get("changes", {}).get("pending_area", pending_area)
        if out:
            out[-1] = Phase(out[-1].status, out[-1].start, event.at, out[-1].pending_area)
        status = Status(to)
        out.append(
            Phase(status, event.at, None, pending_area if status is Status.PENDING_AREA else None)
        )
    return out


def measure(
    events: Sequence[Event],
    configs: Sequence[SlaConfig],
    *,
    at: datetime,
    expected_handling_minutes: Mapping[str, int | None] | None = None,
    explain: bool = False,
) -> Measured:
    """All clocks of the item whose ordered events are `events`, as of `at`.

    With `explain`, each clock's steps include the calendar's day-by-day
    account of its due date (slower: for one item, not for lists).
    """
    require_aware(at, field="at")
    # In UTC: two datetimes of one zone compare by wall clock, ignoring `fold`, so
    # inside a DST overlap they would misorder (docs/sla.md, "Resolution and zones").
    at = at.astimezone(UTC)
    history = [replace(e, at=e.at.astimezone(UTC)) for e in events if e.at <= at]
    if not history:
        return Measured(at, None, (), ("the item did not exist yet",))
    item = replay.fold(0, [e for e in history if e.type == "created" or "to" in e.data])
    timeline = phases(history, at)
    config = _config_for(configs, item.status, timeline)
    if config is None:
        return Measured(at, None, (), ("no SLA configuration has been applied",))
    steps = [_version_step(config, item.created_at)]
    steps += [
        f"SLA configuration version {c.version} applied {c.applied_at.isoformat()}, after "
        "receipt: clocks recomputed from receipt"
        for c in configs
        if item.created_at < c.applied_at <= at and c.version <= config.version
    ]
    found = match(config.policies, item)
    clocks: list[Clock] = []
    if found is None:
        steps.append("no SLA policy matches this item, so it has no SLA clock")
    else:
        steps += [
            *found.skipped,
            f"policy {found.policy.key!r} (#{found.position}) matched: {found.reason}",
        ]
        handling = (expected_handling_minutes or {}).get(item.case_type)
        for metric, target in found.policy.targets.items():
            calendar = config.calendars[found.policy.calendar]
            clocks.append(
                _sla_clock(
                    metric,
                    target,
                    found.policy,
                    calendar,
                    events=history,
                    timeline=timeline,
                    at=at,
                    handling_s=handling * 60 if handling and metric == RESOLUTION else None,
                    explain=explain,
                )
            )
    for phase in timeline:
        ola = config.olas.get(phase.pending_area or "")
        if phase.status is Status.PENDING_AREA and ola is not None:
            calendar = config.calendars[ola.calendar]
            clocks.append(_ola_clock(ola, calendar, phase, at=at, explain=explain))
    return Measured(at, config.version, tuple(clocks), tuple(steps))


def _config_for(
    configs: Sequence[SlaConfig], status: Status, timeline: Sequence[Phase]
) -> SlaConfig | None:
    if not configs:
        return None
    if status in FINAL:
        when = timeline[-1].start
        chosen = configs[0]
        for config in configs:
            if config.applied_at <= when:
                chosen = config
        return chosen
    return configs[-1]


def _version_step(config: SlaConfig, received: datetime) -> str:
    text = (
        f"measured with SLA configuration version {config.version}, "
        f"applied {config.applied_at.isoformat()}"
    )
    if config.applied_at > received:
        text += " (after receipt)"
    return text


def _sla_clock(
    metric: str,
    target: Target,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    *,
    events: Sequence[Event],
    timeline: Sequence[Phase],
    at: datetime,
    handling_s: int | None,
    explain: bool,
) -> Clock:
    received = timeline[0].start
    stop = first_response_at(events) if metric == FIRST_RESPONSE else resolution_stop(timeline)
    end = stop if stop is not None else at
    pausing = set(policy.pause_on)
    if metric == RESOLUTION:
        pausing.add(Status.RESOLVED)
    base_due = calendar.add(received, target.amount, target.unit)
    steps = [f"{metric}: {target_text(target)} on calendar {policy.calendar!r}"]
    if explain:
        steps += calendar.explain_add(received, target.amount, target.unit)
    else:
        steps.append(f"due {_at(calendar, base_due)} before pauses")
    paused = 0
    for phase in timeline:
        if phase.status not in pausing or phase.start >= end:
            continue
        until = min(phase.end, end) if phase.end is not None else end
        seconds = calendar.between(phase.start, until)
        paused += seconds
        moved = _shift(calendar, base_due, paused)
        ongoing = phase.end is None or phase.end > end
        steps.append(
            f"paused {_at(calendar, phase.start)} → "
            f"{'now' if ongoing and stop is None else _at(calendar, until)} "
            f"({phase.status.value}): {duration(seconds)} of business time"
            + (f"; due moves to {_at(calendar, moved)}" if seconds else "; due unchanged")
        )
    due = _shift(calendar, base_due, paused)
    return _finish(
        Clock(
            kind="sla",
            metric=metric,
            target=target,
            calendar=policy.calendar,
            started_at=received,
            due_at=due,
            state="running",
            elapsed_business_seconds=calendar.between(received, end) - paused,
            remaining_business_seconds=calendar.between(end, due),
            at_risk=False,
            stopped_at=stop,
            policy=policy.key,
        ),
        calendar,
        now=at,
        target_s=calendar.between(received, base_due),
        at_risk=policy.at_risk,
        handling_s=handling_s,
        paused_now=stop is None and timeline[-1].status in policy.pause_on,
        steps=steps,
    )


def _ola_clock(
    ola: Ola, calendar: BusinessCalendar, phase: Phase, *, at: datetime, explain: bool
) -> Clock:
    stop = phase.end if phase.end is not None and phase.end <= at else None
    end = stop if stop is not None else at
    due = calendar.add(phase.start, ola.target.amount, ola.target.unit)
    steps = [f"OLA of area {ola.area!r}: {target_text(ola.target)} on calendar {ola.calendar!r}"]
    if explain:
        steps += calendar.explain_add(phase.start, ola.target.amount, ola.target.unit)
    return _finish(
        Clock(
            kind="ola",
            metric="ola",
            target=ola.target,
            calendar=ola.calendar,
            started_at=phase.start,
            due_at=due,
            state="running",
            elapsed_business_seconds=calendar.between(phase.start, end),
            remaining_business_seconds=calendar.between(end, due),
            at_risk=False,
            stopped_at=stop,
            area=ola.area,
        ),
        calendar,
        now=at,
        target_s=calendar.between(phase.start, due),
        at_risk=ola.at_risk,
        handling_s=None,
        paused_now=False,
        steps=steps,
    )


def _finish(
    clock: Clock,
    calendar: BusinessCalendar,
    *,
    now: datetime,
    target_s: int,
    at_risk: Decimal,
    handling_s: int | None,
    paused_now: bool,
    steps: list[str],
) -> Clock:
    """Decide state and risk from the figures already in `clock`."""
    end = clock.stopped_at
    if end is not None:
        state = "met" if end <= clock.due_at.astimezone(UTC) else "breached"
        steps.append(f"stopped {_at(calendar, end)}: {state}")
        return _replace(clock, state=state, steps=steps)
    # Past due by the wall clock, even where no business time has passed since
    # (due Friday 18:00 and still open on Saturday morning is breached).
    if now > clock.due_at.astimezone(UTC):
        steps.append(f"still open past its due {_at(calendar, clock.due_at)}: breached")
        return _replace(clock, state="breached", steps=steps)
    share = Fraction(clock.elapsed_business_seconds, target_s) if target_s else Fraction(1)
    reasons = []
    if share >= Fraction(at_risk):
        reasons.append(f"{float(share):.0%} of the target used (threshold {float(at_risk):.0%})")
    if handling_s is not None and clock.remaining_business_seconds < handling_s:
        reasons.append(
            f"{duration(clock.remaining_business_seconds)} left, less than the expected "
            f"handling time of {duration(handling_s)}"
        )
    state = "paused" if paused_now else "running"
    steps.append(
        f"{state}: {duration(clock.remaining_business_seconds)} of business time left"
        + (f"; at risk: {'; '.join(reasons)}" if reasons else "")
    )
    return _replace(clock, state=state, at_risk=bool(reasons), steps=steps)


def _replace(clock: Clock, *, steps: list[str], **changes: object) -> Clock:
    return replace(clock, steps=tuple(steps), **changes)  # type: ignore[arg-type]


def first_response_at(events: Sequence[Event]) -> datetime | None:
    for event in events:
        if event.data.get("action") in FIRST_RESPONSE_ACTIONS:
            return event.at
    return None


def resolution_stop(timeline: Sequence[Phase]) -> datetime | None:
    """When the current resolved/closed/cancelled streak began, if the item is in one."""
    stop = None
    for phase in reversed(timeline):
        if phase.status not in STOPPED:
            break
        stop = phase.start
    return stop


def _shift(calendar: BusinessCalendar, due: datetime, seconds: int) -> datetime:
    if seconds <= 0:
        return due
    return calendar.add(due, Fraction(seconds, 3600), "business_hours")


def _at(calendar: BusinessCalendar, moment: datetime) -> str:
    return moment.astimezone(calendar.zone).isoformat()


def target_text(target: Target) -> str:
    amount = target.as_dict()["amount"]
    return f"{amount} {target.unit.replace('_', ' ')}"


def duration(seconds: int) -> str:
    """Business seconds as `2h 05m` (or `-1h 00m`, `45s`)."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours}h {rest // 60:02d}m"
