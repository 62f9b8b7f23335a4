"""Sign-in, languages and CSRF in Debian's Chromium against a real server."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import sign_in


def test_sign_in_shows_my_account_and_signs_out(
    new_context: Callable[..., BrowserContext], shoot: Callable[[Page, str], None]
) -> None:
    page = new_context().new_page()
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
    shoot(page, "login")
    page.get_by_label("User name").fill("ana")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    shoot(page, "login-error")
    sign_in(page, "ana", next_path="/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_text("Signed in as ana")).to_be_visible()
    shoot(page, "account")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_browser_language_then_the_switch(
    new_context: Callable[..., BrowserContext], shoot: Callable[[Page, str], None]
) -> None:
    page = new_context(locale="pt-BR").new_page()
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Entrar")
    shoot(page, "login-pt-BR")
    sign_in(page, "sofia", next_path="/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Minha conta")
    page.get_by_label("Idioma").select_option("es")
    page.get_by_role("button", name="Trocar", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi cuenta")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    shoot(page, "account-es")


def test_a_form_post_without_its_csrf_token_is_refused(
    new_context: Callable[..., BrowserContext], shoot: Callable[[Page, str], None]
) -> None:
    page = new_context().new_page()
    sign_in(page, "bruno", next_path="/account")
    # Take the token out of the language form, then send it as a user would.
    page.locator("form[action='/language'] input[name=csrf_token]").evaluate("e => e.remove()")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Form refused")
    shoot(page, "csrf-refused")
    # Nothing changed: the next page is still in English.
    page.goto("/account")
    expect(page.locator("html")).to_have_attribute("lang", "en")
