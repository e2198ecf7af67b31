"""The dashboard aggregates: per-day totals by school and grade, per-student weekly sums.

Both are derived from attendance_records and refreshed with the student-year summaries (the
same students, the same transaction), so a cold dashboard reads a few thousand aggregate rows
instead of a year of student-days. The refresh is set-based SQL (INSERT ... SELECT ... GROUP
BY), the same statements on SQLite and PostgreSQL except the ISO week's Monday.

A refresh may be restricted to a date range when only raw rows on those dates changed (one
teacher's correction): the students' weeks holding the range and the day totals of the range
are recomputed, each row by the same SELECT as a full rebuild, so the result is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnExpressionArgument,
    Date,
    Integer,
    and_,
    case,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from attendly.metrics.policy import Policy
from db.growth import refresh_all_growth, stale_growth
from db.models import AttendanceDayTotal, AttendanceRecord, Student, StudentWeekSummary
from db.planner import joined_without
from db.versions import bump

CHUNK = 1000  # student ids per IN (...) list
DateRange = tuple[dt.date, dt.date]  # first, last; both included
REFRESH_LOCK = 4254330658  # the advisory lock of summary refreshes (merges hold ...657)


class week_start(FunctionElement[dt.date]):  # noqa: N801  (a SQL function)
    """The Monday of a date's ISO week, as a date."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "postgresql")
def _week_start_postgresql(element: week_start, compiler: Any, **kw: Any) -> str:
    day = compiler.process(list(element.clauses)[0], **kw)
    return f"({day} - CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) + 1)"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    day = compiler.process(list(element.clauses)[0], **kw)
    return f"date({day}, '-6 days', 'weekday 1')"


def count_of(condition: ColumnExpressionArgument[bool]) -> ColumnElement[int]:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END) as an integer."""
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def truancy_condition(policy: Policy) -> ColumnElement[bool]:
    """A student-day that counts as a truancy occasion under `policy`."""
    record = AttendanceRecord
    truancy = record.unexcused_periods > 0
    if policy.unverified_counts_as_unexcused:
        truancy = truancy | (record.unverified_periods > 0)
    return truancy


def day_sums(policy: Policy) -> list[ColumnElement[Any]]:
    """The per-student sums of raw days the weekly table stores, labelled as its columns."""
    record = AttendanceRecord
    hundredths = (20000 * record.present + record.scheduled) // (2 * record.scheduled)
    return [
        func.count().label("days_enrolled"),
        count_of(record.present == 0).label("days_absent"),
        count_of((record.present > 0) & (record.present < record.scheduled)).label("partial_days"),
        func.sum(record.scheduled).label("scheduled_periods"),
        func.sum(record.present).label("present_periods"),
        count_of(truancy_condition(policy)).label("truancy_days"),
        count_of(record.unverified_periods > 0).label("unverified_days"),
        func.sum(hundredths).label("pct_total"),
    ]


def refresh_aggregates(
    session: Session,
    student_ids: Sequence[str],
    policy: Policy,
    *,
    dates: DateRange | None = None,
    schools: Collection[int] | None = None,
) -> None:
    """Rewrite the weekly sums of these students and the day totals of every date they had
    (before or after the change). Students without rows left simply lose theirs.

    With `dates` (first, last; both included) the caller says that only these students' rows
    on those dates changed: just their weeks holding those dates and the day totals of those
    dates are rewritten. With `schools` it says that only rows of these schools changed
    (before or after the change: db.stage_attendance.touched_schools): the day totals of the
    other schools stay, which keeps one school's import from re-adding a whole district.
    """
    serialize_refreshes(session)
    if dates is not None:
        check_range(dates)
        _refresh_within(session, sorted(set(student_ids)), policy, dates, schools)
        return
    low: dt.date | None = None
    high: dt.date | None = None
    for chunk in _chunks(sorted(set(student_ids))):
        low, high = _widen(low, high, _week_range(session, chunk))
        session.execute(delete(StudentWeekSummary).where(StudentWeekSummary.student_id.in_(chunk)))
        session.execute(
            insert(StudentWeekSummary).from_select(WEEK_COLUMNS, _weeks_of(chunk, policy))
        )
        low, high = _widen(low, high, _week_range(session, chunk))
    if low is not None and high is not None:
        refresh_day_totals(session, low, high + dt.timedelta(days=6), schools)


def refresh_all_aggregates(session: Session, policy: Policy) -> None:
    """Rebuild both tables from every raw row (after a policy change or a repair), the
    i-Ready growth table from every diagnostic (db.growth; stale_aggregates checks it too) and
    last week's figures (db.week_before) from the summaries."""
    serialize_refreshes(session)
    bump(session)
    session.execute(delete(StudentWeekSummary))
    session.execute(delete(AttendanceDayTotal))
    session.execute(insert(StudentWeekSummary).from_select(WEEK_COLUMNS, _weeks_of(None, policy)))
    session.execute(insert(AttendanceDayTotal).from_select(DAY_COLUMNS, _days_between(None)))
    refresh_all_growth(session)
    from db.week_before import refresh_week_before  # reads the summaries: imports db.queries

    refresh_week_before(session, policy)


def refresh_day_totals(
    session: Session, first: dt.date, last: dt.date, schools: Collection[int] | None = None
) -> None:
    """Recompute the day totals of every date in [first, last] from the raw rows: of every
    school, or of `schools` only."""
    if schools is not None and not schools:
        return
    day = AttendanceDayTotal
    stale = delete(day).where(day.date >= first, day.date <= last)
    if schools is not None:
        stale = stale.where(day.school_id.in_(sorted(schools)))
    session.execute(stale)
    years = stored_years(session)
    if years:
        fresh = _days_between((first, last), years, schools)
        # Right after an import wrote a school's year the planner's statistics hold none of its
        # rows: it took them for one and looped over them once per student of the district
        # (15 minutes instead of 2 seconds at 9 million rows). Hashed, the students are read once.
        with joined_without(session, "nestloop"):
            session.execute(insert(day).from_select(DAY_COLUMNS, fresh))


def _refresh_within(
    session: Session,
    students: Sequence[str],
    policy: Policy,
    dates: DateRange,
    schools: Collection[int] | None,
) -> None:
    """The weeks of these students holding `dates`, and the day totals of `dates`."""
    first, last = dates
    mondays = (monday_of(first), monday_of(last))
    days = (mondays[0], mondays[1] + dt.timedelta(days=6))  # every day of those weeks
    week = StudentWeekSummary
    for chunk in _chunks(students):
        session.execute(
            delete(week).where(
                week.student_id.in_(chunk),
                week.week_start >= mondays[0],
                week.week_start <= mondays[1],
            )
        )
        session.execute(insert(week).from_select(WEEK_COLUMNS, _weeks_of(chunk, policy, days)))
    refresh_day_totals(session, first, last, schools)


def serialize_refreshes(session: Session) -> None:
    """One refresh of summaries and aggregates at a time (PostgreSQL; SQLite has one writer
    anyway), held until the transaction ends. Two corrections on one date would otherwise
    both delete and re-insert that date's totals, and the second insert fail on the rows the
    first one committed meanwhile. Callers take it after writing raw rows and before writing
    any summary or aggregate row, so its holder never waits for a row its waiters hold."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK})


def check_range(dates: DateRange) -> None:
    """Raises ValueError when the range's first date is after its last."""
    first, last = dates
    if first > last:
        raise ValueError(f"refresh dates: {first.isoformat()} is after {last.isoformat()}")


def monday_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week (what `week_start` computes in SQL)."""
    return day - dt.timedelta(days=day.weekday())


def stored_years(session: Session) -> list[str]:
    """Every academic year with attendance rows, one index seek per year (a loose index scan
    on ix_attendance_records_year_date).

    Naming them lets a date-restricted read seek (year, date) in that index: a date alone is
    not its leading column, and PostgreSQL reads the whole index instead (one date's totals
    at 1.25M rows: 35-60 ms against 13-16 ms). Every stored year is named: no row is missed.
    """
    year_column = AttendanceRecord.academic_year
    years: list[str] = []
    year = session.scalar(select(func.min(year_column)))
    while year is not None:
        years.append(year)
        year = session.scalar(select(func.min(year_column)).where(year_column > year))
    return years


WEEK_COLUMNS = [
    "student_id",
    "week_start",
    "academic_year",
    "days_enrolled",
    "days_absent",
    "partial_days",
    "scheduled_periods",
    "present_periods",
    "truancy_days",
    "unverified_days",
    "pct_total",
]
DAY_COLUMNS = [
    "school_id",
    "grade_level",
    "date",
    "academic_year",
    "days_enrolled",
    "days_absent",
    "scheduled_periods",
    "present_periods",
]


def _weeks_of(
    student_ids: Sequence[str] | None, policy: Policy, dates: DateRange | None = None
) -> Any:
    """The weekly sums of these students (None: everyone), from their rows within `dates`
    (None: every row; a range must cover whole weeks, or a week's sum comes out partial)."""
    record = AttendanceRecord
    monday = week_start(record.date)
    statement = select(record.student_id, monday, record.academic_year, *day_sums(policy))
    if student_ids is not None:
        statement = statement.where(record.student_id.in_(student_ids))
    if dates is not None:
        statement = statement.where(record.date >= dates[0], record.date <= dates[1])
    return statement.group_by(record.student_id, monday, record.academic_year)


def _days_between(
    dates: DateRange | None,
    years: Sequence[str] | None = None,
    schools: Collection[int] | None = None,
) -> Any:
    record = AttendanceRecord
    statement = select(
        record.school_id,
        Student.grade_level,
        record.date,
        record.academic_year,
        func.count(),
        count_of(record.present == 0),
        func.sum(record.scheduled),
        func.sum(record.present),
    ).join(Student, Student.id == record.student_id)
    if dates is not None:
        statement = statement.where(and_(record.date >= dates[0], record.date <= dates[1]))
    if years is not None:
        statement = statement.where(record.academic_year.in_(years))
    if schools is not None:
        statement = statement.where(record.school_id.in_(sorted(schools)))
    return statement.group_by(
        record.school_id, Student.grade_level, record.date, record.academic_year
    )


def _week_range(session: Session, chunk: Sequence[str]) -> tuple[Any, Any]:
    week = StudentWeekSummary
    row = session.execute(
        select(func.min(week.week_start), func.max(week.week_start)).where(
            week.student_id.in_(chunk)
        )
    ).one()
    return row[0], row[1]


def _widen(
    low: dt.date | None, high: dt.date | None, found: tuple[Any, Any]
) -> tuple[dt.date | None, dt.date | None]:
    first, last = (None if v is None else _as_date(v) for v in found)
    if first is not None:
        low = first if low is None else min(low, first)
    if last is not None:
        high = last if high is None else max(high, last)
    return low, high


def _as_date(value: object) -> dt.date:
    """SQLite returns MIN/MAX of a date as text; PostgreSQL as a date."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def stale_aggregates(session: Session, policy: Policy) -> dict[str, int]:
    """Rows of each aggregate table that differ from a recomputation from the raw rows
    (stored but wrong or extra, plus missing); keys: day_totals, week_summaries,
    iready_growth (db.growth), week_before (db.week_before) and overview_groups
    (db.overview_groups)."""
    checks = (
        ("day_totals", AttendanceDayTotal, DAY_COLUMNS, _days_between(None)),
        ("week_summaries", StudentWeekSummary, WEEK_COLUMNS, _weeks_of(None, policy)),
    )
    found: dict[str, int] = {}
    for name, model, columns, recomputed in checks:
        stored = session.execute(select(*(getattr(model, c) for c in columns))).all()
        fresh = session.execute(recomputed).all()
        found[name] = len(_normal(stored) ^ _normal(fresh))
    found["iready_growth"] = stale_growth(session)
    from db.week_before import stale_week_before

    found["week_before"] = stale_week_before(session, policy)
    from db.overview_groups import stale_overview_groups  # imports this module

    found["overview_groups"] = stale_overview_groups(session, policy)
    return found


def _normal(rows: Sequence[Any]) -> set[tuple[str, ...]]:
    """Rows as comparable tuples (SQLite may return computed dates as text)."""
    return {tuple(str(value) for value in row) for row in rows}
