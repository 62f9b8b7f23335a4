"""The acceptance of the web pages, in Debian's Chromium against a real server: a
specialist takes Next, starts and resolves an item while the supervisor's dashboard
changes by itself; pend on an area and resume; a specialist cannot open an item of
another area; the pages in pt-BR and es; a screenshot of every page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import Engine

from retaguarda.services import config
from retaguarda.services.uow import unit_of_work
from tests.browser.conftest import sign_in
from tests.builders import DATA, NOW
from tests.web.conftest import available, take_in

Shoot = Callable[[Page, str], None]
Contexts = Callable[..., BrowserContext]


@pytest.fixture(autouse=True)
def _sla(server: str, engine: Engine) -> None:
    """SLA policies (invoice disputes: 5 business days), so items have clocks."""
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)


def figure(page: Page, name: str) -> str:
    return page.locator(f"#live [data-figure={name}]").first.inner_text()


def test_next_start_resolve_and_the_dashboard_follows(
    new_context: Contexts, shoot: Shoot, engine: Engine
) -> None:
    item_id = take_in(engine, "WEB-1")
    take_in(engine, "WEB-2")
    supervisor = new_context().new_page()
    sign_in(supervisor, "sofia", next_path="/dashboard")
    expect(supervisor.get_by_role("heading", level=1)).to_contain_text("Dashboard")
    assert (figure(supervisor, "total"), figure(supervisor, "outflow")) == ("2", "0")
    supervisor.evaluate("window.stillTheSamePage = true")
    shoot(supervisor, "dashboard")

    specialist = new_context().new_page()
    sign_in(specialist, "ana", next_path="/work")
    expect(specialist.get_by_role("heading", level=1)).to_have_text("My items")
    specialist.get_by_label("Change to").select_option("available")
    specialist.get_by_role("button", name="Save").click()
    shoot(specialist, "my-items")
    specialist.get_by_role("button", name="Next").click()
    # The oldest dispute first (both have the same policy and WEB-1 came first).
    expect(specialist).to_have_url(re.compile(rf"/items/{item_id}$"))
    shoot(specialist, "item")
    specialist.get_by_role("button", name="Start").click()
    expect(specialist.locator("section[aria-labelledby=details-heading]")).to_contain_text(
        "in progress"
    )
    resolve = specialist.get_by_role("form", name="Resolve")
    resolve.get_by_label("Reason").fill("refund issued")
    resolve.get_by_label("Outcome").select_option("solved")
    resolve.get_by_role("button", name="Resolve").click()
    expect(specialist.locator("section[aria-labelledby=details-heading]")).to_contain_text(
        "resolved"
    )
    timeline = specialist.locator("#timeline")
    expect(timeline).to_contain_text("refund issued")
    shoot(specialist, "item-resolved")

    # The dashboard was not reloaded: its live region fetched the change (<= 10 s).
    expect(supervisor.locator("#live [data-figure=outflow]").first).to_have_text("1")
    expect(supervisor.locator("#live [data-figure=total]").first).to_have_text("1")
    expect(supervisor.locator("#live tr[data-agent=ana] [data-figure=resolved]")).to_have_text("1")
    assert supervisor.evaluate("window.stillTheSamePage") is True


def test_pend_on_an_area_and_resume(new_context: Contexts, shoot: Shoot, engine: Engine) -> None:
    available(engine, "ana")
    item_id = take_in(engine, "WEB-3")
    page = new_context().new_page()
    sign_in(page, "ana", next_path="/work")
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(rf"/items/{item_id}$"))
    page.get_by_role("button", name="Start").click()
    pend = page.get_by_role("form", name="Wait on another area")
    pend.get_by_label("Area to wait on").select_option("finance")
    pend.get_by_label("Note").fill("need the refund approved")
    pend.get_by_role("button", name="Wait on another area").click()
    expect(page.locator("section[aria-labelledby=details-heading]")).to_contain_text(
        "waiting on another area"
    )
    expect(page.locator("#timeline")).to_contain_text("need the refund approved")
    shoot(page, "item-pending-area")
    # Only what the status allows is offered now.
    expect(page.get_by_role("button", name="Start")).to_have_count(0)
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("section[aria-labelledby=details-heading]")).to_contain_text("in progress")


def test_a_specialist_cannot_open_an_item_of_another_area(
    new_context: Contexts, shoot: Shoot, engine: Engine
) -> None:
    item_id = take_in(engine, "WEB-4")  # back office
    page = new_context().new_page()
    sign_in(page, "carla", next_path="/work")  # finance
    response = page.goto(f"/items/{item_id}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("body")).not_to_contain_text("WEB-4")
    shoot(page, "not-found")


@pytest.mark.parametrize(
    ("language", "switch", "headings"),
    [
        ("pt-BR", "Change", {"/work": "Meus itens", "/account": "Minha conta"}),
        ("es", "Change", {"/work": "Mis casos", "/account": "Mi cuenta"}),
    ],
)
def test_switch_to_portuguese_and_spanish(
    new_context: Contexts,
    shoot: Shoot,
    engine: Engine,
    language: str,
    switch: str,
    headings: dict[str, str],
) -> None:
    item_id = take_in(engine, "WEB-5", amount="1234.50")
    available(engine, "ana")
    page = new_context().new_page()
    sign_in(page, "ana", next_path="/work")
    page.get_by_label("Language").select_option(language)
    page.get_by_role("button", name=switch, exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    for path, heading in headings.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        shoot(page, f"{path.strip('/')}-{language}")
    page.goto("/work")
    page.get_by_role("button", name={"pt-BR": "Próximo", "es": "Siguiente"}[language]).click()
    expect(page).to_have_url(re.compile(rf"/items/{item_id}$"))
    # Money in the language's format: "R$ 1.234,50" (pt-BR), "1.234,50 BRL" (es).
    money = {"pt-BR": "R$\xa01.234,50", "es": "1.234,50\xa0BRL"}[language]
    expect(page.locator("section[aria-labelledby=details-heading]")).to_contain_text(money)
    shoot(page, f"item-{language}")


def test_a_screenshot_of_every_page(new_context: Contexts, shoot: Shoot, engine: Engine) -> None:
    take_in(engine, "WEB-6")
    supervisor = new_context().new_page()
    sign_in(supervisor, "sofia", next_path="/dashboard")
    for path, name in (
        ("/reports", "reports"),
        ("/reports?kind=quality", "reports-quality"),
        ("/reports?kind=backlog", "reports-backlog"),
        ("/reports?kind=pareto", "reports-pareto"),
        ("/reports?from=2026-03-09&to=2026-03-01", "reports-invalid"),
    ):
        supervisor.goto(path)
        expect(supervisor.get_by_role("heading", level=1)).to_be_visible()
        shoot(supervisor, name)
    admin = new_context().new_page()
    sign_in(admin, "admin", next_path="/admin")
    for path, name in (
        ("/admin", "admin"),
        ("/admin/config", "admin-config"),
        ("/admin/users", "admin-users"),
        ("/admin/tokens", "admin-tokens"),
        ("/dashboard", "dashboard-admin"),
    ):
        admin.goto(path)
        expect(admin.get_by_role("heading", level=1)).to_be_visible()
        shoot(admin, name)
    admin.goto("/admin/config")
    admin.get_by_label(re.compile("Configuration|YAML")).first.fill("areas: [\n")
    admin.get_by_role("button", name="Apply").click()
    expect(admin.get_by_role("alert")).to_be_visible()
    shoot(admin, "admin-config-error")
