"""The supervisor dashboard: the live backlog, SLA risk and who is doing what, with
reassign and bulk moves (issue #6, item 3).

`GET /dashboard` is the page; its region `#live` is `GET /dashboard/live`, the same
template without the layout, fetched again every 10 s by static/app.js. Both read
the same services as the API's reports (`reports.backlog`, `reports.flow`,
`sla_store.risk_list`, `people.report`), scoped to the caller's areas, narrowed by
the filters. The move forms sit outside the live region, so a refresh never wipes
what the supervisor is picking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_time
from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from retaguarda import clock
from retaguarda.domain import access
from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from retaguarda.domain.item.model import Status
from retaguarda.domain.item.moves import (
    ALREADY_ASSIGNED,
    ALREADY_IN_AREA,
    ASSIGNEE_NOT_IN_AREA,
    CHANGED_CONCURRENTLY,
    MoveTarget,
)
from retaguarda.domain.kpi.backlog import AGE_BUCKETS, NO_SLA, SHARE_BUCKETS
from retaguarda.services import item as item_service
from retaguarda.services import moves as moves_service
from retaguarda.services import people as people_service
from retaguarda.services import reports as reports_service
from retaguarda.services import sla_store, supervision
from retaguarda.services.moves import MoveResult
from retaguarda.storage.repos.item import ItemFilter
from retaguarda.web import svg
from retaguarda.web.deps import WebDep
from retaguarda.web.i18n import N_
from retaguarda.web.labels import AGE_NAMES, METRIC_NAMES, PRESENCE_NAMES, SHARE_NAMES, STATUS_NAMES
from retaguarda.web.templating import Page

router = APIRouter(include_in_schema=False)

SUPERVISING = (Role.SUPERVISOR, Role.ADMIN)
RISK_ROWS = 20  # rows of the at-risk list
RISK_READ = 200  # clocks read when the tier filter thins them out afterwards
BACKLOG_ROWS = 50  # rows of the list the bulk move picks from
REFRESH_SECONDS = 10

# Words for values the domain names in English (msgids).
STATE_NAMES = {  # (label msgid, badge class, symbol)
    "running": (N_("at risk"), "at_risk", "⚠"),
    "paused": (N_("at risk, paused"), "paused", "⏸"),
    "breached": (N_("overdue"), "breached", "✖"),
}
SKIP_NAMES = {
    ALREADY_ASSIGNED: N_("already with that specialist"),
    ALREADY_IN_AREA: N_("already in that area"),
    ASSIGNEE_NOT_IN_AREA: N_("the specialist does not work in the item's area"),
    CHANGED_CONCURRENTLY: N_("changed by someone else meanwhile"),
}
ERROR_STATUS = ((InvalidInput, 422), (NotFound, 404), (Forbidden, 403), (Conflict, 409))


@dataclass(frozen=True, slots=True)
class Filters:
    """The page's filters (None: all), as the GET form and the fragment URL carry them."""

    area: str | None = None
    tier: str | None = None
    case_type: str | None = None

    @classmethod
    def of(cls, area: str | None, tier: str | None, case_type: str | None) -> Filters:
        return cls(area or None, tier or None, case_type or None)

    @property
    def query(self) -> str:
        given = {"area": self.area, "tier": self.tier, "case_type": self.case_type}
        return urlencode({k: v for k, v in given.items() if v})

    def check(self, choices: supervision.Choices, principal: access.Principal) -> None:
        """Refuse an area the caller may not see and tiers or case types not configured."""
        if self.area is not None:
            access.require_area(principal, self.area)
            if self.area not in choices.areas:
                raise InvalidInput("area", f"unknown area {self.area!r}")
        if self.tier is not None and self.tier not in choices.tiers:
            raise InvalidInput("tier", f"unknown tier {self.tier!r}")
        if self.case_type is not None and self.case_type not in choices.case_types:
            raise InvalidInput("case_type", f"unknown case type {self.case_type!r}")

    def lens(self, principal: access.Principal) -> access.Principal:
        """Who the read services are asked as: the caller, narrowed to the chosen area
        (services scope every read by the caller's areas; checked by `check` first)."""
        if self.area is None:
            return principal
        return access.Principal(principal.name, Role.SUPERVISOR, areas=(self.area,))

    @property
    def group(self) -> tuple[str | None, str | None]:
        """The report grouping that narrows the backlog and flow: the case type, else the
        tier (the reports group by one key; with both given the case type wins)."""
        if self.case_type is not None:
            return "case_type", self.case_type
        if self.tier is not None:
            return "tier", self.tier
        return None, None


def _supervisor(page: Page) -> access.Principal:
    principal = page.principal
    assert principal is not None
    access.require_any_role(principal, SUPERVISING, what="the dashboard")
    return principal


@router.get("/dashboard")
def dashboard(
    web: WebDep,
    area: str | None = None,
    tier: str | None = None,
    case_type: str | None = None,
    moved: int | None = None,
    skipped: int | None = None,
) -> Response:
    """The page: filters, the live region and the move forms."""
    filters = Filters.of(area, tier, case_type)
    with web.transaction() as (conn, page):
        notice = None
        if moved is not None:
            notice = page.gettext("Items moved: %(count)s.", count=moved)
            if skipped:
                notice += " " + page.gettext("Left as they were: %(count)s.", count=skipped)
        return _page(conn, page, filters, notice=notice)


@router.get("/dashboard/live")
def live(
    web: WebDep,
    area: str | None = None,
    tier: str | None = None,
    case_type: str | None = None,
) -> Response:
    """The live region alone (no layout), fetched again every few seconds."""
    filters = Filters.of(area, tier, case_type)
    with web.transaction() as (conn, page):
        me = _supervisor(page)
        choices = supervision.choices(conn, principal=me)
        filters.check(choices, me)
        return page.render("dashboard/live.html", **_live(conn, page, me, choices, filters))


@router.post("/dashboard/reassign")
def reassign(
    web: WebDep,
    item_id: Annotated[str, Form()] = "",
    agent: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    tier: Annotated[str, Form()] = "",
    case_type: Annotated[str, Form()] = "",
) -> Response:
    """Give one item to a specialist (a supervisor move of one item)."""
    filters = Filters.of(area, tier, case_type)
    with web.transaction() as (conn, page):
        _supervisor(page)
        try:
            number = _item_id(page, item_id)
            if not agent:
                raise InvalidInput("agent", page.gettext("Choose a specialist."))
            result = _move(conn, page, [number], MoveTarget(assignee=agent))
        except DomainError as error:
            return _refused(conn, page, filters, error, form="reassign")
    return _moved(filters, result)


@router.post("/dashboard/move")
def move(
    web: WebDep,
    item_ids: Annotated[list[str] | None, Form()] = None,
    target: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    tier: Annotated[str, Form()] = "",
    case_type: Annotated[str, Form()] = "",
) -> Response:
    """Move the ticked items to a specialist, back to the queue, or to another area."""
    filters = Filters.of(area, tier, case_type)
    with web.transaction() as (conn, page):
        _supervisor(page)
        try:
            ids = [_item_id(page, value) for value in item_ids or []]
            if not ids:
                raise InvalidInput("item_ids", page.gettext("Tick at least one item."))
            to = _target(page, target)
            result = _move(conn, page, ids, to, note=note.strip() or None)
        except DomainError as error:
            return _refused(conn, page, filters, error, form="move")
    return _moved(filters, result)


def _item_id(page: Page, value: str) -> int:
    try:
        number = int(value.strip().lstrip("#"))
    except ValueError:
        number = 0
    if number <= 0:
        message = page.gettext("%(value)s is not an item number.", value=repr(value))
        raise InvalidInput("item_id", message)
    return number


def _target(page: Page, value: str) -> MoveTarget:
    """`agent:KEY`, `area:KEY` or `queue`, as the bulk form's one select sends it."""
    kind, _, key = value.partition(":")
    if kind == "agent" and key:
        return MoveTarget(assignee=key)
    if kind == "area" and key:
        return MoveTarget(area=key)
    if kind == "queue":
        return MoveTarget(queue=True)
    raise InvalidInput("target", page.gettext("Choose where to move the items."))


class NothingMoved(Conflict):
    """Every item picked was left alone; the reasons say why."""


def _move(
    conn: Connection, page: Page, ids: list[int], to: MoveTarget, note: str | None = None
) -> MoveResult:
    assert page.principal is not None
    result = moves_service.move_items(
        conn, item_ids=ids, to=to, principal=page.principal, now=clock.now(), note=note
    )
    if result.moved == 0:
        reasons = "; ".join(
            f"{_skip_reason(page, reason)}: {count}" for reason, count in result.skipped.items()
        )
        raise NothingMoved(page.gettext("Nothing was moved (%(reasons)s).", reasons=reasons))
    return result


def _skip_reason(page: Page, reason: str) -> str:
    if reason in SKIP_NAMES:
        return page.gettext(SKIP_NAMES[reason])
    if reason in {s.value for s in Status}:
        return page.gettext(
            "the move does not apply to items %(status)s",
            status=page.gettext(STATUS_NAMES[Status(reason)]),
        )
    return reason


def _moved(filters: Filters, result: MoveResult) -> Response:
    """Back to the dashboard (its filters kept) with the notice of what moved."""
    counts = {"moved": result.moved, "skipped": sum(result.skipped.values())}
    query = "&".join(part for part in (filters.query, urlencode(counts)) if part)
    return RedirectResponse(f"/dashboard?{query}", status_code=303)


def _refused(
    conn: Connection, page: Page, filters: Filters, error: DomainError, *, form: str
) -> Response:
    """The page again, the error written beside the form that caused it."""
    status = next((code for cls, code in ERROR_STATUS if isinstance(error, cls)), 400)
    if isinstance(error, NothingMoved):
        message = error.message
    else:
        message = page.gettext("Not moved: %(detail)s", detail=error.message)
    return _page(conn, page, filters, errors={form: message}, status_code=status)


def _page(
    conn: Connection,
    page: Page,
    filters: Filters,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    me = _supervisor(page)
    choices = supervision.choices(conn, principal=me)
    filters.check(choices, me)
    backlog_list = item_service.list_items(
        conn,
        ItemFilter(
            status=moves_service.OPEN,
            area=[filters.area] if filters.area else [],
            tier=[filters.tier] if filters.tier else [],
            case_type=[filters.case_type] if filters.case_type else [],
        ),
        principal=me,
        cursor=None,
        limit=BACKLOG_ROWS,
    )
    return page.render(
        "dashboard/page.html",
        status_code=status_code,
        choices=choices,
        notice=notice,
        errors=errors or {},
        backlog_items=backlog_list.items,
        backlog_more=backlog_list.next_cursor is not None,
        refresh_seconds=REFRESH_SECONDS,
        **_live(conn, page, me, choices, filters),
    )


def _today(conn: Connection, now: datetime) -> tuple[datetime, datetime]:
    """Today in the reports' time zone (the configured calendar's)."""
    zone = reports_service.frame(conn).zone
    start = datetime.combine(now.astimezone(zone).date(), time(0), zone)
    return start, start + timedelta(days=1)


def _pick(answer: dict[str, Any], key: str | None, value: str | None) -> dict[str, Any] | None:
    """The group `value` of a grouped report answer (None: the whole answer)."""
    if key is None:
        return answer
    return next((g for g in answer.get("groups") or [] if g["key"] == value), None)


def _live(
    conn: Connection,
    page: Page,
    me: access.Principal,
    choices: supervision.Choices,
    filters: Filters,
) -> dict[str, Any]:
    """Everything the live region shows, each read bounded."""
    now = clock.now()
    lens = filters.lens(me)
    group_by, value = filters.group
    start, end = _today(conn, now)
    backlog = reports_service.backlog(conn, principal=lens, at=now, now=now, group_by=group_by)
    picked = _pick(backlog, group_by, value)
    tally = picked or {
        "total": 0,
        "current": 0,
        "overdue": 0,
        "aging_by_age": {name: 0 for name, _ in AGE_BUCKETS},
        "aging_by_sla": dict.fromkeys((*SHARE_BUCKETS, NO_SLA), 0),
    }
    flow = reports_service.flow(
        conn,
        principal=lens,
        start=start,
        end=end - timedelta(microseconds=1),
        interval="day",
        now=now,
        group_by=group_by,
    )
    flow_group = _pick(flow, group_by, value)
    today = (flow_group or {}).get("periods") or [{}]
    inflow, outflow = today[0].get("inflow", 0), today[0].get("outflow", 0)
    risk = _risk(conn, lens, now, filters)
    people = people_service.report(
        conn, principal=lens, start=min(start, now - timedelta(seconds=1)), end=end, now=now
    )
    figures = {row["agent"]: row for row in people["agents"]}
    agents = supervision.agents_now(conn, principal=lens)
    ola = supervision.ola_outcomes(conn, principal=lens, start=start, end=end, now=now)
    g = page.gettext
    ages = [(g(AGE_NAMES[name]), tally["aging_by_age"][name]) for name, _ in AGE_BUCKETS]
    shares = [(g(SHARE_NAMES[name]), n) for name, n in tally["aging_by_sla"].items()]
    return {
        "filters": filters,
        "now": now,
        "refreshed": format_time(
            now, "medium", tzinfo=page.formats.timezone, locale=page.formats.locale
        ),
        "tally": tally,
        "pending": backlog["pending"],
        "backlog_chart": svg.hbars(
            [
                (page.gettext("current"), tally["current"]),
                (page.gettext("overdue"), tally["overdue"]),
            ],
            title=page.gettext("Backlog now: current and overdue"),
        ),
        "ages": ages,
        "age_chart": svg.hbars(ages, title=page.gettext("Backlog by age")),
        "shares": shares,
        "share_chart": svg.hbars(shares, title=page.gettext("Backlog by share of the SLA used")),
        "inflow": inflow,
        "outflow": outflow,
        "flow_chart": svg.hbars(
            [(page.gettext("received today"), inflow), (page.gettext("resolved today"), outflow)],
            title=page.gettext("Inflow and outflow today"),
        ),
        "risk": risk,
        "agents": [(a, figures.get(a.agent.key)) for a in agents],
        "ola": [
            (choices.areas.get(key, key), met, counted, met / counted if counted else None)
            for key, (met, counted) in ola.items()
        ],
        "ola_chart": svg.hbars(
            [
                (choices.areas.get(key, key), 100 * met / counted)
                for key, (met, counted) in ola.items()
            ],
            title=page.gettext("OLA compliance by area, today"),
            labels=[page.formats.percent(met / counted) for met, counted in ola.values()],
        ),
        "area_names": choices.areas,
        "agent_names": {a.key: a.name for a in choices.agents},
        "case_type_names": choices.case_types,
        "age_names": AGE_NAMES,
        "metric_names": METRIC_NAMES,
        "state_names": STATE_NAMES,
        "presence_names": PRESENCE_NAMES,
        "status_names": STATUS_NAMES,
    }


def _risk(
    conn: Connection, lens: access.Principal, now: datetime, filters: Filters
) -> list[dict[str, Any]]:
    """The open items whose clocks are overdue or at risk, worst first (least business
    time left), one row per item (its worst clock), with the item's state."""
    wanted = RISK_READ if filters.tier else RISK_ROWS
    clocks: list[dict[str, Any]] = []
    for kind in ("breached", "at_risk"):
        clocks += sla_store.risk_list(
            conn,
            kind=kind,
            principal=lens,
            at=now,
            now=now,
            area=[filters.area] if filters.area else [],
            case_type=[filters.case_type] if filters.case_type else [],
            limit=wanted,
        )["clocks"]
    clocks.sort(key=lambda c: (c["remaining_s"], c["item_id"]))
    worst: dict[int, dict[str, Any]] = {}
    for entry in clocks:
        worst.setdefault(entry["item_id"], entry)
    items = supervision.items(conn, list(worst), principal=lens)
    rows = []
    for item_id, entry in worst.items():
        item = items.get(item_id)
        if item is None or (filters.tier and item.tier != filters.tier):
            continue
        rows.append({**entry, "item": item})
        if len(rows) == RISK_ROWS:
            break
    return rows
