"""Copies of src/ with one optimisation taken out, to measure what each bought.

    python bench/ablate.py /tmp/ablations      # prints the --compare options to use
    python bench/intake.py --no-cli --tag ablation --no-docs <those options>

Each variant is the current tree with one small, textual change; a change that
no longer applies (the code moved on) is reported and its variant skipped.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from harness import ROOT

SRC = ROOT / "src"

# variant -> [(file under src/retaguarda, text now, text without the optimisation)]
VARIANTS: dict[str, list[tuple[str, str, str]]] = {
    # PostgreSQL batches through SQLAlchemy's executemany (multi-row VALUES).
    "no-batch": [
        (
            "storage/batch.py",
            'return conn.execute(self.postgresql, {"rows": self.to_json(rows)})',
            "return conn.execute(self.postgresql_values, list(rows))",
        ),
        (
            "storage/batch.py",
            "        self.postgresql = finish(_from_json_rows(table, self.columns))",
            "        self.postgresql = finish(_from_json_rows(table, self.columns))\n"
            "        self.postgresql_values = finish(postgresql.insert(table))",
        ),
    ],
    # Intake loads the whole catalog (six queries) and the SLA versions (one more).
    "no-vocabulary": [
        (
            "services/intake.py",
            "    vocabulary = item_repo.intake_vocabulary(conn)",
            "    from retaguarda.storage.repos import catalog as catalog_repo\n"
            "    from retaguarda.storage.repos import sla as sla_repo\n\n"
            "    catalog = catalog_repo.load(conn)\n"
            "    versions = sla_repo.index(conn)\n"
            "    vocabulary = item_repo.IntakeVocabulary(\n"
            "        routes={ct.key: (ct.area, ct.tier) for ct in catalog.case_types},\n"
            "        areas=frozenset(a.key for a in catalog.areas),\n"
            "        tiers=frozenset(catalog.tiers),\n"
            "        handling={c.key: c.expected_handling_minutes for c in catalog.case_types},\n"
            "        sla_uid=versions[-1][1] if versions else None,\n"
            "    )",
        ),
    ],
    # Plain `def` dependency and endpoints: three threadpool hops per create.
    "no-async": [
        ("api/deps.py", "async def get_caller(", "def get_caller("),
        (
            "api/routes/items.py",
            "async def create_item(body: ItemCreate, caller: CallerDep, response: Response)"
            " -> ItemRead:",
            "def create_item(body: ItemCreate, caller: CallerDep, response: Response) -> ItemRead:",
        ),
        (
            "api/routes/items.py",
            "    created, item = await run_in_threadpool(_create_item, body, caller)",
            "    created, item = _create_item(body, caller)",
        ),
    ],
    # The batch document written by the standard library's encoder.
    "no-orjson": [
        (
            "storage/batch.py",
            "return orjson.dumps(rows, option=_STRICT).decode()",
            'return __import__("json").dumps(rows, separators=(",", ":"))',
        ),
    ],
    # A bulk intake's events inserted from the JSON document, like the items.
    "no-copy": [
        ("storage/repos/item.py", "    if len(values) >= _COPY_FROM:", "    if False:"),
    ],
    # SQLite writers wait in SQLite's busy handler, as before.
    "no-queue": [
        (
            "storage/db.py",
            "        connection.connection.driver_connection.begin_immediate()",
            '        connection.exec_driver_sql("BEGIN IMMEDIATE")',
        ),
    ],
}


def make(target: Path) -> dict[str, Path]:
    """Write every variant that still applies under `target`; return their src/ folders."""
    made = {}
    for variant, changes in VARIANTS.items():
        src = target / variant / "src"
        shutil.rmtree(src.parent, ignore_errors=True)
        shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        for name, now, without in changes:
            path = src / "retaguarda" / name
            code = path.read_text()
            if code.count(now) != 1:
                print(f"{variant}: {name} changed, skipped", file=sys.stderr)
                shutil.rmtree(src.parent)
                break
            path.write_text(code.replace(now, without))
        else:
            made[variant] = src
    return made


if __name__ == "__main__":
    variants = make(Path(sys.argv[1]))
    print(" ".join(f"--compare {name}={src}" for name, src in variants.items()))
