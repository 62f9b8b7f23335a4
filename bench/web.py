#!/usr/bin/env python
"""Server-side render time of every web page on the demo data (goal: < 300 ms each).

    .venv/bin/python bench/web.py                       # the demo's 6 weeks of history
    .venv/bin/python bench/web.py --weeks 2 --repeats 5 --no-docs

Builds the demo database (`retaguarda demo --no-serve`'s data: SQLite, generated
history, demo users with a password), starts `retaguarda serve` on it, signs in as
the demo supervisor (marta), a specialist (ana) and the admin, and asks each page
`--repeats` times after two warm-ups. The server measures each page itself, from the
request's dependencies to the rendered body, and says so in its `Server-Timing`
header; the client's wall time (HTTP and the loopback included) is shown beside, and
`GET /health` (no auth, `SELECT 1`) is the HTTP floor of the same server. Medians and
p90 of the repetitions. Results: bench/results/web.json and the `web` section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import harness
from http_load import retaguarda_server, server
from retaguarda import clock
from retaguarda.services import account
from retaguarda.services import demo as demo_service
from retaguarda.services.uow import unit_of_work
from retaguarda.storage import migrate
from retaguarda.storage.db import make_engine

GOAL_MS = 300.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ITEM_LINK = re.compile(r'href="/items/(\d+)"')
TIMING = re.compile(r"page;dur=([\d.]+)")

# (user, page label, path); "{item}" is an item of the user's own list.
PAGES = [
    ("marta", "dashboard", "/dashboard"),
    ("marta", "dashboard live fragment", "/dashboard/live"),
    ("marta", "reports (last 7 days)", "/reports"),
    ("marta", "reports by area, per week", "/reports?group=area&period=week"),
    ("marta", "reports: backlog and aging", "/reports?kind=backlog"),
    ("marta", "reports: service and quality", "/reports?kind=quality"),
    ("marta", "reports: Pareto of reasons", "/reports?kind=pareto"),
    ("marta", "reports: every indicator at once", "/reports?kind=all"),
    ("ana", "my work", "/work"),
    ("ana", "item page", "/items/{item}"),
    ("admin", "administration", "/admin"),
    ("admin", "configuration editor", "/admin/config"),
    ("admin", "users", "/admin/users"),
    ("admin", "API tokens", "/admin/tokens"),
    ("ana", "my account", "/account"),
    (None, "sign-in page", "/login"),
]


def build(path: Path, weeks: int, password: str) -> int:
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
        with unit_of_work(engine) as conn:
            demo_service.apply_config(conn, now=clock.now())
        created = demo_service.generate(engine, now=clock.now(), weeks=weeks, seed=7)
        with unit_of_work(engine) as conn:
            for user in ("marta", "ana", "admin"):
                account.set_password(conn, user=user, password=password, now=clock.now())
        return created
    finally:
        engine.dispose()


def signed_in(base: str, user: str | None, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    if user is None:
        return client
    token = CSRF.search(client.get("/login").text)
    assert token, "no CSRF token on the sign-in page"
    answer = client.post(
        "/login", data={"username": user, "password": password, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, f"{user} could not sign in: {answer.status_code}"
    return client


def measure(client: httpx.Client, path: str, repeats: int) -> dict[str, Any]:
    server_ms: list[float] = []
    client_ms: list[float] = []
    for round_ in range(repeats + 2):
        started = time.perf_counter()
        answer = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise SystemExit(f"GET {path}: {answer.status_code}\n{answer.text[:500]}")
        found = TIMING.search(answer.headers.get("server-timing", ""))
        if round_ >= 2:
            client_ms.append(elapsed)
            if found:
                server_ms.append(float(found.group(1)))
    server = None
    if server_ms:
        server = {**harness.summary(server_ms), "p90": harness.percentile(sorted(server_ms), 90)}
    return {
        "server": server,
        "client": harness.summary(client_ms),
        "bytes": len(answer.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=demo_service.DEFAULT_WEEKS)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory(prefix="rtg-web-") as folder:
        path = Path(folder) / "demo.db"
        started = time.perf_counter()
        created = build(path, args.weeks, password)
        harness.log(
            f"demo data: {created:,} items over {args.weeks} weeks "
            f"({time.perf_counter() - started:.0f} s)"
        )
        command, env, port = retaguarda_server(f"sqlite:///{path}")
        env["RETAGUARDA_TIMEZONE"] = "America/Sao_Paulo"
        rows: list[dict[str, Any]] = []
        with server(command, env, port) as running:
            clients = {
                user: signed_in(running.base, user, password)
                for user in {user for user, _, _ in PAGES}
            }
            listing = clients["ana"].get("/work").text
            item = ITEM_LINK.search(listing)
            assert item, "ana has no item on her list: the demo data changed"
            floor = measure(clients[None], "/health", args.repeats)
            for user, label, page_path in PAGES:
                result = measure(clients[user], page_path.format(item=item.group(1)), args.repeats)
                rows.append({"user": user, "page": label, "path": page_path, **result})
                server_median = result["server"]["median"] if result["server"] else float("nan")
                harness.log(
                    f"{label:<30} server {server_median:7.1f} ms   "
                    f"client {result['client']['median']:7.1f} ms"
                )
            for client in clients.values():
                client.close()
    payload = {
        "machine": harness.machine_facts(),
        "versions": harness.versions(),
        "weeks": args.weeks,
        "items": created,
        "repeats": args.repeats,
        "floor": floor,
        "pages": rows,
    }
    harness.write_results("web", payload)
    block = section(payload)
    print(block)
    if not args.no_docs:
        harness.write_section("web", block)


def section(payload: dict[str, Any]) -> str:
    machine = payload["machine"]
    floor = payload["floor"]["client"]["median"]
    lines = [
        "<!-- begin: web -->",
        "### Web pages: server-side render on the demo data",
        "",
        f"`python bench/web.py` — {payload['items']:,} items ({payload['weeks']} weeks of demo "
        f"history) on SQLite, `retaguarda serve` (1 process), {payload['repeats']} requests per "
        f"page after 2 warm-ups; {machine['nproc']} cores ({machine['cpu_model']}), Python "
        f"{machine['python']}, {machine['date_utc']}, commit {machine['git_commit']}.",
        "Server: the page's own `Server-Timing` (data and render); client: wall time over "
        f"loopback. HTTP floor (`GET /health`, client): {floor:.1f} ms. Goal: < 300 ms each.",
        "",
        "| page | as | server median (ms) | server p90 (ms) | client median (ms) | "
        "x floor | size (kB) | goal |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in payload["pages"]:
        server_ = row["server"]
        median = server_["median"] if server_ else float("nan")
        p90 = server_["p90"] if server_ else float("nan")
        client = row["client"]["median"]
        verdict = "met" if median < GOAL_MS else "**not met**"
        lines.append(
            f"| {row['page']} (`{row['path']}`) | {row['user'] or '—'} | {median:.1f} | "
            f"{p90:.1f} | {client:.1f} | {client / floor:.1f} | {row['bytes'] / 1024:.0f} | "
            f"{verdict} |"
        )
    lines.append("<!-- end: web -->")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
