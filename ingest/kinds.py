"""What a streaming import kind gives the pipeline: per-chunk validation, key tracking, a merge.

The pipeline owns the shape (read chunks -> validate -> dedupe -> stage -> checkpoint, then
one merge); a kind owns its columns, its validation layers and what its merge writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from db.merge import Target
from db.staging import StageRows
from ingest.checks import ImportContext
from ingest.headers import Columns, HeaderMap
from ingest.result import ImportProblem


@dataclass
class CheckedChunk:
    """One chunk after validation.

    `rows` are the valid rows to stage; `keys` holds, per valid row (same order, indexed by
    file row), the key and content columns that decide duplicates. `failed_keys` are rows
    that failed but whose key is known (staged with state FAILED_KEY, see StageState).
    """

    rows: StageRows
    keys: pd.DataFrame
    problems: list[ImportProblem]
    failed: int
    failed_keys: StageRows | None = None


@dataclass
class Staged:
    """What the staging phase knows about the live staged rows (kept in the checkpoint)."""

    live: int = 0
    students: set[str] = field(default_factory=set)  # for kinds keyed by student_id
    first: dt.date | None = None
    last: dt.date | None = None

    def add(self, keys: pd.DataFrame, superseded: int) -> None:
        """Count a chunk's staged rows (`superseded`: earlier rows they replaced)."""
        self.live += len(keys) - superseded
        if "student_id" in keys:
            self.students.update(keys["student_id"].unique().tolist())
        if "date" in keys and len(keys):
            low, high = keys["date"].min().date(), keys["date"].max().date()
            self.first = low if self.first is None else min(self.first, low)
            self.last = high if self.last is None else max(self.last, high)

    def to_state(self) -> dict[str, Any]:
        return {
            "live": self.live,
            "students": sorted(self.students),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Staged:
        return cls(
            state.get("live", 0),
            set(state.get("students", [])),
            dt.date.fromisoformat(state["first"]) if state.get("first") else None,
            dt.date.fromisoformat(state["last"]) if state.get("last") else None,
        )


@dataclass
class Merged:
    """What a kind's merge wrote and found (cross-reference problems surface only here)."""

    inserted: int
    updated: int
    live: int  # staged rows merged: inserted + updated + unchanged
    generated: int = 0  # rows the merge derived beyond the file's (Aeries present days)
    problems: list[ImportProblem] = field(default_factory=list)
    failed: int = 0  # file rows that failed at merge time
    changed_students: set[str] = field(default_factory=set)
    # The schools of the rows it inserted or changed, when the kind's merge knows them
    # (attendance); None: the refresh looks them up (db.stage_attendance.touched_schools).
    schools: frozenset[int] | None = None
    grades: set[int] = field(default_factory=set)
    school_code: str | None = None
    students_created: list[str] = field(default_factory=list)
    students_touched: int = 0
    date_range: tuple[dt.date, dt.date] | None = None
    summary: dict[str, Any] = field(default_factory=dict)


class Loader(Protocol):
    """One import of a streaming kind, from its header on."""

    header_map: HeaderMap
    target: Target
    key: tuple[str, ...]
    content: tuple[str, ...]
    event: str  # the "data changed" event kind

    def tracker(self) -> SeenKeys: ...

    def check(self, columns: Columns) -> CheckedChunk: ...

    def merge_schools(self, session: Session, staged: Staged) -> set[int] | None:
        """The schools whose students' rows the merge writes, when it writes no others
        (db.merge.serialize_merges); None when it is the district's business."""
        ...

    def merge(self, session: Session, staged: Staged) -> Merged: ...


# Builds the loader from the file's header; raises Rejection for schema-level problems.
Opener = Callable[[Session, list[str], ImportContext], Loader]


class SeenKeys(Protocol):
    """The keys staged so far in this import (to find duplicates across chunks)."""

    def seen(self, keys: pd.DataFrame) -> np.ndarray: ...

    def add(self, keys: pd.DataFrame) -> None: ...


class KeySet:
    """Keys as Python tuples: for kinds whose files are small (a roster, a code table)."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = list(columns)
        self.keys: set[tuple[Any, ...]] = set()

    def seen(self, keys: pd.DataFrame) -> np.ndarray:
        tuples = keys[self.columns].itertuples(index=False, name=None)
        return np.fromiter((key in self.keys for key in tuples), dtype=bool, count=len(keys))

    def add(self, keys: pd.DataFrame) -> None:
        self.keys.update(keys[self.columns].itertuples(index=False, name=None))


class StudentDays:
    """(student, date) keys as one bit per student per day since 2020-01-01.

    Memory grows with the district's students (300 bytes each for six years), never with the
    file's rows: a year of a thousand schools costs the same as a week of one.
    """

    EPOCH = np.datetime64("2020-01-01", "D")

    def __init__(self, last_day: dt.date) -> None:
        self.days = int((np.datetime64(last_day, "D") - self.EPOCH).astype(int)) + 1
        self.students: dict[str, int] = {}
        self.bits = np.zeros(0, dtype=np.uint8)
        self._index: pd.Index = pd.Index([], dtype=object)

    def _positions(self, keys: pd.DataFrame, grow: bool) -> np.ndarray:
        ids = keys["student_id"].to_numpy(dtype=object)
        if grow:
            for student in pd.unique(ids):
                self.students.setdefault(student, len(self.students))
            needed = (len(self.students) * self.days + 7) // 8
            if needed > len(self.bits):
                self.bits = np.concatenate(
                    [
                        self.bits,
                        np.zeros(max(needed, 2 * len(self.bits)) - len(self.bits), np.uint8),
                    ]
                )
        if len(self._index) != len(self.students):
            self._index = pd.Index(list(self.students), dtype=object)
        index = self._index.get_indexer(pd.Index(ids)).astype(np.int64)
        day = (keys["date"].to_numpy(dtype="datetime64[D]") - self.EPOCH).astype(np.int64)
        return np.where(index >= 0, index * self.days + day, -1)

    def seen(self, keys: pd.DataFrame) -> np.ndarray:
        position = self._positions(keys, grow=False)
        known = position >= 0
        found = np.zeros(len(position), dtype=bool)
        bits = self.bits[position[known] >> 3] >> (position[known] & 7)
        found[known] = (bits & 1).astype(bool)
        return found

    def add(self, keys: pd.DataFrame) -> None:
        position = self._positions(keys, grow=True)
        np.bitwise_or.at(self.bits, position >> 3, (1 << (position & 7)).astype(np.uint8))
