"""Summaries and read queries on SQLite and PostgreSQL, against the hand-computed school."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden
from attendly.metrics.policy import Policy
from attendly.settings import Settings
from db import queries
from db.models import AttendanceRecord, School, Student, StudentYearSummary
from db.summaries import refresh_summaries
from tests import school
from tests.db.days import add_day

SETTINGS = Settings(env="test")
POLICY = Policy()


def load_school(session: Session) -> None:
    """Store the designed school directly (the import path has its own tests)."""
    session.add(School(id=1, code="101", name="Test Middle", periods_per_day=7))
    for student_id, last, first, grade in school.ROSTER:
        session.add(
            Student(id=student_id, last_name=last, first_name=first, grade_level=grade, school_id=1)
        )
    session.flush()
    for student_id, day, _, periods in school.attendance_rows():
        add_day(session, student_id, day, periods)
    session.flush()
    refresh_summaries(session, [row[0] for row in school.ROSTER], SETTINGS)
    session.commit()


def test_summary_rows_match_hand_computation(session: Session) -> None:
    load_school(session)
    rows = {row.student_id: row for row in session.scalars(select(StudentYearSummary))}
    assert set(rows) == {"007", "7", "0100", "1234"}  # leading zeros kept, "7" != "007"
    for student_id, expected in school.EXPECTED_STUDENTS.items():
        row = rows[student_id]
        for key, value in expected.items():
            stored = getattr(row, key)
            assert (float(stored) if key.endswith("rate") else stored) == value, (student_id, key)


def test_school_kpis(session: Session) -> None:
    load_school(session)
    result = queries.kpis(session, POLICY)
    for key, value in school.EXPECTED_SCHOOL.items():
        assert result[key] == value, key


def test_grade_kpis(session: Session) -> None:
    load_school(session)
    result = queries.kpis(session, POLICY, grade=6)
    for key, value in school.EXPECTED_GRADE_6.items():
        assert result[key] == value, key


def test_as_of_recomputes_from_raw_days(session: Session) -> None:
    load_school(session)
    result = queries.kpis(session, POLICY, as_of=dt.date(2025, 9, 4))
    assert result["as_of"] == "2025-09-04"
    for key, value in school.EXPECTED_AS_OF_0904.items():
        assert result[key] == value, key


def test_raw_and_summary_paths_agree(session: Session) -> None:
    load_school(session)
    stored = queries.student_figures(
        session, POLICY, academic_year="2025-2026", as_of=dt.date(2025, 9, 15)
    )
    days = queries.attendance_days(session, "2025-2026", dt.date(2025, 9, 15), None)
    from attendly.metrics.student import FIGURE_COLUMNS, student_year_figures

    raw = student_year_figures(days, POLICY)
    columns = [c for c in FIGURE_COLUMNS if c != "as_of"]
    assert stored[columns].to_dict("records") == raw[columns].to_dict("records")


def test_students_report_rows(session: Session) -> None:
    load_school(session)
    rows = queries.students_report(session, POLICY)
    assert [row["student_id"] for row in rows] == ["007", "0100", "1234", "7"]
    by_id = {row["student_id"]: row for row in rows}
    for student_id, expected in school.EXPECTED_STUDENTS.items():
        for key, value in expected.items():
            assert by_id[student_id][key] == value, (student_id, key)
    assert by_id["0100"]["grade_level"] == 7
    only_chronic = queries.students_report(session, POLICY, tier="moderate_chronic")
    assert {row["student_id"] for row in only_chronic} == {"007", "7"}


def test_teacher_scope_is_enforced_in_the_query(session: Session) -> None:
    load_school(session)
    with pytest.raises(Forbidden):
        queries.kpis(session, POLICY, grade=7, allowed_grades=(6,))
    scoped = queries.kpis(session, POLICY, allowed_grades=(6,))
    assert scoped["students"] == 2
    rows = queries.students_report(session, POLICY, allowed_grades=(6,))
    assert {row["grade_level"] for row in rows} == {6}


def test_latest_year_is_the_default(session: Session) -> None:
    load_school(session)
    session.add(
        AttendanceRecord(
            student_id="1234",
            date=dt.date(2025, 5, 1),
            academic_year="2024-2025",
            school_id=1,
            period_1="U",
            scheduled=1,
            present=0,
            daily_attendance_percentage=0,
            unexcused_periods=1,
            unverified_periods=0,
        )
    )
    refresh_summaries(session, ["1234"], SETTINGS)
    session.commit()
    assert queries.kpis(session, POLICY)["academic_year"] == "2025-2026"
    older = queries.kpis(session, POLICY, academic_year="2024-2025")
    assert older["students"] == 1 and older["as_of"] == "2025-05-01"


def test_empty_database_gives_empty_kpis(session: Session) -> None:
    result = queries.kpis(session, POLICY)
    assert result["academic_year"] is None and result["students"] == 0
    assert result["attendance_rate"] is None
    assert queries.students_report(session, POLICY) == []


def test_weekly_trend(session: Session) -> None:
    load_school(session)
    weeks = queries.weekly_trend(
        session, POLICY, academic_year="2025-2026", as_of=dt.date(2025, 9, 15)
    )
    # Week of 9/1: 4 days x 4 students = 16 days, absent: 007 on 9/3 -> 15/16 = 93.75.
    # Week of 9/8: 5 days x 4 = 20; absent 7 on 9/9, 0100 on 9/10-12 -> 16/20 = 80.00.
    # Week of 9/15: 3 students (0100 has no record) all present -> 100.00.
    assert [str(d) for d in weeks["period_start"]] == ["2025-09-01", "2025-09-08", "2025-09-15"]
    assert list(weeks["attendance_rate"]) == [93.75, 80.0, 100.0]
