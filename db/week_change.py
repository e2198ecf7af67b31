"""Last week's figures for the "change since last week" of every KPI, read cheaply.

The year's per-student totals (the summary table) minus the days after the comparison date
(weekly sums plus a few raw days) give the figures as of that date, without the year's rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, func, select, union_all
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from attendly.metrics.student import figures_from_totals, student_year_figures
from db import growth, queries
from db.aggregates import day_sums
from db.dashboard import TOTALS, Scope
from db.models import AttendanceRecord, Student, StudentWeekSummary
from db.reads import code_point_order, read_frame


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

    The days after `before` are summed from the weekly table for whole weeks and from the raw
    rows for the rest of `before`'s week: a few thousand rows, not the year. The scope's
    as_of is the year's last date (db.dashboard.resolve_scope), so no week runs past it.
    period_attendance_rate is not derived (NaN).
    """
    assert scope.academic_year is not None and scope.as_of is not None
    recent = totals_after(session, policy, scope, before)
    totals = figures.set_index("student_id")[list(TOTALS)].astype("int64")
    recent_totals = recent.reindex(totals.index)[list(TOTALS)].fillna(0).astype("int64")
    remaining = (totals - recent_totals).assign(as_of=before)
    remaining = remaining[remaining["days_enrolled"] > 0]
    if remaining.empty:
        return student_year_figures(pd.DataFrame(), policy)
    # Without pct_total the per-student period rate is not derived (NaN); KPIs do not use it.
    return figures_from_totals(remaining, policy)


def totals_after(session: Session, policy: Policy, scope: Scope, after: dt.date) -> pd.DataFrame:
    """Per-student sums (TOTALS, indexed by student_id) of the days in (after, as_of]."""
    next_monday = after + dt.timedelta(days=7 - after.weekday())
    week = StudentWeekSummary
    weeks = select(
        week.student_id.label("student_id"),
        week.days_enrolled,
        week.days_absent,
        week.partial_days,
        week.scheduled_periods,
        week.present_periods,
        week.truancy_days.label("truancy_occasions"),
    ).where(
        week.academic_year == scope.academic_year,
        week.week_start >= next_monday,
        week.week_start <= scope.as_of,
    )
    narrowed = scope.grades is not None or scope.schools is not None
    if narrowed:
        weeks = weeks.join(Student, Student.id == week.student_id)
    record = AttendanceRecord
    sums = day_sums(policy)
    days = (
        select(record.student_id, *sums[:5], sums[5].label("truancy_occasions"))
        .where(
            record.academic_year == scope.academic_year,
            record.date > after,
            record.date < next_monday,
            record.date <= scope.as_of,
        )
        .group_by(record.student_id)
    )
    if narrowed:
        days = days.join(Student, Student.id == record.student_id)
    # Whole weeks and the rest of `after`'s week, added up per student by the database.
    both = union_all(
        queries.in_scope(weeks, scope.grades, scope.schools),
        queries.in_scope(days, scope.grades, scope.schools),
    ).subquery()
    summed = (
        select(both.c.student_id, *(func.sum(both.c[name]).cast(BigInteger) for name in TOTALS))
        .group_by(both.c.student_id)
        .order_by(code_point_order(session, both.c.student_id))  # what sort_index gives
    )
    types = {"student_id": "str", **dict.fromkeys(TOTALS, "int64")}
    return read_frame(session, summed, ["student_id", *TOTALS], types).set_index("student_id")


def growth_as_of(
    session: Session,
    scope: Scope,
    before: dt.date,
    now: pd.DataFrame | None = None,
    version: tuple[Any, ...] | None = None,
) -> pd.DataFrame:
    """i-Ready growth counting only diagnostics completed by `before`.

    Given the scope's growth now (`now`, from db.queries.iready_growth), only the students
    and subjects with a diagnostic after `before` are read again (db.growth.growth_before).
    `version`: the data version the caller just read (db.queries.growth_in_sync).
    """
    year = str(scope.academic_year)
    if now is not None and queries.growth_in_sync(session, version):
        return growth.growth_before(session, now, year, scope.grades, before, scope.schools)
    return queries.iready_growth(session, year, scope.grades, until=before, schools=scope.schools)
