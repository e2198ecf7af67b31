"""Checks of the fields several kinds share: student ids, grade levels, school codes, dates."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ingest.checks import RowProblems
from ingest.headers import Columns, ColumnSpec
from ingest.result import Category
from ingest.values import blank_to_none, clean_ids, codes_of, parse_dates, parse_grades, spread

STUDENT_ID = ColumnSpec("student_id", ("StudentID", "PermanentID", "Perm ID", "ID"), required=True)
SCHOOL_CODE = ColumnSpec("school_code", ("SchoolCode", "SC"))
ID_LENGTH = 32  # students.id
SCHOOL_CODE_LENGTH = 20  # schools.code
DATE_FORMATS_TEXT = "YYYY-MM-DD, M/D/YYYY, MM-DD-YYYY or YYYYMMDD"


def grade_level_spec(required: bool) -> ColumnSpec:
    return ColumnSpec("grade_level", ("Grade", "GR"), required=required)


def student_ids(columns: Columns, problems: RowProblems) -> pd.Series:
    """Student ids as text (leading zeros kept); blank or over-long ids are row errors."""
    ids = clean_ids(columns.frame["student_id"])
    header = columns.header("student_id")
    problems.flag(
        ids == "",
        rule="required",
        category=Category.TYPE,
        column=header,
        values=ids,
        message="student_id is blank",
    )
    too_long(columns, problems, "student_id", ID_LENGTH, ids)
    return ids


def grade_levels(
    columns: Columns, problems: RowProblems, allowed: Sequence[int], *, required: bool
) -> pd.Series:
    """Grade levels as nullable integers; unreadable or outside `allowed` are row errors."""
    frame = columns.frame
    if "grade_level" not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    raw, header = frame["grade_level"], columns.header("grade_level")
    grades, bad = parse_grades(raw)
    if required:
        problems.flag(
            raw == "",
            rule="required",
            category=Category.TYPE,
            column=header,
            values=raw,
            message="grade_level is blank",
        )
    problems.flag(
        bad,
        rule="invalid_grade",
        category=Category.TYPE,
        column=header,
        values=raw,
        message=lambda _row, value: f"{value!r} is not a grade level (a number, or K)",
    )
    levels = ", ".join(str(grade) for grade in allowed)
    problems.flag(
        grades.notna() & ~grades.isin(list(allowed)),
        rule="grade_not_served",
        category=Category.BUSINESS_RULE,
        column=header,
        values=raw,
        message=lambda _row, value: f"grade {value} is not one of the grade levels {levels}",
    )
    return grades


def school_codes(columns: Columns, problems: RowProblems) -> pd.Series:
    """School codes given on the rows (None where blank or absent)."""
    frame = columns.frame
    if "school_code" not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    codes = clean_ids(frame["school_code"])
    too_long(columns, problems, "school_code", SCHOOL_CODE_LENGTH, codes)
    return blank_to_none(codes)


def dates(columns: Columns, problems: RowProblems, name: str, *, required: bool) -> pd.Series:
    """One date column parsed (NaT where blank); unparseable cells are row errors."""
    raw, header = columns.frame[name], columns.header(name)
    parsed, bad = parse_dates(raw)
    if required:
        problems.flag(
            raw == "",
            rule="required",
            category=Category.TYPE,
            column=header,
            values=raw,
            message=f"{name} is blank",
        )
    problems.flag(
        bad,
        rule="invalid_date",
        category=Category.TYPE,
        column=header,
        values=raw,
        message=lambda _row, value: f"{value!r} is not a date (use {DATE_FORMATS_TEXT})",
    )
    return parsed


def too_long(
    columns: Columns, problems: RowProblems, name: str, limit: int, values: pd.Series | None = None
) -> None:
    """Flag cells longer than the database column holds."""
    text = columns.frame[name] if values is None else values
    codes, distinct = codes_of(text)
    problems.flag(
        spread(distinct.map(lambda value: len(str(value)) > limit), codes, text.index),
        rule="too_long",
        category=Category.TYPE,
        column=columns.header(name),
        values=text,
        message=f"{name} is longer than {limit} characters",
    )
