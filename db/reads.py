"""Dashboard reads as DataFrames with the least per-row work, for the pages' cold path.

On PostgreSQL the compiled statement runs on the driver's cursor: psycopg already returns
dates, numbers and text as Python values, so SQLAlchemy's per-row result processing (a third
of the time of a 10,000-row read) is skipped. Elsewhere (SQLite returns dates as text) the
rows go through the session as usual. Without `dtypes` the frame is built like
db.frames.frame (so columns get the same types); with them, column by column without
pandas inferring each column's type from its values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, cast, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

logger = logging.getLogger(__name__)


class _Lsn(UserDefinedType[str]):
    """PostgreSQL's pg_lsn (a WAL position), for comparing positions in SQL."""

    cache_ok = True

    def get_col_spec(self, **_: object) -> str:
        return "pg_lsn"


PG_LSN = _Lsn()


def read_frame(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    columns: Sequence[str] | None = None,
    dtypes: Mapping[str, str] | None = None,
    few: bool = False,
) -> pd.DataFrame:
    """Every row of `statement` as a frame, named by its selected columns (or `columns`).

    `dtypes` names the type of some columns: "int64", "float64" and "bool" (no NULLs),
    "str" (text) or "object" (anything, as read); the other columns are inferred.

    `few`: the statement reads a few rows (a page), so it goes through the session, whose
    cache of compiled statements spares compiling it again (for a long statement that costs
    more than the driver's cursor saves on a few rows).
    """
    names = list(columns) if columns is not None else list(statement.selected_columns.keys())
    rows = [tuple(row) for row in session.execute(statement)] if few else _rows(session, statement)
    if dtypes is None:
        return pd.DataFrame.from_records(rows, columns=names)
    values = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame(
        {
            name: _column(column, dtypes.get(name))
            for name, column in zip(names, values, strict=True)
        }
    )


def _rows(session: Session, statement: Select[*tuple[Any, ...]]) -> list[Any]:
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return [tuple(row) for row in session.execute(statement)]
    if session.autoflush:
        session.flush()  # what session.execute would do first
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


def _column(values: tuple[Any, ...], dtype: str | None) -> Any:
    if dtype in (None, "str"):  # text: the type pandas gives text (str in pandas 3)
        return pd.Series(list(values)) if values else pd.Series([], dtype=object)
    return np.array(values, dtype=dtype)


def code_point_order(
    session: Session, column: ColumnElement[str] | InstrumentedAttribute[str]
) -> ColumnElement[str]:
    """`column` for ORDER BY in the order Python sorts strings (by code point), so a sorted
    read needs no sort in pandas. PostgreSQL's "C" collation compares the UTF-8 bytes, and
    SQLite's default (BINARY) does the same; both match code point order."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column.expression if isinstance(column, InstrumentedAttribute) else column


def read_session() -> Session:
    """The session the dashboards read through: the read replica's (DATABASE_READ_URL) when
    it has caught up with the primary, else the primary's `db.session`.

    Why the check: page data is cached under the data version its reader sees
    (attendly.cache). A replica that lags an import would answer old numbers, and a
    dashboard redrawn by the import's event would show them until the next change. So the
    primary decides (writes, imports and this guard stay on it): the replica is used only
    when it has everything the primary had at the start of the request (replica_current),
    and the page then keys its entries by the version read on the same database as its data.
    The decision is made once per app context (one callback). A replica that cannot be
    reached is skipped the same way, and the page reads the primary.
    """
    from flask import current_app, g

    from attendly.extensions import db, read_replica

    primary = db.session()
    replica = read_replica(current_app)
    if replica is None:
        return primary
    chosen: Session | None = g.get("attendly_read_session")
    if chosen is None:
        chosen = replica.session() if replica_current(primary, replica.session()) else primary
        g.attendly_read_session = chosen
    return chosen


def replica_current(primary: Session, replica: Session) -> bool:
    """True when `replica` shows what `primary` shows now (False when unreachable).

    A PostgreSQL streaming replica is current when it has replayed the primary's WAL up to
    the primary's position read first: two function calls, no table read. When it has not
    (writes that change no figure, such as sign-ins, keep it a little behind) or the replica
    is no standby (a copy, logical replication, SQLite), the data versions are compared:
    equal versions mean equal figures.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from db.queries import data_version

    position = wal_position(primary)
    try:
        if position is not None and replayed(replica, position):
            return True
        found = data_version(replica)
    except SQLAlchemyError as exc:
        logger.warning("read replica not used: %s", exc)
        return False
    finally:
        replica.rollback()  # the page's reads start a fresh snapshot, not this one
    # Read after the replica's: equal means the replica already had what the primary has now.
    current = found == data_version(primary)
    if not current:
        logger.debug("read replica behind the primary: reading the primary")
    return bool(current)


def wal_position(session: Session) -> str | None:
    """The PostgreSQL primary's current WAL position; None on other databases."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return str(session.scalar(select(func.pg_current_wal_lsn())))


def replayed(replica: Session, position: str) -> bool:
    """Whether `replica` is a PostgreSQL standby that has replayed the WAL up to `position`
    (False on a database that is no standby, or on SQLite)."""
    if replica.get_bind().dialect.name != "postgresql":
        return False
    caught_up = and_(
        func.pg_is_in_recovery(),
        func.pg_last_wal_replay_lsn() >= cast(literal(position), PG_LSN),
    )
    return bool(replica.scalar(select(caught_up)))
