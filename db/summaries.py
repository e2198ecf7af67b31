"""The per-student-per-year summary table: recomputed from raw attendance for given students.

The refresh lets the database sum the student-days (one GROUP BY, the same SQL on SQLite and
PostgreSQL, exact integer arithmetic) and finishes the rates and tiers with the metric code:
a year of a whole district refreshes in well under a second. `day_frame` + `summary_rows`
compute the same figures from the raw days in pandas; `attendly verify` compares the two.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from decimal import Decimal

import pandas as pd
from sqlalchemy import Integer, case, delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from attendly.metrics.policy import Policy
from attendly.metrics.student import figures_from_totals, student_year_figures
from attendly.settings import Settings
from db.aggregates import (
    DateRange,
    check_range,
    refresh_aggregates,
    refresh_all_aggregates,
    serialize_refreshes,
)
from db.frames import frame, plain
from db.models import AttendanceRecord, StudentYearSummary
from db.policy import load_policy
from db.versions import SUMMARIES, bump

CHUNK = 1000  # student ids per IN (...) list: well under every backend's parameter limit
RATE_COLUMNS = ("absence_rate", "attendance_rate", "period_attendance_rate")
# The per-student sums `figures_from_totals` derives every figure from.
TOTAL_COLUMNS = (
    "as_of",
    "days_enrolled",
    "days_absent",
    "partial_days",
    "pct_total",  # the days' percentages summed, in hundredths
    "scheduled_periods",
    "present_periods",
    "truancy_occasions",
)


def refresh_summaries(
    session: Session,
    student_ids: Iterable[str],
    settings: Settings,
    *,
    aggregates: bool = True,
    dates: DateRange | None = None,
    schools: Collection[int] | None = None,
) -> int:
    """Recompute every academic year's summary of these students, and the dashboard
    aggregates they feed (db.aggregates, db.week_before); returns summary rows written.

    `dates` (first, last; both included) says only these students' rows on those dates
    changed: the aggregates are then rewritten for those dates only (db.aggregates), the year
    summaries still whole (a student's years are a few hundred rows, and their fresh
    `refreshed_at` is what tells the dashboards' cache that data changed). `schools` says
    only rows of these schools changed (db.aggregates.refresh_aggregates).
    Flushes but does not commit: the caller's transaction decides.
    """
    if dates is not None:
        check_range(dates)  # before anything is written
    serialize_refreshes(session)
    bump(session)  # the dashboards' data version (db.versions), visible at commit
    bump(session, SUMMARIES)  # what db.overview_groups were built from: stale until rebuilt
    policy = load_policy(session, settings)
    students = sorted(set(student_ids))
    written = 0
    for chunk in _chunks(students, CHUNK):
        session.execute(delete(StudentYearSummary).where(StudentYearSummary.student_id.in_(chunk)))
        rows = rows_from_totals(year_totals(session, chunk, policy), policy)
        if rows:
            session.execute(insert(StudentYearSummary), rows)
        written += len(rows)
    if aggregates:
        refresh_aggregates(session, students, policy, dates=dates, schools=schools)
        from db.week_before import refresh_week_before  # it reads the summaries just written

        refresh_week_before(session, policy, students)
    session.flush()
    return written


def refresh_all(session: Session, settings: Settings) -> int:
    """Recompute the summaries of every student with attendance (after a policy change),
    the dashboard aggregates and the i-Ready growth table, each rebuilt whole."""
    serialize_refreshes(session)  # before the first row goes
    ids = session.scalars(select(AttendanceRecord.student_id).distinct()).all()
    session.execute(delete(StudentYearSummary))
    written = refresh_summaries(session, ids, settings, aggregates=False)
    # Rebuilt whole, so that rows of students without attendance any more go too.
    refresh_all_aggregates(session, load_policy(session, settings))  # i-Ready growth too
    session.flush()
    return written


def year_totals(session: Session, student_ids: Sequence[str], policy: Policy) -> pd.DataFrame:
    """Per (student, academic year) sums of the raw days: student_id, academic_year and
    TOTAL_COLUMNS. Percentages are summed in exact hundredths (half up, as the metric code)."""
    record = AttendanceRecord
    truancy = record.unexcused_periods > 0
    if policy.unverified_counts_as_unexcused:
        truancy = truancy | (record.unverified_periods > 0)
    hundredths = (20000 * record.present + record.scheduled) // (2 * record.scheduled)
    result = session.execute(
        select(
            record.student_id,
            record.academic_year,
            func.max(record.date).label("as_of"),
            func.count().label("days_enrolled"),
            _count(record.present == 0).label("days_absent"),
            _count((record.present > 0) & (record.present < record.scheduled)).label(
                "partial_days"
            ),
            func.sum(hundredths).label("pct_total"),
            func.sum(record.scheduled).label("scheduled_periods"),
            func.sum(record.present).label("present_periods"),
            _count(truancy).label("truancy_occasions"),
        )
        .where(record.student_id.in_(student_ids))
        .group_by(record.student_id, record.academic_year)
    )
    return frame(result)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def rows_from_totals(totals: pd.DataFrame, policy: Policy) -> list[dict[str, object]]:
    """Summary table rows from `year_totals`."""
    rows: list[dict[str, object]] = []
    for year, group in totals.groupby("academic_year", sort=True):
        sums = group.set_index("student_id")[list(TOTAL_COLUMNS)].copy()
        for name in TOTAL_COLUMNS[1:]:
            sums[name] = sums[name].astype("int64")
        sums["as_of"] = sums["as_of"].map(_as_date)
        rows.extend(_records(figures_from_totals(sums, policy), str(year)))
    return rows


def _as_date(value: object) -> dt.date:
    """SQLite returns MAX(date) as text; PostgreSQL as a date."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def day_frame(session: Session, student_ids: Sequence[str]) -> pd.DataFrame:
    """Raw student-days of these students, every year (columns of metrics DAY_COLUMNS + year)."""
    record = AttendanceRecord
    result = session.execute(
        select(
            record.student_id,
            record.date,
            record.academic_year,
            record.scheduled,
            record.present,
            record.unexcused_periods,
            record.unverified_periods,
        ).where(record.student_id.in_(student_ids))
    )
    return frame(result)


def summary_rows(days: pd.DataFrame, policy: Policy) -> list[dict[str, object]]:
    """Summary table rows (one per student and academic year) from raw student-days."""
    rows: list[dict[str, object]] = []
    for year, group in days.groupby("academic_year", sort=True):
        rows.extend(_records(student_year_figures(group, policy), str(year)))
    return rows


def _records(figures: pd.DataFrame, year: str) -> list[dict[str, object]]:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for record in figures.to_dict("records"):
        for column in RATE_COLUMNS:
            record[column] = Decimal(f"{record[column]:.2f}")
        record.update(academic_year=year, refreshed_at=now)
        rows.append({str(key): plain(value) for key, value in record.items()})
    return rows


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
