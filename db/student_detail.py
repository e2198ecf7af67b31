"""One student's year: profile, every school day with its period statuses, i-Ready history.

A student outside the caller's grades or schools is reported exactly like a missing one
(NotFound with the same message), so the page never reveals that the student exists, let
alone the name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.errors import NotFound
from attendly.metrics.codes import ABSENT_CATEGORIES
from attendly.metrics.kpis import daily_totals, trend_from_totals
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent_hundredths_series
from attendly.metrics.student import student_year_figures
from db import queries
from db.frames import frame
from db.models import (
    PERIOD_NUMBERS,
    AttendanceRecord,
    IReadyDiagnostic,
    IReadyDomainScore,
    School,
    Student,
)

NOT_FOUND = "No such student, or not one you may see."
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
PERIOD_COLUMNS = tuple(f"period_{n}" for n in PERIOD_NUMBERS)


@dataclass
class StudentYear:
    """What the student detail page shows."""

    student: dict[str, Any]
    figures: dict[str, Any] | None
    days: pd.DataFrame
    diagnostics: pd.DataFrame
    domains: pd.DataFrame
    growth: pd.DataFrame


def find_student(
    session: Session,
    student_id: str,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> dict[str, Any]:
    """id, names and grade of a student the caller may see (in `allowed_grades` of the
    schools with codes `allowed_schools`, None = every one); NotFound otherwise."""
    row = session.execute(
        select(
            Student.id,
            Student.last_name,
            Student.first_name,
            Student.grade_level,
            School.code.label("school_code"),
        )
        .outerjoin(School, School.id == Student.school_id)
        .where(Student.id == str(student_id)[:32])
    ).first()
    if row is None or (allowed_grades is not None and row.grade_level not in allowed_grades):
        raise NotFound(NOT_FOUND)
    if allowed_schools is not None and row.school_code not in allowed_schools:
        raise NotFound(NOT_FOUND)
    student = dict(row._mapping)
    del student["school_code"]  # the page's profile keys stay what they were
    return student


def student_days(session: Session, student_id: str, academic_year: str) -> pd.DataFrame:
    """The student's school days of the year: date, period_0..period_9 (category letters or
    None), scheduled, present, unexcused_periods, unverified_periods, student_id."""
    record = AttendanceRecord
    columns = [getattr(record, name) for name in PERIOD_COLUMNS]
    result = session.execute(
        select(
            record.student_id,
            record.date,
            *columns,
            record.scheduled,
            record.present,
            record.unexcused_periods,
            record.unverified_periods,
        )
        .where(record.student_id == student_id, record.academic_year == academic_year)
        .order_by(record.date)
    )
    return frame(result)


def iready_history(
    session: Session, student_id: str, academic_year: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(diagnostics: subject, completion_date, overall_scale_score, placement_level,
    overall_relative_placement, annual_typical_growth, annual_stretch_growth, baseline;
    domains: subject, completion_date, domain, scale_score), oldest first."""
    diag = IReadyDiagnostic
    result = session.execute(
        select(
            diag.id,
            diag.subject,
            diag.completion_date,
            diag.overall_scale_score,
            diag.placement_level,
            diag.overall_relative_placement,
            diag.annual_typical_growth,
            diag.annual_stretch_growth,
            diag.baseline,
        )
        .where(diag.student_id == student_id, diag.academic_year == academic_year)
        .order_by(diag.subject, diag.completion_date)
    )
    diagnostics = frame(result)
    ids = [int(value) for value in diagnostics["id"]] if len(diagnostics) else []
    domain_rows = session.execute(
        select(
            IReadyDomainScore.diagnostic_id, IReadyDomainScore.domain, IReadyDomainScore.scale_score
        ).where(IReadyDomainScore.diagnostic_id.in_(ids))
    ).all()
    domains = pd.DataFrame(domain_rows, columns=["id", "domain", "scale_score"])
    domains = domains.merge(diagnostics[["id", "subject", "completion_date"]], on="id")
    return diagnostics.drop(columns=["id"]), domains.drop(columns=["id"])


def student_year(
    session: Session,
    policy: Policy,
    student_id: str,
    academic_year: str | None,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> StudentYear:
    """The student's year (the latest with data when `academic_year` is None); NotFound for
    a student outside `allowed_grades` or `allowed_schools` (codes)."""
    student = find_student(session, student_id, allowed_grades, allowed_schools)
    year = academic_year or queries.latest_academic_year(session)
    if year is None:
        empty = pd.DataFrame()
        return StudentYear(student, None, empty, empty, empty, empty)
    days = student_days(session, student["id"], year)
    records = student_year_figures(days, policy).to_dict("records") if len(days) else []
    figures = [{str(key): value for key, value in record.items()} for record in records]
    diagnostics, domains = iready_history(session, student["id"], year)
    from attendly.metrics.iready import growth_by_student

    growth = stored_student_growth(session, student["id"], year, len(diagnostics))
    if growth is None:  # the growth table is being rebuilt: compute from the diagnostics
        frame = diagnostics.assign(student_id=student["id"], academic_year=year)
        growth = growth_by_student(frame) if len(frame) else pd.DataFrame()
    student["academic_year"] = year
    return StudentYear(student, figures[0] if figures else None, days, diagnostics, domains, growth)


def stored_student_growth(
    session: Session, student_id: str, academic_year: str, diagnostics: int
) -> pd.DataFrame | None:
    """The student's growth now per subject from the growth table (db.growth: what
    growth_by_student computes, stored after every diagnostic write), or None when the table
    does not hold one row per diagnostic of theirs (a rebuild is under way)."""
    from db.growth import STORED_COLUMNS, growth_frame
    from db.growth_models import IReadyGrowth

    table = IReadyGrowth
    mine = (table.student_id == student_id) & (table.academic_year == academic_year)
    rows = session.execute(
        select(*(getattr(table, name) for name in STORED_COLUMNS)).where(mine)
    ).all()
    if len(rows) != diagnostics:
        return None
    stored = pd.DataFrame(rows, columns=list(STORED_COLUMNS))
    latest = stored[stored["valid_until"].isna()].sort_values("subject", kind="stable")
    if latest.empty:
        return pd.DataFrame()
    return growth_frame(latest.reset_index(drop=True))


def day_statuses(days: pd.DataFrame) -> pd.DataFrame:
    """Per school day: date, week (its Monday), weekday name, daily percentage and a
    plain-words status (Present, Partly absent, Absent all day)."""
    if days.empty:
        return pd.DataFrame(columns=["date", "week", "weekday", "percent", "status", "codes"])
    dates = pd.to_datetime(days["date"])
    percent = percent_hundredths_series(days["present"], days["scheduled"]) / 100
    status = pd.Series("Partly absent", index=days.index)
    status[days["present"] == days["scheduled"]] = "Present"
    status[days["present"] == 0] = "Absent all day"
    shown = list(PERIOD_COLUMNS[1 : _last_period(days) + 1])
    codes = [" ".join(value or "·" for value in row) for row in days[shown].itertuples(False)]
    return pd.DataFrame(
        {
            "date": days["date"],
            "week": (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date,
            "weekday": dates.dt.day_name(),
            "percent": percent,
            "status": status,
            "codes": codes,
        }
    )


def _last_period(days: pd.DataFrame) -> int:
    used = [n for n in PERIOD_NUMBERS if days[f"period_{n}"].notna().any()]
    return max(used) if used else 0


def weekday_period_absences(days: pd.DataFrame) -> pd.DataFrame:
    """Absent periods (E, U, V, S) per weekday and period: weekday, period, absences, scheduled.

    Counted with one pass per period column (np.bincount over the days' weekday numbers), not
    a filter per weekday and period: a year is ~180 days x 7 periods."""
    if days.empty:
        return pd.DataFrame(columns=["weekday", "period", "absences", "scheduled"])
    weekday = pd.to_datetime(days["date"]).dt.day_of_week.to_numpy()
    rows = []
    for n in PERIOD_NUMBERS:
        column = days[f"period_{n}"]
        recorded = column.notna().to_numpy()
        if not recorded.any():
            continue
        absent = column.isin(ABSENT_CATEGORIES).to_numpy()
        absences = np.bincount(weekday, weights=absent, minlength=7)
        scheduled = np.bincount(weekday, weights=recorded, minlength=7)
        rows += [
            {
                "weekday": name,
                "period": n,
                "absences": int(absences[index]),
                "scheduled": int(scheduled[index]),
            }
            for index, name in enumerate(WEEKDAYS)  # Monday is 0, as day_of_week numbers them
        ]
    return pd.DataFrame(rows, columns=["weekday", "period", "absences", "scheduled"])


def monthly_rates(days: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Attendance and period attendance rate per calendar month (metrics trend columns)."""
    return trend_from_totals(daily_totals(days, policy), "month")


def first_day(days: pd.DataFrame) -> dt.date | None:
    return None if days.empty else days["date"].min()


def subject_growth(data: StudentYear, subject: str) -> dict[str, Any]:
    """The student's growth row of `subject` (metrics GROWTH_COLUMNS), {} when none."""
    growth = data.growth
    rows = growth[growth["subject"] == subject] if len(growth) else growth
    if rows.empty:
        return {}
    return {str(key): value for key, value in rows.iloc[-1].to_dict().items()}
