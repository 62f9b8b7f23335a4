"""The HTTP peer: the framework + database ceiling for one create per request.

A minimal FastAPI app, served by uvicorn exactly like `retaguarda serve`
(one process, uvicorn's defaults: uvloop and httptools), whose POST /items
validates a small body and does one plain INSERT ... RETURNING per request
with the bare driver: psycopg (autocommit) on PostgreSQL, sqlite3 (WAL,
synchronous=NORMAL, as retaguarda sets it) on SQLite. No auth, no catalog, no
idempotency, no event: what is left is the price of HTTP, FastAPI, pydantic
and one committed row.

Run: `uvicorn --factory peer_app:create_app --app-dir bench` with
BENCH_PEER_URL set to a SQLAlchemy-style URL of the database.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import make_url

TABLE = "peer_items"
PG_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY, external_ref text NOT NULL, channel text NOT NULL,
    case_type text NOT NULL, subject text, description text, customer jsonb,
    amount numeric(18, 2), priority smallint NOT NULL, tags jsonb NOT NULL,
    created_at timestamptz NOT NULL)"""
SQLITE_DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    id INTEGER PRIMARY KEY, external_ref TEXT NOT NULL, channel TEXT NOT NULL,
    case_type TEXT NOT NULL, subject TEXT, description TEXT, customer TEXT,
    amount TEXT, priority INTEGER NOT NULL, tags TEXT NOT NULL, created_at TEXT NOT NULL)"""
INSERT = (
    f"INSERT INTO {TABLE} (external_ref, channel, case_type, subject, description, customer, "
    "amount, priority, tags, created_at) VALUES ({0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}) "
    "RETURNING id"
)


class PeerItem(BaseModel):
    external_ref: str
    channel: str
    case_type: str
    subject: str | None = None
    description: str | None = None
    customer: dict[str, Any] | None = None
    amount: Decimal | None = None
    priority: int = 3
    tags: list[str] = []


def connector(url: str) -> tuple[str, Any]:
    """(DDL, a function opening one connection) for a SQLAlchemy-style URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ":memory:"

        def open_sqlite() -> sqlite3.Connection:
            conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn

        return SQLITE_DDL, open_sqlite
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return PG_DDL, lambda: psycopg.connect(conninfo, autocommit=True)


def create_app() -> FastAPI:
    url = os.environ["BENCH_PEER_URL"]
    ddl, connect = connector(url)
    is_sqlite = ddl is SQLITE_DDL
    insert = INSERT.format("?" if is_sqlite else "%s")
    with connect() as setup:
        setup.execute(ddl)
        setup.commit()
    local = threading.local()  # one connection per threadpool thread

    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/items", status_code=201)
    def create(body: PeerItem) -> dict[str, Any]:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect()
        now = datetime.now(UTC)
        amount = None if body.amount is None else (str(body.amount) if is_sqlite else body.amount)
        params = (
            body.external_ref,
            body.channel,
            body.case_type,
            body.subject,
            body.description,
            None if body.customer is None else json.dumps(body.customer),
            amount,
            body.priority,
            json.dumps(body.tags),
            now.isoformat() if is_sqlite else now,
        )
        if is_sqlite:
            with conn:  # one transaction, committed
                [item_id] = conn.execute(insert, params).fetchone()
        else:
            [item_id] = conn.execute(insert, params).fetchone()
        return {"id": item_id, **body.model_dump(mode="json"), "created_at": now}

    return app
