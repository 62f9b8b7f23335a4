"""`retaguarda users`: the configured users as a table."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.builders import seed
from tests.cli.conftest import Cli, ok


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
