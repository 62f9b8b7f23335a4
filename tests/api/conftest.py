"""An app over the test database and tokens for the seeded users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.asgi import create_app
from retaguarda.settings import Settings
from tests.builders import seed, token


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    seed(engine)
    app = create_app(Settings(database_url="sqlite://"), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth(engine: Engine, client: TestClient) -> dict[str, dict[str, str]]:
    """Authorization headers by user name."""
    return {
        user: {"Authorization": f"Bearer {token(engine, user)}"}
        for user in ("admin", "crm", "ana", "bruno", "carla", "sofia")
    }
