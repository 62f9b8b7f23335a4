"""Pooled PostgreSQL connections: one cut while idle is replaced, unseen by the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from retaguarda.storage.db import make_engine
from tests.builders import CONCURRENT_BACKENDS


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def cut(admin: Engine, pid: int) -> None:
    """What a server restart or a proxy timeout does to an idle connection."""
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    time.sleep(0.2)  # the backend exits asynchronously


Pooled = tuple[Engine, Engine, Engine]


@pytest.fixture
def pooled(db_url: str) -> Iterator[Pooled]:
    """An engine that pings connections idle > 0.1 s, one that never does, and an admin."""
    engines = [
        make_engine(db_url, pool_size=1, ping_after_idle_s=0.1),
        make_engine(db_url, pool_size=1, ping_after_idle_s=3600),
    ]
    admin = make_engine(db_url, pool_size=1)
    yield engines[0], engines[1], admin
    for engine in [*engines, admin]:
        engine.dispose()


@pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
class TestIdleConnections:
    def test_a_connection_cut_while_idle_is_replaced_before_use(self, pooled: Pooled) -> None:
        pinging, _, admin = pooled
        first = backend_pid(pinging)
        cut(admin, first)
        # Idle for 0.2 s > 0.1 s: pinged at checkout, found dead, replaced.
        assert backend_pid(pinging) != first

    def test_without_the_ping_the_caller_would_see_the_cut(self, pooled: Pooled) -> None:
        # The control: the same cut, an engine that trusts connections idle
        # less than an hour, and the error reaches the caller.
        _, trusting, admin = pooled
        cut(admin, backend_pid(trusting))
        with pytest.raises(OperationalError):
            backend_pid(trusting)

    def test_a_connection_in_steady_use_is_not_pinged(self, pooled: Pooled) -> None:
        pinging, _, _ = pooled
        pings: list[object] = []
        original = pinging.dialect.do_ping
        pinging.dialect.do_ping = lambda conn: pings.append(conn) or original(conn)
        try:
            pids = {backend_pid(pinging) for _ in range(20)}  # back to back, never idle 0.1 s
        finally:
            pinging.dialect.do_ping = original
        assert len(pids) == 1
        assert pings == []
