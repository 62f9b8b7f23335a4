#!/usr/bin/env python
"""Backtest of the arrivals forecast on real logs: the chosen model against seasonal naive.

    .venv/bin/python bench/forecast_backtest.py            # writes docs/forecasting.md
    .venv/bin/python bench/forecast_backtest.py --no-docs  # prints the table only

Reads the clean event logs in /work/shared/data/clean (see /work/shared/data/CARDS.md):
BPIC 2012, Road Traffic Fines, Helpdesk and BPIC 2020 domestic declarations. A case
arrives on the local calendar date of its first event (the earliest instant; the date as
written, before any offset). Daily arrivals from the first to the last arrival day,
missing days 0, go through the same pure core as `retaguarda forecast`
(`retaguarda.domain.forecast`): four rolling origins of 28 days (14 for logs shorter
than a year), MASE against the in-sample weekly seasonal naive, the lowest mean wins.
Results: bench/results/forecast_backtest.json and docs/forecasting.md.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from retaguarda.domain import forecast as fc

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data/clean")
DOC = ROOT / "docs" / "forecasting.md"
RESULTS = ROOT / "bench" / "results" / "forecast_backtest.json"
DATASETS = {
    "BPIC 2012 (loan applications)": "bpic2012.csv.gz",
    "Road Traffic Fines": "road_traffic_fines.csv.gz",
    "Helpdesk": "helpdesk.csv.gz",
    "BPIC 2020 domestic declarations": "bpic2020_domestic_declarations.csv.gz",
}


def arrivals(path: Path) -> tuple[list[date], list[int]]:
    """Days with arrivals and their counts: each case on the wall-clock date of its
    earliest event."""
    log = pd.read_csv(path, usecols=["case_id", "timestamp"], dtype=str)
    log["instant"] = pd.to_datetime(log["timestamp"], utc=True, format="ISO8601")
    first = log.sort_values(["instant"], kind="stable").drop_duplicates("case_id")
    days = first["timestamp"].str.slice(0, 10).value_counts().sort_index()
    return [date.fromisoformat(d) for d in days.index], [int(c) for c in days.to_numpy()]


def run(name: str, file: str) -> dict[str, Any]:
    dates, counts = arrivals(DATA / file)
    span = (max(dates) - min(dates)).days + 1
    horizon = 28 if span >= 365 else 14
    started = time.perf_counter()
    [result] = fc.forecast({name: (dates, counts)}, horizon=horizon, level=80)
    seconds = time.perf_counter() - started
    naive = result.backtest[fc.SEASONAL_NAIVE]
    return {
        "dataset": name,
        "file": file,
        "cases": sum(counts),
        "first_day": min(dates).isoformat(),
        "last_day": max(dates).isoformat(),
        "days": result.history_days,
        "horizon": horizon,
        "origins": result.origins,
        "window": result.backtest_horizon,
        "model": result.model,
        "mase": result.mase,
        "backtest": result.backtest,
        "chosen_le_naive": naive is not None and result.mase <= naive,
        "seconds": round(seconds, 2),
    }


def _cell(value: float | None) -> str:
    return "failed" if value is None else f"{value:.3f}"


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| dataset | days of history (first … last) | cases | backtest | SeasonalNaive "
        "| AutoETS | MSTL | chosen | chosen ≤ seasonal naive |\n"
        "|---|---|---:|---|---:|---:|---:|---|---|\n"
    )
    lines = []
    for r in rows:
        b = r["backtest"]
        lines.append(
            f"| {r['dataset']} | {r['days']:,} ({r['first_day']} … {r['last_day']}) "
            f"| {r['cases']:,} | {r['origins']} x {r['window']} days "
            f"| {_cell(b.get('SeasonalNaive'))} | {_cell(b.get('AutoETS'))} "
            f"| {_cell(b.get('MSTL'))} | **{r['model']}** ({r['mase']:.3f}) "
            f"| {'yes' if r['chosen_le_naive'] else 'NO'} |"
        )
    return head + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the doc")
    args = parser.parse_args()
    rows = []
    for name, file in DATASETS.items():
        row = run(name, file)
        print(
            f"{name}: {row['model']} MASE {row['mase']:.3f} {row['backtest']} ({row['seconds']} s)"
        )
        rows.append(row)
    shown = table(rows)
    print(shown)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    if not args.no_docs:
        text = DOC.read_text()
        start, end = "<!-- backtest:start -->\n", "<!-- backtest:end -->"
        before, rest = text.split(start)
        _, after = rest.split(end)
        DOC.write_text(before + start + shown + end + after)
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
