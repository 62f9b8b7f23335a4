"""`retaguarda forecast`: daily arrivals from the items' creation, on both databases."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Engine

from retaguarda.services import intake
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import CRM, seed
from tests.cli.conftest import Cli, error_lines, ok

# Arrivals per weekday, Monday .. Sunday, for each case type.
WEEK = {"invoice_dispute": [3, 4, 3, 5, 6, 1, 0], "delivery_missing": [1, 2, 1, 2, 3, 0, 1]}
WEEKS = 5
CLI = Path(sys.executable).with_name("retaguarda")


def _today() -> date:
    return datetime.now(UTC).date()


def arrivals(engine: Engine, *, weeks: int = WEEKS) -> None:
    """The same week `weeks` times, ending yesterday (UTC), at 12:00 UTC; invoice
    disputes by e-mail, missing deliveries by phone."""
    seed(engine)
    now = datetime.now(UTC)
    inputs = []
    for back in range(1, 7 * weeks + 1):
        day = _today() - timedelta(days=back)
        at = datetime.combine(day, time(12), UTC)
        for case_type, week in WEEK.items():
            channel = "email" if case_type == "invoice_dispute" else "phone"
            for n in range(week[day.weekday()]):
                inputs.append(
                    ItemInput.model_validate(
                        {
                            "external_ref": f"{case_type}-{day}-{n}",
                            "channel": channel,
                            "case_type": case_type,
                            "created_at": at,
                        }
                    )
                )
    with unit_of_work(engine) as conn:
        results = intake.intake(conn, inputs, principal=CRM, now=now)
    assert {r.status for r in results} == {"created"}


class TestJson:
    def test_one_series_per_case_type_in_the_documented_shape(
        self, cli: Cli, engine: Engine
    ) -> None:
        arrivals(engine)

        out = ok(
            cli(
                "forecast",
                "--horizon",
                "7",
                "--by",
                "case_type",
                "--format",
                "json",
                "--timezone",
                "UTC",
            )
        ).stdout

        document = json.loads(out)
        assert list(document) == ["series"]
        assert [s["key"] for s in document["series"]] == ["delivery_missing", "invoice_dispute"]
        for series in document["series"]:
            assert set(series) == {"key", "model", "mase", "backtest", "forecast"}
            assert set(series["backtest"]) == {"SeasonalNaive", "AutoETS", "MSTL"}
            # A pure weekly pattern: seasonal naive is exact and chosen.
            assert (series["model"], series["mase"]) == ("SeasonalNaive", 0)
            days = [date.fromisoformat(p["date"]) for p in series["forecast"]]
            assert days == [_today() + timedelta(days=i) for i in range(7)]
            week = WEEK[series["key"]]
            for point, day in zip(series["forecast"], days, strict=True):
                assert set(point) == {"date", "mean", "lo", "hi"}
                assert point["mean"] == week[day.weekday()]
                assert 0 <= point["lo"] <= point["mean"] <= point["hi"]

    def test_by_channel_and_all_together(self, cli: Cli, engine: Engine) -> None:
        arrivals(engine)

        by_channel = json.loads(
            ok(cli("forecast", "--horizon", "3", "--by", "channel", "--format", "json")).stdout
        )
        together = json.loads(ok(cli("forecast", "--horizon", "3", "--format", "json")).stdout)

        assert [s["key"] for s in by_channel["series"]] == ["email", "phone"]
        assert [s["key"] for s in together["series"]] == ["all"]
        assert len(together["series"][0]["forecast"]) == 3


class TestTable:
    def test_prints_the_model_its_backtest_and_the_days(self, cli: Cli, engine: Engine) -> None:
        arrivals(engine)

        out = ok(cli("forecast", "--horizon", "7", "--level", "95", "--timezone", "UTC")).stdout

        assert "all: SeasonalNaive, MASE 0.000" in out
        assert "AutoETS" in out
        assert "MSTL" in out
        assert "hi 95%" in out
        assert (_today() + timedelta(days=6)).isoformat() in out


class TestErrors:
    def test_bad_options_are_one_line(self, cli: Cli, engine: Engine) -> None:
        arrivals(engine, weeks=3)

        horizon = cli("forecast", "--horizon", "0")
        level = cli("forecast", "--level", "100")
        zone = cli("forecast", "--timezone", "Mars/Olympus")

        assert (horizon.exit_code, error_lines(horizon)) == (
            2,
            ["error: horizon: must be between 1 and 366 days, not 0"],
        )
        assert level.exit_code == 2
        assert error_lines(level) == [
            "error: level: must be a percentage between 1 and 99, not 100"
        ]
        assert zone.exit_code == 2
        assert error_lines(zone) == [
            "error: timezone: unknown time zone 'Mars/Olympus' (an IANA name)"
        ]

    def test_an_unknown_grouping_is_a_usage_error(self) -> None:
        # Typer refuses it before any database is opened; the installed command prints it
        # on one line (see test_usage.py).
        run = subprocess.run(
            [str(CLI), "forecast", "--by", "area"], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 2
        assert run.stderr.startswith("error: Invalid value for '--by'")
        assert "'area' is not one of 'case_type', 'channel'" in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1

    def test_no_arrivals_or_too_few_days(self, cli: Cli, engine: Engine) -> None:
        seed(engine)
        empty = cli("forecast")
        assert empty.exit_code == 2
        assert len(error_lines(empty)) == 1
        assert error_lines(empty)[0].startswith("error: history: no items were created in the 365")

        arrivals(engine, weeks=2)
        short = cli("forecast", "--timezone", "UTC")
        assert short.exit_code == 2
        assert error_lines(short) == [
            "error: history: series 'all' has 14 days; at least 21 are needed "
            "(two full weeks to fit and one to test)"
        ]
