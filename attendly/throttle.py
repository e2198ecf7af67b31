"""Sign-in throttling per account name and per client address, stored in the database.

The database (not process memory) holds the attempts so every web process sees the same
counts. Account names are counted whether or not such an account exists, so a lockout tells
an attacker nothing about which names are real.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import LoginAttempt

# Attempts older than this are pruned (kept a little longer than any sensible window).
RETENTION = dt.timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    """Failures allowed within `window` per account name and per address."""

    per_account: int
    per_address: int
    window: dt.timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            per_account=settings.login_attempts,
            per_address=settings.address_attempts,
            window=dt.timedelta(minutes=settings.lockout_minutes),
        )


def normalise(username: str) -> str:
    """The account key attempts are counted under (case- and space-insensitive, bounded)."""
    return username.strip().lower()[:80]


def _failures(session: Session, since: dt.datetime, *conditions: ColumnElement[bool]) -> int:
    statement = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since, *conditions
    )
    return int(session.scalar(statement) or 0)


def is_blocked(
    session: Session, username: str, address: str, limits: Limits, now: dt.datetime | None = None
) -> bool:
    """True when the account name or the address has used up its failures in the window."""
    since = (now or dt.datetime.now(dt.UTC)) - limits.window
    if _failures(session, since, LoginAttempt.address == address[:64]) >= limits.per_address:
        return True
    account = LoginAttempt.username == normalise(username)
    return _failures(session, since, account) >= limits.per_account


def record(session: Session, username: str, address: str, success: bool) -> None:
    """Store one attempt (not committed). A success clears the account's earlier failures;
    the address keeps its count, so one valid account cannot unlock an address's guessing."""
    now = dt.datetime.now(dt.UTC)
    key = normalise(username)
    if success:
        session.execute(
            delete(LoginAttempt).where(
                LoginAttempt.username == key, LoginAttempt.success.is_(False)
            )
        )
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - RETENTION))
    session.add(LoginAttempt(at=now, username=key, address=address[:64], success=success))
