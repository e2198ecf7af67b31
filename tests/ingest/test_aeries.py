"""Aeries ATT attendance by exception (formats.md §3) with its calendar and code table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import AttendanceRecord, School
from tests.ingest.conftest import Runner, Writer, problems, snapshot

ROSTER = (
    "ID,SN,LN,FN,GR,SC,ED,LD\n"
    "1001,11,Able,Ann,6,001,2025-09-01,\n"
    "1002,12,Baker,Bo,7,001,,\n"
    "1003,13,Cole,Cy,8,001,,2025-09-03\n"  # left after 9/3
)
CALENDAR = "date\n2025-09-02\n2025-09-03\n2025-09-04\n2025-09-05\n"
HEADER = "SC,ID,DT,AL,A1,A2,A3,A4,A5,A6,A7"
ATT = (
    f"{HEADER}\n"
    "001,1001,9/3/2025,A,,,,,,,\n"  # A: unverified absence, all day
    "001,1002,9/4/2025,,T,,,,,,\n"  # tardy in period 1
    "001,1002,9/5/2025,,,U,,,,,\n"  # unexcused in period 2
)


def days(session: Session) -> dict[tuple[str, dt.date], str]:
    """(student, date) -> the day's letters, periods 0-9 ('-' = no period)."""
    found = {}
    for record in session.scalars(select(AttendanceRecord)):
        letters = [getattr(record, f"period_{n}") or "-" for n in range(10)]
        found[(record.student_id, record.date)] = "".join(letters)
    return found


@pytest.fixture
def school(run: Runner, write_csv: Writer) -> None:
    assert run("roster", write_csv(ROSTER, name="stu.csv")).records_inserted == 3
    assert run("calendar", write_csv(CALENDAR, name="cal.csv")).records_inserted == 4


@pytest.mark.usefixtures("school")
def test_exceptions_become_full_student_days(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    result = run("attendance", write_csv(ATT, name="att.csv"))
    assert result.status == "completed", result.errors
    # 3 exception rows + 4 present days (the range is 9/3-9/5; 1003 left after 9/3).
    assert result.counts() == {
        "records_processed": 7,
        "records_inserted": 7,
        "records_updated": 0,
        "records_skipped": 0,
        "records_failed": 0,
    }
    assert result.extra["layout"] == "aeries_att"
    assert result.extra["present_days_added"] == 4
    assert result.extra["calendar"] == {"001": "uploaded"}
    d = dt.date
    assert days(session) == {
        ("1001", d(2025, 9, 3)): "-VVVVVVV--",
        ("1001", d(2025, 9, 4)): "-PPPPPPP--",
        ("1001", d(2025, 9, 5)): "-PPPPPPP--",
        ("1002", d(2025, 9, 3)): "-PPPPPPP--",
        ("1002", d(2025, 9, 4)): "-TPPPPPP--",
        ("1002", d(2025, 9, 5)): "-PUPPPPP--",
        ("1003", d(2025, 9, 3)): "-PPPPPPP--",
    }
    partial = session.scalars(
        select(AttendanceRecord).where(
            AttendanceRecord.date == d(2025, 9, 5), AttendanceRecord.student_id == "1002"
        )
    ).one()
    assert (partial.scheduled, partial.present, partial.unexcused_periods) == (7, 6, 1)
    assert partial.daily_attendance_percentage == Decimal("85.71")


@pytest.mark.usefixtures("school")
def test_reimport_skips_everything_and_a_newer_export_corrects_its_range(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    run("attendance", write_csv(ATT, name="att.csv"))
    again = run("attendance", write_csv(ATT, name="att.csv"))
    assert (again.records_processed, again.records_skipped, again.records_inserted) == (7, 7, 0)
    # The 9/5 absence was cleared in Aeries: the newer export no longer lists it.
    newer = ATT.replace("001,1002,9/5/2025,,,U,,,,,\n", "001,1001,9/5/2025,,,,,,,,E\n")
    fixed = run("attendance", write_csv(newer, name="att2.csv"))
    assert (fixed.records_updated, fixed.records_inserted) == (2, 0)
    assert days(session)[("1002", dt.date(2025, 9, 5))] == "-PPPPPPP--"
    assert days(session)[("1001", dt.date(2025, 9, 5))] == "-PPPPPPE--"


@pytest.mark.usefixtures("school")
def test_student_numbers_and_api_names(session: Session, run: Runner, write_csv: Writer) -> None:
    header = "SchoolCode,StudentNumber,CalendarDate,AllDayAttendanceCode," + ",".join(
        f"Period{n}" for n in range(1, 8)
    )
    text = f"{header}\n001,11,2025-09-03,A,,,,,,,\n001,12,2025-09-04,,T,,,,,,\n"
    result = run("attendance", write_csv(text))
    assert result.status == "completed" and result.records_failed == 0
    assert days(session)[("1001", dt.date(2025, 9, 3))] == "-VVVVVVV--"
    assert days(session)[("1002", dt.date(2025, 9, 4))] == "-TPPPPPP--"


@pytest.mark.usefixtures("school")
def test_row_errors_keep_their_day_untouched(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    run("attendance", write_csv(ATT, name="att.csv"))
    before = snapshot(session)
    # The same export (same range, same exceptions) with bad rows added.
    text = ATT + (
        "001,1001,9/4/2025,Q,,,,,,,\n"  # unknown code: 1001's 9/4 must not be touched
        "001,1002,9/3/2025,,,,,,,Z,\n"  # unknown code in period 6
        "001,9999,9/3/2025,U,,,,,,,\n"  # not in the roster
        "001,1003,9/5/2025,U,,,,,,,\n"  # left on 9/3
        "001,1001,9/6/2025,U,,,,,,,\n"  # a Saturday: not in the calendar
        "777,1001,9/3/2025,U,,,,,,,\n"  # a school without roster
    )
    result = run("attendance", write_csv(text, name="bad.csv"))
    found = [(p["row"], p["column"], p["value"], p["rule"]) for p in problems(result)]
    assert found == [
        (5, "AL", "Q", "unknown_attendance_code"),
        (6, "A6", "Z", "unknown_attendance_code"),
        (7, "ID", "9999", "unknown_student"),
        (8, "DT", "9/5/2025", "not_enrolled"),
        (9, "DT", "9/6/2025", "not_a_school_day"),
        (10, "SC", "777", "unknown_school"),
    ]
    assert result.records_failed == 6
    assert snapshot(session) == before  # 1001's and 1002's rejected days keep their data


def test_code_table_and_derived_calendar(session: Session, run: Runner, write_csv: Writer) -> None:
    run("roster", write_csv(ROSTER, name="stu.csv"))
    codes = "AbsenceCode,TypeCode,IsSuspension,CountsForADA\nQ,3,N,N\nK,9,N,N\nW,2,Y,N\nJ,1,Y,Y\n"
    loaded = run("codes", write_csv(codes, name="codes.csv"))
    assert loaded.records_inserted == 4, loaded.errors
    # No calendar uploaded: the school days are the dates of the school's attendance data.
    text = f"{HEADER}\n001,1001,9/2/2025,Q,,,,,,,\n001,1002,9/4/2025,,K,W,J,,,,\n"
    result = run("attendance", write_csv(text))
    assert result.extra["calendar"] == {"001": "derived"}
    d = dt.date
    assert days(session) == {
        ("1001", d(2025, 9, 2)): "-UUUUUUU--",
        ("1001", d(2025, 9, 4)): "-PPPPPPP--",
        ("1002", d(2025, 9, 2)): "-PPPPPPP--",
        ("1002", d(2025, 9, 4)): "-LSIPPPP--",
        ("1003", d(2025, 9, 2)): "-PPPPPPP--",  # left after 9/3: no 9/4
    }


@pytest.mark.usefixtures("school")
def test_periods_per_day_and_a_coded_zero_period(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    session.execute(update(School).where(School.code == "001").values(periods_per_day=6))
    session.commit()
    text = "SC,ID,DT,A0,A1\n001,1001,2025-09-03,T,\n001,1002,2025-09-03,,E\n"
    result = run("attendance", write_csv(text))
    assert result.status == "completed", result.errors
    stored = days(session)
    assert stored[("1001", dt.date(2025, 9, 3))] == "TPPPPPP---"
    assert stored[("1002", dt.date(2025, 9, 3))] == "-EPPPPP---"
    assert stored[("1003", dt.date(2025, 9, 3))] == "-PPPPPP---"


def test_code_table_layouts(session: Session, run: Runner, write_csv: Writer) -> None:
    plain = run("codes", write_csv("code,category,description\nA,v,Absent\nz,P,\n?,X,Bad\n"))
    assert (plain.records_inserted, plain.records_failed) == (2, 1)
    [problem] = problems(plain)
    assert (problem["row"], problem["column"], problem["value"]) == (4, "category", "X")
    again = run("codes", write_csv("code,category\nA,U\nZ,P\n"))
    assert (again.records_updated, again.records_skipped) == (1, 1)
    aeries = run("codes", write_csv("AbsenceCode,TypeCode\nM,7\n"))
    assert aeries.records_failed == 1 and "absence type" in problems(aeries)[0]["message"]


@pytest.mark.usefixtures("school")
def test_an_explicit_range_covers_days_without_exceptions(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    covers = (dt.date(2025, 9, 2), dt.date(2025, 9, 4))
    text = f"{HEADER}\n001,1001,9/3/2025,A,,,,,,,\n001,1002,9/5/2025,U,,,,,,,\n"
    result = run("attendance", write_csv(text), covers=covers)
    [problem] = problems(result)
    assert (problem["row"], problem["rule"]) == (3, "outside_export_range")
    assert "2025-09-02 to 2025-09-04" in problem["message"]
    stored = days(session)
    # 9/2 had no exception at all: only the given range makes it a school day of the file.
    assert stored[("1002", dt.date(2025, 9, 2))] == "-PPPPPPP--"
    assert sorted({day for _, day in stored}) == [dt.date(2025, 9, n) for n in (2, 3, 4)]


def test_calendar_rows_are_checked(session: Session, run: Runner, write_csv: Writer) -> None:
    text = "date,SC\n2025-09-02,001\n2019-09-03,001\n2026-12-01,001\nsoon,001\n2026-06-10,002\n"
    result = run("calendar", write_csv(text, name="cal.csv"))
    found = [(p["row"], p["value"], p["rule"]) for p in problems(result)]
    assert found == [
        (3, "2019-09-03", "date_out_of_range"),
        (4, "2026-12-01", "date_out_of_range"),  # more than 400 days ahead
        (5, "soon", "invalid_date"),
    ]
    assert result.records_inserted == 2  # a calendar a year ahead, and a new school's
    again = run("calendar", write_csv(text, name="cal.csv"))
    assert (again.records_inserted, again.records_skipped) == (0, 2)
