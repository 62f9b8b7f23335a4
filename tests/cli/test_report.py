"""`retaguarda report daily|monthly`: tables in the terminal, files with --out."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
from matplotlib.image import imread
from sqlalchemy import Engine

from tests.builders import seed
from tests.cli.conftest import Cli, error_lines, ok
from tests.scenarios import write_scenario


def scenario(engine: Engine) -> None:
    seed(engine)
    write_scenario(engine)


class TestDaily:
    def test_prints_the_figures_of_the_day(self, cli: Cli, engine: Engine) -> None:
        scenario(engine)

        out = ok(cli("report", "daily", "--date", "2026-03-06")).stdout

        assert "Daily report 2026-03-06" in out
        lines = {
            " ".join(line.split("│")[1].split()): line
            for line in out.splitlines()
            if line.count("│") >= 3
        }
        # At the end of Friday 6 March (Sao Paulo): A, B, D, F, G open; F overdue since
        # Mon 2 Mar; A due Mon 9 Mar 18:00, still current. D arrived that day.
        assert lines["Backlog at the end"].split("│")[2].strip() == "5"
        assert lines["of which overdue"].split("│")[2].strip() == "1"
        assert lines["Inflow (items received)"].split("│")[2].strip() == "1"

    def test_writes_csv_a_workbook_and_charts(
        self, cli: Cli, engine: Engine, tmp_path: Path
    ) -> None:
        scenario(engine)

        ok(cli("report", "daily", "--date", "2026-03-06", "--out", str(tmp_path)))

        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == [
            "aging_by_age.png",
            "aging_by_sla.png",
            "backlog.png",
            "backlog_by_area.csv",
            "figures.csv",
            "flow.png",
            "flow_by_day.csv",
            "pareto.csv",
            "pareto.png",
            "report.xlsx",
            "service_quality.csv",
            "sla_compliance_by_area.png",
        ]
        with (tmp_path / "flow_by_day.csv").open(newline="") as f:
            days = list(csv.DictReader(f))
        assert len(days) == 14  # the day and the 13 before
        assert days[-1]["Day"] == "2026-03-06"
        assert (days[-1]["Inflow"], days[-1]["Backlog at the end"], days[-1]["Overdue"]) == (
            "1",
            "5",
            "1",
        )
        book = openpyxl.load_workbook(tmp_path / "report.xlsx")
        assert book.sheetnames == [
            "figures",
            "service_quality",
            "backlog_by_area",
            "flow_by_day",
            "pareto",
        ]
        areas = {
            row[0]: row[1:4]
            for row in book["backlog_by_area"].iter_rows(min_row=2, values_only=True)
        }
        assert areas == {"backoffice": (4, 3, 1), "finance": (1, 1, 0)}
        charts = (
            "backlog",
            "aging_by_age",
            "aging_by_sla",
            "flow",
            "pareto",
            "sla_compliance_by_area",
        )
        for chart in charts:
            image = imread(tmp_path / f"{chart}.png")
            assert image.shape[:2] == (700, 1200), chart
            assert len({tuple(px) for px in image.reshape(-1, image.shape[2])[::97]}) > 2, chart

    def test_a_bad_date_is_one_line_and_exit_2(self, cli: Cli, engine: Engine) -> None:
        seed(engine)
        result = cli("report", "daily", "--date", "6/3/2026")

        assert result.exit_code == 2
        assert error_lines(result) == ["error: --date: '6/3/2026' is not a YYYY-MM-DD"]

    def test_a_day_not_begun_is_refused(self, cli: Cli, engine: Engine) -> None:
        seed(engine)
        result = cli("report", "daily", "--date", "2999-01-01")

        assert result.exit_code == 2
        assert error_lines(result) == ["error: date: 2999-01-01 has not begun yet"]


class TestMonthly:
    def test_every_day_of_the_month_and_the_month_figures(
        self, cli: Cli, engine: Engine, tmp_path: Path
    ) -> None:
        scenario(engine)

        out = ok(cli("report", "monthly", "--month", "2026-02", "--out", str(tmp_path))).stdout

        assert "Monthly report 2026-02" in out
        with (tmp_path / "flow_by_day.csv").open(newline="") as f:
            days = list(csv.DictReader(f))
        assert [d["Day"] for d in days][:2] == ["2026-02-01", "2026-02-02"]
        assert len(days) == 28
        # February: C (20th) and F (23rd) arrive, C is resolved on the 24th.
        assert sum(int(d["Inflow"]) for d in days) == 2
        assert sum(int(d["Outflow"]) for d in days) == 1
        with (tmp_path / "figures.csv").open(newline="") as f:
            figures = {row["Indicator"]: row["Value"] for row in csv.DictReader(f)}
        assert figures["Backlog at the end"] == "1"  # F
        assert figures["of which overdue"] == "0"  # F is due Mon 2 Mar 18:00
        with (tmp_path / "service_quality.csv").open(newline="") as f:
            service = {row["Indicator"]: row["Value"] for row in csv.DictReader(f)}
        # C: received Fri 20 Feb, resolved Tue 24 after a day in progress (Mon 10:00 ->
        # Tue 11:00 SP = 25 h), well before its due of Fri 27 Feb 18:00.
        assert (service["Resolutions"], service["SLA compliance"]) == ("1", "1.0")
        assert service["Average handling time (hours)"] == "25.0"

    def test_a_bad_month_is_one_line(self, cli: Cli, engine: Engine) -> None:
        seed(engine)
        result = cli("report", "monthly", "--month", "March")

        assert result.exit_code == 2
        assert error_lines(result) == ["error: --month: 'March' is not a YYYY-MM"]
