"""services.account on every test database: issuing, checking, listing, revoking tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import InvalidInput, NotFound, Unauthenticated
from retaguarda.services import account
from retaguarda.services.account import IssuedToken
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import TokenRecord
from tests.builders import ANA, CRM, NOW, seed

TOKENS = TokenRecord.__table__
LATER = NOW + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _seeded(engine: Engine) -> None:
    seed(engine)


def issue(engine: Engine, user: str = "crm", label: str | None = "test") -> IssuedToken:
    with unit_of_work(engine) as conn:
        return account.create_token(conn, user=user, label=label, now=NOW)


def authenticate(engine: Engine, secret: str) -> Principal:
    with engine.connect() as conn:
        return account.authenticate(conn, secret)


def revoke(engine: Engine, ident: str) -> int:
    with unit_of_work(engine) as conn:
        return account.revoke_token(conn, ident=ident, now=LATER)


class TestCreate:
    def test_returns_the_secret_once_with_its_printed_prefix(self, engine: Engine) -> None:
        issued = issue(engine)

        assert issued.secret.startswith("rtg_")
        assert len(issued.secret) == 4 + 43  # "rtg_" + 32 random bytes in URL-safe base64
        assert issued.prefix == issued.secret[:12]  # "rtg_" and 8 characters

    def test_stores_only_the_hash_of_the_secret(self, engine: Engine) -> None:
        issued = issue(engine)
        with engine.connect() as conn:
            row = conn.execute(select(TOKENS).where(TOKENS.c.id == issued.id)).one()

        assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
        assert row.token_hash != issued.secret
        assert issued.secret not in [str(value) for value in row]
        assert (row.prefix, row.label, row.created_at, row.revoked_at) == (
            issued.prefix,
            "test",
            NOW,
            None,
        )

    def test_each_token_is_new(self, engine: Engine) -> None:
        first, second = issue(engine), issue(engine)
        assert first.id != second.id
        assert first.secret != second.secret

    def test_an_unknown_user_is_not_found(self, engine: Engine) -> None:
        with pytest.raises(NotFound) as caught:
            issue(engine, user="mallory")
        assert caught.value.field == "user"
        assert "'mallory'" in caught.value.message
        with engine.connect() as conn:
            assert conn.execute(select(TOKENS.c.id)).all() == []


class TestAuthenticate:
    def test_a_live_token_gives_its_users_principal(self, engine: Engine) -> None:
        assert authenticate(engine, issue(engine, "crm").secret) == CRM
        assert authenticate(engine, issue(engine, "ana").secret) == ANA
        assert authenticate(engine, issue(engine, "admin").secret) == Principal("admin", Role.ADMIN)

    @pytest.mark.parametrize(
        "secret", ["", "rtg_", "rtg_not-a-real-token", "Bearer rtg_x"], ids=repr
    )
    def test_an_unknown_secret_is_unauthenticated(self, engine: Engine, secret: str) -> None:
        issue(engine)
        with pytest.raises(Unauthenticated):
            authenticate(engine, secret)

    def test_the_stored_hash_itself_is_not_a_token(self, engine: Engine) -> None:
        issued = issue(engine)
        with pytest.raises(Unauthenticated):
            authenticate(engine, account.hash_token(issued.secret))

    def test_the_prefix_alone_is_not_a_token(self, engine: Engine) -> None:
        issued = issue(engine)
        with pytest.raises(Unauthenticated):
            authenticate(engine, issued.prefix)


class TestRevoke:
    def test_by_id(self, engine: Engine) -> None:
        issued, other = issue(engine), issue(engine)

        assert revoke(engine, str(issued.id)) == 1

        with pytest.raises(Unauthenticated):
            authenticate(engine, issued.secret)
        assert authenticate(engine, other.secret) == CRM

    def test_by_printed_prefix(self, engine: Engine) -> None:
        issued, other = issue(engine), issue(engine)

        assert revoke(engine, issued.prefix) == 1

        with pytest.raises(Unauthenticated):
            authenticate(engine, issued.secret)
        assert authenticate(engine, other.secret) == CRM

    def test_records_when(self, engine: Engine) -> None:
        issued = issue(engine)
        revoke(engine, str(issued.id))
        with engine.connect() as conn:
            [info] = account.list_tokens(conn)
        assert (info.id, info.revoked_at) == (issued.id, LATER)

    @pytest.mark.parametrize("how", ["id", "prefix"])
    def test_an_already_revoked_token_is_not_found(self, engine: Engine, how: str) -> None:
        issued = issue(engine)
        ident = str(issued.id) if how == "id" else issued.prefix
        revoke(engine, ident)

        with pytest.raises(NotFound) as caught:
            revoke(engine, ident)
        assert caught.value.field == "token"

    @pytest.mark.parametrize("ident", ["999", "rtg_zzzzzzzz"], ids=["id", "prefix"])
    def test_an_unknown_token_is_not_found(self, engine: Engine, ident: str) -> None:
        issue(engine)
        with pytest.raises(NotFound):
            revoke(engine, ident)

    def test_something_neither_id_nor_prefix_is_invalid_input(self, engine: Engine) -> None:
        issued = issue(engine)
        with pytest.raises(InvalidInput) as caught:
            revoke(engine, "crm")
        assert caught.value.field == "token"
        assert authenticate(engine, issued.secret) == CRM


class TestList:
    def test_lists_every_token_without_secrets_in_issue_order(self, engine: Engine) -> None:
        crm = issue(engine, "crm", label="crm sync")
        ana = issue(engine, "ana", label=None)
        revoke(engine, str(crm.id))

        with engine.connect() as conn:
            tokens = account.list_tokens(conn)

        assert [(t.id, t.user, t.prefix, t.label, t.created_at, t.revoked_at) for t in tokens] == [
            (crm.id, "crm", crm.prefix, "crm sync", NOW, LATER),
            (ana.id, "ana", ana.prefix, None, NOW, None),
        ]
        assert not hasattr(tokens[0], "secret")
        assert not hasattr(tokens[0], "token_hash")

    def test_of_one_user(self, engine: Engine) -> None:
        issue(engine, "crm")
        ana = issue(engine, "ana")
        with engine.connect() as conn:
            assert [t.id for t in account.list_tokens(conn, user="ana")] == [ana.id]
            assert account.list_tokens(conn, user="sofia") == []


class TestPasswords:
    def test_users_with_password_names_only_those_with_one(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            assert account.users_with_password(conn) == set()
            account.set_password(conn, user="ana", password="long-enough", now=NOW)
            assert account.users_with_password(conn) == {"ana"}
