"""Reading items and acting on them."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from retaguarda.domain.item import moves, satisfaction
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.journey import Stay
from retaguarda.domain.item.journey import journey as item_journey
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action, Outcome, WorkItem
from retaguarda.domain.types import require_aware
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos.item import ItemFilter


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: list[WorkItem]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The configured names an item is shown and acted on with: areas and case types
    (key -> name) and the tier ladder, lowest first (what `escalate` climbs)."""

    areas: dict[str, str]
    case_types: dict[str, str]
    ladder: tuple[str, ...]


def vocabulary(conn: Connection) -> Vocabulary:
    """Names and ladder for pages that show items and offer their actions (the web)."""
    catalog = catalog_repo.load(conn)
    return Vocabulary(
        areas={a.key: a.name for a in catalog.areas},
        case_types={c.key: c.name for c in catalog.case_types},
        ladder=catalog.tiers,
    )


def get(conn: Connection, item_id: int, *, principal: access.Principal) -> WorkItem:
    """Return one item the caller may see (others are reported as not found)."""
    item = item_repo.get(conn, item_id)
    if item is None or not access.can_see(principal, item.area):
        raise NotFound(f"item {item_id} not found", field="id")
    return item


def events(conn: Connection, item_id: int, *, principal: access.Principal) -> list[Event]:
    """Return the item's event log, oldest first."""
    get(conn, item_id, principal=principal)
    return item_repo.history(conn, item_id)


def journey(conn: Connection, item_id: int, *, principal: access.Principal) -> list[Stay]:
    """The item's path up the tier ladder (see domain.item.journey)."""
    return item_journey(events(conn, item_id, principal=principal))


def list_items(
    conn: Connection,
    flt: ItemFilter,
    *,
    principal: access.Principal,
    cursor: str | None,
    limit: int,
    descending: bool = False,
) -> ItemPage:
    """Return one page of the items the caller may see, with the cursor to the next."""
    after = decode_cursor(cursor) if cursor else None
    rows = item_repo.page(
        conn,
        flt,
        areas=access.visible_areas(principal),
        after=after,
        limit=limit + 1,
        descending=descending,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ItemPage(rows, encode_cursor(rows[-1].id) if more else None)


def encode_cursor(item_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{item_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id":
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor", "is not a cursor returned by this API") from None


def act(
    conn: Connection,
    item_id: int,
    *,
    action: Action,
    principal: access.Principal,
    now: datetime,
    at: datetime | None = None,
    note: str | None = None,
    reason: str | None = None,
    area: str | None = None,
    to_tier: str | None = None,
    assignee: str | None = None,
    outcome: Outcome | None = None,
) -> WorkItem:
    """Apply one action to an item and append its event, in the caller's transaction."""
    item = get(conn, item_id, principal=principal)
    access.require_action(principal, item, action, assignee=assignee)
    when = _instant(at, principal=principal, now=now)
    agent = _check_refs(conn, area=area, assignee=assignee)
    if agent is not None and action is Action.ASSIGN:
        moves.check_assignee(agent, item.area)
    if area is not None and action is not Action.PEND_AREA:
        access.require_area(principal, area)
    command = TransitionCommand(
        action=action,
        at=when,
        actor=principal.name,
        note=note,
        reason=reason,
        area=area,
        to_tier=to_tier,
        assignee=assignee,
        outcome=outcome,
    )
    # Only escalation climbs the ladder; other actions need no catalog read.
    ladder = catalog_repo.ladder(conn) if action is Action.ESCALATE else ()
    new, event = transition(item, command, ladder=ladder)
    if not item_repo.save_state(conn, new, expected_version=item.version):
        raise Conflict(f"item {item_id} was changed by someone else; read it again and retry")
    item_repo.append_events(conn, [event], recorded_at=now)
    return new


def record_csat(
    conn: Connection,
    item_id: int,
    *,
    score: int,
    comment: str | None,
    principal: access.Principal,
    now: datetime,
    at: datetime | None = None,
) -> WorkItem:
    """Record the customer's satisfaction answer about a resolved or closed item (an
    event, no transition: the routing queue and the item's status are left alone)."""
    item = get(conn, item_id, principal=principal)
    access.require_feedback(principal, item)
    when = _instant(at, principal=principal, now=now)
    new, event = satisfaction.record(
        item, score=score, comment=comment, at=when, actor=principal.name
    )
    saved = item_repo.save_transition(
        conn, new, event, expected_version=item.version, recorded_at=now, follow_queue=False
    )
    if not saved:
        raise Conflict(f"item {item_id} was changed by someone else; read it again and retry")
    return new


def _instant(at: datetime | None, *, principal: access.Principal, now: datetime) -> datetime:
    if at is None:
        return now
    if not principal.may_backdate:
        raise Forbidden("only admin and integration users may set 'at'", field="at")
    when = require_aware(at, field="at")
    if when > now:
        raise InvalidInput("at", "is in the future")
    return when


def _check_refs(conn: Connection, *, area: str | None, assignee: str | None) -> Agent | None:
    """Refuse unknown references; return the assignee's agent, if one was named."""
    if area is not None and not catalog_repo.has_area(conn, area):
        raise InvalidInput("area", f"unknown area {area!r}")
    if assignee is None:
        return None
    agent = catalog_repo.agent(conn, assignee)
    if agent is None:
        raise InvalidInput("assignee", f"unknown agent {assignee!r}")
    return agent
