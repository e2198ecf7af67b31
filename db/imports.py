"""Import history and error-report queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
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
    detail.update(summary=row.summary, message=row.message, school_code=row.school_code)
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
