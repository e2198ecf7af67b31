"""A district's nightly batch: one import per file, queued so that workers run schools in parallel.

A batch is a list of files (or folders of files): every school's roster and attendance
exports, perhaps codes, calendars and i-Ready results. Each file becomes its own import
(recorded, kept, queued at once), so the RQ workers take them side by side. The one order
that matters is within a school: attendance rows need their students, so a file that is not a
roster waits for the rosters it shares a school or a student with, and attendance also waits
for the batch's code tables and the calendars of its schools. Nothing else waits: the schools
run concurrently and PostgreSQL serialises only their merges (db.merge, db.aggregates).

A file whose kind cannot be told from its headers is still recorded (kind "auto"): its job
rejects it with the problem named in the import's history, as an upload would.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.orm import Session

from attendly.jobs import enqueue_import, job_id
from attendly.settings import Settings

if TYPE_CHECKING:
    from ingest.source import CsvSource

logger = logging.getLogger(__name__)

ROOTS = ("roster", "codes", "calendar")  # kinds no other file of a batch needs first
FINISHED = ("completed", "rejected", "failed", "missing")
AGAIN = ("queued", "scheduled", "deferred", "started")  # RQ: the job will run (again)
DEAD = ("failed", "stopped", "canceled")  # RQ: the job will not run again


@dataclass
class BatchFile:
    """One file of a batch: its kind, the schools and students it names, what it waits for."""

    path: Path
    kind: str  # "auto" when the headers do not tell (the import rejects it, saying why)
    schools: frozenset[str] = frozenset()
    students: frozenset[str] = frozenset()
    after: list[int] = field(default_factory=list)  # positions of the files to import first
    import_id: int | None = None


def batch_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, a folder standing for the files in it (sorted, hidden ones left out).

    Raises FileNotFoundError naming a path that does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found


def plan_batch(paths: Sequence[Path], settings: Settings) -> list[BatchFile]:
    """Every file with its kind, schools, students and the files it waits for (in order)."""
    files = [describe(path, settings) for path in paths]
    for item in files:
        item.after = [position for position, first in enumerate(files) if _waits(item, first)]
    return files


def describe(path: Path, settings: Settings) -> BatchFile:
    """One file's kind (from its headers) and the school codes and student ids it holds."""
    from ingest.detect import detect_kind
    from ingest.pipeline import KINDS
    from ingest.result import Rejection
    from ingest.source import open_source

    try:
        source = open_source(path)
        kind = detect_kind(source.headers, set(KINDS))
    except Rejection:
        return BatchFile(path, "auto")
    positions = _key_columns(kind, source.headers)
    values = _distinct_values(source, positions)
    schools = set(values.get("school_code", ()))
    if kind == "roster" and ("school_code" not in positions or "" in schools):
        schools.add(settings.default_school_code)  # a row without a school gets the default
    schools.discard("")
    students = set(values.get("student_id", ())) - {""}
    return BatchFile(path, kind, frozenset(schools), frozenset(students))


def _key_columns(kind: str, headers: list[str]) -> dict[str, int]:
    """Header positions of the kind's `school_code` and `student_id` columns, when present."""
    from ingest import aeries, attendance, calendar, codes, roster
    from ingest.detect import is_att
    from ingest.headers import header_key
    from ingest.iready import COLUMNS as IREADY

    columns = {
        "roster": roster.COLUMNS,
        "attendance": aeries.COLUMNS if is_att(headers) else attendance.COLUMNS,
        "calendar": calendar.COLUMNS,
        "codes": codes.COLUMNS,
        "iready": IREADY,
    }[kind]
    found: dict[str, int] = {}
    for spec in columns:
        if spec.name not in ("school_code", "student_id"):
            continue
        names = {header_key(alias) for alias in (spec.name, *spec.aliases)}
        for position, header in enumerate(headers):
            if header_key(header) in names and spec.name not in found:
                found[spec.name] = position
    return found


def _distinct_values(source: CsvSource, wanted: dict[str, int]) -> dict[str, set[str]]:
    """The distinct stripped values of the columns at `wanted` positions, by name (one
    C-parser pass over the file). A file the parser cannot read gives no values: its import
    reports the problem."""
    if not wanted:
        return {}
    try:
        frame = pd.read_csv(
            source.path,
            sep=source.delimiter,
            encoding=source.encoding,
            header=None,
            skiprows=1,
            usecols=sorted(set(wanted.values())),
            dtype=str,
            keep_default_na=False,
            on_bad_lines="skip",
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        logger.warning("batch: cannot read the columns of %s (%s)", source.path, exc)
        return {}
    return {name: set(frame[spot].str.strip().unique()) for name, spot in wanted.items()}


def _waits(item: BatchFile, first: BatchFile) -> bool:
    """Whether `item` must be imported after `first` (see the module docstring)."""
    if item.kind in ROOTS or item.kind == "auto" or first is item:
        return False
    shares = bool(item.schools & first.schools) or bool(item.students & first.students)
    if first.kind == "roster":
        return shares or not (item.schools or item.students)  # naming nothing: every roster
    if item.kind != "attendance":
        return False
    if first.kind == "codes":
        return True  # the code table decides what every status means
    if first.kind == "calendar":
        return not first.schools or not item.schools or bool(item.schools & first.schools)
    return False


def submit_batch(
    session: Session, paths: Sequence[Path], settings: Settings, username: str | None
) -> list[BatchFile]:
    """Record one import per file (kept copy made, committed) and queue them; returns the plan.

    A file waits for the jobs of the files in its `after` (RQ dependencies; the in-process
    runner keeps submission order, which already puts them first). Raises OSError when a
    file cannot be read, FileNotFoundError for a missing path.
    """
    from ingest.records import KeptCopyFailed, new_import

    files = plan_batch(batch_files(paths), settings)
    for item in _in_order(files):
        try:
            record = new_import(
                session, item.kind, item.path, settings=settings, username=username, phase="queued"
            )
        except KeptCopyFailed as failed:
            raise failed.error from None
        item.import_id = int(record.id)
        waits = [job_id(files[other].import_id or 0) for other in item.after]
        enqueue_import(item.import_id, settings, depends_on=waits)
    return files


def _in_order(files: list[BatchFile]) -> list[BatchFile]:
    """The files with every one after those it waits for (the waits never form a cycle:
    only roots are waited for, and roots wait for nothing)."""
    return [item for item in files if not item.after] + [item for item in files if item.after]


def batch_status(session: Session, import_ids: Sequence[int], settings: Settings) -> dict[int, str]:
    """Each import's status, read afresh: running, completed, rejected or failed, and
    "retrying" for a failed attempt whose job the queue will run again (a deadlock or a lost
    connection). With Redis, an import whose job died without recording an outcome (its work
    horse killed, no attempts left) is "failed": `attendly imports resume ID` finishes it.
    """
    from db.models import Import

    session.expire_all()
    statuses: dict[int, str] = {}
    for import_id in import_ids:
        record = session.get(Import, import_id)
        statuses[import_id] = "missing" if record is None else str(record.status)
    if settings.redis_url:
        _with_job_states(statuses, settings)
    return statuses


def _with_job_states(statuses: dict[int, str], settings: Settings) -> None:
    from redis import Redis
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = Redis.from_url(settings.redis_url or "")
    for import_id, status in statuses.items():
        if status not in ("failed", "running"):
            continue
        try:
            job = Job.fetch(job_id(import_id), connection=connection).get_status(refresh=True)
        except NoSuchJobError:
            job = None  # a running import without a job was lost with the queue's data
        if status == "failed" and job in AGAIN:
            statuses[import_id] = "retrying"
        elif status == "running" and (job is None or job in DEAD):
            statuses[import_id] = "failed"


def wait_for_batch(
    session: Session,
    import_ids: Sequence[int],
    settings: Settings,
    timeout: float,
    poll: float = 0.5,
) -> dict[int, str]:
    """Poll until every import has finished or `timeout` seconds passed; returns the statuses."""
    deadline = time.monotonic() + timeout
    statuses = batch_status(session, import_ids, settings)
    while any(status not in FINISHED for status in statuses.values()):
        if time.monotonic() >= deadline:
            break
        time.sleep(poll)
        session.rollback()  # end the read transaction: see the workers' commits
        statuses = batch_status(session, import_ids, settings)
    return statuses
