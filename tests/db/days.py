"""Student-days stored directly, with the figures the import would derive from the periods
(metric definitions §2): for tests that build a school without the import pipeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from attendly.metrics.day import day_figures
from attendly.metrics.years import academic_year_of
from db.models import AttendanceRecord


def add_day(
    session: Session,
    student_id: str,
    day: dt.date,
    periods: Sequence[str | None],
    school_id: int = 1,
) -> AttendanceRecord:
    """Add (not flush) the record of one student-day; `periods` are periods 1.. in order,
    '' or None for no period scheduled."""
    statuses = [status or None for status in periods]
    figures = day_figures(statuses)
    record = AttendanceRecord(
        student_id=student_id,
        date=day,
        academic_year=academic_year_of(day),
        school_id=school_id,
        scheduled=figures.scheduled,
        present=figures.present,
        daily_attendance_percentage=figures.daily_attendance_percentage,
        unexcused_periods=figures.unexcused_periods,
        unverified_periods=figures.unverified_periods,
        **{f"period_{n}": status for n, status in enumerate(statuses, start=1)},
    )
    session.add(record)
    return record
