"""Items and their status phases as NumPy columns, for `bulk.measure_many`.

`columns_from_arrays` is the vectorised form of `clock.phases`,
`clock.first_response_at` and `clock.resolution_stop`; the other builders only
bring rows (from storage) or event logs (in memory) to arrays.
tests/domain/sla/test_bulk.py checks the whole against the per-item clocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from retaguarda.domain.item import replay
from retaguarda.domain.item.events import CREATED, Event
from retaguarda.domain.item.model import Status
from retaguarda.domain.sla import clock
from retaguarda.domain.sla.bulk import I64, NAT, STATUS_CODES, Items, Phases
from retaguarda.domain.sla.policy import MATCH_FIELDS, facts_of

_FINAL = {STATUS_CODES[s] for s in clock.FINAL}


ItemRow = tuple[int, datetime, str, dict[str, str]]  # id, received, status, facts
EventRow = tuple[int, datetime, str, str | None, str | None, str | None]
# (item id, at, type, to, pending_area, action), ordered by item, at, append order


def columns_from_rows(
    item_rows: Sequence[ItemRow],
    event_rows: Sequence[EventRow],
    *,
    at: datetime,
    expected_handling_minutes: Mapping[str, int | None] | None = None,
) -> tuple[Items, Phases]:
    """`columns_from_arrays` for rows as storage or `columns` give them (by item id)."""
    handling = expected_handling_minutes or {}
    minutes = [handling.get(row[3]["case_type"]) for row in item_rows]
    items = Items(
        item_id=np.array([row[0] for row in item_rows], dtype=np.int64),
        received=np.array([_epoch(row[1]) for row in item_rows], dtype=np.int64),
        status=np.array([STATUS_CODES[Status(row[2])] for row in item_rows], dtype=np.int64),
        first_response=np.zeros(0, dtype=np.int64),  # derived from the events below
        resolution_stop=np.zeros(0, dtype=np.int64),
        facts={
            name: np.array([row[3][name] for row in item_rows], dtype=object)
            for name in MATCH_FIELDS
        },
        expected_handling_s=np.array([m * 60 if m else 0 for m in minutes], dtype=np.int64),
    )
    events = EventColumns(
        item_id=np.array([e[0] for e in event_rows], dtype=np.int64),
        at=np.array([_epoch(e[1]) for e in event_rows], dtype=np.int64),
        to=np.array([_to_code(e[2], e[3]) for e in event_rows], dtype=np.int64),
        pending_area=np.array([e[4] for e in event_rows], dtype=object),
        first_response=np.array([e[5] in _FIRST_RESPONSE for e in event_rows], dtype=bool),
    )
    return columns_from_arrays(items, events, at=_epoch(at))


@dataclass(frozen=True, slots=True)
class EventColumns:
    """Events ordered by item id, instant and append order."""

    item_id: I64
    at: I64  # epoch seconds
    to: I64  # STATUS_CODES of the status it leads to; -1 for an event that is no transition
    pending_area: npt.NDArray[np.object_]
    first_response: npt.NDArray[np.bool_]  # start, pend_customer, pend_area or resolve


def columns_from_arrays(items: Items, events: EventColumns, *, at: int) -> tuple[Items, Phases]:
    """Items (ids ascending) with their status, first response and resolution stop as
    of `at`, and their phases: `clock.phases`, `first_response_at` and
    `resolution_stop` in vectorised form (`items.status`, `first_response` and
    `resolution_stop` given are ignored)."""
    n = len(items.item_id)
    keep = (events.at <= at) & (events.to >= 0)
    owner = np.searchsorted(items.item_id, events.item_id[keep])
    starts = events.at[keep]
    codes = events.to[keep]
    areas = events.pending_area[keep]
    count = len(owner)
    same_next = np.zeros(count, dtype=bool)
    if count > 1:
        same_next[:-1] = owner[1:] == owner[:-1]
    ends = np.full(count, NAT, dtype=np.int64)
    ends[:-1][same_next[:-1]] = starts[1:][same_next[:-1]]
    last = np.flatnonzero(~same_next)  # each item's last phase
    status = items.status.copy()
    status[owner[last]] = codes[last]
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    fr = keep & events.first_response
    np.minimum.at(first, np.searchsorted(items.item_id, events.item_id[fr]), events.at[fr])
    first[first == np.iinfo(np.int64).max] = NAT
    # Resolution stops at the start of the phase after the item's last phase that is
    # not resolved, closed or cancelled, if there is one.
    open_phase = ~np.isin(codes, list(_STOPPED))
    last_open = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_open, owner[open_phase], np.flatnonzero(open_phase))
    stop = np.full(n, NAT, dtype=np.int64)
    has_next = (last_open >= 0) & (last_open + 1 < count)
    candidates = np.flatnonzero(has_next)
    following = last_open[candidates] + 1
    same = owner[following] == candidates
    stop[candidates[same]] = starts[following[same]]
    waiting = codes == STATUS_CODES[Status.PENDING_AREA]
    waited_on = np.full(count, None, dtype=object)
    waited_on[waiting] = areas[waiting]
    phases = Phases(
        item=owner.astype(np.int64),
        status=codes,
        start=starts,
        end=ends,
        pending_area=waited_on,
    )
    return (
        Items(
            item_id=items.item_id,
            received=items.received,
            status=status,
            first_response=first,
            resolution_stop=stop,
            facts=items.facts,
            expected_handling_s=items.expected_handling_s,
        ),
        phases,
    )


def _to_code(kind: str, to: str | None) -> int:
    if kind == CREATED:
        return STATUS_CODES[Status.NEW]
    return -1 if to is None else STATUS_CODES[Status(to)]


def columns(
    histories: Mapping[int, Sequence[Event]],
    *,
    at: datetime,
    expected_handling_minutes: Mapping[str, int | None] | None = None,
) -> tuple[Items, Phases]:
    """`columns_from_rows` for event logs held in memory (small sets, tests)."""
    item_rows: list[ItemRow] = []
    event_rows: list[EventRow] = []
    for item_id, events in sorted(histories.items()):
        history = [e for e in events if e.at <= at]
        item = replay.fold(item_id, [e for e in history if e.type == CREATED or "to" in e.data])
        item_rows.append((item_id, item.created_at, item.status.value, facts_of(item)))
        for e in history:
            changes = e.data.get("changes") or {}
            event_rows.append(
                (
                    item_id,
                    e.at,
                    e.type,
                    e.data.get("to"),
                    changes.get("pending_area"),
                    e.data.get("action"),
                )
            )
    return columns_from_rows(
        item_rows, event_rows, at=at, expected_handling_minutes=expected_handling_minutes
    )


_FIRST_RESPONSE = {a.value for a in clock.FIRST_RESPONSE_ACTIONS}
_STOPPED = {STATUS_CODES[s] for s in clock.STOPPED}


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp() // 1)


def subset(items: Items, phases: Phases, rows: I64) -> tuple[Items, Phases]:
    """The items at positions `rows` (ascending) and their phases, re-indexed."""
    position = np.full(len(items), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    keep = position[phases.item] >= 0
    return (
        Items(
            item_id=items.item_id[rows],
            received=items.received[rows],
            status=items.status[rows],
            first_response=items.first_response[rows],
            resolution_stop=items.resolution_stop[rows],
            facts={name: values[rows] for name, values in items.facts.items()},
            expected_handling_s=items.expected_handling_s[rows],
        ),
        Phases(
            item=position[phases.item[keep]],
            status=phases.status[keep],
            start=phases.start[keep],
            end=phases.end[keep],
            pending_area=phases.pending_area[keep],
        ),
    )


def version_per_item(items: Items, phases: Phases, applied_at: I64) -> I64:
    """Index into the versions (applied at `applied_at`, ascending) each item is measured
    with: the last for open items; for closed or cancelled ones, the one in force when
    they reached that status (the first, if that was before any)."""
    latest = np.full(len(items), len(applied_at) - 1, dtype=np.int64)
    final = np.isin(items.status, list(_FINAL))
    if not final.any() or not len(phases.item):
        return latest
    last_start = np.full(len(items), NAT, dtype=np.int64)
    np.maximum.at(last_start, phases.item, phases.start)
    chosen = np.searchsorted(applied_at, last_start, side="right") - 1
    return np.where(final, np.maximum(chosen, 0), latest)
