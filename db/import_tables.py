"""Staging and history tables of the import pipeline (no ORM classes: only bulk SQL uses them).

A *stage* table holds the validated rows of running imports (`import_id`, the file row, a
`state`) with the target's columns; it is UNLOGGED on PostgreSQL (see migration 0003): it is
scratch space that a resumed import can rebuild. A *history* table keeps, per import, the
prior values of every row that import changed, so that a rollback restores them exactly.
Both mirror their target's column types, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Integer, SmallInteger, String, Table

from attendly.extensions import db
from db.models import AttendanceCode, AttendanceRecord, SchoolCalendarDay, Student

metadata = db.metadata


class StageState:
    """Values of a stage row's `state`."""

    LIVE = 0  # to be merged
    SUPERSEDED = 1  # a later row of the file has the same key
    FAILED_KEY = 2  # the row failed, but its key is known: nothing may be derived for it


def _mirrored(target: Table, names: Iterable[str]) -> list[Column]:
    return [Column(name, target.c[name].type, nullable=True) for name in names]


def _data_names(target: Table, key: Iterable[str]) -> list[str]:
    skip = {"id", "import_id", *key}
    return [column.name for column in target.columns if column.name not in skip]


def _stage(name: str, target: Table, key: tuple[str, ...], *extra: Column) -> Table:
    return Table(
        name,
        metadata,
        Column("import_id", Integer, nullable=False),
        Column("row_number", Integer),
        Column("state", SmallInteger, nullable=False, default=StageState.LIVE),
        *_mirrored(target, [*key, *_data_names(target, key)]),
        *extra,
    )


def _history(name: str, target: Table, key: tuple[str, ...]) -> Table:
    keys = [Column(k, target.c[k].type, primary_key=True) for k in key]
    return Table(
        name,
        metadata,
        Column("import_id", Integer, primary_key=True),
        *keys,
        Column("prior_import_id", Integer, index=True),  # the rollback dependency check
        *_mirrored(target, _data_names(target, key)),
    )


ATTENDANCE_KEY = ("student_id", "date")
STUDENT_KEY = ("id",)
CODE_KEY = ("code",)
CALENDAR_KEY = ("school_id", "date")

attendance_stage = _stage(
    "attendance_stage",
    AttendanceRecord.__table__,
    ATTENDANCE_KEY,
    Column("school_code", String(20)),
    Column("grade_level", Integer),  # creates an unknown student
)
student_stage = _stage(
    "student_stage", Student.__table__, STUDENT_KEY, Column("school_code", String(20))
)
code_stage = _stage("code_stage", AttendanceCode.__table__, CODE_KEY)
calendar_stage = _stage(
    "calendar_stage",
    SchoolCalendarDay.__table__,
    CALENDAR_KEY,
    Column("school_code", String(20)),
)

attendance_history = _history("attendance_history", AttendanceRecord.__table__, ATTENDANCE_KEY)
student_history = _history("student_history", Student.__table__, STUDENT_KEY)
code_history = _history("code_history", AttendanceCode.__table__, CODE_KEY)

STAGE_TABLES = (attendance_stage, student_stage, code_stage, calendar_stage)
HISTORY_TABLES = (attendance_history, student_history, code_history)
