"""The app over the test database, with web passwords for the seeded users."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.asgi import create_app
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import intake
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.settings import Settings
from retaguarda.storage.repos import account as account_repo
from tests.builders import ADMIN, CRM, seed

USERS = ("admin", "ana", "bruno", "carla", "sofia")


def password_of(user: str) -> str:
    return f"{user}-web-password"


@cache
def _hash_of(user: str) -> str:
    return PasswordHasher().hash(password_of(user))


def seed_web(engine: Engine) -> None:
    """The example configuration, and a password for each seeded person.

    The argon2id hashes are made once per test process and stored as
    `account.set_password` stores them (tested on its own): hashing five passwords
    for every test cost about half a second each.
    """
    seed(engine)
    with unit_of_work(engine) as conn:
        for user in USERS:
            account_repo.set_password_hash(conn, user, _hash_of(user))


@pytest.fixture
def web(engine: Engine) -> Iterator[TestClient]:
    seed_web(engine)
    app = create_app(
        Settings(database_url="sqlite://", timezone="America/Sao_Paulo"), engine=engine
    )
    with TestClient(app, follow_redirects=False) as client:
        yield client


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, user: str, password: str | None = None) -> str:
    """Sign `client` in as `user`; return the CSRF token of the session's forms."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": user,
            "password": password or password_of(user),
            "csrf_token": csrf_of(form.text),
            "next": "/",
        },
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/account").text)


def take_in(
    engine: Engine, ref: str, *, ago: timedelta = timedelta(minutes=5), **extra: Any
) -> int:
    """An item received `ago` (an invoice dispute of back office unless told otherwise)."""
    body = {
        "external_ref": ref,
        "channel": "email",
        "case_type": "invoice_dispute",
        "subject": f"Dispute {ref}",
        "customer": {"external_id": "CUST-1", "name": "Maria Silva"},
        "amount": "189.90",
        "created_at": clock.now() - ago,
        **extra,
    }
    with unit_of_work(engine) as conn:
        [result] = intake.intake(
            conn, [ItemInput.model_validate(body)], principal=CRM, now=clock.now()
        )
    assert result.item_id is not None, result.error
    return result.item_id


def available(engine: Engine, agent: str = "ana") -> None:
    with unit_of_work(engine) as conn:
        agent_service.set_presence(
            conn, agent, Presence.AVAILABLE, principal=ADMIN, now=clock.now()
        )
