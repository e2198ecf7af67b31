"""What an Aeries by-exception attendance import needs: the roster, calendars, the code table,
and the SQL that turns the days without an exception into present student-days."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Integer, and_, case, func, insert, literal, null, or_, select, union
from sqlalchemy.orm import Session

from attendly.metrics.codes import DEFAULT_CODE_TABLE
from attendly.metrics.years import academic_year_bounds, academic_year_of
from db.import_tables import StageState, attendance_stage, calendar_stage
from db.models import (
    PERIOD_NUMBERS,
    AttendanceCode,
    AttendanceRecord,
    School,
    SchoolCalendarDay,
    Student,
)


@dataclass(frozen=True)
class Enrolment:
    school_id: int
    enter: dt.date | None
    leave: dt.date | None


def code_table(session: Session) -> dict[str, str]:
    """The district's code table (letter -> category); the default one while none is stored."""
    stored = dict(session.execute(select(AttendanceCode.code, AttendanceCode.category)).all())
    return {code.upper(): category for code, category in (stored or DEFAULT_CODE_TABLE).items()}


def schools(session: Session) -> dict[str, tuple[int, int]]:
    """Every school: code -> (id, periods per day)."""
    rows = session.execute(select(School.code, School.id, School.periods_per_day))
    return {code: (school_id, periods) for code, school_id, periods in rows}


def enrolments(session: Session) -> tuple[dict[str, Enrolment], dict[tuple[int, str], str]]:
    """The roster: student id -> enrolment, and (school id, student number) -> student id."""
    by_id: dict[str, Enrolment] = {}
    by_number: dict[tuple[int, str], str] = {}
    query = select(
        Student.id,
        Student.school_id,
        Student.enter_date,
        Student.leave_date,
        Student.student_number,
    )
    for student_id, school_id, enter, leave, number in session.execute(query):
        by_id[student_id] = Enrolment(school_id, enter, leave)
        if number:
            by_number[(school_id, number)] = student_id
    return by_id, by_number


def calendars(session: Session) -> dict[tuple[int, str], set[dt.date]]:
    """Uploaded school days by (school id, academic year)."""
    days: dict[tuple[int, str], set[dt.date]] = defaultdict(set)
    query = select(
        SchoolCalendarDay.school_id, SchoolCalendarDay.academic_year, SchoolCalendarDay.date
    )
    for school_id, year, day in session.execute(query):
        days[(school_id, year)].add(day)
    return dict(days)


def stage_school_days(
    session: Session,
    import_id: int,
    uploaded: dict[tuple[int, str], set[dt.date]],
    covers: tuple[dt.date, dt.date] | None,
) -> dict[int, str]:
    """Put the school days an import covers into the calendar stage; returns, per school,
    where they came from ("uploaded" or "derived").

    Per school, the covered range is `covers` when given, else from the file's first to its
    last date. In each academic year of it the days are the uploaded calendar's or, when none
    was uploaded for that year, every date of the school's attendance data (stored or in this
    file).
    """
    stage = attendance_stage
    ranges = session.execute(
        select(stage.c.school_id, func.min(stage.c.date), func.max(stage.c.date))
        .where(stage.c.import_id == import_id, stage.c.school_id.is_not(None))
        .group_by(stage.c.school_id)
    )
    origins: dict[int, str] = {}
    rows = []
    for school_id, first, last in ranges:
        first, last = covers or (_date(first), _date(last))
        days, origin = _days(session, import_id, school_id, first, last, uploaded)
        origins[school_id] = origin
        rows += [
            {
                "import_id": import_id,
                "state": StageState.LIVE,
                "school_id": school_id,
                "date": day,
                "academic_year": academic_year_of(day),
            }
            for day in sorted(days)
        ]
    if rows:
        session.execute(insert(calendar_stage), rows)
    return origins


def _days(
    session: Session,
    import_id: int,
    school_id: int,
    first: dt.date,
    last: dt.date,
    uploaded: dict[tuple[int, str], set[dt.date]],
) -> tuple[set[dt.date], str]:
    """School days of one school in [first, last]; and "uploaded", "derived" or "mixed"."""
    days: set[dt.date] = set()
    origins = set()
    for year in _years(first, last):
        start, end = academic_year_bounds(year)
        start, end = max(start, first), min(end, last)
        if (school_id, year) in uploaded:
            days |= {day for day in uploaded[(school_id, year)] if start <= day <= end}
            origins.add("uploaded")
        else:
            days |= _dates_with_data(session, import_id, school_id, start, end)
            origins.add("derived")
    return days, origins.pop() if len(origins) == 1 else "mixed"


def _years(first: dt.date, last: dt.date) -> list[str]:
    years = [academic_year_of(first)]
    while academic_year_bounds(years[-1])[1] < last:
        years.append(academic_year_of(academic_year_bounds(years[-1])[1] + dt.timedelta(days=1)))
    return years


def _dates_with_data(
    session: Session, import_id: int, school_id: int, first: dt.date, last: dt.date
) -> set[dt.date]:
    """Every date of the school's attendance data, stored or in this import, in the range."""
    record, stage = AttendanceRecord, attendance_stage
    query = union(
        select(record.date).where(record.school_id == school_id, record.date.between(first, last)),
        select(stage.c.date).where(
            stage.c.import_id == import_id,
            stage.c.school_id == school_id,
            stage.c.date.between(first, last),
        ),
    )
    return {_date(day) for day in session.scalars(query)}


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def add_present_days(session: Session, import_id: int) -> int:
    """Stage a present student-day for every staged school day a student of that school was
    enrolled and the file has no row for; returns how many.

    Periods 1..periods_per_day are scheduled and present (P), so the day is 100.00 %.
    """
    stage, days = attendance_stage, calendar_stage
    periods = School.periods_per_day
    enrolled = and_(
        Student.school_id == days.c.school_id,
        or_(Student.enter_date.is_(None), Student.enter_date <= days.c.date),
        or_(Student.leave_date.is_(None), days.c.date <= Student.leave_date),
    )
    listed = and_(
        stage.c.import_id == import_id,
        stage.c.student_id == Student.id,
        stage.c.date == days.c.date,
    )
    # Period 0 is never scheduled by default: only a coded exception records it.
    letters = {
        f"period_{n}": case((periods >= n, "P"), else_=null()) if n else null()
        for n in PERIOD_NUMBERS
    }
    values = {
        "import_id": literal(import_id, Integer),
        "row_number": null(),
        "state": literal(StageState.LIVE, Integer),
        "student_id": Student.id,
        "date": days.c.date,
        "academic_year": days.c.academic_year,
        "school_code": School.code,
        "school_id": days.c.school_id,
        **letters,
        "scheduled": periods,
        "present": periods,
        "daily_attendance_percentage": literal(Decimal("100.00")),
        "unexcused_periods": literal(0, Integer),
        "unverified_periods": literal(0, Integer),
    }
    query = (
        select(*values.values())
        .select_from(days)
        .join(School, School.id == days.c.school_id)
        .join(Student, enrolled)
        .outerjoin(stage, listed)
        .where(days.c.import_id == import_id, stage.c.import_id.is_(None))
    )
    statement = insert(stage).from_select(list(values), query)
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(result.rowcount)  # type: ignore[attr-defined]
