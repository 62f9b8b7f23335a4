"""Who is asking: the session cookie, the language, the CSRF check of every form.

A page opens one unit of work in which the session is checked (`WebCaller.transaction`),
like the API's bearer token. Every request other than GET/HEAD must send back the
session's CSRF secret, as the form field `csrf_token` or the header `X-CSRF-Token`
(synchronizer token); the sign-in form, before any session, uses a double-submit
cookie instead.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from retaguarda import clock
from retaguarda.domain.errors import DomainError
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from retaguarda.settings import Settings
from retaguarda.web import i18n
from retaguarda.web.templating import Page

SESSION_COOKIE = "rtg_session"
LANGUAGE_COOKIE = "rtg_language"
LOGIN_CSRF_COOKIE = "rtg_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No live session: the handler sends the browser to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(DomainError):
    """A state-changing request without the session's CSRF secret."""

    code = "CsrfRefused"


def language_of(request: Request, preferred: str | None = None) -> str:
    """The user's stored choice, else the language cookie, else Accept-Language."""
    for choice in (preferred, request.cookies.get(LANGUAGE_COOKIE)):
        if choice in i18n.LANGUAGES:
            return choice
    return i18n.negotiate(request.headers.get("accept-language"))


def formats_for(settings: Settings, language: str) -> i18n.Formats:
    return i18n.Formats(language, ZoneInfo(settings.timezone))


@dataclass(frozen=True, slots=True)
class WebCaller:
    """What a page needs: the engine, the settings, the cookie and the CSRF value sent."""

    request: Request
    engine: Engine
    settings: Settings
    secret: str | None
    csrf_sent: str | None

    def anonymous_page(self) -> Page:
        """A page for someone not (yet) signed in."""
        language = language_of(self.request)
        return Page(self.request, language, formats_for(self.settings, language))

    @contextmanager
    def transaction(self) -> Iterator[tuple[Connection, Page]]:
        """One unit of work, opened by checking the session (and the CSRF secret)."""
        if not self.secret:
            raise SignInRequired(_here(self.request))
        with unit_of_work(self.engine) as conn:
            try:
                info = account.session(conn, self.secret, now=clock.now())
            except DomainError:
                raise SignInRequired(_here(self.request)) from None
            if self.request.method not in SAFE_METHODS and not same_secret(
                self.csrf_sent, info.csrf
            ):
                raise CsrfRefused("the form did not carry this session's CSRF token")
            language = language_of(self.request, info.language)
            page = Page(
                self.request,
                language,
                formats_for(self.settings, language),
                principal=info.principal,
                csrf=info.csrf,
            )
            yield conn, page


def same_secret(sent: str | None, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


def _here(request: Request) -> str:
    path = request.url.path
    if request.method in SAFE_METHODS and request.url.query:
        path += "?" + request.url.query
    return path if request.method in SAFE_METHODS else "/"


def login_url(next_path: str) -> str:
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='/')}"


async def get_web_caller(request: Request) -> WebCaller:
    request.state.started = time.perf_counter()  # for the Server-Timing header of the page
    csrf_sent = request.headers.get("x-csrf-token")
    if request.method not in SAFE_METHODS and csrf_sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached: the route's Form(...) reads it again
            value = form.get("csrf_token")
            csrf_sent = value if isinstance(value, str) else None
    return WebCaller(
        request,
        request.app.state.engine,
        request.app.state.settings,
        request.cookies.get(SESSION_COOKIE),
        csrf_sent,
    )


WebDep = Annotated[WebCaller, Depends(get_web_caller)]
