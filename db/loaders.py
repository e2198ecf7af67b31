"""Look-ups and small writes imports share: schools, students, id chunks.

The bulk writes themselves are set-based SQL in db.staging and db.merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import School, Student

ID_CHUNK = 500  # ids per IN (...) list: far below every backend's parameter limit
Row = dict[str, Any]
T = TypeVar("T")


def ensure_schools(session: Session, codes: Iterable[str], periods_per_day: int) -> dict[str, int]:
    """School ids by code, creating schools seen for the first time (named by their code)."""
    wanted = sorted(set(codes))
    known = _school_ids(session, wanted)
    missing = [code for code in wanted if code not in known]
    if missing:
        session.execute(
            insert(School),
            [{"code": code, "name": code, "periods_per_day": periods_per_day} for code in missing],
        )
        known.update(_school_ids(session, missing))
    return known


def _school_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(codes, ID_CHUNK):
        query = select(School.code, School.id).where(School.code.in_(chunk))
        ids.update((code, school_id) for code, school_id in session.execute(query))
    return ids


def existing_students(session: Session, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Students already stored among `ids`: id -> (grade level, school code)."""
    found: dict[str, tuple[int, str]] = {}
    query = select(Student.id, Student.grade_level, School.code).join(School)
    for chunk in chunks(sorted(set(ids)), ID_CHUNK):
        for student_id, grade, code in session.execute(query.where(Student.id.in_(chunk))):
            found[student_id] = (grade, code)
    return found


def student_grades(session: Session, ids: Iterable[str]) -> set[int]:
    """The grade levels of these students."""
    grades: set[int] = set()
    for chunk in chunks(sorted(set(ids)), ID_CHUNK):
        query = select(Student.grade_level).where(Student.id.in_(chunk)).distinct()
        grades.update(session.scalars(query))
    return grades


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def written_students(session: Session, import_id: int) -> tuple[set[str], set[str]]:
    """Students an import inserted or updated (stamped with it), and their schools' codes."""
    rows = session.execute(
        select(Student.id, School.code).join(School).where(Student.import_id == import_id)
    ).all()
    return {student for student, _ in rows}, {code for _, code in rows}


def school_settings(session: Session) -> list[dict[str, Any]]:
    """Every school: code, name, periods_per_day."""
    rows = session.execute(
        select(School.code, School.name, School.periods_per_day).order_by(School.code)
    )
    return [{"code": code, "name": name, "periods_per_day": n} for code, name, n in rows]


def update_school(
    session: Session, code: str, *, periods_per_day: int | None = None, name: str | None = None
) -> None:
    """Change a school's settings (only those given)."""
    values: dict[str, Any] = {}
    if periods_per_day is not None:
        values["periods_per_day"] = periods_per_day
    if name is not None:
        values["name"] = name
    if values:
        session.execute(update(School).where(School.code == code).values(**values))
