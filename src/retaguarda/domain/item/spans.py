"""Spans: each item's state over time, as intervals of constant state, in NumPy.

A span is [start, end) during which an item's status, area, tier, assignee and
pending area stay the same; `end` is NAT while it lasts. `open_spans` keeps the
spans in an open status (new .. pending_area): an item is in the backlog at t
exactly when one of its open spans contains t, and the span says where it was.

Invariants:
- The state at each event is `replay.fold`'s: `created` sets every field, a
  transition sets its status (`to`) and the fields in its `changes`; events that
  are not transitions (SLA alerts, satisfaction answers) change nothing.
- Spans of one item do not overlap and follow each other in time; a state that
  lasted no time (two events at the same instant) has no span.
- No Python loop per event: forward fills and comparisons over whole columns.
  tests/domain/item/test_spans.py checks the result against `fold` event by event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from retaguarda.domain.item.events import CREATED, Event
from retaguarda.domain.item.model import Status

I64 = npt.NDArray[np.int64]
Objects = npt.NDArray[np.object_]
NAT = np.iinfo(np.int64).min
STATUS_CODES = {status: code for code, status in enumerate(Status)}
OPEN = frozenset(
    {
        Status.NEW,
        Status.QUEUED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CUSTOMER,
        Status.PENDING_AREA,
    }
)
_OPEN_CODES = [STATUS_CODES[s] for s in OPEN]
FIELDS = ("area", "tier", "assignee", "pending_area")  # a change starts a new span
FACTS = ("reason", "outcome")  # kept on resolutions, not on spans
LOADED = FIELDS + FACTS
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EventColumns:
    """Events ordered by item, instant and append order; instants in epoch microseconds.

    `to`: STATUS_CODES of the status the event leads to (`new` for `created`), -1
    for an event that is no transition. For each field f of LOADED: `sets[f]`, the
    event sets it (the created event sets them all); `values[f]`, the value it sets
    (None allowed).
    """

    item_id: I64
    at: I64
    to: I64
    sets: dict[str, npt.NDArray[np.bool_]]
    values: dict[str, Objects]


@dataclass(frozen=True, slots=True)
class Resolutions:
    """One row per `resolved` event: when, and the item's area, tier, assignee,
    reason and outcome right after it.

    `received`: the item's receipt; `entry_tier`: its tier right after it (after
    every event at that instant);
    `handling_us`: microseconds in progress since the item's previous resolution (or
    receipt); `reopened`: the item was open again at or after this resolution."""

    item_id: I64
    at: I64
    fields: dict[str, Objects]
    received: I64
    entry_tier: Objects
    handling_us: I64
    reopened: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.item_id)


@dataclass(frozen=True, slots=True)
class Spans:
    """One row per span: `seq` numbers an item's spans from 0 in time order.

    `enters`: the item was not open just before `start` (created or reopened then);
    `left_to`: STATUS_CODES of the status it left the open ones for at `end`
    (resolved, cancelled), -1 if it stayed open. Only meaningful for open spans
    (`open_spans`)."""

    item_id: I64
    seq: I64
    start: I64
    end: I64
    status: I64
    fields: dict[str, Objects]
    enters: npt.NDArray[np.bool_]
    left_to: I64

    def __len__(self) -> int:
        return len(self.item_id)


def spans(events: EventColumns) -> Spans:
    """Every span of every item in `events` (open or not)."""
    keep = np.flatnonzero(events.to >= 0)
    item, at, status = events.item_id[keep], events.at[keep], events.to[keep]
    fields = {name: _forward_fill(events, name, keep) for name in FIELDS}
    n = len(keep)
    first = np.ones(n, dtype=bool)
    first[1:] = item[1:] != item[:-1]
    changed = first.copy()
    changed[1:] |= status[1:] != status[:-1]
    for values in fields.values():
        changed[1:] |= values[1:] != values[:-1]
    starts = np.flatnonzero(changed)
    end = np.full(len(starts), NAT, dtype=np.int64)
    same_item = item[starts[1:]] == item[starts[:-1]]
    end[:-1] = np.where(same_item, at[starts[1:]], NAT)
    lasted = end != at[starts]
    chosen = starts[lasted]
    return _numbered(
        item[chosen],
        at[chosen],
        end[lasted],
        status[chosen],
        {name: values[chosen] for name, values in fields.items()},
    )


def resolutions(events: EventColumns) -> Resolutions:
    """Every resolution of every item in `events`, in item and time order."""
    keep = np.flatnonzero(events.to >= 0)
    item, at = events.item_id[keep], events.at[keep]
    chosen = np.flatnonzero(events.to[keep] == STATUS_CODES[Status.RESOLVED])
    names = ("area", "tier", "assignee", *FACTS)
    first = np.flatnonzero(ordinal(item) == 0)  # each item's created event
    owner = np.searchsorted(item[first], item[chosen])
    # The tier it entered with: after every event at the instant of receipt (an
    # intake rule may escalate it on arrival).
    at_receipt = np.flatnonzero(at == at[first][np.searchsorted(item[first], item)])
    entered = np.zeros(len(first), dtype=np.int64)
    np.maximum.at(entered, np.searchsorted(item[first], item[at_receipt]), at_receipt)
    tiers = _forward_fill(events, "tier", keep)
    every = spans(events)
    return Resolutions(
        item_id=item[chosen],
        at=at[chosen],
        fields={name: _forward_fill(events, name, keep)[chosen] for name in names},
        received=at[first][owner],
        entry_tier=tiers[entered][owner],
        handling_us=_handling(every, item[chosen], at[chosen]),
        reopened=_open_after(every, item[chosen], at[chosen]),
    )


def _handling(every: Spans, item: I64, at: I64) -> I64:
    """Per resolution (item, at), ordered by item and time: microseconds of the
    item's in_progress spans since its previous resolution.

    An in_progress span never straddles a resolution (resolve starts from
    in_progress), so merging span ends and resolutions in (item, time) order, span
    ends first at equal instants, and summing the spans' lengths per item gives at
    each resolution all the work before it; the difference with the item's previous
    resolution is this one's."""
    busy = np.flatnonzero((every.status == STATUS_CODES[Status.IN_PROGRESS]) & (every.end != NAT))
    n, m = len(busy), len(item)
    items = np.concatenate([every.item_id[busy], item])
    instants = np.concatenate([every.end[busy], at])
    kind = np.concatenate([np.zeros(n, dtype=np.int8), np.ones(m, dtype=np.int8)])
    lengths = np.concatenate([every.end[busy] - every.start[busy], np.zeros(m, dtype=np.int64)])
    order = np.lexsort((kind, instants, items))
    running = np.cumsum(lengths[order])
    merged_items = items[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = merged_items[1:] != merged_items[:-1]
    base = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    before_item = np.where(base > 0, running[base - 1], 0)
    within = running - before_item  # work of this item up to each row
    upto = np.empty(m, dtype=np.int64)
    is_resolution = kind[order] == 1
    upto[order[is_resolution] - n] = within[is_resolution]
    previous = np.zeros(m, dtype=np.int64)
    same = np.zeros(m, dtype=bool)
    same[1:] = item[1:] == item[:-1]
    previous[1:] = np.where(same[1:], upto[:-1], 0)
    return upto - previous


def _open_after(every: Spans, item: I64, at: I64) -> npt.NDArray[np.bool_]:
    """Per resolution: the item has an open span starting at or after it."""
    opened = np.flatnonzero(np.isin(every.status, _OPEN_CODES))
    last_start = np.full(len(item), NAT, dtype=np.int64)
    if len(opened) and len(item):
        # The latest open span start of each item, looked up per resolution.
        ids, where = np.unique(every.item_id[opened], return_inverse=True)
        latest = np.full(len(ids), NAT, dtype=np.int64)
        np.maximum.at(latest, where, every.start[opened])
        found = np.searchsorted(ids, item)
        known = (found < len(ids)) & (ids[np.minimum(found, len(ids) - 1)] == item)
        last_start[known] = latest[found[known]]
    return last_start >= at


def _first_at_or_after(item: I64, at: I64, query_item: I64, query_at: I64) -> I64:
    """For each query (item, instant), the index of the first row of `item`/`at`
    (sorted by item, then at) of the same item at or after the instant; -1 if none."""
    order = np.lexsort((at, item))  # already sorted; kept for safety
    item_s, at_s = item[order], at[order]
    lo = np.searchsorted(item_s, query_item, side="left")
    hi = np.searchsorted(item_s, query_item, side="right")
    out = np.full(len(query_item), -1, dtype=np.int64)
    for_query = np.flatnonzero(hi > lo)
    if not len(for_query):
        return out
    # Per query, search its item's block of instants: offsets within the block.
    pos = np.empty(len(for_query), dtype=np.int64)
    for k, q in enumerate(for_query):  # one binary search per query row
        pos[k] = lo[q] + np.searchsorted(at_s[lo[q] : hi[q]], query_at[q], side="left")
    hit = pos < hi[for_query]
    out[for_query[hit]] = order[pos[hit]]
    return out


def open_spans(events: EventColumns) -> Spans:
    """The spans in an open status: the item was in the backlog during each.

    Numbered among themselves; `enters` where the item was not open just before
    (created, or reopened after a resolved time), `left_to` where it is not open just
    after: the status it went to (resolved, cancelled)."""
    every = spans(events)
    mask = np.isin(every.status, _OPEN_CODES)
    found = _numbered(
        every.item_id[mask],
        every.start[mask],
        every.end[mask],
        every.status[mask],
        {name: values[mask] for name, values in every.fields.items()},
    )
    # Spans are contiguous per item, so the next span's status is the status right after.
    after = np.full(len(every), -1, dtype=np.int64)
    after[:-1] = np.where(every.item_id[1:] == every.item_id[:-1], every.status[1:], -1)
    after = after[mask]
    left = (after >= 0) & ~np.isin(after, _OPEN_CODES)
    return replace(found, left_to=np.where(left, after, -1))


GROUPED = ("area", "tier", "assignee")  # fields a span's place in a grouping can change by


def grouping_changes(found: Spans) -> dict[str, npt.NDArray[np.bool_]]:
    """For open spans (`open_spans`), per field f of GROUPED: `f_in`, the span enters
    the backlog or its f differs from the span it follows on from; `f_out`, it leaves
    the backlog at its end or the span following on from it has another f.

    The backlog counted by f (as at each instant) changes only at the starts of the
    `f_in` spans (+1 for their value) and the ends of the `f_out` ones (-1): between
    two spans that follow on, `f_out` of the first is `f_in` of the second, so a
    change of f moves one item from one group to the other and nothing else does."""
    follows_next = np.zeros(len(found), dtype=bool)
    follows_next[:-1] = ~found.enters[1:]  # `enters` is false only after a span of the item
    left = found.left_to >= 0
    out: dict[str, npt.NDArray[np.bool_]] = {}
    for name in GROUPED:
        values = found.fields[name]
        differs = np.zeros(len(found), dtype=bool)  # from the span before, same item or not
        differs[1:] = values[1:] != values[:-1]
        out[f"{name}_in"] = found.enters | differs
        ahead = np.zeros(len(found), dtype=bool)
        ahead[:-1] = follows_next[:-1] & differs[1:]
        out[f"{name}_out"] = left | ahead
    return out


def _forward_fill(events: EventColumns, name: str, keep: I64) -> Objects:
    """The field's value after each kept event: the last value set at or before it.

    Every item starts with `created`, which sets every field, so the fill never
    reaches back into the previous item."""
    sets = events.sets[name]
    last = np.where(sets, np.arange(len(sets)), -1)
    np.maximum.accumulate(last, out=last)
    if len(last) and last[0] < 0:
        raise ValueError(f"the first event does not set {name!r}: it must be 'created'")
    values: Objects = events.values[name][last[keep]]
    return values


def _numbered(item: I64, start: I64, end: I64, status: I64, fields: dict[str, Objects]) -> Spans:
    """Spans in item and time order, numbered per item; `enters` where a span does
    not follow on from the one before (same item, starting where it ended)."""
    n = len(item)
    seq = ordinal(item)
    follows = np.zeros(n, dtype=bool)
    follows[1:] = (seq[1:] > 0) & (start[1:] == end[:-1])
    return Spans(item, seq, start, end, status, fields, ~follows, np.full(n, -1, dtype=np.int64))


def ordinal(item_ids: I64) -> I64:
    """0, 1, 2 ... within each run of equal item ids (rows grouped by item)."""
    n = len(item_ids)
    seq = np.arange(n, dtype=np.int64)
    if n:
        first = np.ones(n, dtype=bool)
        first[1:] = item_ids[1:] != item_ids[:-1]
        seq -= np.maximum.accumulate(np.where(first, seq, 0))
    return seq


def columns_of(histories: Mapping[int, Sequence[Event]]) -> EventColumns:
    """EventColumns of in-memory histories (item id -> its events in order): for
    tests and small sets; storage builds the columns straight from its rows."""
    rows = [(item_id, event) for item_id in sorted(histories) for event in histories[item_id]]
    sets: dict[str, list[bool]] = {name: [] for name in LOADED}
    values: dict[str, list[object]] = {name: [] for name in LOADED}
    to: list[int] = []
    for _, event in rows:
        created = event.type == CREATED
        changes = event.data if created else event.data.get("changes", {})
        for name in LOADED:
            sets[name].append(created or name in changes)
            values[name].append(changes.get(name))
        target = Status.NEW if created else event.data.get("to")
        to.append(STATUS_CODES[Status(target)] if target else -1)
    return EventColumns(
        item_id=np.array([item_id for item_id, _ in rows], dtype=np.int64),
        at=np.array([epoch_us(event.at) for _, event in rows], dtype=np.int64),
        to=np.array(to, dtype=np.int64),
        sets={name: np.array(flags, dtype=bool) for name, flags in sets.items()},
        values={name: _objects(column) for name, column in values.items()},
    )


def epoch_us(moment: datetime) -> int:
    """An aware instant as integer microseconds since the Unix epoch (exact)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _objects(values: Sequence[object]) -> Objects:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column
