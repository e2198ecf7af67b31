"""The Overview's KPIs added up in SQL, without loading a row per student.

Every attendance KPI is a sum or a count over students (metric definitions §5: rates of
summed days and periods, counts of eligible, chronic, truant students and of each tier), so
the database groups the year summaries (now) and db.week_before's rows (a week ago) by grade
and tier, and the same `percent` as attendly.metrics.kpis finishes the rates: the numbers are
those of `attendance_kpis` over the per-student frames, to the digit. The groups come
pre-added per school, grade and tier (db.overview_groups) while those hold; a district then
adds up a few hundred rows instead of a row per student. The i-Ready KPIs are
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

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from attendly.metrics.iready import ON_GRADE_LEVEL, SUBJECTS
from attendly.metrics.kpis import TREND_COLUMNS
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent
from attendly.metrics.tiers import PRESET_TIERS
from db import queries
from db.growth_models import IReadyGrowth
from db.models import School, Student, StudentYearSummary
from db.overview_groups import SUMS, Which, group_sums, summed
from db.week_before import header, policy_key
from db.week_before_models import StudentWeekBefore


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
    now_rows = _stored_sums(session, "now", scope, policy)
    now = _kpi_object(scope, policy, now_rows)
    iready_now, iready_before = _iready_kpis(session, scope, before)
    now["iready"] = iready_now
    previous = None
    if before is not None:
        rows = _stored_sums(session, "before", scope, policy)
        previous = _kpi_object(scope, policy, rows)
        previous["iready"] = iready_before
    return OverviewKpis(now, previous, before, _comparison(now_rows))


def _stored_sums(
    session: Session, which: Which, scope: Any, policy: Policy
) -> list[tuple[int, str, tuple[int, ...]]]:
    """`_grade_sums` of the summaries (now) or last week's rows (before), added up from the
    pre-added groups (db.overview_groups) while they hold for these rows and this policy."""
    stored = group_sums(session, which, scope, policy)
    if stored is not None:
        return stored
    table = StudentYearSummary if which == "now" else StudentWeekBefore
    return _grade_sums(session, table, scope, policy)


def _grade_sums(
    session: Session,
    table: type[StudentYearSummary] | type[StudentWeekBefore],
    scope: Any,
    policy: Policy,
) -> list[tuple[int, str, tuple[int, ...]]]:
    """Per (grade, tier): (grade, tier, SUMS) over the scope's students (a db.dashboard.Scope),
    in the order the database gives them. Students without a school are left out, as the
    per-student frames leave them out (db.queries._stored_figures joins the school).

    A dozen rows: plain tuples, which the callers add up in Python faster than a frame."""
    statement = (
        select(
            Student.grade_level,
            table.tier,
            *summed(table, policy.truant_threshold),
        )
        .join(Student, Student.id == table.student_id)
        .join(School, School.id == Student.school_id)
        .where(table.academic_year == scope.academic_year)
        .group_by(Student.grade_level, table.tier)
    )
    result = session.execute(queries.in_scope(statement, scope.grades, scope.schools))
    return [
        (int(grade), str(tier), tuple(int(value) for value in sums))
        for grade, tier, *sums in result
    ]


def _added(rows: Sequence[tuple[int, ...]]) -> dict[str, int]:
    """SUMS added up over `rows` (tuples in the order of SUMS)."""
    return dict(zip(SUMS, (sum(column) for column in zip(*rows, strict=True)), strict=True))


def _kpi_object(
    scope: Any, policy: Policy, rows: list[tuple[int, str, tuple[int, ...]]]
) -> dict[str, Any]:
    """db.dashboard.kpi_object's keys (less the correlation, which the Overview does not
    show) from the grouped sums."""
    total = _added([sums for _, _, sums in rows]) if rows else dict.fromkeys(SUMS, 0)
    # the preset's tiers first, any other stored tier after them in the order first met
    tier_counts = {tier.value: 0 for tier in PRESET_TIERS[policy.tier_preset]}
    for _, tier, sums in rows:
        tier_counts[tier] = tier_counts.get(tier, 0) + sums[0]
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


def _comparison(rows: list[tuple[int, str, tuple[int, ...]]]) -> pd.DataFrame:
    """db.dashboard.grade_comparison's frame from the grouped sums."""
    from db.dashboard import grade_comparison_columns

    by_grade: dict[int, list[tuple[int, ...]]] = {}
    for grade, _, sums in rows:
        by_grade.setdefault(grade, []).append(sums)
    out = []
    for grade in sorted(by_grade):
        n = _added(by_grade[grade])
        out.append(
            {
                "grade_level": grade,
                "students": n["students"],
                "attendance_rate": percent(n["days_present"], n["days_enrolled"]),
                "chronic_absenteeism_rate": percent(n["chronically_absent"], n["eligible"]),
                "period_attendance_rate": percent(n["present_periods"], n["scheduled_periods"]),
                "truant_students": n["truant"],
            }
        )
    return pd.DataFrame(out, columns=grade_comparison_columns())


def _iready_kpis(
    session: Session, scope: Any, before: dt.date | None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """metrics.iready.subject_kpis over the scope's growth rows holding now, and over those
    holding on `before` (None without it): both from one scan of the year's rows, each
    tallied with its own FILTER."""
    growth = IReadyGrowth
    holding: list[ColumnElement[bool]] = [growth.valid_until.is_(None)]
    if before is not None:
        holding.append(
            (growth.most_recent_date <= before)
            & or_(growth.valid_until.is_(None), growth.valid_until > before)
        )
    placed = growth.placement_level.is_not(None)
    on_grade = growth.placement_level >= ON_GRADE_LEVEL
    tallies = [
        func.count().filter(condition)
        for when in holding
        for condition in (when, when & placed, when & on_grade)
    ]
    statement = (
        select(growth.subject, growth.typical_hundredths, *tallies)
        .where(growth.academic_year == scope.academic_year, or_(*holding))
        .group_by(growth.subject, growth.typical_hundredths)
    )
    if scope.grades is not None or scope.schools is not None:
        # as db.growth.stored_growth: the student's row only when asked
        statement = statement.join(Student, Student.id == growth.student_id)
        statement = queries.in_scope(statement, scope.grades, scope.schools)
    rows: list[Any] = [row for row in session.execute(statement) if row[0] in SUBJECTS]
    counts = [{subject: [0, 0, 0] for subject in SUBJECTS} for _ in holding]
    progress: list[dict[str, list[tuple[int, int]]]] = [
        {subject: [] for subject in SUBJECTS} for _ in holding
    ]
    for index, (count, progressed) in enumerate(zip(counts, progress, strict=True)):
        first = 2 + 3 * index  # this date's three tallies
        for row in rows:
            students = int(row[first])
            if not students:
                continue
            subject, hundredths = row[0], row[1]
            tally = count[subject]
            tally[0] += students
            tally[1] += int(row[first + 1])
            tally[2] += int(row[first + 2])
            if hundredths is not None:
                progressed[subject].append((int(hundredths), students))
    kpis = [
        {
            subject: {
                "students": count[subject][0],
                "pct_on_grade": percent(count[subject][2], count[subject][1]),
                "median_progress_to_typical": median_of_counts(progressed[subject]),
            }
            for subject in SUBJECTS
        }
        for count, progressed in zip(counts, progress, strict=True)
    ]
    return kpis[0], kpis[1] if before is not None else None


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


def weekly_trend(session: Session, scope: Any) -> pd.DataFrame:
    """metrics.kpis.trend_from_totals(db.dashboard.daily_totals(session, scope), "week"), the
    same frame to the dtype: the scope's day totals summed per school week (labelled by its
    Monday) in plain Python, a few hundred dates, where pandas took milliseconds."""
    from db.dashboard import daily_totals_statement

    weeks: dict[dt.date, list[int]] = {}
    for day, enrolled, absent, scheduled, present in session.execute(daily_totals_statement(scope)):
        if isinstance(day, str):  # a driver that gives dates as text
            day = dt.date.fromisoformat(day[:10])
        start = day - dt.timedelta(days=day.weekday())
        sums = weeks.setdefault(start, [0, 0, 0, 0])
        sums[0] += int(enrolled)
        sums[1] += int(absent)
        sums[2] += int(scheduled)
        sums[3] += int(present)
    if not weeks:
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    starts = sorted(weeks)
    enrolled_days = np.array([weeks[start][0] for start in starts], dtype="int64")
    present_days = enrolled_days - np.array([weeks[start][1] for start in starts], dtype="int64")
    scheduled_periods = np.array([weeks[start][2] for start in starts], dtype="int64")
    present_periods = np.array([weeks[start][3] for start in starts], dtype="int64")
    return pd.DataFrame(
        {
            "period_start": np.array(starts, dtype=object),
            "days_enrolled": enrolled_days,
            "days_present": present_days,
            "attendance_rate": [
                percent(int(p), int(e)) for p, e in zip(present_days, enrolled_days, strict=True)
            ],
            "scheduled_periods": scheduled_periods,
            "present_periods": present_periods,
            "period_attendance_rate": [
                percent(int(p), int(s))
                for p, s in zip(present_periods, scheduled_periods, strict=True)
            ],
        },
        columns=list(TREND_COLUMNS),
    )
