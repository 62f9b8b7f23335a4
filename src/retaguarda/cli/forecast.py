"""`retaguarda forecast`: arrivals per day for the coming days, per case type or channel,
by the model that won the rolling-origin backtest, with a prediction interval."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from retaguarda import clock
from retaguarda.cli.common import CLI_PRINCIPAL, console, database, one_line_errors, settings
from retaguarda.domain.forecast import SeriesForecast
from retaguarda.services import forecast as forecast_service
from retaguarda.services.uow import unit_of_work


class By(StrEnum):
    case_type = "case_type"
    channel = "channel"


class Format(StrEnum):
    table = "table"
    json = "json"


@one_line_errors
def forecast(
    horizon: Annotated[int, typer.Option(help="days to forecast, from today")] = 28,
    by: Annotated[By | None, typer.Option(help="one series per case type or channel")] = None,
    output: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    level: Annotated[int, typer.Option(help="prediction interval, percent")] = 80,
    days: Annotated[int, typer.Option(help="days of history before today")] = 365,
    timezone: Annotated[
        str | None,
        typer.Option(help="IANA zone the days are counted in; default: the reports' zone"),
    ] = None,
) -> None:
    """Forecast daily arrivals (items created): seasonal naive, AutoETS and MSTL are
    backtested from rolling origins and the one with the lowest MASE forecasts."""
    with database(settings()) as engine, unit_of_work(engine) as conn:
        result = forecast_service.forecast(
            conn,
            principal=CLI_PRINCIPAL,
            now=clock.now(),
            horizon=horizon,
            level=level,
            timezone=timezone,
            days=days,
            by=None if by is None else by.value,
        )
    if output is Format.json:
        print(json.dumps(as_json(result), allow_nan=False))
        return
    for series in result:
        _table(series, level)


def as_json(result: list[SeriesForecast]) -> dict[str, Any]:
    """`{"series": [{key, model, mase, backtest: {model: mase}, forecast: [...]}]}`."""
    return {
        "series": [
            {
                "key": s.key,
                "model": s.model,
                "mase": _number(s.mase),
                "backtest": {name: _number(v) for name, v in s.backtest.items()},
                "forecast": [
                    {
                        "date": p.day.isoformat(),
                        "mean": round(p.mean, 3),
                        "lo": round(p.lo, 3),
                        "hi": round(p.hi, 3),
                    }
                    for p in s.points
                ],
            }
            for s in result
        ]
    }


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)


def _table(series: SeriesForecast, level: int) -> None:
    scores = ", ".join(
        f"{name} {'failed' if v is None else f'{v:.3f}'}" for name, v in series.backtest.items()
    )
    title = (
        f"{series.key}: {series.model}, MASE {series.mase:.3f} "
        f"({series.history_days} days of history; backtest {series.origins} x "
        f"{series.backtest_horizon} days: {scores})"
    )
    table = Table(title=title, title_justify="left")
    for label in ("date", "mean", f"lo {level}%", f"hi {level}%"):
        table.add_column(label, justify="left" if label == "date" else "right")
    for p in series.points:
        table.add_row(p.day.isoformat(), f"{p.mean:.1f}", f"{p.lo:.1f}", f"{p.hi:.1f}")
    console.print(table)
