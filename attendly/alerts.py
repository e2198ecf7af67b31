"""Alerts: run the rules (attendly.alert_rules), keep one open alert per rule and subject,
notify and e-mail once, clear when the condition clears; schedule the evaluation.

`evaluate` runs every rule and keeps one open alert per rule and subject
(db.alert_models.Alert): a new alert is written into the notification centre (and e-mailed
when SMTP is configured) once; while it stays true only its message and `last_seen_at`
change; when its condition clears, the alert is closed and its notification dismissed. It runs
after every import job, every 15 minutes on the RQ worker (when REDIS_URL is set) and from
`attendly alerts` (system cron otherwise).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from attendly.alert_rules import RULES, Found
from attendly.settings import Settings

logger = logging.getLogger(__name__)

EVERY = dt.timedelta(minutes=15)
JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL = 600, 3600, 7 * 24 * 3600


@dataclass
class Outcome:
    """One evaluation: every alert true now, those newly opened, the keys cleared."""

    open: list[Found] = field(default_factory=list)
    opened: list[Found] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "open": [a.to_dict() for a in self.open],
            "opened": [a.key for a in self.opened],
            "cleared": self.cleared,
        }


def evaluate(session: Session, settings: Settings, now: dt.datetime | None = None) -> Outcome:
    """Run every rule, open new alerts (notification + e-mail), refresh the open ones, clear
    the rest. Commits. Raises SQLAlchemyError when the database fails."""
    from db.alert_models import Alert

    now = now or dt.datetime.now(dt.UTC)
    found = {alert.key: alert for rule in RULES for alert in rule(session, settings, now)}
    stored = session.scalars(select(Alert).where(Alert.cleared_at.is_(None))).all()
    outcome = Outcome(open=list(found.values()))
    for row in stored:
        if row.open_key in found:
            row.message, row.last_seen_at = found[row.open_key].message, now
        else:
            outcome.cleared.append(str(row.open_key))
            _clear(session, row, now)
    session.commit()
    known = {row.open_key for row in stored}
    outcome.opened = [a for key, a in found.items() if key not in known and _open(session, a, now)]
    session.commit()
    _mail(settings, outcome.opened)
    return outcome


def _open(session: Session, alert: Found, now: dt.datetime) -> bool:
    """Store the alert and its notification; False when another evaluation just did."""
    from db.alert_models import Alert
    from db.notification_models import Notification

    try:
        with session.begin_nested():
            note = Notification(
                role="admin",
                title=f"Alert: {alert.title}"[:200],
                body=alert.message,
                created_at=now,
            )
            session.add(note)
            session.flush()
            session.add(
                Alert(
                    rule=alert.rule,
                    subject=alert.subject,
                    open_key=alert.key,
                    severity=alert.severity,
                    message=alert.message,
                    opened_at=now,
                    last_seen_at=now,
                    notification_id=note.id,
                )
            )
            session.flush()
    except IntegrityError:  # the unique open_key: a concurrent evaluation opened it first
        return False
    return True


def _clear(session: Session, row: Any, now: dt.datetime) -> None:
    """Close the alert and dismiss its notification (it no longer holds)."""
    from db.notification_models import Notification

    row.cleared_at, row.open_key = now, None
    if row.notification_id is not None:
        session.execute(
            update(Notification)
            .where(Notification.id == row.notification_id, Notification.read_at.is_(None))
            .values(read_at=now)
        )


def _mail(settings: Settings, opened: list[Found]) -> None:
    """E-mail each new alert to the admins when SMTP is configured; an outage only logs."""
    if not (opened and settings.smtp_url and settings.admin_emails.strip()):
        return
    from attendly.notifications import send_mail

    for alert in opened:
        try:
            send_mail(settings, f"Alert: {alert.title}", alert.message)
        except (OSError, smtplib.SMTPException):
            logger.exception("could not e-mail the alert %s", alert.key)


def evaluate_after_import(import_id: int) -> None:
    """The hook run when an import job ends; an alert failure never fails the import."""
    from flask import current_app

    from attendly.extensions import db

    try:
        evaluate(db.session(), current_app.config["ATTENDLY_SETTINGS"])
    except Exception:  # a boundary: the import is finished whatever the alerts do
        logger.exception("alert evaluation after import %s failed", import_id)
        db.session.rollback()


def next_slot(now: dt.datetime) -> dt.datetime:
    """The next quarter hour strictly after `now`."""
    base = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return base + EVERY


def schedule_alert_checks(settings: Settings, now: dt.datetime | None = None) -> str | None:
    """Put the next evaluation on RQ's scheduler (idempotent: one job id per quarter hour);
    returns its job id, None without REDIS_URL (then run `attendly alerts` from cron)."""
    if not settings.redis_url:
        return None
    from redis import Redis
    from rq import Queue

    queue = Queue("attendly", connection=Redis.from_url(settings.redis_url))
    when = next_slot(now or dt.datetime.now(dt.UTC))
    job_id = f"alerts-{when:%Y%m%dT%H%M}"
    if not queue.fetch_job(job_id):
        queue.enqueue_at(
            when,
            alerts_job,
            job_id=job_id,
            job_timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description="alert rules",
        )
    return job_id


def alerts_job() -> dict[str, Any]:
    """The scheduled job: evaluate, then schedule the next run; returns the outcome."""
    from flask import current_app, has_app_context

    if not has_app_context():
        from attendly import create_app

        with create_app(web=False).app_context():
            return alerts_job()
    from attendly.extensions import db

    settings = current_app.config["ATTENDLY_SETTINGS"]
    try:
        return evaluate(db.session(), settings).to_dict()
    finally:
        db.session.remove()
        schedule_alert_checks(settings)
