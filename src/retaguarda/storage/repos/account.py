"""Users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, update

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.storage.records import TokenRecord, UserRecord, table_of

users = table_of(UserRecord)
tokens = table_of(TokenRecord)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user: str
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def user_id(conn: Connection, name: str) -> int | None:
    return conn.scalar(select(users.c.id).where(users.c.name == name))


# Built once: this runs on every API request, and building it cost ~0.1 ms.
_PRINCIPAL_BY_TOKEN = (
    select(users.c.name, users.c.role, users.c.agent, users.c.areas)
    .join(tokens, tokens.c.user_id == users.c.id)
    .where(tokens.c.token_hash == bindparam("token_hash"), tokens.c.revoked_at.is_(None))
)


def principal_by_token_hash(conn: Connection, token_hash: str) -> Principal | None:
    """The user behind a live (not revoked) token."""
    row = conn.execute(_PRINCIPAL_BY_TOKEN, {"token_hash": token_hash}).one_or_none()
    if row is None:
        return None
    return Principal(name=row.name, role=Role(row.role), agent=row.agent, areas=tuple(row.areas))


def add_token(
    conn: Connection,
    *,
    user_id: int,
    token_hash: str,
    prefix: str,
    label: str | None,
    now: datetime,
) -> int:
    return int(
        conn.execute(
            tokens.insert()
            .values(
                user_id=user_id, token_hash=token_hash, prefix=prefix, label=label, created_at=now
            )
            .returning(tokens.c.id)
        ).scalar_one()
    )


def list_tokens(conn: Connection, *, user: str | None = None) -> list[TokenInfo]:
    stmt = select(
        tokens.c.id,
        users.c.name,
        tokens.c.prefix,
        tokens.c.label,
        tokens.c.created_at,
        tokens.c.revoked_at,
    ).join(users, users.c.id == tokens.c.user_id)
    if user is not None:
        stmt = stmt.where(users.c.name == user)
    return [TokenInfo(*row) for row in conn.execute(stmt.order_by(tokens.c.id))]


def revoke(conn: Connection, *, token_id: int | None, prefix: str | None, now: datetime) -> int:
    """Revoke live tokens by id or by their printed prefix; return how many."""
    stmt = update(tokens).where(tokens.c.revoked_at.is_(None)).values(revoked_at=now)
    if token_id is not None:
        stmt = stmt.where(tokens.c.id == token_id)
    if prefix is not None:
        stmt = stmt.where(tokens.c.prefix == prefix)
    return conn.execute(stmt).rowcount
