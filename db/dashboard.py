"""Read queries of the dashboard pages: filter choices, the Overview's figures and trends.

Like db.queries, every function takes a Session and plain parameters; the caller's data
scope arrives as `allowed_grades` and `allowed_schools` (codes; None = every grade, every
school) and is enforced here. Aggregation over
the year's attendance rows happens in SQL (GROUP BY date): a page never pulls a year of
student-days into Python.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from attendly.cache import cached
from attendly.errors import Forbidden
from attendly.metrics.correlation import correlations
from attendly.metrics.iready import subject_kpis
from attendly.metrics.kpis import DAY_TOTAL_COLUMNS, attendance_kpis, trend_from_totals
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent
from db import overview_figures, queries
from db.growth import PAGE_COLUMNS
from db.models import (
    AttendanceDayTotal,
    Import,
    School,
    StudentYearSummary,
)
from db.queries import data_version
from db.reads import read_frame

YEAR_PATTERN = re.compile(r"^\d{4}-\d{4}$")
# The per-student columns a grade's KPIs add up (metrics.kpis.attendance_kpis).
GRADE_SUMS = (
    "days_enrolled",
    "days_present",
    "eligible",
    "chronically_absent",
    "present_periods",
    "scheduled_periods",
)
TOTALS = (
    "days_enrolled",
    "days_absent",
    "partial_days",
    "scheduled_periods",
    "present_periods",
    "truancy_occasions",
)


@dataclass(frozen=True)
class Scope:
    """What a page shows: one academic year as of a date, for some grades of some schools
    (`schools`: ids, None = all; `school`: the code chosen, None = all the user may see).
    Being a field, the schools are part of every cache key holding a Scope."""

    academic_year: str | None
    as_of: dt.date | None
    grades: tuple[int, ...] | None
    grade: int | None = None
    schools: tuple[int, ...] | None = None
    school: str | None = None

    @property
    def empty(self) -> bool:
        return self.academic_year is None or self.as_of is None


def academic_years(session: Session) -> list[str]:
    """Academic years that have attendance data, newest first.

    Read by stepping through the summaries' year index, one probe per year (the next year
    after the last one found), instead of a DISTINCT over a row per student and year: a
    district's 50,000 students cost that 10 ms on every page.
    """
    year = StudentYearSummary.academic_year
    found = select(func.min(year).label("year")).cte("years", recursive=True)
    following = select(func.min(year)).where(year > found.c.year).scalar_subquery()
    found = found.union_all(select(following).where(found.c.year.is_not(None)))
    years = session.scalars(select(found.c.year).where(found.c.year.is_not(None)))
    return sorted(years, reverse=True)


def resolve_scope(
    session: Session,
    *,
    grade: int | None,
    academic_year: str | None,
    allowed_grades: Sequence[int] | None,
    school: str | None = None,
    allowed_schools: Sequence[str] | None = None,
) -> Scope:
    """The scope of a request; Forbidden for a grade outside `allowed_grades` or a school
    outside `allowed_schools` (codes) or unknown. Without a chosen school the scope covers
    every school the user may see: all of the district only for a user without assignments.

    A year that is malformed or has no data resolves to the latest year with data.
    """
    grades = queries.scoped_grades([grade] if grade is not None else None, allowed_grades)
    schools = queries.scoped_schools(session, school, allowed_schools)
    if academic_year is not None and not YEAR_PATTERN.match(str(academic_year)):
        academic_year = None
    if academic_year is not None and academic_year not in academic_years(session):
        academic_year = None
    year, as_of = queries.resolve_period(session, academic_year)
    return Scope(year, as_of, grades, grade, schools, school)


def school_name(session: Session, code: str | None = None) -> str:
    """The display name of the school with `code`; without one, the only school's, or
    "District" when there are several ('' when none is stored or the code is unknown)."""
    names = school_names(session)
    if code is not None:
        return names.get(code, "")
    if len(names) > 1:
        return "District"
    return next(iter(names.values()), "")


def school_names(session: Session) -> dict[str, str]:
    """Display name (the code when unnamed) by school code."""
    rows = session.execute(select(School.code, School.name).order_by(School.id))
    return {row.code: row.name or row.code for row in rows}


def last_updated(session: Session) -> dt.datetime | None:
    """When the last completed import finished (the data's freshness)."""
    return session.scalar(select(func.max(Import.finished_at)).where(Import.status == "completed"))


def daily_totals(session: Session, scope: Scope) -> pd.DataFrame:
    """Per date of the year up to as_of: student-days enrolled and absent, periods scheduled
    and present (columns of metrics DAY_TOTAL_COLUMNS), summed from the day totals table
    (db.aggregates: a few thousand rows per year, not the year's student-days)."""
    totals = read_frame(session, daily_totals_statement(scope), DAY_TOTAL_COLUMNS)
    for name in DAY_TOTAL_COLUMNS[1:]:
        totals[name] = totals[name].astype("int64")
    return totals


def daily_totals_statement(scope: Scope) -> Select[*tuple[Any, ...]]:
    """The SELECT of daily_totals: one row per date, in date order, columns in the order of
    DAY_TOTAL_COLUMNS."""
    day = AttendanceDayTotal
    statement = (
        select(
            day.date,
            func.sum(day.days_enrolled).label("days_enrolled"),
            func.sum(day.days_absent).label("days_absent"),
            func.sum(day.scheduled_periods).label("scheduled_periods"),
            func.sum(day.present_periods).label("present_periods"),
        )
        .where(day.academic_year == scope.academic_year, day.date <= scope.as_of)
        .group_by(day.date)
        .order_by(day.date)
    )
    if scope.grades is not None:
        statement = statement.where(day.grade_level.in_(scope.grades))
    if scope.schools is not None:
        statement = statement.where(day.school_id.in_(scope.schools))
    return statement


@dataclass
class OverviewData:
    """Everything the Overview shows for one scope."""

    scope: Scope
    kpis: dict[str, Any]
    previous: dict[str, Any] | None
    weeks: pd.DataFrame
    grades: pd.DataFrame
    updated: dt.datetime | None = None
    previous_as_of: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def kpi_object(
    policy: Policy, scope: Scope, figures: pd.DataFrame, growth: pd.DataFrame
) -> dict[str, Any]:
    """The KPI object of the CLI/API contract (db.queries.kpis) from loaded frames."""
    return {
        "scope": {
            "school": scope.school,
            "grade": scope.grade,
            "grades": list(scope.grades) if scope.grades else None,
        },
        "academic_year": scope.academic_year,
        "as_of": scope.as_of.isoformat() if scope.as_of else None,
        **attendance_kpis(figures, policy),
        "iready": subject_kpis(growth),
        # Only the joined columns: the correlation merges copy every column they are given.
        "correlation": correlations(
            _only(figures, ["student_id", "eligible", "attendance_rate"]),
            _only(growth, ["student_id", "subject", "most_recent_score"]),
        ),
    }


def _only(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """These columns of a non-empty frame (an empty one as it is: it may lack them)."""
    return frame if frame.empty else frame[columns]


def grade_comparison_columns() -> list[str]:
    """The columns of the per-grade comparison (grade_comparison, db.overview_figures)."""
    return [
        "grade_level",
        "students",
        "attendance_rate",
        "chronic_absenteeism_rate",
        "period_attendance_rate",
        "truant_students",
    ]


def grade_comparison(figures: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Per grade: students, attendance rate, chronic absenteeism rate, truant students (the
    attendance_kpis of each grade's students, from one grouped sum)."""
    columns = grade_comparison_columns()
    if figures.empty:
        return pd.DataFrame([], columns=columns)
    counted = figures[list(GRADE_SUMS)].astype("int64")
    counted["truant"] = figures["truancy_occasions"] >= policy.truant_threshold
    counted["students"] = 1
    sums = counted.groupby(figures["grade_level"], sort=True).sum().to_dict("index")
    rows = [
        {
            "grade_level": int(str(grade)),
            "students": int(n["students"]),
            "attendance_rate": _rate(n, "days_present", "days_enrolled"),
            "chronic_absenteeism_rate": _rate(n, "chronically_absent", "eligible"),
            "period_attendance_rate": _rate(n, "present_periods", "scheduled_periods"),
            "truant_students": int(n["truant"]),
        }
        for grade, n in sums.items()
    ]
    return pd.DataFrame(rows, columns=columns)


def _rate(sums: dict[Any, Any], part: str, whole: str) -> float | None:
    return percent(int(sums[part]), int(sums[whole]))


def scope_frames(
    session: Session, policy: Policy, scope: Scope, version: tuple[Any, ...] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-student figures with names, i-Ready growth with db.growth.PAGE_COLUMNS) of a
    non-empty scope; cached per data version (`version` when the caller just read it).
    Callers must not modify them."""
    assert scope.academic_year is not None and scope.as_of is not None
    year, as_of = scope.academic_year, scope.as_of
    version = version or data_version(session)

    def load() -> tuple[pd.DataFrame, pd.DataFrame]:
        figures = queries.student_figures(
            session,
            policy,
            academic_year=year,
            as_of=as_of,
            grades=scope.grades,
            version=version,
            schools=scope.schools,
        )
        growth = queries.iready_growth(
            session,
            year,
            scope.grades,
            columns=PAGE_COLUMNS,
            version=version,
            schools=scope.schools,
        )
        return figures, growth

    return cached(("frames", scope, policy, version), load)


def overview_data(session: Session, policy: Policy, scope: Scope) -> OverviewData:
    """KPIs now and a week earlier, the weekly trend and the per-grade comparison (cached)."""
    if scope.empty:
        empty = kpi_object(policy, scope, pd.DataFrame(columns=["tier"]), _no_growth())
        return OverviewData(scope, empty, None, trend_from_totals(pd.DataFrame()), pd.DataFrame())
    version = data_version(session)
    key = ("overview", scope, policy, version)
    return cached(key, lambda: _overview_data(session, policy, scope, version))


def _overview_data(
    session: Session, policy: Policy, scope: Scope, version: tuple[Any, ...]
) -> OverviewData:
    """From the grouped sums (db.overview_figures) when the stored figures can answer,
    else from the scope's per-student rows (the same numbers, slower)."""
    assert scope.academic_year is not None and scope.as_of is not None
    summed = overview_figures.overview_kpis(
        session,
        policy,
        academic_year=scope.academic_year,
        as_of=scope.as_of,
        grades=scope.grades,
        grade=scope.grade,
        in_sync=queries.growth_in_sync(session, version),
        schools=scope.schools,
        school=scope.school,
    )
    if summed is not None:
        weeks = overview_figures.weekly_trend(session, scope)
        return OverviewData(
            scope,
            summed.now,
            summed.before,
            weeks,
            summed.grades,
            last_updated(session),
            summed.before_date,
        )
    return per_student_overview(session, policy, scope, version)


def per_student_overview(
    session: Session, policy: Policy, scope: Scope, version: tuple[Any, ...]
) -> OverviewData:
    """The Overview's figures from the scope's per-student rows (and last week's recomputed
    from them): what db.overview_figures' sums must equal."""
    figures, growth = scope_frames(session, policy, scope, version)
    current = kpi_object(policy, scope, figures, growth)
    from db import week_change

    before = week_change.previous_as_of(session, scope)
    previous = None
    if before is not None:
        earlier = week_change.figures_before(session, policy, scope, figures, before)
        earlier_growth = week_change.growth_as_of(session, scope, before, growth, version)
        previous = kpi_object(policy, scope, earlier, earlier_growth)
    weeks = trend_from_totals(daily_totals(session, scope), "week")
    return OverviewData(
        scope,
        current,
        previous,
        weeks,
        grade_comparison(figures, policy),
        last_updated(session),
        before,
    )


def _no_growth() -> pd.DataFrame:
    from attendly.metrics.iready import GROWTH_COLUMNS

    return pd.DataFrame(columns=list(GROWTH_COLUMNS))


def check_year(value: object) -> str | None:
    """A year from the browser: None or a well-formed `2025-2026`; Forbidden otherwise."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not YEAR_PATTERN.match(value):
        raise Forbidden("that academic year is not valid")
    return value
