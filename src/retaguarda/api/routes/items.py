"""/items: intake, reading, events, transitions and supervisor moves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from retaguarda import clock
from retaguarda.api.deps import Caller, CallerDep
from retaguarda.api.errors import field_of, responses
from retaguarda.api.schemas.items import (
    BulkCreate,
    BulkRead,
    BulkResult,
    CsatCreate,
    ErrorRead,
    EventRead,
    ItemCreate,
    ItemPage,
    ItemRead,
    StayRead,
    TransitionCreate,
)
from retaguarda.api.schemas.moves import MoveCreate, MoveRead
from retaguarda.domain.errors import DomainError, InvalidInput
from retaguarda.domain.item.model import Channel, Status
from retaguarda.services import intake as intake_service
from retaguarda.services import item as item_service
from retaguarda.services import moves as moves_service
from retaguarda.services import sla as sla_service
from retaguarda.services.intake import ItemInput
from retaguarda.storage.repos.item import ItemFilter

router = APIRouter(prefix="/items", tags=["items"])


@router.post(
    "",
    status_code=201,
    response_model=ItemRead,
    responses={
        200: {"description": "Already known: the existing item"},
        **responses(401, 403, 422),
    },
)
async def create_item(body: ItemCreate, caller: CallerDep, response: Response) -> ItemRead:
    """Create an item, or return the existing one with the same channel and external_ref."""
    created, item = await run_in_threadpool(_create_item, body, caller)
    if not created:
        response.status_code = 200
    return item


def _create_item(body: ItemCreate, caller: Caller) -> tuple[bool, ItemRead]:
    # The blocking part of a create, run as one threadpool call: a sync endpoint
    # costs a thread hop for the call and another for checking the response.
    now = clock.now()
    with caller.transaction() as (conn, me):
        [result] = intake_service.intake(conn, [body], principal=me, now=now, with_items=True)
        if result.error is not None:
            raise result.error
        assert result.item_id is not None
        if result.item is not None and result.clocks is not None:
            item, measured = result.item, result.clocks
        else:  # already known: read it as it is now
            item = item_service.get(conn, result.item_id, principal=me)
            measured = sla_service.measure_items(conn, [item.id], at=now)[item.id]
    return result.status == "created", ItemRead.of(item, measured)


@router.post("/bulk", response_model=BulkRead, responses=responses(401, 422))
async def create_items_bulk(body: BulkCreate, caller: CallerDep) -> BulkRead:
    """Create many items at once; each gets its own result and a bad one stops no other."""
    return await run_in_threadpool(_create_items_bulk, body, caller)


def _create_items_bulk(body: BulkCreate, caller: Caller) -> BulkRead:
    limit = caller.settings.bulk_max_items
    if len(body.items) > limit:
        raise InvalidInput("items", f"at most {limit} items per request, got {len(body.items)}")
    inputs: list[ItemInput | DomainError] = []
    for raw in body.items:
        try:
            inputs.append(ItemInput.model_validate(raw))
        except ValidationError as error:
            first = error.errors()[0]
            inputs.append(InvalidInput(field_of(("body", *first["loc"])) or "item", first["msg"]))
    with caller.transaction() as (conn, me):
        results = intake_service.intake(conn, inputs, principal=me, now=clock.now())
    out = [
        BulkResult(
            index=r.index,
            status=r.status,
            id=r.item_id,
            error=None
            if r.error is None
            else ErrorRead(error=r.error.code, detail=r.error.message, field=r.error.field),
        )
        for r in results
    ]
    return BulkRead(
        created=sum(r.status == "created" for r in out),
        existing=sum(r.status == "existing" for r in out),
        errors=sum(r.status == "error" for r in out),
        results=out,
    )


@router.get("", response_model=ItemPage, responses=responses(401, 422))
def list_items(
    caller: CallerDep,
    status: Annotated[list[Status] | None, Query()] = None,
    area: Annotated[list[str] | None, Query()] = None,
    tier: Annotated[list[str] | None, Query()] = None,
    case_type: Annotated[list[str] | None, Query()] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    assignee: str | None = None,
    customer: Annotated[str | None, Query(description="customer external id")] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
) -> ItemPage:
    """List the items the caller may see, filtered, one page at a time (by id)."""
    flt = ItemFilter(
        status=[s.value for s in status or []],
        area=area or [],
        tier=tier or [],
        case_type=case_type or [],
        channel=[c.value for c in channel or []],
        assignee=assignee,
        customer=customer,
        created_from=_aware(created_from, "created_from"),
        created_to=_aware(created_to, "created_to"),
    )
    with caller.transaction() as (conn, me):
        page = item_service.list_items(
            conn, flt, principal=me, cursor=cursor, limit=limit, descending=order == "desc"
        )
        measured = sla_service.measure_items(conn, [i.id for i in page.items], at=clock.now())
    return ItemPage(
        items=[ItemRead.of(i, measured.get(i.id)) for i in page.items],
        next_cursor=page.next_cursor,
    )


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(field, "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)")
    return value


@router.get("/{item_id}", response_model=ItemRead, responses=responses(401, 404))
def get_item(item_id: int, caller: CallerDep) -> ItemRead:
    """Return one item."""
    with caller.transaction() as (conn, me):
        item = item_service.get(conn, item_id, principal=me)
        measured = sla_service.measure_items(conn, [item_id], at=clock.now())[item_id]
        return ItemRead.of(item, measured)


@router.get("/{item_id}/events", response_model=list[EventRead], responses=responses(401, 404))
def get_item_events(item_id: int, caller: CallerDep) -> list[EventRead]:
    """Return the item's events, oldest first."""
    with caller.transaction() as (conn, me):
        return [EventRead.of(e) for e in item_service.events(conn, item_id, principal=me)]


@router.get("/{item_id}/journey", response_model=list[StayRead], responses=responses(401, 404))
def get_item_journey(item_id: int, caller: CallerDep) -> list[StayRead]:
    """The item's tiers in order: when it entered and left each, who moved it and why."""
    with caller.transaction() as (conn, me):
        stays = item_service.journey(conn, item_id, principal=me)
    return [StayRead.model_validate(s, from_attributes=True) for s in stays]


@router.post(
    "/{item_id}/transitions",
    response_model=ItemRead,
    responses=responses(401, 403, 404, 409, 422),
)
def transition_item(item_id: int, body: TransitionCreate, caller: CallerDep) -> ItemRead:
    """Apply an action to the item (409 with the allowed actions when its status forbids it)."""
    with caller.transaction() as (conn, me):
        item = item_service.act(
            conn,
            item_id,
            action=body.action,
            principal=me,
            now=clock.now(),
            at=body.at,
            note=body.note,
            reason=body.reason,
            area=body.area,
            to_tier=body.to_tier,
            assignee=body.assignee,
            outcome=body.outcome,
        )
        measured = sla_service.measure_items(conn, [item_id], at=clock.now())[item_id]
    return ItemRead.of(item, measured)


@router.post(
    "/{item_id}/csat",
    response_model=ItemRead,
    responses=responses(401, 403, 404, 409, 422),
)
def record_csat(item_id: int, body: CsatCreate, caller: CallerDep) -> ItemRead:
    """Record the customer's satisfaction answer (1-5) about a resolved or closed item.

    An event (`csat_recorded`), not a transition; the item keeps the last score.
    409 naming the status while the item is not resolved or closed.
    """
    with caller.transaction() as (conn, me):
        now = clock.now()
        item = item_service.record_csat(
            conn,
            item_id,
            score=body.score,
            comment=body.comment,
            principal=me,
            now=now,
            at=body.at,
        )
        measured = sla_service.measure_items(conn, [item_id], at=now)[item_id]
    return ItemRead.of(item, measured)


@router.post("/move", response_model=MoveRead, responses=responses(401, 403, 422))
def move_items(body: MoveCreate, caller: CallerDep) -> MoveRead:
    """Move the items a filter matches to an agent, the queue or another area (or count them)."""
    with caller.transaction() as (conn, me):
        result = moves_service.move(
            conn,
            flt=body.filter.to_filter(),
            to=body.to.to_target(),
            principal=me,
            now=clock.now(),
            note=body.note,
            dry_run=body.dry_run,
            limit=caller.settings.bulk_max_items,
        )
    return MoveRead.of(result)
