"""What every command shares: settings, the engine, and one-line errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine

from retaguarda.domain.errors import DomainError, InvalidInput
from retaguarda.settings import Settings
from retaguarda.storage.db import make_engine

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INVALID = 2
EXIT_FAILED = 1


def settings() -> Settings:
    return Settings()


@contextmanager
def engine_for(cfg: Settings) -> Iterator[Engine]:
    engine = make_engine(cfg.database_url, echo=cfg.sql_echo)
    try:
        yield engine
    finally:
        engine.dispose()


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
