"""Kinds that validate a file at once (`Kind`: check + load on the whole table), e.g. i-Ready.

Their files are small (a diagnostic export has thousands of rows); they share the pipeline's
reading, bookkeeping, report and events, but not chunked staging, resume or rollback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ingest.checks import Checked, ImportContext, Loaded
from ingest.headers import Columns, ColumnSpec, resolve_columns
from ingest.reading import read_table
from ingest.report import ErrorLog, file_order
from ingest.result import (
    Category,
    ImportProblem,
    ImportResult,
    ImportStatus,
    Rejection,
    file_problem,
)


@dataclass(frozen=True)
class Kind:
    """One importable kind validated as a whole: the columns it reads, its check and load."""

    columns: tuple[ColumnSpec, ...]
    check: Callable[[Session, Columns, ImportContext], Checked]
    load: Callable[[Session, Checked, ImportContext], Loaded]
    refreshes_summaries: bool = True  # whether its changes alter the attendance summaries


def process_whole(
    session: Session,
    kind: Kind,
    path: Path,
    ctx: ImportContext,
    strict: bool,
    result: ImportResult,
    errors: ErrorLog,
) -> Loaded:
    """Read, check and load the whole file; fills `result`. Raises Rejection (nothing written)."""
    table = read_table(path)
    columns = resolve_columns(table, kind.columns)
    result.unknown_columns = columns.unknown
    rows = len(columns.frame) + table.unreadable_rows
    if rows == 0:
        raise Rejection([no_data()])
    checked = kind.check(session, columns, ctx)  # a schema Rejection here processed no row
    result.records_processed = rows
    problems = sorted([*table.problems, *checked.problems], key=file_order)
    result.records_failed = checked.failed + table.unreadable_rows
    errors.add(problems)
    if strict and result.records_failed:
        raise Rejection([strict_problem(result.records_failed)])
    loaded = kind.load(session, checked, ctx)
    result.status = ImportStatus.COMPLETED
    result.records_inserted = loaded.inserted
    result.records_updated = loaded.updated
    result.records_skipped = loaded.unchanged + checked.duplicates
    result.students_created = loaded.students_created
    result.extra = loaded.summary
    rows_loaded = checked.rows
    result.students_touched = int(
        rows_loaded["student_id" if "student_id" in rows_loaded else "id"].nunique()
    )
    if "date" in rows_loaded and len(rows_loaded):
        result.date_range = (min(rows_loaded["date"]), max(rows_loaded["date"]))
    return loaded


def no_data() -> ImportProblem:
    return file_problem("no_data", "the file has a header but no data rows")


def strict_problem(failed: int) -> ImportProblem:
    return file_problem(
        "strict_mode",
        f"{failed} row(s) have errors and strict mode is on: nothing was loaded",
        Category.FILE,
    )
