"""Chronic-absence early warning per student (attendly.metrics.early_warning), with the
school days left in the year from the school calendar or estimated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from attendly.metrics.early_warning import early_warning as early_warning_table
from attendly.metrics.early_warning import estimated_days_remaining
from attendly.metrics.policy import Policy
from db.models import AttendanceDayTotal, School, SchoolCalendarDay
from db.queries import student_figures


def early_warning(
    session: Session,
    policy: Policy,
    academic_year: str,
    as_of: dt.date,
    grades: Sequence[int] | None,
) -> pd.DataFrame:
    """Per student in `grades`: how many more full-day absences make them chronically absent.

    Columns (attendly.metrics.early_warning.COLUMNS): student_id, days_enrolled, days_absent,
    days_remaining, more_absences_to_chronic (None when out of reach this year).
    """
    figures = student_figures(
        session, policy, academic_year=academic_year, as_of=as_of, grades=grades
    )
    if figures.empty:
        return early_warning_table(
            pd.DataFrame(columns=["student_id", "days_enrolled", "days_absent", "days_remaining"])
        )
    # Each student's school comes with the figures (school_code): a few schools to look up,
    # not every student. 0 days for a school without any (or a student without a school).
    codes = dict(session.execute(select(School.id, School.code)).all())
    remaining = {
        codes[school]: days
        for school, days in days_remaining(session, academic_year, as_of).items()
        if school in codes
    }
    days = figures["school_code"].map(pd.Series(remaining, dtype="int64"))
    figures["days_remaining"] = days.fillna(0).astype("int64")
    return early_warning_table(figures)


def days_remaining(session: Session, academic_year: str, as_of: dt.date) -> dict[int, int]:
    """School id -> school days after `as_of` this year: from the calendar, else estimated.

    A school missing from the result has no days left (0), as in `early_warning`. Public for
    db.student_list_query, which computes the early warning in SQL from these few numbers.
    """
    # The day totals hold one row per school, grade and date: a few hundred rows a year,
    # where counting distinct dates over the raw records reads every student-day.
    day = AttendanceDayTotal
    recorded = dict(
        session.execute(
            select(day.school_id, func.count(func.distinct(day.date)))
            .where(day.academic_year == academic_year, day.date <= as_of)
            .group_by(day.school_id)
        ).all()
    )
    # Per school with a calendar this year (one read): its days after as_of (0 when none).
    calendar = SchoolCalendarDay
    later = func.sum(case((calendar.date > as_of, 1), else_=0))
    ahead = {
        school: int(days)
        for school, days in session.execute(
            select(calendar.school_id, later)
            .where(calendar.academic_year == academic_year)
            .group_by(calendar.school_id)
        ).all()
    }
    has_calendar = set(ahead)
    return {
        school: ahead.get(school, 0)
        if school in has_calendar
        else estimated_days_remaining(int(recorded.get(school, 0)))
        for school in set(recorded) | has_calendar
    }
