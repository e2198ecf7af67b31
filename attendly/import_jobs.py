"""From a stored upload to a queued import job, and the import actions admins take.

Shared by the upload route, the Imports page and the drop-folder sync: the upload becomes
an Import row (phase "queued") with its kept copy, then `attendly.jobs` runs it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import current_app

from attendly.extensions import db
from attendly.jobs import enqueue_import
from attendly.uploads import StoredUpload

logger = logging.getLogger(__name__)


def queue_import(path: Path, kind: str, username: str | None, filename: str | None = None) -> int:
    """Record an import of `path` (kept copy made, committed) and queue it; returns its id.

    Raises ValueError for an unknown kind, OSError when the file cannot be read.
    """
    from ingest.records import KeptCopyFailed, new_import

    settings = current_app.config["ATTENDLY_SETTINGS"]
    try:
        record = new_import(
            db.session(),
            kind,
            path,
            settings=settings,
            username=username,
            filename=filename,
            phase="queued",
        )
    except KeptCopyFailed as failed:
        raise failed.error from None
    enqueue_import(record.id, settings)
    return int(record.id)


def queue_upload(stored: StoredUpload, kind: str, username: str | None) -> int:
    """Queue an upload streamed to disk (the import works on its own kept copy)."""
    return queue_import(stored.path, kind, username, stored.original_name)


def resume(import_id: int) -> None:
    """Queue the continuation of an interrupted or failed import (checks happen in the job)."""
    settings = current_app.config["ATTENDLY_SETTINGS"]
    enqueue_import(import_id, settings, again=True)


def rollback(import_id: int, username: str | None) -> dict[str, Any]:
    """Roll an import back now (exact; see ingest.recovery). Raises RollbackRefused, NotFound."""
    from ingest.recovery import rollback_import

    settings = current_app.config["ATTENDLY_SETTINGS"]
    return rollback_import(db.session(), import_id, settings=settings, username=username).to_dict()


def history(limit: int = 200) -> list[dict[str, Any]]:
    """Import history, newest first: db.imports.HISTORY_COLUMNS plus `duration_s`, `rows_per_s`."""
    from db.imports import import_history

    rows = import_history(db.session(), limit)
    for row in rows:
        started, ended = row["started_at"], row["finished_at"]
        seconds = (ended - started).total_seconds() if started and ended else None
        row["duration_s"] = None if seconds is None else round(seconds, 1)
        rate = row["records_processed"] / seconds if seconds else None
        row["rows_per_s"] = None if rate is None else round(rate)
    return rows


def progress_of(import_ids: list[int]) -> list[dict[str, Any]]:
    """UI state of each import (attendly.jobs.import_progress plus the finished counts)."""
    from attendly.errors import NotFound
    from attendly.jobs import import_progress
    from db.imports import import_detail

    settings = current_app.config["ATTENDLY_SETTINGS"]
    out = []
    for import_id in import_ids:
        try:
            item = import_progress(db.session(), import_id, settings)
            detail = import_detail(db.session(), import_id)
        except NotFound:
            continue
        out.append({**detail, **item})
    return out
