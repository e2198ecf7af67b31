"""Read-side queries for pages, the CLI and the API: figures, KPIs, trends (the only SQL here).

Every function takes a Session and plain parameters. `allowed_grades` and `allowed_schools`
(school codes) are the caller's data scope (None = every grade, every school): a request for a
grade or school outside it raises Forbidden, and nothing outside it is ever returned. Reads
take the scope's `schools` as school ids (None = every school; see scoped_schools).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar, cast

import pandas as pd
from sqlalchemy import Float, Select, case, func, select
from sqlalchemy.orm import Session

from attendly.cache import cached
from attendly.errors import Forbidden
from attendly.metrics.correlation import correlations
from attendly.metrics.iready import GROWTH_COLUMNS, growth_by_student, subject_kpis
from attendly.metrics.kpis import attendance_kpis, trend
from attendly.metrics.policy import Policy
from attendly.metrics.student import FIGURE_COLUMNS, student_year_figures
from attendly.metrics.years import academic_year_of
from db import growth
from db.frames import frame
from db.models import (
    AttendanceRecord,
    Import,
    IReadyDiagnostic,
    School,
    Student,
    StudentYearSummary,
)
from db.reads import code_point_order, read_frame
from db.versions import DASHBOARDS, counter

_S = TypeVar("_S", bound=Select)

STUDENT_COLUMNS = ("grade_level", "school_code", "last_name", "first_name")
RATE_COLUMNS = ("absence_rate", "attendance_rate", "period_attendance_rate")
# Column types of the stored figures (every summary column is NOT NULL).
STORED_TYPES = {
    **dict.fromkeys(("student_id", "tier", "school_code", "last_name", "first_name"), "str"),
    "as_of": "object",
    **dict.fromkeys(RATE_COLUMNS, "float64"),
    **dict.fromkeys(("truant", "eligible", "chronically_absent"), "bool"),
    **dict.fromkeys(
        (
            "days_enrolled",
            "days_absent",
            "days_present",
            "partial_days",
            "scheduled_periods",
            "present_periods",
            "truancy_occasions",
            "grade_level",
        ),
        "int64",
    ),
}


def scoped_grades(
    requested: Sequence[int] | None, allowed: Sequence[int] | None
) -> tuple[int, ...] | None:
    """The grades a query may cover: the request within the scope; Forbidden outside it."""
    if requested:
        if allowed is not None and not set(requested) <= set(allowed):
            raise Forbidden("that grade level is outside your access")
        return tuple(sorted(set(requested)))
    return tuple(allowed) if allowed is not None else None


def scoped_schools(
    session: Session, requested: str | None, allowed: Sequence[str] | None
) -> tuple[int, ...] | None:
    """The ids of the schools a query may cover: the requested school's code within the
    caller's codes (Forbidden outside them or for an unknown code), else every allowed school
    (None: every school of the district). A code the district does not hold adds nothing, so
    a user assigned only to unknown schools sees nothing rather than everything."""
    if requested is not None:
        if allowed is not None and requested not in allowed:
            raise Forbidden("that school is outside your access")
        found = school_ids(session, [requested])
        if not found:
            raise Forbidden("that school is not known")
        return found
    return None if allowed is None else school_ids(session, allowed)


def school_ids(session: Session, codes: Sequence[str]) -> tuple[int, ...]:
    """The ids of the schools with these codes, in id order (unknown codes add nothing)."""
    found = session.scalars(select(School.id).where(School.code.in_(list(codes))))
    return tuple(sorted(found))


def latest_academic_year(session: Session) -> str | None:
    """The latest academic year with attendance data (the default year of every figure)."""
    return session.scalar(select(func.max(AttendanceRecord.academic_year)))


def latest_date(session: Session, academic_year: str) -> dt.date | None:
    """The last date with attendance data in `academic_year` (the default as-of date)."""
    return session.scalar(
        select(func.max(AttendanceRecord.date)).where(
            AttendanceRecord.academic_year == academic_year
        )
    )


def resolve_period(
    session: Session, academic_year: str | None = None, as_of: dt.date | None = None
) -> tuple[str | None, dt.date | None]:
    """(academic year, as-of date) with the defaults of metric definitions §3 filled in."""
    if academic_year is None:
        academic_year = academic_year_of(as_of) if as_of else latest_academic_year(session)
    if academic_year is None:
        return None, None
    latest = latest_date(session, academic_year)
    if as_of is None or (latest is not None and as_of > latest):
        as_of = latest
    return academic_year, as_of


def in_grades(statement: _S, grades: Sequence[int] | None) -> _S:
    """`statement` limited to students in `grades` (None: no limit)."""
    return in_scope(statement, grades, None)


def in_scope(
    statement: _S, grades: Sequence[int] | None, schools: Sequence[int] | None = None
) -> _S:
    """`statement` (which reads Student) limited to students in `grades` of the schools with
    ids `schools` (None: no limit on that side)."""
    if grades is not None:
        statement = cast(_S, statement.where(Student.grade_level.in_(grades)))
    if schools is not None:
        statement = cast(_S, statement.where(Student.school_id.in_(schools)))
    return statement


def in_schools(statement: _S, codes: Sequence[str] | None) -> _S:
    """`statement` (which reads Student) limited to students of the schools with these codes
    (None: no limit): the interventions side, whose scope holds the user's codes."""
    if codes is None:
        return statement
    ids = select(School.id).where(School.code.in_(list(codes)))
    return cast(_S, statement.where(Student.school_id.in_(ids.scalar_subquery())))


def attendance_days(
    session: Session,
    academic_year: str,
    as_of: dt.date,
    grades: Sequence[int] | None,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Student-days of a year up to `as_of`, for students in `grades` of `schools`.

    Columns: student_id, date, scheduled, present, unexcused_periods, unverified_periods.
    """
    record = AttendanceRecord
    statement = (
        select(
            record.student_id,
            record.date,
            record.scheduled,
            record.present,
            record.unexcused_periods,
            record.unverified_periods,
        )
        .join(Student, Student.id == record.student_id)
        .where(record.academic_year == academic_year, record.date <= as_of)
    )
    result = session.execute(in_scope(statement, grades, schools))
    return frame(result)


def _students(
    session: Session, grades: Sequence[int] | None, schools: Sequence[int] | None = None
) -> pd.DataFrame:
    statement = select(
        Student.id.label("student_id"),
        Student.grade_level,
        School.code.label("school_code"),
        Student.last_name,
        Student.first_name,
    ).join(School, School.id == Student.school_id)
    result = session.execute(in_scope(statement, grades, schools))
    return frame(result)


def _stored_figures(
    session: Session,
    academic_year: str,
    grades: Sequence[int] | None,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The summary rows of the year with the students' grade, school and names (one read),
    by student id (one row per student: the order sort_values gives).

    The two-decimal rates are read as floats: the database converts each to the nearest
    double, exactly as float(Decimal) would, without a Decimal per value.
    """
    summary = StudentYearSummary
    columns = [
        getattr(summary, name).cast(Float).label(name)
        if name in RATE_COLUMNS
        else getattr(summary, name)
        for name in FIGURE_COLUMNS
    ]
    statement = (
        select(
            *columns,
            Student.grade_level,
            School.code.label("school_code"),
            Student.last_name,
            Student.first_name,
        )
        .join(Student, Student.id == summary.student_id)
        .join(School, School.id == Student.school_id)
        .where(summary.academic_year == academic_year)
        .order_by(code_point_order(session, summary.student_id))
    )
    return read_frame(session, in_scope(statement, grades, schools), dtypes=STORED_TYPES)


def data_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever imported data, a rollback, a correction or a policy refresh changes
    what pages show.

    Imports (count, completed count, last finish: a small table) and the dashboards' counter
    (db.versions), bumped in the transaction of every summary, aggregate or i-Ready growth
    write: one round trip of small reads, whatever the size of the district.
    """
    imports = select(
        func.count().label("imports"),
        func.sum(case((Import.status == "completed", 1), else_=0)).label("completed"),
        func.max(Import.finished_at).label("finished"),
    ).subquery()
    return tuple(session.execute(select(imports, counter(DASHBOARDS))).one())


def growth_in_sync(session: Session, version: tuple[Any, ...] | None = None) -> bool:
    """db.growth.in_sync, counted once per data `version` within an app when the caller has
    one (attendly.cache): a page reading growth now and a week earlier counts the tables once.
    Every diagnostic write changes the version (and the growth rows in the same transaction).
    """
    if version is None:
        return growth.in_sync(session)
    return cached(("growth-in-sync", version), lambda: growth.in_sync(session))


def student_figures(
    session: Session,
    policy: Policy,
    *,
    academic_year: str,
    as_of: dt.date,
    grades: Sequence[int] | None = None,
    version: tuple[Any, ...] | None = None,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Per-student figures (FIGURE_COLUMNS + grade_level, school_code, names), by student id,
    of the students in `grades` of the schools with ids `schools` (None: every one).

    As of the year's latest date they come from the summary table; for an earlier date they
    are recomputed from the raw student-days with the same metric code. Within an app the
    frame is cached per data version (attendly.cache; `version` when the caller just read it):
    a page that needs it twice reads once. Callers get their own copy.
    """

    def load() -> pd.DataFrame:
        return _student_figures(session, policy, academic_year, as_of, grades, schools)

    grades = tuple(grades) if grades is not None else None
    schools = tuple(schools) if schools is not None else None
    version = version or data_version(session)
    key = ("student-figures", academic_year, as_of, grades, schools, policy, version)
    return cached(key, load).copy()


def _student_figures(
    session: Session,
    policy: Policy,
    academic_year: str,
    as_of: dt.date,
    grades: Sequence[int] | None,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    latest = latest_date(session, academic_year)
    if latest is not None and as_of >= latest:
        return _stored_figures(session, academic_year, grades, schools)
    days = attendance_days(session, academic_year, as_of, grades, schools)
    figures = student_year_figures(days, policy)
    merged = figures.merge(_students(session, grades, schools), on="student_id", how="left")
    return merged.sort_values("student_id", kind="stable").reset_index(drop=True)


def iready_growth(
    session: Session,
    academic_year: str,
    grades: Sequence[int] | None,
    until: dt.date | None = None,
    columns: Sequence[str] = GROWTH_COLUMNS,
    version: tuple[Any, ...] | None = None,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """i-Ready growth per (student, subject) for one academic year (metrics GROWTH_COLUMNS,
    or the `columns` of them asked for: a page reads only what it shows), of the students in
    `grades` of `schools` (ids; None: every one).

    `until` leaves out diagnostics completed after that date: an explicit as-of date means
    "what was known then", for i-Ready as for attendance. Read from the growth table (one row
    per student and subject) while it is in step with the diagnostics, else computed from them
    (checked once per data `version` when the caller just read it: growth_in_sync).
    """
    if growth_in_sync(session, version):
        return growth.stored_growth(session, academic_year, grades, until, columns, schools)
    computed = growth_from_diagnostics(session, academic_year, grades, until, schools)
    return computed if tuple(columns) == GROWTH_COLUMNS else computed[list(columns)]


def growth_from_diagnostics(
    session: Session,
    academic_year: str,
    grades: Sequence[int] | None,
    until: dt.date | None = None,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """`iready_growth` computed from the raw diagnostics (metrics GROWTH_COLUMNS)."""
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
        .where(diag.academic_year == academic_year)
    )
    if until is not None:
        statement = statement.where(diag.completion_date <= until)
    result = session.execute(in_scope(statement, grades, schools))
    return growth_by_student(frame(result))


def weekly_trend(
    session: Session,
    policy: Policy,
    *,
    academic_year: str,
    as_of: dt.date,
    grades: Sequence[int] | None = None,
    freq: str = "week",
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Attendance and period attendance rate per ISO week (or day); see metrics.kpis.trend."""
    days = attendance_days(session, academic_year, as_of, grades, schools)
    return trend(days, policy, freq)


def kpis(
    session: Session,
    policy: Policy,
    *,
    grade: int | None = None,
    academic_year: str | None = None,
    as_of: dt.date | None = None,
    allowed_grades: Sequence[int] | None = None,
    school: str | None = None,
    allowed_schools: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The KPI object of the command line and API contract (rates to 2 places, r to 4), of
    one school (`school`, a code) or every school the caller may see."""
    grades = scoped_grades([grade] if grade is not None else None, allowed_grades)
    schools = scoped_schools(session, school, allowed_schools)
    requested_as_of = as_of
    year, as_of = resolve_period(session, academic_year, as_of)
    head: dict[str, Any] = {
        "scope": {"school": school, "grade": grade, "grades": list(grades) if grades else None},
        "academic_year": year,
        "as_of": as_of.isoformat() if as_of else None,
    }
    if year is None or as_of is None:
        empty = pd.DataFrame(columns=list(FIGURE_COLUMNS))
        return {**head, **attendance_kpis(empty, policy), "iready": {}, "correlation": {}}
    figures = student_figures(
        session, policy, academic_year=year, as_of=as_of, grades=grades, schools=schools
    )
    growth = iready_growth(session, year, grades, until=requested_as_of, schools=schools)
    return {
        **head,
        **attendance_kpis(figures, policy),
        "iready": subject_kpis(growth),
        "correlation": correlations(figures, growth),
    }


REPORT_COLUMNS = (
    "student_id",
    "last_name",
    "first_name",
    "grade_level",
    "school_code",
    "as_of",
    "days_enrolled",
    "days_absent",
    "days_present",
    "partial_days",
    "absence_rate",
    "attendance_rate",
    "period_attendance_rate",
    "truancy_occasions",
    "truant",
    "chronically_absent",
    "eligible",
    "tier",
)
IREADY_REPORT_COLUMNS = (
    "baseline_date",
    "baseline_score",
    "most_recent_date",
    "most_recent_score",
    "placement_level",
    "on_grade_level",
    "diagnostic_gain",
    "progress_to_typical",
    "progress_to_stretch",
)


def students_report(
    session: Session,
    policy: Policy,
    *,
    grade: int | None = None,
    tier: str | None = None,
    academic_year: str | None = None,
    as_of: dt.date | None = None,
    allowed_grades: Sequence[int] | None = None,
    school: str | None = None,
    allowed_schools: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Per-student figures as plain JSON-ready dicts (the `attendly students --json` rows)."""
    grades = scoped_grades([grade] if grade is not None else None, allowed_grades)
    schools = scoped_schools(session, school, allowed_schools)
    requested_as_of = as_of
    year, as_of = resolve_period(session, academic_year, as_of)
    if year is None or as_of is None:
        return []
    figures = student_figures(
        session, policy, academic_year=year, as_of=as_of, grades=grades, schools=schools
    )
    if tier:
        figures = figures[figures["tier"] == tier]
    growth = iready_growth(session, year, grades, until=requested_as_of, schools=schools)
    by_student = _iready_by_student(growth)
    rows = []
    for record in figures[list(REPORT_COLUMNS)].to_dict("records"):
        row = {str(key): _json_value(value) for key, value in record.items()}
        if row["student_id"] in by_student:
            row["iready"] = by_student[row["student_id"]]
        rows.append(row)
    return rows


def _iready_by_student(growth: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for record in growth.to_dict("records"):
        values = {key: _json_value(record[key]) for key in IREADY_REPORT_COLUMNS}
        out.setdefault(str(record["student_id"]), {})[str(record["subject"])] = values
    return out


def _json_value(value: Any) -> Any:
    """numpy/pandas scalars and dates -> JSON-ready Python values."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def overview(
    session: Session,
    policy: Policy,
    *,
    grade: int | None = None,
    allowed_grades: Sequence[int] | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The Overview page's data: the KPI object and the weekly trend of the same scope."""
    result = kpis(session, policy, grade=grade, allowed_grades=allowed_grades)
    if result["academic_year"] is None:
        return result, trend(pd.DataFrame(), policy)
    weeks = weekly_trend(
        session,
        policy,
        academic_year=result["academic_year"],
        as_of=dt.date.fromisoformat(result["as_of"]),
        grades=result["scope"]["grades"],
    )
    return result, weeks
