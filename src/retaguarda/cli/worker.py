"""`retaguarda worker`: keeps stored SLA clocks current, records risk and breaches, and
ranks the routing queue."""

from __future__ import annotations

import time
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
    """Recompute marked items' clocks (a unit of work per batch), then record alerts."""
    refreshed = 0
    while True:
        with unit_of_work(engine) as conn:
            done = sla_store.refresh(conn, now=clock.now())
        refreshed += done
        if not done:
            break
    with unit_of_work(engine) as conn:
        # Alerts, and the escalations of `resolution_breached` rules they trigger.
        alerts = escalation_service.record_alerts(conn, now=clock.now())
    # Queued items not yet ranked by their area's policy (or ranked under a
    # configuration since changed), a batch per unit of work.
    ranked = 0
    while True:
        with unit_of_work(engine) as conn:
            done = routing_service.rank_pending(conn, now=clock.now())
        ranked += done
        if not done:
            break
    return {"refreshed": refreshed, **alerts, "ranked": ranked}


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
