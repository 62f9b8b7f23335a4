"""Request-scoped dependencies: settings, the engine, and the authenticated transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from retaguarda.domain.access import Principal
from retaguarda.domain.errors import Unauthenticated
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from retaguarda.settings import Settings


@dataclass(frozen=True, slots=True)
class Caller:
    """What a route needs to do its work: the engine and the bearer token."""

    engine: Engine
    settings: Settings
    token: str

    @contextmanager
    def transaction(self) -> Iterator[tuple[Connection, Principal]]:
        """One unit of work, opened by authenticating the token inside it."""
        with unit_of_work(self.engine) as conn:
            yield conn, account.authenticate(conn, self.token)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_caller(request: Request) -> Caller:
    # Async although it awaits nothing: FastAPI runs a plain `def` dependency in
    # the threadpool, a thread hop (and GIL hand-off) per request for no I/O.
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>'")
    return Caller(request.app.state.engine, request.app.state.settings, token.strip())


CallerDep = Annotated[Caller, Depends(get_caller)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
