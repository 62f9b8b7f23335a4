"""`retaguarda worker` escalates by the `resolution_breached` rules, once per breach."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from retaguarda.storage.repos import item as item_repo
from tests.cli.conftest import Cli, ok
from tests.cli.test_sla import DATA, import_one


def test_the_worker_escalates_a_breached_item_once(
    cli: Cli, engine: Engine, tmp_path: Path
) -> None:
    ok(cli("config", "apply", str(DATA / "example-config.yaml")))
    ok(cli("config", "apply", str(DATA / "sla-config.yaml")))
    rules = tmp_path / "rules.yaml"
    rules.write_text("escalation: [{when: resolution_breached, to: backoffice_l2}]\n")
    ok(cli("config", "apply", str(rules)))
    # Received Fri 17 April 2026: resolution due Mon 27 April 18:00, long past.
    import_one(cli, tmp_path, "2026-04-17T10:00:00-03:00")

    first = ok(cli("worker", "--once")).stdout
    assert "recorded 0 at risk, 2 breached; escalated 1 items;" in first
    again = ok(cli("worker", "--once")).stdout
    assert "recorded 0 at risk, 0 breached; escalated 0 items;" in again
    with engine.connect() as conn:
        item = item_repo.get(conn, 1)
    assert item is not None
    assert (item.tier, item.journey) == ("backoffice_l2", ("backoffice_l1", "backoffice_l2"))
