"""The audit log: who signed in, exported, imported, changed users or roles, and when.

Entries are only ever added: `install_append_only` makes the ORM refuse to change or delete
one, so no code path in the app can rewrite history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from attendly.errors import AttendlyError
from attendly.extensions import db
from db.models import AuditEntry

# The actions the app writes (the import pipeline writes "import").
ACTIONS = (
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "export",
    "import",
    "user_created",
    "user_updated",
    "user_deactivated",
    "password_reset",
    "token_created",
    "token_revoked",
    "intervention",
    "attendance_correction",
)
ENTRY_COLUMNS = ("id", "at", "username", "action", "entity", "entity_id", "details")


class AuditTampering(AttendlyError):
    """Something tried to change or delete an audit entry."""


def actor() -> str | None:
    """The logged-in user's name inside a request, else None (command line, jobs)."""
    if has_request_context() and current_user.is_authenticated:
        return str(current_user.username)
    return None


def record(
    action: str,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    details: dict[str, Any] | None = None,
    username: str | None = None,
    commit: bool = True,
) -> None:
    """Add one entry; `username` defaults to the logged-in user. Commits unless told not to."""
    db.session.add(
        AuditEntry(
            username=(username if username is not None else actor() or "")[:80] or None,
            action=action[:60],
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id)[:60],
            details=details,
        )
    )
    if commit:
        db.session.commit()


def entries(
    session: Session,
    *,
    action: str | None = None,
    username: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The newest entries first, filtered, as dicts with ENTRY_COLUMNS (bound parameters only)."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        statement = statement.where(AuditEntry.action == action)
    if username:
        statement = statement.where(AuditEntry.username == username)
    if since:
        statement = statement.where(AuditEntry.at >= _midnight(since))
    if until:
        statement = statement.where(AuditEntry.at < _midnight(until + dt.timedelta(days=1)))
    return [
        {column: getattr(row, column) for column in ENTRY_COLUMNS}
        for row in session.scalars(statement)
    ]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _refuse_changes(session: Session, *_: object) -> None:
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, AuditEntry):
            raise AuditTampering("audit entries are append-only")


def install_append_only() -> None:
    """Refuse ORM updates and deletes of audit entries in every session (idempotent)."""
    if not event.contains(Session, "before_flush", _refuse_changes):
        event.listen(Session, "before_flush", _refuse_changes)
