"""Reading CSV files: encodings, line ends, quoting, delimiters, headers and cell values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ingest.headers import ColumnSpec, header_key, resolve_columns
from ingest.reading import RawTable, read_table
from ingest.result import Rejection
from ingest.values import clean_ids, parse_dates, parse_grades
from tests.ingest.conftest import Writer


def cells(table: RawTable, column: int) -> list[str]:
    return list(table.cells[column])


def test_utf8_with_bom_and_crlf(write_csv: Writer) -> None:
    path = write_csv("\ufeffstudent_id,name\n007,Zoë\n", newline="\r\n")
    table = read_table(path)
    assert table.headers == ["student_id", "name"]
    assert cells(table, 1) == ["Zoë"]
    assert table.encoding == "utf-8-sig"


def test_windows_1252_is_decoded(write_csv: Writer) -> None:
    table = read_table(write_csv("id,last\n1,Peña\n2,Núñez\n", encoding="cp1252"))
    assert cells(table, 1) == ["Peña", "Núñez"]
    assert table.encoding == "cp1252"


def test_utf16_export_is_decoded(write_csv: Writer) -> None:
    table = read_table(write_csv("id\tlast\n1\tPeña\n", encoding="utf-16"))
    assert table.delimiter == "\t"
    assert cells(table, 1) == ["Peña"]


def test_quoted_field_with_comma_and_newline_keeps_row_numbers(write_csv: Writer) -> None:
    path = write_csv('id,last\n1,"Smith, Jr."\n2,"two\nlines"\n3,Lee\n')
    table = read_table(path)
    assert cells(table, 1) == ["Smith, Jr.", "two\nlines", "Lee"]
    # Row numbers count records (as a spreadsheet shows them), not physical lines.
    assert list(table.cells.index) == [2, 3, 4]


@pytest.mark.parametrize("delimiter", ["\t", ";", ","])
def test_delimiter_is_sniffed(write_csv: Writer, delimiter: str) -> None:
    text = delimiter.join(["id", "last", "first"]) + "\n" + delimiter.join(["1", "A", "B"]) + "\n"
    table = read_table(write_csv(text))
    assert table.delimiter == delimiter
    assert table.headers == ["id", "last", "first"]
    assert cells(table, 2) == ["B"]


def test_semicolon_file_with_decimal_commas(write_csv: Writer) -> None:
    table = read_table(write_csv("id;pct\n1;85,71\n"))
    assert cells(table, 1) == ["85,71"]


def test_blank_rows_are_dropped_but_numbered(write_csv: Writer) -> None:
    table = read_table(write_csv("id,last\n1,A\n\n,\n2,B\n"))
    assert list(table.cells.index) == [2, 5]


def test_everything_stays_text(write_csv: Writer) -> None:
    table = read_table(write_csv("id,n\n007,NA\n7,null\n"))
    assert cells(table, 0) == ["007", "7"]
    assert cells(table, 1) == ["NA", "null"]


def test_ragged_rows(write_csv: Writer) -> None:
    # Too many cells (with data) or too few: the row is not read; an empty extra cell is slack.
    table = read_table(write_csv("id,last\n1,A\n2,B,extra\n3\n4,D,\n"))
    assert list(table.cells.index) == [2, 5]
    assert cells(table, 1) == ["A", "D"]
    assert [(p.row, p.rule) for p in table.problems] == [
        (3, "too_many_fields"),
        (4, "too_few_fields"),
    ]
    assert "row has 1 cell but the header has 2 columns" in table.problems[1].message
    assert table.unreadable_rows == 2


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "empty_file"),
        (b"  \r\n\n", "empty_file"),
        (b"\xef\xbb\xbf", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "binary_file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not_csv"),
        (bytes(range(1, 32)) * 50, "binary_file"),
    ],
)
def test_unreadable_files_are_rejected(write_csv: Writer, data: bytes, rule: str) -> None:
    with pytest.raises(Rejection) as caught:
        read_table(write_csv(data=data))
    assert [p.rule for p in caught.value.problems] == [rule]
    assert caught.value.problems[0].row is None


@pytest.mark.parametrize(
    "header", ["Student ID", "student_id", "STUDENT_ID", "StudentID", "student-id", " Student  Id "]
)
def test_header_key_ignores_case_spacing_and_punctuation(header: str) -> None:
    assert header_key(header) == header_key("student_id")


def test_student_number_sign_is_not_the_student() -> None:
    assert header_key("Student#") == header_key("student_number")
    assert header_key("Student#") != header_key("Student")


SPECS = (
    ColumnSpec("student_id", ("ID",), required=True),
    ColumnSpec("last_name", ("LN",), required=True),
    ColumnSpec("gender", ("GN", "Sex")),
)


def test_resolve_columns_by_alias_and_lists_unknown(write_csv: Writer) -> None:
    table = read_table(write_csv("ID,LN,Comment,Sex\n 007 , Lee ,x,F\n"))
    columns = resolve_columns(table, SPECS)
    assert list(columns.frame.columns) == ["student_id", "last_name", "gender"]
    assert list(columns.frame.loc[2]) == ["007", "Lee", "F"]
    assert columns.headers == {"student_id": "ID", "last_name": "LN", "gender": "Sex"}
    assert columns.unknown == ["Comment"]


def test_missing_required_columns_are_all_named(write_csv: Writer) -> None:
    table = read_table(write_csv("Sex\nF\n"))
    with pytest.raises(Rejection) as caught:
        resolve_columns(table, SPECS)
    assert [(p.rule, p.column) for p in caught.value.problems] == [
        ("missing_column", "student_id"),
        ("missing_column", "last_name"),
    ]
    assert "student_id" in str(caught.value)


def test_duplicated_header_is_rejected(write_csv: Writer) -> None:
    table = read_table(write_csv("student_id,LN,Student ID\n1,A,2\n"))
    with pytest.raises(Rejection) as caught:
        resolve_columns(table, SPECS)
    assert [(p.rule, p.category) for p in caught.value.problems] == [("duplicate_column", "schema")]


@pytest.mark.parametrize(
    "text",
    ["2025-09-02", "9/2/2025", "09/02/2025", "09-02-2025", "9-2-2025", "20250902",
     "9/2/2025 12:00:00 AM", "2025-09-02 00:00:00"],
)  # fmt: skip
def test_each_date_format(text: str) -> None:
    parsed, bad = parse_dates(pd.Series([text]))
    assert parsed[0].date() == dt.date(2025, 9, 2)
    assert not bad[0]


@pytest.mark.parametrize("text", ["2025-02-30", "13/1/2025", "Sept 2", "2/9/25", "2025090"])
def test_bad_dates_are_flagged_and_blank_is_not(text: str) -> None:
    parsed, bad = parse_dates(pd.Series([text, ""]))
    assert parsed.isna().all()
    assert bad.tolist() == [True, False]


def test_grades() -> None:
    grades, bad = parse_grades(pd.Series(["7", "07", "K", "kg", "6.0", "7.5", "seven", ""]))
    assert grades.tolist()[:5] == [7, 7, 0, 0, 6]
    assert bad.tolist() == [False, False, False, False, False, True, True, False]


def test_ids_keep_leading_zeros() -> None:
    assert clean_ids(pd.Series([" 007 ", '="0042"', "7"])).tolist() == ["007", "0042", "7"]
