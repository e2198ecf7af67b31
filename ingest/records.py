"""A new import's record and kept copy, before anything runs (`execute_import` runs it).

Separate from the run so that a queue can record an upload at once and run it later.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import Import
from ingest.keep import imports_folder, keep_copy
from ingest.result import ImportStatus


class KeptCopyFailed(Exception):
    """The import's own copy of the file could not be written (the record says so)."""

    def __init__(self, record: Import, error: OSError) -> None:
        super().__init__(str(error))
        self.record, self.error = record, error


def new_import(
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
    covers: tuple[dt.date, dt.date] | None = None,
    phase: str = "reading",
) -> Import:
    """Record an import of `path` and keep its copy (committed); `execute_import` runs it.

    Raises ValueError for an unknown kind, KeptCopyFailed when the copy cannot be made.
    """
    from ingest.pipeline import AUTO, KINDS

    if kind not in KINDS and kind != AUTO:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    path = Path(path)
    today = today or dt.date.today()
    record = Import(
        kind=kind,
        filename=(filename or path.name)[:500],
        status=ImportStatus.RUNNING,
        username=username,
        school_code=school_code,
        strict=strict,
        phase=phase,
        state={
            "today": today.isoformat(),
            "covers": [day.isoformat() for day in covers] if covers else None,
        },
    )
    session.add(record)
    session.commit()
    try:
        kept, record.file_sha256 = keep_copy(
            path, imports_folder(settings.instance_path), record.id
        )
        record.stored_path = str(kept)
        session.commit()
    except OSError as exc:
        raise KeptCopyFailed(record, exc) from exc
    return record
