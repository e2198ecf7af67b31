"""Bump and read the dashboards' data version (db.version_models)."""

from __future__ import annotations

from sqlalchemy import Connection, ScalarSelect, delete, insert, select, update
from sqlalchemy.orm import Session

from db.version_models import DataVersion

DASHBOARDS = "dashboards"
# Moved by every write of student_year_summaries or student_week_before rows: what the
# Overview's pre-added groups (db.overview_groups) were built from.
SUMMARIES = "summaries"
# Moved by every write of iready_diagnostics rows (db.iready); GROWTH_CHECKED holds its value
# when the growth table was last found to hold one row per diagnostic (db.growth.in_sync).
DIAGNOSTICS = "iready_diagnostics"
GROWTH_CHECKED = "iready_growth_checked"


def bump(session: Session, name: str = DASHBOARDS) -> None:
    """Count one change of the dashboards' data (or of counter `name`), in the caller's
    transaction.

    On PostgreSQL the row stays locked until the transaction ends: writers that bump queue
    there, which the summary refreshes do already (db.aggregates.serialize_refreshes).
    """
    table = DataVersion
    changed = session.execute(
        update(table).where(table.name == name).values(version=table.version + 1)
    )
    if not getattr(changed, "rowcount", 0):  # a database emptied by hand: start again
        session.add(DataVersion(name=name, version=1))
        session.flush()


def bump_connection(connection: Connection, name: str = DASHBOARDS) -> None:
    """`bump` on a Core connection (the whole-dataset load of attendly.transfer)."""
    table = DataVersion.__table__
    connection.execute(
        update(table).where(table.c.name == name).values(version=table.c.version + 1)
    )


def forget_connection(connection: Connection, name: str) -> None:
    """Drop counter `name` on a Core connection (attendly.transfer: a stamp no longer true)."""
    table = DataVersion.__table__
    connection.execute(delete(table).where(table.c.name == name))


def current(session: Session, name: str = DASHBOARDS) -> int | None:
    """The counter (None before the first change)."""
    return session.scalar(select(counter(name)))


def counter(name: str = DASHBOARDS) -> ScalarSelect[int]:
    """Counter `name` as a scalar subquery, to read in the same statement as other values or
    to compare a stored stamp against (NULL before the first change)."""
    return select(DataVersion.version).where(DataVersion.name == name).scalar_subquery()


def set_counter(executor: Session | Connection, name: str, value: int) -> None:
    """Set counter `name` to `value`, in the caller's transaction (on a session, or on the
    Core connection of attendly.transfer's load)."""
    table = DataVersion.__table__
    changed = executor.execute(update(table).where(table.c.name == name).values(version=value))
    if not getattr(changed, "rowcount", 0):
        executor.execute(insert(table).values(name=name, version=value))
