"""Automatic escalation by the configured rules (domain.item.escalation): at intake,
and when the worker records that an item's resolution clock breached."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain.errors import Conflict
from retaguarda.domain.item import escalation
from retaguarda.domain.item.escalation import Rule
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.model import ItemDraft, WorkItem
from retaguarda.services import sla_store
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos import settings as settings_repo

Key = tuple[str, str]  # (channel, external_ref)
_ATTEMPTS = 3


def at_intake(
    rules: Sequence[Rule], drafts: Sequence[ItemDraft], *, ladder: Sequence[str]
) -> dict[Key, tuple[WorkItem, Event]]:
    """Escalate received items by the rules with conditions: by (channel, ref), the
    state each is to be stored in and its `escalated` event (item id still to set)."""
    if not any(r.to and r.when is not None for r in rules):
        return {}
    decided = {}
    for draft in drafts:
        rule = escalation.intake_rule(rules, draft, ladder)
        if rule is not None:
            key = (draft.channel.value, draft.external_ref)
            decided[key] = escalation.escalate_received(draft, rule, ladder=ladder)
    return decided


def record_alerts(conn: Connection, *, now: datetime) -> dict[str, int]:
    """Record SLA alerts, then escalate the items whose resolution clock they show
    breached: the worker's alert step, in the caller's transaction."""
    recorded = sla_store.record_alert_events(conn, now=now)
    return {**sla_store.tally(recorded), "escalated": escalate_breached(conn, recorded, now=now)}


def escalate_breached(conn: Connection, recorded: Sequence[Event], *, now: datetime) -> int:
    """Escalate by the `resolution_breached` rules the items of the `sla_breached`
    events just recorded; how many were escalated.

    Each breach is recorded once (sla_store claims it), so each is acted on once, even
    with several workers; an item already at or above the rule's tier stays put.
    """
    item_ids = sorted(
        {
            e.item_id
            for e in recorded
            if e.item_id is not None
            and e.type == sla_store.BREACHED_EVENT
            and e.data.get("metric") == "resolution"
        }
    )
    if not item_ids:
        return 0
    rules = escalation.from_document(settings_repo.get(conn, escalation.ESCALATION))
    if not any(r.to and r.when is None for r in rules):
        return 0
    ladder = catalog_repo.ladder(conn)
    events = []
    found = item_repo.many(conn, item_ids)
    for item in (found[i] for i in item_ids if i in found):  # in id order, as locks go
        event = _escalate_breached(conn, item, rules, ladder=ladder, now=now)
        if event is not None:
            events.append(event)
    item_repo.append_events(conn, events, recorded_at=now)
    return len(events)


def _escalate_breached(
    conn: Connection, item: WorkItem, rules: Sequence[Rule], *, ladder: Sequence[str], now: datetime
) -> Event | None:
    for _ in range(_ATTEMPTS):
        rule = escalation.breach_rule(rules, item, ladder)
        if rule is None:
            return None
        # Never before the item's last change (events of an item are chronological).
        at = max(now, item.updated_at)
        new, event = escalation.escalate(item, rule, at=at, actor=sla_store.WORKER, ladder=ladder)
        if item_repo.save_state(conn, new, expected_version=item.version):
            return event
        # Changed since it was read: decide again on what is stored now.
        again = item_repo.get(conn, item.id)
        if again is None:
            return None
        item = again
    raise Conflict(f"item {item.id} keeps changing; its escalation is retried on the next sweep")
