"""Throwaway databases for the benchmark: created, configured, emptied, dropped.

Each run makes its own SQLite file in a temporary folder and its own
PostgreSQL database (`bench_intake_<random>`), and removes them at the end;
nothing else on the server is touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text

import harness
from harness import BENCH
from retaguarda.services import account, config
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.db import make_engine, normalize_url

CLI = Path(sys.executable).with_name("retaguarda")
CONFIG = BENCH / "config.yaml"
DATA_TABLES = [
    "sla_alerts",
    "sla_clocks",
    "sla_pending",
    "routing_queue",
    "item_spans",
    "item_resolutions",
    "item_events",
    "items",
    "customers",
]
SETUP_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class Database:
    backend: str  # "sqlite" or "postgresql"
    url: str
    folder: Path | None = None
    _admin_url: str | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.url)
        return self._engine

    def env(self) -> dict[str, str]:
        return {**os.environ, "RETAGUARDA_DATABASE_URL": self.url}

    def setup(self) -> str:
        """Migrate with `retaguarda db upgrade`, apply the bench config; return a crm token."""
        subprocess.run([str(CLI), "db", "upgrade"], env=self.env(), check=True, capture_output=True)
        with unit_of_work(self.engine) as conn:
            config.apply(conn, CONFIG.read_text(), source=CONFIG.name, now=SETUP_AT)
            return account.create_token(conn, user="crm", label="bench", now=SETUP_AT).secret

    def reset(self) -> None:
        """Empty items, events and customers (the catalog and tokens stay)."""
        with self.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY"))
            else:
                for table in DATA_TABLES:
                    conn.execute(text(f"DELETE FROM {table}"))
        if self.backend == "postgresql":
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("CHECKPOINT"))
        else:  # outside any transaction, which the engine's BEGIN IMMEDIATE would open
            raw = self.engine.raw_connection()
            try:
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                "items": conn.execute(text("SELECT count(*) FROM items")).scalar_one(),
                "events": conn.execute(text("SELECT count(*) FROM item_events")).scalar_one(),
                "created_events": conn.execute(
                    text("SELECT count(*) FROM item_events WHERE type = 'created'")
                ).scalar_one(),
                "customers": conn.execute(text("SELECT count(*) FROM customers")).scalar_one(),
            }

    def backend_pids(self) -> list[int]:
        """PostgreSQL server processes serving this database (others' excluded)."""
        if self.backend != "postgresql":
            return []
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalars()
            )

    def server_version(self) -> str:
        with self.engine.connect() as conn:
            if self.backend == "postgresql":
                return str(conn.execute(text("SHOW server_version")).scalar_one())
            return str(conn.execute(text("SELECT sqlite_version()")).scalar_one())

    def drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._admin_url is not None:
            admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
            name = make_url(self.url).database
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def create(backend: str, *, pg_url: str) -> Database:
    """A new, empty database on `backend` (PostgreSQL: on the server of `pg_url`)."""
    folder = Path(tempfile.mkdtemp(prefix="rtg-bench-"))
    if backend == "sqlite":
        return Database(backend, f"sqlite:///{folder / 'bench.db'}", folder)
    admin_url = normalize_url(pg_url)
    name = f"bench_intake_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return Database(backend, url, folder, _admin_url=admin_url)


def run_on_postgresql(
    name: str,
    section: str,
    run: Callable[[Database], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
    *,
    docs: bool,
) -> None:
    """`run` on a throwaway, set-up PostgreSQL database (RETAGUARDA_BENCH_PG's server),
    dropped after; its results written to bench/results/NAME.json and, with `docs`,
    rendered into SECTION of docs/benchmarks.md."""
    pg_url = os.environ.get("RETAGUARDA_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1/test")
    db = create("postgresql", pg_url=pg_url)
    try:
        db.setup()
        results = run(db)
    finally:
        db.drop()
    harness.log(f"wrote {harness.write_results(name, results)}")
    if docs:
        harness.log(f"updated {harness.write_section(section, render(results))}")
