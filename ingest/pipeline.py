"""The import pipeline: read -> validate -> stage -> merge, with the import's bookkeeping around it.

Every kind follows one shape (ingest.run): the file is kept in the instance folder, read in
chunks, validated layer by layer (file, headers, types, business rules, duplicates; the
cross-reference of the whole file at merge time), staged with a committed checkpoint per
chunk, then merged into the stored data in one transaction; summaries are refreshed, the
outcome, its report and an audit entry are stored, and a "data changed" event is published.
Kinds that validate a whole file at once (`Kind`, e.g. i-Ready) share the bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from attendly.errors import AttendlyError
from attendly.events import data_changed
from attendly.logs import logged_import
from attendly.services import publish
from attendly.settings import Settings
from db.models import Import
from db.stage_attendance import overwritten_schools, school_ids, touched_schools
from db.staging import clear_stage, vacuum_stages
from db.statistics import analyze_changed
from db.summaries import refresh_summaries
from ingest import calendar, codes, detect, iready, roster
from ingest.checks import ImportContext
from ingest.keep import discard, exclusive
from ingest.kinds import Merged, Opener
from ingest.records import KeptCopyFailed, new_import
from ingest.report import ErrorLog, complete, record_failure, record_outcome, reject
from ingest.result import ImportResult, ImportStatus, Rejection
from ingest.run import CHUNK_ROWS, Callback, Options, Run
from ingest.source import open_source
from ingest.whole import Kind, no_data, process_whole, strict_problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamKind:
    """A kind read in chunks and merged set-based (see ingest.kinds.Loader)."""

    open: Opener
    refreshes_summaries: bool = True  # whether its changes alter the attendance summaries


KINDS: dict[str, Kind | StreamKind] = {
    "roster": StreamKind(roster.open_roster),
    "attendance": StreamKind(detect.open_attendance),
    "codes": StreamKind(codes.open_codes, refreshes_summaries=False),
    "calendar": StreamKind(calendar.open_calendar, refreshes_summaries=False),
    "iready": Kind(iready.COLUMNS, iready.check, iready.load, refreshes_summaries=False),
}
# The event kind each import publishes (the websocket contract names a roster change "import").
EVENT_KINDS = {
    "roster": "import",
    "attendance": "attendance",
    "codes": "import",
    "calendar": "import",
    "iready": "iready",
}
# Run after a completed import of a kind, on the committed data (a hook handles its own errors).
AFTER_IMPORT: dict[str, Callable[[Session, ImportContext], None]] = {
    "roster": iready.after_roster_import,
}
AUTO = "auto"


@dataclass(frozen=True)
class Changes:
    """What an import changed, for the event."""

    kind: str
    school_code: str | None
    grades: set[int]
    students: set[str]
    wrote: bool


def run_import(
    session: Session,
    kind: str,
    path: Path | str,
    *,
    settings: Settings,
    username: str | None = None,
    strict: bool = False,
    school_code: str | None = None,
    today: dt.date | None = None,
    filename: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    on_checkpoint: Callback | None = None,
    covers: tuple[dt.date, dt.date] | None = None,
) -> ImportResult:
    """Import one file of `kind` (a key of KINDS, or "auto" to detect it from the headers).

    Row errors leave the other rows to load (status "completed"); with `strict`, any row error
    rejects the file. A rejected file ("rejected") writes no data; a system error ("failed")
    writes none either and can be resumed (`resume_import`). Either way the import, its
    problems and an audit entry are stored and committed. `filename` is the name to record
    (default: the path's name); `on_checkpoint` is called (from the writer thread) after
    each committed chunk with {import_id, rows_done}; `covers` is the date range a
    by-exception export covers (default: its first to last date). Raises ValueError for an
    unknown kind; every other failure is reported in the result.
    """
    try:
        record = new_import(
            session,
            kind,
            path,
            settings=settings,
            username=username,
            strict=strict,
            school_code=school_code,
            today=today,
            filename=filename,
            covers=covers,
        )
    except KeptCopyFailed as failed:
        result = ImportResult(failed.record.id, ImportStatus.RUNNING)
        return record_failure(session, failed.record, result, failed.error, time.perf_counter())
    return execute_import(session, record, settings, Options(strict, chunk_rows, on_checkpoint))


@logged_import  # log records carry the import id; the outcome is logged
def execute_import(
    session: Session, record: Import, settings: Settings, options: Options, resuming: bool = False
) -> ImportResult:
    """Run (or, `resuming`, continue) the import of `record`; the process boundary of an
    import. Raises ImportBusy (another live process runs it); reports everything else."""
    started = time.perf_counter()
    result = ImportResult(import_id=record.id, status=ImportStatus.RUNNING)
    ctx = _context(record, settings)
    state = record.state or {}
    errors = ErrorLog.resume(session, record.id, state) if resuming else ErrorLog(record.id)
    changes = None
    try:
        with exclusive(Path(record.stored_path or "")):
            changes = _guarded(session, record, ctx, options, result, errors, started)
    except AttendlyError:
        raise
    except Exception as exc:  # the process boundary: anything unexpected fails the import
        logger.exception("import %s failed", result.import_id)
        session.rollback()
        return record_failure(session, record, result, exc, started)
    if changes is not None and result.success:
        _announce(changes)
        if record.kind in AFTER_IMPORT:
            AFTER_IMPORT[record.kind](session, ctx)
    _housekeeping(session)
    return result


def _context(record: Import, settings: Settings) -> ImportContext:
    """The import's context, as recorded when it started (a resume sees the same day)."""
    state = record.state or {}
    today = dt.date.fromisoformat(state.get("today", dt.date.today().isoformat()))
    covers = state.get("covers")
    return ImportContext(
        settings,
        record.id,
        today,
        record.school_code,
        record.filename,
        (dt.date.fromisoformat(covers[0]), dt.date.fromisoformat(covers[1])) if covers else None,
    )


def _guarded(
    session: Session,
    record: Import,
    ctx: ImportContext,
    options: Options,
    result: ImportResult,
    errors: ErrorLog,
    started: float,
) -> Changes | None:
    """Process the file; a rejection anywhere leaves the stored data untouched."""
    try:
        changes = _process(session, record, ctx, options, result, errors)
    except Rejection as rejection:
        session.rollback()
        result.records_processed = result.records_processed or record.records_processed or 0
        clear_stage(session, record.id)
        reject(result, rejection.problems, errors, session)
        changes = None
    record_outcome(session, result, started, problem_counts=errors.counts())
    session.commit()
    discard(record.stored_path)
    return changes


def _process(
    session: Session,
    record: Import,
    ctx: ImportContext,
    options: Options,
    result: ImportResult,
    errors: ErrorLog,
) -> Changes:
    path = Path(record.stored_path or "")
    if record.kind == AUTO:
        record.kind = detect.detect_kind(open_source(path).headers, set(KINDS))
    kind = KINDS[record.kind]
    if isinstance(kind, Kind):
        loaded = process_whole(session, kind, path, ctx, options.strict, result, errors)
        _refresh(session, kind.refreshes_summaries, loaded.changed_students, None, ctx)
        complete(session, result, errors, result.records_processed)
        event = EVENT_KINDS.get(record.kind, "import")
        changed = loaded.inserted + loaded.updated > 0
        return Changes(event, loaded.school_code, loaded.grades, loaded.changed_students, changed)
    return _process_stream(session, record, kind, ctx, options, result, errors)


def _process_stream(
    session: Session,
    record: Import,
    kind: StreamKind,
    ctx: ImportContext,
    options: Options,
    result: ImportResult,
    errors: ErrorLog,
) -> Changes:
    """Stage the file chunk by chunk, then merge it in one transaction."""
    source = open_source(Path(record.stored_path or ""))
    loader = kind.open(session, source.headers, ctx)
    result.unknown_columns = loader.header_map.unknown
    run = Run(session, record, loader, source, ctx, options, errors)
    began = time.perf_counter()
    run.stage_all()
    staged = time.perf_counter()
    processed, failed = run.progress["processed"], run.progress["failed"]
    result.records_processed = processed
    if processed == 0:
        raise Rejection([no_data()])
    if options.strict and failed:
        raise Rejection([strict_problem(failed)])
    schools = set(school_ids(session).values())
    merged = run.merge()
    created = sorted(set(school_ids(session).values()) - schools)
    record.state = {**(record.state or {}), "schools_created": created}  # for a rollback
    merged_at = time.perf_counter()
    _refresh(session, kind.refreshes_summaries, merged.changed_students, merged.schools, ctx)
    logger.info(
        "import %s: staged in %.1f s, merged in %.1f s (after %.1f s queued), refreshed in %.1f s",
        record.id, staged - began, merged_at - staged - run.waited, run.waited,
        time.perf_counter() - merged_at,
    )  # fmt: skip
    clear_stage(session, record.id)
    errors.add(merged.problems)
    _merged_result(result, merged, processed, failed, run.progress["duplicates"])
    complete(session, result, errors, processed)
    wrote = merged.inserted + merged.updated > 0 or bool(merged.changed_students)
    return Changes(loader.event, merged.school_code, merged.grades, merged.changed_students, wrote)


def _merged_result(
    result: ImportResult, merged: Merged, processed: int, failed: int, duplicates: int
) -> None:
    """Counts (formats.md §5) and summary figures of a merged import."""
    result.records_processed = processed + merged.generated
    result.records_failed = failed + merged.failed
    result.records_inserted, result.records_updated = merged.inserted, merged.updated
    result.records_skipped = merged.live - merged.inserted - merged.updated + duplicates
    result.students_created = merged.students_created
    result.students_touched = merged.students_touched
    result.date_range = merged.date_range
    result.extra = merged.summary


def _refresh(
    session: Session,
    refreshes: bool,
    students: set[str],
    written: frozenset[int] | None,
    ctx: ImportContext,
) -> None:
    """The changed students' summaries, and the day totals of the schools their rows are in:
    the schools of the rows the merge wrote (`written`; None when it does not know them) and
    of the rows it overwrote."""
    if not (refreshes and students):
        return
    if written is None:
        schools = touched_schools(session, ctx.import_id, sorted(students))
    else:
        schools = set(written) | overwritten_schools(session, ctx.import_id)
    refresh_summaries(session, students, ctx.settings, schools=schools)


def _housekeeping(session: Session) -> None:
    """Vacuum the stage tables when deleted rows pile up (db.staging.vacuum_stages), and
    analyze the tables imports changed by more than a tenth (db.statistics), so that the next
    import and the dashboards plan on what is stored now. The import is committed: a failure
    here only logs."""
    try:
        vacuumed = vacuum_stages(session)
        analyzed = analyze_changed(session)
    except Exception:  # housekeeping after the import's outcome is stored
        logger.exception("could not vacuum or analyze after the import")
        session.rollback()
        return
    if vacuumed:
        logger.info("vacuumed %s", ", ".join(vacuumed))
    if analyzed:
        logger.info("analyzed %s", ", ".join(analyzed))


def _announce(changes: Changes) -> None:
    """Tell open dashboards what changed. The data is committed: a bus outage only logs."""
    if not changes.wrote:
        return
    event = data_changed(changes.kind, changes.school_code, changes.grades, changes.students)
    try:
        publish(event)
    except Exception:  # the event bus is an outside service; the import itself succeeded
        logger.exception("could not publish the changes of an import")


__all__ = ["AUTO", "KINDS", "execute_import", "new_import", "run_import"]
