"""Canonical attendance (formats.md §2): one row per student per school day, period statuses."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.orm import Session

from attendly.metrics.years import academic_years_of
from db.loaders import ensure_schools, existing_students, student_grades, upsert
from db.models import AttendanceRecord, Student
from ingest import fields, periods
from ingest.checks import Checked, ImportContext, Loaded, RowProblems, resolve_duplicates
from ingest.headers import Columns, ColumnSpec, missing_column
from ingest.periods import FIGURE_COLUMNS, FILE_PERIODS, PERCENTAGE, PERIOD_COLUMNS
from ingest.result import Category, Rejection
from ingest.values import to_records

EARLIEST_DATE = dt.date(2020, 8, 1)
DAYS_AHEAD = 30  # dates up to today + 30 days are accepted (schedules entered in advance)
# The stored values an update compares (besides the key, student_id and date).
COMPARE = (*PERIOD_COLUMNS, "academic_year", "school_id", *FIGURE_COLUMNS, PERCENTAGE)

COLUMNS = (
    fields.STUDENT_ID,
    ColumnSpec("date", ("attendance_date",), required=True),
    *(periods.period_spec(n) for n in FILE_PERIODS),
    fields.grade_level_spec(required=False),
    fields.SCHOOL_CODE,
    ColumnSpec(PERCENTAGE),
)


def check(session: Session, columns: Columns, ctx: ImportContext) -> Checked:
    """Validate attendance rows; returns one typed row per student-day to load.

    Raises Rejection when the file has no period status column at all.
    """
    if not any(columns.has(f"period_{n}_status") for n in FILE_PERIODS):
        raise Rejection([missing_column(periods.period_spec(1))])
    problems = RowProblems(columns.frame.index)
    rows = pd.DataFrame(index=columns.frame.index)
    rows["student_id"] = fields.student_ids(columns, problems)
    rows["date"] = _dates(columns, problems, ctx.today)
    statuses, unreadable = periods.statuses(columns, problems)
    figures = periods.figures(statuses, unreadable, problems)
    valid = ~unreadable & (figures["scheduled"] > 0)
    periods.check_percentage(columns, problems, figures, valid=valid)
    rows["grade_level"] = fields.grade_levels(
        columns, problems, ctx.settings.grade_levels, required=False
    )
    rows["school_code"] = fields.school_codes(columns, problems)
    rows = pd.concat([rows, statuses, figures], axis=1)[problems.ok]
    schools, new_students = _cross_reference(session, columns, rows, problems, ctx)
    rows = rows[problems.ok.loc[rows.index]]
    content = [*PERIOD_COLUMNS, "school_code", "grade_level"]
    keep = resolve_duplicates(rows, ["student_id", "date"], content, problems)
    rows = rows[keep]
    return Checked(
        rows=_typed(rows, schools, ctx),
        problems=problems.problems,
        failed=int(problems.failed.sum()),
        duplicates=int((~keep).sum()),
        new_students=new_students,
    )


def _dates(columns: Columns, problems: RowProblems, today: dt.date) -> pd.Series:
    days = fields.dates(columns, problems, "date", required=True)
    latest = today + dt.timedelta(days=DAYS_AHEAD)
    outside = (days < pd.Timestamp(EARLIEST_DATE)) | (days > pd.Timestamp(latest))
    problems.flag(
        outside,
        rule="date_out_of_range",
        category=Category.BUSINESS_RULE,
        column=columns.header("date"),
        values=columns.frame["date"],
        message=lambda _row, value: (
            f"date {value} is outside the accepted range {EARLIEST_DATE} to {latest}"
        ),
    )
    return days


def _cross_reference(
    session: Session,
    columns: Columns,
    rows: pd.DataFrame,
    problems: RowProblems,
    ctx: ImportContext,
) -> tuple[dict[str, str], list[dict[str, object]]]:
    """Each student's school code, and the students to create from these rows.

    A student not yet stored is created from its latest row that gives a grade_level (and
    school_code); a student with no grade_level on any row cannot be, and its rows fail.
    """
    stored = existing_students(session, rows["student_id"].unique())
    schools = {student_id: code for student_id, (_grade, code) in stored.items()}
    unknown = rows[~rows["student_id"].isin(stored)].sort_values("date", kind="stable")
    if unknown.empty:
        return schools, []
    graded = unknown[unknown["grade_level"].notna()].groupby("student_id", sort=True)
    grades = graded["grade_level"].last()
    named = unknown[unknown["school_code"].notna()].groupby("student_id")["school_code"].last()
    problems.flag(
        rows["student_id"].isin(unknown["student_id"]) & ~rows["student_id"].isin(grades.index),
        rule="unknown_student",
        category=Category.CROSS_REFERENCE,
        column=columns.header("student_id"),
        values=rows["student_id"],
        message=lambda _row, value: (
            f"student {value} is not in the roster and no row gives a grade_level to create it"
        ),
    )
    new_students: list[dict[str, object]] = []
    for student_id, grade in grades.items():
        code = named.get(student_id, ctx.default_school_code)
        schools[str(student_id)] = code
        new_students.append({"id": student_id, "grade_level": int(grade), "school_code": code})
    return schools, new_students


def _typed(rows: pd.DataFrame, schools: dict[str, str], ctx: ImportContext) -> pd.DataFrame:
    """The rows as stored: school from the row, else the import's school, else the student's."""
    fallback = rows["student_id"].map(schools)
    if ctx.school_code:
        fallback = pd.Series(ctx.school_code, index=rows.index, dtype=object)
    typed = pd.DataFrame(
        {
            "student_id": rows["student_id"],
            "date": rows["date"].dt.date,
            "academic_year": academic_years_of(rows["date"]),
            "school_code": rows["school_code"].where(rows["school_code"].notna(), fallback),
        },
        index=rows.index,
    )
    for name in PERIOD_COLUMNS:
        typed[name] = rows[name].astype(object).where(rows[name].notna(), None)
    for name in FIGURE_COLUMNS:
        typed[name] = rows[name].astype("int64")
    typed[PERCENTAGE] = rows[PERCENTAGE]
    return typed


def load(session: Session, checked: Checked, ctx: ImportContext) -> Loaded:
    """Create the new students, then upsert the student-days; creates unseen schools."""
    rows = checked.rows
    codes = {*rows["school_code"], *(str(s["school_code"]) for s in checked.new_students)}
    schools = ensure_schools(session, codes, ctx.settings.periods_per_day)
    created = _create_students(session, checked.new_students, schools, ctx.import_id)
    records = (
        rows.assign(school_id=rows["school_code"].map(schools), import_id=ctx.import_id)
        .drop(columns="school_code")
        .pipe(to_records)
    )
    counts = upsert(session, AttendanceRecord, records, key=("student_id", "date"), compare=COMPARE)
    changed = {str(key[0]) for key in counts.written} | set(created)
    codes = set(rows.loc[rows["student_id"].isin(changed), "school_code"])
    return Loaded(
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        changed_students=changed,
        grades=student_grades(session, changed),
        school_code=codes.pop() if len(codes) == 1 else None,
        students_created=created,
    )


def _create_students(
    session: Session, new_students: list[dict[str, object]], schools: dict[str, int], import_id: int
) -> list[str]:
    records = [
        {
            "id": student["id"],
            "last_name": "",
            "first_name": "",
            "grade_level": student["grade_level"],
            "school_id": schools[str(student["school_code"])],
            "import_id": import_id,
        }
        for student in new_students
    ]
    counts = upsert(session, Student, records, key=("id",), compare=())
    return sorted(str(key[0]) for key in counts.written)
