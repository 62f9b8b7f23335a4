"""The one table from errors to HTTP responses: always `{"error", "detail", "field"}`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from retaguarda.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    Unauthenticated,
)

log = logging.getLogger("retaguarda.api")

STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),  # IllegalTransition included
    (Forbidden, 403),
    (Unauthenticated, 401),
]


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "status": {"type": "string", "description": "current status (409 on transitions)"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["error", "detail", "field"],
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the 4xx codes a route can answer."""
    return {
        code: {"description": "Error", "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        for code in codes
    }


def status_of(error: DomainError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 400


def error_body(error: DomainError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": error.code, "detail": error.message, "field": error.field}
    if isinstance(error, IllegalTransition):
        body["status"] = error.status
        body["allowed_actions"] = list(error.allowed)
    return body


def field_of(loc: tuple[Any, ...]) -> str | None:
    """`("body", "customer", "email")` -> `customer.email`; `("query", "status", 0)` -> `status`."""
    if len(loc) > 1 and loc[0] in ("query", "path", "header"):
        return str(loc[1])
    parts = list(loc[1:])
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthenticated) else None
        return JSONResponse(error_body(error), status_code=status_of(error), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0]
        field = field_of(tuple(first.get("loc", ())))
        detail = first.get("msg", "invalid request")
        if first.get("type") == "extra_forbidden":
            detail = "unknown field"
        return JSONResponse(
            {"error": "InvalidInput", "detail": detail, "field": field}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        names = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthenticated"}
        return JSONResponse(
            {
                "error": names.get(error.status_code, "HTTPError"),
                "detail": str(error.detail),
                "field": None,
            },
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse(
            {
                "error": "InternalError",
                "detail": "internal error; see the server log",
                "field": None,
            },
            status_code=500,
        )
