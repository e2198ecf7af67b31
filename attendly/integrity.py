"""The integrity check behind `attendly verify` and the System health page's button.

Five checks, each against the raw rows: student-year summaries and stored day figures
(ingest.verify), the dashboard aggregates (db.aggregates.stale_aggregates), orphans (rows of
students missing from the roster) and attendance rows per import against the import records
(db.integrity). A repair refreshes the wrong summaries, deletes derived rows of missing
students and rebuilds both aggregate tables; raw rows are never changed by a repair.

The page runs the check as a job (RQ with REDIS_URL, else the in-process runner whose states
live in the app): on the 900-student demo it takes about 10 s on SQLite, longer than a web
request should wait.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session

from attendly.settings import Settings

logger = logging.getLogger(__name__)


def run_integrity_check(
    session: Session, settings: Settings, *, repair: bool = False
) -> dict[str, Any]:
    """The findings as a JSON-ready dict: ingest.verify's report (`ok`, `checked`,
    `mismatches`, the listed mismatches) extended with `aggregates` ({table: rows wrong}),
    `orphans` ({table: {rows, student_ids, derived}}), `import_count_mismatches`,
    `partitions` (PostgreSQL: [{name, academic_year, rows}]) and `seconds`; `ok` covers
    every check. With `repair`, `repaired` says what was rebuilt (committed); the findings
    are those seen before the repair."""
    from db.aggregates import refresh_all_aggregates, stale_aggregates
    from db.integrity import (
        attendance_count_mismatches,
        delete_derived_orphans,
        known_students,
        orphans,
    )
    from db.policy import load_policy
    from db.summaries import refresh_summaries
    from ingest.verify import verify

    started = time.perf_counter()
    policy = load_policy(session, settings)
    stale = {name: n for name, n in stale_aggregates(session, policy).items() if n}
    missing = orphans(session)
    compared, count_problems = attendance_count_mismatches(session)
    repaired: dict[str, Any] = {}
    if repair and any(entry["derived"] for entry in missing.values()):
        repaired["derived_orphans_deleted"] = delete_derived_orphans(session)
        session.commit()
    report = verify(session, settings)
    result = report.to_dict()
    if repair:
        # A student missing from the roster gets no summary: its raw rows wait for a person.
        refresh = known_students(session, report.mismatched_students)
        if refresh:
            refresh_summaries(session, refresh, settings, aggregates=False)
            session.commit()
        repaired["summaries_refreshed"] = len(refresh)
        if stale or repaired.get("derived_orphans_deleted") or refresh:
            refresh_all_aggregates(session, policy)
            session.commit()
            repaired["aggregates_rebuilt"] = True
    result["checked"]["attendance_imports"] = compared
    result["mismatches"].update(
        aggregates=sum(stale.values()),
        orphans=sum(entry["rows"] for entry in missing.values()),
        import_counts=len(count_problems),
    )
    result.update(aggregates=stale, orphans=missing, import_count_mismatches=count_problems)
    result["partitions"] = _partitions(session)
    result["ok"] = bool(report.ok and not stale and not missing and not count_problems)
    if repair:
        result["repaired"] = repaired
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def describe(result: dict[str, Any]) -> list[str]:
    """The findings as lines of text (the CLI's and the page's plain rendering)."""
    lines = ["checked " + ", ".join(f"{n} {name}" for name, n in result["checked"].items())]
    for name, count in result["mismatches"].items():
        if count:
            lines.append(f"{count} {name.replace('_', ' ')} wrong")
    for table, rows in result["aggregates"].items():
        lines.append(f"  {table}: {rows} rows differ from the raw rows")
    for table, entry in result["orphans"].items():
        shown = ", ".join(entry["student_ids"][:5])
        lines.append(f"  {table}: {entry['rows']} rows of missing students ({shown})")
    lines.extend(f"  {problem['problem']}" for problem in result["import_count_mismatches"])
    lines.extend(
        f"partition {entry['academic_year']}: {entry['rows']} rows ({entry['name']})"
        for entry in result.get("partitions", [])
    )
    return lines


def _partitions(session: Session) -> list[dict[str, Any]]:
    """attendance_records' academic-year partitions with their rows ([] when not partitioned)."""
    from db.partitions import attendance_partitions

    return [
        {"name": p.name, "academic_year": p.academic_year, "rows": p.rows}
        for p in attendance_partitions(session, count=True)
    ]


# --- The page's check: a job, so a large school never holds a web request -------------------

JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL = 1800, 3600, 24 * 3600
LOCAL_RESULTS = "attendly.integrity.results"  # app.extensions key: job id -> state
KEPT = 20  # in-process states kept


def start_check(settings: Settings) -> str:
    """Queue a read-only integrity check; returns its job id (RQ with REDIS_URL, else the
    in-process runner). Follow it with `check_state`."""
    job_id = f"integrity-{uuid.uuid4().hex[:12]}"
    if settings.redis_url:
        from redis import Redis
        from rq import Queue

        Queue("attendly", connection=Redis.from_url(settings.redis_url)).enqueue(
            integrity_job,
            job_id=job_id,
            job_timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description="integrity check",
        )
        return job_id
    from flask import current_app

    from attendly.jobs import EXECUTOR

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    results = app.extensions.setdefault(LOCAL_RESULTS, {})
    results[job_id] = {"status": "queued"}
    while len(results) > KEPT:  # the oldest first (dicts keep insertion order)
        results.pop(next(iter(results)))
    executor = app.extensions.setdefault(EXECUTOR, ThreadPoolExecutor(1, "attendly-jobs"))
    executor.submit(_run_locally, app, job_id)
    return job_id


def check_state(settings: Settings, job_id: str) -> dict[str, Any]:
    """{status: queued|running|finished|failed|unknown, result (when finished), error}."""
    if settings.redis_url:
        from redis import Redis
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(job_id, connection=Redis.from_url(settings.redis_url))
        except NoSuchJobError:
            return {"status": "unknown"}
        status = job.get_status(refresh=True)
        if status == JobStatus.FINISHED:
            return {"status": "finished", "result": job.return_value()}
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return {"status": "failed", "error": "the integrity check failed (see the worker log)"}
        return {"status": "running" if status == JobStatus.STARTED else "queued"}
    from flask import current_app

    state: dict[str, Any] = current_app.extensions.get(LOCAL_RESULTS, {}).get(job_id)
    return state or {"status": "unknown"}


def integrity_job() -> dict[str, Any]:
    """The job: run the read-only check in the worker; returns the findings."""
    from flask import has_app_context

    from attendly.extensions import db

    if not has_app_context():
        from attendly import create_app

        with create_app(web=False).app_context():
            return integrity_job()
    from flask import current_app

    try:
        return run_integrity_check(db.session(), current_app.config["ATTENDLY_SETTINGS"])
    finally:
        db.session.remove()


def _run_locally(app: Any, job_id: str) -> None:
    results = app.extensions[LOCAL_RESULTS]
    results[job_id] = {"status": "running"}
    with app.app_context():
        try:
            results[job_id] = {"status": "finished", "result": integrity_job()}
        except Exception:  # the runner thread is a process boundary of its own
            logger.exception("integrity check %s failed", job_id)
            results[job_id] = {"status": "failed", "error": "the integrity check failed"}
