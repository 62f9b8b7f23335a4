"""The specialist's workspace: my items, the Next button, an item's page and its actions.

Every page calls the services the API calls (item, sla, routing, agent); the actions
go through `item.act` exactly like `POST /api/v1/items/{id}/transitions`. A refused
action re-renders the item page with the error beside the forms (nothing is lost);
a successful one redirects (POST, redirect, GET).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from retaguarda import clock
from retaguarda.domain import access
from retaguarda.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
)
from retaguarda.domain.item.lifecycle import allowed_actions
from retaguarda.domain.item.model import Action, Channel, Outcome, Status, WorkItem
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.domain.sla.clock import Clock, Measured
from retaguarda.services import agent as agent_service
from retaguarda.services import item as item_service
from retaguarda.services import routing as routing_service
from retaguarda.services import sla as sla_service
from retaguarda.storage.repos.item import ItemFilter
from retaguarda.web.deps import CsrfRefused, WebDep
from retaguarda.web.i18n import N_
from retaguarda.web.labels import METRIC_NAMES, PRESENCE_NAMES, STATUS_NAMES
from retaguarda.web.templating import Page

router = APIRouter(include_in_schema=False)

MY_ITEMS_LIMIT = 200  # a specialist holds a handful (capacity); this only bounds the page
OTHER_ITEMS_LIMIT = 10  # the customer's other items shown on an item page
OPEN = (
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.PENDING_CUSTOMER,
    Status.PENDING_AREA,
)
# The actions the item page offers, in the order of its forms.
OFFERED = (
    Action.START,
    Action.PEND_CUSTOMER,
    Action.PEND_AREA,
    Action.RESUME,
    Action.RESOLVE,
    Action.ESCALATE,
)

# Words for values the domain names in English.
ACTION_NAMES = {
    Action.START: N_("Start"),
    Action.PEND_CUSTOMER: N_("Wait on the customer"),
    Action.PEND_AREA: N_("Wait on another area"),
    Action.RESUME: N_("Resume"),
    Action.RESOLVE: N_("Resolve"),
    Action.ESCALATE: N_("Escalate"),
}
OUTCOME_NAMES = {
    Outcome.SOLVED: N_("solved"),
    Outcome.UNFOUNDED: N_("unfounded"),
    Outcome.FAILED: N_("failed"),
}
CHANNEL_NAMES = {
    Channel.PHONE: N_("phone"),
    Channel.CHAT: N_("chat"),
    Channel.EMAIL: N_("email"),
    Channel.WEB: N_("web"),
    Channel.APP: N_("app"),
    Channel.STORE: N_("store"),
    Channel.REPRESENTATIVE: N_("representative"),
    Channel.SOCIAL: N_("social media"),
    Channel.REGULATOR: N_("regulator"),
    Channel.OMBUDSMAN: N_("ombudsman"),
}
EVENT_NAMES = {
    "created": N_("received"),
    "queued": N_("queued"),
    "assigned": N_("assigned"),
    "unassigned": N_("handed back to the queue"),
    "started": N_("started"),
    "pended_customer": N_("waiting on the customer"),
    "pended_area": N_("waiting on another area"),
    "resumed": N_("resumed"),
    "resolved": N_("resolved"),
    "reopened": N_("reopened"),
    "escalated": N_("escalated"),
    "transferred": N_("transferred"),
    "cancelled": N_("cancelled"),
    "closed": N_("closed"),
    "csat_recorded": N_("customer satisfaction recorded"),
    "sla_at_risk": N_("SLA at risk"),
    "sla_breached": N_("SLA breached"),
}
# What the changed fields of an event are called on the timeline.
FIELD_NAMES = {
    "assignee": N_("assignee"),
    "area": N_("area"),
    "tier": N_("tier"),
    "pending_area": N_("waiting on"),
    "outcome": N_("outcome"),
    "reason": N_("reason"),
}
NOTICES = {"nothing": N_("Nothing to take now.")}
# The sentence shown above a refused action's detail, by kind of error.
REFUSALS: tuple[tuple[type[DomainError], int, str], ...] = (
    (IllegalTransition, 409, N_("This action is not possible in the item's current status.")),
    (Conflict, 409, N_("The item changed meanwhile. Read it again and retry.")),
    (InvalidInput, 422, N_("Some of what was sent is not valid.")),
    (Forbidden, 403, N_("Your role or your areas do not allow this.")),
)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of My items: the item and its resolution clock (None without an SLA)."""

    item: WorkItem
    clock: Clock | None


def resolution_clock(measured: Measured | None) -> Clock | None:
    """The customer-facing resolution clock: the one My items is sorted and coloured by."""
    if measured is None:
        return None
    for found in measured.clocks:
        if found.kind == "sla" and found.metric == "resolution":
            return found
    return None


def clock_tone(found: Clock | Mapping[str, Any] | None) -> str:
    """ok / at_risk / breached / paused / met / none: the badge of a clock."""
    if found is None:
        return "none"
    get = found.get if isinstance(found, Mapping) else lambda name: getattr(found, name)
    state = get("state")
    if state == "breached":
        return "breached"
    if state == "met":
        return "met"
    if get("at_risk"):
        return "at_risk"
    return "paused" if state == "paused" else "ok"


_WORST = {"breached": 0, "at_risk": 1, "ok": 2, "paused": 3, "met": 4, "none": 5}


def worst_first(rows: list[Row]) -> list[Row]:
    """Overdue first (most overdue on top), then at risk, on time, paused, no SLA."""

    def key(row: Row) -> tuple[int, int, datetime]:
        remaining = row.clock.remaining_business_seconds if row.clock else 0
        return (_WORST[clock_tone(row.clock)], remaining, row.item.created_at)

    return sorted(rows, key=key)


def offered_actions(principal: access.Principal, item: WorkItem) -> list[Action]:
    """The page's actions legal for the item's status and allowed for the caller."""
    legal = allowed_actions(item.status)
    offered = []
    for action in OFFERED:
        if action not in legal:
            continue
        try:
            access.require_action(principal, item, action, assignee=None)
        except Forbidden:
            continue
        offered.append(action)
    return offered


def _no_agent(page: Page) -> Response:
    """Supervisors and admins without an agent have no items of their own."""
    return page.render("work/no_agent.html", status_code=404)


def _my_items(
    conn: Connection, page: Page, *, status_code: int = 200, error: str | None = None
) -> Response:
    principal = page.principal
    assert principal is not None
    assert principal.agent is not None
    now = clock.now()
    found = item_service.list_items(
        conn,
        ItemFilter(status=[s.value for s in OPEN], assignee=principal.agent),
        principal=principal,
        cursor=None,
        limit=MY_ITEMS_LIMIT,
    )
    measured = sla_service.measure_items(conn, [i.id for i in found.items], at=now)
    rows = worst_first([Row(i, resolution_clock(measured.get(i.id))) for i in found.items])
    presence = agent_service.presence(conn, principal.agent, principal=principal)
    notice_id = page.request.query_params.get("notice", "")
    return page.render(
        "work/my_items.html",
        status_code=status_code,
        rows=rows,
        more=found.next_cursor is not None,
        presence=presence,
        presences=list(Presence),
        notice=page.gettext(NOTICES[notice_id]) if notice_id in NOTICES else None,
        error=error,
        names=item_service.vocabulary(conn),
        **_labels(),
    )


def _labels() -> dict[str, Any]:
    return {
        "status_names": STATUS_NAMES,
        "action_names": ACTION_NAMES,
        "outcome_names": OUTCOME_NAMES,
        "channel_names": CHANNEL_NAMES,
        "presence_names": PRESENCE_NAMES,
        "event_names": EVENT_NAMES,
        "metric_names": METRIC_NAMES,
        "field_names": FIELD_NAMES,
        "tone_of": clock_tone,
    }


@router.get("/work")
def my_items(web: WebDep) -> Response:
    """My items, worst SLA first, with the Next button and my presence."""
    with web.transaction() as (conn, page):
        if page.principal is None or page.principal.agent is None:
            return _no_agent(page)
        return _my_items(conn, page)


@router.post("/work/next")
def take_next(web: WebDep) -> Response:
    """Claim the next item for me (as `POST /api/v1/agents/{key}/next`) and open it."""
    refusal: DomainError | None = None
    try:
        with web.transaction() as (conn, page):
            principal = page.principal
            if principal is None or principal.agent is None:
                return _no_agent(page)
            claimed = routing_service.claim(
                conn, principal.agent, principal=principal, now=clock.now()
            )
    except Conflict as error:  # not available, at capacity, off shift
        refusal = error
    if refusal is None:
        if claimed is None:
            return RedirectResponse("/work?notice=nothing", status_code=303)
        return RedirectResponse(f"/items/{claimed.item.id}", status_code=303)
    with web.transaction() as (conn, page):
        sentence = page.gettext("You cannot take an item now.")
        return _my_items(conn, page, status_code=409, error=f"{sentence} ({refusal.message})")


@router.post("/work/presence")
def set_presence(web: WebDep, status: Annotated[str, Form()] = "") -> Response:
    """Change my presence (available to take items, busy, away, offline)."""
    try:
        chosen = Presence(status)
    except ValueError:
        raise InvalidInput("status", f"unknown presence {status!r}") from None
    with web.transaction() as (conn, page):
        principal = page.principal
        if principal is None or principal.agent is None:
            return _no_agent(page)
        agent_service.set_presence(
            conn, principal.agent, chosen, principal=principal, now=clock.now()
        )
    return RedirectResponse("/work", status_code=303)


def _item_page(
    conn: Connection,
    page: Page,
    item_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    error_detail: str | None = None,
    failed: str | None = None,
    sent: Mapping[str, str] | None = None,
) -> Response:
    principal = page.principal
    assert principal is not None
    now = clock.now()
    item = item_service.get(conn, item_id, principal=principal)
    explained = sla_service.explanation(conn, item_id, principal=principal, at=now)
    history = item_service.events(conn, item_id, principal=principal)
    others: list[WorkItem] = []
    if item.customer is not None:
        listed = item_service.list_items(
            conn,
            ItemFilter(customer=item.customer.external_id),
            principal=principal,
            cursor=None,
            limit=OTHER_ITEMS_LIMIT + 1,
            descending=True,
        )
        others = [i for i in listed.items if i.id != item.id][:OTHER_ITEMS_LIMIT]
    names = item_service.vocabulary(conn)
    ladder = names.ladder
    above = list(ladder[ladder.index(item.tier) + 1 :]) if item.tier in ladder else []
    return page.render(
        "work/item.html",
        status_code=status_code,
        item=item,
        explained=explained,
        events=history,
        others=others,
        # At the top of the ladder (or off it) there is nowhere to escalate to.
        actions=[a for a in offered_actions(principal, item) if above or a is not Action.ESCALATE],
        pend_areas={k: v for k, v in names.areas.items() if k != item.area},
        tiers_above=above,
        outcomes=list(Outcome),
        names=names,
        error=error,
        error_detail=error_detail,
        failed=failed,
        sent=sent or {},
        **_labels(),
    )


@router.get("/items/{item_id}")
def item_page(item_id: int, web: WebDep) -> Response:
    """An item: details, customer and their other items, SLA clocks, timeline, actions."""
    with web.transaction() as (conn, page):
        return _item_page(conn, page, item_id)


def _blank(value: str) -> str | None:
    value = value.strip()
    return value or None


@router.post("/items/{item_id}/actions/{action}")
def act(
    item_id: int,
    action: str,
    web: WebDep,
    note: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    to_tier: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
) -> Response:
    """Apply one action to the item as `POST /api/v1/items/{id}/transitions` does."""
    sent = {"note": note, "reason": reason, "area": area, "to_tier": to_tier, "outcome": outcome}
    refusal: DomainError | None = None
    try:
        with web.transaction() as (conn, page):
            assert page.principal is not None
            try:
                chosen = Action(action)
            except ValueError:
                raise NotFound(f"no action {action!r}", field="action") from None
            try:
                chosen_outcome = Outcome(outcome) if outcome else None
            except ValueError:
                raise InvalidInput("outcome", f"unknown outcome {outcome!r}") from None
            item_service.act(
                conn,
                item_id,
                action=chosen,
                principal=page.principal,
                now=clock.now(),
                note=_blank(note),
                reason=_blank(reason),
                area=_blank(area),
                to_tier=_blank(to_tier),
                outcome=chosen_outcome,
            )
    except (CsrfRefused, NotFound):
        raise  # a forged form, or an item the caller may not see: the error pages
    except DomainError as error:
        refusal = error
    if refusal is None:
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    status, sentence = next(
        ((code, text) for cls, code, text in REFUSALS if isinstance(refusal, cls)),
        (422, REFUSALS[2][2]),
    )
    with web.transaction() as (conn, page):
        return _item_page(
            conn,
            page,
            item_id,
            status_code=status,
            error=page.gettext(sentence),
            error_detail=refusal.message,
            failed=action,
            sent=sent,
        )
