"""Small helpers that put a test database into a known state through the services."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.services import account, config
from retaguarda.services.uow import unit_of_work

DATA = Path(__file__).parent / "data"

# Databases where several writers run truly at once (SQLite serialises them).
CONCURRENT_BACKENDS = ["postgresql"] if os.environ.get("RETAGUARDA_TEST_DATABASE_URL") else []
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday

ADMIN = Principal("admin", Role.ADMIN)
CRM = Principal("crm", Role.INTEGRATION)
ANA = Principal("ana", Role.SPECIALIST, agent="ana", areas=("backoffice",))
BRUNO = Principal("bruno", Role.SPECIALIST, agent="bruno", areas=("backoffice",))
CARLA = Principal("carla", Role.SPECIALIST, agent="carla", areas=("finance",))
SOFIA = Principal("sofia", Role.SUPERVISOR, areas=("backoffice",))


def seed(engine: Engine, *, extra: bool = True) -> None:
    """Apply the example configuration (and the test additions)."""
    files = ["example-config.yaml", *(["extra-config.yaml"] if extra else [])]
    with unit_of_work(engine) as conn:
        for name in files:
            config.apply(conn, (DATA / name).read_text(), source=name, now=NOW)


def token(engine: Engine, user: str) -> str:
    """A fresh API token for `user`."""
    with unit_of_work(engine) as conn:
        return account.create_token(conn, user=user, label="test", now=NOW).secret


def in_parallel(*calls: Callable[[], object]) -> None:
    """Run the calls in threads released together; re-raise the first one's error (a
    thread's exception would otherwise only be printed, and the test pass)."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
