"""Seeded, realistic item bodies for the intake benchmark.

Every body is what an integrator would POST to /api/v1/items (JSON-able
dicts: amounts as strings, timestamps as ISO text). The same seed gives the
same rows, so every peer and every repetition sees the same work.

Shape: channels and case types with back-office weights, ~30 % of items from a
customer seen before in the same batch, amounts on money-related cases,
subjects from templates, a description on a third, 0-2 tags. Bulk rows carry a
backdated `created_at` (imports of history); HTTP rows do not (live intake).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CHANNELS = {
    "phone": 30,
    "email": 20,
    "chat": 15,
    "web": 12,
    "app": 12,
    "store": 4,
    "representative": 3,
    "social": 2,
    "regulator": 1,
    "ombudsman": 1,
}
CASE_TYPES = {
    "invoice_dispute": 30,
    "delivery_missing": 25,
    "refund_request": 18,
    "address_change": 15,
    "card_fraud": 8,
    "regulator_complaint": 4,
}
WITH_AMOUNT = {"invoice_dispute", "refund_request", "card_fraud", "regulator_complaint"}
SUBJECTS = {
    "invoice_dispute": "Invoice {n} charged twice",
    "delivery_missing": "Order {n} not delivered",
    "refund_request": "Refund for order {n}",
    "address_change": "New delivery address for contract {n}",
    "card_fraud": "Unknown card purchase {n}",
    "regulator_complaint": "Complaint {n} forwarded by the regulator",
}
FIRST = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabriela", "Heitor", "Iara", "João"]
LAST = ["Souza", "Silva", "Oliveira", "Santos", "Lima", "Costa", "Pereira", "Almeida"]
LANGUAGES = {"pt-BR": 85, "en": 8, "es": 7}
TAGS = ["vip", "repeat", "social-media", "legal", "elderly", "chargeback"]
REUSED_CUSTOMERS = 0.30
HISTORY = timedelta(days=56)
# A fixed instant, so generated rows never depend on when the benchmark runs.
HISTORY_END = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def items(n: int, *, seed: int, prefix: str, backdated: bool) -> list[dict[str, Any]]:
    """`n` item bodies with unique external refs `<prefix>-<number>`."""
    return list(_generate(n, random.Random(seed), prefix, backdated))


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _generate(n: int, rng: random.Random, prefix: str, backdated: bool) -> Iterator[dict[str, Any]]:
    customers: list[dict[str, str]] = []
    for number in range(n):
        case_type = _pick(rng, CASE_TYPES)
        body: dict[str, Any] = {
            "external_ref": f"{prefix}-{number:07d}",
            "channel": _pick(rng, CHANNELS),
            "case_type": case_type,
            "subject": SUBJECTS[case_type].format(n=rng.randrange(10**6, 10**7)),
            "priority": rng.choices([1, 2, 3, 4], weights=[5, 15, 60, 20])[0],
        }
        if rng.random() < 0.33:
            body["description"] = "Customer says: " + " ".join(
                rng.choices(["please", "urgent", "again", "order", "invoice", "call"], k=12)
            )
        if customers and rng.random() < REUSED_CUSTOMERS:
            body["customer"] = rng.choice(customers)
        else:
            body["customer"] = _customer(rng, len(customers), prefix)
            customers.append(body["customer"])
        if case_type in WITH_AMOUNT:
            body["amount"] = f"{rng.lognormvariate(4.5, 1.0):.2f}"
        tags = rng.sample(TAGS, k=rng.choices([0, 1, 2], weights=[60, 30, 10])[0])
        if tags:
            body["tags"] = tags
        if backdated:
            at = HISTORY_END - HISTORY * rng.random()
            body["created_at"] = at.isoformat(timespec="microseconds")
        yield body


def _customer(rng: random.Random, number: int, prefix: str) -> dict[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "external_id": f"{prefix}-C{number:07d}",
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{number}@example.com",
        "language": _pick(rng, LANGUAGES),
    }


CSV_COLUMNS = [
    "external_ref",
    "channel",
    "case_type",
    "subject",
    "description",
    "customer_external_id",
    "customer_name",
    "customer_email",
    "customer_language",
    "amount",
    "priority",
    "tags",
    "created_at",
]


def write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """The rows as a CSV file that `retaguarda import items` reads."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            customer = row.get("customer") or {}
            writer.writerow(
                [
                    row["external_ref"],
                    row["channel"],
                    row["case_type"],
                    row.get("subject", ""),
                    row.get("description", ""),
                    customer.get("external_id", ""),
                    customer.get("name", ""),
                    customer.get("email", ""),
                    customer.get("language", ""),
                    row.get("amount", ""),
                    row.get("priority", ""),
                    ";".join(row.get("tags", [])),
                    row.get("created_at", ""),
                ]
            )
    return path
