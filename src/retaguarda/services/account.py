"""API tokens: issue, authenticate, list, revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import User
from retaguarda.domain.errors import InvalidInput, NotFound, Unauthenticated
from retaguarda.storage.repos import account as account_repo
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos.account import TokenInfo

TOKEN_PREFIX = "rtg_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    secret: str
    prefix: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(conn: Connection, *, user: str, label: str | None, now: datetime) -> IssuedToken:
    """Issue a new token for `user`; the secret is returned once and stored only hashed."""
    user_id = account_repo.user_id(conn, user)
    if user_id is None:
        raise NotFound(f"no user named {user!r}", field="user")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    prefix = secret[: len(TOKEN_PREFIX) + 8]
    token_id = account_repo.add_token(
        conn, user_id=user_id, token_hash=hash_token(secret), prefix=prefix, label=label, now=now
    )
    return IssuedToken(token_id, secret, prefix)


def authenticate(conn: Connection, secret: str) -> Principal:
    """The user a bearer token belongs to, or Unauthenticated."""
    principal = account_repo.principal_by_token_hash(conn, hash_token(secret))
    if principal is None:
        raise Unauthenticated("invalid or revoked token")
    return principal


def list_tokens(conn: Connection, *, user: str | None = None) -> list[TokenInfo]:
    """List tokens (never their secrets), optionally of one user."""
    return account_repo.list_tokens(conn, user=user)


def revoke_token(conn: Connection, *, ident: str, now: datetime) -> int:
    """Revoke the live token whose id or printed prefix is `ident`."""
    if ident.isdigit():
        count = account_repo.revoke(conn, token_id=int(ident), prefix=None, now=now)
    elif ident.startswith(TOKEN_PREFIX):
        count = account_repo.revoke(conn, token_id=None, prefix=ident, now=now)
    else:
        raise InvalidInput("token", f"{ident!r} is neither a token id nor a token prefix (rtg_…)")
    if count == 0:
        raise NotFound(f"no live token {ident!r}", field="token")
    return count


def list_users(conn: Connection) -> list[User]:
    """List the configured users, by name."""
    return list(catalog_repo.load(conn).users)


def principal_of(conn: Connection, name: str) -> Principal:
    """Act as the configured user `name` (for trusted local callers such as the CLI)."""
    for user in list_users(conn):
        if user.name == name:
            return Principal(name=user.name, role=user.role, agent=user.agent, areas=user.areas)
    raise NotFound(f"no user named {name!r}", field="user")
