"""`retaguarda worker`: keeps stored SLA clocks current and records risk and breaches."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.cli.common import database, one_line_errors, settings
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
        alerts = sla_store.record_alerts(conn, now=clock.now())
    return {"refreshed": refreshed, **alerts}


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
                f"items; recorded {tally['at_risk']} at risk, {tally['breached']} breached"
            )
            if once:
                return
            time.sleep(interval)
