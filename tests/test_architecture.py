"""The layer rule and the purity of the domain, checked on every test run."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "src" / "retaguarda" / "domain"

# Fully qualified callables the domain must never call: clock reads and environment reads.
BANNED_CALLS = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "os.getenv",
        "os.getenvb",
        "open",
        "io.open",
        "os.open",
    }
)
# Attributes the domain must not even touch.
BANNED_ATTRIBUTES = frozenset({"os.environ", "os.environb"})


class TestImportContracts:
    def test_lint_imports_keeps_every_contract(self) -> None:
        lint_imports = Path(sys.executable).parent / "lint-imports"
        contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
            "contracts"
        ]

        run = subprocess.run(
            [str(lint_imports), "--no-cache", "--no-logo"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

        output = " ".join(run.stdout.split())  # the report wraps long names at 80 columns
        assert run.returncode == 0, run.stdout + run.stderr
        assert len(contracts) == 2
        for contract in contracts:
            assert f"{contract['name']} KEPT" in output, output
        assert "Contracts: 2 kept, 0 broken." in output


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> fully qualified name, from the module's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                names[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attribute accesses on a plain name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def impurities(source: str) -> list[str]:
    """Each banned call or attribute in `source`, as `line: qualified.name`."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target, banned = node.func, BANNED_CALLS
        elif isinstance(node, ast.Attribute | ast.Name):
            target, banned = node, BANNED_ATTRIBUTES
        else:
            continue
        dotted = _dotted(target)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        qualified = ".".join(filter(None, [aliases.get(head, head), rest]))
        if qualified in banned:
            found.append(f"{node.lineno}: {qualified}")
    return found


def _domain_modules() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def _is_empty_package_marker(module: Path) -> bool:
    return module.name == "__init__.py" and not ast.parse(module.read_text()).body


class TestDomainPurity:
    def test_finds_the_domain_modules(self) -> None:
        names = {p.relative_to(DOMAIN).as_posix() for p in _domain_modules()}

        assert {"errors.py", "item/lifecycle.py", "item/replay.py", "catalog.py"} <= names

    @pytest.mark.parametrize(
        "module", _domain_modules(), ids=lambda p: p.relative_to(DOMAIN).as_posix()
    )
    def test_reads_no_clock_no_environment_and_opens_no_file(self, module: Path) -> None:
        assert impurities(module.read_text()) == []

    @pytest.mark.parametrize(
        "module",
        [m for m in _domain_modules() if not _is_empty_package_marker(m)],
        ids=lambda p: p.relative_to(DOMAIN).as_posix(),
    )
    def test_has_a_module_docstring(self, module: Path) -> None:
        # Empty `__init__.py` files only mark packages; every module with code documents
        # its invariants (STYLE 9.5).
        docstring = ast.get_docstring(ast.parse(module.read_text()))

        assert docstring, f"{module} must open with a docstring stating its invariants"


class TestImpurityScanner:
    """The scan above must be able to fail: each snippet is one way to break purity."""

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("from datetime import datetime\ndatetime.now()", "2: datetime.datetime.now"),
            ("import datetime\ndatetime.datetime.utcnow()", "2: datetime.datetime.utcnow"),
            ("import datetime as dt\ndt.datetime.now(tz=dt.UTC)", "2: datetime.datetime.now"),
            ("from datetime import date\ndate.today()", "2: datetime.date.today"),
            ("from datetime import datetime as D\nD.today()", "2: datetime.datetime.today"),
            ("import time\ntime.time()", "2: time.time"),
            ("from time import time\ntime()", "2: time.time"),
            ("import os\nos.environ['X']", "2: os.environ"),
            ("from os import environ\nenviron.get('X')", "2: os.environ"),
            ("import os\nos.getenv('X')", "2: os.getenv"),
            ("open('settings.toml')", "1: open"),
        ],
        ids=[
            "datetime.now",
            "datetime.datetime.utcnow",
            "aliased module",
            "date.today",
            "aliased class",
            "time.time",
            "from time import time",
            "os.environ subscript",
            "environ.get",
            "os.getenv",
            "builtin open",
        ],
    )
    def test_flags(self, source: str, expected: str) -> None:
        assert expected in impurities(source)

    @pytest.mark.parametrize(
        "source",
        [
            "from datetime import UTC, datetime\ndatetime(2026, 3, 2, tzinfo=UTC)",
            "def f(at):\n    return at.replace(hour=0)",
            "def f(item):\n    return item.is_open()",
            "import datetime\ndatetime.timedelta(hours=1)",
        ],
        ids=["building a datetime", "using a given instant", "a method named is_open", "timedelta"],
    )
    def test_passes(self, source: str) -> None:
        assert impurities(source) == []
