"""Bump and read the dashboards' data version (db.version_models)."""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from db.version_models import DataVersion

DASHBOARDS = "dashboards"


def bump(session: Session) -> None:
    """Count one change of the dashboards' data, in the caller's transaction.

    On PostgreSQL the row stays locked until the transaction ends: writers that bump queue
    there, which the summary refreshes do already (db.aggregates.serialize_refreshes).
    """
    table = DataVersion
    changed = session.execute(
        update(table).where(table.name == DASHBOARDS).values(version=table.version + 1)
    )
    if not getattr(changed, "rowcount", 0):  # a database emptied by hand: start again
        session.add(DataVersion(name=DASHBOARDS, version=1))
        session.flush()


def bump_connection(connection: Connection) -> None:
    """`bump` on a Core connection (the whole-dataset load of attendly.transfer)."""
    table = DataVersion.__table__
    connection.execute(
        update(table).where(table.c.name == DASHBOARDS).values(version=table.c.version + 1)
    )


def current(session: Session) -> int | None:
    """The counter (None before the first change)."""
    return session.scalar(select(DataVersion.version).where(DataVersion.name == DASHBOARDS))
