"""The import pipeline: read -> validate -> load, with the import's bookkeeping around it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from attendly.events import data_changed
from attendly.services import publish
from attendly.settings import Settings
from db.models import AuditEntry, Import, ImportErrorRecord, utcnow
from db.summaries import refresh_summaries
from ingest import attendance, roster
from ingest.checks import Checked, ImportContext, Loaded
from ingest.headers import Columns, ColumnSpec, resolve_columns
from ingest.reading import read_table
from ingest.result import (
    Category,
    ImportProblem,
    ImportResult,
    ImportStatus,
    Rejection,
    Severity,
    file_problem,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """One importable kind: the columns it reads, how it validates and how it loads."""

    columns: tuple[ColumnSpec, ...]
    check: Callable[[Session, Columns, ImportContext], Checked]
    load: Callable[[Session, Checked, ImportContext], Loaded]


KINDS = {
    "roster": Kind(roster.COLUMNS, roster.check, roster.load),
    "attendance": Kind(attendance.COLUMNS, attendance.check, attendance.load),
}
# The event kind each import publishes (the websocket contract names a roster change "import").
EVENT_KINDS = {"roster": "import", "attendance": "attendance"}


def run_import(
    session: Session,
    kind: str,
    path: Path | str,
    *,
    settings: Settings,
    username: str | None = None,
    strict: bool = False,
    school_code: str | None = None,
    today: dt.date | None = None,
    filename: str | None = None,
) -> ImportResult:
    """Import one file of `kind` ("roster" or "attendance") and return its result.

    Row errors leave the other rows to load (status "completed"); with `strict`, any row error
    rejects the file. A rejected file ("rejected") or a system error ("failed") writes no data.
    Either way the import, its problems and an audit entry are stored and committed.
    `filename` is the name to record (default: the path's name). Raises ValueError for an
    unknown kind; every other failure is reported in the result.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    path = Path(path)
    started = time.perf_counter()
    record = Import(
        kind=kind,
        filename=(filename or path.name)[:500],
        file_sha256=_sha256(path),
        status=ImportStatus.RUNNING,
        username=username,
        school_code=school_code,
        strict=strict,
    )
    session.add(record)
    session.commit()
    result = ImportResult(import_id=record.id, status=ImportStatus.RUNNING)
    ctx = ImportContext(settings, record.id, today or dt.date.today(), school_code)
    loaded = _run(session, KINDS[kind], path, ctx, strict, result, started)
    if loaded is not None and loaded.changed_students:
        _announce(kind, loaded)
    return result


def _announce(kind: str, loaded: Loaded) -> None:
    """Tell open dashboards what changed. The data is committed: a bus outage only logs."""
    event = data_changed(
        EVENT_KINDS[kind], loaded.school_code, loaded.grades, loaded.changed_students
    )
    try:
        publish(event)
    except Exception:  # the event bus is an outside service; the import itself succeeded
        logger.exception("could not publish the changes of a %s import", kind)


def _run(
    session: Session,
    kind: Kind,
    path: Path,
    ctx: ImportContext,
    strict: bool,
    result: ImportResult,
    started: float,
) -> Loaded | None:
    """Process the file and record the outcome; the process boundary of an import."""
    loaded = None
    try:
        try:
            loaded = _process(session, kind, path, ctx, strict, result)
        except Rejection as rejection:
            session.rollback()
            _reject(result, rejection.problems)
        _record(session, result, started)
        session.commit()
    except Exception as exc:  # the process boundary: anything unexpected fails the import
        logger.exception("import %s failed", result.import_id)
        session.rollback()
        _fail(session, result, exc, started)
        return None
    return loaded


def _process(
    session: Session, kind: Kind, path: Path, ctx: ImportContext, strict: bool, result: ImportResult
) -> Loaded:
    table = read_table(path)
    columns = resolve_columns(table, kind.columns)
    result.unknown_columns = columns.unknown
    rows = len(columns.frame) + table.unreadable_rows
    if rows == 0:
        raise Rejection([file_problem("no_data", "the file has a header but no data rows")])
    checked = kind.check(session, columns, ctx)  # a schema Rejection here processed no row
    result.records_processed = rows
    problems = sorted([*table.problems, *checked.problems], key=_file_order)
    result.records_failed = checked.failed + table.unreadable_rows
    if strict and result.records_failed:
        raise Rejection([_strict_problem(result.records_failed), *problems])
    loaded = kind.load(session, checked, ctx)
    result.status = ImportStatus.COMPLETED
    result.errors = problems
    result.records_inserted = loaded.inserted
    result.records_updated = loaded.updated
    result.records_skipped = loaded.unchanged + checked.duplicates
    result.students_created = loaded.students_created
    _describe(result, checked)
    if loaded.changed_students:
        refresh_summaries(session, loaded.changed_students, ctx.settings)
    return loaded


def _describe(result: ImportResult, checked: Checked) -> None:
    """Summary figures of the rows that were loaded (or found unchanged)."""
    rows = checked.rows
    result.students_touched = int(rows["student_id" if "student_id" in rows else "id"].nunique())
    if "date" in rows and len(rows):
        result.date_range = (min(rows["date"]), max(rows["date"]))


def _file_order(problem: ImportProblem) -> tuple[int, int]:
    return (0, 0) if problem.row is None else (1, problem.row)


def _strict_problem(failed: int) -> ImportProblem:
    return file_problem(
        "strict_mode",
        f"{failed} row(s) have errors and strict mode is on: nothing was loaded",
        Category.FILE,
    )


def _reject(result: ImportResult, problems: list[ImportProblem]) -> None:
    """Nothing is loaded: every processed row counts as failed."""
    result.status = ImportStatus.REJECTED
    result.errors = problems
    result.records_inserted = result.records_updated = result.records_skipped = 0
    result.records_failed = result.records_processed
    result.students_created = []
    result.date_range = None
    result.students_touched = 0


def _fail(session: Session, result: ImportResult, exc: Exception, started: float) -> None:
    _reject(result, [file_problem("system_error", f"the import failed: {exc}", Category.SYSTEM)])
    result.status = ImportStatus.FAILED
    try:
        _record(session, result, started, message=f"{type(exc).__name__}: {exc}")
        session.commit()
    except Exception:  # the database itself may be what failed; the result still reports it
        logger.exception("could not record the failure of import %s", result.import_id)
        session.rollback()


def _record(
    session: Session, result: ImportResult, started: float, message: str | None = None
) -> None:
    """Store the outcome on the import row, its problems, and the audit entry."""
    result.duration_seconds = time.perf_counter() - started
    record = session.get(Import, result.import_id)
    assert record is not None  # created and committed by run_import
    for name, value in result.counts().items():
        setattr(record, name, value)
    record.status = result.status
    record.summary = result.summary()
    record.finished_at = utcnow()
    record.message = message or _message(result)
    if result.errors:
        session.execute(insert(ImportErrorRecord), [_error_row(result, p) for p in result.errors])
    session.add(
        AuditEntry(
            action="import",
            entity="import",
            entity_id=str(record.id),
            username=record.username,
            details={
                "kind": record.kind,
                "file": record.filename,
                "status": str(result.status),
                "counts": result.counts(),
                "errors": sum(p.severity == Severity.ERROR for p in result.errors),
                "warnings": sum(p.severity == Severity.WARNING for p in result.errors),
            },
        )
    )


def _message(result: ImportResult) -> str:
    if result.status == ImportStatus.REJECTED:
        return "; ".join(p.message for p in result.errors if p.row is None)
    return (
        f"{result.records_processed} rows: {result.records_inserted} inserted, "
        f"{result.records_updated} updated, {result.records_skipped} skipped, "
        f"{result.records_failed} failed"
    )


def _error_row(result: ImportResult, problem: ImportProblem) -> dict[str, object]:
    return {
        "import_id": result.import_id,
        "row_number": problem.row,
        "column": None if problem.column is None else problem.column[:200],
        "value": problem.value,
        "rule": problem.rule[:60],
        "message": problem.message,
        "severity": str(problem.severity),
        "category": str(problem.category),
    }


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
