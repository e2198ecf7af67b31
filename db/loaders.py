"""Bulk loaders for imports: portable batched upserts (SQLite and PostgreSQL) and look-ups."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.orm import Session

from db.models import School, Student

BATCH_SIZE = 5000  # rows per prefetch/insert/update round trip
ID_CHUNK = 500  # ids per IN (...) list: far below every backend's parameter limit
Row = dict[str, Any]
T = TypeVar("T")


@dataclass
class UpsertCounts:
    """What an upsert did; `written` holds the keys of inserted and updated rows."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    written: list[tuple[Any, ...]] = field(default_factory=list)


def upsert(
    session: Session,
    model: Any,
    rows: Sequence[Row],
    *,
    key: Sequence[str],
    compare: Sequence[str],
    stamp: Sequence[str] = ("import_id",),
    batch_size: int = BATCH_SIZE,
) -> UpsertCounts:
    """Insert new rows, update rows whose `compare` columns differ, leave identical ones alone.

    Rows are matched on `key` (which must be unique in `rows`). Inserts write every column of
    the row; updates write `compare` plus `stamp` (the import that last wrote the row), so a
    re-import of unchanged data writes nothing. Flushes nothing else and does not commit.
    """
    counts = UpsertCounts()
    ordered = sorted(rows, key=lambda row: tuple(row[column] for column in key))
    for start in range(0, len(ordered), batch_size):
        batch = ordered[start : start + batch_size]
        existing = _prefetch(session, model, batch, key, compare)
        inserts, updates = [], []
        for row in batch:
            row_key = tuple(row[column] for column in key)
            found = existing.get(row_key)
            if found is None:
                inserts.append(row)
            elif found[1] != tuple(row[column] for column in compare):
                updates.append({**found[0], **{c: row[c] for c in (*compare, *stamp)}})
            else:
                counts.unchanged += 1
                continue
            counts.written.append(row_key)
        if inserts:
            session.execute(insert(model), inserts)
        if updates:
            session.execute(update(model), updates)
        counts.inserted += len(inserts)
        counts.updated += len(updates)
    return counts


def _prefetch(
    session: Session, model: Any, batch: Sequence[Row], key: Sequence[str], compare: Sequence[str]
) -> dict[tuple[Any, ...], tuple[Row, tuple[Any, ...]]]:
    """Stored rows of this batch's keys: key -> (primary key dict, compared values).

    Narrowed by the first key column's values and the other key columns' ranges (the batch
    is sorted, so this is tight), then matched exactly in Python.
    """
    primary = [column.key for column in inspect(model).primary_key]
    columns = [getattr(model, name) for name in dict.fromkeys([*primary, *key, *compare])]
    names = [column.key for column in columns]
    first = getattr(model, key[0])
    wanted = {tuple(row[column] for column in key) for row in batch}
    found: dict[tuple[Any, ...], tuple[Row, tuple[Any, ...]]] = {}
    for chunk in chunks(sorted({row[key[0]] for row in batch}), ID_CHUNK):
        query = select(*columns).where(first.in_(chunk))
        for name in key[1:]:
            values = [row[name] for row in batch]
            query = query.where(getattr(model, name).between(min(values), max(values)))
        for stored in session.execute(query):
            record = dict(zip(names, stored, strict=True))
            row_key = tuple(record[column] for column in key)
            if row_key in wanted:
                pk = {name: record[name] for name in primary}
                found[row_key] = (pk, tuple(record[column] for column in compare))
    return found


def ensure_schools(session: Session, codes: Iterable[str], periods_per_day: int) -> dict[str, int]:
    """School ids by code, creating schools seen for the first time (named by their code)."""
    wanted = sorted(set(codes))
    known = _school_ids(session, wanted)
    missing = [code for code in wanted if code not in known]
    if missing:
        session.execute(
            insert(School),
            [{"code": code, "name": code, "periods_per_day": periods_per_day} for code in missing],
        )
        known.update(_school_ids(session, missing))
    return known


def _school_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(codes, ID_CHUNK):
        query = select(School.code, School.id).where(School.code.in_(chunk))
        ids.update((code, school_id) for code, school_id in session.execute(query))
    return ids


def existing_students(session: Session, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Students already stored among `ids`: id -> (grade level, school code)."""
    found: dict[str, tuple[int, str]] = {}
    query = select(Student.id, Student.grade_level, School.code).join(School)
    for chunk in chunks(sorted(set(ids)), ID_CHUNK):
        for student_id, grade, code in session.execute(query.where(Student.id.in_(chunk))):
            found[student_id] = (grade, code)
    return found


def student_grades(session: Session, ids: Iterable[str]) -> set[int]:
    """The grade levels of these students."""
    grades: set[int] = set()
    for chunk in chunks(sorted(set(ids)), ID_CHUNK):
        query = select(Student.grade_level).where(Student.id.in_(chunk)).distinct()
        grades.update(session.scalars(query))
    return grades


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
