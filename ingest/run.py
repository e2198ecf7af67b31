"""One streaming import: chunks -> validation -> duplicates -> stage -> checkpoint, then the merge.

Every chunk commits its staged rows, its problems and the checkpoint (the last file row
read, with the running counts) in one transaction, so a killed process resumes exactly where
the last commit left it. Nothing reaches the stored data before the merge, which runs in one
transaction: a rejected, failed or interrupted import leaves the stored data as it was.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from attendly.errors import RetryLater
from db.merge import prepare_partitions, serialize_merges
from db.models import Import
from db.staging import Batch, StageRows, render, send, staged_keys, staged_live, supersede
from db.statistics import analyze_changed, analyze_stage
from ingest.checks import ImportContext, RowProblems, resolve_duplicates
from ingest.chunks import RawChunk, iter_chunks
from ingest.headers import columns_of
from ingest.kinds import CheckedChunk, Loader, Merged, SeenKeys, Staged
from ingest.report import ErrorLog
from ingest.result import Category, ImportProblem, Severity
from ingest.rows import plain
from ingest.source import CsvSource
from ingest.values import clipped, codes_of

# Rows per chunk: each chunk is one commit (the checkpoint). The seed's 1,000 spends more on
# commits than on rows at a million rows; 50,000 rows keep a chunk near 25 MB.
CHUNK_ROWS = 50_000
# A cell this long in a column the import does not read is a broken record, not data.
MAX_CELL = 10_000
Progress = dict[str, Any]
Callback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Options:
    strict: bool = False
    chunk_rows: int = CHUNK_ROWS
    on_checkpoint: Callback | None = None


class Run:
    """The staging phase of one import of a streaming kind (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        record: Import,
        loader: Loader,
        source: CsvSource,
        ctx: ImportContext,
        options: Options,
        errors: ErrorLog,
    ) -> None:
        self.session, self.record, self.loader = session, record, loader
        self.source, self.ctx, self.options, self.errors = source, ctx, options, errors
        self.waited = 0.0  # seconds the merge queued behind other imports' merges
        state = dict(record.state or {})
        self.staged = Staged.from_state(state.pop("staged", {}))
        self.progress: Progress = {
            "processed": 0,
            "failed": 0,
            "duplicates": 0,
            "stage_rows": 0,  # rows written to the stage, every state (resume checks them)
            **state,
            "rows_estimate": source.rows_estimate,
            "today": ctx.today.isoformat(),
        }

    @property
    def import_id(self) -> int:
        return self.ctx.import_id

    def stage_all(self) -> None:
        """Read, validate and stage every chunk after the checkpoint, committing each.

        A writer thread sends chunk k to the database (COPY, problems, checkpoint, commit)
        while this thread reads and validates chunk k + 1: the database works on one core,
        Python on the other. The session is only ever used by one thread at a time.
        """
        tracker = self.loader.tracker()
        after = self.record.checkpoint_row or 1
        if after > 1:
            self._rebuild(tracker)
        dialect = self.session.get_bind().dialect.name
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer") as writer:
            pending: list[Future[None]] = []
            for chunk in iter_chunks(self.source, self.options.chunk_rows, after_row=after):
                write = self._prepare(chunk, tracker, dialect, lambda: _settle(pending))
                _settle(pending)
                # The writer runs in a copy of this context (an app context, for instance).
                pending.append(writer.submit(contextvars.copy_context().run, write))
            _settle(pending)

    def _rebuild(self, tracker: SeenKeys) -> None:
        table, key = self.loader.target.stage, self.loader.key
        for batch in staged_keys(self.session, table, self.import_id, key):
            tracker.add(_key_frame(batch, key))

    def _prepare(
        self, chunk: RawChunk, tracker: SeenKeys, dialect: str, settle: Callable[[], None]
    ) -> Callable[[], None]:
        """Validate, deduplicate and render a chunk; returns the work that commits it.

        `settle` waits for the previous chunk's commit (needed before reading the stage).
        """
        cells, oversized = self._oversized(chunk.cells)
        checked = self.loader.check(columns_of(cells, self.loader.header_map))
        self.progress["processed"] += len(chunk.cells) + chunk.unreadable_rows
        self.progress["failed"] += checked.failed + chunk.unreadable_rows + len(oversized)
        rows, keys, warnings, superseded = self._deduplicate(checked, tracker, settle)
        stage = self.loader.target.stage
        batches = [render(dialect, stage, rows)]
        if checked.failed_keys is not None:
            batches.append(render(dialect, stage, checked.failed_keys))
        tracker.add(keys[list(self.loader.key)])
        self.staged.add(keys, superseded)
        self.progress["stage_rows"] += len(rows) + len(checked.failed_keys or ())
        problems = [*chunk.problems, *oversized, *checked.problems, *warnings]
        state = {**self.progress, "staged": self.staged.to_state()}
        return partial(self._commit, batches, problems, chunk.last_row, state)

    def _commit(
        self,
        batches: list[Batch | None],
        problems: list[ImportProblem],
        last_row: int,
        state: Progress,
    ) -> None:
        """Commit one chunk: staged rows, problems, running counts and the row reached."""
        for batch in batches:
            send(self.session, batch)
        self.errors.store(self.session, problems)
        record = self.record
        record.checkpoint_row = last_row
        record.records_processed = state["processed"]
        record.records_failed = state["failed"]
        record.state = {**state, **self.errors.counts()}
        self.session.commit()
        if self.options.on_checkpoint is not None:
            self.options.on_checkpoint({"import_id": self.import_id, "rows_done": last_row - 1})

    def _oversized(self, cells: pd.DataFrame) -> tuple[pd.DataFrame, list[ImportProblem]]:
        """Rows with a huge cell in an ignored column fail (the record is surely broken)."""
        problems: list[ImportProblem] = []
        bad = np.zeros(len(cells), dtype=bool)
        for position in self.loader.header_map.unknown_positions:
            codes, distinct = codes_of(cells[position])
            huge = distinct.map(lambda value: len(str(value)) > MAX_CELL).to_numpy(dtype=bool)
            for offset in np.flatnonzero(huge[codes]):
                value = str(cells.iat[int(offset), position])
                problems.append(
                    ImportProblem(
                        rule="cell_too_large",
                        message=f"the cell holds {len(value):,} characters (more than "
                        f"{MAX_CELL:,}): the record is broken, perhaps an unclosed quote",
                        category=Category.SCHEMA,
                        row=int(cells.index[int(offset)]),
                        column=self.source.headers[position],
                        value=clipped(value),
                    )
                )
                bad[offset] = True
        return cells[~bad], problems

    def _deduplicate(
        self, checked: CheckedChunk, tracker: SeenKeys, settle: Callable[[], None]
    ) -> tuple[StageRows, pd.DataFrame, list[ImportProblem], int]:
        """One row per key: the file's later row wins, identical copies load once.

        Returns the rows to stage, their keys, the duplicate warnings and how many rows
        staged by earlier chunks these rows replace.
        """
        keys, key = checked.keys, list(self.loader.key)
        collector = RowProblems(keys.index)
        keep = np.ones(len(keys), dtype=bool)
        if keys.duplicated(key).any():
            keep = resolve_duplicates(keys, key, self.loader.content, collector).to_numpy(copy=True)
        seen = np.zeros(len(keys), dtype=bool)
        seen[keep] = tracker.seen(keys[key][keep])
        replaced = 0
        if seen.any():
            settle()
            dropped, replaced = self._against_staged(keys[seen], collector)
            keep[np.flatnonzero(seen)[dropped]] = False
        self.progress["duplicates"] += int((~keep).sum()) + replaced
        positions = np.flatnonzero(keep)
        return checked.rows.take(positions), keys.iloc[positions], collector.problems, replaced

    def _against_staged(
        self, later: pd.DataFrame, collector: RowProblems
    ) -> tuple[np.ndarray, int]:
        """Rows whose key an earlier chunk staged: an identical one is dropped (True); a
        different one replaces the staged row, which is marked superseded and reported.
        Returns the dropped mask and the number of staged rows replaced."""
        key, content = list(self.loader.key), list(self.loader.content)
        wanted = [tuple(_plain(v) for v in row) for row in later[key].itertuples(index=False)]
        stage = self.loader.target.stage
        staged = staged_live(
            self.session, stage, self.import_id, key, [*key, "row_number", *content], wanted
        )
        earlier = {tuple(_plain(row[k]) for k in key): row for row in staged}
        drop, replaced = np.zeros(len(later), dtype=bool), []
        for position, (number, values) in enumerate(later.iterrows()):
            found = earlier[wanted[position]]
            label = ", ".join(_label(v) for v in wanted[position])
            if all(_plain(found[c]) == _plain(values[c]) for c in content):
                drop[position] = True
                collector.problems.append(
                    _duplicate(int(str(number)), label, f"identical to row {found['row_number']}")
                )
            else:
                replaced.append(int(found["row_number"]))
                collector.problems.append(
                    _duplicate(
                        found["row_number"], label, f"row {number} differs and is loaded instead"
                    )
                )
        supersede(self.session, stage, self.import_id, replaced)
        return drop, len(replaced)

    def merge(self) -> Merged:
        """Merge the staged file (the caller commits: all of it lands, or none). Commits the
        staging's last writes first, and brings the planner's statistics up to date outside
        the merge lock (db.statistics). A merge confined to some schools' students runs beside
        other schools' merges (db.merge.serialize_merges)."""
        analyze_changed(self.session)
        analyze_stage(self.session, self.loader.target.stage)
        prepare_partitions(self.session, self.loader.target, self.import_id)
        self.record.phase = "merging"
        self.session.flush()
        waiting = time.perf_counter()
        schools = self.loader.merge_schools(self.session, self.staged)
        serialize_merges(self.session, schools)
        if schools is not None:
            self._still_within(schools)
        self.waited = time.perf_counter() - waiting
        return self.loader.merge(self.session, self.staged)

    def _still_within(self, schools: set[int]) -> None:
        """Look again under the lock: a roster or rollback merged while this merge queued may
        have moved or removed a student. Moved: lock the new schools too. Removed: this merge
        would create the student, which is the district's business: fail, and the job queue
        tries again (attendly.errors.RetryLater)."""
        now = self.loader.merge_schools(self.session, self.staged)
        if now is None:
            raise MergeScopeChanged(
                "a student of this file was removed while the import waited to merge; run it again"
            )
        if now - schools:
            serialize_merges(self.session, now - schools)


class MergeScopeChanged(RetryLater):
    """The students of a school-confined merge changed while it waited for its locks."""


def _settle(pending: list[Future[None]]) -> None:
    """Wait for the submitted commits (re-raising a writer's error)."""
    while pending:
        pending.pop(0).result()


def _duplicate(row: int, label: str, what: str) -> ImportProblem:
    return ImportProblem(
        rule="duplicate_row",
        message=f"duplicate key ({label}): {what}; this row is skipped",
        category=Category.DUPLICATE,
        severity=Severity.WARNING,
        row=row,
    )


def _plain(value: Any) -> Any:
    """Comparable form of a staged or parsed value (dates as dates, whole floats as ints)."""
    value = plain(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _label(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _key_frame(keys: list[tuple[Any, ...]], names: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(keys, columns=list(names))
    if "date" in frame:
        frame["date"] = pd.to_datetime(frame["date"])
    return frame
