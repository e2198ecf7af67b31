"""Undo one import exactly: restore the rows it changed, delete the rows it added.

Every row an import writes is stamped with its id; every stored row it overwrote is kept in
the target's history table with the import that had written it (`prior_import_id`). So:

- rows stamped with the import and present in its history are restored to their prior
  values and stamp;
- rows stamped with the import and absent from its history are the rows it inserted: deleted.

The rule that keeps this exact: an import can be rolled back only while no later, live
import has overwritten one of its rows (that import's history names it as the prior
writer); roll the later import back first. Rows it added that later data depends on (a
student it created who has attendance from a later import) block the rollback the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, and_, delete, exists, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from attendly.extensions import db
from db.import_tables import HISTORY_TABLES
from db.merge import ATTENDANCE, CALENDAR, CODES, STUDENTS, Target
from db.models import AttendanceRecord, Import, School, Student, StudentYearSummary
from db.versions import SUMMARIES, bump

# Restored children first, so that deleting a student never leaves its attendance behind.
ORDER = (ATTENDANCE, CODES, CALENDAR, STUDENTS)
ROLLED_BACK = "rolled_back"


@dataclass
class Undone:
    """What a rollback changed, per table."""

    restored: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    students: set[str] = field(default_factory=set)  # students whose data changed


def later_overwriters(session: Session, import_id: int) -> list[int]:
    """Live imports that overwrote rows this import wrote (to be rolled back first)."""
    found: set[int] = set()
    for history in HISTORY_TABLES:
        query = select(history.c.import_id).where(history.c.prior_import_id == import_id)
        found.update(session.scalars(query.distinct()))
    if not found:
        return []
    live = select(Import.id).where(Import.id.in_(found), Import.status != ROLLED_BACK)
    return sorted(session.scalars(live))


def dependent_data(session: Session, import_id: int) -> list[str]:
    """Tables with rows of other imports that refer to students this import created."""
    created = _inserted(STUDENTS, import_id)
    blocking = []
    for table in db.metadata.sorted_tables:
        if table.name in ("student_year_summaries", *(h.name for h in HISTORY_TABLES)):
            continue
        for column in table.columns:
            if column.references(Student.__table__.c.id):
                refers: ColumnElement[bool] = column.in_(select(Student.id).where(created))
                if "import_id" in table.c:
                    other = table.c.import_id.is_(None) | (table.c.import_id != import_id)
                    refers = and_(refers, other)
                if session.scalar(select(exists().where(refers))):
                    blocking.append(table.name)
    return sorted(set(blocking))


def _inserted(target: Target, import_id: int) -> ColumnElement[bool]:
    """Rows of `target` this import inserted: stamped with it, not in its history."""
    table = target.table
    stamped: ColumnElement[bool] = table.c.import_id == import_id
    if target.history is None:
        return stamped
    history = target.history
    kept = exists().where(
        history.c.import_id == import_id, *(history.c[k] == table.c[k] for k in target.key)
    )
    return and_(stamped, ~kept)


def undo(session: Session, import_id: int) -> Undone:
    """Restore what the import overwrote and delete what it added (caller checked the rule)."""
    undone = Undone(students=touched_students(session, import_id))
    for target in ORDER:
        name = target.table.name
        if target is STUDENTS:
            _drop_summaries(session, import_id)
        if target.history is not None:
            undone.restored[name] = _restore(session, target, import_id)
        deleted = session.execute(delete(target.table).where(target.table.c.import_id == import_id))
        undone.deleted[name] = int(deleted.rowcount)  # type: ignore[attr-defined]
    return undone


def _restore(session: Session, target: Target, import_id: int) -> int:
    history, table = target.history, target.table
    assert history is not None
    mine = and_(history.c.import_id == import_id, *(table.c[k] == history.c[k] for k in target.key))
    values = {name: history.c[name] for name in target.data}
    statement = update(table).where(mine).values(**values, import_id=history.c.prior_import_id)
    restored = int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    session.execute(delete(history).where(history.c.import_id == import_id))
    return restored


def _drop_summaries(session: Session, import_id: int) -> None:
    """Summaries of the students about to be deleted (they are derived data)."""
    created = select(Student.id).where(_inserted(STUDENTS, import_id))
    bump(session, SUMMARIES)  # db.overview_groups: stale until the caller's refresh
    session.execute(delete(StudentYearSummary).where(StudentYearSummary.student_id.in_(created)))


def touched_students(session: Session, import_id: int) -> set[str]:
    """Students whose attendance or roster row the import wrote."""
    history = ATTENDANCE.history
    assert history is not None
    queries = (
        select(AttendanceRecord.student_id).where(AttendanceRecord.import_id == import_id),
        select(history.c.student_id).where(history.c.import_id == import_id),
        select(Student.id).where(Student.import_id == import_id),
    )
    found: set[str] = set()
    for query in queries:
        found.update(session.scalars(query.distinct()))
    return found


def existing(session: Session, students: Iterable[str]) -> set[str]:
    wanted = sorted(set(students))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        query = select(Student.id).where(Student.id.in_(wanted[start : start + 500]))
        found.update(session.scalars(query))
    return found


def drop_schools(session: Session, school_ids: Iterable[int]) -> int:
    """Delete schools an import created, unless something refers to them by now."""
    dropped = 0
    for school_id in school_ids:
        if not _school_used(session, school_id):
            dropped += int(session.execute(delete(School).where(School.id == school_id)).rowcount)  # type: ignore[attr-defined]
    return dropped


def _school_used(session: Session, school_id: int) -> bool:
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.references(School.__table__.c.id) and _any(
                session, table, column == school_id
            ):
                return True
    return False


def _any(session: Session, table: Table, condition: object) -> bool:
    return bool(session.scalar(select(func.count()).select_from(table).where(condition)))  # type: ignore[arg-type]
