"""`retaguarda users`: the configured users as a table."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from retaguarda.cli.main import app
from retaguarda.domain.errors import Unauthenticated
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work
from tests.builders import NOW, seed
from tests.cli.conftest import Cli, error_lines, ok


def rows(output: str) -> dict[str, list[str]]:
    """Table rows by user name: the cells of each `│ … │` line."""
    found = {}
    for line in output.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            found[cells[0]] = cells
    return found


class TestList:
    def test_shows_name_role_agent_and_areas(self, cli: Cli, engine: Engine) -> None:
        seed(engine)
        table = rows(ok(cli("users", "list")).stdout)
        assert table == {
            "admin": ["admin", "admin", "", ""],
            "ana": ["ana", "specialist", "ana", "backoffice"],
            "bruno": ["bruno", "specialist", "bruno", "backoffice"],
            "carla": ["carla", "specialist", "carla", "finance"],
            "crm": ["crm", "integration", "", ""],
            "sofia": ["sofia", "supervisor", "", "backoffice"],
        }

    def test_the_group_alone_lists_too(self, cli: Cli, engine: Engine) -> None:
        seed(engine)
        assert ok(cli("users")).stdout == ok(cli("users", "list")).stdout

    def test_says_how_to_add_users_when_there_are_none(self, cli: Cli) -> None:
        output = ok(cli("users", "list")).stdout
        assert output.startswith("no users: declare them in a configuration file")


class TestSetPassword:
    @staticmethod
    def run(db_url: str, *args: str, stdin: str) -> Result:
        env = {"RETAGUARDA_DATABASE_URL": db_url, "COLUMNS": "200"}
        return CliRunner().invoke(app, list(args), input=stdin, env=env, catch_exceptions=False)

    def test_from_stdin_then_the_password_signs_in(self, db_url: str, engine: Engine) -> None:
        seed(engine)
        result = self.run(
            db_url,
            "users",
            "set-password",
            "ana",
            "--password-stdin",
            stdin="correct horse battery\n",
        )
        assert ok(result).stdout == "password set for ana\n"
        with unit_of_work(engine) as conn:
            opened = account.sign_in(conn, user="ana", password="correct horse battery", now=NOW)
            assert opened.principal.name == "ana"
            with pytest.raises(Unauthenticated):
                account.sign_in(conn, user="ana", password="correct horse", now=NOW)

    def test_prompted_twice(self, db_url: str, engine: Engine) -> None:
        seed(engine)
        result = self.run(
            db_url, "users", "set-password", "bruno", stdin="bruno-password\nbruno-password\n"
        )
        assert ok(result).stdout.endswith("password set for bruno\n")

    def test_bad_input_is_one_line_and_a_non_zero_exit(self, db_url: str, engine: Engine) -> None:
        seed(engine)
        short = self.run(db_url, "users", "set-password", "ana", "--password-stdin", stdin="abc\n")
        assert short.exit_code != 0
        assert error_lines(short) == ["error: password: a password needs at least 8 characters"]
        nobody = self.run(
            db_url,
            "users",
            "set-password",
            "nobody",
            "--password-stdin",
            stdin="long enough password\n",
        )
        assert nobody.exit_code != 0
        assert error_lines(nobody) == ["error: user: no user named 'nobody'"]
