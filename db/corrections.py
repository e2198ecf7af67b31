"""Attendance corrections in the database: change one period of one student-day, keep the
correction record, list recent corrections.

A correction changes a period of a student-day that is recorded (a row in
attendance_records); a day without a record is not invented from one period, because a record
makes the day count as enrolled (metric definitions §3). A blank period ("no period
scheduled") may be given a status: the period then counts as scheduled. The row keeps the
stamp of the import that wrote it, so the exact rollback of imports (db.rollback) still finds
it; what a rollback does to corrected days is in db.correction_rollback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session

from attendly.errors import AttendlyError
from attendly.metrics.codes import ALL_CATEGORIES
from attendly.metrics.day import day_figures
from attendly.metrics.years import academic_year_of
from db.correction_models import AttendanceCorrection
from db.frames import frame
from db.models import PERIOD_NUMBERS, AttendanceRecord, School, SchoolCalendarDay, Student
from db.queries import in_schools

SEARCH_LIMIT = 20
RECENT_COLUMNS = (
    "id",
    "at",
    "username",
    "student_id",
    "last_name",
    "first_name",
    "grade_level",
    "date",
    "period",
    "prior_status",
    "new_status",
    "reason",
    "voided_by_import",
    "current_status",
)


class InvalidCorrection(AttendlyError):
    """The correction was refused; `errors` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Change:
    """One requested correction, typed (the service parses the browser's values)."""

    student_id: str
    date: dt.date
    period: int
    status: str
    reason: str | None
    username: str


@dataclass(frozen=True)
class Window:
    """The dates a correction may touch: earliest .. latest, both included."""

    earliest: dt.date
    latest: dt.date

    def refusal(self, day: dt.date) -> str | None:
        """Why `day` may not be corrected, or None."""
        if day > self.latest:
            return f"Date: {day.isoformat()} is in the future"
        if day < self.earliest:
            return (
                f"Date: {day.isoformat()} is outside the correction window "
                f"({self.earliest.isoformat()} to {self.latest.isoformat()})"
            )
        return None


def statuses(record: AttendanceRecord) -> dict[int, str | None]:
    """{period number: canonical status or None} of one student-day."""
    return {n: getattr(record, f"period_{n}") for n in PERIOD_NUMBERS}


def correctable_periods(record: AttendanceRecord, periods_per_day: int) -> list[int]:
    """The school's periods 1..periods_per_day, and any other period the day has a status for
    (a period 0 an import kept, say)."""
    recorded = {n for n, status in statuses(record).items() if status}
    return sorted(set(range(1, periods_per_day + 1)) | recorded)


def find_students(
    session: Session,
    text: str,
    grades: Sequence[int] | None,
    schools: Sequence[str] | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[Student]:
    """Students in `grades` of the schools with codes `schools` (None: no limit on that side)
    matching every word of `text`: an id starting with it or a name containing it,
    case-insensitively on both backends."""
    statement = select(Student).order_by(Student.last_name, Student.first_name, Student.id)
    words = text.split()
    for word in words:
        pattern = f"%{_escaped(word.lower())}%"
        statement = statement.where(
            or_(
                Student.id.ilike(f"{_escaped(word.lower())}%", escape="\\"),
                Student.last_name.ilike(pattern, escape="\\"),
                Student.first_name.ilike(pattern, escape="\\"),
            )
        )
    if grades is not None:
        statement = statement.where(Student.grade_level.in_(grades))
    statement = in_schools(statement, schools)
    return list(session.scalars(statement.limit(limit)))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def scoped_student(
    session: Session,
    student_id: str,
    grades: Sequence[int] | None,
    schools: Sequence[str] | None = None,
) -> Student:
    """The student, if the user may see them (in `grades`, of a school with a code in
    `schools`; None: no limit on that side); InvalidCorrection on "student" otherwise (the
    same message either way: a user learns nothing about other grades' or schools' students).
    A student whose school is unknown is refused to a user assigned to schools."""
    student = session.get(Student, student_id)
    if student is None or not _within(session, student, grades, schools):
        raise InvalidCorrection({"student": f"Student: no student {student_id!r} you may correct"})
    return student


def _within(
    session: Session, student: Student, grades: Sequence[int] | None, schools: Sequence[str] | None
) -> bool:
    if grades is not None and student.grade_level not in grades:
        return False
    if schools is None:
        return True
    school = session.get(School, student.school_id)
    return school is not None and school.code in schools


def student_day(session: Session, student_id: str, day: dt.date) -> AttendanceRecord | None:
    """The stored student-day, or None."""
    return session.scalar(
        select(AttendanceRecord).where(
            AttendanceRecord.student_id == student_id, AttendanceRecord.date == day
        )
    )


def is_school_day(session: Session, school_id: int, day: dt.date) -> bool:
    """A day of the school's uploaded calendar of that academic year; a school without one for
    the year has every day of its attendance data (the rule of the Aeries import)."""
    year = academic_year_of(day)
    calendar = select(SchoolCalendarDay.id).where(
        SchoolCalendarDay.school_id == school_id, SchoolCalendarDay.academic_year == year
    )
    if not session.scalar(select(exists(calendar))):
        return True  # the caller requires a stored record of the day
    return bool(session.scalar(select(exists(calendar.where(SchoolCalendarDay.date == day)))))


def apply_correction(
    session: Session,
    change: Change,
    grades: Sequence[int] | None,
    window: Window,
    schools: Sequence[str] | None = None,
) -> AttendanceCorrection:
    """Validate `change` for a user who may see `grades` of the schools with codes `schools`,
    write the period and the correction record (flushed, not committed). Raises
    InvalidCorrection naming the field at fault."""
    student = scoped_student(session, change.student_id, grades, schools)
    record = _correctable_day(session, student, change.date, window)
    school = session.get(School, record.school_id)
    periods = correctable_periods(record, school.periods_per_day if school else 7)
    if change.period not in periods:
        raise InvalidCorrection(
            {"period": f"Period: {change.period} is not a period of this day ({_listed(periods)})"}
        )
    if change.status not in ALL_CATEGORIES:
        raise InvalidCorrection({"status": f"Status: {change.status!r} is not a status code"})
    prior = statuses(record)[change.period]
    if prior == change.status:
        raise InvalidCorrection(
            {"status": f"Status: period {change.period} is already {change.status}"}
        )
    set_period(record, change.period, change.status)
    correction = AttendanceCorrection(
        username=change.username[:80],
        student_id=student.id,
        school_id=record.school_id,
        grade_level=student.grade_level,
        date=change.date,
        period=change.period,
        prior_status=prior,
        new_status=change.status,
        reason=change.reason,
        row_import_id=record.import_id,
    )
    session.add(correction)
    session.flush()
    return correction


def _correctable_day(
    session: Session, student: Student, day: dt.date, window: Window
) -> AttendanceRecord:
    refusal = window.refusal(day)
    if refusal:
        raise InvalidCorrection({"date": refusal})
    if not is_school_day(session, student.school_id, day):
        raise InvalidCorrection({"date": f"Date: {day.isoformat()} is not a school day"})
    record = session.scalar(
        select(AttendanceRecord)
        .where(AttendanceRecord.student_id == student.id, AttendanceRecord.date == day)
        .with_for_update()  # two people correcting the same day: one waits for the other
    )
    if record is None:
        raise InvalidCorrection({"date": _no_record(student.id, day)})
    return record


def _no_record(student_id: str, day: dt.date) -> str:
    return f"Date: no attendance is recorded for student {student_id} on {day.isoformat()}"


def day_periods(
    session: Session,
    student_id: str,
    day: dt.date,
    grades: Sequence[int] | None,
    schools: Sequence[str] | None = None,
) -> dict[int, str | None]:
    """{period: status} of the periods of a student-day that may be corrected. Raises
    InvalidCorrection when the student is not the user's (grades, school codes) or the day
    has no record."""
    student = scoped_student(session, student_id, grades, schools)
    record = student_day(session, student.id, day)
    if record is None:
        raise InvalidCorrection({"date": _no_record(student.id, day)})
    school = session.get(School, record.school_id)
    current = statuses(record)
    periods = correctable_periods(record, school.periods_per_day if school else 7)
    return {n: current[n] for n in periods}


def _listed(periods: Sequence[int]) -> str:
    return "periods " + ", ".join(str(p) for p in periods)


def set_period(record: AttendanceRecord, period: int, status: str) -> None:
    """Set one period's status and re-derive the day's figures (metric definitions §2)."""
    setattr(record, f"period_{period}", status)
    figures = day_figures(list(statuses(record).values()))
    record.scheduled = figures.scheduled
    record.present = figures.present
    record.daily_attendance_percentage = Decimal(figures.percentage_hundredths) / 100
    record.unexcused_periods = figures.unexcused_periods
    record.unverified_periods = figures.unverified_periods


def recent_corrections(
    session: Session,
    grades: Sequence[int] | None,
    student_id: str | None = None,
    limit: int = 20,
    schools: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The newest corrections of students in `grades` of the schools with codes `schools`
    (by their grade and school now; None on both: every correction, also of students since
    removed), optionally one student's; columns
    RECENT_COLUMNS: `voided_by_import` is set when a rollback voided the correction;
    `current_status` is the period's stored status now (another one when a later import or
    correction changed it; None when the day is gone)."""
    correction, record = AttendanceCorrection, AttendanceRecord
    current = case(
        {n: getattr(record, f"period_{n}") for n in PERIOD_NUMBERS}, value=correction.period
    )
    day = and_(record.student_id == correction.student_id, record.date == correction.date)
    statement = (
        select(
            correction.id,
            correction.at,
            correction.username,
            correction.student_id,
            Student.last_name,
            Student.first_name,
            Student.grade_level,
            correction.date,
            correction.period,
            correction.prior_status,
            correction.new_status,
            correction.reason,
            correction.voided_by_import,
            current.label("current_status"),
        )
        .outerjoin(Student, Student.id == correction.student_id)
        .outerjoin(record, day)
        .order_by(correction.id.desc())
        .limit(limit)
    )
    if grades is not None:
        statement = statement.where(Student.grade_level.in_(grades))
    statement = in_schools(statement, schools)
    if student_id:
        statement = statement.where(correction.student_id == student_id)
    return frame(session.execute(statement), RECENT_COLUMNS)
