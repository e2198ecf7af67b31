"""The alert rules: failed imports, a low success rate, stale attendance, a worker down, low
data quality. Each returns the alerts true now; attendly.alerts opens, keeps and clears them.

Each rule is a small function `(session, settings, now) -> list[Found]`; a rule's subject
(an import, "30d", "attendance", "workers") is what one open alert is kept per.

The rules, exactly (thresholds are settings, `ATTENDLY_ALERT_*`):

- import_failed: an import finished `failed` or `rejected` within the last
  `alert_import_window_hours` (24) and no later import of the same kind completed.
- success_rate: of the imports finished in the last 30 days, the share `completed` among
  completed + failed + rejected is below `alert_success_rate_target` (99 %).
- stale_attendance: more than `alert_stale_attendance_hours` (36) have passed since the last
  completed attendance import finished, AND at least one instructional day lies after that
  import's (local) date, up to and including today. Instructional days come from the imported
  school calendar (any school); with no calendar imported, Monday to Friday count. So a
  Friday-morning import does not alert over the weekend, but does on Monday. No attendance
  import ever: no alert (nothing to be late yet).
- worker_down (only with REDIS_URL): no registered RQ worker has a heartbeat younger than
  `worker_heartbeat_seconds` (see attendly.queue_health), or Redis is unreachable.
- quality_below: the newest completed import of a kind, finished within the import window,
  scored below `alert_quality_threshold` (90).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from attendly.settings import Settings

SUCCESS_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Found:
    """An alert a rule raises: which rule, about what, how bad, and what to say."""

    rule: str
    subject: str
    severity: str  # "error" or "warning"
    title: str
    message: str

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.subject}"

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "subject": self.subject,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
        }


Rule = Callable[[Session, Settings, dt.datetime], list[Found]]


def import_failed(session: Session, settings: Settings, now: dt.datetime) -> list[Found]:
    """Failed or rejected imports of the window, not superseded by a completed one."""
    from db.system_health import FAILED, unsuperseded

    since = now - dt.timedelta(hours=settings.alert_import_window_hours)
    return [
        Found(
            "import_failed",
            f"import-{row.id}",
            "error",
            f"Import {row.id} {row.status}",
            f"Import {row.id} ({row.kind}, {row.filename}) {row.status} at "
            f"{_when(row.finished_at)}: {row.message or 'no message'}",
        )
        for row in unsuperseded(session, since, FAILED)
    ]


def success_rate(session: Session, settings: Settings, now: dt.datetime) -> list[Found]:
    """The 30-day import success rate against its target."""
    from db.system_health import import_outcomes

    seen = import_outcomes(session, now - SUCCESS_WINDOW)
    rate, target = seen["success_rate"], settings.alert_success_rate_target
    if rate is None or rate >= target:
        return []
    message = (
        f"{seen['completed']} of {seen['finished']} imports succeeded in the last 30 days "
        f"({rate:.1f} %), below the {target:g} % target ({seen['failed']} failed, "
        f"{seen['rejected']} rejected)"
    )
    return [Found("success_rate", "30d", "warning", "Import success rate below target", message)]


def stale_attendance(session: Session, settings: Settings, now: dt.datetime) -> list[Found]:
    """No completed attendance import for too long, with a school day in the stretch."""
    from db.system_health import last_success

    last = last_success(session, "attendance")
    if last is None or last.finished_at is None:
        return []
    finished = _utc(last.finished_at)
    hours = (now - finished).total_seconds() / 3600
    if hours <= settings.alert_stale_attendance_hours:
        return []
    days = instructional_days(
        session, _local_date(finished) + dt.timedelta(days=1), _local_date(now)
    )
    if not days:
        return []
    message = (
        f"The last successful attendance import (import {last.id}) finished {hours:.0f} hours "
        f"ago, at {_when(finished)}; limit {settings.alert_stale_attendance_hours} hours; "
        f"{len(days)} school day(s) since ({days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d})"
    )
    title = f"No attendance import for {hours:.0f} hours"
    return [Found("stale_attendance", "attendance", "warning", title, message)]


def instructional_days(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    """School days in [first, last]: the imported calendar's, else Monday to Friday."""
    from db.system_health import calendar_known, school_days_between

    if first > last:
        return []
    if calendar_known(session):
        return school_days_between(session, first, last)
    span = (last - first).days + 1
    every = (first + dt.timedelta(days=n) for n in range(span))
    return [day for day in every if day.weekday() < 5]


def worker_down(session: Session, settings: Settings, now: dt.datetime) -> list[Found]:
    """With REDIS_URL: no worker with a fresh heartbeat, or Redis unreachable."""
    if not settings.redis_url:
        return []
    import redis

    from attendly.queue_health import queue_depths, worker_states

    try:
        workers = worker_states(settings, now)
        waiting = sum(queue_depths(settings).values())
    except redis.RedisError as exc:
        message = f"Redis is not reachable ({exc.__class__.__name__}: {exc}): no job can run"
        return [Found("worker_down", "workers", "error", "Job queue unreachable", message)]
    if any(worker["up"] for worker in workers):
        return []
    limit = settings.worker_heartbeat_seconds
    if workers:
        ages = ", ".join(f"{w['name']} {w['age_s']:.0f} s ago" for w in workers)
        detail = f"no heartbeat in the last {limit} s from any of {len(workers)} workers ({ages})"
    else:
        detail = "no worker is registered"
    message = f"No RQ worker is running: {detail}; {waiting} job(s) waiting"
    return [Found("worker_down", "workers", "error", "No worker running", message)]


def quality_below(session: Session, settings: Settings, now: dt.datetime) -> list[Found]:
    """The newest completed import of a kind scored below the data-quality threshold."""
    from db.system_health import unsuperseded

    since = now - dt.timedelta(hours=settings.alert_import_window_hours)
    threshold = settings.alert_quality_threshold
    return [
        Found(
            "quality_below",
            f"import-{row.id}",
            "warning",
            f"Import {row.id} data quality {float(row.quality_score):.1f}",
            f"Import {row.id} ({row.kind}, {row.filename}) scored {float(row.quality_score):.1f} "
            f"for data quality, below the threshold of {threshold:g} "
            f"({row.records_failed} of {row.records_processed} rows failed)",
        )
        for row in unsuperseded(session, since, ("completed",))
        if row.quality_score is not None and float(row.quality_score) < threshold
    ]


RULES: tuple[Rule, ...] = (
    import_failed,
    success_rate,
    stale_attendance,
    worker_down,
    quality_below,
)


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes for timezone-aware columns: they are UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _local_date(value: dt.datetime) -> dt.date:
    """The server's local calendar date of a moment (school days are local dates)."""
    return _utc(value).astimezone().date()


def _when(value: dt.datetime | None) -> str:
    return "an unknown time" if value is None else f"{_utc(value):%Y-%m-%d %H:%M} UTC"
