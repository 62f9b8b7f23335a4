"""Bulk intake: retaguarda's import path, the real CLI command, and the raw ceiling.

* `service`: what `retaguarda import items` does after reading the file: each
  body validated into an `ItemInput`, then `services.intake.intake` on chunks,
  one unit of work per chunk, as the built-in `cli` admin.
* `cli`: the command itself (`retaguarda import items FILE.csv`) as a
  subprocess, start-up included.
* `raw`: the database ceiling for the same rows: customers, items and their
  `created` events written into the same migrated tables (same indexes and
  constraints) with the bare driver - psycopg COPY on PostgreSQL, sqlite3
  executemany on SQLite - ids assigned by the client, one transaction per
  chunk, no validation, no idempotency check.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import yaml
from sqlalchemy import make_url

from databases import CLI, CONFIG, Database
from harness import BENCH
from retaguarda import clock
from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.services import intake
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work

# The principal `retaguarda import items` acts as when no --as is given.
CLI_PRINCIPAL = Principal(name="cli", role=Role.ADMIN)


def run_service(db: Database, rows: Sequence[dict[str, Any]], *, chunk: int) -> dict[str, int]:
    """Validate and intake `rows` in chunks; return how many were created / existing / error."""
    tally = {"created": 0, "existing": 0, "error": 0}
    for batch in chunks(rows, chunk):
        inputs = [ItemInput.model_validate(body) for body in batch]
        with unit_of_work(db.engine) as conn:
            results = intake.intake(conn, inputs, principal=CLI_PRINCIPAL, now=clock.now())
        for result in results:
            tally[result.status] += 1
    return tally


def run_service_process(
    db: Database, n: int, seed: int, chunk: int, *, source: str | None = None
) -> dict[str, Any]:
    """`run_service` in a fresh process (bench/bulk_runner.py); its own timing.

    `source`: a src/ folder to import retaguarda from instead of this tree.
    """
    env = db.env() | ({"PYTHONPATH": source} if source else {})
    done = subprocess.run(
        [sys.executable, str(BENCH / "bulk_runner.py"), db.url, str(n), str(seed), str(chunk)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bulk runner failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_cli(db: Database, csv_file: Path, *, chunk: int) -> dict[str, Any]:
    """`retaguarda import items FILE` as a subprocess; its summary line."""
    done = subprocess.run(
        [str(CLI), "import", "items", str(csv_file), "--batch-size", str(chunk)],
        env=db.env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"import failed ({done.returncode}): {done.stderr or done.stdout}")
    return {"summary": done.stdout.strip().splitlines()[0]}


def cli_startup(db: Database, empty_csv: Path) -> float:
    """Seconds for the import command on a file with a header only (start-up cost)."""
    t0 = time.perf_counter()
    run_cli(db, empty_csv, chunk=1)
    return time.perf_counter() - t0


def chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class RawRows:
    """The same rows as database tuples, built the cheapest plain-Python way."""

    def __init__(self) -> None:
        catalog = yaml.safe_load(CONFIG.read_text())
        self.routes = {ct["key"]: (ct["area"], ct["tier"]) for ct in catalog["case_types"]}
        self.customer_ids: dict[str, int] = {}
        self.item_id = 0

    def build(
        self, batch: Sequence[dict[str, Any]], now: datetime
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        customers, items, events = [], [], []
        for body in batch:
            customer = body.get("customer")
            customer_id = None
            if customer is not None:
                customer_id = self.customer_ids.get(customer["external_id"])
                if customer_id is None:
                    customer_id = self.customer_ids[customer["external_id"]] = (
                        len(self.customer_ids) + 1
                    )
                    customers.append(
                        (
                            customer_id,
                            customer["external_id"],
                            customer.get("name"),
                            customer.get("email"),
                            customer.get("language"),
                            None,
                        )
                    )
            self.item_id += 1
            area, tier = self.routes[body["case_type"]]
            created_at = datetime.fromisoformat(body["created_at"]) if "created_at" in body else now
            amount = body.get("amount")
            tags = body.get("tags", [])
            items.append(
                (
                    self.item_id,
                    body["external_ref"],
                    body["channel"],
                    body["case_type"],
                    "new",
                    area,
                    tier,
                    json.dumps([tier]),
                    None,
                    None,
                    body.get("subject"),
                    body.get("description"),
                    customer_id,
                    amount,
                    body.get("priority", 3),
                    None,
                    json.dumps(tags),
                    created_at,
                    created_at,
                    1,
                )
            )
            data = {
                "external_ref": body["external_ref"],
                "channel": body["channel"],
                "case_type": body["case_type"],
                "area": area,
                "tier": tier,
                "subject": body.get("subject"),
                "description": body.get("description"),
                "customer": None
                if customer is None
                else {**customer, "segment": customer.get("segment")},
                "amount": amount,
                "priority": body.get("priority", 3),
                "reason": None,
                "tags": tags,
            }
            events.append(
                (self.item_id, self.item_id, "created", created_at, "cli", json.dumps(data), 1, now)
            )
        return customers, items, events


CUSTOMER_COLS = "id, external_id, name, email, language, segment"
ITEM_COLS = (
    "id, external_ref, channel, case_type, status, area, tier, journey, assignee, pending_area, "
    "subject, description, customer_id, amount, priority, reason, tags, created_at, updated_at, "
    "version"
)
EVENT_COLS = "id, item_id, type, at, actor, data, schema_version, recorded_at"


def run_raw_postgresql(db: Database, rows: Sequence[dict[str, Any]], *, chunk: int) -> int:
    """COPY customers, items and events, one transaction per chunk; return items written."""
    conninfo = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    raw = RawRows()
    with psycopg.connect(conninfo) as conn:
        for batch in chunks(rows, chunk):
            customers, items, events = raw.build(batch, datetime.now(UTC))
            with conn.transaction(), conn.cursor() as cur:
                for table, cols, data in (
                    ("customers", CUSTOMER_COLS, customers),
                    ("items", ITEM_COLS, items),
                    ("item_events", EVENT_COLS, events),
                ):
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in data:
                            copy.write_row(row)
    return raw.item_id


def run_raw_sqlite(db: Database, rows: Sequence[dict[str, Any]], *, chunk: int) -> int:
    """executemany into the same tables, one transaction per chunk; return items written."""
    path = make_url(db.url).database
    assert path is not None
    raw = RawRows()
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        for batch in chunks(rows, chunk):
            customers, items, events = raw.build(batch, datetime.now(UTC))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT INTO customers ({CUSTOMER_COLS}) VALUES (?,?,?,?,?,?)", customers
            )
            conn.executemany(
                f"INSERT INTO items ({ITEM_COLS}) VALUES ({', '.join('?' * 20)})",
                [_sqlite_item(row) for row in items],
            )
            conn.executemany(
                f"INSERT INTO item_events ({EVENT_COLS}) VALUES (?,?,?,?,?,?,?,?)",
                [(*row[:3], _naive(row[3]), *row[4:7], _naive(row[7])) for row in events],
            )
            conn.execute("COMMIT")
    finally:
        conn.close()
    return raw.item_id


def _sqlite_item(row: tuple[Any, ...]) -> tuple[Any, ...]:
    amount = row[13]
    return (
        *row[:13],
        None if amount is None else str(Decimal(amount)),
        *row[14:17],
        _naive(row[17]),
        _naive(row[18]),
        row[19],
    )


def _naive(at: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (naive ISO text)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
