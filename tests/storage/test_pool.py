"""Pooled PostgreSQL connections: one the server cut is replaced, unseen by the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from retaguarda.storage.db import make_engine
from tests.builders import CONCURRENT_BACKENDS


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def cut(admin: Engine, pid: int) -> None:
    """What a server restart or a proxy timeout does to a pooled connection."""
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    time.sleep(0.2)  # the backend exits asynchronously


@pytest.fixture
def admin(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url, pool_size=1)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
class TestCutConnections:
    def test_a_cut_connection_is_replaced_before_use(self, db_url: str, admin: Engine) -> None:
        engine = make_engine(db_url, pool_size=1)
        try:
            first = backend_pid(engine)
            cut(admin, first)
            assert backend_pid(engine) != first  # pinged at checkout, found dead, replaced
        finally:
            engine.dispose()

    def test_without_the_ping_the_caller_would_see_the_cut(
        self, db_url: str, admin: Engine
    ) -> None:
        # The control: a plain SQLAlchemy pool, the same cut, and the error reaches
        # the caller; so the test above can fail.
        engine = create_engine(db_url, pool_size=1)
        try:
            cut(admin, backend_pid(engine))
            with pytest.raises(OperationalError):
                backend_pid(engine)
        finally:
            engine.dispose()
