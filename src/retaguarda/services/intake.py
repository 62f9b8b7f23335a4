"""Intake: idempotent creation of items by (channel, external_ref), single or bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError
from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.errors import DomainError, Forbidden, InvalidInput
from retaguarda.domain.item import escalation, repeat, replay
from retaguarda.domain.item.escalation import Rule
from retaguarda.domain.item.events import Event, created_event
from retaguarda.domain.item.model import (
    PRIORITY_DEFAULT,
    PRIORITY_MAX,
    PRIORITY_MIN,
    Channel,
    Customer,
    ItemDraft,
    WorkItem,
)
from retaguarda.domain.sla.clock import Measured, measure
from retaguarda.domain.types import require_aware
from retaguarda.services import escalation as escalation_service
from retaguarda.services import repeat as repeat_service
from retaguarda.services import sla as sla_service
from retaguarda.storage.repos import item as item_repo


def _to_cents(value: Decimal) -> Decimal:
    # NUMERIC(18, 2) on PostgreSQL pads 10.5 to 10.50 and SQLite keeps the text;
    # one form for both, and for the answer to the create itself.
    return value.quantize(CENT)


CENT = Decimal("0.01")


def _refuse_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text or JSON; refuse it here, per field,
    # rather than fail the whole batch in the database. The one check for every
    # way in: REST bodies, CSV cells and JSON lines all become an ItemInput.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain the NUL character (U+0000)")
    return value


# The NUL check goes after the string constraints: a validator wrapped inside
# further constraints would hide them from pydantic.
NoNul = AfterValidator(_refuse_nul)
Str = Annotated[str, NoNul]
EMAIL = r"^[^@\s]+@[^@\s]+$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), NoNul]


class CustomerInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
    ]
    name: Annotated[str, StringConstraints(max_length=300), NoNul] | None = None
    email: Annotated[str, StringConstraints(max_length=320, pattern=EMAIL), NoNul] | None = None
    language: Annotated[str, StringConstraints(max_length=16), NoNul] | None = None
    segment: Annotated[str, StringConstraints(max_length=64), NoNul] | None = None


class ItemInput(BaseModel):
    """An item as an integrator sends it (REST body, CSV row or JSON line)."""

    model_config = ConfigDict(extra="forbid")

    external_ref: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoNul
    ]
    channel: Channel
    case_type: Text
    subject: Annotated[str, StringConstraints(max_length=500), NoNul] | None = None
    description: Str | None = None
    customer: CustomerInput | None = None
    amount: (
        Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2), AfterValidator(_to_cents)]
        | None
    ) = None
    priority: Annotated[int, Field(ge=PRIORITY_MIN, le=PRIORITY_MAX)] = PRIORITY_DEFAULT
    area: Text | None = None
    tier: Text | None = None
    reason: Annotated[str, StringConstraints(max_length=100), NoNul] | None = None
    tags: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NoNul]
    ] = Field(default_factory=list)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """What happened to one input: `created`, `existing` or `error`."""

    index: int
    status: Literal["created", "existing", "error"]
    item_id: int | None = None
    error: DomainError | None = None
    item: WorkItem | None = None  # the new item, when asked for with `with_items`
    event: Event | None = None  # and its `created` event
    clocks: Measured | None = None  # and its SLA clocks as of its creation


def _draft(
    data: ItemInput,
    vocabulary: item_repo.IntakeVocabulary,
    *,
    principal: access.Principal,
    now: datetime,
    rules: Sequence[Rule] = (),
) -> ItemDraft:
    """Check one input against the catalog and the caller's rights; build its draft.

    The tier is the input's, else the highest an `enter_at` escalation rule gives,
    else the case type's.
    """
    route = vocabulary.routes.get(data.case_type)
    if route is None:
        raise InvalidInput("case_type", f"unknown case type {data.case_type!r}")
    area = data.area or route[0]
    if area not in vocabulary.areas:
        raise InvalidInput("area", f"unknown area {area!r}")
    tier = data.tier or _entry_tier(data, rules, vocabulary.ladder) or route[1]
    if tier not in vocabulary.tiers:
        raise InvalidInput("tier", f"unknown tier {tier!r}")
    access.require_area(principal, area)
    created_at = now
    if data.created_at is not None:
        if not principal.may_backdate:
            raise Forbidden(
                "only admin and integration users may set created_at", field="created_at"
            )
        created_at = require_aware(data.created_at, field="created_at")
        if created_at > now:
            raise InvalidInput("created_at", "is in the future")
    customer = None
    if (c := data.customer) is not None:
        customer = Customer(
            external_id=c.external_id,
            name=c.name,
            email=c.email,
            language=c.language,
            segment=c.segment,
        )
    return ItemDraft(
        external_ref=data.external_ref,
        channel=data.channel,
        case_type=data.case_type,
        area=area,
        tier=tier,
        created_at=created_at,
        subject=data.subject,
        description=data.description,
        customer=customer,
        amount=data.amount,
        priority=data.priority,
        reason=data.reason,
        tags=tuple(data.tags),
    )


def _entry_tier(data: ItemInput, rules: Sequence[Rule], ladder: Sequence[str]) -> str | None:
    return escalation.entry_tier(rules, data, ladder) if rules else None


def intake(
    conn: Connection,
    inputs: Sequence[ItemInput | DomainError],
    *,
    principal: access.Principal,
    now: datetime,
    with_items: bool = False,
) -> list[IntakeResult]:
    """Create the items not yet known; report each input in order.

    Inputs that already failed to parse may be passed as their error so that
    the results keep the caller's numbering. One bad input never stops the
    others; an input repeating an earlier one in the same batch is `existing`.
    With `with_items`, each `created` result carries the new item exactly as a
    read would return it, built from its `created` event (no read back).
    """
    # Only the few catalog keys intake checks, in one round trip: a single
    # create used to spend six queries (a third of its time) reading the whole
    # catalog. Read inside the transaction, so a config change is seen at once.
    vocabulary = item_repo.intake_vocabulary(conn)
    rules = escalation.from_document(vocabulary.settings.get(escalation.ESCALATION))
    repeats = repeat.from_document(vocabulary.settings.get(repeat.REPEAT_CONTACTS))
    results: list[IntakeResult | None] = [None] * len(inputs)
    drafts: dict[tuple[str, str], ItemDraft] = {}
    wanted: list[tuple[int, tuple[str, str]]] = []
    for index, data in enumerate(inputs):
        if isinstance(data, DomainError):
            results[index] = IntakeResult(index, "error", error=data)
            continue
        try:
            draft = _draft(data, vocabulary, principal=principal, now=now, rules=rules)
        except DomainError as error:
            results[index] = IntakeResult(index, "error", error=error)
            continue
        key = (draft.channel.value, draft.external_ref)
        drafts.setdefault(key, draft)
        wanted.append((index, key))

    # A stable order for rows and customers keeps two concurrent bulk intakes
    # from locking the same keys in opposite orders (a deadlock on PostgreSQL).
    ordered = [drafts[key] for key in sorted(drafts)]
    customers = item_repo.upsert_customers(
        conn, sorted((d.customer for d in ordered if d.customer), key=lambda c: c.external_id)
    )
    earlier = repeat_service.earlier_contacts(conn, repeats, ordered, customers)
    escalated = escalation_service.at_intake(rules, ordered, ladder=vocabulary.ladder)
    created = item_repo.insert_new_items(
        conn, ordered, customers, {key: state for key, (state, _) in escalated.items()}
    )
    links = _link_repeats(conn, repeats, created, drafts, wanted, customers, earlier)
    logs = _new_logs(created, drafts, escalated, links, actor=principal.name)
    # Every `created` event before any other, so each item's log starts with it.
    firsts = [log[0] for log in logs.values()]
    item_repo.append_events(
        conn, firsts + [e for log in logs.values() for e in log[1:]], recorded_at=now
    )
    existing = item_repo.ids_by_ref(conn, [key for key in drafts if key not in created])
    first_seen: set[tuple[str, str]] = set()
    for index, key in wanted:
        if key in created and key not in first_seen:
            item = None
            if with_items:
                item = _new_item(created[key], logs[key], drafts[key], customers)
            event = logs[key][0] if with_items else None
            clocks = None
            if event is not None:
                config = sla_service.config_in_force(conn, vocabulary.sla_uid)
                clocks = measure(
                    logs[key],
                    [config] if config else [],
                    at=now,
                    expected_handling_minutes=vocabulary.handling,
                )
            results[index] = IntakeResult(
                index, "created", created[key], item=item, event=event, clocks=clocks
            )
        else:
            results[index] = IntakeResult(index, "existing", created.get(key) or existing[key])
        first_seen.add(key)
    return [r for r in results if r is not None]


def _link_repeats(
    conn: Connection,
    repeats: repeat.RepeatContacts,
    created: dict[tuple[str, str], int],
    drafts: dict[tuple[str, str], ItemDraft],
    wanted: list[tuple[int, tuple[str, str]]],
    customers: item_repo.StoredCustomers,
    earlier: Sequence[repeat.Contact[int]],
) -> dict[int, int]:
    if not repeats.enabled:
        return {}
    # The new items in the caller's order: of two received at one instant, the
    # first listed is the earlier contact.
    keys = dict.fromkeys(key for _, key in wanted)
    batch = [(created[key], drafts[key]) for key in keys if key in created]
    return repeat_service.link_new(conn, repeats, batch, customers, earlier)


def _new_logs(
    created: dict[tuple[str, str], int],
    drafts: dict[tuple[str, str], ItemDraft],
    escalated: dict[tuple[str, str], tuple[WorkItem, Event]],
    links: dict[int, int],
    *,
    actor: str,
) -> dict[tuple[str, str], list[Event]]:
    """Each new item's first events: `created` (naming the item it repeats, if any),
    then `escalated` when a rule escalated it on receipt."""
    logs = {}
    for key, id_ in created.items():
        draft = drafts[key]
        if id_ in links:
            draft = replace(draft, repeat_of=links[id_])
        log = [replace(created_event(draft, actor=actor), item_id=id_)]
        if key in escalated:
            log.append(replace(escalated[key][1], item_id=id_))
        logs[key] = log
    return logs


def _new_item(
    item_id: int, log: list[Event], draft: ItemDraft, customers: item_repo.StoredCustomers
) -> WorkItem:
    # The row shows the customer's stored details, which an earlier item may
    # have completed; the upsert returned them.
    item = replay.fold(item_id, log)
    if draft.customer is None:
        return item
    return replace(item, customer=customers[draft.customer.external_id][1])
