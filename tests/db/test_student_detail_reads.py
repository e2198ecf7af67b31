"""A student's page reads its growth from the growth table, counts absences per weekday
and period in one pass and computes its figures, day statuses and monthly rates in numpy: all
equal what they replace (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from attendly.metrics.codes import ABSENT_CATEGORIES
from attendly.metrics.iready import growth_by_student
from attendly.metrics.kpis import TREND_COLUMNS, daily_totals, trend_from_totals
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent_hundredths_series
from attendly.metrics.student import student_year_figures
from db import student_detail
from db.growth import refresh_all_growth
from db.growth_models import IReadyGrowth
from db.models import IReadyDiagnostic, IReadyDomainScore, Student
from db.student_detail import PERIOD_NUMBERS, WEEKDAYS
from db.summaries import refresh_summaries
from tests.db.days import add_day
from tests.db.test_overview_figures import DAYS, SETTINGS, load_random_school


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


def day_statuses_reference(days: pd.DataFrame) -> pd.DataFrame:
    """The per-column pandas statuses the page used before (kept as the reference). A blank
    period is "·" whether the frame holds it as None or (a text column, pandas 3) as NaN:
    the old `value or "·"` stopped with a TypeError on the NaN."""
    dates = pd.to_datetime(days["date"])
    percent = percent_hundredths_series(days["present"], days["scheduled"]) / 100
    status = pd.Series("Partly absent", index=days.index)
    status[days["present"] == days["scheduled"]] = "Present"
    status[days["present"] == 0] = "Absent all day"
    used = [n for n in PERIOD_NUMBERS if days[f"period_{n}"].notna().any()]
    shown = [f"period_{n}" for n in range(1, (max(used) if used else 0) + 1)]
    codes = [
        " ".join(value if isinstance(value, str) and value else "·" for value in row)
        for row in days[shown].itertuples(False)
    ]
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


def domains_reference(session: Session, student: str, year: str) -> pd.DataFrame:
    """The domain scores with their diagnostic's subject and date by a merge on the id, as
    the page read them before (kept as the reference)."""
    diag = IReadyDiagnostic
    rows = session.execute(
        select(diag.id, diag.subject, diag.completion_date)
        .where(diag.student_id == student, diag.academic_year == year)
        .order_by(diag.subject, diag.completion_date)
    ).all()
    diagnostics = pd.DataFrame(rows, columns=["id", "subject", "completion_date"])
    scores = session.execute(
        select(
            IReadyDomainScore.diagnostic_id, IReadyDomainScore.domain, IReadyDomainScore.scale_score
        ).where(IReadyDomainScore.diagnostic_id.in_([int(key) for key in diagnostics["id"]]))
    ).all()
    domains = pd.DataFrame(scores, columns=["id", "domain", "scale_score"])
    return domains.merge(diagnostics, on="id").drop(columns=["id"])


def subject_growth_reference(data: student_detail.StudentYear, subject: str) -> dict[str, Any]:
    growth = data.growth
    rows = growth[growth["subject"] == subject] if len(growth) else growth
    if rows.empty:
        return {}
    return {str(key): value for key, value in rows.iloc[-1].to_dict().items()}


def add_edge_students(session: Session) -> list[str]:
    """Beside a random school: a student never absent and without i-Ready, a late enroller
    with a blank period between recorded ones and i-Ready domain scores, and one absent
    every day."""
    for student in ("9001", "9002", "9003"):
        session.add(
            Student(id=student, last_name="E", first_name=student, grade_level=7, school_id=1)
        )
    session.flush()
    for day in DAYS:
        add_day(session, "9001", day, ["P", "T", "P", "P", "P", "P"])
        add_day(session, "9003", day, ["E", "U", "V", "S", "E", "U"])
    for index, day in enumerate(DAYS[-4:]):
        add_day(session, "9002", day, ["P", None, "U", "P", "E", "P", "P"] if index else ["P"] * 7)
    for day, score in ((DAYS[-1], 512), (DAYS[-4], 488)):  # the later one written first
        diagnostic = IReadyDiagnostic(
            student_id="9002",
            subject="ELA",
            completion_date=day,
            academic_year="2025-2026",
            baseline=score == 488,
            overall_scale_score=score,
            placement_level=3,
            annual_typical_growth=20,
            annual_stretch_growth=40,
        )
        session.add(diagnostic)
        session.flush()
        for domain, offset in (("Vocabulary", 4), ("Phonics", -9), ("Comprehension", 0)):
            session.add(
                IReadyDomainScore(
                    diagnostic_id=diagnostic.id, domain=domain, scale_score=score + offset
                )
            )
    session.flush()
    refresh_summaries(session, ["9001", "9002", "9003"], SETTINGS)
    refresh_all_growth(session)
    session.commit()
    return ["9001", "9002", "9003"]


@pytest.mark.parametrize(
    "policy", [Policy(), Policy(tier_preset="days_ladder", min_days_enrolled=3)]
)
def test_page_frames_equal_what_they_replace(session: Session, policy: Policy) -> None:
    """Figures, day statuses, monthly rates, domain scores and growth rows: computed in numpy
    and without merges, equal (values and types) to the pandas computations they replace."""
    ids = load_random_school(session, 23, students=30) + add_edge_students(session)
    with_domains = 0
    for student in ids:
        data = student_detail.student_year(session, policy, student, None, None)
        days = data.days
        if len(days):
            expected = student_year_figures(days, policy).to_dict("records")[0]
            assert data.figures == expected
            assert [type(v) for v in data.figures.values()] == [type(v) for v in expected.values()]
        else:
            assert data.figures is None
        pd.testing.assert_frame_equal(
            student_detail.day_statuses(days), day_statuses_reference(days), check_exact=True
        )
        pd.testing.assert_frame_equal(
            student_detail.monthly_rates(days, policy),
            trend_from_totals(daily_totals(days, policy), "month"),
            check_exact=True,
        )
        reference = domains_reference(session, student, "2025-2026")
        if len(reference):
            pd.testing.assert_frame_equal(data.domains, reference, check_exact=True)
            with_domains += 1
        for subject in ("ELA", "MATH"):
            growth = student_detail.subject_growth(data, subject)
            expected_growth = subject_growth_reference(data, subject)
            assert list(growth) == list(expected_growth)
            for key, value in expected_growth.items():
                assert type(growth[key]) is type(value)
                assert growth[key] == value or (value != value and growth[key] != growth[key])
    assert with_domains == 1
    late = student_detail.day_statuses(
        student_detail.student_year(session, policy, "9002", None, None).days
    )
    assert late["codes"].tolist()[1:] == ["P · U P E P P"] * 3
    assert student_detail.student_year(session, policy, "9001", None, None).diagnostics.empty


def test_empty_days_give_empty_frames() -> None:
    empty = pd.DataFrame()
    columns = ["date", "week", "weekday", "percent", "status", "codes"]
    assert list(student_detail.day_statuses(empty).columns) == columns
    assert student_detail.monthly_rates(empty, Policy()).empty
    assert list(student_detail.monthly_rates(empty, Policy()).columns) == list(TREND_COLUMNS)
