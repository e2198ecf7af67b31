"""Canonical attendance imports (formats.md §2, metrics.md §2), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AttendanceRecord, School, Student
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, Runner, Writer, problems

EXAMPLE = (
    f"{ATTENDANCE_HEADER}\n"
    "100234,2025-09-02,7,P,P,T,P,P,P,P\n"
    "100235,2025-09-02,6,U,U,U,U,U,U,U\n"
    "100236,2025-09-02,8,P,P,P,U,,,\n"
    "100237,2025-09-02,8,L,L,L,L,L,L,L\n"
)


def records(session: Session) -> dict[tuple[str, dt.date], AttendanceRecord]:
    return {(r.student_id, r.date): r for r in session.scalars(select(AttendanceRecord))}


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def roster(run: Runner, write_csv: Writer) -> None:
    text = f"{ROSTER_HEADER}\n100234,A,B,7\n100235,C,D,6\n100236,E,F,8\n100237,G,H,8\n"
    assert run("roster", write_csv(text, name="roster.csv")).records_inserted == 4


@pytest.mark.usefixtures("roster")
def test_stored_day_figures(session: Session, run: Runner, write_csv: Writer) -> None:
    result = run("attendance", write_csv(EXAMPLE))
    assert result.counts() == {
        "records_processed": 4,
        "records_inserted": 4,
        "records_updated": 0,
        "records_skipped": 0,
        "records_failed": 0,
    }
    day = dt.date(2025, 9, 2)
    stored = records(session)
    figures = {
        sid: (r.scheduled, r.present, r.daily_attendance_percentage, r.unexcused_periods)
        for (sid, _), r in stored.items()
    }
    assert figures == {
        "100234": (7, 7, Decimal("100.00"), 0),
        "100235": (7, 0, Decimal("0.00"), 7),
        "100236": (4, 3, Decimal("75.00"), 1),
        "100237": (7, 7, Decimal("100.00"), 7),
    }
    first = stored[("100234", day)]
    periods = [getattr(first, f"period_{n}") for n in range(10)]
    assert periods == [None, "P", "P", "T", "P", "P", "P", "P", None, None]
    assert stored[("100236", day)].period_5 is None
    assert first.academic_year == "2025-2026"
    assert first.import_id == result.import_id
    assert first.school_id == session.scalars(select(Student.school_id)).first()
    assert result.summary()["date_range"] == {"start": "2025-09-02", "end": "2025-09-02"}
    assert result.students_touched == 4
    assert result.students_created == []


@pytest.mark.usefixtures("roster")
def test_rounding_and_unverified(session: Session, run: Runner, write_csv: Writer) -> None:
    text = f"{ATTENDANCE_HEADER}\n100234,2025-09-02,,P,P,P,P,P,P,V\n100235,2025-09-02,,p,e,,,,,\n"
    run("attendance", write_csv(text))
    stored = records(session)
    six_of_seven = stored[("100234", dt.date(2025, 9, 2))]
    assert six_of_seven.daily_attendance_percentage == Decimal("85.71")
    assert six_of_seven.unverified_periods == 1
    assert six_of_seven.unexcused_periods == 0
    lower_case = stored[("100235", dt.date(2025, 9, 2))]
    assert (lower_case.period_1, lower_case.period_2, lower_case.scheduled) == ("P", "E", 2)
    assert lower_case.daily_attendance_percentage == Decimal("50.00")


@pytest.mark.usefixtures("roster")
@pytest.mark.parametrize(
    "periods", ["Period 1,Period 2,Period 3", "P1,P2,P3", "period1,period2,period3",
                "period_1,period_2,period_3", "PERIOD_1_STATUS,Period 2 Status,p3"],
)  # fmt: skip
def test_period_header_spellings(
    session: Session, run: Runner, write_csv: Writer, periods: str
) -> None:
    result = run("attendance", write_csv(f"Student ID,Date,{periods}\n100234,9/2/2025,P,U,T\n"))
    assert result.records_inserted == 1
    stored = records(session)[("100234", dt.date(2025, 9, 2))]
    assert (stored.period_1, stored.period_2, stored.period_3, stored.scheduled) == (
        "P",
        "U",
        "T",
        3,
    )


@pytest.mark.usefixtures("roster")
def test_period_zero_and_dates_in_every_format(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = (
        "student_id,date,period_0_status,period_1_status\n"
        "100234,2025-09-02,P,U\n"
        "100234,9/3/2025,P,P\n"
        "100234,09/04/2025,U,U\n"
        "100234,09-05-2025,,P\n"
        "100234,20250908,E,E\n"
    )
    result = run("attendance", write_csv(text))
    assert result.records_inserted == 5
    stored = records(session)
    assert sorted(day for _, day in stored) == [
        dt.date(2025, 9, 2),
        dt.date(2025, 9, 3),
        dt.date(2025, 9, 4),
        dt.date(2025, 9, 5),
        dt.date(2025, 9, 8),
    ]
    assert stored[("100234", dt.date(2025, 9, 2))].period_0 == "P"


@pytest.mark.usefixtures("roster")
def test_row_errors(session: Session, run: Runner, write_csv: Writer) -> None:
    text = (
        f"{ATTENDANCE_HEADER},daily_attendance_percentage\n"
        "100234,2025-09-02,7,P,P,P,P,P,P,P,100\n"  # 2: fine
        "100234,2025-09-03,7,P,P,X,P,P,P,P,\n"  # 3: unknown status letter
        "100234,2019-09-03,7,P,P,P,P,P,P,P,\n"  # 4: before 2020-08-01
        "100234,2025-11-01,7,P,P,P,P,P,P,P,\n"  # 5: after today + 30 days
        "100234,2025-10-31,7,P,P,P,P,P,P,P,\n"  # 6: today + 30 days: fine
        "100234,Sept 4,7,P,P,P,P,P,P,P,\n"  # 7: unparseable date
        "100234,2025-09-05,5,P,P,P,P,P,P,P,\n"  # 8: grade 5
        ",2025-09-05,7,P,P,P,P,P,P,P,\n"  # 9: blank student id
        "100234,2025-09-08,7,,,,,,,,\n"  # 10: nothing scheduled
        "100234,2025-09-09,7,P,P,P,U,,,,80\n"  # 11: 3/4 is 75.00, not 80
        "100234,2025-09-10,7,P,P,P,U,,,,75.00\n"  # 12: fine
        "100234,2025-09-11,7,P,P,P,U,,,,120\n"  # 13: over 100
        "100234,2025-09-12,7,P,P,P,U,,,,abc\n"  # 14: not a number
        "100234,2025-09-15,7,P,P,P,P,P,P,V,85.7\n"  # 15: 85.71 within 0.01: fine
    )
    result = run("attendance", write_csv(text))
    assert result.status == "completed"
    assert result.counts() == {
        "records_processed": 14,
        "records_inserted": 4,
        "records_updated": 0,
        "records_skipped": 0,
        "records_failed": 10,
    }
    found = [
        (p["row"], p["column"], p["value"], p["rule"], p["category"]) for p in problems(result)
    ]
    assert found == [
        (3, "period_3_status", "X", "unknown_status_code", "type"),
        (4, "date", "2019-09-03", "date_out_of_range", "business-rule"),
        (5, "date", "2025-11-01", "date_out_of_range", "business-rule"),
        (7, "date", "Sept 4", "invalid_date", "type"),
        (8, "grade_level", "5", "grade_not_served", "business-rule"),
        (9, "student_id", "", "required", "type"),
        (10, None, None, "no_period_scheduled", "business-rule"),
        (11, "daily_attendance_percentage", "80", "percentage_mismatch", "business-rule"),
        (13, "daily_attendance_percentage", "120", "percentage_out_of_range", "business-rule"),
        (14, "daily_attendance_percentage", "abc", "invalid_number", "type"),
    ]
    assert all(p["severity"] == "error" for p in problems(result))
    assert "3 of 4 present = 75.00" in problems(result, "percentage_mismatch")[0]["message"]
    assert "'X'" in problems(result, "unknown_status_code")[0]["message"]
    assert sorted(day.day for _, day in records(session)) == [2, 10, 15, 31]


@pytest.mark.usefixtures("roster")
def test_duplicates_identical_and_conflicting(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = (
        f"{ATTENDANCE_HEADER}\n"
        "100234,2025-09-02,7,P,P,P,P,P,P,P\n"  # 2
        "100234,2025-09-02,7,P,P,P,P,P,P,P\n"  # 3: identical to 2: skipped
        "100235,2025-09-02,6,U,U,U,U,U,U,U\n"  # 4: replaced by row 5: skipped
        "100235,2025-09-02,6,P,P,P,P,P,P,U\n"  # 5: wins
    )
    result = run("attendance", write_csv(text))
    assert result.counts() == {
        "records_processed": 4,
        "records_inserted": 2,
        "records_updated": 0,
        "records_skipped": 2,
        "records_failed": 0,
    }
    dupes = problems(result)
    assert [(p["row"], p["rule"], p["severity"], p["category"]) for p in dupes] == [
        (3, "duplicate_row", "warning", "duplicate"),
        (4, "duplicate_row", "warning", "duplicate"),
    ]
    assert "identical to row 2" in dupes[0]["message"]
    assert "row 5" in dupes[1]["message"]
    winner = records(session)[("100235", dt.date(2025, 9, 2))]
    assert (winner.present, winner.period_7) == (6, "U")


def test_unknown_students_are_created(session: Session, run: Runner, write_csv: Writer) -> None:
    text = (
        "student_id,date,grade_level,school_code,period_1_status\n"
        "007,2025-09-02,6,,P\n"
        "007,2025-09-03,,,U\n"
        "7,2025-09-02,8,042,P\n"
        "555,2025-09-02,,,P\n"  # unknown and no grade anywhere: cannot be created
    )
    result = run("attendance", write_csv(text))
    assert result.students_created == ["007", "7"]
    assert (result.records_inserted, result.records_failed) == (3, 1)
    [problem] = problems(result)
    assert (problem["row"], problem["column"], problem["value"]) == (5, "student_id", "555")
    assert (problem["rule"], problem["category"]) == ("unknown_student", "cross-reference")
    stored = {s.id: s for s in session.scalars(select(Student))}
    assert sorted(stored) == ["007", "7"]
    assert (stored["007"].last_name, stored["007"].first_name, stored["007"].grade_level) == (
        "",
        "",
        6,
    )
    assert (stored["007"].school.code, stored["7"].school.code) == ("001", "042")
    assert {s.import_id for s in stored.values()} == {result.import_id}
    again = run("attendance", write_csv(text))
    assert again.students_created == []
    assert (again.records_skipped, again.records_failed) == (3, 1)


@pytest.mark.usefixtures("roster")
def test_school_comes_from_the_row_else_the_student(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = "student_id,date,school_code,P1\n100234,2025-09-02,900,P\n100234,2025-09-03,,P\n"
    run("attendance", write_csv(text))
    codes = {school.id: school.code for school in session.scalars(select(School))}
    stored = records(session)
    assert codes[stored[("100234", dt.date(2025, 9, 2))].school_id] == "900"
    assert codes[stored[("100234", dt.date(2025, 9, 3))].school_id] == "001"


@pytest.mark.usefixtures("roster")
def test_strict_mode_rejects_on_any_row_error(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = f"{ATTENDANCE_HEADER}\n100234,2025-09-02,7,P,P,P,P,P,P,P\n100235,2025-09-02,6,P,Q,,,,,\n"
    result = run("attendance", write_csv(text), strict=True)
    assert result.status == "rejected" and not result.success
    assert result.counts() == {
        "records_processed": 2,
        "records_inserted": 0,
        "records_updated": 0,
        "records_skipped": 0,
        "records_failed": 2,
    }
    assert [(p["row"], p["rule"]) for p in problems(result)] == [
        (None, "strict_mode"),
        (3, "unknown_status_code"),
    ]
    assert count(session, AttendanceRecord) == 0
    clean = run("attendance", write_csv(EXAMPLE), strict=True)
    assert (clean.status, clean.records_inserted) == ("completed", 4)


@pytest.mark.usefixtures("roster")
def test_reimport_writes_nothing(session: Session, run: Runner, write_csv: Writer) -> None:
    path = write_csv(EXAMPLE)
    first = run("attendance", path)
    again = run("attendance", path)
    assert again.status == "completed"
    assert again.counts() == {
        "records_processed": 4,
        "records_inserted": 0,
        "records_updated": 0,
        "records_skipped": 4,
        "records_failed": 0,
    }
    assert again.students_created == []
    assert {r.import_id for r in records(session).values()} == {first.import_id}
    assert count(session, AttendanceRecord) == 4


@pytest.mark.usefixtures("roster")
def test_changed_rows_are_updated(session: Session, run: Runner, write_csv: Writer) -> None:
    first = run("attendance", write_csv(EXAMPLE))
    changed = EXAMPLE.replace(
        "100235,2025-09-02,6,U,U,U,U,U,U,U", "100235,2025-09-02,6,P,U,U,U,U,U,U"
    )
    changed += "100234,2025-09-03,7,P,P,P,P,P,P,P\n"
    again = run("attendance", write_csv(changed))
    assert again.counts() == {
        "records_processed": 5,
        "records_inserted": 1,
        "records_updated": 1,
        "records_skipped": 3,
        "records_failed": 0,
    }
    stored = records(session)
    updated = stored[("100235", dt.date(2025, 9, 2))]
    assert (updated.present, updated.daily_attendance_percentage) == (1, Decimal("14.29"))
    assert updated.import_id == again.import_id
    assert stored[("100234", dt.date(2025, 9, 2))].import_id == first.import_id
    assert count(session, AttendanceRecord) == 5


def test_no_period_columns_rejects(session: Session, run: Runner, write_csv: Writer) -> None:
    result = run("attendance", write_csv("student_id,date,grade_level\n1,2025-09-02,7\n"))
    assert result.status == "rejected"
    assert [(p["rule"], p["column"]) for p in problems(result)] == [
        ("missing_column", "period_1_status")
    ]
    assert count(session, Student) == 0


def test_period_ten_cannot_be_stored(session: Session, run: Runner, write_csv: Writer) -> None:
    text = "student_id,date,grade_level,P9,P10\n1,2025-09-02,7,P,P\n2,2025-09-02,7,P,\n"
    result = run("attendance", write_csv(text))
    assert [(p["row"], p["column"], p["rule"]) for p in problems(result)] == [
        (2, "P10", "period_not_stored")
    ]
    assert result.records_inserted == 1


@pytest.mark.usefixtures("roster")
def test_tab_delimited_windows_file(session: Session, run: Runner, write_csv: Writer) -> None:
    text = "STUDENT_ID\tDATE\tP1\tP2\r\n100234\t09/02/2025\tP\tE\r\n"
    result = run("attendance", write_csv(text, encoding="cp1252"))
    assert result.records_inserted == 1
    stored = records(session)[("100234", dt.date(2025, 9, 2))]
    assert (stored.scheduled, stored.present, stored.daily_attendance_percentage) == (
        2,
        1,
        Decimal("50.00"),
    )


@pytest.mark.usefixtures("roster")
def test_leading_zero_ids_are_distinct_students(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = "student_id,date,grade_level,P1\n007,2025-09-02,7,P\n7,2025-09-02,7,U\n"
    result = run("attendance", write_csv(text))
    assert result.students_created == ["007", "7"]
    stored = records(session)
    assert stored[("007", dt.date(2025, 9, 2))].present == 1
    assert stored[("7", dt.date(2025, 9, 2))].present == 0
