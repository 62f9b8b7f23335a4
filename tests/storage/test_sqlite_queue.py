"""SQLite transactions of one engine queue on a lock rather than in SQLite's busy handler."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from retaguarda.storage.db import make_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'queue.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


class TestQueue:
    def test_a_second_transaction_starts_only_after_the_first_commits(
        self, sqlite_engine: Engine
    ) -> None:
        events: list[str] = []
        first_began = threading.Event()

        def first() -> None:
            with sqlite_engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (1)"))
                first_began.set()
                time.sleep(0.2)
                events.append("first done")

        def second() -> None:
            first_began.wait(10)
            with sqlite_engine.begin() as conn:
                events.append("second began")
                conn.execute(text("INSERT INTO t VALUES (2)"))

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert events == ["first done", "second began"]
        with sqlite_engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2

    def test_a_failed_transaction_lets_the_next_one_in(self, sqlite_engine: Engine) -> None:
        with pytest.raises(OperationalError), sqlite_engine.begin() as conn:
            conn.execute(text("INSERT INTO missing VALUES (1)"))
        started = time.monotonic()
        with sqlite_engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
        assert time.monotonic() - started < 5  # not the 30 s wait for a lock never released

    def test_a_connection_closed_mid_transaction_lets_the_next_one_in(
        self, sqlite_engine: Engine
    ) -> None:
        conn = sqlite_engine.connect()
        conn.begin()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.close()  # rolls back
        started = time.monotonic()
        with sqlite_engine.begin() as other:
            other.execute(text("INSERT INTO t VALUES (2)"))
            assert other.execute(text("SELECT x FROM t")).scalars().all() == [2]
        assert time.monotonic() - started < 5
