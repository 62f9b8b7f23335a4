"""Errors on the web pages: HTML pages (or a redirect to sign in), never the API's JSON.

The API's handlers stay in charge of everything under the API prefix; `install`
wraps them so that one app answers each side in its own form.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from retaguarda.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from retaguarda.web import deps
from retaguarda.web.i18n import N_
from retaguarda.web.templating import Page

log = logging.getLogger("retaguarda.web")

Handler = Callable[[Request, Any], Awaitable[Response]]

# status, title msgid, sentence msgid
_DOMAIN: list[tuple[type[DomainError], int, str, str]] = [
    (
        deps.CsrfRefused,
        403,
        N_("Form refused"),
        N_(
            "This form was not sent by a page of this site, or it has expired. "
            "Go back, reload the page and try again."
        ),
    ),
    (InvalidInput, 422, N_("Invalid input"), N_("Some of what was sent is not valid.")),
    (NotFound, 404, N_("Not found"), N_("There is nothing here, or you may not see it.")),
    (Conflict, 409, N_("Not possible now"), N_("This cannot be done in the current state.")),
    (Forbidden, 403, N_("Not allowed"), N_("Your role or your areas do not allow this.")),
    (Unauthenticated, 401, N_("Sign in"), N_("Sign in to continue.")),
]


def _page(request: Request) -> Page:
    caller = deps.WebCaller(
        request, request.app.state.engine, request.app.state.settings, None, None
    )
    return caller.anonymous_page()


def error_page(
    request: Request, status: int, title: str, sentence: str, detail: str | None = None
) -> Response:
    return _page(request).render(
        "error.html", status_code=status, title=title, sentence=sentence, detail=detail
    )


def _for_web(request: Request, error: Exception) -> Response:
    if isinstance(error, deps.SignInRequired):
        return RedirectResponse(deps.login_url(error.next_path), status_code=303)
    if isinstance(error, DomainError):
        for cls, status, title, sentence in _DOMAIN:
            if isinstance(error, cls):
                return error_page(request, status, title, sentence, error.message)
        return error_page(request, 400, N_("Invalid input"), error.message)
    if isinstance(error, RequestValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first.get("loc", ())[1:])
        return error_page(
            request,
            422,
            N_("Invalid input"),
            N_("Some of what was sent is not valid."),
            f"{field}: {first.get('msg', '')}",
        )
    if isinstance(error, StarletteHTTPException):
        if error.status_code == 404:
            return error_page(
                request, 404, N_("Not found"), N_("There is nothing here, or you may not see it.")
            )
        return error_page(request, error.status_code, N_("Error"), str(error.detail))
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_page(
        request, 500, N_("Something went wrong"), N_("The error was logged. Try again later.")
    )


def install(app: FastAPI, *, api_prefixes: tuple[str, ...]) -> None:
    """Answer errors outside `api_prefixes` with HTML; keep the API's JSON handlers."""
    kinds: list[type[Exception]] = [
        deps.SignInRequired,
        DomainError,
        RequestValidationError,
        StarletteHTTPException,
        Exception,
    ]
    for kind in kinds:
        api_handler: Handler | None = app.exception_handlers.get(kind)  # type: ignore[assignment]

        def dispatch(api: Handler | None) -> Handler:
            async def handler(request: Request, error: Exception) -> Response:
                if api is not None and request.url.path.startswith(api_prefixes):
                    return await api(request, error)
                return _for_web(request, error)

            return handler

        app.add_exception_handler(kind, dispatch(api_handler))
