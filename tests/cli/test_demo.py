"""`retaguarda demo --no-serve`: prepares the demo database, prints the URL and an admin
token that works, and never generates the history twice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from retaguarda.cli.main import app
from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.services import account, demo
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.db import make_engine
from tests.builders import NOW

runner = CliRunner()
DB = Path("tmp/demo.db")


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a scratch directory; restore the database URL the command may set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RETAGUARDA_DATABASE_URL", raising=False)
    return tmp_path


def run_demo(*args: str) -> Result:
    result = runner.invoke(app, ["demo", "--no-serve", "--db", str(DB), "--weeks", "1", *args])
    assert result.exit_code == 0, result.output
    return result


def admin_token(output: str) -> str:
    found = re.findall(r"^admin token: (\S+)$", output, flags=re.MULTILINE)
    assert len(found) == 1, output
    return found[0]


def authenticate(secret: str) -> Principal:
    engine = make_engine(f"sqlite:///{DB.resolve()}")
    try:
        with unit_of_work(engine) as conn:
            return account.authenticate(conn, secret)
    finally:
        engine.dispose()


def item_count() -> int:
    engine = make_engine(f"sqlite:///{DB.resolve()}")
    try:
        with unit_of_work(engine) as conn:
            return demo.summarize(conn).items
    finally:
        engine.dispose()


class TestDemo:
    def test_prints_the_urls_and_an_admin_token_that_authenticates(self):
        result = run_demo()
        assert "http://127.0.0.1:8000/api/v1/docs" in result.output
        assert "http://127.0.0.1:8000/health" in result.output
        assert re.search(r"^generated [\d,]+ items over 1 weeks", result.output, re.MULTILINE)
        assert re.search(r"^items: [\d,]+ \(.*closed [\d,]+", result.output, re.MULTILINE)
        principal = authenticate(admin_token(result.output))
        assert (principal.name, principal.role) == ("admin", Role.ADMIN)
        assert item_count() > 200

    def test_a_second_run_keeps_the_items_and_reset_starts_afresh(self):
        run_demo()
        created = item_count()
        again = run_demo("--host", "0.0.0.0", "--port", "9000")
        assert "kept the items already there" in again.output
        assert "http://0.0.0.0:9000/api/v1/docs" in again.output
        assert item_count() == created
        assert authenticate(admin_token(again.output)).name == "admin"
        fresh = run_demo("--reset", "--seed", "99")
        assert "generated" in fresh.output
        assert item_count() > 200

    def test_prints_the_dashboard_url_and_a_login_that_signs_in(self):
        result = run_demo()
        assert "dashboard: http://127.0.0.1:8000/login?next=/dashboard" in result.output
        found = re.findall(r"^  sign in as marta .*password: (\S+)$", result.output, re.MULTILINE)
        assert len(found) == 1, result.output
        engine = make_engine(f"sqlite:///{DB.resolve()}")
        try:
            with unit_of_work(engine) as conn:
                for user in ("marta", "ana"):
                    opened = account.sign_in(conn, user=user, password=found[0], now=NOW)
                    assert opened.principal.name == user
        finally:
            engine.dispose()
