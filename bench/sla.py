#!/usr/bin/env python
"""SLA calendar benchmark of issue #3: bulk deadlines and elapsed business time.

    .venv/bin/python bench/sla.py                      # about two minutes
    .venv/bin/python bench/sla.py --n 100k --repeats 5 --no-docs

On the br-sp calendar (America/Sao_Paulo, Mon-Fri 08:00-18:00, BR + SP public
holidays, closed 24 and 31 Dec 2026), for N receipts uniform over 2025-2026 (every
second equally likely, so nights, weekends and holidays are covered) and, for elapsed
time, ends 0-21 days later:

- deadline, 5 business days  (end of the 5th business day after the date of receipt)
- deadline, 40 business hours (a deadline on a closing time is that closing time)
- elapsed business seconds between two instants

Implementations, each timed in the same run, repetitions interleaved (harness.rounds):
- ours: `BusinessCalendar.add_many` / `between_many` on datetime64[s] UTC arrays;
- bare: the floor, written here: per-span UTC start/end arrays, cumulative business
  seconds before each span, `np.searchsorted` (hours, elapsed); a per-local-date table
  of business-day ordinals (days);
- numpy.busday_offset (days only; NumPy's own business-day routine);
- workalendar 17 (a subsample): `add_working_days` / `get_working_days_delta`, the
  intra-day part by hand, as it has no business-hours API;
- pandas `CustomBusinessDay` / `CustomBusinessHour` (a smaller subsample; pandas has
  no elapsed-business-time function).
Every peer is fed the same holiday set and its results are compared with ours to the
second. Results: bench/results/sla.json and the `sla` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np

import harness
from harness import ROOT, log, machine_facts, parse_count, rounds, summary, write_results
from retaguarda.calendar import BusinessCalendar

CONFIG: dict[str, Any] = {
    "key": "br-sp",
    "timezone": "America/Sao_Paulo",
    "holidays": {"country": "BR", "subdivision": "SP"},
    "hours": {"mon-fri": ["08:00-18:00"]},
    "closed": ["2026-12-24", "2026-12-31"],
}
OFFSET = -3 * 3600  # America/Sao_Paulo has had no DST since 2019 (checked in main)
OPEN, CLOSE = 8 * 3600, 18 * 3600
DAY = 86_400
DAY_SECONDS = CLOSE - OPEN
FIRST, STOP = date(2025, 1, 1), date(2027, 1, 1)  # receipts fall in [FIRST, STOP)
TABLE_FIRST, TABLE_STOP = date(2024, 1, 1), date(2029, 1, 1)
DAYS, HOURS = 5, 40
SEED = 20260403
Arr = np.ndarray[Any, Any]


def holiday_set() -> set[date]:
    found = holidays.country_holidays(
        "BR", subdiv="SP", years=range(TABLE_FIRST.year, TABLE_STOP.year)
    )
    return set(found) | {date.fromisoformat(str(d)) for d in CONFIG["closed"]}


def make_inputs(n: int) -> tuple[Arr, Arr]:
    rng = np.random.default_rng(SEED)
    base = np.datetime64(datetime.combine(FIRST, datetime.min.time()), "s")
    width = (STOP - FIRST).days * DAY
    starts = base + rng.integers(0, width, n).astype("timedelta64[s]") - np.timedelta64(OFFSET, "s")
    ends = starts + rng.integers(0, 21 * DAY, n).astype("timedelta64[s]")
    return starts, ends


class Bare:
    """The floor: the textbook cumulative-table kernel, nothing else."""

    def __init__(self, off: set[date]) -> None:
        days = np.arange(np.datetime64(TABLE_FIRST), np.datetime64(TABLE_STOP))
        weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        off_days = np.array(sorted(off), dtype="datetime64[D]")
        business = (weekday < 5) & ~np.isin(days, off_days)
        midnight = days[business].astype("datetime64[s]").astype(np.int64) - OFFSET
        first = days[0].astype("datetime64[s]").astype(np.int64) - OFFSET
        # one empty span at the table's start, so every instant has a span before it
        self.starts = np.concatenate([[first], midnight + OPEN])
        self.ends = np.concatenate([[first], midnight + CLOSE])
        self.duration = self.ends - self.starts
        self.cum_end = np.cumsum(self.duration)
        self.cum_before = self.cum_end - self.duration
        self.first_day = days[0].astype(np.int64)
        self.bday_before = np.concatenate([[0], np.cumsum(business)])
        self.bday_end = self.ends[1:]

    def business_before(self, t: Arr) -> Arr:
        i = np.searchsorted(self.starts, t, side="right") - 1
        return self.cum_before[i] + np.minimum(t - self.starts[i], self.duration[i])

    def add_hours(self, starts: Arr, seconds: int) -> Arr:
        target = self.business_before(starts.view(np.int64)) + seconds
        j = np.searchsorted(self.cum_end, target, side="left")
        return (self.starts[j] + (target - self.cum_before[j])).view("datetime64[s]")

    def add_days(self, starts: Arr, days: int) -> Arr:
        local_day = (starts.view(np.int64) + OFFSET) // DAY - self.first_day
        return self.bday_end[self.bday_before[local_day + 1] + days - 1].view("datetime64[s]")

    def between(self, a: Arr, b: Arr) -> Arr:
        return self.business_before(b.view(np.int64)) - self.business_before(a.view(np.int64))


def busday_days(off: set[date]) -> Callable[[Arr, int], Arr]:
    calendar = np.busdaycalendar(holidays=np.array(sorted(off), dtype="datetime64[D]"))

    def add_days(starts: Arr, days: int) -> Arr:
        local = (starts + np.timedelta64(OFFSET, "s")).astype("datetime64[D]")
        # roll back to a business day, then count forward: the N-th after the date
        due = np.busday_offset(local, days, roll="backward", busdaycal=calendar)
        return due.astype("datetime64[s]") + np.timedelta64(CLOSE - OFFSET, "s")

    return add_days


def workalendar_peer(off: set[date]) -> dict[str, Callable[..., list[Any]]]:
    from workalendar.core import SAT, SUN, CoreCalendar

    by_year: dict[int, list[tuple[date, str]]] = {}
    for day in sorted(off):
        by_year.setdefault(day.year, []).append((day, "closed"))

    class SameDays(CoreCalendar):  # type: ignore[misc]
        WEEKEND_DAYS = (SAT, SUN)

        def get_calendar_holidays(self, year: int) -> list[tuple[date, str]]:
            return by_year.get(year, [])

    cal = SameDays()
    working, add_working = cal.is_working_day, cal.add_working_days
    delta = cal.get_working_days_delta

    def at(day: date, second: int) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(seconds=second)

    def add_days(local: list[datetime], days: int) -> list[datetime]:
        return [at(add_working(t.date(), days), CLOSE) for t in local]

    def add_hours(local: list[datetime], seconds: int) -> list[datetime]:
        out = []
        for t in local:
            day, clock = t.date(), t.hour * 3600 + t.minute * 60 + t.second
            if clock < CLOSE and working(day):
                begin = max(clock, OPEN)
            else:
                day, begin = add_working(day, 1), OPEN
            if seconds <= CLOSE - begin:
                out.append(at(day, begin + seconds))
                continue
            rest = seconds - (CLOSE - begin)
            whole = -(-rest // DAY_SECONDS)  # days still needed, the last one partly
            out.append(at(add_working(day, whole), OPEN + rest - (whole - 1) * DAY_SECONDS))
        return out

    def between(local_a: list[datetime], local_b: list[datetime]) -> list[int]:
        out = []
        for a, b in zip(local_a, local_b, strict=True):
            da, db = a.date(), b.date()
            ca = min(max(a.hour * 3600 + a.minute * 60 + a.second, OPEN), CLOSE)
            cb = min(max(b.hour * 3600 + b.minute * 60 + b.second, OPEN), CLOSE)
            if da == db:
                out.append(max(cb - ca, 0) if working(da) else 0)
                continue
            head = CLOSE - ca if working(da) else 0
            tail = cb - OPEN if working(db) else 0
            inner = delta(da, db) - (1 if working(db) else 0)  # working days in (da, db)
            out.append(head + inner * DAY_SECONDS + tail)
        return out

    return {"days": add_days, "hours": add_hours, "between": between}


def pandas_peer(off: set[date]) -> dict[str, Callable[..., Any]]:
    import pandas as pd

    holidays_list = sorted(off)
    shift = pd.Timedelta(seconds=OFFSET)

    def add_days(index: Any, days: int) -> Any:
        offset = pd.offsets.CustomBusinessDay(n=days, holidays=holidays_list)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PerformanceWarning: not vectorised
            return (index + shift).normalize() + offset + pd.Timedelta(seconds=CLOSE) - shift

    def add_hours(index: Any, seconds: int) -> Any:
        offset = pd.offsets.CustomBusinessHour(
            n=seconds // 3600, start="08:00", end="18:00", holidays=holidays_list
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return (index + shift) + offset - shift

    return {"days": add_days, "hours": add_hours}


def workalendar_holiday_data() -> dict[str, list[str]]:
    """Where workalendar's own BrazilSaoPauloState differs from `holidays` BR/SP (public)."""
    from workalendar.america import BrazilSaoPauloState

    years = range(FIRST.year, STOP.year)
    theirs = {d: n for y in years for d, n in BrazilSaoPauloState().holidays(y)}
    ours = dict(holidays.country_holidays("BR", subdiv="SP", years=years).items())
    return {
        "only_workalendar": [f"{d} {n}" for d, n in sorted(theirs.items()) if d not in ours],
        "only_holidays": [f"{d} {n}" for d, n in sorted(ours.items()) if d not in theirs],
    }


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    gc.disable()
    try:
        began = time.perf_counter()
        result = call()
        return time.perf_counter() - began, result
    finally:
        gc.enable()


def as_seconds(result: Any) -> Arr:
    """Any peer's output as int64 seconds (UTC epoch for instants)."""
    if isinstance(result, list) and result and isinstance(result[0], datetime):
        local = np.array(result, dtype="datetime64[s]")
        return local.view(np.int64) - OFFSET
    array = np.asarray(getattr(result, "values", result))
    if array.dtype.kind == "M":
        return array.astype("datetime64[s]").view(np.int64)
    return array.astype(np.int64)


def local_text(t: int) -> str:
    return datetime.fromtimestamp(t, ZoneInfo(CONFIG["timezone"])).strftime("%a %Y-%m-%d %H:%M")


def compare(
    ours: Arr, theirs: Arr, inputs: tuple[Arr, ...], same_business_time: Any
) -> dict[str, Any]:
    """Exact comparison; for deadlines also whether mismatches are the same business time."""
    bad = np.flatnonzero(ours[: len(theirs)] != theirs)
    examples = [
        {
            "input": [local_text(int(x[i].astype("datetime64[s]").view(np.int64))) for x in inputs],
            "ours": local_text(int(ours[i])) if same_business_time else int(ours[i]),
            "theirs": local_text(int(theirs[i])) if same_business_time else int(theirs[i]),
        }
        for i in bad[:3]
    ]
    found = {"compared": len(theirs), "mismatches": len(bad), "examples": examples}
    if len(bad) and same_business_time is not None:
        gap = same_business_time(ours[bad].view("datetime64[s]"), theirs[bad].view("datetime64[s]"))
        found["same_business_time"] = int((gap == 0).sum())
    return found


def run_operation(
    name: str,
    cases: dict[str, tuple[int, Callable[[], Any]]],
    repeats: int,
    inputs: tuple[Arr, ...],
    same_business_time: Any,
) -> dict[str, Any]:
    log(f"\n== {name}")
    outputs: dict[str, Any] = {}
    for peer, (_, call) in cases.items():  # warm-up: imports, caches, first-call tables
        outputs[peer] = call()

    def run(peer: str, _round: int) -> dict[str, Any]:
        seconds, _ = timed(cases[peer][1])
        return {"seconds": seconds}

    samples = rounds(list(cases), repeats, run)
    ours = as_seconds(outputs["ours"])
    rows: dict[str, Any] = {}
    for peer, (items, _) in cases.items():
        times = summary([s["seconds"] for s in samples[peer]])
        rows[peer] = {
            "items": items,
            "seconds": times,
            "items_per_s": items / times["median"],
            "items_per_s_min": items / times["max"],
            "items_per_s_max": items / times["min"],
            "check": compare(ours, as_seconds(outputs[peer]), inputs, same_business_time),
        }
    floor = rows["bare"]["items_per_s"]
    for peer, row in rows.items():
        row["relative_to_bare"] = row["items_per_s"] / floor
        check = row["check"]
        log(
            f"  {peer:12s} {row['items']:>9,} items  median {row['seconds']['median']:.4f} s  "
            f"{row['items_per_s'] / 1e6:9.3f} M/s  x{row['relative_to_bare']:.3g} of bare  "
            f"mismatches {check['mismatches']}/{check['compared']}"
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started_load = list(os.getloadavg())
    zone = ZoneInfo(CONFIG["timezone"])
    assert all(
        datetime(y, m, 1, tzinfo=zone).utcoffset() == timedelta(seconds=OFFSET)
        for y in range(2024, 2029)
        for m in range(1, 13)
    ), "the bare kernel assumes a fixed -03:00 offset"
    off = holiday_set()
    starts, ends = make_inputs(args.n)
    calendar = BusinessCalendar.from_config(CONFIG)
    cold, _ = timed(
        lambda: BusinessCalendar.from_config(CONFIG).add_many(starts[:1], 5, "business_days")
    )
    bare, busday = Bare(off), busday_days(off)
    wk, pdp = workalendar_peer(off), pandas_peer(off)
    import pandas as pd

    m, p = min(args.n, args.workalendar_n), min(args.n, args.pandas_n)
    local = (starts + np.timedelta64(OFFSET, "s")).astype("datetime64[us]").tolist()
    local_ends = (ends + np.timedelta64(OFFSET, "s")).astype("datetime64[us]").tolist()
    wk_a, wk_b = local[:m], local_ends[:m]
    pd_index = pd.DatetimeIndex(starts[:p])
    n = args.n
    operations = {
        f"deadline, {DAYS} business days": {
            "ours": (n, lambda: calendar.add_many(starts, DAYS, "business_days")),
            "bare": (n, lambda: bare.add_days(starts, DAYS)),
            "numpy_busday": (n, lambda: busday(starts, DAYS)),
            "workalendar": (m, lambda: wk["days"](wk_a, DAYS)),
            "pandas": (p, lambda: pdp["days"](pd_index, DAYS)),
        },
        f"deadline, {HOURS} business hours": {
            "ours": (n, lambda: calendar.add_many(starts, HOURS, "business_hours")),
            "bare": (n, lambda: bare.add_hours(starts, HOURS * 3600)),
            "workalendar": (m, lambda: wk["hours"](wk_a, HOURS * 3600)),
            "pandas": (p, lambda: pdp["hours"](pd_index, HOURS * 3600)),
        },
        "elapsed business seconds": {
            "ours": (n, lambda: calendar.between_many(starts, ends)),
            "bare": (n, lambda: bare.between(starts, ends)),
            "workalendar": (m, lambda: wk["between"](wk_a, wk_b)),
        },
    }
    results: dict[str, Any] = {
        "command": " ".join(
            [
                ".venv/bin/python bench/sla.py",
                shlex.join(argv if argv is not None else sys.argv[1:]),
            ]
        ).strip(),
        "options": vars(args),
        "calendar": CONFIG,
        "inputs": f"{n:,} receipts uniform over {FIRST}..{STOP - timedelta(days=1)} "
        "(UTC seconds); ends 0-21 days later",
        "machine": {**machine_facts(), "loadavg": started_load},
        "versions": {
            name: metadata.version(name) for name in ("numpy", "holidays", "workalendar", "pandas")
        },
        "cold_first_call_s": cold,
        "operations": {},
    }
    for name, cases in operations.items():
        elapsed = name.startswith("elapsed")
        inputs = (starts, ends) if elapsed else (starts,)
        equivalent = None if elapsed else calendar.between_many
        results["operations"][name] = run_operation(name, cases, args.repeats, inputs, equivalent)
    results["workalendar_own_holidays"] = workalendar_holiday_data()
    results["machine"]["loadavg_at_end"] = list(os.getloadavg())
    path = write_results("sla" + (f"_{args.tag}" if args.tag else ""), results)
    log(f"\nwrote {path.relative_to(ROOT)}")
    if not args.no_docs:
        log(f"updated {write_section(results).relative_to(ROOT)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=parse_count, default=1_000_000, help="items (1M)")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (7)")
    parser.add_argument("--workalendar-n", type=parse_count, default=50_000)
    parser.add_argument("--pandas-n", type=parse_count, default=10_000)
    parser.add_argument("--tag", default="", help="results file suffix")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md")
    return parser.parse_args(argv)


# -- docs/benchmarks.md ------------------------------------------------------------------

DASH, TIMES = "\u2013", "\u00d7"
BEGIN, END = "<!-- begin: sla -->", "<!-- end: sla -->"
NAMES = {
    "ours": "**retaguarda** `add_many` / `between_many`",
    "bare": "bare NumPy cumulative table (floor)",
    "numpy_busday": "`numpy.busday_offset`",
    "workalendar": "workalendar",
    "pandas": "pandas `CustomBusinessDay` / `CustomBusinessHour`",
}


def rate(value: float) -> str:
    for scale, suffix in ((1e6, " M"), (1e3, " k")):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def write_section(results: dict[str, Any]) -> Any:
    return harness.write_section("sla", render(results))


def render(results: dict[str, Any]) -> str:
    ops = results["operations"]
    ratios = {name: rows["ours"]["relative_to_bare"] for name, rows in ops.items()}
    met = all(r >= 0.5 for r in ratios.values())
    lines = [
        BEGIN,
        "## SLA calendar arithmetic (issue #3)",
        "",
        "Generated by `bench/sla.py` into `bench/results/sla.json` and this section; do not "
        "edit by hand. Every figure is a median over "
        f"{results['options']['repeats']} timed runs with (min{DASH}max), repetitions interleaved "
        "in rotating order, GC off during each timed call; ratios compare medians measured "
        "side by side in this run.",
        "",
        f"Command: `{results['command']}`",
        "",
        f"Calendar br-sp: America/Sao_Paulo, Mon{DASH}Fri 08:00{DASH}18:00, BR + SP public "
        "holidays (`holidays` package), closed 2026-12-24 and 2026-12-31. Inputs: "
        f"{results['inputs']}. Every peer gets the same set of days off; its results are "
        "compared with ours to the second on every item it computed.",
        "",
        f"Goal: bulk throughput ≥ 0.5{TIMES} the bare kernel's. Measured (ours ÷ bare): "
        + "; ".join(f"{name}: {ratio:.2f}{TIMES}" for name, ratio in ratios.items())
        + f" — **{'met' if met else 'not met'}**.",
        "",
        f"First call on a fresh calendar (config check, holidays and span tables for the "
        f"years asked): {results['cold_first_call_s'] * 1e3:.0f} ms; later calls reuse the tables.",
        "",
    ]
    for name, rows in ops.items():
        lines += [
            f"### {name}",
            "",
            f"| implementation | items timed | seconds, median (min{DASH}max) | "
            f"items/s, median (min{DASH}max) | {TIMES} bare kernel | agrees with ours |",
            "|---|---|---|---|---|---|",
        ]
        for peer, row in sorted(rows.items(), key=lambda kv: -kv[1]["items_per_s"]):
            t, check = row["seconds"], row["check"]
            agrees = (
                "yes"
                if not check["mismatches"]
                else (f"**no: {check['mismatches']:,} of {check['compared']:,} differ**")
            )
            seconds = f"{t['median']:.3g} ({t['min']:.3g}{DASH}{t['max']:.3g})"
            low, high = rate(row["items_per_s_min"]), rate(row["items_per_s_max"])
            per_second = f"{rate(row['items_per_s'])} ({low}{DASH}{high})"
            lines.append(
                f"| {NAMES[peer]} | {row['items']:,} | {seconds} | {per_second} | "
                f"{row['relative_to_bare']:.3g} | {agrees} |"
            )
        lines.append("")
    lines += notes(results)
    lines.append(END)
    return "\n".join(lines)


def notes(results: dict[str, Any]) -> list[str]:
    machine, versions = results["machine"], results["versions"]
    load = ", ".join(f"{x:.2f}" for x in machine["loadavg"])
    load_end = ", ".join(f"{x:.2f}" for x in machine["loadavg_at_end"])
    mismatched = [
        (name, peer, row["check"])
        for name, rows in results["operations"].items()
        for peer, row in rows.items()
        if row["check"]["mismatches"]
    ]
    lines = [
        "What the rows are: the bare kernel is written in the benchmark (per-span UTC arrays, "
        "cumulative business seconds, `np.searchsorted`; for days a per-date table indexed by "
        "arithmetic on the fixed UTC-03:00 offset) and does no checking; ours also floors and "
        "range-checks the input, handles NaT and DST-aware local dates, and replaces the two "
        "`searchsorted` calls by a bucket index (`SortedIndex` in `calendar/table.py`), which is "
        "why it can beat the floor. workalendar has no business-hours API, so its rows use "
        "`add_working_days` / `get_working_days_delta` with the hours added by hand; pandas has "
        "no elapsed-business-time function. Converting inputs to Python datetimes or a "
        "`DatetimeIndex` is not timed.",
        "",
    ]
    for name, peer, check in mismatched:
        same = check.get("same_business_time")
        if same is not None:
            first = check["examples"][0]
            lines.append(
                f"- {name}, {peer}: {check['mismatches']:,} of {check['compared']:,} differ; "
                f"in {same:,} of them the two deadlines are the same business time (no working "
                f"second between them), e.g. received {first['input'][0]}: ours "
                f"{first['ours']}, {peer} {first['theirs']} (local time)."
            )
            continue
        lines.append(
            f"- {name}, {peer}: {check['mismatches']:,} of {check['compared']:,} differ; "
            f"e.g. {check['examples'][:2]}"
        )
    if mismatched:
        lines.append("")
    data = results["workalendar_own_holidays"]
    lines += [
        "With its own `BrazilSaoPauloState` (instead of the days off given above), "
        f"workalendar would differ on the holidays themselves, {FIRST.year}{DASH}"
        f"{STOP.year - 1}: only in workalendar: {', '.join(data['only_workalendar']) or 'none'}; "
        f"only in `holidays`: {', '.join(data['only_holidays']) or 'none'}.",
        "",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu_model']}), {machine['memory']}, "
        f"Python {machine['python']} on {machine['platform']}; load average (1/5/15 min) "
        f"at start {load}, at end {load_end}; {machine['date_utc']}, commit "
        f"{machine['git_commit']}{' (uncommitted changes)' if machine['git_dirty'] else ''}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
    ]
    return lines


if __name__ == "__main__":
    main()
