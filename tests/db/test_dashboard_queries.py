"""Dashboard queries equal the contract queries (the CLI's numbers) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.metrics.policy import Policy
from db import dashboard, queries, student_detail, students_list
from db.correlation import subject_correlation
from db.models import IReadyDiagnostic, StudentYearSummary
from tests.db.test_queries import load_school

POLICY = Policy()


def add_diagnostics(session: Session) -> None:
    """Fall and winter ELA diagnostics for three students (baseline flagged on the first)."""
    rows = {"007": (500, 520, 4), "7": (480, 470, 2), "1234": (560, 590, 5)}
    for student, (first, second, level) in rows.items():
        for index, (day, score) in enumerate(
            ((dt.date(2025, 9, 2), first), (dt.date(2025, 9, 12), second))
        ):
            session.add(
                IReadyDiagnostic(
                    student_id=student,
                    subject="ELA",
                    completion_date=day,
                    academic_year="2025-2026",
                    baseline=index == 0,
                    overall_scale_score=score,
                    placement_level=level,
                    annual_typical_growth=20,
                    annual_stretch_growth=40,
                )
            )
    session.commit()


def scope(session: Session, grade: int | None = None, allowed=None) -> dashboard.Scope:
    return dashboard.resolve_scope(session, grade=grade, academic_year=None, allowed_grades=allowed)


@pytest.mark.parametrize("grade", [None, 6, 7])
def test_overview_kpis_equal_the_cli(session: Session, grade: int | None) -> None:
    load_school(session)
    add_diagnostics(session)
    data = dashboard.overview_data(session, POLICY, scope(session, grade))
    assert data.kpis == queries.kpis(session, POLICY, grade=grade)
    weeks = queries.weekly_trend(
        session,
        POLICY,
        academic_year="2025-2026",
        as_of=dt.date(2025, 9, 15),
        grades=[grade] if grade else None,
    )
    assert data.weeks.to_dict("records") == weeks.to_dict("records")


def test_last_weeks_kpis_equal_the_cli_as_of_that_day(session: Session) -> None:
    load_school(session)
    add_diagnostics(session)
    data = dashboard.overview_data(session, POLICY, scope(session))
    assert data.previous_as_of == dt.date(2025, 9, 8)  # the last school day a week before 9/15
    then = queries.kpis(session, POLICY, as_of=dt.date(2025, 9, 8))
    for key in (
        "students",
        "attendance_rate",
        "chronic_absenteeism_rate",
        "period_attendance_rate",
        "truant_students",
        "tier_counts",
    ):
        assert data.previous[key] == then[key], key
    assert data.previous["iready"]["ELA"]["students"] == 3  # only the 9/2 diagnostics count
    assert data.previous["iready"]["ELA"]["median_progress_to_typical"] == 0.0


def test_student_rows_equal_the_cli_report(session: Session) -> None:
    load_school(session)
    add_diagnostics(session)
    rows = students_list.student_rows(session, POLICY, scope(session))
    report = {row["student_id"]: row for row in queries.students_report(session, POLICY)}
    assert set(rows["student_id"]) == set(report)
    for row in rows.to_dict("records"):
        cli = report[row["student_id"]]
        for key in ("attendance_rate", "days_absent", "truancy_occasions", "tier", "grade_level"):
            assert row[key] == cli[key], key
        if "iready" in cli:
            assert row["ela_placement_level"] == cli["iready"]["ELA"]["placement_level"]


def test_student_filters_search_sort_and_pages(session: Session) -> None:
    load_school(session)
    rows = students_list.student_rows(session, POLICY, scope(session))
    chosen = students_list.StudentFilter(tiers=("moderate_chronic",), sort="name")
    assert list(students_list.filter_students(rows, chosen)["student_id"]) == ["007", "7"]
    assert list(
        students_list.filter_students(rows, students_list.StudentFilter(search="o'brien"))[
            "student_id"
        ]
    ) == ["7"]
    assert list(
        students_list.filter_students(rows, students_list.StudentFilter(search="010"))["student_id"]
    ) == ["0100"]
    assert list(
        students_list.filter_students(rows, students_list.StudentFilter(truant_only=True))[
            "student_id"
        ]
    ) == ["0100"]
    worst = students_list.filter_students(rows, students_list.StudentFilter(sort="attendance"))
    assert worst.iloc[0]["student_id"] == "0100"
    page, pages = students_list.page_of(worst, 9, 3)
    assert pages == 2 and len(page) == 1


def test_sparklines_are_weekly_rates(session: Session) -> None:
    load_school(session)
    lines = students_list.sparklines(session, scope(session), ["007", "0100"])
    # 007: week of 9/1 (4 days, one absent) 75 %, week of 9/8 100 %, 9/15 100 %
    assert lines["007"] == [75.0, 100.0, 100.0]
    assert lines["0100"] == [100.0, 40.0]  # 9/8-9/12: absent 9/10, 9/11, 9/12


def test_teacher_scope_is_enforced(session: Session) -> None:
    load_school(session)
    with pytest.raises(Forbidden):
        scope(session, grade=7, allowed=(6,))
    with pytest.raises(NotFound) as found:
        student_detail.student_year(session, POLICY, "0100", None, (6,))
    assert "García" not in str(found.value)
    with pytest.raises(NotFound):
        student_detail.student_year(session, POLICY, "nobody", None, None)


def test_student_year_finds_the_skipped_first_period(session: Session) -> None:
    load_school(session)
    data = student_detail.student_year(session, POLICY, "7", None, (6,))
    assert data.figures["days_absent"] == 1
    cells = student_detail.weekday_period_absences(data.days)
    thursday = cells[(cells["weekday"] == "Thursday") & (cells["period"] == 1)]
    assert int(thursday["absences"].iloc[0]) == 1  # U in period 1 on Thu 9/4
    days = student_detail.day_statuses(data.days)
    assert days.set_index("date").loc[dt.date(2025, 9, 9), "status"] == "Absent all day"
    months = student_detail.monthly_rates(data.days, POLICY)
    assert months["attendance_rate"].tolist() == [90.0]


def test_correlation_equals_the_kpi_contract(session: Session) -> None:
    load_school(session)
    add_diagnostics(session)
    data = subject_correlation(session, POLICY, scope(session), "ELA")
    assert data.fit == queries.kpis(session, POLICY)["correlation"]["ELA"]
    assert int(data.placements["students"].sum()) == data.fit["n"]


def test_years_and_a_bad_year(session: Session) -> None:
    load_school(session)
    assert dashboard.academic_years(session) == ["2025-2026"]
    assert scope(session).academic_year == "2025-2026"
    unknown = dashboard.resolve_scope(
        session, grade=None, academic_year="1999-2000", allowed_grades=None
    )
    assert unknown.academic_year == "2025-2026"
    with pytest.raises(Forbidden):
        dashboard.check_year("2025'; drop table students; --")


def test_years_are_every_year_with_summaries_newest_first(session: Session) -> None:
    load_school(session)
    assert dashboard.academic_years(session) == ["2025-2026"]
    table = StudentYearSummary.__table__
    rows = [dict(row) for row in session.execute(select(table)).mappings()][:3]
    # Earlier years for some students, one year for a single student, out of order.
    for year, chosen in (("2023-2024", rows), ("2019-2020", rows[:1]), ("2024-2025", rows[1:])):
        session.execute(insert(table), [{**row, "academic_year": year} for row in chosen])
    assert dashboard.academic_years(session) == [
        "2025-2026",
        "2024-2025",
        "2023-2024",
        "2019-2020",
    ]
    session.execute(delete(table))
    assert dashboard.academic_years(session) == []
