"""An import's report: its problems (stored as they are found), quality score, outcome, audit."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.imports import store_problems
from db.models import AuditEntry, Import, ImportErrorRecord, utcnow
from ingest.result import Category, ImportProblem, ImportResult, ImportStatus, Severity

logger = logging.getLogger(__name__)

# Problems kept in memory for the returned result; the stored report holds every one
# (`attendly imports errors ID`), so a file with a million bad rows stays within memory.
KEPT_PROBLEMS = 1000


class ErrorLog:
    """Problems found so far: written to the import's report at each checkpoint."""

    def __init__(self, import_id: int, kept: list[ImportProblem] | None = None) -> None:
        self.import_id = import_id
        self.kept: list[ImportProblem] = list(kept or [])
        self.pending: list[ImportProblem] = []
        self.errors = sum(p.severity == Severity.ERROR for p in self.kept)
        self.warnings = len(self.kept) - self.errors
        self.stored = len(self.kept)

    @classmethod
    def resume(cls, session: Session, import_id: int, counts: dict[str, int]) -> ErrorLog:
        """The log of an interrupted import, from its stored report."""
        records = session.scalars(
            select(ImportErrorRecord)
            .where(ImportErrorRecord.import_id == import_id)
            .order_by(ImportErrorRecord.id)
            .limit(KEPT_PROBLEMS)
        )
        log = cls(import_id, [_problem(record) for record in records])
        log.errors, log.warnings = counts.get("errors", 0), counts.get("warnings", 0)
        log.stored = log.errors + log.warnings
        return log

    def add(self, problems: list[ImportProblem]) -> None:
        self.pending.extend(problems)

    def flush(self, session: Session) -> None:
        """Store the pending problems (in the caller's transaction)."""
        pending, self.pending = self.pending, []
        self.store(session, pending)

    def store(self, session: Session, problems: list[ImportProblem]) -> None:
        """Store problems now (in the caller's transaction) and count them."""
        store_problems(session, self.import_id, [p.to_dict() for p in problems])
        room = max(KEPT_PROBLEMS - len(self.kept), 0)
        self.kept.extend(problems[:room])
        for problem in problems:
            if problem.severity == Severity.ERROR:
                self.errors += 1
            else:
                self.warnings += 1
        self.stored += len(problems)

    def counts(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings}

    def in_file_order(self) -> list[ImportProblem]:
        return sorted(self.kept, key=file_order)


def _problem(record: ImportErrorRecord) -> ImportProblem:
    return ImportProblem(
        rule=record.rule,
        message=record.message,
        category=Category(record.category),
        severity=Severity(record.severity),
        row=record.row_number,
        column=record.column,
        value=record.value,
    )


def file_order(problem: ImportProblem) -> tuple[int, int]:
    return (0, 0) if problem.row is None else (1, problem.row)


def quality_score(processed: int, failed: int, warnings: int, status: ImportStatus) -> float:
    """A file's data quality, 0-100: the share of its rows that loaded cleanly.

    100 x (rows - failed rows - half the rows with a warning) / rows, one decimal: a warning
    (a duplicate row) costs half a failed row. A rejected or empty file scores 0.
    """
    if status == ImportStatus.REJECTED or processed <= 0:
        return 0.0
    clean = processed - failed - 0.5 * min(warnings, processed - failed)
    return round(max(clean, 0.0) * 100 / processed, 1)


def record_outcome(
    session: Session,
    result: ImportResult,
    started: float,
    *,
    message: str | None = None,
    problem_counts: dict[str, int] | None = None,
) -> None:
    """Store the outcome on the import row and add the audit entry (seed §1.3).

    `problem_counts` ({errors, warnings}) covers problems beyond those kept in the result.
    """
    result.duration_seconds = time.perf_counter() - started
    record = session.get(Import, result.import_id)
    assert record is not None  # created and committed by run_import
    for name, value in result.counts().items():
        setattr(record, name, value)
    record.status = result.status
    record.quality_score = result.quality_score  # type: ignore[assignment]
    record.summary = result.summary()
    record.finished_at = utcnow()
    record.message = message or outcome_message(result)
    if result.status != ImportStatus.FAILED:
        record.phase = "done"
    counts = problem_counts or {
        "errors": sum(p.severity == Severity.ERROR for p in result.errors),
        "warnings": sum(p.severity == Severity.WARNING for p in result.errors),
    }
    details = {
        "kind": record.kind,
        "file": record.filename,
        "status": str(result.status),
        "counts": result.counts(),
        **counts,
        "data_quality_score": result.quality_score,
    }
    audit(session, record, "import", details)


def audit(session: Session, record: Import, action: str, details: dict[str, Any]) -> None:
    """An append-only audit entry about one import (who, file, kind, what happened)."""
    session.add(
        AuditEntry(
            action=action,
            entity="import",
            entity_id=str(record.id),
            username=record.username,
            details=details,
        )
    )


def outcome_message(result: ImportResult) -> str:
    if result.status == ImportStatus.REJECTED:
        return "; ".join(p.message for p in result.errors if p.row is None)
    return (
        f"{result.records_processed} rows: {result.records_inserted} inserted, "
        f"{result.records_updated} updated, {result.records_skipped} skipped, "
        f"{result.records_failed} failed"
    )


def complete(session: Session, result: ImportResult, errors: ErrorLog, file_rows: int) -> None:
    """The import completed: store the last problems, the quality score and the result."""
    errors.flush(session)
    result.status = ImportStatus.COMPLETED
    result.errors = errors.in_file_order()
    result.quality_score = quality_score(
        file_rows, result.records_failed, errors.warnings, result.status
    )
    if errors.stored > len(errors.kept):
        result.extra = {**result.extra, "errors_total": errors.stored}


def reject(
    result: ImportResult, problems: list[ImportProblem], errors: ErrorLog, session: Session
) -> None:
    """Nothing is loaded: every processed row counts as failed."""
    errors.add(problems)
    errors.flush(session)
    result.status = ImportStatus.REJECTED
    others = [p for p in errors.in_file_order() if p not in problems]
    result.errors = [*problems, *others]
    result.records_inserted = result.records_updated = result.records_skipped = 0
    result.records_failed = result.records_processed
    result.students_created = []
    result.date_range = None
    result.students_touched = 0
    result.quality_score = 0.0


def record_failure(
    session: Session, record: Import, result: ImportResult, exc: Exception, started: float
) -> ImportResult:
    """A system error: nothing was merged; the staged chunks stay for `resume_import`."""
    problem = ImportProblem(
        rule="system_error", message=f"the import failed: {exc}", category=Category.SYSTEM
    )
    result.status = ImportStatus.FAILED
    result.system_error = type(exc)
    result.errors = [problem]
    result.records_processed = record.records_processed or 0
    result.records_inserted = result.records_updated = result.records_skipped = 0
    result.records_failed = result.records_processed
    try:
        errors = ErrorLog(record.id)
        errors.add([problem])
        errors.flush(session)
        record_outcome(session, result, started, message=f"{type(exc).__name__}: {exc}")
        session.commit()
    except Exception:  # the database itself may be what failed; the result still reports it
        logger.exception("could not record the failure of import %s", result.import_id)
        session.rollback()
    return result
