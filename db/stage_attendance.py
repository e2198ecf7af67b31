"""Queries on staged student-days: what the attendance merge resolves before and after writing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.orm import Session

from db.import_tables import StageState, attendance_history, attendance_stage
from db.loaders import ID_CHUNK, chunks
from db.models import AttendanceRecord, School, Student
from db.staging import fill_school_ids

STAGE = attendance_stage


def _live(import_id: int) -> Any:
    return and_(STAGE.c.import_id == import_id, STAGE.c.state == StageState.LIVE)


def school_ids(session: Session) -> dict[str, int]:
    """Every school's id by code."""
    return dict(session.execute(select(School.code, School.id)).all())


def student_schools(session: Session) -> dict[str, int]:
    """Every student's school id (the district's roster: thousands, not millions)."""
    return dict(session.execute(select(Student.id, Student.school_id)).all())


def latest_values(
    session: Session, import_id: int, students: Sequence[str], column: str
) -> dict[str, Any]:
    """Per student, `column` of the last file row that gives it (NULLs skipped)."""
    found: dict[str, Any] = {}
    value = STAGE.c[column]
    for chunk in chunks(list(students), ID_CHUNK):
        last = (
            select(STAGE.c.student_id, func.max(STAGE.c.row_number).label("row_number"))
            .where(_live(import_id), STAGE.c.student_id.in_(chunk), value.is_not(None))
            .group_by(STAGE.c.student_id)
            .subquery()
        )
        query = select(STAGE.c.student_id, value).join(
            last,
            and_(
                STAGE.c.import_id == import_id,
                STAGE.c.row_number == last.c.row_number,
                STAGE.c.student_id == last.c.student_id,
            ),
        )
        found.update(session.execute(query).all())
    return found


def drop_students(
    session: Session, import_id: int, students: Sequence[str]
) -> list[tuple[int, str]]:
    """Remove the live staged rows of these students; returns their (file row, student)."""
    rows: list[tuple[int, str]] = []
    for chunk in chunks(list(students), ID_CHUNK):
        where = and_(_live(import_id), STAGE.c.student_id.in_(chunk))
        found = session.execute(select(STAGE.c.row_number, STAGE.c.student_id).where(where))
        rows.extend(found.all())
        session.execute(delete(STAGE).where(where))
    return sorted(rows)


def fill_schools(session: Session, import_id: int, periods_per_day: int) -> None:
    """Give every staged row its school id: create the schools first seen in the file, and
    rows naming no school take their student's."""
    if fill_school_ids(session, STAGE, import_id, periods_per_day):
        missing = and_(STAGE.c.import_id == import_id, STAGE.c.school_id.is_(None))
        by_student = select(Student.school_id).where(Student.id == STAGE.c.student_id)
        session.execute(update(STAGE).where(missing).values(school_id=by_student.scalar_subquery()))


@dataclass(frozen=True)
class StageStats:
    """The live staged rows of an import: count, distinct students, first and last date."""

    live: int
    students: set[str]
    first: dt.date | None
    last: dt.date | None


def stage_stats(session: Session, import_id: int) -> StageStats:
    """What the import loads, counted on the stage (after the merge added or dropped rows)."""
    live, first, last = session.execute(
        select(func.count(), func.min(STAGE.c.date), func.max(STAGE.c.date)).where(_live(import_id))
    ).one()
    students = set(session.scalars(select(STAGE.c.student_id).where(_live(import_id)).distinct()))
    return StageStats(int(live), students, _date(first), _date(last))


def _date(value: Any) -> dt.date | None:
    """SQLite returns MIN/MAX of a date as text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def merge_schools(session: Session, import_id: int, students: Iterable[str]) -> set[int] | None:
    """The schools an attendance merge of these staged students writes rows of: the schools
    its rows name and the schools the students belong to (a student's rows in another
    school's file come under the student's school too). None when the merge would create a
    student or a school: that is the district's business (db.merge.serialize_merges)."""
    named = set(session.scalars(select(STAGE.c.school_id).where(_live(import_id)).distinct()))
    if None in named:
        first_seen = STAGE.c.school_id.is_(None) & STAGE.c.school_code.is_not(None)
        if session.scalar(select(exists().where(_live(import_id) & first_seen))):
            return None
        named.discard(None)
    wanted = sorted(set(students))
    homes: dict[str, int] = {}
    for chunk in chunks(wanted, ID_CHUNK):
        homes.update(
            session.execute(
                select(Student.id, Student.school_id).where(Student.id.in_(chunk))
            ).all()
        )
    if len(homes) < len(wanted):
        return None
    return named | set(homes.values())


def overwritten_schools(session: Session, import_id: int) -> set[int]:
    """The schools of the attendance rows an import overwrote, as they were before it."""
    history = attendance_history
    query = select(history.c.school_id).where(history.c.import_id == import_id).distinct()
    return set(session.scalars(query))


def touched_schools(session: Session, import_id: int, students: Sequence[str]) -> set[int]:
    """The schools whose day totals an import of these students' rows may have changed: the
    schools of their attendance rows now, and of the rows the import overwrote (a row's school
    can change). A roster import's grade changes move its students' rows between grade totals
    wherever those rows are; it overwrites no attendance row."""
    record = AttendanceRecord
    found = overwritten_schools(session, import_id)
    for chunk in chunks(list(students), ID_CHUNK):
        query = select(record.school_id).where(record.student_id.in_(chunk)).distinct()
        found.update(session.scalars(query))
    return found


def create_students(
    session: Session, students: Iterable[dict[str, Any]], import_id: int
) -> list[str]:
    """Insert students known only from attendance rows (no names yet); returns their ids."""
    records = [
        {"last_name": "", "first_name": "", "import_id": import_id, **student}
        for student in students
    ]
    if records:
        session.execute(Student.__table__.insert(), records)
    return sorted(str(record["id"]) for record in records)
