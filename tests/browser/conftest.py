"""Debian's Chromium, driven by Playwright, against a real `retaguarda serve` process.

The server runs on the (emptied) test database of each backend; every test saves a
screenshot of each page it visits, at a desktop (1366x768) and a narrow (390x844)
size, under artifacts/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import Engine

from tests.api.server import running_server
from tests.web.conftest import password_of, seed_web

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1366, "height": 768}
NARROW = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Waits of `expect(...)`: long enough for the dashboard's 10-second refresh on a busy
# 2-core machine.
expect.set_options(timeout=25_000)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield launched
    launched.close()


@pytest.fixture
def server(engine: Engine, db_url: str) -> Iterator[str]:
    """A real server process on the seeded test database; yields its base URL."""
    seed_web(engine)
    with running_server(db_url, env={"RETAGUARDA_TIMEZONE": "America/Sao_Paulo"}) as base:
        yield base


@pytest.fixture
def new_context(browser: Browser, server: str) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (separate cookie jars: one per person) on the server."""
    opened: list[BrowserContext] = []

    def make(locale: str = "en-US") -> BrowserContext:
        context = browser.new_context(base_url=server, viewport=DESKTOP, locale=locale)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def shoot(request: pytest.FixtureRequest, backend: str) -> Callable[[Page, str], None]:
    """shoot(page, "name"): save the page at both sizes (the backend in the file name)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"\W+", "-", request.node.originalname).strip("-")

    def take(page: Page, name: str) -> None:
        for size_name, size in (("desktop", DESKTOP), ("narrow", NARROW)):
            page.set_viewport_size(size)
            path = ARTIFACTS / f"{name}.{size_name}.{backend}.{test}.png"
            page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(DESKTOP)

    return take


def sign_in(page: Page, user: str, *, next_path: str = "/") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label(re.compile("User name|Usuário|Usuario")).fill(user)
    page.get_by_label(re.compile("Password|Senha|Contraseña")).fill(password_of(user))
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()
