"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when
RETAGUARDA_TEST_DATABASE_URL is set), emptied before each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from retaguarda.storage.db import make_engine, normalize_url
from retaguarda.storage.migrate import upgrade
from retaguarda.storage.records import Base

PG_URL = os.environ.get("RETAGUARDA_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
TABLES = [t.name for t in reversed(Base.metadata.sorted_tables)]


def pytest_report_header() -> str:
    return f"retaguarda databases: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One freshly migrated database per backend for this test process."""
    urls = {"sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'retaguarda.db'}"}
    admin: Engine | None = None
    name = f"rtg_test_{uuid.uuid4().hex[:12]}"
    if PG_URL:
        admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        urls["postgresql"] = (
            make_url(normalize_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
        )
    for url in urls.values():
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    yield urls
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _engines(_databases: dict[str, str]) -> Iterator[dict[str, Engine]]:
    engines = {backend: make_engine(url) for backend, url in _databases.items()}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, _databases: dict[str, str], engine: Engine) -> str:
    """The URL of the (emptied) test database, for code that builds its own engine."""
    return _databases[backend]


@pytest.fixture
def engine(backend: str, _engines: dict[str, Engine]) -> Engine:
    """A migrated, empty database on `backend`."""
    engine = _engines[backend]
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
    return engine


@pytest.fixture
def data_dir() -> Path:
    return Path(__file__).parent / "data"
