"""Supervisor moves: bulk moves by filter, and returning an agent's items to the queue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.catalog import Agent, Catalog, Role
from retaguarda.domain.errors import InvalidInput, NotFound
from retaguarda.domain.item import moves
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.lifecycle import transition
from retaguarda.domain.item.model import Status, WorkItem
from retaguarda.domain.item.moves import MoveTarget
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos.item import ItemFilter

MOVE_MAX_ITEMS = 10_000
MOVERS = (Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
# A filter without statuses matches the items a move can concern: the open ones.
OPEN = tuple(
    s.value
    for s in (
        Status.NEW,
        Status.QUEUED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CUSTOMER,
        Status.PENDING_AREA,
    )
)
_RETURN_PAGE = 1_000
_SAVE_CHUNK = 200


@dataclass(frozen=True, slots=True)
class MoveResult:
    """What a move matched, moved (or, on a dry run, would move) and skipped, and why."""

    matched: int
    moved: int
    dry_run: bool
    skipped: dict[str, int] = field(default_factory=dict)
    item_ids: list[int] = field(default_factory=list)  # moved, or would move on a dry run


def move(
    conn: Connection,
    *,
    flt: ItemFilter,
    to: MoveTarget,
    principal: access.Principal,
    now: datetime,
    note: str | None = None,
    dry_run: bool = False,
    limit: int = MOVE_MAX_ITEMS,
) -> MoveResult:
    """Move every item matching `flt` that the caller may see to `to`, one event each."""
    access.require_any_role(principal, MOVERS, what="moving items")
    catalog = catalog_repo.load(conn)
    _check_filter(catalog, flt, principal)
    agent = _check_target(catalog, to, principal)
    found = item_repo.page(
        conn,
        replace(flt, status=flt.status or OPEN),
        areas=access.visible_areas(principal),
        after=None,
        limit=limit + 1,
    )
    if len(found) > limit:
        raise InvalidInput(
            "filter",
            f"matches more than {limit:,} items; at most {limit:,} are moved per request: "
            "narrow the filter",
        )
    return _apply(
        conn, found, to, agent=agent, actor=principal.name, now=now, note=note, dry_run=dry_run
    )


MOVE_BY_ID_MAX = 500


def move_items(
    conn: Connection,
    *,
    item_ids: Sequence[int],
    to: MoveTarget,
    principal: access.Principal,
    now: datetime,
    note: str | None = None,
) -> MoveResult:
    """Move the items picked by id (a supervisor's checkboxes) to `to`, one event each,
    skipping those a move leaves alone as `move` does; an id the caller may not see is
    not found, and nothing moves."""
    access.require_any_role(principal, MOVERS, what="moving items")
    wanted = list(dict.fromkeys(item_ids))
    if not wanted:
        raise InvalidInput("item_ids", "pick at least one item")
    if len(wanted) > MOVE_BY_ID_MAX:
        raise InvalidInput("item_ids", f"at most {MOVE_BY_ID_MAX} items per request")
    agent = _check_target(catalog_repo.load(conn), to, principal)
    found = item_repo.many(conn, wanted)
    for item_id in wanted:
        item = found.get(item_id)
        if item is None or not access.can_see(principal, item.area):
            raise NotFound(f"item {item_id} not found", field="item_ids")
    return _apply(
        conn,
        [found[i] for i in wanted],
        to,
        agent=agent,
        actor=principal.name,
        now=now,
        note=note,
        dry_run=False,
    )


def return_items(
    conn: Connection,
    key: str,
    *,
    principal: access.Principal,
    now: datetime,
    include_in_progress: bool = False,
    note: str | None = None,
) -> MoveResult:
    """Put the agent's assigned (and, if asked, in-progress) items back in the queue."""
    access.require_any_role(principal, MOVERS, what="returning an agent's items")
    agent = catalog_repo.agent(conn, key)
    if agent is None:
        raise NotFound(f"agent {key!r} not found", field="agent")
    access.require_agent(principal, agent)
    statuses = [Status.ASSIGNED.value]
    if include_in_progress:
        statuses.append(Status.IN_PROGRESS.value)
    flt = ItemFilter(status=statuses, assignee=key)
    areas = access.visible_areas(principal)
    found: list[WorkItem] = []
    while batch := item_repo.page(
        conn, flt, areas=areas, after=found[-1].id if found else None, limit=_RETURN_PAGE
    ):
        found.extend(batch)
    return _apply(
        conn,
        found,
        MoveTarget(queue=True),
        agent=None,
        actor=principal.name,
        now=now,
        note=note,
        dry_run=False,
    )


def _apply(
    conn: Connection,
    found: Sequence[WorkItem],
    to: MoveTarget,
    *,
    agent: Agent | None,
    actor: str,
    now: datetime,
    note: str | None,
    dry_run: bool,
) -> MoveResult:
    skipped: Counter[str] = Counter()
    chosen: list[WorkItem] = []
    areas = agent.areas if agent is not None else ()
    for item in found:
        reason = moves.skip_reason(item, to, assignee_areas=areas)
        if reason is None:
            chosen.append(item)
        else:
            skipped[reason] += 1
    if dry_run:
        return MoveResult(len(found), 0, True, dict(skipped), [i.id for i in chosen])
    command = moves.command(to, at=now, actor=actor, note=note)
    changes: list[_Change] = []
    for item in chosen:
        if item.updated_at > now:  # an event newer than our clock: someone just acted
            skipped[moves.CHANGED_CONCURRENTLY] += 1
        else:
            changes.append((item, *transition(item, command, ladder=())))
    written: list[Event] = []
    for start in range(0, len(changes), _SAVE_CHUNK):
        chunk = changes[start : start + _SAVE_CHUNK]
        if _save(conn, chunk):
            written.extend(event for _, _, event in chunk)
            continue
        for change in chunk:  # someone changed one of them meanwhile: item by item
            if _save(conn, [change]):
                written.append(change[2])
            else:
                skipped[moves.CHANGED_CONCURRENTLY] += 1
    item_repo.append_events(conn, written, recorded_at=now)
    moved = [e.item_id for e in written if e.item_id is not None]
    return MoveResult(len(found), len(moved), False, dict(skipped), moved)


_Change = tuple[WorkItem, WorkItem, Event]  # (as read, as moved, the event)


def _save(conn: Connection, changes: Sequence[_Change]) -> bool:
    """Write every moved state, or none if any of the items changed since it was read.

    A savepoint, because save_state may already have moved an item's routing-queue
    row when it finds the item changed; a chunk of items per savepoint keeps the
    common case (nobody else acting) to two statements more per chunk, not per item.
    """
    with conn.begin_nested() as savepoint:
        for before, after, _ in changes:
            if not item_repo.save_state(conn, after, expected_version=before.version):
                savepoint.rollback()
                return False
    return True


def _check_filter(catalog: Catalog, flt: ItemFilter, principal: access.Principal) -> None:
    if not (flt.area or flt.tier or flt.case_type or flt.status or flt.assignee is not None):
        raise InvalidInput(
            "filter",
            "is empty: give at least one of area, tier, case_type, assignee or status, "
            "so that nothing is moved by accident",
        )
    known = {
        "area": {a.key for a in catalog.areas},
        "tier": set(catalog.tiers),
        "case_type": {c.key for c in catalog.case_types},
    }
    for name, keys in known.items():
        for key in getattr(flt, name):
            if key not in keys:
                raise InvalidInput(f"filter.{name}", f"unknown {name.replace('_', ' ')} {key!r}")
    for key in flt.area:
        access.require_area(principal, key, field="filter.area")
    if flt.assignee is not None and flt.assignee not in {a.key for a in catalog.agents}:
        raise InvalidInput("filter.assignee", f"unknown agent {flt.assignee!r}")


def _check_target(catalog: Catalog, to: MoveTarget, principal: access.Principal) -> Agent | None:
    if to.area is not None:
        if to.area not in {a.key for a in catalog.areas}:
            raise InvalidInput("to.area", f"unknown area {to.area!r}")
        access.require_area(principal, to.area, field="to.area")
    if to.assignee is None:
        return None
    agent = next((a for a in catalog.agents if a.key == to.assignee), None)
    if agent is None:
        raise InvalidInput("to.assignee", f"unknown agent {to.assignee!r}")
    return agent
