"""The System health page's and the alert rules' queries: import outcomes, timings, quality,
errors by category, the last success per source, school days and table sizes.

An import "succeeded" when its status is `completed` (row-level errors allowed) and "failed"
when it is `failed` (a system error) or `rejected` (the whole file refused). Imports still
running and imports rolled back (an admin's decision, whatever the outcome was) are not
outcomes and count on neither side.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased

from db.models import Import, ImportErrorRecord, SchoolCalendarDay

SUCCEEDED = ("completed",)
FAILED = ("failed", "rejected")
OUTCOMES = SUCCEEDED + FAILED
SYNC_USER = "sync"  # the username the drop-folder sync imports as (attendly.sync)
TIMELINE_COLUMNS = [
    "import_id",
    "kind",
    "status",
    "finished_at",
    "duration_s",
    "records_processed",
    "quality_score",
]


def import_outcomes(session: Session, since: dt.datetime) -> dict[str, Any]:
    """Outcomes of the imports finished since `since`: {completed, failed, rejected, finished,
    success_rate} (a percentage with 1 decimal; None when nothing finished)."""
    rows = session.execute(
        select(Import.status, func.count())
        .where(Import.finished_at >= since, Import.status.in_(OUTCOMES))
        .group_by(Import.status)
    ).all()
    counts = {status: 0 for status in OUTCOMES} | {str(s): int(n) for s, n in rows}
    finished = sum(counts.values())
    rate = round(100 * counts["completed"] / finished, 1) if finished else None
    return {**counts, "finished": finished, "success_rate": rate}


def imports_finished_since(session: Session, since: dt.datetime) -> int:
    """How many imports finished (any outcome) since `since`."""
    query = select(func.count()).where(Import.finished_at >= since, Import.status.in_(OUTCOMES))
    return int(session.scalar(query) or 0)


def import_timeline(session: Session, since: dt.datetime) -> pd.DataFrame:
    """One row per import finished since `since`, oldest first: TIMELINE_COLUMNS
    (`duration_s` = finished_at - started_at in seconds; `quality_score` 0-100 or None)."""
    rows = session.execute(
        select(
            Import.id,
            Import.kind,
            Import.status,
            Import.started_at,
            Import.finished_at,
            Import.records_processed,
            Import.quality_score,
        )
        .where(Import.finished_at >= since, Import.status.in_(OUTCOMES))
        .order_by(Import.finished_at, Import.id)
    ).all()
    out = [
        {
            "import_id": row.id,
            "kind": row.kind,
            "status": row.status,
            "finished_at": _aware(row.finished_at),
            "duration_s": round(
                (_aware(row.finished_at) - _aware(row.started_at)).total_seconds(), 1
            ),
            "records_processed": row.records_processed,
            "quality_score": None if row.quality_score is None else float(row.quality_score),
        }
        for row in rows
    ]
    return pd.DataFrame(out, columns=TIMELINE_COLUMNS)


def errors_by_category(session: Session, since: dt.datetime) -> pd.DataFrame:
    """Problems recorded by the imports finished since `since`, per category: columns
    category, problems, rows (file rows those imports processed), rate (problems per 100 rows)."""
    finished = and_(Import.finished_at >= since, Import.status.in_(OUTCOMES))
    rows = int(session.scalar(select(func.sum(Import.records_processed)).where(finished)) or 0)
    counted = session.execute(
        select(ImportErrorRecord.category, func.count())
        .join(Import, Import.id == ImportErrorRecord.import_id)
        .where(finished)
        .group_by(ImportErrorRecord.category)
        .order_by(ImportErrorRecord.category)
    ).all()
    out = [
        {
            "category": category,
            "problems": int(n),
            "rows": rows,
            "rate": round(100 * int(n) / rows, 2) if rows else None,
        }
        for category, n in counted
    ]
    return pd.DataFrame(out, columns=["category", "problems", "rows", "rate"])


def last_success_by_kind(session: Session) -> list[dict[str, Any]]:
    """Per import kind, the newest completed import: dicts {kind, import_id, finished_at,
    last_sync_at} (`last_sync_at`: the newest one the drop-folder sync made, or None)."""
    newest = (
        select(Import.kind, func.max(Import.id).label("id"))
        .where(Import.status == "completed")
        .group_by(Import.kind)
        .subquery()
    )
    rows = session.execute(
        select(Import.kind, Import.id, Import.finished_at)
        .join(newest, newest.c.id == Import.id)
        .order_by(Import.kind)
    ).all()
    synced = dict(
        session.execute(
            select(Import.kind, func.max(Import.finished_at))
            .where(Import.status == "completed", Import.username == SYNC_USER)
            .group_by(Import.kind)
        ).all()
    )
    return [
        {
            "kind": kind,
            "import_id": import_id,
            "finished_at": _aware(finished),
            "last_sync_at": _aware(synced.get(kind)),
        }
        for kind, import_id, finished in rows
    ]


def last_success(session: Session, kind: str) -> Import | None:
    """The newest completed import of `kind` (by finish time), or None."""
    query = (
        select(Import)
        .where(Import.kind == kind, Import.status == "completed", Import.finished_at.is_not(None))
        .order_by(Import.finished_at.desc(), Import.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def unsuperseded(session: Session, since: dt.datetime, statuses: tuple[str, ...]) -> list[Import]:
    """Imports with one of `statuses` finished since `since` and not followed by a completed
    import of the same kind (a later good file supersedes a bad one), oldest first."""
    later = aliased(Import)
    superseded = exists().where(
        later.kind == Import.kind, later.status == "completed", later.id > Import.id
    )
    query = (
        select(Import)
        .where(Import.status.in_(statuses), Import.finished_at >= since, ~superseded)
        .order_by(Import.id)
    )
    return list(session.scalars(query))


def calendar_known(session: Session) -> bool:
    """True when a school calendar has been imported (any school, any year)."""
    return session.scalar(select(SchoolCalendarDay.id).limit(1)) is not None


def school_days_between(session: Session, first: dt.date, last: dt.date) -> list[dt.date]:
    """Distinct instructional days of any school in [first, last], in order."""
    query = (
        select(SchoolCalendarDay.date)
        .where(SchoolCalendarDay.date >= first, SchoolCalendarDay.date <= last)
        .distinct()
        .order_by(SchoolCalendarDay.date)
    )
    return [_as_date(day) for day in session.scalars(query)]


def table_sizes(session: Session) -> tuple[pd.DataFrame, str]:
    """(DataFrame of table, bytes — largest first, how the bytes were measured).

    PostgreSQL: pg_total_relation_size (table, indexes and TOAST; a partitioned table's
    partitions added up). SQLite: the dbstat
    virtual table (pages of the table and its indexes); without dbstat, only the whole file
    (page_count x page_size) under the name "(database file)".
    """
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                # A partitioned table has no storage of its own: add up its partitions'.
                "SELECT c.relname, CASE WHEN c.relkind = 'p' THEN (SELECT "
                "sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) AS t) "
                "ELSE pg_total_relation_size(c.oid) END FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()"
            )
        ).all()
        method = "pg_total_relation_size (table + indexes + TOAST)"
    else:
        try:
            rows = session.execute(
                text(
                    "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d "
                    "JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name"
                )
            ).all()
            method = "SQLite dbstat (pages of the table and its indexes)"
        except OperationalError:
            session.rollback()
            pages = session.execute(text("PRAGMA page_count")).scalar() or 0
            size = session.execute(text("PRAGMA page_size")).scalar() or 0
            rows = [("(database file)", int(pages) * int(size))]  # type: ignore[list-item]
            method = "SQLite page_count x page_size (dbstat not available)"
    frame = pd.DataFrame([(str(n), int(b or 0)) for n, b in rows], columns=["table", "bytes"])
    return frame.sort_values(["bytes", "table"], ascending=[False, True], ignore_index=True), method


def _aware(value: Any) -> Any:
    """SQLite hands back naive datetimes for timezone-aware columns: they are UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def open_alerts(session: Session) -> list[dict[str, Any]]:
    """Alerts not cleared yet, newest first: dicts {id, rule, subject, severity, message,
    opened_at, last_seen_at}."""
    from db.alert_models import Alert

    rows = session.scalars(
        select(Alert)
        .where(Alert.cleared_at.is_(None))
        .order_by(Alert.opened_at.desc(), Alert.id.desc())
    )
    columns = ("id", "rule", "subject", "severity", "message", "opened_at", "last_seen_at")
    return [{column: _aware(getattr(row, column)) for column in columns} for row in rows]
