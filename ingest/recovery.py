"""Recovery: resuming an interrupted import, rolling one back (db.rollback keeps it exact)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from attendly.errors import AttendlyError, NotFound
from attendly.events import data_changed
from attendly.services import publish
from attendly.settings import Settings
from db.correction_rollback import pending_corrections, reapply_corrections
from db.import_tables import STAGE_TABLES
from db.imports import forget_problems
from db.loaders import student_grades
from db.merge import serialize_merges
from db.models import Import, utcnow
from db.rollback import dependent_data, drop_schools, existing, later_overwriters, undo
from db.staging import clear_stage, staged_count
from db.summaries import refresh_summaries
from ingest.keep import discard, exclusive, sha256_of
from ingest.pipeline import execute_import
from ingest.report import audit
from ingest.result import Category, ImportResult, ImportStatus
from ingest.run import CHUNK_ROWS, Callback, Options

logger = logging.getLogger(__name__)
ROLLBACK_KINDS = ("roster", "attendance", "codes", "calendar")
EVENTS = {"attendance": "attendance"}  # every other kind's change is an "import" event


class ImportNotResumable(AttendlyError):
    """The import cannot be resumed (finished, or its kept file is gone or altered)."""


class RollbackRefused(AttendlyError):
    """The import cannot be rolled back (yet): the message says why and what to do."""


@dataclass
class RollbackResult:
    import_id: int
    restored: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    students: list[str] = field(default_factory=list)
    # Corrections of the days it had written: {"reapplied"|"unchanged"|"voided": [ids]}
    # (db.correction_rollback).
    corrections: dict[str, list[int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "status": str(ImportStatus.ROLLED_BACK),
            "restored": self.restored,
            "deleted": self.deleted,
            "students": self.students,
            "corrections": self.corrections,
        }


def resume_import(
    session: Session,
    import_id: int,
    *,
    settings: Settings,
    chunk_rows: int = CHUNK_ROWS,
    on_checkpoint: Callback | None = None,
) -> ImportResult:
    """Continue an interrupted import (killed, or failed on a system error) from its checkpoint.

    Ends in exactly the state a clean import of the file gives. Raises NotFound,
    ImportNotResumable, or ImportBusy when the import is still running in another process.
    """
    record = session.get(Import, import_id)
    if record is None:
        raise NotFound(f"no import with id {import_id}")
    if record.status not in (ImportStatus.RUNNING, ImportStatus.FAILED):
        raise ImportNotResumable(f"import {import_id} is {record.status}: nothing to resume")
    kept = Path(record.stored_path or "")
    if not record.stored_path or not kept.is_file() or sha256_of(kept) != record.file_sha256:
        raise ImportNotResumable(
            f"the kept copy of import {import_id}'s file is missing or altered"
        )
    record.status = ImportStatus.RUNNING
    forget_problems(session, import_id, category=Category.SYSTEM)  # the failure it recovers from
    _restart_if_stage_lost(session, record)
    session.commit()
    options = Options(record.strict, chunk_rows, on_checkpoint)
    return execute_import(session, record, settings, options, resuming=True)


def _restart_if_stage_lost(session: Session, record: Import) -> None:
    """Start over when the staged rows are not all there: PostgreSQL empties UNLOGGED tables
    after a crash of the server itself (a killed import process leaves them intact)."""
    state = record.state or {}
    staged = sum(staged_count(session, table, record.id) for table in STAGE_TABLES)
    if staged == state.get("stage_rows", 0):
        return
    logger.warning("import %s: staged rows lost, reading the file again", record.id)
    clear_stage(session, record.id)
    forget_problems(session, record.id)
    record.checkpoint_row = 0
    record.records_processed = record.records_failed = 0
    record.state = {key: state[key] for key in ("today", "covers") if key in state}


def rollback_import(
    session: Session, import_id: int, *, settings: Settings, username: str | None = None
) -> RollbackResult:
    """Restore exactly what was stored before import `import_id`, and mark it rolled back.

    An import that never merged (failed or interrupted) is abandoned: its staged rows and
    kept file are dropped. Raises NotFound, or RollbackRefused naming the later imports to
    roll back first. Commits; refreshes the summaries; publishes a "data changed" event.
    """
    record = session.get(Import, import_id)
    if record is None:
        raise NotFound(f"no import with id {import_id}")
    # Held to the commit: no merge writes rows of the students or schools this rollback
    # checks and then deletes (PostgreSQL's attendance rows have no foreign key to stop it).
    try:
        serialize_merges(session)
        _refuse_unless_possible(session, record)
        with exclusive(Path(record.stored_path or "")):  # not while a live process runs it
            return _roll_back(session, record, settings, username)
    except BaseException:
        session.rollback()  # ends the wait of the merges queued behind this rollback
        raise


def _roll_back(
    session: Session, record: Import, settings: Settings, username: str | None
) -> RollbackResult:
    import_id = record.id
    merged = record.status == ImportStatus.COMPLETED
    clear_stage(session, import_id)
    result = RollbackResult(import_id)
    if merged:
        corrected = pending_corrections(session, import_id)
        undone = undo(session, import_id)
        result.corrections = reapply_corrections(session, corrected, import_id)
        schools = (record.state or {}).get("schools_created", [])
        undone.deleted["schools"] = drop_schools(session, schools)
        result.restored, result.deleted = undone.restored, undone.deleted
        result.students = sorted(existing(session, undone.students))
        if undone.students:
            # Deleted students too: their weekly sums and day totals go with their rows.
            refresh_summaries(session, undone.students, settings)
    record.status = ImportStatus.ROLLED_BACK
    record.rolled_back_at = utcnow()
    record.message = f"rolled back by {username or 'an unknown user'}"
    details = {"kind": record.kind, "file": record.filename, **result.to_dict()}
    audit(session, record, "rollback", {**details, "by": username})
    session.commit()
    discard(record.stored_path)
    if merged:
        _announce(session, record.kind, result)
    return result


def _refuse_unless_possible(session: Session, record: Import) -> None:
    if record.status == ImportStatus.ROLLED_BACK:
        raise RollbackRefused(f"import {record.id} is already rolled back")
    if record.status == ImportStatus.REJECTED:
        raise RollbackRefused(f"import {record.id} was rejected: it wrote nothing to undo")
    if record.kind not in ROLLBACK_KINDS:
        raise RollbackRefused(f"{record.kind} imports cannot be rolled back")
    later = later_overwriters(session, record.id)
    if later:
        names = ", ".join(str(i) for i in later)
        raise RollbackRefused(
            f"import {record.id} cannot be rolled back: later import(s) {names} changed rows it "
            "wrote; roll those back first (newest first)"
        )
    blocking = dependent_data(session, record.id)
    if blocking:
        raise RollbackRefused(
            f"import {record.id} cannot be rolled back: students it created have data from "
            f"later imports ({', '.join(blocking)}); roll those imports back first"
        )


def _announce(session: Session, kind: str, result: RollbackResult) -> None:
    """Tell dashboards; a bus outage only logs (the rollback is committed)."""
    event = data_changed(
        EVENTS.get(kind, "import"), None, student_grades(session, result.students), result.students
    )
    try:
        publish(event)
    except Exception:  # the event bus is an outside service
        logger.exception("could not publish the rollback of import %s", result.import_id)
