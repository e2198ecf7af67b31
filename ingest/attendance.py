"""Canonical attendance (formats.md §2): one row per student per school day, period statuses.

Validation layers per chunk: types (ids, dates, status letters, numbers), business rules
(date window, grade levels, a scheduled period, the given percentage), then the pipeline's
duplicate detection. Cross-reference runs at merge time on the whole staged file: a student
not yet stored is created from the last row that gives a grade level (and school code); a
student with no grade on any row cannot be, and its rows fail.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from db.integrity import known_students
from db.loaders import ensure_schools, student_grades
from db.merge import ATTENDANCE, MergeCounts, merge, tune_for_bulk
from db.policy import load_policy
from db.stage_attendance import (
    create_students,
    drop_students,
    fill_schools,
    latest_values,
    merge_schools,
    school_ids,
    stage_stats,
    student_schools,
)
from db.staging import ColumnGroup, StageRows
from ingest import fields, periods
from ingest.checks import ImportContext, RowProblems
from ingest.headers import Columns, ColumnSpec, HeaderMap, map_headers, missing_column
from ingest.kinds import CheckedChunk, Merged, Staged, StudentDays
from ingest.periods import FILE_PERIODS, PERCENTAGE, PERIOD_COLUMNS, STAGED_COLUMNS
from ingest.result import Category, ImportProblem, Rejection
from ingest.rows import date_group, group, header_groups

EARLIEST_DATE = dt.date(2020, 8, 1)
DAYS_AHEAD = 30  # dates up to today + 30 days are accepted (schedules entered in advance)
KEY = ("student_id", "date")
CONTENT = (*PERIOD_COLUMNS, "school_code", "grade_level")  # what makes two rows "identical"

COLUMNS = (
    fields.STUDENT_ID,
    ColumnSpec("date", ("attendance_date",), required=True),
    *(periods.period_spec(n) for n in FILE_PERIODS),
    fields.grade_level_spec(required=False),
    fields.SCHOOL_CODE,
    ColumnSpec(PERCENTAGE),
)


def latest_date(today: dt.date, days_ahead: int = DAYS_AHEAD) -> dt.date:
    return today + dt.timedelta(days=days_ahead)


def dates_in_window(
    columns: Columns,
    problems: RowProblems,
    name: str,
    today: dt.date,
    days_ahead: int = DAYS_AHEAD,
) -> pd.Series:
    """A required date column, parsed; dates outside 2020-08-01 .. today + `days_ahead` (30
    for attendance) are row errors."""
    days = fields.dates(columns, problems, name, required=True)
    latest = latest_date(today, days_ahead)
    outside = (days < pd.Timestamp(EARLIEST_DATE)) | (days > pd.Timestamp(latest))
    problems.flag(
        outside,
        rule="date_out_of_range",
        category=Category.BUSINESS_RULE,
        column=columns.header(name),
        values=columns.frame[name],
        message=lambda _row, value: (
            f"date {value} is outside the accepted range {EARLIEST_DATE} to {latest}"
        ),
    )
    return days


def pattern_group(patterns: periods.Patterns, positions: np.ndarray) -> ColumnGroup:
    """The period letters and day figures of the rows at `positions`."""
    return ColumnGroup(STAGED_COLUMNS, patterns.codes[positions], patterns.values)


def content_frame(rows: StageRows, index: pd.Index) -> pd.DataFrame:
    """Key and content columns of staged rows, for duplicate detection."""
    frame = pd.DataFrame(
        {name: rows.column(name) for name in ("student_id", *CONTENT)}, index=index
    )
    frame.insert(1, "date", pd.to_datetime(rows.column("date")))
    return frame


class CanonicalAttendance:
    """One canonical attendance import (see the module docstring)."""

    key: tuple[str, ...] = KEY
    content: tuple[str, ...] = CONTENT
    target = ATTENDANCE
    event = "attendance"

    def __init__(self, session: Session, header_map: HeaderMap, ctx: ImportContext) -> None:
        if not any(header_map.has(f"period_{n}_status") for n in FILE_PERIODS):
            raise Rejection([missing_column(periods.period_spec(1))])
        self.header_map = header_map
        self.ctx = ctx
        self.grade_levels = load_policy(session, ctx.settings).grade_levels
        self.schools = school_ids(session)
        self.students = student_schools(session)

    def tracker(self) -> StudentDays:
        return StudentDays(latest_date(self.ctx.today))

    def check(self, columns: Columns) -> CheckedChunk:
        index = columns.frame.index
        problems = RowProblems(index)
        ids = fields.student_ids(columns, problems)
        days = dates_in_window(columns, problems, "date", self.ctx.today)
        digits, unreadable = periods.statuses(columns, problems)
        patterns = periods.patterns_of(digits)
        periods.flag_unscheduled(patterns, unreadable, index, problems)
        periods.check_percentage(columns, problems, patterns, unreadable)
        grades = fields.grade_levels(columns, problems, self.grade_levels, required=False)
        codes = fields.school_codes(columns, problems)
        positions = np.flatnonzero(problems.ok.to_numpy())
        rows = self._rows(index[positions], ids, days, codes, grades, patterns, positions)
        return CheckedChunk(
            rows=rows,
            keys=content_frame(rows, index[positions]),
            problems=problems.problems,
            failed=int(problems.failed.sum()),
        )

    def _rows(
        self,
        rows: pd.Index,
        ids: pd.Series,
        days: pd.Series,
        codes: pd.Series,
        grades: pd.Series,
        patterns: periods.Patterns,
        positions: np.ndarray,
    ) -> StageRows:
        ids, codes = ids.iloc[positions], codes.iloc[positions]
        if self.ctx.school_code:
            codes = codes.fillna(self.ctx.school_code)
        # The school: the row's (or the import's), else the stored student's; NULL is resolved
        # at merge time (a school first seen, a student created by this file).
        school = codes.map(self.schools).where(codes.notna(), ids.map(self.students))
        school = school.astype("Int64")
        return StageRows(
            (
                *header_groups(self.ctx.import_id, rows),
                group("student_id", ids),
                date_group(days.iloc[positions]),
                group("school_code", codes),
                group("school_id", school),
                group("grade_level", grades.iloc[positions]),
                pattern_group(patterns, positions),
            )
        )

    def merge_schools(self, session: Session, staged: Staged) -> set[int] | None:
        return merge_schools(session, self.ctx.import_id, staged.students)

    def merge(self, session: Session, staged: Staged) -> Merged:
        """Merge the staged rows (the stage was analyzed before: ingest.run.Run.merge)."""
        import_id = self.ctx.import_id
        tune_for_bulk(session)
        unknown = sorted(staged.students - known_students(session, staged.students))
        problems, created = self._create_students(session, unknown) if unknown else ([], [])
        fill_schools(session, import_id, self.ctx.settings.periods_per_day)
        data = ATTENDANCE.data
        counts = merge(session, ATTENDANCE, import_id, compare=data, insert_columns=data)
        if problems:  # rows were dropped: count what is left from the stage itself
            staged = staged_on_stage(session, import_id)
        return loaded_days(session, import_id, counts, staged, problems, created)

    def _create_students(
        self, session: Session, unknown: list[str]
    ) -> tuple[list[ImportProblem], list[str]]:
        import_id = self.ctx.import_id
        grades = latest_values(session, import_id, unknown, "grade_level")
        codes = latest_values(session, import_id, unknown, "school_code")
        failed = drop_students(session, import_id, [s for s in unknown if s not in grades])
        default = self.ctx.default_school_code
        schools = ensure_schools(
            session,
            {codes.get(s) or default for s in grades},
            self.ctx.settings.periods_per_day,
        )
        new = [
            {"id": s, "grade_level": int(g), "school_id": schools[codes.get(s) or default]}
            for s, g in grades.items()
        ]
        return [self._unknown(row, student) for row, student in failed], create_students(
            session, new, import_id
        )

    def _unknown(self, row: int, student: str) -> ImportProblem:
        return ImportProblem(
            rule="unknown_student",
            message=f"student {student} is not in the roster and no row gives a grade_level "
            "to create it",
            category=Category.CROSS_REFERENCE,
            row=row,
            column=self.header_map.headers["student_id"],
            value=student,
        )


def staged_on_stage(session: Session, import_id: int) -> Staged:
    """The live staged rows as counted by the database."""
    stats = stage_stats(session, import_id)
    return Staged(stats.live, stats.students, stats.first, stats.last)


def loaded_days(
    session: Session,
    import_id: int,
    counts: MergeCounts,
    staged: Staged,
    problems: list[ImportProblem],
    created: list[str],
) -> Merged:
    """The outcome of an attendance merge: counts, the students it changed, what it loaded."""
    changed = set(created) | counts.students
    codes = {code for code, school in school_ids(session).items() if school in counts.schools}
    return Merged(
        inserted=counts.inserted,
        updated=counts.updated,
        live=staged.live,
        problems=problems,
        failed=len({problem.row for problem in problems}),
        changed_students=changed,
        schools=counts.schools,
        grades=student_grades(session, changed),
        school_code=next(iter(codes)) if len(codes) == 1 else None,
        students_created=created,
        students_touched=len(staged.students),
        date_range=(staged.first, staged.last) if staged.first and staged.last else None,
    )


def open_canonical(session: Session, headers: list[str], ctx: ImportContext) -> CanonicalAttendance:
    return CanonicalAttendance(session, map_headers(headers, COLUMNS), ctx)
