"""Items, customers and the event log: statements and record <-> domain mapping."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)

from retaguarda.domain.item import escalation, repeat
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.model import (
    Channel,
    Customer,
    ItemDraft,
    Outcome,
    Status,
    WorkItem,
)
from retaguarda.storage.batch import BatchInsert
from retaguarda.storage.records import (
    AreaRecord,
    CaseTypeRecord,
    CustomerRecord,
    EventRecord,
    ItemRecord,
    SettingRecord,
    SlaConfigRecord,
    TierRecord,
    table_of,
)
from retaguarda.storage.repos import routing as routing_repo

items = table_of(ItemRecord)
events = table_of(EventRecord)
customers = table_of(CustomerRecord)
_case_types = table_of(CaseTypeRecord)
_areas = table_of(AreaRecord)
_tiers = table_of(TierRecord)
_sla_configs = table_of(SlaConfigRecord)
_settings = table_of(SettingRecord)

# Keep each multi-row statement well under SQLite's 32,766 bound-parameter cap.
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ItemFilter:
    status: Sequence[str] = ()
    area: Sequence[str] = ()
    tier: Sequence[str] = ()
    case_type: Sequence[str] = ()
    channel: Sequence[str] = ()
    assignee: str | None = None
    customer: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntakeVocabulary:
    """The catalog as intake checks an item against it."""

    routes: dict[str, tuple[str, str]]  # case type -> its default (area, tier)
    areas: frozenset[str]
    tiers: frozenset[str]
    handling: dict[str, int | None]  # case type -> expected handling minutes
    sla_uid: str | None  # the SLA configuration in force, if any
    ladder: tuple[str, ...] = ()  # the tiers, lowest first
    settings: dict[str, Any] = field(default_factory=dict)  # INTAKE_SETTINGS stored


# The settings sections intake reads (as documents, the section's name -> document).
INTAKE_SETTINGS = (escalation.ESCALATION, repeat.REPEAT_CONTACTS)

_VOCABULARY = union_all(
    select(
        literal("case_type"),
        _case_types.c.key,
        _case_types.c.area,
        _case_types.c.tier,
        _case_types.c.expected_handling_minutes,
    ),
    select(literal("area"), _areas.c.key, null(), null(), null()),
    select(literal("tier"), _tiers.c.key, null(), null(), _tiers.c.rank),
    select(literal("sla"), _sla_configs.c.uid, null(), null(), null()).where(
        _sla_configs.c.version == select(func.max(_sla_configs.c.version)).scalar_subquery()
    ),
    select(
        literal("setting"), _settings.c.key, cast(_settings.c.document, Text), null(), null()
    ).where(_settings.c.key.in_(INTAKE_SETTINGS)),
)


def intake_vocabulary(conn: Connection) -> IntakeVocabulary:
    """Case types' routes and handling times, area keys, the tier ladder, the SLA
    configuration in force and the intake settings: all in one statement."""
    routes: dict[str, tuple[str, str]] = {}
    handling: dict[str, int | None] = {}
    keys: dict[str, set[str]] = {"area": set(), "tier": set(), "sla": set()}
    ranks: dict[str, int] = {}
    documents: dict[str, Any] = {}
    for kind, key, area, tier, minutes in conn.execute(_VOCABULARY):
        if kind == "case_type":
            routes[key] = (area, tier)
            handling[key] = minutes
        elif kind == "setting":
            documents[key] = json.loads(area)  # the document, as JSON text
        else:
            keys[kind].add(key)
            if kind == "tier":
                ranks[key] = minutes
    return IntakeVocabulary(
        routes,
        frozenset(keys["area"]),
        frozenset(keys["tier"]),
        handling,
        next(iter(keys["sla"]), None),
        ladder=tuple(sorted(ranks, key=ranks.__getitem__)),
        settings=documents,
    )


StoredCustomers = dict[str, tuple[int, Customer]]


def upsert_customers(conn: Connection, batch: Iterable[Customer]) -> StoredCustomers:
    """Create or refresh customers; return each one's id and stored details by external id.

    Known details are never erased by a later item that omits them.
    """
    # One statement may name each customer once, so merge a batch's repeats the
    # way the upsert merges with the stored row: a given value wins, a missing
    # one erases nothing (keeping only the last repeat lost earlier details).
    latest: dict[str, Customer] = {}
    for c in batch:
        known = latest.get(c.external_id)
        latest[c.external_id] = c if known is None else _fill(c, known)
    if not latest:
        return {}
    values = [
        {
            "external_id": c.external_id,
            "name": c.name,
            "email": c.email,
            "language": c.language,
            "segment": c.segment,
        }
        for c in latest.values()
    ]
    rows = _UPSERT_CUSTOMERS.execute(conn, values)
    return {row.external_id: (row.id, Customer(*row[1:])) for row in rows}


def _keep_known_details(stmt: Any) -> Any:
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[customers.c.external_id],
        set_={
            col: func.coalesce(excluded[col], customers.c[col])
            for col in ("name", "email", "language", "segment")
        },
    ).returning(
        customers.c.id,
        customers.c.external_id,
        customers.c.name,
        customers.c.email,
        customers.c.language,
        customers.c.segment,
    )


_UPSERT_CUSTOMERS = BatchInsert(
    customers, ("external_id", "name", "email", "language", "segment"), _keep_known_details
)


def _fill(customer: Customer, known: Customer) -> Customer:
    """`customer` with the details it omits taken from `known`."""
    return Customer(
        external_id=customer.external_id,
        name=customer.name if customer.name is not None else known.name,
        email=customer.email if customer.email is not None else known.email,
        language=customer.language if customer.language is not None else known.language,
        segment=customer.segment if customer.segment is not None else known.segment,
    )


def insert_new_items(
    conn: Connection,
    drafts: Sequence[ItemDraft],
    stored: StoredCustomers,
    states: Mapping[tuple[str, str], WorkItem] | None = None,
) -> dict[tuple[str, str], int]:
    """Insert the drafts not yet stored; return ids of those inserted by (channel, ref).

    Drafts whose (channel, external_ref) exists already are skipped by the
    database itself (ON CONFLICT DO NOTHING), which is what keeps racing
    intakes of the same item down to one row. `states`: by (channel, ref), the
    state a new item is stored in when its intake changes it at once (escalated).
    """
    if not drafts:
        return {}
    states = states or {}
    rows = _INSERT_NEW_ITEMS.execute(
        conn,
        [_draft_row(d, stored, states.get((d.channel.value, d.external_ref))) for d in drafts],
    )
    created = {(channel, ref): id_ for id_, channel, ref in rows}
    # New items wait for an agent: they join the routing queue, unranked.
    by_key = {(d.channel.value, d.external_ref): d for d in drafts}
    waiting = []
    for key, id_ in created.items():
        draft = states.get(key) or by_key[key]
        waiting.append(
            {
                "item_id": id_,
                "area": draft.area,
                "tier": draft.tier,
                "received": draft.created_at,
                **routing_repo.UNRANKED,
                "needs": {},
                "stale": False,
            }
        )
    if len(waiting) >= _COPY_FROM:
        _ENTER_QUEUE.copy(conn, waiting)
    elif waiting:
        _ENTER_QUEUE.execute(conn, waiting)
    return created


def _skip_known_refs(stmt: Any) -> Any:
    return stmt.on_conflict_do_nothing(
        index_elements=[items.c.channel, items.c.external_ref]
    ).returning(items.c.id, items.c.channel, items.c.external_ref)


_INSERT_NEW_ITEMS = BatchInsert(
    items, [c.name for c in items.c if c.name != "id"], _skip_known_refs
)


def _draft_row(
    draft: ItemDraft, stored: StoredCustomers, state: WorkItem | None = None
) -> dict[str, Any]:
    row = {
        "external_ref": draft.external_ref,
        "channel": draft.channel.value,
        "case_type": draft.case_type,
        "status": Status.NEW.value,
        "area": draft.area,
        "tier": draft.tier,
        "journey": [draft.tier],
        "assignee": None,
        "pending_area": None,
        "subject": draft.subject,
        "description": draft.description,
        "customer_id": stored[draft.customer.external_id][0] if draft.customer else None,
        "amount": draft.amount,
        "priority": draft.priority,
        "reason": draft.reason,
        "tags": list(draft.tags),
        "created_at": draft.created_at,
        "updated_at": draft.created_at,
        "version": 1,
        "repeat_of": draft.repeat_of,
        "outcome": None,
        "csat": None,
    }
    if state is not None:
        row.update(state_fields(state))
    return row


def ids_by_ref(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Ids of stored items by (channel, external_ref)."""
    # One channel per statement: PostgreSQL bounds a row-value IN list by the
    # channel alone and rechecks every item of it (~0.8 s per 500 keys at 100k
    # items); `channel = ? AND external_ref IN (...)` uses both index columns.
    refs_by_channel: dict[str, list[str]] = {}
    for channel, ref in keys:
        refs_by_channel.setdefault(channel, []).append(ref)
    found: dict[tuple[str, str], int] = {}
    for channel, refs in refs_by_channel.items():
        for start in range(0, len(refs), _IN_CHUNK):
            rows = conn.execute(
                _IDS_BY_REF, {"channel": channel, "refs": refs[start : start + _IN_CHUNK]}
            )
            found.update({(channel, ref): id_ for id_, ref in rows})
    return found


# Built once: building a statement costs more than running it on SQLite (~0.1 ms).
_IDS_BY_REF = select(items.c.id, items.c.external_ref).where(
    items.c.channel == bindparam("channel"),
    items.c.external_ref.in_(bindparam("refs", expanding=True)),
)


def append_events(conn: Connection, batch: Sequence[Event], *, recorded_at: datetime) -> None:
    """Append events (each must carry its item_id)."""
    if not batch:
        return
    values = [
        {
            "item_id": e.item_id,
            "type": e.type,
            "at": e.at,
            "actor": e.actor,
            "data": dict(e.data),
            "schema_version": e.schema_version,
            "recorded_at": recorded_at,
        }
        for e in batch
    ]
    if len(values) >= _COPY_FROM:
        _APPEND_EVENTS.copy(conn, values)
    else:
        _APPEND_EVENTS.execute(conn, values)


# Below this many events one INSERT is cheaper than COPY's extra round trip.
_COPY_FROM = 50
_ENTER_QUEUE = BatchInsert(routing_repo.queue, [c.name for c in routing_repo.queue.c])
_APPEND_EVENTS = BatchInsert(events, [c.name for c in events.c if c.name != "id"])


def save_state(
    conn: Connection, item: WorkItem, *, expected_version: int, follow_queue: bool = True
) -> bool:
    """Write the item's new state if nobody changed it since `expected_version`.

    The routing queue follows (the item enters it, unranked, or leaves it) unless the
    caller has already taken care of it (`follow_queue=False`: the claim). The queue
    row is written first, the order the claim locks in (queue row, then item), so
    a transition racing a claim waits for it instead of deadlocking; on a version
    conflict the caller's transaction is rolled back, the queue change with it.
    """
    if follow_queue:
        routing_repo.follow(conn, item)
    result = conn.execute(_STATE_UPDATE, _state_values(item, expected_version))
    return result.rowcount == 1


def save_transition(
    conn: Connection,
    item: WorkItem,
    event: Event,
    *,
    expected_version: int,
    recorded_at: datetime,
    follow_queue: bool = True,
) -> bool:
    """`save_state` and `append_events([event])` together: on PostgreSQL one statement
    (the event is inserted only if the state was written), a round trip less for
    every transition."""
    if conn.dialect.name != "postgresql":
        if not save_state(conn, item, expected_version=expected_version, follow_queue=follow_queue):
            return False
        append_events(conn, [event], recorded_at=recorded_at)
        return True
    if follow_queue:
        routing_repo.follow(conn, item)
    found = conn.execute(
        _SAVE_TRANSITION,
        {
            **_state_values(item, expected_version),
            "e_type": event.type,
            "e_at": event.at,
            "e_actor": event.actor,
            "e_data": dict(event.data),
            "e_schema_version": event.schema_version,
            "e_recorded_at": recorded_at,
        },
    ).first()
    return found is not None


def state_fields(item: WorkItem) -> dict[str, Any]:
    """The columns a transition may change, with the item's values: what
    `save_state` writes and what an item inserted already transitioned carries."""
    return {
        "status": item.status.value,
        "area": item.area,
        "tier": item.tier,
        "journey": list(item.journey),
        "assignee": item.assignee,
        "pending_area": item.pending_area,
        "reason": item.reason,
        "outcome": None if item.outcome is None else item.outcome.value,
        "csat": item.csat,
        "updated_at": item.updated_at,
        "version": item.version,
    }


def _state_values(item: WorkItem, expected_version: int) -> dict[str, Any]:
    fields = {f"s_{name}": value for name, value in state_fields(item).items()}
    return {"s_id": item.id, "s_expected": expected_version, **fields}


# The keys of `state_fields`, for the statement built once below.
_STATE_COLUMNS = (
    "status",
    "area",
    "tier",
    "journey",
    "assignee",
    "pending_area",
    "reason",
    "outcome",
    "csat",
    "updated_at",
    "version",
)
# Built once: statement construction cost more than a claim's round trips.
_STATE_UPDATE = (
    update(items)
    .where(items.c.id == bindparam("s_id"), items.c.version == bindparam("s_expected"))
    .values({name: bindparam(f"s_{name}", type_=items.c[name].type) for name in _STATE_COLUMNS})
)
_EVENT_FIELDS = ("type", "at", "actor", "data", "schema_version", "recorded_at")
_SAVED = _STATE_UPDATE.returning(items.c.id).cte("saved")
_SAVE_TRANSITION = (
    insert(events)
    .from_select(
        ["item_id", *_EVENT_FIELDS],
        select(
            _SAVED.c.id,
            *(bindparam(f"e_{name}", type_=events.c[name].type) for name in _EVENT_FIELDS),
        ),
    )
    .add_cte(_SAVED)
    .returning(events.c.id)
)


def _item_select() -> Select[Any]:
    return select(
        items,
        customers.c.external_id.label("customer_external_id"),
        customers.c.name.label("customer_name"),
        customers.c.email.label("customer_email"),
        customers.c.language.label("customer_language"),
        customers.c.segment.label("customer_segment"),
    ).select_from(items.outerjoin(customers, items.c.customer_id == customers.c.id))


def item_columns() -> tuple[Any, ...]:
    """The columns `to_item` reads, for statements that join items (the claim); the
    same objects every call, so statements built on them can be cached."""
    global _ITEM_COLUMNS
    if _ITEM_COLUMNS is None:
        _ITEM_COLUMNS = tuple(_item_select().selected_columns)
    return _ITEM_COLUMNS


_ITEM_COLUMNS: tuple[Any, ...] | None = None


def item_from(base: Any, on: Any) -> Any:
    """`base` joined to items (on `on`) and their customers, as `item_columns` needs."""
    return base.join(items, on).outerjoin(customers, items.c.customer_id == customers.c.id)


def get(conn: Connection, item_id: int) -> WorkItem | None:
    row = conn.execute(_GET, {"item_id": item_id}).one_or_none()
    return None if row is None else _to_item(row)


_GET = _item_select().where(items.c.id == bindparam("item_id"))


def many(conn: Connection, item_ids: Sequence[int]) -> dict[int, WorkItem]:
    """The stored items among `item_ids`, by id."""
    found: dict[int, WorkItem] = {}
    for start in range(0, len(item_ids), _IN_CHUNK):
        chunk = item_ids[start : start + _IN_CHUNK]
        for row in conn.execute(_item_select().where(items.c.id.in_(chunk))):
            found[row.id] = _to_item(row)
    return found


def page(
    conn: Connection,
    flt: ItemFilter,
    *,
    areas: Sequence[str] | None,
    after: int | None,
    limit: int,
    descending: bool = False,
) -> list[WorkItem]:
    """One page of items matching `flt`, ordered by id, starting after id `after`."""
    stmt = _item_select()
    for column, values in (
        (items.c.status, flt.status),
        (items.c.area, flt.area),
        (items.c.tier, flt.tier),
        (items.c.case_type, flt.case_type),
        (items.c.channel, flt.channel),
    ):
        if values:
            stmt = stmt.where(column.in_(values))
    if areas is not None:
        stmt = stmt.where(items.c.area.in_(areas))
    if flt.assignee is not None:
        stmt = stmt.where(items.c.assignee == flt.assignee)
    if flt.customer is not None:
        stmt = stmt.where(customers.c.external_id == flt.customer)
    if flt.created_from is not None:
        stmt = stmt.where(items.c.created_at >= flt.created_from)
    if flt.created_to is not None:
        stmt = stmt.where(items.c.created_at < flt.created_to)
    if after is not None:
        stmt = stmt.where(items.c.id < after if descending else items.c.id > after)
    order = items.c.id.desc() if descending else items.c.id.asc()
    return [_to_item(row) for row in conn.execute(stmt.order_by(order).limit(limit))]


def history(conn: Connection, item_id: int) -> list[Event]:
    """The item's events in the order they happened (ties broken by append order)."""
    return histories(conn, [item_id]).get(item_id, [])


def histories(conn: Connection, item_ids: Sequence[int]) -> dict[int, list[Event]]:
    """Several items' events, each item's in the order they happened."""
    found: dict[int, list[Event]] = {}
    for start in range(0, len(item_ids), _IN_CHUNK):
        rows = conn.execute(_HISTORIES, {"ids": list(item_ids[start : start + _IN_CHUNK])})
        for r in rows:
            found.setdefault(r.item_id, []).append(
                Event(
                    id=r.id,
                    item_id=r.item_id,
                    type=r.type,
                    at=r.at,
                    actor=r.actor,
                    data=r.data,
                    schema_version=r.schema_version,
                )
            )
    return found


_HISTORIES = (
    select(events)
    .where(events.c.item_id.in_(bindparam("ids", expanding=True)))
    .order_by(events.c.item_id, events.c.at, events.c.id)
)


def to_item(row: Row[Any]) -> WorkItem:
    """The item in a row of `item_columns`."""
    return _to_item(row)


def _to_item(row: Row[Any]) -> WorkItem:
    customer = None
    if row.customer_external_id is not None:
        customer = Customer(
            external_id=row.customer_external_id,
            name=row.customer_name,
            email=row.customer_email,
            language=row.customer_language,
            segment=row.customer_segment,
        )
    return WorkItem(
        id=row.id,
        external_ref=row.external_ref,
        channel=Channel(row.channel),
        case_type=row.case_type,
        status=Status(row.status),
        area=row.area,
        tier=row.tier,
        journey=tuple(row.journey),
        assignee=row.assignee,
        pending_area=row.pending_area,
        subject=row.subject,
        description=row.description,
        customer=customer,
        amount=row.amount,
        priority=row.priority,
        reason=row.reason,
        tags=tuple(row.tags),
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        repeat_of=row.repeat_of,
        outcome=None if row.outcome is None else Outcome(row.outcome),
        csat=row.csat,
    )
