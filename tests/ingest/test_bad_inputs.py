"""Every bad input of the issue: a clear message naming row, column and value, and the stored
data exactly as it was (a snapshot of every data table before and after), on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.ingest.conftest import (
    ATTENDANCE_HEADER,
    ROSTER_HEADER,
    Runner,
    Writer,
    problems,
    snapshot,
)

GOOD_DAY = "100234,2025-09-02,7,P,P,P,P,P,P,P"
TEN_MB = "x" * (10 * 1024 * 1024)


@pytest.fixture
def stored(run: Runner, write_csv: Writer) -> None:
    """A roster and one stored day that every bad row below tries to overwrite."""
    roster = f"{ROSTER_HEADER}\n100234,Lee,Kim,7\n100235,Ray,Ana,6\n"
    assert run("roster", write_csv(roster, name="roster.csv")).records_inserted == 2
    day = f"{ATTENDANCE_HEADER}\n{GOOD_DAY}\n"
    assert run("attendance", write_csv(day, name="day.csv")).records_inserted == 1


def attendance(row: str, header: str = ATTENDANCE_HEADER) -> bytes:
    return f"{header}\n{row}\n".encode()


# (file bytes, rule, category, row, column, value): one file-level problem rejects the file.
REJECTED = {
    "empty file": (b"", "empty_file", "file", None, None),
    "header only": (f"{ATTENDANCE_HEADER}\r\n".encode(), "no_data", "file", None, None),
    "image renamed .csv": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
        "binary_file",
        "file",
        None,
        None,
    ),
    "workbook renamed .csv": (
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(64),
        "not_csv",
        "file",
        None,
        None,
    ),
    "missing required column": (
        b"student_id,period_1_status\n100234,P\n",
        "missing_column",
        "schema",
        None,
        "date",
    ),
    "duplicated header": (
        b"student_id,date,period_1_status,Date\n100234,2025-09-02,U,2025-09-02\n",
        "duplicate_column",
        "schema",
        None,
        "Date",
    ),
}


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("case", list(REJECTED))
def test_rejected_files_change_nothing(
    session: Session, run: Runner, write_csv: Writer, case: str
) -> None:
    data, rule, category, row, column = REJECTED[case]
    before = snapshot(session)
    result = run("attendance", write_csv(data=data, name="upload.csv"))
    assert result.status == "rejected" and result.records_inserted == 0
    [problem] = problems(result)
    assert (problem["rule"], problem["category"], problem["row"], problem["column"]) == (
        rule,
        category,
        row,
        column,
    )
    assert problem["message"]
    assert snapshot(session) == before


@pytest.mark.usefixtures("stored")
def test_wrong_delimiter_names_the_likely_cause(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    before = snapshot(session)
    text = ATTENDANCE_HEADER.replace(",", "|") + "\n" + GOOD_DAY.replace(",", "|")
    result = run("attendance", write_csv(text.replace("P|P|P", "U|U|U")))
    assert result.status == "rejected"
    first = problems(result)[0]
    assert first["rule"] == "single_column"
    assert "student_id|date" in first["message"] and "comma, tab or semicolon" in first["message"]
    assert {p["column"] for p in problems(result, "missing_column")} == {"student_id", "date"}
    assert snapshot(session) == before


@pytest.mark.usefixtures("stored")
def test_rows_in_another_delimiter_than_the_header(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    before = snapshot(session)
    result = run("attendance", write_csv(f"{ATTENDANCE_HEADER}\n{GOOD_DAY.replace(',', ';')}\n"))
    [problem] = problems(result)
    assert (problem["row"], problem["rule"]) == (2, "too_few_fields")
    assert "row has 1 cell but the header has 10 columns" in problem["message"]
    assert snapshot(session) == before


# (row as written, rule, category, column, value) — each row tries to change the stored day.
ROW_ERRORS: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "unknown status letter": (
        "100234,2025-09-02,7,P,P,X,P,P,P,P",
        "unknown_status_code",
        "type",
        "period_3_status",
        "X",
    ),
    "date before the window": (
        "100234,2019-09-02,7,U,U,U,U,U,U,U",
        "date_out_of_range",
        "business-rule",
        "date",
        "2019-09-02",
    ),
    "date after today + 30": (
        "100234,2025-11-01,7,U,U,U,U,U,U,U",
        "date_out_of_range",
        "business-rule",
        "date",
        "2025-11-01",
    ),
    "unparseable date": (
        "100234,Sept 2 2025,7,U,U,U,U,U,U,U",
        "invalid_date",
        "type",
        "date",
        "Sept 2 2025",
    ),
    "grade 5": (
        "100234,2025-09-02,5,U,U,U,U,U,U,U",
        "grade_not_served",
        "business-rule",
        "grade_level",
        "5",
    ),
    "blank student id": (",2025-09-02,7,U,U,U,U,U,U,U", "required", "type", "student_id", ""),
    "no scheduled period": (
        "100234,2025-09-02,7,,,,,,,",
        "no_period_scheduled",
        "business-rule",
        None,
        None,
    ),
    "extra cells": (
        "100234,2025-09-02,7,U,U,U,U,U,U,U,U,oops",
        "too_many_fields",
        "schema",
        None,
        None,
    ),
    "missing cells": ("100234,2025-09-02,7,U,U,U", "too_few_fields", "schema", None, None),
    "10 MB student id": (
        f"{TEN_MB},2025-09-02,7,U,U,U,U,U,U,U",
        "too_long",
        "type",
        "student_id",
        None,
    ),
}


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("case", list(ROW_ERRORS))
def test_row_errors_are_reported_and_change_nothing(
    session: Session, run: Runner, write_csv: Writer, case: str
) -> None:
    row, rule, category, column, value = ROW_ERRORS[case]
    before = snapshot(session)
    result = run("attendance", write_csv(data=attendance(row)))
    assert result.status == "completed"
    assert (result.records_processed, result.records_failed) == (1, 1)
    [problem] = problems(result)
    assert (problem["row"], problem["rule"], problem["category"]) == (2, rule, category)
    assert problem["column"] == column and problem["severity"] == "error"
    if value is not None:
        assert problem["value"] == value
        assert value in problem["message"] or problem["rule"] == "required"
    assert len(problem["message"]) < 400  # a huge cell is quoted cut short
    assert snapshot(session) == before


@pytest.mark.usefixtures("stored")
def test_ten_megabyte_cell_in_an_ignored_column(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    before = snapshot(session)
    data = attendance(f"{GOOD_DAY.replace('P', 'U')},{TEN_MB}", f"{ATTENDANCE_HEADER},Notes")
    result = run("attendance", write_csv(data=data))
    [problem] = problems(result)
    assert (problem["row"], problem["column"], problem["rule"]) == (2, "Notes", "cell_too_large")
    assert "10,485,760 characters" in problem["message"]
    assert problem["value"].startswith("xxx") and len(problem["value"]) < 300
    assert snapshot(session) == before


@pytest.mark.usefixtures("stored")
def test_ten_megabyte_name_in_a_roster(session: Session, run: Runner, write_csv: Writer) -> None:
    before = snapshot(session)
    result = run("roster", write_csv(f"{ROSTER_HEADER}\n100234,{TEN_MB},Kim,7\n"))
    [problem] = problems(result)
    assert (problem["row"], problem["column"], problem["rule"]) == (2, "last_name", "too_long")
    assert snapshot(session) == before


@pytest.mark.usefixtures("stored")
def test_strict_mode_rejects_a_file_with_one_bad_row(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    before = snapshot(session)
    text = f"{ATTENDANCE_HEADER}\n100235,2025-09-02,6,U,U,U,U,U,U,U\n100234,2025-09-03,5,P,,,,,,\n"
    result = run("attendance", write_csv(text), strict=True)
    assert result.status == "rejected"
    assert [(p["row"], p["rule"]) for p in problems(result)] == [
        (None, "strict_mode"),
        (3, "grade_not_served"),
    ]
    assert snapshot(session) == before
