"""Administration pages through the app (SQLite and PostgreSQL): who may open them, the
configuration shown and applied (all or nothing), users' passwords and API tokens."""

from __future__ import annotations

import html
import re

import pytest
import yaml
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from retaguarda.domain.errors import Unauthenticated
from retaguarda.services import account, config
from retaguarda.services.uow import unit_of_work
from tests.builders import NOW
from tests.web.conftest import csrf_of, sign_in

NEW_AREA = "areas:\n  - {key: legal, name: Legal}\n"
UNKNOWN_AREA = (
    "case_types:\n"
    "  - {key: lawsuit, name: Lawsuit, area: courts, tier: backoffice_l1}\n"
    "areas:\n  - {key: legal, name: Legal}\n"
)
SLA = {
    "calendars": [
        {
            "key": "br-sp",
            "timezone": "America/Sao_Paulo",
            "hours": {"mon-fri": ["08:00-18:00"]},
            "closed": ["2026-12-24"],
        }
    ],
    "sla_policies": [
        {
            "key": "invoice-dispute",
            "match": {"case_type": "invoice_dispute"},
            "calendar": "br-sp",
            "targets": {"first_response": {"business_hours": 4}},
            "pause_on": ["pending_customer"],
            "at_risk": 0.8,
        }
    ],
    "olas": [{"area": "finance", "calendar": "br-sp", "target": {"business_days": 2}}],
    "routing": {"default": "fifo", "areas": {"finance": "earliest_deadline"}},
}
SECRET = re.compile(r'value="(rtg_[^"]+)"')


def exported(engine: Engine) -> str:
    with engine.connect() as conn:
        return config.export(conn)


def area_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {a.key for a in config.catalog(conn).areas}


def post_config(web: TestClient, csrf: str, text: str, action: str = "apply") -> Response:
    return web.post(
        "/admin/config",
        data={"csrf_token": csrf, "text": text, "action": action},
        files={"file": ("", b"", "application/octet-stream")},
    )


class TestWhoMayOpen:
    @pytest.mark.parametrize("user", ["sofia", "ana"])
    def test_others_than_admins_are_not_allowed(
        self, web: TestClient, engine: Engine, user: str
    ) -> None:
        csrf = sign_in(web, user)
        before = exported(engine)
        for path in ("/admin", "/admin/config", "/admin/users", "/admin/tokens"):
            response = web.get(path)
            assert response.status_code == 403, path
            assert "Not allowed" in response.text
        refused = web.post("/admin/config", data={"csrf_token": csrf, "text": NEW_AREA})
        assert refused.status_code == 403
        issued = web.post("/admin/tokens", data={"csrf_token": csrf, "user": user})
        assert issued.status_code == 403
        assert exported(engine) == before
        with engine.connect() as conn:
            assert account.list_tokens(conn) == []

    def test_a_stranger_is_sent_to_sign_in(self, web: TestClient) -> None:
        response = web.get("/admin")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/admin"

    def test_the_admin_sees_the_section_in_the_navigation(self, web: TestClient) -> None:
        sign_in(web, "admin")
        assert 'href="/admin"' in web.get("/account").text
        sign_in(web, "sofia")
        assert 'href="/admin"' not in web.get("/account").text


class TestOverview:
    def test_shows_the_case_types_agents_and_users_of_the_configuration(
        self, web: TestClient
    ) -> None:
        sign_in(web, "admin")
        page = web.get("/admin")
        assert page.status_code == 200
        text = page.text
        for expected in ("Invoice dispute", "Refund request", "Delivery not received"):
            assert expected in text
        assert "<code>backoffice_l1</code>" in text
        assert "Ana Souza" in text
        assert "Bruno Lima" in text
        assert "Carla Dias" in text
        # users: crm has no web password, sofia has one
        crm_row = re.search(r"<th scope=\"row\">crm</th>.*?</tr>", text, re.S)
        sofia_row = re.search(r"<th scope=\"row\">sofia</th>.*?</tr>", text, re.S)
        assert crm_row
        assert "not set" in crm_row.group(0)
        assert sofia_row
        assert "✓ set" in sofia_row.group(0)
        assert "No SLA configuration has been applied" in text

    def test_shows_calendars_sla_policies_olas_and_routing(
        self, web: TestClient, engine: Engine
    ) -> None:
        with unit_of_work(engine) as conn:
            config.apply(conn, yaml.safe_dump(SLA), source="sla.yaml", now=NOW)
        sign_in(web, "admin")
        text = web.get("/admin").text
        assert "<code>invoice-dispute</code>" in text
        assert "first response: 4 business hours" in text
        assert "pending on the customer" in text
        assert "80%" in text
        assert "America/Sao_Paulo" in text
        assert "Mon: 08:00\u201318:00" in text
        assert "2 business days" in text  # the finance OLA
        assert "<code>earliest_deadline</code>" in text
        assert "<code>fifo</code>" in text

    def test_is_translated(self, web: TestClient, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            config.apply(conn, yaml.safe_dump(SLA), source="sla.yaml", now=NOW)
        sign_in(web, "admin")
        portuguese = web.get("/admin", headers={"Accept-Language": "pt-BR"}).text
        assert "Tipos de caso" in portuguese
        assert "primeira resposta: 4 horas úteis" in portuguese
        spanish = web.get("/admin", headers={"Accept-Language": "es"}).text
        assert "Tipos de caso" in spanish
        assert "primera respuesta: 4 horas hábiles" in spanish


class TestEditConfiguration:
    def test_the_form_shows_the_configuration_in_a_labelled_textarea(
        self, web: TestClient, engine: Engine
    ) -> None:
        sign_in(web, "admin")
        page = web.get("/admin/config")
        assert page.status_code == 200
        assert '<label for="config-text">' in page.text
        assert 'enctype="multipart/form-data"' in page.text
        shown = re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S)
        assert shown
        assert html.unescape(shown.group(1)) == exported(engine)

    def test_applying_a_new_area_redirects_and_lists_the_change(
        self, web: TestClient, engine: Engine
    ) -> None:
        csrf = sign_in(web, "admin")
        response = post_config(web, csrf, NEW_AREA)
        assert response.status_code == 303
        assert "legal" in area_keys(engine)
        assert "key: legal" in exported(engine)
        shown = web.get(response.headers["location"])
        assert "The configuration was applied. Changes: 1." in shown.text
        assert "created: <code>areas</code> <code>legal</code>" in shown.text

    def test_applying_again_says_nothing_changed(self, web: TestClient) -> None:
        csrf = sign_in(web, "admin")
        post_config(web, csrf, NEW_AREA)
        again = post_config(web, csrf, NEW_AREA)
        shown = web.get(again.headers["location"])
        assert "nothing changed" in shown.text

    def test_invalid_yaml_is_refused_inline_and_kept(self, web: TestClient, engine: Engine) -> None:
        csrf = sign_in(web, "admin")
        before = exported(engine)
        broken = "areas:\n  - {key: legal, name: Legal\n<b>"
        response = post_config(web, csrf, broken)
        assert response.status_code == 422
        text = response.text
        alert = re.search(r'<div class="error" role="alert".*?</div>', text, re.S)
        assert alert
        assert "not valid YAML" in alert.group(0)
        assert "line " in alert.group(0)
        shown = re.search(r"<textarea[^>]*>(.*?)</textarea>", text, re.S)
        assert shown
        assert html.unescape(shown.group(1)) == broken
        assert "<b>" not in shown.group(1)  # escaped
        assert exported(engine) == before

    def test_an_unknown_reference_names_the_field_and_applies_nothing(
        self, web: TestClient, engine: Engine
    ) -> None:
        csrf = sign_in(web, "admin")
        before = exported(engine)
        response = post_config(web, csrf, UNKNOWN_AREA)
        assert response.status_code == 422
        alert = re.search(r'role="alert".*?</div>', response.text, re.S)
        assert alert
        assert "<code>case_types[0].area</code>" in alert.group(0)
        assert "courts" in alert.group(0)
        assert exported(engine) == before
        assert "legal" not in area_keys(engine)  # the valid part was not applied either

    def test_an_uploaded_file_is_applied(self, web: TestClient, engine: Engine) -> None:
        csrf = sign_in(web, "admin")
        response = web.post(
            "/admin/config",
            data={"csrf_token": csrf, "text": "", "action": "apply"},
            files={"file": ("office.yaml", NEW_AREA.encode(), "application/yaml")},
        )
        assert response.status_code == 303
        assert "legal" in area_keys(engine)

    def test_an_uploaded_file_with_a_problem_is_shown_with_its_text(
        self, web: TestClient, engine: Engine
    ) -> None:
        csrf = sign_in(web, "admin")
        response = web.post(
            "/admin/config",
            data={"csrf_token": csrf, "text": "ignored", "action": "apply"},
            files={"file": ("office.yaml", UNKNOWN_AREA.encode(), "application/yaml")},
        )
        assert response.status_code == 422
        assert "case_types[0].area" in response.text
        assert "lawsuit" in response.text  # the file's text is in the textarea to fix
        assert "legal" not in area_keys(engine)

    def test_check_only_validates_and_applies_nothing(
        self, web: TestClient, engine: Engine
    ) -> None:
        csrf = sign_in(web, "admin")
        before = exported(engine)
        response = post_config(web, csrf, NEW_AREA, action="check")
        assert response.status_code == 200
        text = response.text
        assert "The configuration is valid. Nothing was applied." in text
        assert "Changes it would make: 1." in text
        assert "<code>legal</code>" in text
        assert exported(engine) == before
        refused = post_config(web, csrf, UNKNOWN_AREA, action="check")
        assert refused.status_code == 422
        assert "case_types[0].area" in refused.text

    def test_the_configuration_downloads_as_yaml(self, web: TestClient, engine: Engine) -> None:
        sign_in(web, "admin")
        response = web.get("/admin/config.yaml")
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        assert response.text == exported(engine)


class TestPasswords:
    def test_a_password_set_lets_the_user_sign_in(self, web: TestClient) -> None:
        csrf = sign_in(web, "admin")
        assert "crm" in web.get("/admin/users").text
        response = web.post(
            "/admin/users/crm/password",
            data={"csrf_token": csrf, "password": "crm-new-password"},
        )
        assert response.status_code == 303
        shown = web.get(response.headers["location"])
        assert "The password of crm was set." in shown.text
        assert re.search(r"<th scope=\"row\">crm</th>.*?✓ set", shown.text, re.S)
        web.cookies.clear()
        sign_in(web, "crm", "crm-new-password")

    def test_a_short_password_is_refused_inline(self, web: TestClient) -> None:
        csrf = sign_in(web, "admin")
        response = web.post(
            "/admin/users/crm/password", data={"csrf_token": csrf, "password": "short"}
        )
        assert response.status_code == 422
        assert 'role="alert"' in response.text
        assert "at least 8 characters" in response.text

    def test_an_unknown_user_is_not_found(self, web: TestClient) -> None:
        csrf = sign_in(web, "admin")
        response = web.post(
            "/admin/users/nobody/password",
            data={"csrf_token": csrf, "password": "long-enough-1"},
        )
        assert response.status_code == 404


class TestTokens:
    def test_a_token_is_shown_once_works_and_stops_when_revoked(
        self, web: TestClient, engine: Engine
    ) -> None:
        csrf = sign_in(web, "admin")
        response = web.post(
            "/admin/tokens", data={"csrf_token": csrf, "user": "crm", "label": "crm sync"}
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        found = SECRET.search(response.text)
        assert found
        secret = found.group(1)
        with engine.connect() as conn:
            assert account.authenticate(conn, secret).name == "crm"
            (token,) = account.list_tokens(conn)
        listing = web.get("/admin/tokens").text
        assert secret not in listing
        assert token.prefix in listing
        assert "crm sync" in listing
        revoked = web.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf})
        assert revoked.status_code == 303
        assert f"Token {token.id} was revoked." in web.get(revoked.headers["location"]).text
        with engine.connect() as conn, pytest.raises(Unauthenticated):
            account.authenticate(conn, secret)

    def test_revoking_twice_is_not_found(self, web: TestClient, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            issued = account.create_token(conn, user="crm", label=None, now=NOW)
        csrf = sign_in(web, "admin")
        assert web.post(f"/admin/tokens/{issued.id}/revoke", data={"csrf_token": csrf}).is_redirect
        again = web.post(f"/admin/tokens/{issued.id}/revoke", data={"csrf_token": csrf})
        assert again.status_code == 404

    def test_an_unknown_user_is_refused_inline(self, web: TestClient, engine: Engine) -> None:
        csrf = sign_in(web, "admin")
        response = web.post("/admin/tokens", data={"csrf_token": csrf, "user": "nobody"})
        assert response.status_code == 422
        assert "There is no user named nobody." in response.text
        with engine.connect() as conn:
            assert account.list_tokens(conn) == []


class TestCsrf:
    def test_posts_without_the_token_are_refused_and_change_nothing(
        self, web: TestClient, engine: Engine
    ) -> None:
        sign_in(web, "admin")
        before = exported(engine)
        posts = [
            ("/admin/config", {"text": NEW_AREA, "action": "apply"}),
            ("/admin/tokens", {"user": "crm"}),
            ("/admin/users/crm/password", {"password": "crm-new-password"}),
        ]
        for path, data in posts:
            response = web.post(path, data=data)
            assert response.status_code == 403, path
            assert "Form refused" in response.text
            wrong = web.post(path, data={**data, "csrf_token": "forged"})
            assert wrong.status_code == 403, path
        assert exported(engine) == before
        with engine.connect() as conn:
            assert account.list_tokens(conn) == []
            assert "crm" not in account.users_with_password(conn)

    def test_the_upload_form_carries_the_token(self, web: TestClient) -> None:
        csrf = sign_in(web, "admin")
        assert csrf_of(web.get("/admin/config").text) == csrf
