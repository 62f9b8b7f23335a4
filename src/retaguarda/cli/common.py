"""What every command shares: settings, the engine, and one-line errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import DomainError, InvalidInput
from retaguarda.settings import Settings
from retaguarda.storage import migrate
from retaguarda.storage.db import make_engine

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INVALID = 2
EXIT_FAILED = 1
# Who acts when no --as is given: the operator at the console, with full rights.
CLI_PRINCIPAL = Principal(name="cli", role=Role.ADMIN)


def settings() -> Settings:
    return Settings()


@contextmanager
def engine_for(cfg: Settings) -> Iterator[Engine]:
    engine = make_engine(cfg.database_url, echo=cfg.sql_echo)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def database(cfg: Settings) -> Iterator[Engine]:
    """An engine on a reachable database whose schema is current, or one `error:` line."""
    try:
        make_url(cfg.database_url)
    except ArgumentError:
        raise fail("RETAGUARDA_DATABASE_URL is not a database URL") from None
    with engine_for(cfg) as engine:
        try:
            current = migrate.current(engine)
        except OperationalError as error:
            url = make_url(cfg.database_url).render_as_string(hide_password=True)
            reason = " ".join(str(error.orig or error).split())
            raise fail(f"cannot open database {url}: {reason}") from None
        expected = migrate.head()
        if current != expected:
            raise fail(
                f"database schema is at revision {current or 'none'}, this version needs "
                f"{expected}: run `retaguarda db upgrade` first"
            )
        yield engine


def fail(message: str, *, code: int = EXIT_FAILED) -> typer.Exit:
    """Print `error: message` on stderr and return the Exit to raise."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into one `error: field: message` line and an exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            where = f"{error.field}: " if error.field else ""
            code = EXIT_INVALID if isinstance(error, InvalidInput) else EXIT_FAILED
            raise fail(f"{where}{error.message}", code=code) from None

    return wrapper
