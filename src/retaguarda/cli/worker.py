"""`retaguarda worker`: keeps stored SLA clocks current, records risk and breaches, and
ranks the routing queue."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.cli.common import database, one_line_errors, settings
from retaguarda.services import escalation as escalation_service
from retaguarda.services import routing as routing_service
from retaguarda.services import sla_store
from retaguarda.services.uow import unit_of_work


def sweep(engine: Engine) -> dict[str, int]:
    """Recompute marked items' clocks, record alerts (and the escalations of
    `resolution_breached` rules they trigger), then rank the queue's new or stale
    rows: every batch in its own unit of work."""
    refreshed = _drain(engine, sla_store.refresh)
    with unit_of_work(engine) as conn:
        alerts = escalation_service.record_alerts(conn, now=clock.now())
    ranked = _drain(engine, routing_service.rank_pending)
    return {"refreshed": refreshed, **alerts, "ranked": ranked}


def _drain(engine: Engine, batch: Callable[..., int]) -> int:
    """Run `batch(conn, now=...)` in a unit of work each until one does nothing."""
    total = 0
    while done := _one(engine, batch):
        total += done
    return total


def _one(engine: Engine, batch: Callable[..., int]) -> int:
    with unit_of_work(engine) as conn:
        return batch(conn, now=clock.now())


@one_line_errors
def worker(
    interval: Annotated[float, typer.Option(min=0.1, help="seconds between sweeps")] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="one sweep, then exit")] = False,
) -> None:
    """Sweep SLA clocks: recompute the items that changed, record risk and breaches.

    Several workers may run at once (on PostgreSQL they share the work and never
    record the same alert twice); stop with Ctrl-C.
    """
    with database(settings()) as engine:
        while True:
            tally = sweep(engine)
            typer.echo(
                f"{clock.now().isoformat(timespec='seconds')} refreshed {tally['refreshed']} "
                f"items; recorded {tally['at_risk']} at risk, {tally['breached']} breached; "
                f"escalated {tally['escalated']} items; "
                f"ranked {tally['ranked']} queued items"
            )
            if once:
                return
            time.sleep(interval)
