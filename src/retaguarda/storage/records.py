"""Tables. Records are mapped explicitly to the domain's plain dataclasses in
`repos/`; nothing outside storage sees them.

Status, channel, role and other codes are stored as strings, not database
enums, so adding a value never needs a type migration on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from retaguarda.storage.types import BigId, Json, Money, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AreaRecord(Base):
    __tablename__ = "areas"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class TierRecord(Base):
    __tablename__ = "tiers"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Position on the ladder, lowest first; rewritten whenever the ladder is applied.
    rank: Mapped[int] = mapped_column(Integer)


class SkillRecord(Base):
    __tablename__ = "skills"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class CaseTypeRecord(Base):
    __tablename__ = "case_types"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(ForeignKey("areas.key"))
    tier: Mapped[str] = mapped_column(ForeignKey("tiers.key"))
    skills: Mapped[list[str]] = mapped_column(Json)
    expected_handling_minutes: Mapped[int | None] = mapped_column(Integer)


class AgentRecord(Base):
    __tablename__ = "agents"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    areas: Mapped[list[str]] = mapped_column(Json)
    tiers: Mapped[list[str]] = mapped_column(Json)
    skills: Mapped[dict[str, int]] = mapped_column(Json)
    capacity: Mapped[int] = mapped_column(Integer)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(Json)


class UserRecord(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str | None] = mapped_column(ForeignKey("agents.key"))
    areas: Mapped[list[str]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # argon2id hash for the web sign-in (None: the user cannot sign in to the web pages).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Preferred language of the web pages (en, pt-BR, es); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(16))


class WebSessionRecord(Base):
    """A signed-in browser: the cookie carries a random secret, stored here hashed."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The synchronizer token every form of this session must send back.
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TokenRecord(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # SHA-256 of the secret: tokens are 256-bit random, so a fast hash is enough.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CustomerRecord(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str | None] = mapped_column(String(16))
    segment: Mapped[str | None] = mapped_column(String(64))


class ItemRecord(Base):
    """Current state of each item, kept in step with its events in one transaction."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    external_ref: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    case_type: Mapped[str] = mapped_column(ForeignKey("case_types.key"))
    status: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(ForeignKey("areas.key"))
    tier: Mapped[str] = mapped_column(ForeignKey("tiers.key"))
    journey: Mapped[list[str]] = mapped_column(Json)
    assignee: Mapped[str | None] = mapped_column(ForeignKey("agents.key"))
    pending_area: Mapped[str | None] = mapped_column(ForeignKey("areas.key"))
    subject: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    priority: Mapped[int] = mapped_column(SmallInteger)
    reason: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Optimistic lock: a transition updates only the version it read.
    version: Mapped[int] = mapped_column(Integer)
    # The earlier item of the same customer this one repeats (repeat contacts).
    repeat_of: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    # How its resolution ended (solved, unfounded, failed); NULL while not resolved or
    # closed, and on items resolved before outcomes were recorded (migration 0008).
    outcome: Mapped[str | None] = mapped_column(String(20))
    # The customer's last satisfaction score, 1-5; csat_recorded events keep every answer.
    csat: Mapped[int | None] = mapped_column(SmallInteger)

    __table_args__ = (
        Index("uq_items_channel_external_ref", "channel", "external_ref", unique=True),
        Index("ix_items_status_area", "status", "area"),
        Index("ix_items_created_at", "created_at"),
        Index("ix_items_customer_id", "customer_id"),
        Index("ix_items_assignee", "assignee"),
        Index("ix_items_repeat_of", "repeat_of"),
    )


class EventRecord(Base):
    """The append-only log: rows are inserted, never updated or deleted."""

    __tablename__ = "item_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    schema_version: Mapped[int] = mapped_column(SmallInteger)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_item_events_item_id_id", "item_id", "id"),
        Index("ix_item_events_at", "at"),
    )


class SlaConfigRecord(Base):
    """Versions of the SLA configuration (calendars, policies, OLAs), never changed.

    Closed items stay measured with the version in force when they closed.
    """

    __tablename__ = "sla_configs"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Names this version's content across databases and emptied tables, so a
    # process may cache the built calendars by it.
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(Json)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(300))


class SlaPendingRecord(Base):
    """Items whose stored clocks are stale: a trigger on item_events marks them."""

    __tablename__ = "sla_pending"
    item_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)


class SlaClockRecord(Base):
    """The clocks as last computed from the log (services.sla_store.refresh): what the
    at-risk and breached lists and the risk sweep read. Derived, rebuildable."""

    __tablename__ = "sla_clocks"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    metric: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str | None] = mapped_column(String(100))
    area: Mapped[str | None] = mapped_column(String(64))
    calendar: Mapped[str] = mapped_column(String(64))
    config_version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When a running clock becomes at risk if nothing happens to its item.
    risk_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(String(10))
    at_risk: Mapped[bool] = mapped_column(Boolean)
    elapsed_s: Mapped[int] = mapped_column(BigInteger)
    remaining_s: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_sla_clocks_item_id", "item_id"),
        Index("ix_sla_clocks_state_due_at", "state", "due_at"),
        Index("ix_sla_clocks_risk_at", "risk_at"),
        # The risk lists' "recomputed after the instant asked about": for "now" none are,
        # and without this index finding none walked every clock.
        Index(
            "ix_sla_clocks_open_computed_at",
            "computed_at",
            postgresql_where=text("stopped_at IS NULL"),
            sqlite_where=text("stopped_at IS NULL"),
        ),
    )


class SlaAlertRecord(Base):
    """One row per clock and alert state recorded (sla_at_risk / sla_breached events):
    the key makes several workers record each change once."""

    __tablename__ = "sla_alerts"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgentEventRecord(Base):
    """The append-only log of what happens to agents (presence changes)."""

    __tablename__ = "agent_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(ForeignKey("agents.key"))
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_agent_events_agent_at", "agent", "at"),)


class AgentPresenceRecord(Base):
    """Each agent's presence now: the last presence event, kept for the claim."""

    __tablename__ = "agent_presence"
    agent: Mapped[str] = mapped_column(ForeignKey("agents.key"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(UtcDateTime)


class SettingRecord(Base):
    """One configuration section outside the catalog and the SLA versions (routing,
    skill rules, escalation, repeat contacts): its document as last applied."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[Any] = mapped_column(Json)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoutingQueueRecord(Base):
    """Items waiting for an agent (new or queued, nobody assigned), with the sort key
    of their area's routing policy: what the next-item claim reads, by index.

    k0, k1, k2 are the policy's key (domain.routing.rank); (2, 0, 0) until ranked,
    which offers unranked rows after every ranked one, oldest first. `stale`: ranked under a
    configuration since changed; the order stands until the worker ranks it again.
    `needs`: skill -> minimum level; {} until ranked (the claim checks those itself).
    """

    __tablename__ = "routing_queue"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(64))
    received: Mapped[datetime] = mapped_column(UtcDateTime)
    needs: Mapped[dict[str, int]] = mapped_column(Json)
    k0: Mapped[int] = mapped_column(SmallInteger)
    k1: Mapped[float] = mapped_column(Float(53))
    k2: Mapped[int] = mapped_column(SmallInteger)
    stale: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (
        Index("ix_routing_queue_order", "area", "k0", "k1", "k2", "received", "item_id"),
        Index(
            "ix_routing_queue_unranked",
            "area",
            postgresql_where=text("k0 = 2 OR stale"),
            sqlite_where=text("k0 = 2 OR stale"),
        ),
    )


def _change_indexes() -> list[Index]:
    """Partial indexes on the spans where a grouping's backlog changes: their starts
    for the `*_in` flags (and `enters`), their ends for the `*_out` flags (and
    `left_to`), the overdue pieces' starts and ends, each item's first span, the
    waits on other areas. On PostgreSQL they include what the reports read, so the
    sweeps are index-only scans."""
    placed = ("item_id", "seq", "area", "tier", "assignee", "case_type", "channel")
    wheres = {
        "enters": ("start_at", "enters", placed),
        "leaves": ("end_at", "left_to IS NOT NULL", placed),
        "area_in": ("start_at", "area_in", placed),
        "area_out": ("end_at", "area_out", placed),
        "tier_in": ("start_at", "tier_in", (*placed, "prior_tier", "prior_area")),
        "tier_out": ("end_at", "tier_out", placed),
        "assignee_in": ("start_at", "assignee_in", placed),
        "assignee_out": ("end_at", "assignee_out", placed),
        "overdue_from": ("overdue_from", "overdue_from IS NOT NULL", ("area",)),
        "overdue_to": ("end_at", "overdue_from IS NOT NULL", ("area",)),
        "off_hours": ("overdue_from", "overdue_off_hours", ()),
        "first": ("received_at", "seq = 0", ("area", "tier", "assignee", "case_type", "channel")),
        "waits": ("end_at", "status = 'pending_area'", ("start_at", "pending_area", "area")),
        "work": ("start_at", "status = 'in_progress'", ("end_at", "assignee", "item_id")),
    }
    return [
        Index(
            f"ix_item_spans_{name}",
            column,
            postgresql_where=text(where),
            postgresql_include=list(include),
            sqlite_where=text(where),
        )
        for name, (column, where, include) in wheres.items()
    ]


class ItemSpanRecord(Base):
    """Each item's open states over time: one row per interval of constant status,
    area, tier, assignee and pending area while the item is open (new .. pending_*),
    [start_at, end_at), end_at NULL while it lasts. Derived from the log for marked
    items (services.sla_store.refresh), with the resolution clock's marks valid
    inside the span (domain.sla.marks): what the backlog at any instant reads.
    """

    __tablename__ = "item_spans"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    pending_area: Mapped[str | None] = mapped_column(String(64))
    # The item became open at start_at (created, reopened); the status it left the
    # open ones for at end_at (resolved, cancelled), NULL while it stays open.
    enters: Mapped[bool] = mapped_column(Boolean)
    left_to: Mapped[str | None] = mapped_column(String(20))
    # The resolution clock's calendar; NULL when the item has no resolution clock.
    calendar: Mapped[str | None] = mapped_column(String(64))
    # Overdue at t in the span iff t > overdue_after (NULL: not overdue in the span)
    # and, when overdue_off_hours, t is also outside the calendar's working time.
    overdue_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_off_hours: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # From these instants on (inside the span) half / three quarters of the target
    # is used; NULL: not inside the span.
    half_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    three_quarters_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The first instant of the span at which the item is past `overdue_after` (the
    # start, or a microsecond after `overdue_after`); NULL: never inside the span.
    overdue_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The item's receipt and the facts that never change, copied so the backlog at
    # an instant reads the spans alone.
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    case_type: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    # Where the item's place in a grouping starts and ends: `<field>_in` when the span
    # enters the backlog or its field differs from the span before, `<field>_out` when
    # it leaves the backlog at its end or the span after differs. The backlog by that
    # field changes only at these spans' starts and ends (the flow's period ends).
    # The tier and area of the item's previous open span (NULL for its first): a
    # change of tier between them is an escalation (or a move down).
    prior_tier: Mapped[str | None] = mapped_column(String(64))
    prior_area: Mapped[str | None] = mapped_column(String(64))
    area_in: Mapped[bool] = mapped_column(Boolean, server_default=false())
    area_out: Mapped[bool] = mapped_column(Boolean, server_default=false())
    tier_in: Mapped[bool] = mapped_column(Boolean, server_default=false())
    tier_out: Mapped[bool] = mapped_column(Boolean, server_default=false())
    assignee_in: Mapped[bool] = mapped_column(Boolean, server_default=false())
    assignee_out: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (
        Index("ix_item_spans_start_at", "start_at"),
        Index("ix_item_spans_end_at", "end_at"),
        *_change_indexes(),
        # "Which spans contain instant t", without reading the spans before or after it.
        Index(
            "ix_item_spans_during",
            text("tstzrange(start_at, end_at, '[)')"),
            postgresql_using="gist",
        ).ddl_if(dialect="postgresql"),
    )


class AgentAbsenceRecord(Base):
    """Absences of agents known in advance (vacation, training, appointments):
    [start_at, end_at). Scheduled time not covered by one is unplanned absence."""

    __tablename__ = "agent_absences"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agent: Mapped[str] = mapped_column(ForeignKey("agents.key"))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    planned: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (Index("ix_agent_absences_agent_start_at", "agent", "start_at"),)


class ItemResolutionRecord(Base):
    """One row per `resolved` event, with the item's area, tier, assignee, reason and
    outcome then: what outflow, compliance by resolution date and the Pareto of
    reasons read. Derived from the log with the spans (services.sla_store.refresh)."""

    __tablename__ = "item_resolutions"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    area: Mapped[str] = mapped_column(String(64))
    tier: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    entry_tier: Mapped[str] = mapped_column(String(64))
    # Seconds in progress since the item's previous resolution (or receipt).
    handling_s: Mapped[float] = mapped_column(Float(53))
    # The resolution clock's calendar and business seconds from receipt to `at`.
    calendar: Mapped[str | None] = mapped_column(String(64))
    business_s: Mapped[int | None] = mapped_column(BigInteger)
    # The item was open again after this resolution (reopened, or escalated).
    reopened: Mapped[bool] = mapped_column(Boolean)
    # The item's facts that never change, copied so outflow by them reads this alone.
    case_type: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        Index(
            "ix_item_resolutions_at",
            "at",
            postgresql_include=["area", "tier", "assignee", "case_type", "channel"],
        ),
    )


def table_of(record: type[Base]) -> Table:
    """The Core table behind a record class, typed as such for statement builders."""
    return cast(Table, record.__table__)
