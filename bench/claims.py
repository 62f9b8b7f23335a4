#!/usr/bin/env python
"""The next-item claim on PostgreSQL: over HTTP against a real server, beside the bare
SQL claim of the same ordering (the ceiling), with 1, 8 and 32 clients.

    .venv/bin/python bench/claims.py                  # 1,000,000 queued items
    .venv/bin/python bench/claims.py --n 100k --repeats 1 --seconds 4 --no-docs

A throwaway database gets the bench configuration, 32 agents (every area, tier and
skill; their areas in the same order, so every claim draws from the back-office
queue) and N new items through `services.intake` (all waiting for an agent); the
routing worker's pass then ranks the whole queue (timed). Each repetition, for each
client count, interleaved:

- **app**: `retaguarda serve --workers 2`; client k calls
  `POST /api/v1/agents/a{k}/next` as fast as it can for `--seconds`, on its own
  keep-alive connection (an admin token);
- **bare SQL**: the same number of psycopg connections (one thread each) run one
  autocommit statement that takes the same queue head by the same index and order
  (`FOR UPDATE SKIP LOCKED`) and marks the item assigned: no auth, no event, no
  Python domain, the way the peer kit measures its ceiling
  (../shared/peer-baselines/bench_pgclaim.py);
- **HTTP floor**: the same clients calling `GET /health` on the same server (a pooled
  connection and `SELECT 1`, no auth, no claim): what the HTTP stack costs by itself.

Between runs the claimed items are closed by SQL (so agents' loads stay near zero, as
they would with specialists working their items), then VACUUM ANALYZE and CHECKPOINT.
Checks: no item handed out twice (ids unique; `assigned` events == claims answered),
nothing else than 200/204. Goal (issue #4): app >= 20 % of the ceiling at 8 clients;
p99 < 50 ms at 32 clients. Results: bench/results/claims.json and the `claims`
section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import shlex
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from sqlalchemy import make_url, text

import bulk_load
import databases
import http_load
import workload
from harness import log, machine_facts, parse_count, percentile, summary
from retaguarda.cli.common import CLI_PRINCIPAL
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import account, config, routing
from retaguarda.services import agent as agent_service
from retaguarda.services.uow import unit_of_work

SEED = 20261124
AGENTS = 32
AREAS = ["backoffice", "logistics", "finance", "ombudsman"]
TIERS = [
    "first_level",
    "backoffice_l1",
    "backoffice_l2",
    "backoffice_l3",
    "pre_ombudsman",
    "ombudsman",
]
SKILLS = {"billing": 5, "logistics": 5, "fraud": 5, "ombudsman": 5}

BARE_CLAIM = """
WITH head AS (
  SELECT item_id FROM routing_queue
  WHERE area = 'backoffice' AND tier = ANY(%(tiers)s)
    AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(routing_queue.needs) AS n
                    WHERE CAST(n.value AS integer)
                          > COALESCE(CAST(CAST(%(skills)s AS jsonb) ->> n.key AS integer), 0))
  ORDER BY k0, k1, k2, received, item_id
  LIMIT 1 FOR UPDATE SKIP LOCKED
), gone AS (
  DELETE FROM routing_queue AS q USING head WHERE q.item_id = head.item_id RETURNING q.item_id
)
UPDATE items SET status = 'assigned', assignee = %(agent)s, version = version + 1,
       updated_at = now()
FROM gone WHERE items.id = gone.item_id RETURNING items.id
"""


def main() -> None:
    args = parse_args()
    databases.run_on_postgresql(
        "claims", "claims", lambda db: run(db, args), render, docs=not args.no_docs
    )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=parse_count, default=1_000_000, help="queued items")
    p.add_argument("--clients", default="1,8,32")
    p.add_argument("--seconds", type=float, default=8.0, help="length of one run")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=2, help="server processes")
    p.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    return p.parse_args()


def prepare(db: databases.Database, n: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    agents = "".join(
        f"  - {{key: a{k}, name: Agent {k}, areas: {AREAS}, tiers: {TIERS},"
        f" skills: {SKILLS}, capacity: 1000000}}\n"
        for k in range(AGENTS)
    )
    with unit_of_work(db.engine) as conn:
        config.apply(conn, "agents:\n" + agents.replace("'", ""), source="agents", now=now)
        for k in range(AGENTS):
            agent_service.set_presence(
                conn, f"a{k}", Presence.AVAILABLE, principal=CLI_PRINCIPAL, now=now
            )
        token = account.create_token(conn, user="admin", label="bench", now=now).secret
    t0 = time.perf_counter()
    rows = workload.items(n, seed=SEED, prefix="C", backdated=True)
    tally = bulk_load.run_service(db, rows, chunk=20_000)
    del rows
    loaded = time.perf_counter() - t0
    log(f"loaded {tally['created']:,} items in {loaded:.0f} s")
    t0 = time.perf_counter()
    ranked = 0
    while True:
        with unit_of_work(db.engine) as conn:
            done = routing.rank_pending(conn, now=datetime.now(UTC))
        ranked += done
        if not done:
            break
    ranking = time.perf_counter() - t0
    log(f"ranked {ranked:,} queued items in {ranking:.1f} s ({ranked / ranking:,.0f}/s)")
    maintain(db)
    with db.engine.connect() as conn:
        backoffice = conn.execute(
            text("SELECT count(*) FROM routing_queue WHERE area = 'backoffice'")
        ).scalar_one()
    return {
        "token": token,
        "loaded_s": loaded,
        "ranked": ranked,
        "ranking_s": ranking,
        "backoffice_queue": backoffice,
    }


def maintain(db: databases.Database) -> None:
    """Close what the last run claimed, then VACUUM ANALYZE and CHECKPOINT."""
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE items SET status = 'closed' WHERE status = 'assigned'"))
    with db.engine.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        auto.execute(text("VACUUM ANALYZE routing_queue"))
        auto.execute(text("VACUUM ANALYZE items"))
        auto.execute(text("CHECKPOINT"))


def assigned_events(db: databases.Database) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM item_events WHERE type = 'assigned'")
            ).scalar_one()
        )


Claim = Callable[[], tuple[int, int | None]]  # one claim: (status, item id or None)


def drive(claimers: list[Claim], seconds: float) -> dict[str, Any]:
    """Run each claimer in its own thread, back to back, for `seconds` (all start
    together); claims/s, latency percentiles, statuses and whether ids are unique."""
    lat: list[list[float]] = [[] for _ in claimers]
    ids: list[list[int]] = [[] for _ in claimers]
    seen: list[dict[int, int]] = [{} for _ in claimers]
    barrier = threading.Barrier(len(claimers) + 1)
    end = [0.0]

    def worker(k: int) -> None:
        claim, mine, statuses = claimers[k], ids[k], seen[k]
        barrier.wait()
        while True:
            t0 = time.perf_counter()
            status, item = claim()
            t1 = time.perf_counter()
            lat[k].append((t1 - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            if item is not None:
                mine.append(item)
            if t1 >= end[0]:
                break

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(claimers))]
    for t in threads:
        t.start()
    end[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    got = [i for mine in ids for i in mine]
    ordered = sorted(x for mine in lat for x in mine)
    statuses: dict[int, int] = {}
    for one in seen:
        for code, count in one.items():
            statuses[code] = statuses.get(code, 0) + count
    return {
        "claims": len(got),
        "claims_per_s": len(got) / wall,
        "p50_ms": percentile(ordered, 50),
        "p99_ms": percentile(ordered, 99),
        "ids_unique": len(set(got)) == len(got),
        "statuses": statuses,
    }


def app_run(base: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    """Client k posts to /agents/a{k}/next on its own keep-alive connection.

    `http.client` rather than httpx: the clients share the two cores with the
    server and PostgreSQL, and httpx spent about three times the CPU per request.
    """
    host, port = base.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {token}", "Content-Length": "0"}
    sessions = [http.client.HTTPConnection(host, int(port), timeout=60) for _ in range(clients)]
    for session in sessions:
        session.request("GET", "/health")
        session.getresponse().read()

    def claimer(k: int) -> Claim:
        session, path = sessions[k], f"/api/v1/agents/a{k}/next"

        def claim() -> tuple[int, int | None]:
            session.request("POST", path, headers=headers)
            response = session.getresponse()
            body = response.read()
            return response.status, orjson.loads(body)["id"] if response.status == 200 else None

        return claim

    try:
        return drive([claimer(k) for k in range(clients)], seconds)
    finally:
        for session in sessions:
            session.close()


def floor_run(base: str, clients: int, seconds: float) -> dict[str, Any]:
    """The HTTP floor: the same clients calling `GET /health` (a pooled connection and
    `SELECT 1`, no auth, no claim), so what the server stack alone costs on this box
    shows beside the claim."""
    host, port = base.removeprefix("http://").split(":")
    sessions = [http.client.HTTPConnection(host, int(port), timeout=60) for _ in range(clients)]
    served = itertools.count()

    def claimer(k: int) -> Claim:
        session = sessions[k]

        def call() -> tuple[int, int | None]:
            session.request("GET", "/health")
            response = session.getresponse()
            response.read()
            return response.status, next(served)

        return call

    try:
        return drive([claimer(k) for k in range(clients)], seconds)
    finally:
        for session in sessions:
            session.close()


def bare_run(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """Client k runs BARE_CLAIM as agent a{k} on its own autocommit connection."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conns = [psycopg.connect(conninfo, autocommit=True) for _ in range(clients)]
    skills = orjson.dumps(SKILLS).decode()

    def claimer(k: int) -> Claim:
        cursor = conns[k].cursor()
        params = {"tiers": TIERS, "skills": skills, "agent": f"a{k}"}

        def claim() -> tuple[int, int | None]:
            cursor.execute(BARE_CLAIM, params)
            row = cursor.fetchone()
            return (200, row[0]) if row else (204, None)

        return claim

    try:
        return drive([claimer(k) for k in range(clients)], seconds)
    finally:
        for c in conns:
            c.close()


def run(db: databases.Database, args: argparse.Namespace) -> dict[str, Any]:
    setup = prepare(db, args.n)
    clients = [int(c) for c in args.clients.split(",")]
    samples: dict[str, list[dict[str, Any]]] = {}
    command, env, port = http_load.retaguarda_server(db.url)
    command = [*command, "--workers", str(args.workers)]
    with http_load.server(command, env, port) as server:

        def one(kind: str, c: int) -> dict[str, Any]:
            if kind == "floor":
                r = floor_run(server.base, c, args.seconds)
                r["ok"] = set(r["statuses"]) == {200}
                return r
            before = assigned_events(db)
            if kind == "app":
                r = app_run(server.base, setup["token"], c, args.seconds)
                r["events_match"] = assigned_events(db) - before == r["claims"]
                r["ok"] = r["ids_unique"] and r["events_match"] and set(r["statuses"]) <= {200, 204}
            else:
                r = bare_run(db.url, c, args.seconds)
                r["ok"] = r["ids_unique"]
            maintain(db)
            return r

        for rep in range(args.repeats):
            for c in clients:
                kinds = ["app", "bare", "floor"]
                for kind in kinds if rep % 2 == 0 else kinds[::-1]:
                    r = one(kind, c)
                    samples.setdefault(f"{kind}|c={c}", []).append(r)
                    log(
                        f"rep {rep + 1} {kind:5s} c={c:>2}: {r['claims_per_s']:>8,.0f}/s"
                        f"  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  ok={r['ok']}"
                    )
    cells = {}
    for key, runs in samples.items():
        cells[key] = {
            "claims_per_s": summary([r["claims_per_s"] for r in runs]),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "p99_ms_max": max(r["p99_ms"] for r in runs),
            "ok": all(r["ok"] for r in runs),
            "runs": runs,
        }
    for c in clients:
        app, bare = cells[f"app|c={c}"], cells[f"bare|c={c}"]
        app["share_of_ceiling"] = app["claims_per_s"]["median"] / bare["claims_per_s"]["median"]
        floor = cells[f"floor|c={c}"]
        floor["share_of_ceiling"] = floor["claims_per_s"]["median"] / bare["claims_per_s"]["median"]
    return {
        "command": " ".join(["python bench/claims.py", *(shlex.quote(a) for a in sys.argv[1:])]),
        "machine": machine_facts(),
        "database": db.server_version(),
        "n": args.n,
        "seconds_per_run": args.seconds,
        "repeats": args.repeats,
        "workers": args.workers,
        "setup": {k: v for k, v in setup.items() if k != "token"},
        "bare_claim": BARE_CLAIM.strip(),
        "cells": cells,
        "clients": clients,
    }


def render(results: dict[str, Any]) -> str:
    cells, m = results["cells"], results["machine"]
    s = results["setup"]
    lines = [
        "## Next-item claim (issue #4)",
        "",
        f"Command: `{results['command']}` (PostgreSQL {results['database']}). "
        f"{results['n']:,} items waiting, {s['backoffice_queue']:,} of them in the back-office "
        f"queue every claim draws from; runs of {results['seconds_per_run']:g} s, "
        f"{results['repeats']} per cell, app and bare SQL interleaved. App: "
        f"`retaguarda serve --workers {results['workers']}`, one keep-alive connection per "
        "client, `POST /api/v1/agents/{key}/next` (auth; the agent's row locked with their "
        "presence and load; the queue head taken with `FOR UPDATE SKIP LOCKED`; the domain "
        "transition and the `assigned` event; the item and its SLA clocks in the answer). "
        "Bare SQL: one autocommit statement per claim, the same queue head by the same "
        "index and order, marking the item assigned "
        "(statement in bench/claims.py), psycopg, a thread per client. HTTP floor: the "
        "same clients calling `GET /health` on the same server (a pooled connection and "
        "`SELECT 1`; no auth, no claim): what the HTTP stack alone costs here. Medians "
        "(min-max); latency seen by the client.",
        "",
        f"Setup: bulk intake of {results['n']:,} items {s['loaded_s']:.0f} s; ranking the "
        f"whole queue (the worker's pass) {s['ranking_s']:.1f} s "
        f"({s['ranked'] / s['ranking_s']:,.0f} items/s).",
        "",
        "| clients | app claims/s | bare SQL claims/s | app / bare | app p50 ms | app p99 ms "
        "| bare p50 ms | bare p99 ms | HTTP floor req/s (/ bare) | floor p99 ms "
        "| no double claim |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in results["clients"]:
        app, bare, floor = cells[f"app|c={c}"], cells[f"bare|c={c}"], cells[f"floor|c={c}"]
        a, b = app["claims_per_s"], bare["claims_per_s"]
        lines.append(
            f"| {c} | {a['median']:,.0f} ({a['min']:,.0f}-{a['max']:,.0f}) "
            f"| {b['median']:,.0f} ({b['min']:,.0f}-{b['max']:,.0f}) "
            f"| {app['share_of_ceiling']:.0%} | {app['p50_ms']:.1f} | {app['p99_ms']:.1f} "
            f"| {bare['p50_ms']:.2f} | {bare['p99_ms']:.2f} "
            f"| {floor['claims_per_s']['median']:,.0f} ({floor['share_of_ceiling']:.0%}) "
            f"| {floor['p99_ms']:.1f} "
            f"| {'yes' if app['ok'] and bare['ok'] else '**NO**'} |"
        )
    eight = cells.get("app|c=8")
    top = cells.get("app|c=32")
    if eight and top:
        share = eight["share_of_ceiling"]
        lines += [
            "",
            f"Goals: app ≥ 20 % of the ceiling at 8 clients — {share:.0%}, "
            f"{'met' if share >= 0.2 else '**not met**'}; p99 < 50 ms at 32 clients — "
            f"{top['p99_ms']:.1f} ms, {'met' if top['p99_ms'] < 50 else '**not met**'}. "
            "The peer kit's pgbench ceiling for its simpler table was 6,851 claims/s at 8 "
            "clients (../shared/peer-baselines/RESULTS.md).",
        ]
    lines += [
        "",
        f"Machine: {m.get('cpu_model', '?')}, {m.get('nproc', '?')} cores shared by the server, "
        "PostgreSQL and the clients; Python "
        f"{m.get('python', '?')}.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
