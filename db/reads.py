"""Dashboard reads as DataFrames with the least per-row work, for the pages' cold path.

On PostgreSQL the compiled statement runs on the driver's cursor: psycopg already returns
dates, numbers and text as Python values, so SQLAlchemy's per-row result processing (a third
of the time of a 10,000-row read) is skipped. Elsewhere (SQLite returns dates as text) the
rows go through the session as usual. Without `dtypes` the frame is built like
db.frames.frame (so columns get the same types); with them, column by column without
pandas inferring each column's type from its values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement


def read_frame(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    columns: Sequence[str] | None = None,
    dtypes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every row of `statement` as a frame, named by its selected columns (or `columns`).

    `dtypes` names the type of some columns: "int64", "float64" and "bool" (no NULLs),
    "str" (text) or "object" (anything, as read); the other columns are inferred.
    """
    names = list(columns) if columns is not None else list(statement.selected_columns.keys())
    rows = _rows(session, statement)
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
