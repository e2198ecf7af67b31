"""Import figures for the /metrics scrape: counts, rows, durations and problems, from the database.

Read at scrape time (not counted in memory) so the web processes and the RQ workers, which
run the imports, all report the same numbers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Import, ImportErrorRecord

ROW_OUTCOMES = ("processed", "inserted", "updated", "skipped", "failed")
IN_LIMIT = 500  # ids in one IN (...) list, well under SQLite's bound-parameter limit


def imports_by_status(session: Session) -> list[tuple[str, str, int]]:
    """(kind, status, imports) for every kind and status stored."""
    query = select(Import.kind, Import.status, func.count()).group_by(Import.kind, Import.status)
    return [(kind, status, int(n)) for kind, status, n in session.execute(query)]


def rows_by_kind(session: Session) -> list[tuple[str, dict[str, int]]]:
    """(kind, {outcome: rows}) with the outcomes of ROW_OUTCOMES, summed over every import."""
    columns = [func.coalesce(func.sum(getattr(Import, f"records_{o}")), 0) for o in ROW_OUTCOMES]
    query = select(Import.kind, *columns).group_by(Import.kind)
    return [
        (
            row[0],
            {outcome: int(value) for outcome, value in zip(ROW_OUTCOMES, row[1:], strict=True)},
        )
        for row in session.execute(query)
    ]


def finished_durations(session: Session) -> list[tuple[str, float]]:
    """(kind, seconds from start to finish) of every finished import."""
    query = select(Import.kind, Import.started_at, Import.finished_at).where(
        Import.finished_at.is_not(None)
    )
    return [
        (kind, _seconds(started, finished)) for kind, started, finished in session.execute(query)
    ]


def _seconds(started: Any, finished: Any) -> float:
    if started is None or finished is None:
        return 0.0
    return max(float((finished - started).total_seconds()), 0.0)


def import_versions(session: Session) -> dict[int, tuple[str, str, Any]]:
    """{import id: (kind, status, finished_at)}: what changes when its problems may."""
    query = select(Import.id, Import.kind, Import.status, Import.finished_at)
    return {int(row[0]): (row[1], row[2], row[3]) for row in session.execute(query)}


def problems_of(session: Session, import_ids: list[int]) -> dict[int, dict[str, int]]:
    """{import id: {category: problems}} of the given imports (each id listed, even with none)."""
    found: dict[int, dict[str, int]] = {import_id: {} for import_id in import_ids}
    if not import_ids:
        return found
    query = select(ImportErrorRecord.import_id, ImportErrorRecord.category, func.count()).group_by(
        ImportErrorRecord.import_id, ImportErrorRecord.category
    )
    if len(import_ids) <= IN_LIMIT:  # else (a first count) one pass over the table is cheaper
        query = query.where(ImportErrorRecord.import_id.in_(import_ids))
    for import_id, category, n in session.execute(query):
        if int(import_id) in found:
            found[int(import_id)][category] = int(n)
    return found
