"""API tokens (issue, authenticate, list, revoke), passwords and web sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import User
from retaguarda.domain.errors import InvalidInput, NotFound, Unauthenticated
from retaguarda.storage.repos import account as account_repo
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos.account import SessionInfo, TokenInfo

TOKEN_PREFIX = "rtg_"
MIN_PASSWORD = 8
SESSION_LIFETIME = timedelta(hours=12)
LANGUAGES = ("en", "pt-BR", "es")

# argon2id with the library's defaults (RFC 9106 "low memory" profile).
_hasher = PasswordHasher()
# Verified against when the user does not exist, so that a wrong name costs the same
# time as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("retaguarda: no such user")


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


def users_with_password(conn: Connection) -> set[str]:
    """The names of the users who may sign in to the web pages (a password is set)."""
    return account_repo.names_with_password(conn)


def set_password(conn: Connection, *, user: str, password: str, now: datetime) -> None:
    """Set `user`'s web password (stored as an argon2id hash); their sessions end."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password", f"a password needs at least {MIN_PASSWORD} characters")
    found = account_repo.credentials(conn, user)
    if found is None:
        raise NotFound(f"no user named {user!r}", field="user")
    account_repo.set_password_hash(conn, user, _hasher.hash(password))
    account_repo.end_sessions_of(conn, found.user_id, now=now)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A new sign-in: the cookie secret (shown once, stored hashed) and the CSRF secret."""

    secret: str
    csrf: str
    principal: Principal
    expires_at: datetime


def sign_in(conn: Connection, *, user: str, password: str, now: datetime) -> WebSession:
    """Open a web session for `user` if `password` is theirs, else Unauthenticated."""
    found = account_repo.credentials(conn, user)
    stored = found.password_hash if found is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        ok = found is not None and stored is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or found is None:
        raise Unauthenticated("wrong user name or password")
    secret = secrets.token_urlsafe(32)
    session = WebSession(
        secret=secret,
        csrf=secrets.token_urlsafe(32),
        principal=found.principal,
        expires_at=now + SESSION_LIFETIME,
    )
    account_repo.add_session(
        conn,
        user_id=found.user_id,
        token_hash=hash_token(secret),
        csrf=session.csrf,
        now=now,
        expires_at=session.expires_at,
    )
    return session


def session(conn: Connection, secret: str, *, now: datetime) -> SessionInfo:
    """The signed-in user behind a session cookie, or Unauthenticated."""
    found = account_repo.session_by_hash(conn, hash_token(secret), now=now)
    if found is None:
        raise Unauthenticated("not signed in, or the session ended")
    return found


def sign_out(conn: Connection, secret: str, *, now: datetime) -> None:
    account_repo.end_session(conn, hash_token(secret), now=now)


def set_language(conn: Connection, *, user: str, language: str | None) -> None:
    """Remember `user`'s language for the web pages (None: follow the browser)."""
    if language is not None and language not in LANGUAGES:
        raise InvalidInput("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")
    account_repo.set_language(conn, user, language)
