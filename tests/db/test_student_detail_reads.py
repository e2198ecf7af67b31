"""A student's page reads its growth from the growth table and counts absences per weekday
and period in one pass: both equal what they replace (SQLite and PostgreSQL)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete
from sqlalchemy.orm import Session

from attendly.metrics.codes import ABSENT_CATEGORIES
from attendly.metrics.iready import growth_by_student
from attendly.metrics.policy import Policy
from db import student_detail
from db.growth_models import IReadyGrowth
from db.student_detail import PERIOD_NUMBERS, WEEKDAYS
from tests.db.test_overview_figures import load_random_school


def weekday_period_reference(days: pd.DataFrame) -> pd.DataFrame:
    """The filter-per-cell counting the page used before (kept as the reference)."""
    weekday = pd.to_datetime(days["date"]).dt.day_name()
    rows = []
    for n in PERIOD_NUMBERS:
        column = days[f"period_{n}"]
        if column.notna().sum() == 0:
            continue
        for name in WEEKDAYS:
            on_day = column[weekday == name]
            rows.append(
                {
                    "weekday": name,
                    "period": n,
                    "absences": int(on_day.isin(ABSENT_CATEGORIES).sum()),
                    "scheduled": int(on_day.notna().sum()),
                }
            )
    return pd.DataFrame(rows, columns=["weekday", "period", "absences", "scheduled"])


def test_growth_and_weekday_counts_equal_what_they_replace(session: Session) -> None:
    ids = load_random_school(session, 21, students=40)
    compared = 0
    for student in ids:
        data = student_detail.student_year(session, Policy(), student, None, None)
        days = data.days
        if len(days):
            expected = weekday_period_reference(days)
            pd.testing.assert_frame_equal(student_detail.weekday_period_absences(days), expected)
        if len(data.diagnostics):
            frame = data.diagnostics.assign(student_id=student, academic_year="2025-2026")
            computed = growth_by_student(frame).reset_index(drop=True)
            pd.testing.assert_frame_equal(
                data.growth.reset_index(drop=True), computed, check_dtype=False
            )
            assert list(data.growth["placement_level"]) == list(computed["placement_level"])
            compared += 1
    assert compared > 10


def test_without_the_growth_rows_the_page_computes_them(session: Session) -> None:
    ids = load_random_school(session, 22, students=30)
    with_diagnostics = [
        s for s in ids if len(student_detail.iready_history(session, s, "2025-2026")[0])
    ]
    student = with_diagnostics[0]
    stored = student_detail.student_year(session, Policy(), student, None, None).growth
    session.execute(delete(IReadyGrowth).where(IReadyGrowth.student_id == student))
    assert student_detail.stored_student_growth(session, student, "2025-2026", 1) is None
    computed = student_detail.student_year(session, Policy(), student, None, None).growth
    pd.testing.assert_frame_equal(
        stored.reset_index(drop=True), computed.reset_index(drop=True), check_dtype=False
    )
