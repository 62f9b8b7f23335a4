"""The reports page (/reports) and its files (/reports/download) on both databases:
items written through the services over the last three days, counted by hand."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from babel.dates import format_date
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.domain.item.model import Action
from retaguarda.services import config, intake
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CRM, DATA, NOW
from tests.web.conftest import sign_in

# The report days are Sao Paulo's: the zone of br-sp, the first calendar of sla-config.
SP = ZoneInfo("America/Sao_Paulo")


@dataclass(frozen=True)
class Days:
    """The three days before today (Sao Paulo) on which the items arrive."""

    first: date  # D-3
    second: date  # D-2
    third: date  # D-1

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), SP)


# (ref, case type, reason, created (day index, hour), [(action, day index, hour, fields)])
# Back office: B1..B4 (case types of backoffice); finance: F1, F2 (refund_request).
ITEMS: list[tuple[str, str, str | None, tuple[int, int], list[tuple[Action, int, int, Any]]]] = [
    (
        "B1",
        "invoice_dispute",
        "billing_error",
        (0, 10),
        [
            (Action.ASSIGN, 0, 11, {"assignee": "ana"}),
            (Action.START, 0, 11, {}),
            (Action.RESOLVE, 1, 11, {}),
        ],
    ),
    (
        "B2",
        "delivery_missing",
        "late_delivery",
        (0, 11),
        [
            (Action.ASSIGN, 0, 12, {"assignee": "bruno"}),
            (Action.START, 0, 12, {}),
            (Action.RESOLVE, 2, 10, {}),
        ],
    ),
    ("B3", "invoice_dispute", "billing_error", (1, 9), []),
    ("B4", "delivery_missing", None, (2, 9), []),
    (
        "F1",
        "refund_request",
        "refund_delay",
        (1, 10),
        [
            (Action.ASSIGN, 1, 11, {"assignee": "carla"}),
            (Action.START, 1, 11, {}),
            (Action.RESOLVE, 2, 12, {}),
        ],
    ),
    ("F2", "refund_request", "refund_delay", (2, 9), []),
]


@pytest.fixture
def days(engine: Engine, web: TestClient) -> Days:
    """The SLA configuration, then ITEMS, dated on the three days before today."""
    now = clock.now()
    today = now.astimezone(SP).date()
    found = Days(*(today - timedelta(days=n) for n in (3, 2, 1)))
    day_of = (found.first, found.second, found.third)
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
    for ref, case_type, reason, (day, hour), steps in ITEMS:
        with unit_of_work(engine) as conn:
            fields: dict[str, Any] = {
                "external_ref": ref,
                "case_type": case_type,
                "channel": "web",
                "created_at": found.at(day_of[day], hour),
            }
            if reason:
                fields["reason"] = reason
            (result,) = intake.intake(
                conn, [ItemInput.model_validate(fields)], principal=CRM, now=now
            )
            assert result.item_id is not None, result.error
            for action, step_day, step_hour, extra in steps:
                item_service.act(
                    conn,
                    result.item_id,
                    action=action,
                    principal=ADMIN,
                    now=now,
                    at=found.at(day_of[step_day], step_hour),
                    **extra,
                )
    return found


class Tables(HTMLParser):
    """Every <table id=...> of a page as rows of cell texts (th and td alike)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    return Tables(html).tables


def period(days: Days, **params: str) -> dict[str, str]:
    return {"from": days.first.isoformat(), "to": days.third.isoformat(), **params}


def shown(day: date, locale: str = "en") -> str:
    return format_date(day, "medium", locale=locale)


class TestTheNumbers:
    def test_flow_per_day_is_counted_by_hand(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        page = web.get("/reports", params=period(days))

        assert page.status_code == 200, page.text
        rows = tables(page.text)["flow-table"]
        # Period, inflow, outflow, backlog at the start, backlog at the end, growth, ...
        body = {row[0]: row[1:6] for row in rows[1:-1]}
        assert body == {
            # D-3: B1 and B2 arrive, nothing resolved: 0 -> 2.
            shown(days.first): ["2", "0", "0", "2", "2"],
            # D-2: B3 and F1 arrive, B1 resolved: 2 -> 3.
            shown(days.second): ["2", "1", "2", "3", "1"],
            # D-1: B4 and F2 arrive, B2 and F1 resolved: 3 -> 3 (B3, B4, F2 open).
            shown(days.third): ["2", "2", "3", "3", "0"],
        }
        assert rows[-1][:3] == ["Total", "6", "3"]  # 2 + 2 + 2 in, 0 + 1 + 2 out
        # Growth on D-2: +1 on a backlog of 2 = 50 %.
        assert rows[2][6] == "50.0%"
        assert '<svg class="chart"' in page.text

    def test_backlog_quality_and_pareto_are_on_the_page(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        found = tables(web.get("/reports", params=period(days, kind="all")).text)

        # At the end of D-1: B3, B4 and F2 are open, none past its deadline yet
        # (5 and 10 business days).
        assert found["backlog-ages"][1:] == [
            ["under 1 day", "2"],  # B4 and F2, received on D-1
            ["1 to 3 days", "1"],  # B3, received on D-2 at 09:00
            ["3 to 5 days", "0"],
            ["5 to 10 days", "0"],
            ["over 10 days", "0"],
        ]
        assert sum(int(row[1]) for row in found["backlog-shares"][1:]) == 3
        kpis = {row[0]: row[1] for row in found["kpi-table"][1:]}
        assert set(kpis) >= {"SLA compliance", "Average handling time", "First-contact resolution"}
        # B1, B2 and F1 resolved within 5 and 10 business days.
        assert kpis["SLA compliance"].startswith("100.0%")
        # Received with a reason: billing_error B1 B3, refund_delay F1 F2, late_delivery
        # B2; B4 has none (not ranked).
        pareto = {row[0]: row[1] for row in found["pareto-table"][1:]}
        assert pareto == {"billing_error": "2", "refund_delay": "2", "late_delivery": "1"}

    def test_grouping_by_area(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        page = web.get("/reports", params=period(days, group="area", kind="all"))

        groups = {row[0]: row[1:] for row in tables(page.text)["flow-groups"][1:]}
        # Back office: B1..B4 in, B1 and B2 out, 0 -> 2 (B3, B4). Finance: F1, F2 in,
        # F1 out, 0 -> 1 (F2).
        assert groups == {"backoffice": ["4", "2", "0", "2"], "finance": ["2", "1", "0", "1"]}
        backlog = {row[0]: row[1] for row in tables(page.text)["backlog-groups"][1:]}
        assert backlog == {"backoffice": "2", "finance": "1"}

    def test_weeks_and_one_kind(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        page = web.get("/reports", params=period(days, period="week", kind="flow"))

        assert page.status_code == 200
        rows = tables(page.text)["flow-table"]
        assert rows[-1][:3] == ["Total", "6", "3"]  # the weeks holding D-3..D-1
        assert all(row[0].startswith("Week of") for row in rows[1:-1])
        assert "pareto-table" not in page.text
        assert "kpi-table" not in page.text

    def test_the_default_is_the_last_seven_days(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        page = web.get("/reports")

        assert page.status_code == 200
        # One report at a time, the flow first; links to the others keep the days.
        assert "backlog-ages" not in page.text
        assert "kind=backlog" in page.text
        today = days.third + timedelta(days=1)
        rows = tables(page.text)["flow-table"][1:-1]
        assert [row[0] for row in rows] == [
            shown(today - timedelta(days=n)) for n in range(6, -1, -1)
        ]
        assert f'value="{today.isoformat()}"' in page.text
        assert f'value="{(today - timedelta(days=6)).isoformat()}"' in page.text


class TestScope:
    def test_a_supervisor_of_back_office_sees_no_finance_numbers(
        self, web: TestClient, days: Days
    ) -> None:
        sign_in(web, "sofia")

        page = web.get("/reports", params=period(days, group="area", kind="all"))

        assert page.status_code == 200
        found = tables(page.text)
        body = {row[0]: row[1:3] for row in found["flow-table"][1:-1]}
        # Only B1..B4: D-3 B1, B2 in; D-2 B3 in, B1 out; D-1 B4 in, B2 out.
        assert body == {
            shown(days.first): ["2", "0"],
            shown(days.second): ["1", "1"],
            shown(days.third): ["1", "1"],
        }
        assert [row[0] for row in found["flow-groups"][1:]] == ["backoffice"]
        assert "finance" not in page.text
        assert "refund_delay" not in page.text

    def test_a_specialist_may_not_open_the_reports(self, web: TestClient, days: Days) -> None:
        sign_in(web, "ana")

        assert web.get("/reports").status_code == 403
        assert web.get("/reports/download", params=period(days)).status_code == 403

    def test_without_a_session_it_is_the_sign_in_page(self, web: TestClient) -> None:
        got = web.get("/reports")

        assert got.status_code == 303
        assert got.headers["location"].startswith("/login")


class TestInvalidInput:
    @pytest.mark.parametrize(
        ("params", "field", "label"),
        [
            ({"from": "2026-03-10", "to": "2026-03-01"}, "from", "From"),
            ({"from": "yesterday"}, "from", "From"),
            ({"to": "2026-02-30"}, "to", "To"),
            ({"from": "2024-01-01", "to": "2026-01-01"}, "to", "To"),
            ({"group": "colour"}, "group", "Grouping"),
            ({"period": "fortnight"}, "period", "Period"),
        ],
    )
    def test_the_page_names_the_field_with_422(
        self, web: TestClient, params: dict[str, str], field: str, label: str
    ) -> None:
        sign_in(web, "admin")

        page = web.get("/reports", params=params)

        assert page.status_code == 422
        assert f'id="field-{field}-error"' in page.text
        assert f'aria-describedby="field-{field}-error"' in page.text
        assert f'<a href="#field-{field}">{label}</a>' in page.text
        assert "flow-table" not in page.text

    def test_a_bad_download_is_422_too(self, web: TestClient) -> None:
        sign_in(web, "admin")

        assert web.get("/reports/download", params={"format": "pdf"}).status_code == 422
        got = web.get("/reports/download", params={"format": "csv", "table": "x"})
        assert got.status_code == 422
        assert "Table" in got.text


class TestDownloads:
    def test_the_page_links_to_the_files(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        page = web.get("/reports", params=period(days)).text

        assert "/reports/download?from=" in page
        assert "format=xlsx" in page
        assert "table=flow_by_day" in page

    def test_csv_of_the_flow_by_day(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        got = web.get("/reports/download", params=period(days, format="csv", table="flow_by_day"))

        assert got.status_code == 200, got.text
        assert got.headers["content-type"].startswith("text/csv")
        disposition = got.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert "flow_by_day" in disposition
        rows = list(csv.DictReader(io.StringIO(got.content.decode("utf-8"))))
        assert [
            (r["Day"], r["Inflow"], r["Outflow"], r["Backlog at the end"], r["Overdue"])
            for r in rows
        ] == [
            (days.first.isoformat(), "2", "0", "2", "0"),
            (days.second.isoformat(), "2", "1", "3", "0"),
            (days.third.isoformat(), "2", "2", "3", "0"),
        ]

    def test_csv_of_a_supervisor_has_only_their_areas(self, web: TestClient, days: Days) -> None:
        sign_in(web, "sofia")

        got = web.get("/reports/download", params=period(days, format="csv", table="pareto"))

        reasons = {r["Reason"]: r["Items"] for r in csv.DictReader(io.StringIO(got.text))}
        assert reasons == {"billing_error": "2", "late_delivery": "1"}

    def test_the_workbook_opens(self, web: TestClient, days: Days) -> None:
        sign_in(web, "admin")

        got = web.get("/reports/download", params=period(days, format="xlsx"))

        assert got.status_code == 200
        assert got.headers["content-type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert got.headers["content-disposition"].startswith("attachment;")
        book = openpyxl.load_workbook(io.BytesIO(got.content))
        assert book.sheetnames == [
            "figures",
            "service_quality",
            "backlog_by_area",
            "flow_by_day",
            "pareto",
        ]
        figures = {row[0]: row[1] for row in book["figures"].iter_rows(values_only=True)}
        assert figures["Inflow (items received)"] == 6
        assert figures["Outflow (items resolved)"] == 3
        assert figures["Backlog at the end"] == 3


class TestLanguages:
    def test_brazilian_portuguese(self, web: TestClient, days: Days) -> None:
        csrf = sign_in(web, "sofia")
        web.post("/language", data={"language": "pt-BR", "back": "/", "csrf_token": csrf})

        page = web.get("/reports", params=period(days, kind="all"))

        assert page.status_code == 200
        assert "<h1>Relatórios</h1>" in page.text
        assert ">Fluxo</h2>" in page.text
        assert ">Pareto dos motivos</h2>" in page.text
        rows = tables(page.text)["flow-table"]
        assert rows[0][0] == "Período"
        # Sofia, D-2: B3 in, B1 out: 2 -> 2; D-1: B4 in, B2 out. Growth 0 on 2: 0,0 %.
        by_day = {row[0]: row for row in rows[1:-1]}
        assert by_day[shown(days.second, "pt_BR")][6] == "0,0%"
        assert rows[-1][0] == "Total"

    def test_a_decimal_comma_in_portuguese(self, web: TestClient, days: Days) -> None:
        csrf = sign_in(web, "admin")
        web.post("/language", data={"language": "pt-BR", "back": "/", "csrf_token": csrf})

        rows = tables(web.get("/reports", params=period(days)).text)["flow-table"]

        # Admin, D-2: 2 -> 3, growth +1 on 2 = 50 %.
        assert rows[2][6] == "50,0%"

    def test_spanish(self, web: TestClient) -> None:
        csrf = sign_in(web, "admin")
        web.post("/language", data={"language": "es", "back": "/", "csrf_token": csrf})

        page = web.get("/reports", params={"from": "x"})

        assert page.status_code == 422
        assert "<h1>Informes</h1>" in page.text
        assert '<a href="#field-from">Desde</a>' in page.text


def test_every_report_indicator_has_a_label() -> None:
    from retaguarda.domain.kpi.registry import INDICATORS as REGISTRY
    from retaguarda.web.routes.reports import INDICATORS

    shown_here = {slug for slug, i in REGISTRY.items() if i.report != "people"}
    assert shown_here <= set(INDICATORS)
