"""Aeries `ATT` attendance, recorded by exception (formats.md §3).

A row exists only for a student-day with an exception: `SC`, `ID` (or `SN`, resolved through
the roster's student numbers of that school), `DT`, `AL` and `A0`..`A9` (or the API names).
A blank code means present; `AL` gives every scheduled period its category; letters map
through the district's code table. Periods 1..`periods_per_day` of the school are scheduled;
a coded period outside them (period 0, say) was evidently scheduled too and is kept.

The file's date range: per school, from its first to its last date. Within it, every school
day (the uploaded calendar of that academic year, or when none was uploaded every date of
the school's attendance data) on which a roster student of that school was enrolled
(enter/leave dates) becomes a full student-day: the file's exceptions, present otherwise.
So re-importing an export changes nothing, and a newer export of an overlapping range
corrects the days it covers (an absence cleared in Aeries becomes a present day). Days
outside the range, and stored days of students no longer enrolled, are left alone. A row
that fails validation is not loaded, and its day is not made present either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from attendly.metrics.years import academic_year_of
from db.aeries import (
    add_present_days,
    calendars,
    code_table,
    enrolments,
    schools,
    stage_school_days,
)
from db.import_tables import StageState
from db.merge import ATTENDANCE, merge, tune_for_bulk
from db.staging import StageRows, analyze
from ingest import periods
from ingest.attendance import (
    CONTENT,
    KEY,
    content_frame,
    dates_in_window,
    latest_date,
    loaded_days,
    pattern_group,
    staged_on_stage,
)
from ingest.checks import ImportContext, RowProblems
from ingest.headers import Columns, ColumnSpec, HeaderMap, map_headers, missing_column
from ingest.kinds import CheckedChunk, Merged, Staged, StudentDays
from ingest.periods import exception_digits
from ingest.result import Category, Rejection
from ingest.rows import date_group, group, header_groups
from ingest.values import clean_ids

COLUMNS = (
    ColumnSpec("school_code", ("SC", "SchoolCode")),
    ColumnSpec("student_id", ("ID", "StudentID", "PermanentID", "Perm ID")),
    ColumnSpec("student_number", ("SN", "StudentNumber", "Student#")),
    ColumnSpec("date", ("DT", "CalendarDate", "AttendanceDate"), required=True),
    ColumnSpec("all_day", ("AL", "AllDayAttendanceCode", "AllDayCode")),
    *(ColumnSpec(f"a{n}", (f"A{n}", f"Period{n}", f"Period {n}")) for n in range(10)),
)


class AeriesAttendance:
    """One Aeries ATT import (see the module docstring)."""

    key: tuple[str, ...] = KEY
    content: tuple[str, ...] = CONTENT
    target = ATTENDANCE
    event = "attendance"

    def __init__(self, session: Session, header_map: HeaderMap, ctx: ImportContext) -> None:
        if not (header_map.has("student_id") or header_map.has("student_number")):
            raise Rejection([missing_column(ColumnSpec("student_id", ("ID", "SN")))])
        self.header_map, self.ctx = header_map, ctx
        self.codes = code_table(session)
        self.schools = schools(session)
        self.by_id, self.by_number = enrolments(session)
        self.homes = {s: e.school_id for s, e in self.by_id.items()}
        self.enters = {s: e.enter for s, e in self.by_id.items() if e.enter}
        self.leaves = {s: e.leave for s, e in self.by_id.items() if e.leave}
        self.calendars = calendars(session)

    def tracker(self) -> StudentDays:
        return StudentDays(latest_date(self.ctx.today))

    def check(self, columns: Columns) -> CheckedChunk:
        index = columns.frame.index
        problems = RowProblems(index)
        code, school = self._schools(columns, problems)
        student = self._students(columns, problems, school)
        days = dates_in_window(columns, problems, "date", self.ctx.today)
        self._within_cover(columns, problems, days)
        keyed = problems.ok.to_numpy().copy()  # the row's student-day is known
        self._enrolment(columns, problems, student, school, days)
        digits = self._digits(columns, problems, school)
        patterns = periods.patterns_of(digits)
        ok = problems.ok.to_numpy()
        live = np.flatnonzero(ok)
        rows = self._rows(index, [student, days, code, school], live, StageState.LIVE)
        rows = StageRows((*rows.groups, pattern_group(patterns, live)))
        failed_keys = self._rows(
            index, [student, days, code, school], np.flatnonzero(keyed & ~ok), StageState.FAILED_KEY
        )
        return CheckedChunk(
            rows,
            content_frame(rows, index[live]),
            problems.problems,
            int(problems.failed.sum()),
            failed_keys,
        )

    def _rows(
        self, index: pd.Index, values: list[pd.Series], positions: np.ndarray, state: int
    ) -> StageRows:
        student, days, code, school = (series.iloc[positions] for series in values)
        return StageRows(
            (
                *header_groups(self.ctx.import_id, index[positions], state),
                group("student_id", student),
                date_group(days),
                group("school_code", code),
                group("school_id", school),
                group("grade_level", pd.Series(None, index=student.index, dtype=object)),
            )
        )

    def _within_cover(self, columns: Columns, problems: RowProblems, days: pd.Series) -> None:
        """With an explicit range (`--from`/`--to`), rows outside it are errors."""
        if self.ctx.covers is None:
            return
        first, last = (pd.Timestamp(day) for day in self.ctx.covers)
        problems.flag(
            (days < first) | (days > last),
            rule="outside_export_range",
            category=Category.BUSINESS_RULE,
            column=columns.header("date"),
            values=columns.frame["date"],
            message=lambda _row, value: (
                f"date {value} is outside the export's range {first.date()} to {last.date()}"
            ),
        )

    def _schools(self, columns: Columns, problems: RowProblems) -> tuple[pd.Series, pd.Series]:
        index = columns.frame.index
        default = self.ctx.default_school_code
        if columns.has("school_code"):
            code = clean_ids(columns.frame["school_code"]).replace("", default)
        else:
            code = pd.Series(default, index=index, dtype=object)
        school = code.map({c: ids[0] for c, ids in self.schools.items()}).astype("Int64")
        problems.flag(
            school.isna(),
            rule="unknown_school",
            category=Category.CROSS_REFERENCE,
            column=columns.header("school_code") if columns.has("school_code") else None,
            values=code,
            message=lambda _row, value: f"school {value} has no roster: import its roster first",
        )
        return code, school

    def _students(self, columns: Columns, problems: RowProblems, school: pd.Series) -> pd.Series:
        index = columns.frame.index
        blank = pd.Series("", index=index, dtype=object)
        ids = clean_ids(columns.frame["student_id"]) if columns.has("student_id") else blank
        numbers = (
            clean_ids(columns.frame["student_number"]) if columns.has("student_number") else blank
        )
        by_number = (ids == "") & (numbers != "")
        pairs = pd.Series(
            list(zip(school[by_number], numbers[by_number], strict=True)),
            index=index[by_number.to_numpy()],
            dtype=object,
        )
        resolved = ids.where(~by_number, pairs.map(self.by_number).reindex(index))
        column = columns.header("student_id" if columns.has("student_id") else "student_number")
        problems.flag(
            (ids == "") & (numbers == ""),
            rule="required",
            category=Category.TYPE,
            column=column,
            values=ids,
            message="the student ID (or SN) is blank",
        )
        problems.flag(
            (ids != "") & ~ids.isin(list(self.by_id)),
            rule="unknown_student",
            category=Category.CROSS_REFERENCE,
            column=column,
            values=ids,
            message=lambda _row, value: f"student {value} is not in the roster",
        )
        problems.flag(
            by_number & resolved.isna() & school.notna(),
            rule="unknown_student_number",
            category=Category.CROSS_REFERENCE,
            column=columns.header("student_number") if columns.has("student_number") else None,
            values=numbers,
            message=lambda _row, value: (
                f"student number {value} is not in the roster of its school"
            ),
        )
        return resolved.where(resolved.isin(list(self.by_id)), None).astype(object)

    def _enrolment(
        self,
        columns: Columns,
        problems: RowProblems,
        student: pd.Series,
        school: pd.Series,
        days: pd.Series,
    ) -> None:
        known = student.notna() & school.notna() & days.notna()
        home = student.map(self.homes).astype("Int64")
        enter = pd.to_datetime(student.map(self.enters))
        leave = pd.to_datetime(student.map(self.leaves))
        header = columns.header("date")
        problems.flag(
            known & (home != school).fillna(False),
            rule="other_school",
            category=Category.CROSS_REFERENCE,
            column=columns.header("school_code") if columns.has("school_code") else None,
            values=student,
            message=lambda _row, value: f"student {value} is enrolled at another school",
        )
        outside = known & ((days < enter).fillna(False) | (days > leave).fillna(False))
        problems.flag(
            outside,
            rule="not_enrolled",
            category=Category.BUSINESS_RULE,
            column=header,
            values=columns.frame["date"],
            message=lambda _row, value: (
                f"on {value} the student was not enrolled (the roster's enter/leave dates)"
            ),
        )
        problems.flag(
            known & ~self._school_days(school, days),
            rule="not_a_school_day",
            category=Category.BUSINESS_RULE,
            column=header,
            values=columns.frame["date"],
            message=lambda _row, value: f"{value} is not a school day in the uploaded calendar",
        )

    def _school_days(self, school: pd.Series, days: pd.Series) -> pd.Series:
        """Whether each (school, date) is a school day: always, without an uploaded calendar."""
        pairs = pd.MultiIndex.from_arrays([school.fillna(-1), days])
        codes, distinct = pairs.factorize()
        answers = []
        for school_id, day in distinct:
            if pd.isna(day) or school_id < 0:
                answers.append(True)
                continue
            uploaded = self.calendars.get((int(school_id), academic_year_of(day.date())))
            answers.append(uploaded is None or day.date() in uploaded)
        return pd.Series(np.array(answers, dtype=bool)[codes], index=school.index)

    def _digits(self, columns: Columns, problems: RowProblems, school: pd.Series) -> np.ndarray:
        counts = school.map({ids[0]: ids[1] for ids in self.schools.values()}).fillna(0)
        return exception_digits(columns, problems, self.codes, counts.to_numpy(dtype=np.int64))

    def merge_schools(self, session: Session, staged: Staged) -> set[int] | None:
        return None  # it adds present days on the stage inside its merge; rare enough to wait

    def merge(self, session: Session, staged: Staged) -> Merged:
        del staged  # the present days it adds are counted from the stage itself
        import_id = self.ctx.import_id
        tune_for_bulk(session)
        origins = stage_school_days(session, import_id, self.calendars, self.ctx.covers)
        generated = add_present_days(session, import_id)
        analyze(session, ATTENDANCE.stage)  # with the present days (ingest.run analyzed before)
        data = ATTENDANCE.data
        counts = merge(session, ATTENDANCE, import_id, compare=data, insert_columns=data)
        merged = loaded_days(
            session, import_id, counts, staged_on_stage(session, import_id), [], []
        )
        merged.generated = generated
        codes = {ids[0]: code for code, ids in self.schools.items()}
        merged.summary = {
            "layout": "aeries_att",
            "present_days_added": generated,
            "calendar": {codes[school]: origin for school, origin in sorted(origins.items())},
        }
        return merged


def open_att(session: Session, headers: list[str], ctx: ImportContext) -> AeriesAttendance:
    return AeriesAttendance(session, map_headers(headers, COLUMNS), ctx)
