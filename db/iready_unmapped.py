"""i-Ready rows kept aside for students not on the roster: storage, re-map stamps, report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from db.iready import WriteCounts, differs, frame_of, records, window
from db.loaders import ID_CHUNK, chunks
from db.models import Import, IReadyUnmapped

UNMAPPED_VALUES = ("academic_year", "last_name", "first_name", "raw")
REPORT_COLUMNS = (
    "import_id",
    "filename",
    "row",
    "subject",
    "academic_year",
    "student_id",
    "state_student_id",
    "last_name",
    "first_name",
    "completion_date",
    "reason",
    "mapped_at",
)
UNMAPPED: Table = IReadyUnmapped.__table__


def _unmapped_key(frame: pd.DataFrame) -> pd.Series:
    parts = [
        frame[name].astype(object).where(frame[name].notna(), "").astype(str)
        for name in ("subject", "student_id", "state_student_id", "completion_date")
    ]
    return parts[0] + "|" + parts[1] + "|" + parts[2] + "|" + parts[3]


def pending_unmapped(session: Session, where: Any = None) -> pd.DataFrame:
    """Unmapped rows not yet mapped (optionally filtered), oldest first: every column."""
    statement = select(UNMAPPED).where(UNMAPPED.c.mapped_at.is_(None)).order_by(UNMAPPED.c.id)
    if where is not None:
        statement = statement.where(where)
    return frame_of(session, statement)


def keep_unmapped(session: Session, rows: pd.DataFrame, import_id: int) -> WriteCounts:
    """Store unmapped rows (index = file row) unless the same row is already kept.

    `rows` holds subject, academic_year, student_id, state_student_id, last_name, first_name,
    completion_date and raw. A kept row with the same (subject, ids, completion date) but other
    values is updated to this import's version; an identical one is left alone.
    """
    counts = WriteCounts()
    if rows.empty:
        return counts
    old = pending_unmapped(session, window(UNMAPPED, rows))
    old = old.assign(_key=_unmapped_key(old)).drop_duplicates("_key", keep="last")
    new = rows.rename_axis("row_number").reset_index()
    new["_key"] = _unmapped_key(new)
    stored = old[["id", "_key", *UNMAPPED_VALUES]]
    merged = new.merge(stored, on="_key", how="left", suffixes=("", "_old"))
    matched = merged["id"].notna()
    changed = matched & differs(merged, UNMAPPED_VALUES)
    fresh = merged.loc[~matched, [*rows.columns, "row_number"]].assign(import_id=import_id)
    if len(fresh):
        session.execute(insert(UNMAPPED), records(fresh))
    if changed.any():
        updates = merged.loc[changed, ["id", "row_number", *UNMAPPED_VALUES]]
        updates = updates.astype({"id": "int64"}).assign(import_id=import_id)
        session.execute(update(IReadyUnmapped), records(updates))
    counts.inserted, counts.updated = int((~matched).sum()), int(changed.sum())
    counts.unchanged = int((matched & ~changed).sum())
    return counts


def mark_mapped(session: Session, ids: Iterable[int], when: dt.datetime) -> None:
    """Stamp unmapped rows as mapped (they stay, as the record of what was kept aside)."""
    for chunk in chunks(sorted(set(ids)), ID_CHUNK):
        session.execute(update(UNMAPPED).where(UNMAPPED.c.id.in_(chunk)).values(mapped_at=when))


def pending_count(session: Session) -> int:
    """How many unmapped rows wait for a roster that maps them."""
    query = (
        select(func.count()).select_from(IReadyUnmapped).where(IReadyUnmapped.mapped_at.is_(None))
    )
    return int(session.scalar(query) or 0)


def unmapped_report(
    session: Session, import_id: int | None = None, include_mapped: bool = False
) -> list[dict[str, Any]]:
    """The exception report: unmapped rows (of one import, or all pending), REPORT_COLUMNS."""
    row = IReadyUnmapped
    query = select(row, Import.filename).join(Import, Import.id == row.import_id)
    if import_id is not None:
        query = query.where(row.import_id == import_id)
    if not include_mapped and import_id is None:
        query = query.where(row.mapped_at.is_(None))
    report = []
    for unmapped, filename in session.execute(query.order_by(row.import_id, row.row_number)):
        state = f" or state id {unmapped.state_student_id}" if unmapped.state_student_id else ""
        report.append(
            {
                "import_id": unmapped.import_id,
                "filename": filename,
                "row": unmapped.row_number,
                "subject": unmapped.subject,
                "academic_year": unmapped.academic_year,
                "student_id": unmapped.student_id,
                "state_student_id": unmapped.state_student_id,
                "last_name": unmapped.last_name,
                "first_name": unmapped.first_name,
                "completion_date": unmapped.completion_date,
                "reason": f"no student with id {unmapped.student_id or '(blank)'}{state}",
                "mapped_at": unmapped.mapped_at,
            }
        )
    return report
