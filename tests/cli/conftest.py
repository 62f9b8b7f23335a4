"""Run the real `retaguarda` command against the test databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, FromClause, func, select
from typer.testing import CliRunner, Result

from retaguarda.cli.main import app

Cli = Callable[..., Result]


def invoke(url: str, *args: str) -> Result:
    """`retaguarda ARGS` with RETAGUARDA_DATABASE_URL=url; our own errors are not swallowed."""
    env = {"RETAGUARDA_DATABASE_URL": url, "COLUMNS": "200"}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def cli(db_url: str) -> Cli:
    """`cli("config", "export")` runs the command on the (emptied) test database."""
    return lambda *args: invoke(db_url, *args)


def ok(result: Result) -> Result:
    """The result, after checking the command succeeded."""
    assert result.exit_code == 0, f"{result.stdout}\n{result.stderr}"
    return result


def error_lines(result: Result) -> list[str]:
    return result.stderr.strip().splitlines()


def count(engine: Engine, table: FromClause) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)
