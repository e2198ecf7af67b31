"""The roster (student list, formats.md §1): Aeries `STU` export or the canonical form.

Only the optional columns present in the file are written, so a roster without, say,
birthdates leaves stored birthdates alone. Names are stored exactly as given (a name that
looks like a spreadsheet formula included); exports neutralise them (attendly.exports).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from db.loaders import student_grades, written_students
from db.merge import STUDENTS, merge
from db.policy import load_policy
from db.stage_attendance import school_ids
from db.staging import StageRows, fill_school_ids
from ingest import fields
from ingest.checks import ImportContext, RowProblems
from ingest.headers import Columns, ColumnSpec, map_headers
from ingest.kinds import CheckedChunk, KeySet, Merged, Staged
from ingest.result import Category
from ingest.rows import group, header_groups
from ingest.values import blank_to_none, dates_to_python

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


class Roster:
    """One roster import."""

    key: tuple[str, ...] = ("id",)
    target = STUDENTS
    event = "import"  # the websocket contract names a roster change "import"

    def __init__(self, session: Session, headers: list[str], ctx: ImportContext) -> None:
        self.header_map = map_headers(headers, COLUMNS)
        self.ctx = ctx
        self.grade_levels = load_policy(session, ctx.settings).grade_levels
        self.schools = school_ids(session)
        optional = [*OPTIONAL_TEXT, *DATE_COLUMNS]
        self.columns = [
            *NAMES,
            "grade_level",
            *(name for name in optional if self.header_map.has(name)),
        ]
        self.content = (*self.columns, "school_code")

    def tracker(self) -> KeySet:
        return KeySet(self.key)

    def check(self, columns: Columns) -> CheckedChunk:
        frame = columns.frame
        problems = RowProblems(frame.index)
        values = pd.DataFrame(index=frame.index)
        values["id"] = fields.student_ids(columns, problems)
        for name in NAMES:
            fields.too_long(columns, problems, name, NAME_LENGTH)
            values[name] = frame[name]
        values["grade_level"] = fields.grade_levels(
            columns, problems, self.grade_levels, required=True
        )
        values["school_code"] = fields.school_codes(columns, problems).fillna(
            self.ctx.default_school_code
        )
        for name, limit in OPTIONAL_TEXT.items():
            if columns.has(name):
                fields.too_long(columns, problems, name, limit)
                values[name] = blank_to_none(frame[name])
        for name in DATE_COLUMNS:
            if columns.has(name):
                values[name] = fields.dates(columns, problems, name, required=False)
        _check_enrollment(columns, values, problems)
        ok = values[problems.ok.to_numpy()]
        rows = self._rows(ok)
        keys = pd.DataFrame({name: rows.column(name) for name in (*self.key, *self.content)})
        return CheckedChunk(
            rows, keys.set_axis(ok.index), problems.problems, int(problems.failed.sum())
        )

    def _rows(self, values: pd.DataFrame) -> StageRows:
        for name in DATE_COLUMNS:
            if name in values:
                values = values.assign(**{name: dates_to_python(values[name])})
        school = values["school_code"].map(self.schools).astype("Int64")
        groups = [group(name, values[name]) for name in ("id", *self.columns, "school_code")]
        groups.append(group("school_id", school))
        return StageRows((*header_groups(self.ctx.import_id, values.index), *groups))

    def merge_schools(self, session: Session, staged: Staged) -> set[int] | None:
        return None  # a roster moves students between schools: every school's merges wait

    def merge(self, session: Session, staged: Staged) -> Merged:
        import_id = self.ctx.import_id
        fill_school_ids(session, STUDENTS.stage, import_id, self.ctx.settings.periods_per_day)
        columns = [*self.columns, "school_id"]
        counts = merge(session, STUDENTS, import_id, compare=columns, insert_columns=columns)
        changed, codes = written_students(session, import_id)
        live = staged.live
        return Merged(
            inserted=counts.inserted,
            updated=counts.updated,
            live=live,
            changed_students=changed,
            grades=student_grades(session, changed),
            school_code=next(iter(codes)) if len(codes) == 1 else None,
            students_touched=live,
        )


def _check_enrollment(columns: Columns, values: pd.DataFrame, problems: RowProblems) -> None:
    if not (columns.has("enter_date") and columns.has("leave_date")):
        return
    problems.flag(
        values["leave_date"] < values["enter_date"],
        rule="leave_before_enter",
        category=Category.BUSINESS_RULE,
        column=columns.header("leave_date"),
        values=columns.frame["leave_date"],
        message="leave_date is before enter_date",
    )


def open_roster(session: Session, headers: list[str], ctx: ImportContext) -> Roster:
    return Roster(session, headers, ctx)
