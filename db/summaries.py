"""The per-student-per-year summary table: recomputed from raw attendance for given students."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from attendly.metrics.student import student_year_figures
from attendly.settings import Settings
from db.models import AttendanceRecord, StudentYearSummary
from db.policy import load_policy

CHUNK = 500  # student ids per IN (...) list: well under every backend's parameter limit
RATE_COLUMNS = ("absence_rate", "attendance_rate", "period_attendance_rate")


def refresh_summaries(session: Session, student_ids: Iterable[str], settings: Settings) -> int:
    """Recompute every academic year's summary of these students; returns rows written.

    Flushes but does not commit: the caller's transaction decides.
    """
    policy = load_policy(session, settings)
    written = 0
    for chunk in _chunks(sorted(set(student_ids)), CHUNK):
        session.execute(delete(StudentYearSummary).where(StudentYearSummary.student_id.in_(chunk)))
        rows = summary_rows(day_frame(session, chunk), policy)
        if rows:
            session.execute(insert(StudentYearSummary), rows)
        written += len(rows)
    session.flush()
    return written


def refresh_all(session: Session, settings: Settings) -> int:
    """Recompute the summaries of every student with attendance (after a policy change)."""
    ids = session.scalars(select(AttendanceRecord.student_id).distinct()).all()
    session.execute(delete(StudentYearSummary))
    return refresh_summaries(session, ids, settings)


def day_frame(session: Session, student_ids: Sequence[str]) -> pd.DataFrame:
    """Raw student-days of these students, every year (columns of metrics DAY_COLUMNS + year)."""
    record = AttendanceRecord
    result = session.execute(
        select(
            record.student_id,
            record.date,
            record.academic_year,
            record.scheduled,
            record.present,
            record.unexcused_periods,
            record.unverified_periods,
        ).where(record.student_id.in_(student_ids))
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def summary_rows(days: pd.DataFrame, policy: Policy) -> list[dict[str, object]]:
    """Summary table rows (one per student and academic year) from raw student-days."""
    rows: list[dict[str, object]] = []
    now = dt.datetime.now(dt.UTC)
    for year, group in days.groupby("academic_year", sort=True):
        figures = student_year_figures(group, policy)
        for record in figures.to_dict("records"):
            for column in RATE_COLUMNS:
                record[column] = Decimal(f"{record[column]:.2f}")
            record.update(academic_year=str(year), refreshed_at=now)
            rows.append(_plain({str(key): value for key, value in record.items()}))
    return rows


def _plain(record: dict[str, object]) -> dict[str, object]:
    """numpy scalars -> Python scalars, so every driver binds them."""
    return {key: value.item() if hasattr(value, "item") else value for key, value in record.items()}


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
