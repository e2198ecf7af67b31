"""Import history and error-report queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from attendly.errors import NotFound
from db.models import Import, ImportErrorRecord

HISTORY_COLUMNS = (
    "id",
    "kind",
    "filename",
    "status",
    "username",
    "started_at",
    "finished_at",
    "records_processed",
    "records_inserted",
    "records_updated",
    "records_skipped",
    "records_failed",
    "quality_score",
)
ERROR_COLUMNS = ("row", "column", "value", "rule", "message", "severity", "category")


def import_history(session: Session, limit: int = 500) -> list[dict[str, Any]]:
    """The newest imports first, as dicts with HISTORY_COLUMNS."""
    rows = session.scalars(select(Import).order_by(Import.id.desc()).limit(limit))
    return [{column: getattr(row, column) for column in HISTORY_COLUMNS} for row in rows]


def import_detail(session: Session, import_id: int) -> dict[str, Any]:
    """One import with its summary and message. Raises NotFound."""
    row = session.get(Import, import_id)
    if row is None:
        raise NotFound(f"no import with id {import_id}")
    detail = {column: getattr(row, column) for column in HISTORY_COLUMNS}
    detail.update(
        summary=row.summary,
        message=row.message,
        school_code=row.school_code,
        phase=row.phase,  # reading, merging, done
        rows_read=max(row.checkpoint_row - 1, 0),  # file rows committed so far
    )
    return detail


def import_errors(session: Session, import_id: int) -> list[dict[str, Any]]:
    """Every problem recorded for an import, in file order, as dicts with ERROR_COLUMNS."""
    if session.get(Import, import_id) is None:
        raise NotFound(f"no import with id {import_id}")
    records = session.scalars(
        select(ImportErrorRecord)
        .where(ImportErrorRecord.import_id == import_id)
        .order_by(
            ImportErrorRecord.row_number.is_(None).desc(),
            ImportErrorRecord.row_number,
            ImportErrorRecord.id,
        )
    )
    return [
        {
            "row": r.row_number,
            "column": r.column,
            "value": r.value,
            "rule": r.rule,
            "message": r.message,
            "severity": r.severity,
            "category": r.category,
        }
        for r in records
    ]


def store_problems(session: Session, import_id: int, problems: list[dict[str, Any]]) -> None:
    """Append problems (dicts with ERROR_COLUMNS) to an import's error report."""
    if problems:
        session.execute(
            insert(ImportErrorRecord),
            [
                {
                    "import_id": import_id,
                    "row_number": problem["row"],
                    "column": None if problem["column"] is None else problem["column"][:200],
                    "value": problem["value"],
                    "rule": problem["rule"][:60],
                    "message": problem["message"],
                    "severity": problem["severity"],
                    "category": problem["category"],
                }
                for problem in problems
            ],
        )


def forget_problems(session: Session, import_id: int, category: str | None = None) -> None:
    """Drop an import's stored problems (all, or those of one category)."""
    where = [ImportErrorRecord.import_id == import_id]
    if category is not None:
        where.append(ImportErrorRecord.category == category)
    session.execute(delete(ImportErrorRecord).where(*where))
