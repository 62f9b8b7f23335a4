"""The Jinja2 environment and `Page`, what every template is rendered with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.web import i18n
from retaguarda.web.i18n import N_

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
# Newstyle gettext: `{% trans %}` and `_()` escape and interpolate alike; the real
# callables of the request's language are passed with each render (see Page).
environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def _gettext_callables(translations: Any) -> dict[str, Any]:
    @pass_context
    def gettext(__context: Context, __string: str, **variables: Any) -> str:
        text = translations.gettext(__string)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if variables else text  # type: ignore[no-any-return]

    @pass_context
    def ngettext(
        __context: Context, __singular: str, __plural: str, __num: int, **variables: Any
    ) -> str:
        variables.setdefault("num", __num)
        text = translations.ngettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables  # type: ignore[no-any-return]

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext}


# Scripts and styles only from this site (inline style attributes allowed for bar
# widths), no framing, no MIME sniffing; pages with personal data are not cached.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Page:
    """One request's view of the site: who (if anyone), which language, the CSRF secret."""

    request: Request
    language: str
    formats: i18n.Formats
    principal: Principal | None = None
    csrf: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def translations(self) -> Any:
        return i18n.translations(self.language)

    def gettext(self, message: str, **variables: Any) -> str:
        """Translate a message written in Python (flash and error sentences)."""
        text: str = self.translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        text: str = self.translations.ngettext(singular, plural, num)
        return text % {"num": num, **variables}

    def render(self, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        values: dict[str, Any] = {
            **_gettext_callables(self.translations),
            "page": self,
            "request": self.request,
            "user": self.principal,
            "csrf_token": self.csrf,
            "language": self.language,
            "languages": i18n.NATIVE_NAMES,
            "fmt": self.formats,
            "nav": navigation(self.principal),
            "role_names": ROLE_NAMES,
            **self.extra,
            **context,
        }
        body = environment.get_template(template).render(values)
        response = HTMLResponse(body, status_code=status_code, headers=SECURITY_HEADERS)
        started = getattr(self.request.state, "started", None)
        if started is not None:
            # Server-side time of the page (data and render), for bench/web.py and the
            # browser's developer tools.
            elapsed = (time.perf_counter() - started) * 1000
            response.headers["Server-Timing"] = f"page;dur={elapsed:.1f}"
        return response


# Words shown for values the domain names in English (msgids for the catalogs).
ROLE_NAMES = {
    Role.SPECIALIST: N_("specialist"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.ADMIN: N_("admin"),
    Role.INTEGRATION: N_("integration"),
}


def navigation(principal: Principal | None) -> list[tuple[str, str]]:
    """(path, label msgid) of the sections the caller may open."""
    if principal is None:
        return []
    sections = [("/work", N_("My work"))] if principal.agent else []
    if principal.role in (Role.SUPERVISOR, Role.ADMIN):
        sections += [("/dashboard", N_("Dashboard")), ("/reports", N_("Reports"))]
    if principal.role is Role.ADMIN:
        sections.append(("/admin", N_("Administration")))
    return sections
