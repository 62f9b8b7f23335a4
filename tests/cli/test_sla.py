"""`retaguarda sla explain`: the same account as the API, in the terminal."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import Cli, error_lines, ok

DATA = Path(__file__).parents[1] / "data"


def import_one(cli: Cli, tmp_path: Path, created_at: str) -> None:
    rows = tmp_path / "items.csv"
    rows.write_text(
        f"external_ref,channel,case_type,created_at\nINV-9,email,invoice_dispute,{created_at}\n"
    )
    ok(cli("import", "items", str(rows)))


class TestExplain:
    def test_tells_the_policy_the_pause_free_due_and_the_state(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        ok(cli("config", "apply", str(DATA / "example-config.yaml")))
        applied = ok(cli("config", "apply", str(DATA / "sla-config.yaml"))).stdout
        assert "sla_policies: created invoice-dispute, regulator, default" in applied
        import_one(cli, tmp_path, "2026-04-17T10:00:00-03:00")
        out = ok(cli("sla", "explain", "1", "--at", "2026-04-22T12:00:00-03:00")).stdout
        lines = [line.strip() for line in out.splitlines()]
        assert "policy 'invoice-dispute' (#1) matched: case_type = 'invoice_dispute'" in lines
        assert "resolution: running, due 2026-04-27T18:00:00-03:00" in lines
        # Nobody answered by Fri 14:00 (10:00 + 4 business hours).
        assert "first_response: breached, due 2026-04-17T14:00:00-03:00" in lines
        assert "Tuesday 2026-04-21 skipped: holiday (Tiradentes' Day)" in lines

    def test_a_bad_instant_is_one_line_and_exit_2(self, cli: Cli, tmp_path: Path) -> None:
        ok(cli("config", "apply", str(DATA / "example-config.yaml")))
        import_one(cli, tmp_path, "2026-04-17T10:00:00-03:00")
        result = cli("sla", "explain", "1", "--at", "yesterday")
        assert result.exit_code == 2
        assert error_lines(result) == ["error: --at: 'yesterday' is not an ISO 8601 instant"]

    def test_an_unknown_item_is_one_line(self, cli: Cli) -> None:
        result = cli("sla", "explain", "404")
        assert result.exit_code != 0
        assert error_lines(result) == ["error: id: item 404 not found"]


class TestWorker:
    def test_one_sweep_records_the_breach_of_an_old_item(self, cli: Cli, tmp_path: Path) -> None:
        ok(cli("config", "apply", str(DATA / "example-config.yaml")))
        ok(cli("config", "apply", str(DATA / "sla-config.yaml")))
        import_one(cli, tmp_path, "2026-04-17T10:00:00-03:00")
        out = ok(cli("worker", "--once")).stdout.strip().splitlines()
        # Both clocks of an item received in April are long overdue.
        assert len(out) == 1
        # The new item waits for an agent: the sweep also ranks it in the queue.
        assert out[0].endswith(
            "refreshed 1 items; recorded 0 at risk, 2 breached; escalated 0 items; "
            "ranked 1 queued items"
        )
        again = ok(cli("worker", "--once")).stdout.strip()
        assert again.endswith(
            "recorded 0 at risk, 0 breached; escalated 0 items; ranked 0 queued items"
        )
