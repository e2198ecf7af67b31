"""The notification centre: messages for admins in the app, and by e-mail when SMTP is set.

`ATTENDLY_SMTP_URL` looks like `smtp://user:password@host:port` (or `smtps://…`); the
recipients are `ATTENDLY_ADMIN_EMAILS`. A mail outage only logs: the in-app copy is stored.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import func, select, update

from attendly.settings import Settings

logger = logging.getLogger(__name__)


def notify_admins(title: str, body: str) -> None:
    """Store a notification for admins (committed) and e-mail it when SMTP is configured."""
    from attendly.extensions import db
    from db.models import utcnow
    from db.notification_models import Notification

    session = db.session()
    try:
        session.add(Notification(role="admin", title=title[:200], body=body, created_at=utcnow()))
        session.commit()
    except Exception:  # the database may be what failed; the e-mail still goes
        logger.exception("could not store the notification %r", title)
        session.rollback()
    settings: Settings = current_app.config["ATTENDLY_SETTINGS"]
    if settings.smtp_url and settings.admin_emails.strip():
        try:
            send_mail(settings, title, body)
        except (OSError, smtplib.SMTPException):
            logger.exception("could not e-mail the notification %r", title)


def send_mail(settings: Settings, subject: str, body: str) -> None:
    """Send one plain-text message to the admin addresses. Raises OSError/SMTPException."""
    url = urlsplit(settings.smtp_url or "")
    message = EmailMessage()
    message["Subject"], message["From"] = f"[Attendly] {subject}", settings.mail_from
    message["To"] = ", ".join(a.strip() for a in settings.admin_emails.split(",") if a.strip())
    message.set_content(body)
    client = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with client(url.hostname or "localhost", url.port or 25, timeout=10) as smtp:
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def unread(session: Any, role: str | None, limit: int = 20) -> list[dict[str, Any]]:
    """Unread notifications for `role`, newest first: dicts {id, created_at, title, body}."""
    from db.notification_models import Notification

    rows = session.scalars(
        select(Notification)
        .where(Notification.role == role, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return [
        {"id": n.id, "created_at": n.created_at, "title": n.title, "body": n.body} for n in rows
    ]


def unread_count(session: Any, role: str | None) -> int:
    from db.notification_models import Notification

    query = select(func.count()).where(Notification.role == role, Notification.read_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_all_read(session: Any, role: str | None) -> None:
    """Dismiss every unread notification of `role` (committed)."""
    from db.models import utcnow
    from db.notification_models import Notification

    session.execute(
        update(Notification)
        .where(Notification.role == role, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
