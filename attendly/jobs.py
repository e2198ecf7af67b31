"""Import jobs: queued on RQ when REDIS_URL is set, else run by a one-thread in-process runner.

The rules (Redash's): the job function takes a primitive id (`run_import_job(import_id)`),
reloads the Import row and its kept file from the database, writes the outcome there and
returns the id. Every enqueue sets `job_timeout`, `result_ttl`, `failure_ttl` and the
deterministic id `import-<id>`, so the same import is never queued twice. Transient system
errors (database down, connection lost, deadlock) raise `ImportRetry` and are retried with
exponential backoff; a rejected file or bad rows never retry. After the last attempt the
import stays failed and the admins are notified. `import_progress` is the one function
that turns queue and database state into UI state. When an import job ends (unless it is
retried) the alert rules run (attendly.alerts); the worker also evaluates them every 15
minutes (`schedule_alert_checks`); without Redis, run `attendly alerts` from system cron.

RQ forks a work horse per job: the job builds its own app (and engine) in the child, so no
database connection crosses the fork.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from attendly.errors import AttendlyError, NotFound, RetryLater
from attendly.settings import Settings

logger = logging.getLogger(__name__)

QUEUE = "attendly"
JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL = 4 * 3600, 24 * 3600, 7 * 24 * 3600
EXECUTOR = "attendly.jobs.executor"
# Failures worth another attempt: the database or the network, not the file.
TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    ConnectionError,
    TimeoutError,
    RetryLater,
)
WAITING = ("queued", "scheduled", "deferred")


class ImportRetry(AttendlyError):
    """A transient system error stopped the import; the queue tries it again later."""


def job_id(import_id: int) -> str:
    """The deterministic job id of an import."""
    return f"import-{int(import_id)}"


def transient(error: type[BaseException] | None) -> bool:
    """True for a failure class that another attempt may cure."""
    if error is None:
        return False
    return issubclass(error, TRANSIENT) or (
        issubclass(error, DBAPIError) and "deadlock" in error.__name__.lower()
    )


def enqueue_import(
    import_id: int, settings: Settings, *, again: bool = False, depends_on: Sequence[str] = ()
) -> str:
    """Queue the import's job; returns its job id.

    A job already waiting for the same import is left alone (no double enqueue); `again`
    (a resume) first drops the record of a previous, dead run. `depends_on` are job ids to
    wait for (a batch's rosters): the job runs once they ended, whatever their outcome, so a
    roster job that died never strands its school's attendance. The in-process runner runs jobs
    one at a time in submission order, which the caller keeps.
    """
    if not settings.redis_url:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        executor = app.extensions.setdefault(EXECUTOR, ThreadPoolExecutor(1, "attendly-jobs"))
        executor.submit(_run_locally, app, import_id, settings.retry_intervals)
        return job_id(import_id)
    from rq import Queue, Retry
    from rq.job import Dependency, Job

    connection = _redis(settings)
    existing = None
    if Job.exists(job_id(import_id), connection=connection):
        existing = Job.fetch(job_id(import_id), connection=connection)
    if existing is not None:
        if existing.get_status(refresh=True) in WAITING and not again:
            return existing.id
        if again:
            existing.delete()
    intervals = list(settings.retry_intervals)
    Queue(QUEUE, connection=connection).enqueue(
        run_import_job,
        import_id,
        job_id=job_id(import_id),
        job_timeout=JOB_TIMEOUT,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        depends_on=Dependency(list(depends_on), allow_failure=True) if depends_on else None,
        description=f"import {import_id}",
    )
    return job_id(import_id)


def _redis(settings: Settings) -> Any:
    from redis import Redis

    return Redis.from_url(settings.redis_url or "")


def _run_locally(app: Flask, import_id: int, intervals: tuple[int, ...]) -> None:
    """The embedded runner: the same job function, retried with the same backoff."""
    with app.app_context():
        for number in range(1, len(intervals) + 2):
            attempt = Attempt.of(number, intervals)
            try:
                run_import_job(import_id, attempt)
                return
            except ImportRetry:
                time.sleep(attempt.wait or 0)
            except Exception:  # the runner is a process boundary of its own
                logger.exception("import job %s failed", import_id)
                return


@dataclass(frozen=True)
class Attempt:
    """Which attempt of an import job this is, and how long the queue waits before the next
    one after a transient failure (None: this is the last)."""

    number: int  # from 1
    attempts: int
    wait: int | None

    @property
    def last(self) -> bool:
        return self.wait is None

    @classmethod
    def of(cls, number: int, intervals: Sequence[int]) -> Attempt:
        """Attempt `number` of a job retried after each of `intervals` (seconds)."""
        wait = intervals[number - 1] if number <= len(intervals) else None
        return cls(number, len(intervals) + 1, wait)


def run_import_job(import_id: int, attempt: Attempt | None = None) -> int:
    """The job: run (or continue) import `import_id`; returns the id. `attempt` defaults to
    what the RQ job running it says (its retries left).

    Raises ImportRetry on a transient system error while attempts remain; NotFound when
    there is no such import. Runs in the caller's app context, or builds the app (a worker).
    """
    if not has_app_context():
        from attendly import create_app

        with create_app(web=False).app_context():
            return run_import_job(import_id, attempt)
    from attendly.extensions import db

    try:
        return _run(import_id, attempt or _current_attempt())
    finally:
        db.session.remove()


def _current_attempt() -> Attempt:
    """The running RQ job's attempt; outside a job, a single last attempt. RQ counts down
    `retries_left` after a failure and waits `retry_intervals[attempts made - 1]`."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        return Attempt(1, 1, None)
    left = int(job.retries_left or 0)
    made = max(len(job.retry_intervals or []) - left, 0)  # attempts that failed before this one
    return Attempt(made + 1, made + 1 + left, job.get_retry_interval() if left else None)


def _run(import_id: int, attempt: Attempt) -> int:
    from attendly import faults
    from attendly.extensions import db
    from db.models import Import
    from ingest.keep import ImportBusy
    from ingest.recovery import ImportNotResumable, resume_import
    from ingest.result import ImportStatus

    session, settings = db.session(), current_app.config["ATTENDLY_SETTINGS"]
    record = session.get(Import, import_id)
    if record is None:
        raise NotFound(f"no import with id {import_id}")
    if record.status not in (ImportStatus.RUNNING, ImportStatus.FAILED):
        return import_id  # finished already: a duplicate delivery does nothing
    if record.phase == "queued":
        record.phase = "reading"
    if "retry" in (record.state or {}):  # the attempt announced is this one
        record.state = {k: v for k, v in (record.state or {}).items() if k != "retry"}
    session.commit()
    try:
        result = resume_import(
            session,
            import_id,
            settings=settings,
            chunk_rows=settings.import_chunk_rows,
            on_checkpoint=faults.checkpoint_hook(settings, import_id),
        )
    except (ImportBusy, ImportNotResumable) as exc:  # not ours to run: nothing to retry
        logger.warning("import job %s skipped: %s", import_id, exc)
        return import_id
    if result.status == ImportStatus.FAILED:
        _failed(session, record, result.system_error, result.errors, attempt)
    from attendly.alerts import evaluate_after_import

    evaluate_after_import(import_id)  # import failed, quality below threshold, success rate
    return import_id


def _failed(
    session: Any,
    record: Any,
    error: type[BaseException] | None,
    problems: list[Any],
    attempt: Attempt,
) -> None:
    """After a failed attempt: a transient failure with attempts left is tried again (the
    import says when, for the pages following it); otherwise the admins are told."""
    message = problems[0].message if problems else "the import failed"
    if transient(error) and not attempt.last:
        # Read by import_progress until the next attempt starts (_run clears it).
        at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=attempt.wait or 0)
        retry: dict[str, Any] = {"attempt": attempt.number + 1, "of": attempt.attempts}
        retry["at"] = at.isoformat(timespec="seconds")
        record.state = {**(record.state or {}), "retry": retry}
        session.commit()
        raise ImportRetry(f"import {record.id}: {message}; trying again")
    from attendly import notifications

    notifications.notify_admins(
        f"Import {record.id} failed", f"{message}. Resume it from the Imports page."
    )


def import_progress(session: Any, import_id: int, settings: Settings) -> dict[str, Any]:
    """{import_id, status, phase, rows_done, rows_total, queued} of one import (UI state).

    `rows_total` is the file's estimated row count while it runs, the exact count after.
    Raises NotFound.
    """
    from db.models import Import

    record = session.get(Import, import_id)
    if record is None:
        raise NotFound(f"no import with id {import_id}")
    state = record.state or {}
    running = record.status == "running"
    retry = state.get("retry") if record.status == "failed" else None  # see _failed
    going = running or bool(retry)
    done = max((record.checkpoint_row or 0) - 1, 0) if going else record.records_processed
    total = state.get("rows_estimate") if going else record.records_processed
    phase = record.phase if running else record.status
    if retry:
        at = dt.datetime.fromisoformat(retry["at"]).astimezone().strftime("%H:%M:%S")
        phase = f"failed, trying again at {at} (attempt {retry['attempt']} of {retry['of']})"
    return {
        "import_id": import_id,
        "status": record.status,
        "phase": phase or "queued",
        "rows_done": int(done or 0),
        "rows_total": None if total is None else int(total),
        "finished": not going,
    }
