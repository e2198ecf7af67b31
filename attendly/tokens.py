"""API tokens for integrations: shown once, stored as a SHA-256 digest, revocable.

A token acts with the permissions of its user at the time of each request: a role change or
deactivation applies to the user's tokens at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select

from attendly import audit
from attendly.auth import AuthUser, auth_user
from attendly.errors import AttendlyError, NotFound
from attendly.extensions import db
from db.models import ApiToken, User

TOKEN_PREFIX = "att_"
# Writing last_used_at on every call would turn each API read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
TOKEN_COLUMNS = (
    "id",
    "username",
    "name",
    "prefix",
    "created_by",
    "created_at",
    "last_used_at",
    "revoked_at",
)


def digest(token: str) -> str:
    """The stored form of a token: hex SHA-256 (tokens carry 256 bits of randomness)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(username: str, name: str, actor: str | None = None) -> tuple[int, str]:
    """Create a token for `username`; returns (token id, the token — shown this once only).

    Raises NotFound for an unknown user, AttendlyError for an inactive user or a blank name.
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    if not user.active:
        raise AttendlyError(f"user {username!r} is deactivated")
    name = name.strip()
    if not name:
        raise AttendlyError("give the token a name (what integration uses it)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name[:80],
        token_hash=digest(token),
        prefix=token[:12],
        created_by=actor,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "token_created",
        entity="api_token",
        entity_id=str(row.id),
        username=actor,
        details={"user": username, "name": row.name},
    )
    return row.id, token


def revoke_token(token_id: int, actor: str | None = None) -> None:
    """Revoke a token (idempotent). Raises NotFound for an unknown id."""
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token with id {token_id}")
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
    audit.record("token_revoked", entity="api_token", entity_id=str(token_id), username=actor)


def list_tokens(username: str | None = None) -> list[dict[str, Any]]:
    """Every token (newest first), optionally of one user, as dicts with TOKEN_COLUMNS."""
    statement = (
        select(ApiToken, User.username)
        .join(User, User.id == ApiToken.user_id)
        .order_by(ApiToken.id.desc())
    )
    if username:
        statement = statement.where(User.username == username)
    return [
        {
            column: (name if column == "username" else getattr(row, column))
            for column in TOKEN_COLUMNS
        }
        for row, name in db.session.execute(statement).all()
    ]


def verify_token(token: str) -> AuthUser | None:
    """The user a live token acts for, or None (unknown, revoked, or the user deactivated)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = dt.datetime.now(dt.UTC)
    last = row.last_used_at
    if last is None or _aware(last) < now - LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    snapshot = auth_user(user)
    return AuthUser(
        snapshot.id,
        snapshot.username,
        snapshot.role,
        snapshot.grades,
        snapshot.schools,
        snapshot.fingerprint,
        via_token=True,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back naive; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
