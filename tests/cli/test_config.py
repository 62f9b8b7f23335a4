"""`retaguarda config apply|export`: idempotent, round-trips, and all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli, error_lines, invoke, ok

DATA = Path(__file__).parents[1] / "data"
EXAMPLE = DATA / "example-config.yaml"
EXTRA = DATA / "extra-config.yaml"


class TestApply:
    def test_accepts_the_example_of_the_issue_as_it_is(self, cli: Cli) -> None:
        result = ok(cli("config", "apply", str(EXAMPLE)))
        lines = result.stdout.splitlines()
        assert "areas: created backoffice, finance, logistics, ombudsman" in lines
        assert "users: created admin, ana, crm" in lines
        assert "case_types: created invoice_dispute, delivery_missing" in lines
        # 4 areas, 6 tiers, 4 skills, 2 case types, 1 agent, 3 users
        assert lines[-1] == f"{EXAMPLE}: 20 created, 0 updated"
        assert result.stderr == ""

    def test_twice_changes_nothing_and_the_export_stays_the_same(self, cli: Cli) -> None:
        ok(cli("config", "apply", str(EXAMPLE)))
        before = ok(cli("config", "export")).stdout
        again = ok(cli("config", "apply", str(EXAMPLE)))
        assert again.stdout.splitlines() == [f"{EXAMPLE}: no changes"]
        assert ok(cli("config", "export")).stdout == before

    def test_reports_updates_and_keeps_entries_the_file_does_not_name(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        ok(cli("config", "apply", str(EXAMPLE)))
        change = tmp_path / "rename.yaml"
        change.write_text("areas:\n  - {key: finance, name: Finance and billing}\n")
        result = ok(cli("config", "apply", str(change)))
        assert result.stdout.splitlines() == [
            "areas: updated finance",
            f"{change}: 0 created, 1 updated",
        ]
        exported = ok(cli("config", "export")).stdout
        assert "name: Finance and billing" in exported
        assert "key: logistics" in exported  # not named by the file, kept

    def test_an_empty_file_changes_nothing(self, cli: Cli, tmp_path: Path) -> None:
        empty = tmp_path / "empty.yaml"
        empty.write_text("# nothing yet\n")
        assert ok(cli("config", "apply", str(empty))).stdout == f"{empty}: no changes\n"


class TestExport:
    def test_round_trips_through_apply(self, cli: Cli, tmp_path: Path) -> None:
        ok(cli("config", "apply", str(EXAMPLE)))
        ok(cli("config", "apply", str(EXTRA)))
        exported = tmp_path / "exported.yaml"
        exported.write_text(ok(cli("config", "export")).stdout)

        again = ok(cli("config", "apply", str(exported)))
        assert again.stdout.splitlines() == [f"{exported}: no changes"]

        # ...and rebuilds the same configuration in a brand-new database.
        fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
        ok(invoke(fresh, "db", "upgrade"))
        ok(invoke(fresh, "config", "apply", str(exported)))
        assert ok(invoke(fresh, "config", "export")).stdout == exported.read_text()

    def test_of_an_empty_database_is_empty_sections(self, cli: Cli) -> None:
        exported = ok(cli("config", "export")).stdout
        assert exported.splitlines() == [
            "areas: []",
            "tiers: []",
            "skills: []",
            "case_types: []",
            "agents: []",
            "users: []",
        ]


# Each bad file also declares a valid new area, to show nothing of it is applied.
VALID_AREA = "  - {key: extra, name: Extra}\n"
BAD_FILES = {
    "unknown key": (
        "areas:\n" + VALID_AREA + "  - {key: sales, name: Sales, colour: red}\n",
        ["areas[1].colour: unknown key"],
    ),
    "bad value": (
        "areas:\n" + VALID_AREA + "agents:\n  - {key: zed, name: Zed, capacity: lots}\n",
        ["agents[0].capacity: Input should be a valid integer"],
    ),
    "dangling reference": (
        "areas:\n"
        + VALID_AREA
        + "case_types:\n  - {key: claim, name: Claim, area: nowhere, tier: backoffice_l1}\n",
        ["case_types[0].area: unknown area 'nowhere'"],
    ),
    "several bad values": (
        "areas:\n" + VALID_AREA + "users:\n  - {name: zoe, role: boss, areaz: [backoffice]}\n",
        [
            "users[0].role: Input should be 'specialist', 'supervisor', 'admin' or 'integration'",
            "users[0].areaz: unknown key",
        ],
    ),
    "several dangling references": (
        "areas:\n" + VALID_AREA + "users:\n  - {name: zoe, role: specialist, areas: [moon]}\n",
        [
            "users[0].areas: unknown area 'moon'",
            "users[0].agent: a specialist must be linked to an agent",
        ],
    ),
    "YAML syntax error": (
        "areas:\n" + VALID_AREA + "  - {key: sales, name: Sales\n",
        ["line 4, column 1: not valid YAML: expected ',' or '}', but got '<stream end>'"],
    ),
    "not a mapping": ("- areas\n", ["(document): must be a mapping of sections"]),
}


class TestInvalidFile:
    @pytest.mark.parametrize(("text", "problems"), BAD_FILES.values(), ids=BAD_FILES.keys())
    def test_exits_2_naming_file_and_path_and_applies_nothing(
        self, cli: Cli, tmp_path: Path, text: str, problems: list[str]
    ) -> None:
        ok(cli("config", "apply", str(EXAMPLE)))
        before = ok(cli("config", "export")).stdout
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)

        result = cli("config", "apply", str(bad))

        assert result.exit_code == 2
        assert error_lines(result) == [f"{bad}: {problem}" for problem in problems]
        assert result.stdout == ""
        assert ok(cli("config", "export")).stdout == before

    def test_a_missing_file_is_one_line(self, cli: Cli, tmp_path: Path) -> None:
        missing = tmp_path / "missing.yaml"
        result = cli("config", "apply", str(missing))
        assert result.exit_code == 1
        assert error_lines(result) == [f"error: {missing}: cannot read: No such file or directory"]

    def test_a_file_that_is_not_text_is_one_line(self, cli: Cli, tmp_path: Path) -> None:
        binary = tmp_path / "binary.yaml"
        binary.write_bytes(b"areas: \xff\xfe\n")
        result = cli("config", "apply", str(binary))
        assert result.exit_code == 1
        assert error_lines(result) == [f"error: {binary}: not UTF-8 text (byte 7)"]


class TestDatabase:
    def test_an_unmigrated_database_is_one_line_naming_the_fix(self, tmp_path: Path) -> None:
        result = invoke(f"sqlite:///{tmp_path / 'new.db'}", "config", "export")
        assert result.exit_code == 1
        [line] = error_lines(result)
        assert line.startswith("error: database schema is at revision none")
        assert line.endswith("run `retaguarda db upgrade` first")

    def test_an_unreachable_database_is_one_line(self) -> None:
        result = invoke("postgresql://nobody:secret@127.0.0.1:1/none", "users", "list")
        assert result.exit_code == 1
        [line] = error_lines(result)
        assert line.startswith(
            "error: cannot open database postgresql://nobody:***@127.0.0.1:1/none: "
        )
        assert "secret" not in line
