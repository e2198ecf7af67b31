"""The roster (student list, formats.md §1): Aeries `STU` export or the canonical form."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from db.loaders import ensure_schools, upsert
from db.models import Student
from ingest import fields
from ingest.checks import Checked, ImportContext, Loaded, RowProblems, resolve_duplicates
from ingest.headers import Columns, ColumnSpec
from ingest.result import Category
from ingest.values import blank_to_none, dates_to_python, to_records

COLUMNS = (
    fields.STUDENT_ID,
    ColumnSpec("student_number", ("StudentNumber", "SN", "Student#")),
    ColumnSpec("state_student_id", ("StateStudentID", "CID", "SSID")),
    ColumnSpec("last_name", ("LastName", "LN"), required=True),
    ColumnSpec("first_name", ("FirstName", "FN"), required=True),
    fields.grade_level_spec(required=True),
    fields.SCHOOL_CODE,
    ColumnSpec("enter_date", ("SchoolEnterDate", "ED")),
    ColumnSpec("leave_date", ("SchoolLeaveDate", "LD")),
    ColumnSpec("birthdate", ("Birthdate", "BD")),
    ColumnSpec("gender", ("Gender", "Sex", "GN")),
)
NAMES = ("last_name", "first_name")  # blank allowed: some students have a single name
OPTIONAL_TEXT = {"student_number": 32, "state_student_id": 32, "gender": 10}
DATE_COLUMNS = ("enter_date", "leave_date", "birthdate")
NAME_LENGTH = 200


def check(session: Session, columns: Columns, ctx: ImportContext) -> Checked:
    """Validate roster rows; returns one typed row per student to load (`id`, ..., `school_code`).

    Only the optional columns present in the file are returned, so a roster without, say,
    birthdates leaves stored birthdates alone.
    """
    frame = columns.frame
    problems = RowProblems(frame.index)
    rows = pd.DataFrame(index=frame.index)
    rows["id"] = fields.student_ids(columns, problems)
    for name in NAMES:
        fields.too_long(columns, problems, name, NAME_LENGTH)
        rows[name] = frame[name]
    grades = fields.grade_levels(columns, problems, ctx.settings.grade_levels, required=True)
    rows["grade_level"] = grades
    rows["school_code"] = fields.school_codes(columns, problems).fillna(ctx.default_school_code)
    for name, limit in OPTIONAL_TEXT.items():
        if columns.has(name):
            fields.too_long(columns, problems, name, limit)
            rows[name] = blank_to_none(frame[name])
    for name in DATE_COLUMNS:
        if columns.has(name):
            rows[name] = fields.dates(columns, problems, name, required=False)
    _check_enrollment(columns, rows, problems)
    rows = rows[problems.ok]
    keep = resolve_duplicates(rows, ["id"], list(rows.columns), problems)
    return Checked(
        rows=_typed(rows[keep]),
        problems=problems.problems,
        failed=int(problems.failed.sum()),
        duplicates=int((~keep).sum()),
    )


def _check_enrollment(columns: Columns, rows: pd.DataFrame, problems: RowProblems) -> None:
    if not (columns.has("enter_date") and columns.has("leave_date")):
        return
    problems.flag(
        rows["leave_date"] < rows["enter_date"],
        rule="leave_before_enter",
        category=Category.BUSINESS_RULE,
        column=columns.header("leave_date"),
        values=columns.frame["leave_date"],
        message="leave_date is before enter_date",
    )


def _typed(rows: pd.DataFrame) -> pd.DataFrame:
    typed = rows.copy()
    typed["grade_level"] = typed["grade_level"].astype("int64")
    for name in DATE_COLUMNS:
        if name in typed:
            typed[name] = dates_to_python(typed[name])
    return typed


def load(session: Session, checked: Checked, ctx: ImportContext) -> Loaded:
    """Upsert the students; creates schools seen for the first time."""
    rows = checked.rows
    schools = ensure_schools(session, rows["school_code"], ctx.settings.periods_per_day)
    records = (
        rows.assign(school_id=rows["school_code"].map(schools), import_id=ctx.import_id)
        .drop(columns="school_code")
        .pipe(to_records)
    )
    compare = [name for name in rows.columns if name not in ("id", "school_code")]
    counts = upsert(session, Student, records, key=("id",), compare=[*compare, "school_id"])
    changed = {key[0] for key in counts.written}
    written = rows[rows["id"].isin(changed)]
    codes = set(written["school_code"])
    return Loaded(
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        changed_students=changed,
        grades={int(grade) for grade in written["grade_level"]},
        school_code=codes.pop() if len(codes) == 1 else None,
    )
