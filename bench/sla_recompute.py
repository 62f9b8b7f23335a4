#!/usr/bin/env python
"""Recomputing every open item's SLA clocks after a policy change, on PostgreSQL.

    .venv/bin/python bench/sla_recompute.py              # 1,000,000 items
    .venv/bin/python bench/sla_recompute.py --n 100k --repeats 2 --no-docs

A throwaway database gets the bench configuration (bench/config.yaml: the br-sp
calendar, the issue's policies and OLA) and N open items with their `created`
events, imported through `services.intake` like `retaguarda import items`. A fifth
of them are then moved through queue, assign, start and a wait on the customer
(events written by SQL, 1-3 business days apart) so that pauses are part of the
work. Then, each repetition:

1. `config apply` of a changed policy (targets alternate between two versions),
   which marks every open item;
2. `services.sla_store.refresh_all`: every open item's clocks recomputed in bulk from its
   log and stored (`sla_clocks`), one transaction; timed.

Checks after each run: nothing left marked, and as many stored clocks as the
policies give (first response + resolution for invoice disputes; resolution for
the others). Goal (issue #3): under 60 s for 1,000,000 items. Results:
bench/results/sla_recompute.json and the `sla-recompute` section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

import bulk_load
import databases
import workload
from harness import log, machine_facts, parse_count, summary
from retaguarda.services import config, sla_store
from retaguarda.services.uow import unit_of_work

SEED = 20261123
DASH = "\u2013"
POLICY = """
sla_policies:
  - key: invoice-dispute
    match: {{case_type: invoice_dispute}}
    calendar: br-sp
    targets: {{first_response: {{business_hours: {hours}}}, resolution: {{business_days: 5}}}}
    pause_on: [pending_customer]
  - key: regulator
    match: {{channel: regulator}}
    calendar: br-sp
    targets: {{resolution: {{business_days: 10}}}}
    pause_on: []
  - key: default
    match: {{}}
    calendar: br-sp
    targets: {{resolution: {{business_days: {days}}}}}
"""
# A fifth of the items: queued, assigned and started, then waiting on the customer.
MOVES = [
    ("queued", "queue", "new", "queued", "1 day"),
    ("assigned", "assign", "queued", "assigned", "1 day 1 hour"),
    ("started", "start", "assigned", "in_progress", "2 days"),
    ("pended_customer", "pend_customer", "in_progress", "pending_customer", "3 days"),
]


def main() -> None:
    args = parse_args()
    databases.run_on_postgresql(
        "sla_recompute", "sla-recompute", lambda db: run(db, args), render, docs=not args.no_docs
    )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=parse_count, default=1_000_000, help="open items")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    return p.parse_args()


def run(db: databases.Database, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    rows = workload.items(args.n, seed=SEED, prefix="R", backdated=True)
    tally = bulk_load.run_service(db, rows, chunk=20_000)
    del rows
    log(f"loaded {tally['created']:,} items in {time.perf_counter() - started:.0f} s")
    with db.engine.begin() as conn:
        # The workload's history ends on 1 January 2026; move it to end four days ago,
        # so that clocks are running, at risk and breached, not all long breached.
        shift = {"shift": datetime.now(UTC) - timedelta(days=4) - workload.HISTORY_END}
        conn.execute(
            text(
                "UPDATE items SET created_at = created_at + :shift,"
                " updated_at = updated_at + :shift"
            ),
            shift,
        )
        conn.execute(text("UPDATE item_events SET at = at + :shift"), shift)
        for kind, action, before, after, delay in MOVES:
            conn.execute(
                text(
                    "INSERT INTO item_events (item_id, type, at, actor, data, schema_version,"
                    " recorded_at) SELECT id, :kind, created_at + CAST(:delay AS interval),"
                    " 'bench', CAST(:data AS jsonb), 1, now() FROM items WHERE id % 5 = 0"
                ),
                {
                    "kind": kind,
                    "delay": delay,
                    "data": json.dumps(
                        {
                            "action": action,
                            "from": before,
                            "to": after,
                            "changes": {"assignee": "ana"} if action == "assign" else {},
                        }
                    ),
                },
            )
        conn.execute(
            text(
                "UPDATE items SET status = 'pending_customer', assignee = 'ana', version = 5"
                " WHERE id % 5 = 0"
            )
        )
        conn.execute(text("ANALYZE"))
    counts = db.counts()
    log(f"events: {counts['events']:,}")
    first = refresh(db)
    log(f"first projection of {first['items']:,} items: {first['seconds']:.1f} s")
    samples = []
    for r in range(args.repeats):
        hours, days = (2, 12) if r % 2 == 0 else (4, 10)
        with unit_of_work(db.engine) as conn:
            config.apply(
                conn,
                POLICY.format(hours=hours, days=days),
                source=f"policy-{r}.yaml",
                now=datetime.now(UTC),
            )
        sample = refresh(db)
        log(
            f"round {r + 1}: {sample['items']:,} items recomputed in {sample['seconds']:.1f} s"
            f" ({sample['items'] / sample['seconds']:,.0f}/s), {sample['clocks']:,} clocks;"
            f" {sample['check']}"
        )
        samples.append(sample)
    return {
        "command": " ".join(
            ["python bench/sla_recompute.py", *(shlex.quote(a) for a in sys.argv[1:])]
        ),
        "machine": machine_facts(),
        "database": db.server_version(),
        "n": args.n,
        "events": counts["events"],
        "first_projection": first,
        "seconds": summary([s["seconds"] for s in samples]),
        "per_second": summary([s["items"] / s["seconds"] for s in samples]),
        "samples": samples,
    }


def refresh(db: databases.Database) -> dict[str, Any]:
    t0 = time.perf_counter()
    with unit_of_work(db.engine) as conn:
        done = sla_store.refresh_all(conn, now=datetime.now(UTC))
    seconds = time.perf_counter() - t0
    with db.engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM sla_pending")).scalar_one()
        clocks = conn.execute(text("SELECT count(*) FROM sla_clocks")).scalar_one()
        expected = conn.execute(
            text(
                "SELECT count(*) + count(*) FILTER (WHERE case_type = 'invoice_dispute') FROM items"
            )
        ).scalar_one()
    check = "ok" if left == 0 and clocks == expected else f"FAILED: {left} left, {clocks} clocks"
    return {"items": done, "seconds": seconds, "clocks": clocks, "check": check}


def render(results: dict[str, Any]) -> str:
    s = results["seconds"]
    rate = results["per_second"]
    met = "met" if s["median"] < 60 else "**not met**"
    m = results["machine"]
    return "\n".join(
        [
            "<!-- begin: sla-recompute -->",
            "## SLA: recomputing every open item after a policy change (issue #3)",
            "",
            f"Command: `{results['command']}` (PostgreSQL {results['database']}). "
            f"{results['n']:,} open items, {results['events']:,} events (a fifth of the items "
            "with a wait on the customer, so pauses count); each run applies a changed policy, "
            "which marks every open item, then recomputes and stores all their clocks in bulk "
            "(`services.sla_store.refresh_all`, one transaction). Median of "
            f"{len(results['samples'])} runs (min{DASH}max).",
            "",
            f"- Recompute: {s['median']:.1f} s ({s['min']:.1f}{DASH}{s['max']:.1f}), "
            f"{rate['median']:,.0f} items/s. Goal: under 60 s for 1,000,000 items: {met}"
            + ("" if results["n"] == 1_000_000 else f" (measured on {results['n']:,} items)")
            + ".",
            f"- The first projection after the import (every item marked by its events): "
            f"{results['first_projection']['seconds']:.1f} s.",
            f"- Checks: {', '.join(sorted({x['check'] for x in results['samples']}))}.",
            f"- Machine: {m['nproc']} cores, {m['cpu_model']}; load average at start "
            f"{', '.join(f'{x:.2f}' for x in m['loadavg'])}; {m['date_utc']}, commit "
            f"{m['git_commit']}.",
            "<!-- end: sla-recompute -->",
        ]
    )


if __name__ == "__main__":
    main()
