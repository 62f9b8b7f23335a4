"""The routing queue: items waiting for an agent, in their area policy's order.

Membership follows the item: `item.save_state` and `item.insert_new_items` put an
item in (new or queued, nobody assigned) or take it out, in the same transaction,
so no write path can leave it wrong. Rows enter unranked; `set_ranks` writes the
policy's key (services.routing ranks them). The claim reads by the index
`(area, k0, k1, k2, received, item_id)`: docs/routing.md shows the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Row,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)

from retaguarda.domain.item.model import Status, WorkItem
from retaguarda.storage.dialect import among
from retaguarda.storage.dialect import insert as dialect_insert
from retaguarda.storage.records import (
    AgentPresenceRecord,
    AgentRecord,
    CaseTypeRecord,
    CustomerRecord,
    ItemRecord,
    RoutingQueueRecord,
    SlaConfigRecord,
    table_of,
)

queue = table_of(RoutingQueueRecord)
items = table_of(ItemRecord)
agents = table_of(AgentRecord)
presence = table_of(AgentPresenceRecord)
case_types = table_of(CaseTypeRecord)
customers = table_of(CustomerRecord)
sla_configs = table_of(SlaConfigRecord)

WAITING = (Status.NEW, Status.QUEUED)
UNRANKED = {"k0": 2, "k1": 0.0, "k2": 0}


def waiting(item: WorkItem) -> bool:
    """Whether the item waits for an agent (and so belongs in the queue)."""
    return item.status in WAITING and item.assignee is None


def enter(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Put items in the queue, unranked (rows: item_id, area, tier, received).

    An item already there is reset to unranked with its new area and tier.
    """
    if not rows:
        return
    values = [{**row, **UNRANKED, "needs": {}, "stale": False} for row in rows]
    stmt = dialect_insert(conn, queue)
    stmt = stmt.on_conflict_do_update(
        index_elements=[queue.c.item_id],
        set_={
            name: stmt.excluded[name]
            for name in ("area", "tier", "received", "needs", "k0", "k1", "k2", "stale")
        },
    )
    conn.execute(stmt, values)


def leave(conn: Connection, item_ids: Sequence[int]) -> None:
    if item_ids:
        conn.execute(delete(queue).where(queue.c.item_id.in_(item_ids)))


def follow(conn: Connection, item: WorkItem) -> None:
    """Keep the queue in step with one item's new state."""
    if waiting(item):
        enter(
            conn,
            [
                {
                    "item_id": item.id,
                    "area": item.area,
                    "tier": item.tier,
                    "received": item.created_at,
                }
            ],
        )
    else:
        leave(conn, [item.id])


def analyze(conn: Connection) -> None:
    """Refresh the planner's statistics of the queue (PostgreSQL; nothing on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE routing_queue"))


def mark_stale(conn: Connection) -> int:
    """Every ranked row must be ranked again (the configuration changed)."""
    result = conn.execute(
        update(queue)
        .where(queue.c.k0 != UNRANKED["k0"], queue.c.stale.is_(False))
        .values(stale=True)
    )
    return result.rowcount


def to_rank(conn: Connection, *, limit: int, areas: Sequence[str] | None = None) -> list[int]:
    """Up to `limit` unranked or stale rows, locked (rows others hold are skipped)."""
    stmt = select(queue.c.item_id).where((queue.c.k0 == UNRANKED["k0"]) | queue.c.stale)
    if areas is not None:
        stmt = stmt.where(queue.c.area.in_(areas))
    stmt = stmt.limit(limit).with_for_update(skip_locked=True)
    return list(conn.execute(stmt).scalars())


def count_to_rank(conn: Connection) -> int:
    return conn.execute(
        select(func.count()).where((queue.c.k0 == UNRANKED["k0"]) | queue.c.stale)
    ).scalar_one()


def rank_inputs(conn: Connection, item_ids: Sequence[int]) -> list[Row[Any]]:
    """What ranking reads of the queued items among `item_ids` (others are left out)."""
    return list(
        conn.execute(
            select(
                items.c.id,
                items.c.area,
                items.c.case_type,
                items.c.channel,
                items.c.amount,
                items.c.priority,
                items.c.created_at,
            )
            .select_from(queue.join(items, items.c.id == queue.c.item_id))
            .where(among(conn, queue.c.item_id, item_ids))
        )
    )


def set_ranks(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write keys and needs (rows: item_id, k0, k1, k2, needs); clears `stale`."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        # One statement for the batch: the rows as one JSON document.
        doc = orjson.dumps(list(rows)).decode()
        conn.execute(
            text(
                "UPDATE routing_queue AS q SET k0 = v.k0, k1 = v.k1, k2 = v.k2, "
                "needs = v.needs, stale = false "
                "FROM jsonb_to_recordset(CAST(:doc AS jsonb)) "
                "AS v(item_id bigint, k0 smallint, k1 double precision, k2 smallint, needs jsonb) "
                "WHERE q.item_id = v.item_id"
            ),
            {"doc": doc},
        )
        return
    conn.execute(
        update(queue)
        .where(queue.c.item_id == bindparam("id_"))
        .values(
            k0=bindparam("k0"),
            k1=bindparam("k1"),
            k2=bindparam("k2"),
            needs=bindparam("needs"),
            stale=False,
        ),
        [{"id_": r["item_id"], **{k: r[k] for k in ("k0", "k1", "k2", "needs")}} for r in rows],
    )


def _needs_met(dialect: str) -> Any:
    """SQL: the row's needs are met by the agent's skills (`:skills`, a JSON object).
    Unranked rows, whose needs are not known yet and stored as {}, pass: the claim
    checks them itself."""
    if dialect == "postgresql":
        return text(
            "NOT EXISTS (SELECT 1 FROM jsonb_each_text(routing_queue.needs) AS n "
            "WHERE CAST(n.value AS integer) > "
            "COALESCE(CAST(CAST(:skills AS jsonb) ->> n.key AS integer), 0))"
        )
    return text(
        "NOT EXISTS (SELECT 1 FROM json_each(routing_queue.needs) AS n "
        "WHERE n.value > COALESCE(json_extract(:skills, '$.\"' || n.key || '\"'), 0))"
    )


def take(
    conn: Connection,
    *,
    area: str,
    tiers: Sequence[str],
    skills: Mapping[str, int],
    skip: Sequence[int] = (),
    columns: Sequence[Any] = (),
    joined: Callable[[Any, Any], Any] | None = None,
) -> Row[Any] | None:
    """Take the first row of `area`'s queue the agent may take off the queue; rows
    another transaction holds are skipped (FOR UPDATE SKIP LOCKED; SQLite is
    serialized). The caller assigns the item, or puts it back (`enter`).

    Returns the row's item_id, k0 (2: unranked) and stale, the item's case type's
    `handling` minutes and the `sla_uid` of the SLA version in force (which the
    answer's clocks need), then `columns` from `joined(row, items.id == row.item_id)`.
    """
    dialect = conn.dialect.name
    key = (dialect, bool(skip), tuple(id(c) for c in columns), id(joined))
    if key not in _TAKE:
        _TAKE[key] = _take_statements(dialect, bool(skip), columns, joined)
    head, with_item = _TAKE[key]
    params: dict[str, Any] = {
        "area": area,
        "tiers": list(tiers),
        "skills": orjson.dumps(dict(skills)).decode(),
    }
    if skip:
        params["skip"] = list(skip)
    if head is None:  # PostgreSQL: one statement
        return conn.execute(with_item, params).one_or_none()
    found = conn.execute(head, params).one_or_none()
    if found is None:
        return None
    leave(conn, [found.item_id])
    return conn.execute(
        with_item, {"item_id": found.item_id, "k0": found.k0, "stale": found.stale}
    ).one_or_none()


# Built once per shape: building these statements cost more than running them.
_TAKE: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _take_statements(
    dialect: str, skip: bool, columns: Sequence[Any], joined: Callable[[Any, Any], Any] | None
) -> tuple[Any, Any]:
    # The queue alone first: a one-table ORDER BY ... LIMIT 1 is read down the index
    # (joined to items, a freshly loaded table without statistics was planned as a
    # sort of the whole area: 70 ms instead of 0.1; docs/routing.md).
    head = (
        select(queue.c.item_id, queue.c.k0, queue.c.stale)
        .where(
            queue.c.area == bindparam("area"),
            queue.c.tier.in_(bindparam("tiers", expanding=True)),
            _needs_met(dialect),
        )
        .order_by(queue.c.k0, queue.c.k1, queue.c.k2, queue.c.received, queue.c.item_id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip:
        head = head.where(queue.c.item_id.not_in(bindparam("skip", expanding=True)))
    if dialect == "postgresql":
        # Taken off the queue in the same statement: one round trip less a claim.
        first = head.cte("head")
        taken: Any = (
            delete(queue)
            .where(queue.c.item_id == first.c.item_id)
            .returning(queue.c.item_id, queue.c.k0, queue.c.stale)
            .cte("taken")
        )
        base = (taken.c.item_id, taken.c.k0, taken.c.stale)
    else:
        taken = None
        base = (
            bindparam("item_id").label("item_id"),
            bindparam("k0").label("k0"),
            bindparam("stale").label("stale"),
        )
    latest_sla = (
        select(sla_configs.c.uid).order_by(sla_configs.c.version.desc()).limit(1).scalar_subquery()
    )
    extra = (case_types.c.expected_handling_minutes.label("handling"), latest_sla.label("sla_uid"))
    if taken is not None:
        source = (
            joined(taken, items.c.id == taken.c.item_id)
            if joined
            else taken.join(items, items.c.id == taken.c.item_id)
        )
        with_item = select(*base, *extra, *columns).select_from(
            source.join(case_types, case_types.c.key == items.c.case_type)
        )
        return None, with_item
    # SQLite: the row read by id (the columns are items' and customers').
    source = items.outerjoin(customers, items.c.customer_id == customers.c.id)
    by_id = (
        select(*base, *extra, *columns)
        .select_from(source.join(case_types, case_types.c.key == items.c.case_type))
        .where(items.c.id == bindparam("item_id"))
    )
    return head, by_id


def agent_state(conn: Connection, key: str) -> Row[Any] | None:
    """The agent's row with their presence (`presence`, None if never set) and load
    (`load`: items assigned or in progress), in one statement. The agent's row is
    locked (FOR NO KEY UPDATE, which leaves foreign-key checks alone) so claims for
    one agent run one at a time and cannot both pass the capacity check."""
    return conn.execute(_AGENT_STATE, {"key": key}).one_or_none()


_LOAD = (
    select(func.count())
    .select_from(items)
    .where(
        items.c.assignee == agents.c.key,
        items.c.status.in_([Status.ASSIGNED.value, Status.IN_PROGRESS.value]),
    )
    .scalar_subquery()
)
_AGENT_STATE = (
    select(agents, presence.c.status.label("presence"), _LOAD.label("load"))
    .select_from(agents.outerjoin(presence, presence.c.agent == agents.c.key))
    .where(agents.c.key == bindparam("key"))
    .with_for_update(of=agents, key_share=True)
)


def queued_count(conn: Connection, areas: Sequence[str] | None = None) -> int:
    stmt = select(func.count()).select_from(queue)
    if areas is not None:
        stmt = stmt.where(queue.c.area.in_(areas))
    return conn.execute(stmt).scalar_one()
