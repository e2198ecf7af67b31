"""Integrity queries of `attendly verify` beyond the summaries: orphans and import counts.

Orphans are rows naming a student that is not in `students`. PostgreSQL's foreign keys stop
most of them, SQLite enforces none, and the weekly sums have no foreign key at all, so the
check runs everywhere. Derived rows (summaries, weekly sums) can be rebuilt and are deleted by
a repair; raw rows (attendance, i-Ready, interventions) are only reported: a person decides.

Counts against import records: an attendance row carries the id of the import that last
wrote it (inserted or changed it). So the rows stamped with a completed import can never
outnumber what that import says it inserted plus updated (later imports take rows over, so
fewer is normal), and no row may be stamped with an import that wrote nothing (rejected,
failed, rolled back) or that does not exist. Imports still running are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session

from attendly.extensions import db
from db.models import AttendanceRecord, Import, Student

RAW_TABLES = (
    "attendance_records",
    "iready_diagnostics",
    "truancy_proposals",
    "interventions",
    "letters",
    "attendance_corrections",
)
DERIVED_TABLES = ("student_year_summaries", "student_week_summaries")
SHOWN = 50
CHUNK = 1000  # ids per IN (...) list


def _tables(names: tuple[str, ...]) -> list[Table]:
    """The tables of `names` that this installation has, in that order."""
    return [db.metadata.tables[name] for name in names if name in db.metadata.tables]


def orphans(session: Session) -> dict[str, dict[str, Any]]:
    """{table: {rows, student_ids (the first SHOWN), derived}} for every table holding rows
    of students missing from `students` (tables without orphans are left out)."""
    found: dict[str, dict[str, Any]] = {}
    known = select(Student.id)
    for table in _tables(RAW_TABLES + DERIVED_TABLES):
        missing = table.c.student_id.not_in(known)
        rows = int(session.scalar(select(func.count()).select_from(table).where(missing)) or 0)
        if rows:
            ids = session.scalars(
                select(table.c.student_id).where(missing).distinct().order_by(table.c.student_id)
            ).all()
            found[table.name] = {
                "rows": rows,
                "student_ids": list(ids[:SHOWN]),
                "derived": table.name in DERIVED_TABLES,
            }
    return found


def known_students(session: Session, student_ids: Iterable[str]) -> set[str]:
    """The ids among `student_ids` that are in `students`."""
    wanted, found = sorted(set(student_ids)), set[str]()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        found.update(session.scalars(select(Student.id).where(Student.id.in_(chunk))))
    return found


def delete_derived_orphans(session: Session) -> int:
    """Delete summary and weekly rows of missing students; returns rows deleted (no commit)."""
    deleted = 0
    for table in _tables(DERIVED_TABLES):
        result = session.execute(delete(table).where(table.c.student_id.not_in(select(Student.id))))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def attendance_count_mismatches(session: Session) -> tuple[int, list[dict[str, Any]]]:
    """(imports compared, problems): attendance rows stamped per import against the import
    record (see the module docstring). Each problem: {import_id, status, rows, wrote, problem}."""
    counted = session.execute(
        select(AttendanceRecord.import_id, func.count())
        .where(AttendanceRecord.import_id.is_not(None))
        .group_by(AttendanceRecord.import_id)
    ).all()
    stamped = {int(import_id or 0): int(rows) for import_id, rows in counted}
    imports = {
        row.id: row for row in session.scalars(select(Import).where(Import.id.in_(list(stamped))))
    }
    problems = [_mismatch(i, n, imports.get(i)) for i, n in sorted(stamped.items())]
    return len(stamped), [p for p in problems if p is not None]


def _mismatch(import_id: int, rows: int, record: Import | None) -> dict[str, Any] | None:
    status = None if record is None else record.status
    # Only a completed import wrote rows; whatever else a record counts was never merged.
    done = record is not None and status == "completed"
    wrote = record.records_inserted + record.records_updated if done and record else 0
    if status == "running" or (status == "completed" and rows <= wrote):
        return None
    if status == "completed":
        problem = f"{rows} rows stamped with import {import_id}, which wrote only {wrote}"
    else:
        what = "does not exist" if record is None else f"is {status} and wrote nothing"
        problem = f"{rows} rows stamped with import {import_id}, which {what}"
    return {
        "import_id": import_id,
        "status": status,
        "rows": rows,
        "wrote": wrote,
        "problem": problem,
    }
