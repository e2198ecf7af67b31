"""Scheduled sync: a drop folder per source, imported in order, deduplicated by checksum.

`ATTENDLY_DROP_FOLDER` holds one folder per source (`aeries-roster/`, `aeries-attendance/`,
`iready/`). A sync imports each new file through the same pipeline as an upload, roster
before attendance (attendance rows need their students), moves every file it has handled to
`archive/<timestamp>/`, and writes one `sync` audit entry with the summary; each file's import
is in the history as usual. A file whose SHA-256 matches an import that completed (or is
running) is archived as a duplicate without importing it again.

With Redis the worker keeps the next runs on RQ's scheduler: Aeries nightly at
`ATTENDLY_SYNC_AERIES_TIME`, i-Ready weekly (`ATTENDLY_SYNC_IREADY_DAY`, Monday = 0) at the
same time; each run schedules its successor under a deterministic job id.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select

from attendly.settings import Settings

logger = logging.getLogger(__name__)

# (folder, import kind), in import order; the groups are what the schedule runs together.
SOURCES = {
    "aeries": (("aeries-roster", "roster"), ("aeries-attendance", "attendance")),
    "iready": (("iready", "iready"),),
}
ARCHIVE = "archive"
SYNC_USER = "sync"
JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL = 4 * 3600, 7 * 24 * 3600, 30 * 24 * 3600


def sync_drop_folder(groups: tuple[str, ...] = ("aeries", "iready")) -> dict[str, Any]:
    """Import every new file of `groups` (in order), archive them; returns the summary.

    Summary: {"imported": [{file, kind, import_id, status}], "duplicates": [file], "archive"}.
    Raises ValueError when no drop folder is configured.
    """
    from attendly.extensions import db
    from ingest import run_import

    settings: Settings = current_app.config["ATTENDLY_SETTINGS"]
    if settings.drop_folder is None:
        raise ValueError("ATTENDLY_DROP_FOLDER is not set")
    root = Path(settings.drop_folder)
    archive = root / ARCHIVE / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    summary: dict[str, Any] = {"imported": [], "duplicates": [], "archive": str(archive)}
    session = db.session()
    for group in groups:
        for folder, kind in SOURCES[group]:
            for path in _new_files(root / folder):
                if _already_imported(session, path):
                    summary["duplicates"].append(f"{folder}/{path.name}")
                else:
                    result = run_import(session, kind, path, settings=settings, username=SYNC_USER)
                    summary["imported"].append(_entry(folder, path, kind, result))
                _archive(path, archive / folder)
    if summary["imported"] or summary["duplicates"]:
        _record(summary)
    return summary


def _new_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def _already_imported(session: Any, path: Path) -> bool:
    from db.models import Import
    from ingest.keep import sha256_of

    query = select(Import.id).where(
        Import.file_sha256 == sha256_of(path), Import.status.in_(("completed", "running"))
    )
    return session.scalar(query.limit(1)) is not None


def _entry(folder: str, path: Path, kind: str, result: Any) -> dict[str, Any]:
    return {
        "file": f"{folder}/{path.name}",
        "kind": kind,
        "import_id": result.import_id,
        "status": str(result.status),
    }


def _archive(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), folder / path.name)


def _record(summary: dict[str, Any]) -> None:
    """One `sync` audit entry; admins are told about files that did not complete."""
    from attendly import audit as audit_log
    from attendly import notifications

    audit_log.record("sync", entity="drop_folder", details=summary, username=SYNC_USER)
    bad = [item for item in summary["imported"] if item["status"] != "completed"]
    if bad:
        files = ", ".join(f"{item['file']} ({item['status']})" for item in bad)
        notifications.notify_admins("Scheduled sync: files not imported", files)


def next_run(now: dt.datetime, at: str, weekday: int | None = None) -> dt.datetime:
    """The first moment after `now` at local time `at` ("HH:MM"), on `weekday` if given."""
    hour, minute = (int(part) for part in at.split(":"))
    candidate = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while candidate <= now or (weekday is not None and candidate.weekday() != weekday):
        candidate += dt.timedelta(days=1)
    return candidate


def schedule_syncs(settings: Settings, now: dt.datetime | None = None) -> list[str]:
    """Put the next run of each group on RQ's scheduler (idempotent); returns the job ids."""
    if settings.drop_folder is None or not settings.redis_url:
        return []
    from redis import Redis
    from rq import Queue

    queue = Queue("attendly", connection=Redis.from_url(settings.redis_url))
    now = now or dt.datetime.now().astimezone()
    scheduled = []
    for group, weekday in (("aeries", None), ("iready", settings.sync_iready_weekday)):
        when = next_run(now, settings.sync_aeries_time, weekday)
        job_id = f"sync-{group}-{when:%Y%m%dT%H%M}"
        if not queue.fetch_job(job_id):
            queue.enqueue_at(
                when,
                sync_job,
                group,
                job_id=job_id,
                job_timeout=JOB_TIMEOUT,
                result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL,
            )
        scheduled.append(job_id)
    return scheduled


def sync_job(group: str) -> dict[str, Any]:
    """The scheduled job: sync one group, then schedule the next runs; returns the summary."""
    if not has_app_context():
        from attendly import create_app

        with create_app(web=False).app_context():
            return sync_job(group)
    try:
        return sync_drop_folder((group,))
    finally:
        schedule_syncs(current_app.config["ATTENDLY_SETTINGS"])
