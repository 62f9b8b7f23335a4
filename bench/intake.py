#!/usr/bin/env python
"""Intake benchmark of issue #2: single creates over HTTP and bulk import, on
SQLite and PostgreSQL, each beside its ceiling peer measured in the same run.

    .venv/bin/python bench/intake.py                  # everything, about 8 minutes
    .venv/bin/python bench/intake.py --parts bulk --backends postgresql --repeats 5

(a) `http`: `retaguarda serve` (one process) and a minimal FastAPI+driver app
    (bench/peer_app.py), both started as subprocesses on 127.0.0.1; N POSTs of
    new items from C keep-alive clients; items/s and p50/p99 latency.
(b) `bulk`: N items with their `created` events through `services.intake`
    in chunks (the import path), the real `retaguarda import items` on a CSV of
    the same rows, and the raw driver ceiling (COPY / executemany).

Every run starts from empty item tables and is checked afterwards (items ==
created events == N). Results go to bench/results/intake[_TAG].json and, unless
--no-docs, docs/benchmarks.md is rebuilt from them.
"""

from __future__ import annotations

import argparse
import gc
import os
import shlex
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from typing import Any

from sqlalchemy import text

import bulk_load
import databases
import http_load
import peer_app
import report
import workload
from harness import (
    CpuMeter,
    log,
    machine_facts,
    parse_count,
    rounds,
    summary,
    versions,
    write_results,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SEED = 20261123


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results: dict[str, Any] = {
        "command": "python bench/intake.py "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "options": {k: v for k, v in vars(args).items() if k != "pg_url"},
        "machine": machine_facts(),
        "versions": versions(),
        "backends": {},
    }
    for backend in args.backends:
        db = databases.create(backend, pg_url=args.pg_url)
        try:
            token = db.setup()
            entry: dict[str, Any] = {"server_version": db.server_version()}
            if "http" in args.parts:
                entry["http"] = bench_http(db, token, args)
            if "bulk" in args.parts:
                entry["bulk"] = bench_bulk(db, args)
            results["backends"][backend] = entry
        finally:
            db.drop()
    results["machine"]["loadavg_at_end"] = list(os.getloadavg())
    name = "intake" + (f"_{args.tag}" if args.tag else "")
    path = write_results(name, results)
    print(report.console_table(results))
    log(f"results: {path}")
    if not args.no_docs:
        log(f"docs: {report.write_docs(results)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=parse_count, default=100_000, help="bulk items per run")
    p.add_argument("--http-n", type=parse_count, default=3_000, help="HTTP creates per run")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per peer (median)")
    p.add_argument("--clients", default="8", help="concurrent HTTP clients, e.g. 1,8,32")
    p.add_argument("--chunk", type=parse_count, default=2_000, help="bulk rows per transaction")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--parts", default="http,bulk")
    p.add_argument("--no-cli", action="store_true", help="skip timing `retaguarda import items`")
    p.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="LABEL=SRC",
        help="also run retaguarda from another source tree (its src/ folder), e.g. an\n"
        "unoptimised copy: `--compare before=/tmp/old/src`",
    )
    p.add_argument(
        "--pg-url",
        default=os.environ.get("RETAGUARDA_BENCH_PG_URL", DEFAULT_PG),
        help="server to create the throwaway database on",
    )
    p.add_argument("--tag", default="", help="write bench/results/intake_TAG.json")
    p.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = p.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    args.clients = [int(c) for c in str(args.clients).split(",")]
    args.compare = dict(item.split("=", 1) for item in args.compare)
    return args


def bench_http(db: databases.Database, token: str, args: argparse.Namespace) -> dict[str, Any]:
    """All servers up side by side; every round fires the same bodies at each."""
    bodies = workload.items(args.http_n, seed=SEED, prefix="H", backdated=False)
    warmup = workload.items(200, seed=SEED + 1, prefix="W", backdated=False)
    launches = {"retaguarda": http_load.retaguarda_server(db.url)}
    for label, source in args.compare.items():
        launches[label] = http_load.retaguarda_server(db.url, source=source)
    launches["peer"] = http_load.peer_server(db.url)
    out: dict[str, Any] = {"requests_per_run": args.http_n, "by_clients": {}}
    with ExitStack() as stack:
        servers = {
            name: stack.enter_context(http_load.server(*how)) for name, how in launches.items()
        }
        targets = {
            name: (
                srv,
                "/items" if name == "peer" else "/api/v1/items",
                None if name == "peer" else token,
            )
            for name, srv in servers.items()
        }
        for name, (srv, path, tok) in targets.items():
            http_load.fire(srv.base, path, warmup, clients=max(args.clients), token=tok)
            log(f"  [{db.backend}] http warm-up {name} done")

        for clients in args.clients:

            def run(peer: str, r: int, clients: int = clients) -> dict[str, Any]:
                srv, path, tok = targets[peer]
                reset_http(db)
                server_cpu = CpuMeter(lambda: [srv.pid])
                db_cpu = CpuMeter(db.backend_pids)
                client_cpu = CpuMeter(lambda: [os.getpid()])
                for meter in (server_cpu, db_cpu, client_cpu):
                    meter.start()
                result = http_load.fire(srv.base, path, bodies, clients=clients, token=tok)
                cpu = {
                    f"{what}_cpu_ms": meter.stop() * 1000 / args.http_n
                    for what, meter in (
                        ("server", server_cpu),
                        ("db", db_cpu),
                        ("client", client_cpu),
                    )
                }
                sample = (
                    result.as_dict() | cpu | {"check": check_http(db, peer, result, args.http_n)}
                )
                log(
                    f"  [{db.backend}] http c={clients} round {r + 1} {peer}: "
                    f"{result.per_second:,.0f}/s p50 {sample['p50_ms']:.1f} ms "
                    f"p99 {sample['p99_ms']:.1f} ms; CPU ms/request server "
                    f"{cpu['server_cpu_ms']:.2f} db {cpu['db_cpu_ms']:.2f} client "
                    f"{cpu['client_cpu_ms']:.2f}; {sample['check']}"
                )
                return sample

            samples = rounds(list(targets), args.repeats, run)
            out["by_clients"][str(clients)] = summarize(
                samples,
                key="per_second",
                extra=("p50_ms", "p99_ms", "server_cpu_ms", "db_cpu_ms", "client_cpu_ms"),
            )
    reset_http(db)
    return out


def reset_http(db: databases.Database) -> None:
    db.reset()
    with db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {peer_app.TABLE}"))


def check_http(db: databases.Database, peer: str, result: http_load.LoadResult, n: int) -> str:
    """'ok' when every request got its item (and, for retaguarda, its one created event)."""
    problems = []
    if result.statuses.get(201, 0) != n:
        problems.append(f"statuses {result.statuses} ({result.first_error})")
    if peer != "peer":
        counts = db.counts()
        if not counts["items"] == counts["events"] == counts["created_events"] == n:
            problems.append(f"counts {counts}")
    else:
        with db.engine.connect() as conn:
            stored = conn.execute(text(f"SELECT count(*) FROM {peer_app.TABLE}")).scalar()
        if stored != n:
            problems.append(f"peer rows {stored}")
    return "ok" if not problems else "FAILED: " + "; ".join(problems)


def bench_bulk(db: databases.Database, args: argparse.Namespace) -> dict[str, Any]:
    rows = workload.items(args.n, seed=SEED, prefix="B", backdated=True)
    gc.collect()
    gc.freeze()  # the rows stay alive: keep full collections from rescanning them
    assert db.folder is not None
    csv_file = workload.write_csv(rows, db.folder / "items.csv")
    empty_csv = workload.write_csv([], db.folder / "empty.csv")
    raw = bulk_load.run_raw_postgresql if db.backend == "postgresql" else bulk_load.run_raw_sqlite
    peers: dict[str, Callable[[], dict[str, Any]]] = {
        "service": lambda: bulk_load.run_service_process(db, args.n, SEED, args.chunk),
    }
    for label, source in args.compare.items():
        peers[label] = partial(
            bulk_load.run_service_process, db, args.n, SEED, args.chunk, source=source
        )
    peers["raw"] = lambda: {"written": raw(db, rows, chunk=args.chunk)}
    if not args.no_cli:
        peers["cli"] = lambda: bulk_load.run_cli(db, csv_file, chunk=args.chunk)

    def run(peer: str, r: int) -> dict[str, Any]:
        db.reset()
        t0 = time.perf_counter()
        outcome = peers[peer]()
        seconds = outcome.pop("seconds", time.perf_counter() - t0)
        counts = db.counts()
        ok = counts["items"] == counts["events"] == counts["created_events"] == args.n
        sample = {
            "seconds": seconds,
            "per_second": args.n / seconds,
            "counts": counts,
            "outcome": outcome,
            "check": "ok" if ok else f"FAILED: {counts}",
        }
        log(
            f"  [{db.backend}] bulk round {r + 1} {peer}: {seconds:.2f} s "
            f"{args.n / seconds:,.0f} items/s {sample['check']}"
        )
        return sample

    samples = rounds(list(peers), args.repeats, run)
    out = {
        "items": args.n,
        "chunk": args.chunk,
        "customers": samples["raw"][0]["counts"]["customers"],
    }
    out |= summarize(samples, key="per_second", extra=("seconds",))
    if not args.no_cli:
        db.reset()
        out["cli_startup_s"] = bulk_load.cli_startup(db, empty_csv)
    db.reset()
    return out


def summarize(
    samples: dict[str, list[dict[str, Any]]], *, key: str, extra: tuple[str, ...]
) -> dict[str, Any]:
    """Per peer: summary of `key` and of each `extra` field, checks, raw samples."""
    peers: dict[str, Any] = {}
    for peer, runs in samples.items():
        peers[peer] = {
            key: summary([s[key] for s in runs]),
            **{field: summary([s[field] for s in runs]) for field in extra},
            "checks": sorted({s["check"] for s in runs}),
            "runs": runs,
        }
    return {"peers": peers}


if __name__ == "__main__":
    main()
