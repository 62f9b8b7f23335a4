"""`retaguarda tokens create|list|revoke`: shown once, stored hashed, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from retaguarda.domain.access import Principal
from retaguarda.domain.errors import Unauthenticated
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from tests.builders import seed
from tests.cli.conftest import Cli, error_lines, ok


def authenticate(engine: Engine, secret: str) -> Principal:
    with unit_of_work(engine) as conn:
        return account.authenticate(conn, secret)


def create(cli: Cli, *args: str) -> str:
    """Issue a token through the command; return the last line of its output."""
    return ok(cli("tokens", "create", *args)).stdout.splitlines()[-1]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


class TestCreate:
    def test_the_last_line_is_a_token_that_authenticates(self, cli: Cli, seeded: Engine) -> None:
        result = ok(cli("tokens", "create", "--user", "crm", "--label", "CRM sync"))
        secret = result.stdout.splitlines()[-1]
        assert secret.startswith("rtg_")
        assert result.stdout.count(secret) == 1
        principal = authenticate(seeded, secret)
        assert (principal.name, principal.role.value) == ("crm", "integration")

    @pytest.mark.usefixtures("seeded")
    def test_an_unknown_user_is_one_line_and_exit_1(self, cli: Cli) -> None:
        result = cli("tokens", "create", "--user", "nobody")
        assert result.exit_code == 1
        assert error_lines(result) == ["error: user: no user named 'nobody'"]
        assert result.stdout == ""
        assert ok(cli("tokens", "list")).stdout == "no tokens\n"


class TestList:
    @pytest.mark.usefixtures("seeded")
    def test_shows_prefix_and_label_never_the_secret(self, cli: Cli) -> None:
        secret = create(cli, "--user", "crm", "--label", "CRM sync")
        create(cli, "--user", "admin")
        output = ok(cli("tokens", "list")).stdout
        assert secret not in output
        assert secret[:12] in output  # the printed prefix, rtg_ + 8 characters
        assert "CRM sync" in output
        assert "crm" in output
        assert "admin" in output

    @pytest.mark.usefixtures("seeded")
    def test_of_one_user(self, cli: Cli) -> None:
        create(cli, "--user", "crm")
        admins = create(cli, "--user", "admin")
        output = ok(cli("tokens", "list", "--user", "admin")).stdout
        assert admins[:12] in output
        assert "crm" not in output
        assert ok(cli("tokens", "list", "--user", "ana")).stdout == "no tokens for user ana\n"

    @pytest.mark.usefixtures("seeded")
    def test_of_an_unknown_user_is_an_error(self, cli: Cli) -> None:
        result = cli("tokens", "list", "--user", "nobody")
        assert result.exit_code == 1
        assert error_lines(result) == ["error: user: no user named 'nobody'"]


class TestRevoke:
    def test_by_id_makes_the_token_fail(self, cli: Cli, seeded: Engine) -> None:
        secret = create(cli, "--user", "crm")
        [token] = [t for t in account_tokens(seeded) if secret.startswith(t.prefix)]
        assert ok(cli("tokens", "revoke", str(token.id))).stdout == f"revoked token {token.id}\n"
        with pytest.raises(Unauthenticated):
            authenticate(seeded, secret)
        assert [t.revoked_at is not None for t in account_tokens(seeded)] == [True]

    def test_by_prefix_makes_the_token_fail(self, cli: Cli, seeded: Engine) -> None:
        secret = create(cli, "--user", "crm")
        kept = create(cli, "--user", "crm")
        ok(cli("tokens", "revoke", secret[:12]))
        with pytest.raises(Unauthenticated):
            authenticate(seeded, secret)
        assert authenticate(seeded, kept).name == "crm"

    @pytest.mark.usefixtures("seeded")
    def test_an_unknown_token_is_exit_1(self, cli: Cli) -> None:
        result = cli("tokens", "revoke", "42")
        assert result.exit_code == 1
        assert error_lines(result) == ["error: token: no live token '42'"]

    def test_twice_is_an_error_the_second_time(self, cli: Cli, seeded: Engine) -> None:
        create(cli, "--user", "crm")
        [token] = account_tokens(seeded)
        ok(cli("tokens", "revoke", str(token.id)))
        assert cli("tokens", "revoke", str(token.id)).exit_code == 1

    @pytest.mark.usefixtures("seeded")
    def test_something_that_is_not_a_token_is_exit_2(self, cli: Cli) -> None:
        result = cli("tokens", "revoke", "crm")
        assert result.exit_code == 2
        assert error_lines(result) == [
            "error: token: 'crm' is neither a token id nor a token prefix (rtg_…)"
        ]


def account_tokens(engine: Engine) -> list[account.TokenInfo]:
    with unit_of_work(engine) as conn:
        return account.list_tokens(conn)
