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
from attendly.metrics.kpis import TREND_COLUMNS
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent, percent_hundredths_series
from attendly.metrics.student import one_student_figures
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
DAY_NAMES = (*WEEKDAYS, "Saturday", "Sunday")  # by weekday number, Monday 0
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
    if not domain_rows:  # the merge gives the empty frame the column types it always had
        domains = pd.DataFrame(domain_rows, columns=["id", "domain", "scale_score"])
        domains = domains.merge(diagnostics[["id", "subject", "completion_date"]], on="id")
        return diagnostics.drop(columns=["id"]), domains.drop(columns=["id"])
    # Each score with its diagnostic's subject and date, in the scores' order: what an inner
    # merge on the id gives, without its cost of milliseconds.
    of_id = {
        int(key): (subject, date)
        for key, subject, date in zip(
            ids,
            diagnostics["subject"].tolist(),
            diagnostics["completion_date"].tolist(),
            strict=True,
        )
    }
    mine = [row for row in domain_rows if row[0] in of_id]
    domains = pd.DataFrame(
        {
            "domain": [row[1] for row in mine],
            "scale_score": [row[2] for row in mine],
            "subject": [of_id[row[0]][0] for row in mine],
            "completion_date": pd.Series([of_id[row[0]][1] for row in mine], dtype=object),
        }
    )
    return diagnostics.drop(columns=["id"]), domains


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
    figures = [one_student_figures(days, policy)] if len(days) else []
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
    # The rows still valid, by subject (a stable sort): filtered as tuples, not as a frame.
    until, subject = STORED_COLUMNS.index("valid_until"), STORED_COLUMNS.index("subject")
    latest = sorted((row for row in rows if row[until] is None), key=lambda row: row[subject])
    if not latest:
        return pd.DataFrame()
    return growth_frame(pd.DataFrame(latest, columns=list(STORED_COLUMNS)))


def day_statuses(days: pd.DataFrame) -> pd.DataFrame:
    """Per school day: date, week (its Monday), weekday name, daily percentage and a
    plain-words status (Present, Partly absent, Absent all day)."""
    if days.empty:
        return pd.DataFrame(columns=["date", "week", "weekday", "percent", "status", "codes"])
    dates, weekday = _day_numbers(days)
    present = days["present"].to_numpy(dtype=np.int64)
    scheduled = days["scheduled"].to_numpy(dtype=np.int64)
    status = np.select(
        [present == 0, present == scheduled], ["Absent all day", "Present"], "Partly absent"
    )
    values = _period_values(days)
    recorded = pd.notna(values).any(axis=0)
    last = int(np.flatnonzero(recorded)[-1]) if recorded.any() else 0
    # The category letters of periods 1 to the last one recorded, "·" where none was.
    codes = [
        " ".join(value if isinstance(value, str) and value else "·" for value in row)
        for row in values[:, 1 : last + 1].tolist()
    ]
    index = days.index
    return pd.DataFrame(
        {
            "date": days["date"],
            "week": pd.Series((dates - weekday).astype(object), index=index, dtype=object),
            "weekday": pd.Series(np.array(DAY_NAMES)[weekday].tolist(), index=index),
            "percent": percent_hundredths_series(days["present"], days["scheduled"]) / 100,
            "status": pd.Series(status.tolist(), index=index),
            "codes": pd.Series(codes, index=index),
        }
    )


def _day_numbers(days: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The days' dates (numpy days) and weekday numbers (Monday 0): 1970-01-01 was a
    Thursday."""
    dates = pd.to_datetime(days["date"]).to_numpy().astype("datetime64[D]")
    return dates, (dates.astype(np.int64) + 3) % 7


def _period_values(days: pd.DataFrame) -> np.ndarray:
    """The period columns as one array of objects: a row per day, a column per period
    number (PERIOD_NUMBERS are 0 to 9); None or NaN where no category was recorded."""
    return np.column_stack([days[name].to_numpy(dtype=object) for name in PERIOD_COLUMNS])


def weekday_period_absences(days: pd.DataFrame) -> pd.DataFrame:
    """Absent periods (E, U, V, S) per weekday and period: weekday, period, absences, scheduled.

    Counted with one pass per period column (np.bincount over the days' weekday numbers), not
    a filter per weekday and period: a year is ~180 days x 7 periods."""
    if days.empty:
        return pd.DataFrame(columns=["weekday", "period", "absences", "scheduled"])
    weekday = _day_numbers(days)[1]
    values = _period_values(days)
    recorded_cells = pd.notna(values)
    absent_cells = np.frompyfunc(ABSENT_CATEGORIES.__contains__, 1, 1)(values).astype(bool)
    rows = []
    for index, n in enumerate(PERIOD_NUMBERS):
        recorded = recorded_cells[:, index]
        if not recorded.any():
            continue
        absences = np.bincount(weekday, weights=absent_cells[:, index], minlength=7)
        scheduled = np.bincount(weekday, weights=recorded, minlength=7)
        rows += [
            {
                "weekday": name,
                "period": n,
                "absences": int(absences[day]),
                "scheduled": int(scheduled[day]),
            }
            for day, name in enumerate(WEEKDAYS)  # Monday is 0, as _day_numbers numbers them
        ]
    return pd.DataFrame(rows, columns=["weekday", "period", "absences", "scheduled"])


def monthly_rates(days: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Attendance and period attendance rate per calendar month (metrics trend columns).

    What `trend_from_totals(daily_totals(days, policy), "month")` gives (the policy does not
    change these columns), summed per month in numpy instead of two groupbys."""
    if days.empty:
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    dates, _ = _day_numbers(days)
    months, month = np.unique(dates.astype("datetime64[M]"), return_inverse=True)
    present = days["present"].to_numpy(dtype=np.int64)

    def per_month(values: np.ndarray) -> np.ndarray:  # whole numbers, exact as float sums
        return np.bincount(month, weights=values, minlength=len(months)).astype(np.int64)

    enrolled = np.bincount(month, minlength=len(months)).astype(np.int64)
    days_present = enrolled - per_month(present == 0)
    scheduled = per_month(days["scheduled"].to_numpy(dtype=np.int64))
    attended = per_month(present)
    return pd.DataFrame(
        {
            "period_start": pd.Series(months.astype("datetime64[D]").astype(object), dtype=object),
            "days_enrolled": enrolled,
            "days_present": days_present,
            "attendance_rate": [
                percent(int(p), int(e)) for p, e in zip(days_present, enrolled, strict=True)
            ],
            "scheduled_periods": scheduled,
            "present_periods": attended,
            "period_attendance_rate": [
                percent(int(p), int(s)) for p, s in zip(attended, scheduled, strict=True)
            ],
        }
    )[list(TREND_COLUMNS)]


def first_day(days: pd.DataFrame) -> dt.date | None:
    return None if days.empty else days["date"].min()


def subject_growth(data: StudentYear, subject: str) -> dict[str, Any]:
    """The student's growth row of `subject` (metrics GROWTH_COLUMNS), {} when none."""
    growth = data.growth
    if not len(growth):
        return {}
    rows = np.flatnonzero(growth["subject"].to_numpy(dtype=object) == subject)
    if not len(rows):
        return {}
    # Each column's value of the last row as a Python value, as Series.to_dict gives it.
    row = int(rows[-1])
    return {str(key): growth[key].tolist()[row] for key in growth.columns}
