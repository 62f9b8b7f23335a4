"""The installed `retaguarda` command: usage mistakes are one line and exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLI = Path(sys.executable).with_name("retaguarda")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: No such command 'nope'. (see `retaguarda --help`)"),
        (["tokens", "create"], "error: Missing option '--user'."),
        (["import", "items"], "error: Missing argument 'FILE'."),
        (["serve", "--port", "http"], "error: Invalid value for '--port'"),
        (["worker", "--interval", "0"], "error: Invalid value for '--interval'"),
        (["sla", "explain", "one"], "error: Invalid value for 'item'"),
    ],
    ids=[
        "unknown command",
        "missing option",
        "missing argument",
        "bad value",
        "out of range",
        "not an id",
    ],
)
def test_usage_errors_are_one_line_with_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message)


def test_a_group_without_a_command_shows_its_help() -> None:
    result = run("tokens")
    assert result.returncode == 0
    assert "create" in result.stdout
    assert "revoke" in result.stdout
