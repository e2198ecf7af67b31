"""Stage tables: write validated rows fast (COPY on PostgreSQL, executemany on SQLite), clear them.

Validation sees most columns as a few distinct values and one code per row (a school has a
few thousand students, a few hundred days, a few dozen period patterns), so rows travel as
*column groups*: `values[codes[i]]` is the tuple of values of row i for the group's columns.
Each distinct value is rendered once; a row is a join of a handful of pre-rendered pieces.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Table, delete, exists, func, select, text, tuple_, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.import_tables import STAGE_TABLES, StageState
from db.loaders import ensure_schools
from db.models import School
from db.statistics import maintain


@dataclass(frozen=True)
class ColumnGroup:
    """Columns sharing one code per row: row i holds `values[codes[i]]` (a tuple per code)."""

    names: tuple[str, ...]
    codes: np.ndarray
    values: list[tuple[Any, ...]]

    @classmethod
    def single(cls, name: str, codes: np.ndarray, values: Sequence[Any]) -> ColumnGroup:
        return cls((name,), codes, [(value,) for value in values])

    @classmethod
    def constant(cls, name: str, value: Any, rows: int) -> ColumnGroup:
        return cls((name,), np.zeros(rows, dtype=np.int64), [(value,)])

    @classmethod
    def per_row(cls, name: str, values: Sequence[Any]) -> ColumnGroup:
        return cls((name,), np.arange(len(values)), [(value,) for value in values])

    def column(self, name: str) -> np.ndarray:
        """One column's values per row (object array)."""
        position = self.names.index(name)
        distinct = np.empty(len(self.values), dtype=object)
        distinct[:] = [value[position] for value in self.values]
        return distinct[self.codes]


@dataclass(frozen=True)
class StageRows:
    """Rows for one stage table as column groups of equal length."""

    groups: tuple[ColumnGroup, ...]

    def __len__(self) -> int:
        return len(self.groups[0].codes) if self.groups else 0

    @property
    def names(self) -> list[str]:
        return [name for group in self.groups for name in group.names]

    def take(self, positions: np.ndarray) -> StageRows:
        """The rows at `positions` (0-based), in that order."""
        return StageRows(
            tuple(ColumnGroup(g.names, g.codes[positions], g.values) for g in self.groups)
        )

    def column(self, name: str) -> np.ndarray:
        for group in self.groups:
            if name in group.names:
                return group.column(name)
        raise KeyError(name)


@dataclass(frozen=True)
class Batch:
    """Rows rendered for one stage table, ready to send: COPY text or executemany tuples.

    Rendering is Python work and sending is database work, so a caller can render the next
    chunk while the previous one is being written (see ingest.run).
    """

    table: str
    columns: list[str]
    copy: bytes | None = None
    tuples: list[tuple[Any, ...]] | None = None


def render(dialect: str, table: Table, rows: StageRows) -> Batch | None:
    """Render rows for `dialect` ("postgresql": COPY text; else executemany tuples)."""
    if not len(rows):
        return None
    if dialect == "postgresql":
        pieces = _combined([_piece(group) for group in rows.groups])
        segments = [piece.texts[piece.codes] for piece in pieces]
        payload = "\n".join(map("\t".join, zip(*segments, strict=True))) + "\n"
        names = [name for piece in pieces for name in piece.names]
        return Batch(table.name, names, copy=payload.encode("utf-8"))
    return Batch(table.name, rows.names, tuples=_tuples(rows))


def send(session: Session, batch: Batch | None) -> None:
    """Append a rendered batch to its stage table inside the session's transaction."""
    if batch is None:
        return
    connection = session.connection()
    columns = ", ".join(batch.columns)
    if batch.copy is not None:
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY {batch.table} ({columns}) FROM STDIN") as copy:
                copy.write(batch.copy)
        return
    marks = ", ".join("?" for _ in batch.columns)
    statement = f"INSERT INTO {batch.table} ({columns}) VALUES ({marks})"
    connection.exec_driver_sql(statement, batch.tuples or [])


# Column groups whose distinct value combinations stay under this many are rendered as one
# piece, so that a row is the join of three or four pieces however many columns it has.
COMBINE_LIMIT = 1 << 16


@dataclass
class _Piece:
    names: list[str]
    codes: np.ndarray
    texts: np.ndarray  # rendered distinct values (object array of str)


def _piece(group: ColumnGroup) -> _Piece:
    texts = np.empty(len(group.values), dtype=object)
    if len(group.names) == 1:
        texts[:] = [str(v) if type(v) is int else _copy_text(v) for (v,) in group.values]
    else:
        texts[:] = ["\t".join(map(_copy_text, value)) for value in group.values]
    return _Piece(list(group.names), group.codes.astype(np.int64), texts)


def _combined(pieces: list[_Piece]) -> list[_Piece]:
    """Fold pieces with few distinct values together (smallest first)."""
    pieces = sorted(pieces, key=lambda piece: len(piece.texts))
    folded = [pieces[0]]
    for piece in pieces[1:]:
        last = folded[-1]
        if len(last.texts) * len(piece.texts) > COMBINE_LIMIT:
            folded.append(piece)
            continue
        pairs, codes = np.unique(last.codes * len(piece.texts) + piece.codes, return_inverse=True)
        texts = np.empty(len(pairs), dtype=object)
        left, right = last.texts[pairs // len(piece.texts)], piece.texts[pairs % len(piece.texts)]
        texts[:] = [a + "\t" + b for a, b in zip(left, right, strict=True)]
        folded[-1] = _Piece(last.names + piece.names, codes.reshape(-1), texts)
    return folded


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format (NULL is `\\N`)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _tuples(rows: StageRows) -> list[tuple[Any, ...]]:
    columns = []
    for group in rows.groups:
        for position in range(len(group.names)):
            distinct = np.empty(len(group.values), dtype=object)
            distinct[:] = [_sqlite_value(value[position]) for value in group.values]
            columns.append(distinct[group.codes].tolist())
    return list(zip(*columns, strict=True))


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy itself would bind on SQLite: ISO dates, floats for decimals."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def clear_stage(session: Session, import_id: int) -> None:
    """Drop every staged row of an import (within the caller's transaction).

    On PostgreSQL a stage table holding only this import's rows is truncated (instant, no dead
    rows left). The truncate needs the table to itself: its lock is only taken when free at
    once (NOWAIT), else the import deletes its own rows. Waiting for it instead deadlocked
    concurrent imports: a merge calls this holding the merge lock (db.merge), while another
    import that has read or written the stage table in its open transaction waits for that
    lock. Under the lock no other import's rows are uncommitted, so none is ever lost.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    for table in STAGE_TABLES:
        if postgres and _alone(session, table, import_id):
            session.execute(text(f"TRUNCATE {table.name}"))
        else:
            session.execute(delete(table).where(table.c.import_id == import_id))


# Deleted rows a stage table may hold before the import that left them vacuums it.
DEAD_ROWS = 100_000


def vacuum_stages(session: Session) -> list[str]:
    """VACUUM the stage tables holding many deleted rows (PostgreSQL; call between
    transactions); returns the tables found holding them (one a merge holds is skipped).

    An import clears its staged rows by DELETE when another import is staging beside it
    (clear_stage), which in a nightly batch on two workers is nearly always. Autovacuum never
    got to those rows (each merge's ANALYZE of the stage cancels it): after 21 of a district's
    30 schools the attendance stage held 6.1 million deleted rows, which every read of the
    stage went through, and each import took longer than the last (16 s, then 73 s). VACUUM
    takes no lock that staging or merging waits for, and skips a table it would wait for."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    names = [table.name for table in STAGE_TABLES]
    dead = session.scalars(
        text(
            "SELECT relname FROM pg_stat_user_tables "
            "WHERE relname = ANY(:names) AND n_dead_tup > :dead ORDER BY relname"
        ),
        {"names": names, "dead": DEAD_ROWS},
    ).all()
    # Not waiting for a merge's ANALYZE of the table (held to its commit): the import that
    # comes next reclaims what this one skipped.
    maintain(session, "VACUUM (SKIP_LOCKED)", dead)
    return list(dead)


def _alone(session: Session, table: Table, import_id: int) -> bool:
    """Whether this transaction got `table` to itself at once and it holds only this import's
    rows (the exclusive lock, when taken, is held until the transaction ends)."""
    try:
        with session.begin_nested():  # a refused lock fails only the savepoint
            session.execute(text(f"LOCK TABLE {table.name} IN ACCESS EXCLUSIVE MODE NOWAIT"))
    except OperationalError:  # psycopg LockNotAvailable: another transaction uses the table
        return False
    return not session.scalar(select(exists().where(table.c.import_id != import_id)))


def staged_count(session: Session, table: Table, import_id: int) -> int:
    """Rows staged for an import (any state)."""
    query = select(func.count()).select_from(table).where(table.c.import_id == import_id)
    return int(session.scalar(query) or 0)


def analyze(session: Session, table: Table) -> None:
    """Refresh PostgreSQL's statistics of a freshly filled stage table before joining it
    (a small sample is plenty to choose a hash join)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL default_statistics_target = 10"))
        session.execute(text(f"ANALYZE {table.name}"))


def staged_live(
    session: Session,
    table: Table,
    import_id: int,
    key: Sequence[str],
    columns: Sequence[str],
    keys: list[tuple[Any, ...]],
) -> list[dict[str, Any]]:
    """The live staged rows with these keys (`columns` of each, as dicts)."""
    found: list[dict[str, Any]] = []
    key_columns = tuple_(*(table.c[name] for name in key))
    for start in range(0, len(keys), 400):
        query = select(*(table.c[name] for name in columns)).where(
            table.c.import_id == import_id,
            table.c.state == StageState.LIVE,
            key_columns.in_(keys[start : start + 400]),
        )
        found.extend(dict(row) for row in session.execute(query).mappings())
    return found


def supersede(session: Session, table: Table, import_id: int, rows: Sequence[int]) -> None:
    """Mark staged rows as replaced by a later row of the same file."""
    for start in range(0, len(rows), 500):
        session.execute(
            update(table)
            .where(
                table.c.import_id == import_id, table.c.row_number.in_(rows[start : start + 500])
            )
            .values(state=StageState.SUPERSEDED)
        )


def staged_keys(
    session: Session, table: Table, import_id: int, key: Sequence[str], batch: int = 100_000
) -> Iterator[list[tuple[Any, ...]]]:
    """The keys of an import's live staged rows, in batches (to rebuild a resumed run's state)."""
    query = select(*(table.c[name] for name in key)).where(
        table.c.import_id == import_id, table.c.state == StageState.LIVE
    )
    result = session.execute(query.execution_options(yield_per=batch))
    for part in result.partitions():
        yield [tuple(row) for row in part]


def fill_school_ids(session: Session, table: Table, import_id: int, periods_per_day: int) -> bool:
    """Give staged rows naming a school first seen in this file that school's id (creating
    it); returns whether rows without any school remain."""
    missing = (table.c.import_id == import_id) & table.c.school_id.is_(None)
    if not session.scalar(select(exists().where(missing))):
        return False
    named = missing & table.c.school_code.is_not(None)
    codes = session.scalars(select(table.c.school_code).where(named).distinct()).all()
    if codes:
        ensure_schools(session, codes, periods_per_day)
        by_code = select(School.id).where(School.code == table.c.school_code).scalar_subquery()
        session.execute(update(table).where(named).values(school_id=by_code))
    return bool(session.scalar(select(exists().where(missing))))
