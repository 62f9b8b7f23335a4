"""The calendar package is pure and self-contained (the domain's rules, applied here too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_architecture import impurities

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "retaguarda" / "calendar"
MODULES = sorted(PACKAGE.glob("*.py"))


def _imported(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_finds_the_modules() -> None:
    assert {"model.py", "table.py", "bulk.py", "scalar.py"} <= {m.name for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
class TestEachModule:
    def test_reads_no_clock_no_environment_and_opens_no_file(self, module: Path) -> None:
        assert impurities(module.read_text()) == []

    def test_imports_nothing_else_from_retaguarda(self, module: Path) -> None:
        ours = {n for n in _imported(module) if n.split(".")[0] == "retaguarda"}

        assert all(n.startswith("retaguarda.calendar") for n in ours), ours

    def test_states_its_invariants(self, module: Path) -> None:
        docstring = ast.get_docstring(ast.parse(module.read_text())) or ""

        assert "Invariant" in docstring, f"{module.name} must state its invariants"
