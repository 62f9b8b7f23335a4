"""Render benchmark results: a console table and docs/benchmarks.md.

The markdown is rebuilt from result files alone (`python bench/report.py`
re-renders bench/results/intake.json, plus intake_ablation.json when present,
without measuring); the hand-written parts (method, optimisation log, profile)
come from bench/notes.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness import RESULTS, ROOT

DOCS = ROOT / "docs" / "benchmarks.md"
NOTES = Path(__file__).resolve().parent / "notes.md"
DASH, TIMES = "\u2013", "\u00d7"  # typographic; ruff flags them written literally
GOAL_BULK_PG = 10_000
GOAL_HTTP = 500
LABELS = {
    "retaguarda": "retaguarda serve",
    "peer": "peer: FastAPI + 1 INSERT",
    "service": "retaguarda (services.intake)",
    "cli": "retaguarda import items (CLI)",
    "raw": "peer: raw driver",
}
# What each ablation variant (bench/intake.py --compare no-X=...) leaves out.
ABLATIONS = {
    "no-batch": "PostgreSQL batches as one JSON document (storage/batch.py)",
    "no-vocabulary": "catalog read in one query instead of six (intake_vocabulary)",
    "no-async": "one threadpool hop per create instead of three (routes, deps)",
    "no-queue": "SQLite writers queue on a lock instead of sleeping (db.py)",
    "no-orjson": "the batch JSON document written by orjson (batch.py)",
    "no-copy": "a bulk intake's events written with COPY on PostgreSQL (repos/item.py)",
    # Measured once (the table's run), then dropped: no gain beyond the noise.
    "no-idle-ping": "pooled connections pinged only after 1 s idle, not on every use "
    "(tried in db.py; dropped after this run, as it bought nothing)",
}
# Where an optimisation cannot act (other database, other path, a single
# writer): those rows are A/A controls that show the noise.
NOT_APPLICABLE = {
    ("no-batch", "sqlite"),
    ("no-queue", "postgresql"),
    ("no-queue", "bulk"),
    ("no-async", "bulk"),
    ("no-orjson", "sqlite"),
    ("no-copy", "sqlite"),
    ("no-copy", "http"),
    ("no-idle-ping", "sqlite"),
    ("no-idle-ping", "bulk"),
}


def what(variant: str, backend: str, part: str) -> str:
    control = {(variant, backend), (variant, part)} & NOT_APPLICABLE
    return ABLATIONS[variant] + (" — cannot act here: A/A control" if control else "")


def label(name: str) -> str:
    return LABELS.get(name, f"retaguarda `{name}` (--compare)")


def mmm(s: dict[str, Any], fmt: str = "{:,.0f}") -> str:
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}{DASH}{fmt.format(s['max'])})"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows]


def checks(peer: dict[str, Any]) -> str:
    return "ok" if peer["checks"] == ["ok"] else "**" + "; ".join(peer["checks"]) + "**"


def ordered(peers: dict[str, Any], first: str, last: tuple[str, ...]) -> list[str]:
    middle = [p for p in peers if p != first and p not in last]
    return [first, *middle, *[p for p in last if p in peers]]


def http_blocks(results: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (backend, clients, block)
        for backend, entry in results["backends"].items()
        for clients, block in entry.get("http", {}).get("by_clients", {}).items()
    ]


def http_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for backend, clients, block in http_blocks(results):
        peers = block["peers"]
        ceiling = peers["peer"]["per_second"]["median"]
        for name in ordered(peers, "retaguarda", ("peer",)):
            p = peers[name]
            rows.append(
                [
                    backend,
                    clients,
                    label(name),
                    mmm(p["per_second"]),
                    f"{p['p50_ms']['median']:.1f}",
                    f"{p['p99_ms']['median']:.1f}",
                    f"{p['server_cpu_ms']['median']:.2f}",
                    f"{p['db_cpu_ms']['median']:.2f}" if backend == "postgresql" else "-",
                    f"{p['client_cpu_ms']['median']:.2f}",
                    f"{ceiling / p['per_second']['median']:.2f}",
                    checks(p),
                ]
            )
    return rows


def bulk_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for backend, entry in results["backends"].items():
        bulk = entry.get("bulk")
        if not bulk:
            continue
        peers = bulk["peers"]
        ceiling = peers["raw"]["per_second"]["median"]
        for name in ordered(peers, "service", ("cli", "raw")):
            p = peers[name]
            rows.append(
                [
                    backend,
                    label(name),
                    mmm(p["seconds"], "{:.2f}"),
                    mmm(p["per_second"]),
                    f"{ceiling / p['per_second']['median']:.2f}",
                    checks(p),
                ]
            )
    return rows


def goals(results: dict[str, Any]) -> list[str]:
    lines = []
    pg = results["backends"].get("postgresql", {})
    if "bulk" in pg:
        peers = pg["bulk"]["peers"]
        got = peers["service"]["per_second"]["median"]
        raw = peers["raw"]["per_second"]["median"]
        verdict = "met" if got >= GOAL_BULK_PG else "**not met**"
        lines.append(
            f"- Bulk on PostgreSQL, with events: goal ≥ {GOAL_BULK_PG:,} items/s; measured "
            f"{got:,.0f} items/s (median, services.intake): {verdict}. The raw-driver "
            f"ceiling measured beside it: {raw:,.0f} items/s."
        )
    for backend, clients, block in http_blocks(results):
        ours = block["peers"]["retaguarda"]
        got = ours["per_second"]["median"]
        cpu = ours["server_cpu_ms"]["median"]
        verdict = "met" if got >= GOAL_HTTP else "**not met**"
        lines.append(
            f"- Single creates on one server process, {backend}, {clients} clients: goal "
            f"≥ {GOAL_HTTP}/s; measured {got:,.0f}/s (median): {verdict}. The server "
            f"process spent {cpu:.2f} ms of CPU per create, i.e. {1000 / cpu:,.0f}/s if it "
            "had a core to itself."
        )
    return lines


def speedups(results: dict[str, Any], variant: str) -> list[str]:
    """One line per measurement: retaguarda now vs the `variant` source tree."""
    lines = []
    for backend, clients, block in http_blocks(results):
        peers = block["peers"]
        if variant in peers:
            now, then = peers["retaguarda"], peers[variant]
            lines.append(
                f"- HTTP single creates, {backend}, {clients} clients: "
                f"{then['per_second']['median']:,.0f}/s → {now['per_second']['median']:,.0f}/s "
                f"({now['per_second']['median'] / then['per_second']['median']:.2f}{TIMES}); "
                f"server CPU {then['server_cpu_ms']['median']:.2f} → "
                f"{now['server_cpu_ms']['median']:.2f} ms per create."
            )
    for backend, entry in results["backends"].items():
        peers = entry.get("bulk", {}).get("peers", {})
        if variant in peers:
            now, then = peers["service"]["per_second"], peers[variant]["per_second"]
            lines.append(
                f"- Bulk, {backend}: {then['median']:,.0f} → {now['median']:,.0f} items/s "
                f"({now['median'] / then['median']:.2f}{TIMES})."
            )
    return lines


def ablation_rows(ablation: dict[str, Any]) -> list[list[str]]:
    rows = []
    for variant in ABLATIONS:
        for backend, clients, block in http_blocks(ablation):
            peers = block["peers"]
            if variant in peers:
                now, without = peers["retaguarda"], peers[variant]
                rows.append(
                    [
                        what(variant, backend, "http"),
                        backend,
                        f"HTTP, {clients} clients",
                        _http_cell(without),
                        _http_cell(now),
                        f"{now['per_second']['median'] / without['per_second']['median']:.2f}",
                    ]
                )
        for backend, entry in ablation["backends"].items():
            peers = entry.get("bulk", {}).get("peers", {})
            if variant in peers:
                now, without = peers["service"]["per_second"], peers[variant]["per_second"]
                rows.append(
                    [
                        what(variant, backend, "bulk"),
                        backend,
                        f"bulk, {entry['bulk']['items']:,} items",
                        f"{mmm(without)} items/s",
                        f"{mmm(now)} items/s",
                        f"{now['median'] / without['median']:.2f}",
                    ]
                )
    return rows


def _http_cell(peer: dict[str, Any]) -> str:
    return (
        f"{mmm(peer['per_second'])}/s; p99 {peer['p99_ms']['median']:.0f} ms; "
        f"CPU {peer['server_cpu_ms']['median']:.2f} ms"
    )


def machine(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    load = ", ".join(f"{x:.2f}" for x in m["loadavg"])
    end = ", ".join(f"{x:.2f}" for x in m.get("loadavg_at_end", []))
    servers = [f"{b} {e['server_version']}" for b, e in results["backends"].items()]
    lines = [
        f"- `nproc`: {m['nproc']}; CPU: {m['cpu_model']}; memory: {m['memory']}",
        f"- Python {m['python']} ({m['python_impl']}), {m['platform']}",
        f"- databases: {'; '.join(servers)} (the PostgreSQL server is shared with other "
        "people's test runs; default settings: synchronous_commit on, shared_buffers 128MB)",
        f"- load average (1/5/15 min) at start: {load}; at end: {end}",
        f"- measured {m['date_utc']} at commit {m['git_commit']}"
        + (" with uncommitted changes" if m.get("git_dirty") else ""),
        "",
    ]
    versions = sorted((k, v) for k, v in results["versions"].items() if v)
    return lines + table(["package", "version"], [[k, v] for k, v in versions])


def render(results: dict[str, Any], ablation: dict[str, Any] | None = None) -> str:
    o = results["options"]
    lines = [
        "# Benchmarks",
        "",
        "Intake (issue #2) first; each later benchmark adds its own section below.",
        "",
        "Generated by `bench/report.py` from `bench/results/*.json`; do not edit by hand "
        "(the prose comes from `bench/notes.md`). Every figure is a median over "
        f"{o['repeats']} runs with (min{DASH}max); every ratio compares medians measured side "
        "by side in the same run, repetitions interleaved in rotating order. The machine is "
        "shared and noisy: compare ratios, not absolute numbers, across runs.",
        "",
        f"Command: `{results['command']}`",
        "",
        "## Goals (issue #2)",
        "",
        *goals(results),
        "",
    ]
    for variant in o.get("compare", {}):
        lines += [
            f"Against `{variant}` (the same code before this work, run side by side):",
            "",
            *speedups(results, variant),
            "",
        ]
    lines += [
        "## (a) Single creates over HTTP",
        "",
        f"{o['http_n']:,} POSTs of new items per run from C keep-alive clients (httpx, one "
        "thread each, in the benchmark process) against one server process on 127.0.0.1. "
        "Latency is per request as the client sees it; p50/p99 are medians over the runs of "
        "each run's percentile. CPU columns: milliseconds of CPU per request used by the "
        "server process, by the PostgreSQL processes serving the benchmark database, and by "
        f"the load generator. \"{TIMES} ceiling\" = peer's items/s ÷ this row's.",
        "",
        *table(
            [
                "database",
                "clients",
                "server",
                f"items/s, median (min{DASH}max)",
                "p50 ms",
                "p99 ms",
                "server CPU ms",
                "DB CPU ms",
                "client CPU ms",
                f"{TIMES} ceiling",
                "checks",
            ],
            http_rows(results),
        ),
        "",
        "## (b) Bulk import",
        "",
        f"{o['n']:,} items with their `created` events per run, {o['chunk']:,} rows per "
        f'transaction, into empty item tables; "{TIMES} ceiling" = raw driver\'s items/s ÷ '
        "this row's. Checks: items == created events == N after every run.",
        "",
        *table(
            [
                "database",
                "path",
                f"seconds, median (min{DASH}max)",
                f"items/s, median (min{DASH}max)",
                f"{TIMES} ceiling",
                "checks",
            ],
            bulk_rows(results),
        ),
        "",
    ]
    startups = [
        f"{b}: {e['bulk']['cli_startup_s']:.2f} s"
        for b, e in results["backends"].items()
        if "cli_startup_s" in e.get("bulk", {})
    ]
    if startups:
        lines += [
            "The CLI rows include the command's start-up, measured on a file with a "
            f"header only ({'; '.join(startups)}).",
            "",
        ]
    if ablation:
        lines += [
            "## What each optimisation bought",
            "",
            "Each row compares the final code with a copy of it that leaves out one "
            "optimisation (made by `bench/ablate.py`), measured side by side in one run "
            f"(`{ablation['command']}`; {ablation['options']['repeats']} runs each; medians "
            f"with min{DASH}max; CPU = server CPU per create). In rows marked A/A the "
            "optimisation cannot act, so both sides do the same work: their spread is this "
            "machine's noise, and only gains well beyond it mean anything.",
            "",
            *table(
                ["optimisation", "database", "measure", "without it", "with it", f"gain {TIMES}"],
                ablation_rows(ablation),
            ),
            "",
        ]
    notes = NOTES.read_text().strip() if NOTES.exists() else ""
    lines += [notes, "", "## Machine", "", *machine(results), ""]
    return "\n".join(lines)


def load_ablation() -> dict[str, Any] | None:
    path = RESULTS / "intake_ablation.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_docs(results: dict[str, Any]) -> Path:
    """Rewrite the intake part of docs/benchmarks.md; keep the other benchmarks' sections."""
    others = [m.group(0) for m in SECTION.finditer(DOCS.read_text())] if DOCS.exists() else []
    DOCS.write_text("\n\n".join([render(results, load_ablation()).rstrip(), *others]) + "\n")
    return DOCS


# Other benchmarks (e.g. bench/sla.py) write their results between these markers.
SECTION = re.compile(r"<!-- begin: (\S+) -->.*?<!-- end: \1 -->", re.DOTALL)


def console_table(results: dict[str, Any]) -> str:
    lines = ["", "HTTP single creates"]
    lines += table(
        ["db", "c", "server", "items/s", "p50", "p99", "srv CPU", "db CPU", "cli CPU", "x", "ok"],
        http_rows(results),
    )
    lines += ["", "Bulk"]
    lines += table(["db", "path", "seconds", "items/s", "x ceiling", "checks"], bulk_rows(results))
    return "\n".join([*lines, "", *goals(results)])


if __name__ == "__main__":
    import sys

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS / "intake.json"
    print(write_docs(json.loads(source.read_text())))
