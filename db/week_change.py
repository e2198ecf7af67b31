"""Last week's figures for the "change since last week" of every KPI, read cheaply.

The year's per-student totals (the summary table) minus the few days after the comparison
date give the figures as of that date: a few thousand rows instead of the whole year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from attendly.metrics.iready import growth_by_student
from attendly.metrics.policy import Policy
from attendly.metrics.student import figures_from_totals, student_year_figures
from db.dashboard import TOTALS, Scope, frame_of, in_grades
from db.models import AttendanceRecord, IReadyDiagnostic, Student


def previous_as_of(session: Session, scope: Scope, days: int = 7) -> dt.date | None:
    """The last attendance date at least `days` before the scope's as-of date."""
    if scope.empty:
        return None
    assert scope.as_of is not None
    return session.scalar(
        select(func.max(AttendanceRecord.date)).where(
            AttendanceRecord.academic_year == scope.academic_year,
            AttendanceRecord.date <= scope.as_of - dt.timedelta(days=days),
        )
    )


def figures_before(
    session: Session, policy: Policy, scope: Scope, figures: pd.DataFrame, before: dt.date
) -> pd.DataFrame:
    """Per-student figures as of `before`: the year's totals minus the days after it.

    Only the few days after `before` are read, so a week-ago comparison costs a few
    thousand rows, not the year. period_attendance_rate is not derived (NaN).
    """
    assert scope.academic_year is not None and scope.as_of is not None
    window = days_after(session, scope, before)
    recent = student_year_figures(window, policy).set_index("student_id")
    totals = figures.set_index("student_id")[list(TOTALS)].astype("int64")
    recent_totals = recent.reindex(totals.index)[list(TOTALS)].fillna(0).astype("int64")
    remaining = (totals - recent_totals).assign(as_of=before)
    remaining = remaining[remaining["days_enrolled"] > 0]
    if remaining.empty:
        return student_year_figures(pd.DataFrame(), policy)
    # Without pct_total the per-student period rate is not derived (NaN); KPIs do not use it.
    return figures_from_totals(remaining, policy)


def days_after(session: Session, scope: Scope, after: dt.date) -> pd.DataFrame:
    """Student-days in (after, as_of] (metrics DAY_COLUMNS), read through the date index."""
    record = AttendanceRecord
    statement = select(
        record.student_id,
        record.date,
        record.scheduled,
        record.present,
        record.unexcused_periods,
        record.unverified_periods,
    ).where(
        record.academic_year == scope.academic_year,
        record.date > after,
        record.date <= scope.as_of,
    )
    if scope.grades is not None:
        statement = statement.join(Student, Student.id == record.student_id)
    return frame_of(session.execute(in_grades(statement, scope.grades)))


def growth_as_of(session: Session, scope: Scope, before: dt.date) -> pd.DataFrame:
    """i-Ready growth counting only diagnostics completed by `before`."""
    diag = IReadyDiagnostic
    statement = (
        select(
            diag.student_id,
            diag.subject,
            diag.academic_year,
            diag.completion_date,
            diag.overall_scale_score,
            diag.baseline,
            diag.placement_level,
            diag.annual_typical_growth,
            diag.annual_stretch_growth,
        )
        .join(Student, Student.id == diag.student_id)
        .where(diag.academic_year == scope.academic_year, diag.completion_date <= before)
    )
    return growth_by_student(frame_of(session.execute(in_grades(statement, scope.grades))))
