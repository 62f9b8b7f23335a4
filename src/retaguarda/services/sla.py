"""SLA clocks of items, measured from their events with the configured versions."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.item.events import Event
from retaguarda.domain.sla import document
from retaguarda.domain.sla.clock import Measured, measure
from retaguarda.domain.sla.policy import SlaConfig
from retaguarda.domain.types import require_aware
from retaguarda.services import item as item_service
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos import sla as sla_repo

# Built versions by uid: building a calendar loads holiday tables, and a
# version never changes once stored.
_BUILT: dict[str, SlaConfig] = {}
_LOCK = threading.Lock()


def configs(conn: Connection) -> list[SlaConfig]:
    """Every stored version, oldest first, each built once per process."""
    entries = sla_repo.index(conn)
    missing = [uid for _, uid, _ in entries if uid not in _BUILT]
    if missing:
        docs = sla_repo.documents(conn, missing)
        for version, uid, applied_at in entries:
            if uid in docs:
                built = document.load(docs[uid], version=version, applied_at=applied_at)
                with _LOCK:
                    _BUILT[uid] = built
    return [_BUILT[uid] for _, uid, _ in entries]


def config_in_force(conn: Connection, uid: str | None) -> SlaConfig | None:
    """The version named `uid` (the latest, as intake reads it): no query once built."""
    if uid is None:
        return None
    if uid not in _BUILT:
        configs(conn)
    return _BUILT[uid]


def handling_minutes(conn: Connection) -> dict[str, int | None]:
    """Each case type's expected handling time, for the predicted-breach rule."""
    return catalog_repo.handling_minutes(conn)


def measure_many(
    conn: Connection, histories: Mapping[int, Sequence[Event]], *, at: datetime
) -> dict[int, Measured]:
    """Clocks of several items from their event logs (one configuration read for all)."""
    require_aware(at, field="at")
    if not histories:
        return {}
    versions = configs(conn)
    handling = handling_minutes(conn)
    return {
        item_id: measure(events, versions, at=at, expected_handling_minutes=handling)
        for item_id, events in histories.items()
    }


def measure_items(
    conn: Connection, item_ids: Sequence[int], *, at: datetime
) -> dict[int, Measured]:
    """Clocks of items the caller has already been allowed to see (e.g. a page of a list)."""
    return measure_many(conn, item_repo.histories(conn, item_ids), at=at)


def clocks(
    conn: Connection,
    item_id: int,
    *,
    principal: access.Principal,
    at: datetime,
    explain: bool = False,
) -> Measured:
    """The item's SLA and OLA clocks as of `at`; with `explain`, every step in full."""
    require_aware(at, field="at")
    history = item_service.events(conn, item_id, principal=principal)
    return measure(
        history,
        configs(conn),
        at=at,
        expected_handling_minutes=handling_minutes(conn),
        explain=explain,
    )


def explanation(
    conn: Connection, item_id: int, *, principal: access.Principal, at: datetime
) -> dict[str, Any]:
    """Why each clock of the item stands where it does, as of `at`."""
    measured = clocks(conn, item_id, principal=principal, at=at, explain=True)
    return {
        "item_id": item_id,
        "at": at,
        "config_version": measured.config_version,
        "steps": list(measured.steps),
        "clocks": [
            {**entry, "steps": list(clock.steps)}
            for entry, clock in zip(as_dicts(measured), measured.clocks, strict=True)
        ],
    }


def as_dicts(measured: Measured) -> list[dict[str, Any]]:
    """The clocks as the API and the CLI show them."""
    return [
        {
            "kind": clock.kind,
            "metric": clock.metric,
            "policy": clock.policy,
            "area": clock.area,
            "calendar": clock.calendar,
            "target": clock.target.as_dict(),
            "started_at": clock.started_at,
            "due_at": clock.due_at,
            "state": clock.state,
            "elapsed_business_seconds": clock.elapsed_business_seconds,
            "remaining_business_seconds": clock.remaining_business_seconds,
            "at_risk": clock.at_risk,
            "stopped_at": clock.stopped_at,
        }
        for clock in measured.clocks
    ]
