"""The configured catalog: areas, tiers, skills, case types, agents, users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from retaguarda.domain.catalog import Agent, Area, CaseType, Catalog, Role, User
from retaguarda.storage.dialect import insert
from retaguarda.storage.records import (
    AgentRecord,
    AreaRecord,
    CaseTypeRecord,
    SkillRecord,
    TierRecord,
    UserRecord,
    table_of,
)

areas = table_of(AreaRecord)
tiers = table_of(TierRecord)
skills = table_of(SkillRecord)
case_types = table_of(CaseTypeRecord)
agents = table_of(AgentRecord)
users = table_of(UserRecord)


def load(conn: Connection) -> Catalog:
    """The whole catalog, in a stable order (ladder order for tiers, keys otherwise)."""
    return Catalog(
        areas=tuple(Area(r.key, r.name) for r in conn.execute(select(areas).order_by(areas.c.key))),
        tiers=ladder(conn),
        skills=tuple(conn.scalars(select(skills.c.key).order_by(skills.c.key))),
        case_types=tuple(
            CaseType(
                key=r.key,
                name=r.name,
                area=r.area,
                tier=r.tier,
                skills=tuple(r.skills),
                expected_handling_minutes=r.expected_handling_minutes,
            )
            for r in conn.execute(select(case_types).order_by(case_types.c.key))
        ),
        agents=tuple(
            Agent(
                key=r.key,
                name=r.name,
                areas=tuple(r.areas),
                tiers=tuple(r.tiers),
                skills=dict(r.skills),
                capacity=r.capacity,
                schedule=r.schedule,
            )
            for r in conn.execute(select(agents).order_by(agents.c.key))
        ),
        users=tuple(
            User(name=r.name, role=Role(r.role), agent=r.agent, areas=tuple(r.areas))
            for r in conn.execute(select(users).order_by(users.c.name))
        ),
    )


def ladder(conn: Connection) -> tuple[str, ...]:
    """The tier keys, lowest first."""
    return tuple(conn.scalars(select(tiers.c.key).order_by(tiers.c.rank)))


def handling_minutes(conn: Connection) -> dict[str, int | None]:
    """Each case type's expected handling time in minutes (None: not given)."""
    rows = conn.execute(select(case_types.c.key, case_types.c.expected_handling_minutes))
    return {row.key: row.expected_handling_minutes for row in rows}


def case_type_skills(conn: Connection) -> dict[str, tuple[str, ...]]:
    """Each case type's required skills (at level 1; rules may raise them)."""
    rows = conn.execute(select(case_types.c.key, case_types.c.skills))
    return {row.key: tuple(row.skills) for row in rows}


def has_area(conn: Connection, key: str) -> bool:
    return conn.scalar(select(areas.c.key).where(areas.c.key == key)) is not None


def agent(conn: Connection, key: str) -> Agent | None:
    row = conn.execute(select(agents).where(agents.c.key == key)).one_or_none()
    return None if row is None else to_agent(row)


def to_agent(row: Any) -> Agent:
    """An agent from a row holding the agents table's columns."""
    return Agent(
        key=row.key,
        name=row.name,
        areas=tuple(row.areas),
        tiers=tuple(row.tiers),
        skills=dict(row.skills),
        capacity=row.capacity,
        schedule=row.schedule,
    )


def has_agent(conn: Connection, key: str) -> bool:
    return conn.scalar(select(agents.c.key).where(agents.c.key == key)) is not None


def save(conn: Connection, catalog: Catalog, *, now: datetime) -> None:
    """Create or update every entry of `catalog` (entries not named are kept).

    Written parents first so foreign keys hold at every statement.
    """
    for area in catalog.areas:
        _upsert(conn, areas, "key", {"key": area.key, "name": area.name})
    if catalog.tiers:
        for rank, key in enumerate(catalog.tiers):
            _upsert(conn, tiers, "key", {"key": key, "rank": rank})
    for skill in catalog.skills:
        stmt = insert(conn, skills).on_conflict_do_nothing(index_elements=["key"])
        conn.execute(stmt, {"key": skill})
    for ct in catalog.case_types:
        _upsert(
            conn,
            case_types,
            "key",
            {
                "key": ct.key,
                "name": ct.name,
                "area": ct.area,
                "tier": ct.tier,
                "skills": list(ct.skills),
                "expected_handling_minutes": ct.expected_handling_minutes,
            },
        )
    for agent in catalog.agents:
        _upsert(
            conn,
            agents,
            "key",
            {
                "key": agent.key,
                "name": agent.name,
                "areas": list(agent.areas),
                "tiers": list(agent.tiers),
                "skills": dict(agent.skills),
                "capacity": agent.capacity,
                "schedule": None if agent.schedule is None else dict(agent.schedule),
            },
        )
    for user in catalog.users:
        values = {
            "name": user.name,
            "role": user.role.value,
            "agent": user.agent,
            "areas": list(user.areas),
        }
        stmt = insert(conn, users).values(**values, created_at=now)
        conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


def _upsert(conn: Connection, table: Table, key: str, values: dict[str, object]) -> None:
    stmt = insert(conn, table).values(**values)
    set_ = {k: v for k, v in values.items() if k != key}
    conn.execute(stmt.on_conflict_do_update(index_elements=[key], set_=set_))
