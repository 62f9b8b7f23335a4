"""Sign-in, sessions, CSRF and the language choice, through the app (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from tests.builders import NOW
from tests.web.conftest import csrf_of, password_of, sign_in


def test_pages_send_a_stranger_to_sign_in_and_back(web: TestClient) -> None:
    response = web.get("/account?changed=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account%3Fchanged%3D1"


def test_sign_in_sets_an_httponly_samesite_cookie_and_goes_to_next(web: TestClient) -> None:
    form = web.get("/login?next=/reports")
    token = csrf_of(form.text)
    response = web.post(
        "/login",
        data={
            "username": "sofia",
            "password": password_of("sofia"),
            "csrf_token": token,
            "next": "/reports",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/reports"
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("rtg_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_wrong_password_and_unknown_user_get_the_same_answer(web: TestClient) -> None:
    answers = []
    for user, password in (("ana", "not-her-password"), ("nobody", "whatever-it-is")):
        token = csrf_of(web.get("/login").text)
        response = web.post(
            "/login",
            data={"username": user, "password": password, "csrf_token": token},
        )
        assert response.status_code == 401
        assert "rtg_session" not in response.headers.get("set-cookie", "")
        answers.append("Wrong user name or password." in response.text)
    assert answers == [True, True]


def test_an_open_redirect_after_sign_in_is_refused(web: TestClient) -> None:
    token = csrf_of(web.get("/login").text)
    response = web.post(
        "/login",
        data={
            "username": "ana",
            "password": password_of("ana"),
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["location"] == "/"


def test_sign_in_without_its_csrf_token_is_refused(web: TestClient) -> None:
    web.get("/login")
    response = web.post("/login", data={"username": "ana", "password": password_of("ana")})
    assert response.status_code == 403
    assert "Form refused" in response.text


def test_a_post_without_the_session_csrf_token_is_refused(web: TestClient) -> None:
    token = sign_in(web, "ana")
    refused = web.post("/language", data={"language": "es"})
    assert refused.status_code == 403
    forged = web.post("/language", data={"language": "es", "csrf_token": token[:-2] + "xx"})
    assert forged.status_code == 403
    # Nothing changed: the page is still in English.
    assert '<html lang="en">' in web.get("/account").text
    accepted = web.post("/language", data={"language": "es", "csrf_token": token})
    assert accepted.status_code == 303
    assert '<html lang="es">' in web.get("/account").text


def test_sign_out_ends_the_session_on_the_server(web: TestClient) -> None:
    token = sign_in(web, "ana")
    secret = web.cookies.get("rtg_session")
    assert web.post("/logout", data={"csrf_token": token}).status_code == 303
    # The old cookie, sent again, no longer opens pages.
    web.cookies.set("rtg_session", secret or "")
    assert web.get("/").status_code == 303
    assert web.get("/").headers["location"] == "/login"


def test_a_new_password_ends_open_sessions(web: TestClient, engine: Engine) -> None:
    sign_in(web, "ana")
    assert web.get("/").headers["location"] == "/work"
    with unit_of_work(engine) as conn:
        account.set_password(conn, user="ana", password="a-brand-new-one", now=NOW)
    assert web.get("/").headers["location"] == "/login"
    sign_in(web, "ana", "a-brand-new-one")


def test_the_front_door_depends_on_the_role(web: TestClient) -> None:
    sign_in(web, "ana")
    assert web.get("/").headers["location"] == "/work"
    web.cookies.clear()
    sign_in(web, "sofia")
    assert web.get("/").headers["location"] == "/dashboard"


def test_language_follows_accept_language_then_the_users_choice(web: TestClient) -> None:
    page = web.get("/login", headers={"Accept-Language": "pt-PT;q=0.9, fr;q=1"})
    assert '<html lang="pt-BR">' in page.text
    assert "Entrar" in page.text
    page = web.get("/login", headers={"Accept-Language": "es-AR,es;q=0.9"})
    assert '<html lang="es">' in page.text
    assert "Iniciar sesión" in page.text
    assert '<html lang="en">' in web.get("/login").text
    token = sign_in(web, "bruno")
    web.post("/language", data={"language": "pt-BR", "csrf_token": token})
    web.cookies.delete("rtg_language")
    # The choice is kept on the user: a browser asking for Spanish still gets pt-BR.
    page = web.get("/account", headers={"Accept-Language": "es"})
    assert '<html lang="pt-BR">' in page.text


def test_short_passwords_are_refused(engine: Engine, web: TestClient) -> None:
    import pytest

    from retaguarda.domain.errors import InvalidInput

    with unit_of_work(engine) as conn, pytest.raises(InvalidInput, match="8 characters"):
        account.set_password(conn, user="ana", password="short", now=NOW)


def test_changing_my_password_asks_the_current_one(web: TestClient) -> None:
    token = sign_in(web, "carla")
    wrong = web.post(
        "/account/password",
        data={
            "current": "nope-nope",
            "new": "carla-2-password",
            "repeat": "carla-2-password",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 422
    assert "The current password is wrong." in wrong.text
    differ = web.post(
        "/account/password",
        data={
            "current": password_of("carla"),
            "new": "carla-2-password",
            "repeat": "other-one!",
            "csrf_token": token,
        },
    )
    assert "The two new passwords differ." in differ.text
    done = web.post(
        "/account/password",
        data={
            "current": password_of("carla"),
            "new": "carla-2-password",
            "repeat": "carla-2-password",
            "csrf_token": token,
        },
    )
    assert done.status_code == 303
    # This browser got a fresh session; the old password no longer signs in.
    assert "Your password was changed." in web.get("/account?changed=1").text
    web.cookies.clear()
    token = csrf_of(web.get("/login").text)
    old = web.post(
        "/login", data={"username": "carla", "password": password_of("carla"), "csrf_token": token}
    )
    assert old.status_code == 401
    sign_in(web, "carla", "carla-2-password")


def test_pages_say_their_server_side_time(web: TestClient) -> None:
    sign_in(web, "ana")
    timing = web.get("/account").headers["server-timing"]
    assert timing.startswith("page;dur=")
    assert 0 < float(timing.removeprefix("page;dur=")) < 60_000


def test_pages_carry_the_security_headers(web: TestClient) -> None:
    page = web.get("/login")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
