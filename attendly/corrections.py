"""The attendance-correction service: a signed-in user changes one period status of one of
their students within the correction window.

Browser values are parsed here (every field checked, messages naming the field); the
database layer (db.corrections) checks the rest against stored data. In one transaction the
period changes, an audit entry keeps who, when, the prior and new status and the reason, and
the student's summaries are recomputed; after the commit a "data changed" event goes out.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from attendly.events import data_changed
from attendly.services import publish
from attendly.settings import Settings
from db.correction_models import AttendanceCorrection
from db.corrections import Change, InvalidCorrection, Window, apply_correction
from db.models import AuditEntry, School
from db.summaries import refresh_summaries

logger = logging.getLogger(__name__)

FIELDS = ("student", "date", "period", "status", "reason")
REASON_LIMIT = 500
ACTION = "attendance_correction"


@dataclass(frozen=True)
class Corrector:
    """Who corrects: the name for the record, the grades they may touch and the codes of the
    schools whose students they may touch (None: all)."""

    username: str
    allowed_grades: tuple[int, ...] | None
    allowed_schools: tuple[str, ...] | None = None


def today() -> dt.date:
    """The server's date: the correction window ends on it."""
    return dt.date.today()


def window(settings: Settings, on: dt.date | None = None) -> Window:
    """The dates open to correction on `on` (default today): the last N days and today."""
    last = on or today()
    return Window(last - dt.timedelta(days=settings.correction_window_days), last)


def parse(values: Mapping[str, Any], username: str) -> Change:
    """The typed change from browser values; InvalidCorrection naming every bad field.

    Payloads can be crafted: anything that is not plain text or a whole number is refused.
    """
    errors: dict[str, str] = {}
    student = _text(values.get("student"), 32)
    if not student:
        errors["student"] = "Student: choose a student"
    day = _date(values.get("date"), errors)
    period = _whole(values.get("period"))
    if period is None:
        errors["period"] = "Period: choose a period"
    status = (_text(values.get("status"), 4) or "").upper()
    if not status:
        errors["status"] = "Status: choose a status"
    reason = _text(values.get("reason"), REASON_LIMIT + 1)
    if reason and len(reason) > REASON_LIMIT:
        errors["reason"] = f"Reason: at most {REASON_LIMIT} characters"
    if errors:
        raise InvalidCorrection(errors)
    assert day is not None and period is not None
    return Change(student or "", day, period, status, reason, username)


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()[:limit]
    return text or None


def _whole(value: Any) -> int | None:
    text = _text(value, 3)
    return int(text) if text is not None and text.isdigit() else None


def _date(value: Any, errors: dict[str, str]) -> dt.date | None:
    text = _text(value, 10)
    if not text:
        errors["date"] = "Date: choose a school day"
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors["date"] = f"Date: {text!r} is not a date (YYYY-MM-DD)"
        return None


def correct(
    session: Session,
    corrector: Corrector,
    values: Mapping[str, Any],
    settings: Settings,
    *,
    on: dt.date | None = None,
) -> AttendanceCorrection:
    """Store one correction, commit, then announce it. Raises InvalidCorrection (nothing
    stored) with a message per field at fault."""
    change = parse(values, corrector.username)
    try:
        correction = apply_correction(
            session,
            change,
            corrector.allowed_grades,
            window(settings, on),
            corrector.allowed_schools,
        )
        session.add(_audit_entry(correction))
        # One student-day changed: the day totals of that date and the student's week and
        # years are all that can differ from a full rebuild (db.aggregates).
        day = (correction.date, correction.date)
        refresh_summaries(session, [correction.student_id], settings, dates=day)
        event = _event(session, correction)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _announce(event)
    return correction


def _audit_entry(correction: AttendanceCorrection) -> AuditEntry:
    return AuditEntry(
        username=correction.username,
        action=ACTION,
        entity="attendance",
        entity_id=f"{correction.student_id}/{correction.date.isoformat()}/{correction.period}",
        details={
            "correction_id": correction.id,
            "student_id": correction.student_id,
            "date": correction.date.isoformat(),
            "period": correction.period,
            "prior": correction.prior_status,
            "new": correction.new_status,
            "reason": correction.reason,
        },
    )


def _event(session: Session, correction: AttendanceCorrection) -> dict[str, Any]:
    school = session.get(School, correction.school_id)
    return data_changed(
        "attendance",
        school.code if school else None,
        [correction.grade_level],
        [correction.student_id],
    )


def _announce(event: dict[str, Any]) -> None:
    """A bus outage only logs: the correction is committed and the pages re-read on load."""
    try:
        publish(event)
    except Exception:  # the event bus is an outside service
        logger.exception("could not publish the correction of student %s", event["student_ids"])
