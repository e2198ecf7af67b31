"""Roster imports (formats.md §1), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import School, Student
from tests.ingest.conftest import ROSTER_HEADER, Runner, Writer, problems

AERIES = (
    "ID,SN,LN,FN,GR,SC,ED,LD,BD,GN,CID\n"
    "007,1001,Peña,Ana,7,994,8/14/2025,,3/2/2013,F,4455667788\n"
    "7,1002,Smith,Bo,6,994,2025-08-14,06/11/2026,20140105,M,\n"
)


def students(session: Session) -> dict[str, Student]:
    return {s.id: s for s in session.scalars(select(Student))}


def test_aeries_stu_export(session: Session, run: Runner, write_csv: Writer) -> None:
    result = run("roster", write_csv(AERIES, encoding="cp1252"))
    assert result.status == "completed"
    assert result.counts() == {
        "records_processed": 2,
        "records_inserted": 2,
        "records_updated": 0,
        "records_skipped": 0,
        "records_failed": 0,
    }
    stored = students(session)
    # Leading zeros are kept: 007 and 7 are two different students.
    assert sorted(stored) == ["007", "7"]
    ana = stored["007"]
    assert (ana.last_name, ana.first_name, ana.grade_level, ana.gender) == ("Peña", "Ana", 7, "F")
    assert (ana.student_number, ana.state_student_id) == ("1001", "4455667788")
    assert (ana.enter_date, ana.leave_date, ana.birthdate) == (
        dt.date(2025, 8, 14),
        None,
        dt.date(2013, 3, 2),
    )
    assert stored["7"].leave_date == dt.date(2026, 6, 11)
    assert stored["7"].birthdate == dt.date(2014, 1, 5)
    assert stored["7"].state_student_id is None
    school = session.scalars(select(School)).one()
    assert (school.code, school.name, school.periods_per_day) == ("994", "994", 7)
    assert {s.school_id for s in stored.values()} == {school.id}
    assert {s.import_id for s in stored.values()} == {result.import_id}


def test_canonical_headers_and_default_school(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = "Student ID,Last Name,First Name,Grade,Homeroom\n100234,Lee,Kim,8,B12\n"
    result = run("roster", write_csv(text))
    assert result.records_inserted == 1
    assert result.unknown_columns == ["Homeroom"]
    student = students(session)["100234"]
    assert student.school.code == "001"  # settings.default_school_code


def test_school_code_argument_is_the_default(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    text = "student_id,last_name,first_name,grade_level,school_code\n1,A,B,6,\n2,C,D,6,777\n"
    run("roster", write_csv(text), school_code="555")
    stored = students(session)
    assert (stored["1"].school.code, stored["2"].school.code) == ("555", "777")


def test_row_errors_leave_the_other_rows(session: Session, run: Runner, write_csv: Writer) -> None:
    text = (
        f"{ROSTER_HEADER}\n"
        "1,Ok,Row,6\n"
        "2,Kinder,Garten,K\n"
        "3,Fifth,Grade,5\n"
        "4,Ninth,Grade,9\n"
        "  ,Blank,Id,7\n"
        "6,No,Grade,\n"
        "7,Bad,Grade,seventh\n"
    )
    result = run("roster", write_csv(text))
    assert result.status == "completed" and result.success
    assert (result.records_processed, result.records_inserted, result.records_failed) == (7, 1, 6)
    found = {
        (p["row"], p["column"], p["value"], p["rule"], p["category"]) for p in problems(result)
    }
    assert found == {
        (3, "grade_level", "K", "grade_not_served", "business-rule"),
        (4, "grade_level", "5", "grade_not_served", "business-rule"),
        (5, "grade_level", "9", "grade_not_served", "business-rule"),
        (6, "student_id", "", "required", "type"),
        (7, "grade_level", "", "required", "type"),
        (8, "grade_level", "seventh", "invalid_grade", "type"),
    }
    assert sorted(students(session)) == ["1"]


def test_bad_dates_and_leave_before_enter(session: Session, run: Runner, write_csv: Writer) -> None:
    text = (
        "student_id,last_name,first_name,grade_level,enter_date,leave_date\n"
        "1,A,B,6,2025-13-01,\n"
        "2,C,D,6,2025-09-01,2025-08-01\n"
    )
    result = run("roster", write_csv(text))
    assert [(p["row"], p["column"], p["rule"]) for p in problems(result)] == [
        (2, "enter_date", "invalid_date"),
        (3, "leave_date", "leave_before_enter"),
    ]
    assert result.records_failed == 2
    assert students(session) == {}


def test_update_changes_only_what_differs(session: Session, run: Runner, write_csv: Writer) -> None:
    first = run("roster", write_csv(f"{ROSTER_HEADER}\n1,A,B,6\n2,C,D,6\n3,E,F,6\n"))
    again = run("roster", write_csv(f"{ROSTER_HEADER}\n1,A,B,6\n2,C,D,7\n3,E,F,6\n4,G,H,8\n"))
    assert again.counts() == {
        "records_processed": 4,
        "records_inserted": 1,
        "records_updated": 1,
        "records_skipped": 2,
        "records_failed": 0,
    }
    stored = students(session)
    assert stored["2"].grade_level == 7
    assert stored["2"].import_id == again.import_id
    assert stored["1"].import_id == first.import_id


def test_missing_optional_columns_leave_stored_values(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    run("roster", write_csv(f"{ROSTER_HEADER},birthdate\n1,A,B,6,2013-01-02\n"))
    result = run("roster", write_csv(f"{ROSTER_HEADER}\n1,A,B,6\n"))
    assert result.records_skipped == 1
    assert students(session)["1"].birthdate == dt.date(2013, 1, 2)


def test_missing_required_column_rejects(session: Session, run: Runner, write_csv: Writer) -> None:
    result = run("roster", write_csv("student_id,last_name,grade_level\n1,A,6\n"))
    assert result.status == "rejected" and not result.success
    assert [(p["rule"], p["column"]) for p in problems(result)] == [
        ("missing_column", "first_name")
    ]
    assert "first_name" in problems(result)[0]["message"]
    assert session.scalar(select(func.count()).select_from(Student)) == 0
    assert session.scalar(select(func.count()).select_from(School)) == 0


def test_duplicate_students_in_one_file(session: Session, run: Runner, write_csv: Writer) -> None:
    text = f"{ROSTER_HEADER}\n1,A,B,6\n1,A,B,6\n2,Old,Name,7\n2,New,Name,7\n"
    result = run("roster", write_csv(text))
    assert (result.records_inserted, result.records_skipped) == (2, 2)
    dupes = problems(result, "duplicate_row")
    assert [(p["row"], p["severity"], p["category"]) for p in dupes] == [
        (3, "warning", "duplicate"),
        (4, "warning", "duplicate"),
    ]
    assert "row 5" in dupes[1]["message"]
    assert students(session)["2"].last_name == "New"


def test_messy_export_end_to_end(session: Session, run: Runner, write_csv: Writer) -> None:
    text = (
        "\ufeffStudent ID;Last Name;First Name;Grade\n"
        '0042;"Smith; Jr., III";"Mary\nAnn";08\n'
        "0043;Núñez;José;6\n"
    )
    result = run("roster", write_csv(text, newline="\r\n"))
    assert (result.records_processed, result.records_inserted) == (2, 2)
    stored = students(session)
    assert stored["0042"].last_name == "Smith; Jr., III"
    assert stored["0042"].first_name.splitlines() == ["Mary", "Ann"]
    assert stored["0042"].grade_level == 8
    assert stored["0043"].last_name == "Núñez"


def test_rows_with_too_many_fields_fail(session: Session, run: Runner, write_csv: Writer) -> None:
    text = f"{ROSTER_HEADER}\n1,A,B,6\n2,C,D,6,oops\n3,E,F,6,\n"
    result = run("roster", write_csv(text))
    assert result.counts() == {
        "records_processed": 3,
        "records_inserted": 2,
        "records_updated": 0,
        "records_skipped": 0,
        "records_failed": 1,
    }
    assert [(p["row"], p["rule"]) for p in problems(result)] == [(3, "too_many_fields")]
    assert sorted(students(session)) == ["1", "3"]


def test_formula_looking_names_are_stored_as_text_and_escaped_on_export(
    session: Session, run: Runner, write_csv: Writer, settings: Settings
) -> None:
    from attendly.exports import safe_cell
    from db.policy import load_policy
    from db.queries import students_report

    text = f'{ROSTER_HEADER}\n1,"=HYPERLINK(""http://x"",""y"")",@SUM(A1),6\n'
    run("roster", write_csv(text, name="roster.csv"))
    run("attendance", write_csv("student_id,date,P1\n1,2025-09-02,P\n", name="day.csv"))
    stored = students(session)["1"]
    assert (stored.last_name, stored.first_name) == ('=HYPERLINK("http://x","y")', "@SUM(A1)")
    [row] = students_report(session, load_policy(session, settings))
    assert safe_cell(row["last_name"]) == '\'=HYPERLINK("http://x","y")'
    assert safe_cell(row["first_name"]) == "'@SUM(A1)"
