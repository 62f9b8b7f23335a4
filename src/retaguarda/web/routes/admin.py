"""Administration: the configuration in force, editing it, users' passwords, API tokens.

Only admins open these pages. Writes go through the same services as the CLI
(`config apply`, `users set-password`, `tokens issue|revoke`); each action
redirects (post/redirect/get) except the page that shows a new token's secret,
which is rendered once and never cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from retaguarda import clock
from retaguarda.domain.catalog import Change, Role
from retaguarda.domain.errors import Forbidden, InvalidInput, NotFound
from retaguarda.services import account, routing, sla
from retaguarda.services import config as config_service
from retaguarda.services.config import InvalidConfig
from retaguarda.web.deps import WebDep
from retaguarda.web.i18n import N_
from retaguarda.web.templating import Page

router = APIRouter(prefix="/admin", include_in_schema=False)

# Changes listed after applying a file (the rest are counted): bounds the redirect URL.
MAX_LISTED_CHANGES = 100
# Tokens shown, newest first.
MAX_TOKENS = 500
WEB_SOURCE = "web form"

SECTIONS = [
    ("/admin", N_("Overview")),
    ("/admin/config", N_("Edit configuration")),
    ("/admin/users", N_("Users and passwords")),
    ("/admin/tokens", N_("API tokens")),
]
CHANGE_KINDS = {"created": N_("created"), "updated": N_("updated"), "removed": N_("removed")}
METRICS = {"first_response": N_("first response"), "resolution": N_("resolution")}
UNITS = {
    "business_days": N_("business days"),
    "business_hours": N_("business hours"),
    "calendar_days": N_("calendar days"),
    "calendar_hours": N_("calendar hours"),
}
MATCH_FIELDS = {
    "case_type": N_("case type"),
    "channel": N_("channel"),
    "priority": N_("priority"),
    "tier": N_("tier"),
    "segment": N_("segment"),
}
PAUSE_STATES = {
    "pending_customer": N_("pending on the customer"),
    "pending_area": N_("pending on another area"),
}
RULE_CONDITIONS = {
    "amount_gte": N_("amount at least"),
    "channel": N_("channel"),
    "case_type": N_("case type"),
}


def _admin_page(page: Page) -> Page:
    """Refuse anyone but an admin (the not-allowed page)."""
    if page.principal is None or page.principal.role is not Role.ADMIN:
        raise Forbidden("only an admin may open the administration pages")
    return page


def _render(page: Page, template: str, *, status_code: int = 200, **context: Any) -> Response:
    return page.render(
        template,
        status_code=status_code,
        sections=SECTIONS,
        change_kinds=CHANGE_KINDS,
        **context,
    )


# -- overview ----------------------------------------------------------------------------


@router.get("")
def overview(web: WebDep) -> Response:
    """The configuration in force, section by section, as tables."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        catalog = config_service.catalog(conn)
        versions = sla.configs(conn)
        return _render(
            page,
            "admin/overview.html",
            catalog=catalog,
            with_password=account.users_with_password(conn),
            sla_config=versions[-1] if versions else None,
            routing=routing.settings(conn),
            day_names=_day_names(page),
            metrics=METRICS,
            units=UNITS,
            match_fields=MATCH_FIELDS,
            pause_states=PAUSE_STATES,
            rule_conditions=RULE_CONDITIONS,
            clock_of=_clock_of,
        )


def _day_names(page: Page) -> list[str]:
    """Monday..Sunday, abbreviated in the page's language (Babel's CLDR data)."""
    names = page.formats.locale.days["format"]["abbreviated"]
    return [str(names[i]) for i in range(7)]


def _clock_of(seconds: int) -> str:
    """Seconds after midnight as HH:MM (24:00 stays 24:00)."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


# -- the configuration file --------------------------------------------------------------


@router.get("/config")
def config_form(web: WebDep) -> Response:
    """The configuration as YAML to edit, and the changes of the last apply (after PRG)."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        query = web.request.query_params
        applied = query.get("applied")
        return _render(
            page,
            "admin/config.html",
            text=config_service.export(conn),
            problems=[],
            applied=int(applied) if applied and applied.isdigit() else None,
            changes=[_unpacked(c) for c in query.getlist("change")],
            checked=None,
        )


@router.get("/config.yaml")
def config_download(web: WebDep) -> Response:
    """The configuration as a file, for `retaguarda config apply` elsewhere."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        text = config_service.export(conn)
    return Response(
        text,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="retaguarda-config.yaml"'},
    )


@router.post("/config")
def config_apply(
    web: WebDep,
    text: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    action: Annotated[str, Form()] = "apply",
) -> Response:
    """Apply (or only check) the text or the uploaded file: all of it, or nothing."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        source = WEB_SOURCE
        if file is not None and file.filename:
            source = file.filename
            try:
                text = file.file.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                problem = page.gettext("The file is not UTF-8 text.")
                return _config_refused(page, text, [(source, problem)])
        text = text.replace("\r\n", "\n")
        try:
            if action == "check":
                would = config_service.check(conn, text, source=source)
                return _render(
                    page,
                    "admin/config.html",
                    text=text,
                    problems=[],
                    applied=None,
                    changes=[_described(c) for c in would],
                    checked=len(would),
                )
            changes = config_service.apply(conn, text, source=source, now=clock.now())
        except InvalidConfig as error:
            return _config_refused(page, text, [(p.path, p.message) for p in error.problems])
        except InvalidInput as error:
            return _config_refused(page, text, [(error.field or "(document)", error.message)])
    return RedirectResponse(_applied_url(changes), status_code=303)


def _config_refused(page: Page, text: str, problems: list[tuple[str, str]]) -> Response:
    """The page again with the text as sent and every problem by path; nothing applied."""
    return _render(
        page,
        "admin/config.html",
        status_code=422,
        text=text,
        problems=problems,
        applied=None,
        changes=[],
        checked=None,
    )


def _applied_url(changes: Sequence[Change]) -> str:
    listed = [("change", f"{c.kind}:{c.section}:{c.key}") for c in changes[:MAX_LISTED_CHANGES]]
    return "/admin/config?" + urlencode([("applied", str(len(changes))), *listed])


def _unpacked(packed: str) -> tuple[str, str, str]:
    """(kind, section, key) of a change carried in the redirect's query."""
    kind, _, rest = packed.partition(":")
    section, _, key = rest.partition(":")
    return kind, section, key


def _described(change: Change) -> tuple[str, str, str]:
    return change.kind, change.section, change.key


# -- users' passwords --------------------------------------------------------------------


@router.get("/users")
def users(web: WebDep) -> Response:
    """Each user, whether they may sign in here, and a form to set their password."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        done = web.request.query_params.get("password_set")
        notice = page.gettext("The password of %(name)s was set.", name=done) if done else None
        return _users_page(page, conn, notice=notice)


def _users_page(
    page: Page,
    conn: Connection,
    *,
    notice: str | None = None,
    error_of: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return _render(
        page,
        "admin/users.html",
        status_code=status_code,
        users=config_service.catalog(conn).users,
        with_password=account.users_with_password(conn),
        notice=notice,
        error_of=error_of,
        min_password=account.MIN_PASSWORD,
    )


@router.post("/users/{name}/password")
def set_password(
    web: WebDep,
    name: str,
    password: Annotated[str, Form()] = "",
) -> Response:
    """Set a user's web password (their open sessions end)."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        if len(password) < account.MIN_PASSWORD:
            error = page.gettext(
                "A password needs at least %(count)s characters.", count=account.MIN_PASSWORD
            )
            return _users_page(page, conn, error_of=(name, error), status_code=422)
        account.set_password(conn, user=name, password=password, now=clock.now())
    return RedirectResponse("/admin/users?" + urlencode({"password_set": name}), status_code=303)


# -- API tokens --------------------------------------------------------------------------


@router.get("/tokens")
def tokens(web: WebDep) -> Response:
    """Every token (never a secret), newest first, with revoke; a form to issue one."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        revoked = web.request.query_params.get("revoked")
        notice = (
            page.gettext("Token %(id)s was revoked.", id=revoked)
            if revoked and revoked.isdigit()
            else None
        )
        return _tokens_page(page, conn, notice=notice)


def _tokens_page(
    page: Page,
    conn: Connection,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    listed = account.list_tokens(conn)
    return _render(
        page,
        "admin/tokens.html",
        status_code=status_code,
        tokens=listed[::-1][:MAX_TOKENS],
        total=len(listed),
        users=config_service.catalog(conn).users,
        notice=notice,
        error=error,
        form=form or {},
    )


@router.post("/tokens")
def issue_token(
    web: WebDep,
    user: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> Response:
    """Issue a token and show its secret this once (no-store: not kept by the browser)."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        try:
            issued = account.create_token(
                conn, user=user, label=label.strip() or None, now=clock.now()
            )
        except NotFound:
            error = page.gettext("There is no user named %(name)s.", name=user)
            form = {"user": user, "label": label}
            return _tokens_page(page, conn, error=error, status_code=422, form=form)
        response = _render(
            page, "admin/token_issued.html", issued=issued, owner=user, label=label.strip()
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@router.post("/tokens/{token_id}/revoke")
def revoke_token(web: WebDep, token_id: int) -> Response:
    """Revoke a live token: requests carrying it are refused from now on."""
    with web.transaction() as (conn, page):
        _admin_page(page)
        account.revoke_token(conn, ident=str(token_id), now=clock.now())
    return RedirectResponse(f"/admin/tokens?revoked={token_id}", status_code=303)
