"""`retaguarda report daily|monthly`: the day's or month's figures as tables in the
terminal, and with --out as CSV, one XLSX workbook and PNG charts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable
from sqlalchemy import Connection

from retaguarda import clock
from retaguarda.cli.common import CLI_PRINCIPAL, console, database, one_line_errors, settings
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.kpi.tables import Table, Unit
from retaguarda.interop import charts, report_files
from retaguarda.services import reports, summaries
from retaguarda.services.uow import unit_of_work

app = typer.Typer(help="Daily and monthly reports.", no_args_is_help=True)

Out = Annotated[
    Path | None,
    typer.Option(help="also write every table as CSV, a workbook (XLSX) and PNG charts here"),
]


@app.command("daily")
@one_line_errors
def daily(
    day: Annotated[str, typer.Option("--date", help="the local day, YYYY-MM-DD")],
    out: Out = None,
) -> None:
    """One day: backlog at its end (current, overdue, aging), inflow and outflow,
    the 14-day trend, the Pareto of reasons against the day before."""
    wanted = _day(day, "--date")
    _report(
        lambda conn: summaries.daily(conn, wanted, principal=CLI_PRINCIPAL, now=clock.now()), out
    )


@app.command("monthly")
@one_line_errors
def monthly(
    month: Annotated[str, typer.Option("--month", help="the month, YYYY-MM")],
    out: Out = None,
) -> None:
    """One month: its figures, every day of it, the Pareto against the month before."""
    wanted = _day(f"{month}-01", "--month", shown=month)
    _report(
        lambda conn: summaries.monthly(conn, wanted, principal=CLI_PRINCIPAL, now=clock.now()), out
    )


def _report(build: Callable[[Connection], summaries.Summary], out: Path | None) -> None:
    with database(settings()) as engine, unit_of_work(engine) as conn:
        summary = build(conn)
        zone = reports.frame(conn).zone
    console.print(summary.title, style="bold")
    for table in summary.tables:
        console.print(_rich(table))
    if out is not None:
        written = report_files.write_all(summary.tables, _charts(summary), out, tz=zone)
        console.print(f"wrote {len(written)} files to {out}", markup=False, highlight=False)


def _charts(summary: summaries.Summary) -> dict[str, bytes]:
    return {
        "backlog": charts.backlog_chart(summary.days, summary.current, summary.overdue),
        "aging_by_age": charts.aging_chart(summary.aging_by_age),
        "aging_by_sla": charts.aging_chart(
            summary.aging_by_sla,
            labels=charts.AgingLabels(
                title="Backlog by share of the SLA used", x="Share of the resolution target"
            ),
        ),
        "flow": charts.flow_chart(summary.days, summary.inflow, summary.outflow),
        "pareto": charts.pareto_chart(summary.pareto),
        "sla_compliance_by_area": charts.compliance_chart(summary.compliance_by_area),
    }


def _rich(table: Table) -> RichTable:
    shown = RichTable(title=table.title, title_justify="left")
    for column in table.columns:
        shown.add_column(column.label, justify="left" if column.unit is Unit.TEXT else "right")
    for row in table.rows:
        shown.add_row(*(_cell(v, c.unit) for v, c in zip(row, table.columns, strict=True)))
    return shown


def _cell(value: object, unit: Unit) -> str:
    if value is None:
        return "-"
    if unit is Unit.RATIO and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _day(text: str, option: str, *, shown: str | None = None) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        expected = "YYYY-MM" if option == "--month" else "YYYY-MM-DD"
        raise InvalidInput(option, f"{shown or text!r} is not a {expected}") from None
