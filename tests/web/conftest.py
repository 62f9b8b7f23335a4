"""The app over the test database, with web passwords for the seeded users."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.asgi import create_app
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from retaguarda.settings import Settings
from tests.builders import NOW, seed

USERS = ("admin", "ana", "bruno", "carla", "sofia")


def password_of(user: str) -> str:
    return f"{user}-web-password"


def seed_web(engine: Engine) -> None:
    """The example configuration, and a password for each seeded person."""
    seed(engine)
    with unit_of_work(engine) as conn:
        for user in USERS:
            account.set_password(conn, user=user, password=password_of(user), now=NOW)


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
