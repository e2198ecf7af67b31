"""The Overview's KPIs added up in SQL, without loading a row per student.

Every attendance KPI is a sum or a count over students (metric definitions §5: rates of
summed days and periods, counts of eligible, chronic, truant students and of each tier), so
the database groups the year summaries (now) and db.week_before's rows (a week ago) by grade
and tier, and the same `percent` as attendly.metrics.kpis finishes the rates: the numbers are
those of `attendance_kpis` over the per-student frames, to the digit. The i-Ready KPIs are
counts per subject and the median of progress to typical growth, taken exactly from a
histogram of the stored hundredths (attendly.metrics.iready.median_rate's rule).

`overview_kpis` answers None when the stored figures cannot answer for the scope: last week's
rows were computed for other dates or another policy, or the growth table is being rebuilt.
The caller then computes from per-student rows (db.dashboard), as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Integer, case, func, or_, select
from sqlalchemy.orm import Session

from attendly.metrics.iready import ON_GRADE_LEVEL, SUBJECTS
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent
from attendly.metrics.tiers import PRESET_TIERS
from db import queries
from db.aggregates import count_of
from db.growth_models import IReadyGrowth
from db.models import School, Student, StudentYearSummary
from db.week_before import header, policy_key
from db.week_before_models import StudentWeekBefore

SUMS = (
    "students",
    "eligible",
    "chronically_absent",
    "days_enrolled",
    "days_present",
    "present_periods",
    "scheduled_periods",
    "truant",
)


@dataclass
class OverviewKpis:
    """KPI objects now and a week earlier (None without one), and the per-grade comparison."""

    now: dict[str, Any]
    before: dict[str, Any] | None
    before_date: dt.date | None
    grades: pd.DataFrame


def overview_kpis(
    session: Session,
    policy: Policy,
    *,
    academic_year: str,
    as_of: dt.date,
    grades: Sequence[int] | None,
    grade: int | None = None,
    in_sync: bool = True,
    schools: Sequence[int] | None = None,
    school: str | None = None,
) -> OverviewKpis | None:
    """The Overview's figures of one scope (students in `grades` of the schools with ids
    `schools`, None = every one) from grouped sums; None when they cannot be used (`in_sync`:
    the caller's db.growth.in_sync for the current data version)."""
    if not in_sync:
        return None
    from db import week_change
    from db.dashboard import Scope

    scope = Scope(
        academic_year,
        as_of,
        tuple(grades) if grades is not None else None,
        grade,
        tuple(schools) if schools is not None else None,
        school,
    )
    before = week_change.previous_as_of(session, scope)
    if before is not None:
        stored = header(session, academic_year)
        if stored is None or (stored.as_of, stored.before, stored.policy_key) != (
            as_of,
            before,
            policy_key(policy),
        ):
            return None
    now_rows = _grade_sums(session, StudentYearSummary, scope, policy)
    now = _kpi_object(scope, policy, now_rows)
    now["iready"] = _iready(session, scope, None)
    previous = None
    if before is not None:
        rows = _grade_sums(session, StudentWeekBefore, scope, policy)
        previous = _kpi_object(scope, policy, rows)
        previous["iready"] = _iready(session, scope, before)
    return OverviewKpis(now, previous, before, _comparison(now_rows))


def _grade_sums(
    session: Session,
    table: type[StudentYearSummary] | type[StudentWeekBefore],
    scope: Any,
    policy: Policy,
) -> pd.DataFrame:
    """Per (grade, tier): SUMS over the scope's students (a db.dashboard.Scope). Students
    without a school are left out, as the per-student frames leave them out
    (db.queries._stored_figures joins the school)."""
    statement = (
        select(
            Student.grade_level,
            table.tier,
            func.count().label("students"),
            count_of(table.eligible).label("eligible"),
            count_of(table.chronically_absent).label("chronically_absent"),
            func.sum(table.days_enrolled).label("days_enrolled"),
            func.sum(table.days_present).label("days_present"),
            func.sum(table.present_periods).label("present_periods"),
            func.sum(table.scheduled_periods).label("scheduled_periods"),
            count_of(table.truancy_occasions >= policy.truant_threshold).label("truant"),
        )
        .join(Student, Student.id == table.student_id)
        .join(School, School.id == Student.school_id)
        .where(table.academic_year == scope.academic_year)
        .group_by(Student.grade_level, table.tier)
    )
    result = session.execute(queries.in_scope(statement, scope.grades, scope.schools)).all()
    rows = pd.DataFrame(result, columns=["grade_level", "tier", *SUMS])
    for name in ("grade_level", *SUMS):
        rows[name] = rows[name].astype("int64")
    return rows


def _kpi_object(scope: Any, policy: Policy, rows: pd.DataFrame) -> dict[str, Any]:
    """db.dashboard.kpi_object's keys (less the correlation, which the Overview does not
    show) from the grouped sums."""
    total = {name: int(rows[name].sum()) for name in SUMS}
    tier_counts = {tier.value: 0 for tier in PRESET_TIERS[policy.tier_preset]}
    for tier, count in rows.groupby("tier", sort=False)["students"].sum().items():
        tier_counts[str(tier)] = int(count)
    return {
        "scope": {
            "school": scope.school,
            "grade": scope.grade,
            "grades": list(scope.grades) if scope.grades else None,
        },
        "academic_year": scope.academic_year,
        "as_of": scope.as_of.isoformat() if scope.as_of else None,
        "students": total["students"],
        "eligible_students": total["eligible"],
        "chronically_absent_students": total["chronically_absent"],
        "attendance_rate": percent(total["days_present"], total["days_enrolled"]),
        "chronic_absenteeism_rate": percent(total["chronically_absent"], total["eligible"]),
        "period_attendance_rate": percent(total["present_periods"], total["scheduled_periods"]),
        "truant_students": total["truant"],
        "tier_counts": tier_counts,
    }


def _comparison(rows: pd.DataFrame) -> pd.DataFrame:
    """db.dashboard.grade_comparison's frame from the grouped sums."""
    from db.dashboard import grade_comparison_columns

    per_grade = rows.groupby("grade_level", sort=True)[list(SUMS)].sum()
    out = [
        {
            "grade_level": int(str(grade)),
            "students": int(n["students"]),
            "attendance_rate": percent(int(n["days_present"]), int(n["days_enrolled"])),
            "chronic_absenteeism_rate": percent(int(n["chronically_absent"]), int(n["eligible"])),
            "period_attendance_rate": percent(
                int(n["present_periods"]), int(n["scheduled_periods"])
            ),
            "truant_students": int(n["truant"]),
        }
        for grade, n in per_grade.iterrows()
    ]
    return pd.DataFrame(out, columns=grade_comparison_columns())


def _iready(session: Session, scope: Any, until: dt.date | None) -> dict[str, Any]:
    """metrics.iready.subject_kpis over the scope's growth rows holding now (or on `until`)."""
    growth = IReadyGrowth
    holding: ColumnElement[bool]
    if until is None:
        holding = growth.valid_until.is_(None)
    else:
        holding = (growth.most_recent_date <= until) & or_(
            growth.valid_until.is_(None), growth.valid_until > until
        )
    placed = growth.placement_level.is_not(None)
    statement = (
        select(
            growth.subject,
            growth.typical_hundredths,
            func.count(),
            func.sum(case((placed, 1), else_=0)).cast(Integer),
            func.sum(case((growth.placement_level >= ON_GRADE_LEVEL, 1), else_=0)).cast(Integer),
        )
        .where(growth.academic_year == scope.academic_year, holding)
        .group_by(growth.subject, growth.typical_hundredths)
    )
    if scope.grades is not None or scope.schools is not None:
        # as db.growth.stored_growth: the student's row only when asked
        statement = statement.join(Student, Student.id == growth.student_id)
        statement = queries.in_scope(statement, scope.grades, scope.schools)
    counts: dict[str, list[int]] = {subject: [0, 0, 0] for subject in SUBJECTS}
    progress: dict[str, list[tuple[int, int]]] = {subject: [] for subject in SUBJECTS}
    for subject, hundredths, students, with_placement, on_grade in session.execute(statement):
        if subject not in counts:
            continue
        tally = counts[subject]
        tally[0] += int(students)
        tally[1] += int(with_placement or 0)
        tally[2] += int(on_grade or 0)
        if hundredths is not None:
            progress[subject].append((int(hundredths), int(students)))
    return {
        subject: {
            "students": counts[subject][0],
            "pct_on_grade": percent(counts[subject][2], counts[subject][1]),
            "median_progress_to_typical": median_of_counts(progress[subject]),
        }
        for subject in SUBJECTS
    }


def median_of_counts(values: list[tuple[int, int]]) -> float | None:
    """The median of hundredths given as (value, how many) pairs, as median_rate takes it:
    the middle value, or the two middles' mean rounded half up, in hundredths."""
    total = sum(n for _, n in values)
    if total == 0:
        return None
    ordered = sorted(values)

    def at(position: int) -> int:  # the value at a 0-based position of the sorted list
        seen = 0
        for value, n in ordered:
            seen += n
            if position < seen:
                return value
        raise IndexError(position)

    middle = total // 2
    if total % 2:
        return at(middle) / 100
    return (at(middle - 1) + at(middle) + 1) // 2 / 100
