"""Sign in, sign out, the language switch and the front door."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from retaguarda import clock
from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import Unauthenticated
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from retaguarda.web import i18n
from retaguarda.web.deps import (
    LANGUAGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfRefused,
    WebDep,
    same_secret,
)

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only paths of this site (no `//host` or scheme): no open redirect after sign-in."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    """HttpOnly, SameSite=Lax, Secure when served over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def _set_session(response: Response, request: Request, secret: str) -> None:
    lifetime = int(account.SESSION_LIFETIME.total_seconds())
    _set_cookie(response, request, SESSION_COOKIE, secret, max_age=lifetime)


@router.get("/login")
def login_form(web: WebDep, next: str | None = None) -> Response:
    page = web.anonymous_page()
    token = secrets.token_urlsafe(32)
    response = page.render("login.html", csrf_token=token, next=_safe_next(next), error=None)
    _set_cookie(response, web.request, LOGIN_CSRF_COOKIE, token)
    return response


@router.post("/login")
def login(
    web: WebDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not same_secret(web.csrf_sent, web.request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise CsrfRefused("the sign-in form did not carry its CSRF token")
    try:
        with unit_of_work(web.engine) as conn:
            opened = account.sign_in(
                conn, user=username.strip(), password=password, now=clock.now()
            )
    except Unauthenticated:
        page = web.anonymous_page()
        token = secrets.token_urlsafe(32)
        response = page.render(
            "login.html",
            status_code=401,
            csrf_token=token,
            next=_safe_next(next),
            error=page.gettext("Wrong user name or password."),
            username=username,
        )
        _set_cookie(response, web.request, LOGIN_CSRF_COOKIE, token)
        return response
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    _set_session(redirect, web.request, opened.secret)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return redirect


@router.post("/logout")
def logout(web: WebDep) -> Response:
    with web.transaction() as (conn, _page):
        assert web.secret is not None
        account.sign_out(conn, web.secret, now=clock.now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def choose_language(
    web: WebDep,
    language: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/",
) -> Response:
    """Remember the language: on the user when signed in, else in a cookie."""
    if language not in i18n.LANGUAGES:
        language = i18n.DEFAULT
    response = RedirectResponse(_safe_next(back), status_code=303)
    if web.secret:
        with web.transaction() as (conn, page):
            assert page.principal is not None
            account.set_language(conn, user=page.principal.name, language=language)
    elif not same_secret(web.csrf_sent, web.request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        raise CsrfRefused("the language form did not carry its CSRF token")
    response.set_cookie(
        LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, path="/", samesite="lax"
    )
    return response


@router.get("/")
def front_door(web: WebDep) -> Response:
    """Specialists to their work, supervisors and admins to the dashboard."""
    with web.transaction() as (_conn, page):
        principal = page.principal
    assert principal is not None
    target = "/work" if principal.role is Role.SPECIALIST else "/dashboard"
    if principal.role is Role.INTEGRATION:
        target = "/reports"
    return RedirectResponse(target, status_code=303)


@router.get("/account")
def my_account(web: WebDep) -> Response:
    """Who I am, my areas, my language, and a form to change my password."""
    with web.transaction() as (_conn, page):
        changed = web.request.query_params.get("changed") == "1"
        notice = page.gettext("Your password was changed.") if changed else None
        return page.render("account.html", notice=notice, error=None)


@router.post("/account/password")
def change_password(
    web: WebDep,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
) -> Response:
    """Change my own password: the current one is asked again; other sessions end."""
    with web.transaction() as (conn, page):
        assert page.principal is not None
        assert web.secret is not None
        name = page.principal.name
        error = None
        if new != repeat:
            error = page.gettext("The two new passwords differ.")
        elif len(new) < account.MIN_PASSWORD:
            error = page.gettext(
                "A password needs at least %(count)s characters.", count=account.MIN_PASSWORD
            )
        else:
            try:
                account.sign_in(conn, user=name, password=current, now=clock.now())
            except Unauthenticated:
                error = page.gettext("The current password is wrong.")
        if error:
            return page.render("account.html", status_code=422, notice=None, error=error)
        now = clock.now()
        account.set_password(conn, user=name, password=new, now=now)
        opened = account.sign_in(conn, user=name, password=new, now=now)
    response = RedirectResponse("/account?changed=1", status_code=303)
    _set_session(response, web.request, opened.secret)
    return response
