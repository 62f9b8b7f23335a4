"""`retaguarda sla`: the SLA clocks of items, and why they stand where they do."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from retaguarda import clock
from retaguarda.cli.common import CLI_PRINCIPAL, console, database, one_line_errors, settings
from retaguarda.domain.errors import InvalidInput
from retaguarda.services import sla as sla_service
from retaguarda.services.uow import unit_of_work

app = typer.Typer(help="SLA clocks.", no_args_is_help=True)


@app.command("explain")
@one_line_errors
def explain(
    item: Annotated[int, typer.Argument(help="the item's id")],
    at: Annotated[
        str | None,
        typer.Option(help="as of this instant (ISO 8601 with offset); default: now"),
    ] = None,
) -> None:
    """Each clock's history: policy matched and why, pauses, due date and state."""
    when = clock.now() if at is None else _instant(at)
    with database(settings()) as engine, unit_of_work(engine) as conn:
        found = sla_service.explanation(conn, item, principal=CLI_PRINCIPAL, at=when)
    out = console.print
    out(f"item {item}, as of {when.isoformat()}", markup=False, highlight=False)
    for step in found["steps"]:
        out(f"  {step}", markup=False, highlight=False)
    if not found["clocks"]:
        out("  no clocks", markup=False, highlight=False)
    for entry in found["clocks"]:
        name = entry["metric"] if entry["kind"] == "sla" else f"OLA {entry['area']}"
        out(
            f"\n{name}: {entry['state']}, due {entry['due_at'].isoformat()}"
            + (", at risk" if entry["at_risk"] else ""),
            markup=False,
            highlight=False,
        )
        for step in entry["steps"]:
            out(f"  {step}", markup=False, highlight=False)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("--at", f"{text!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:
        raise InvalidInput("--at", "give a UTC offset (e.g. 2026-03-02T09:00:00-03:00)")
    return value
