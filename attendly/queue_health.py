"""Queue state for the System health page and the worker-down alert: workers and their
heartbeats, queue depths, failed jobs and their retry.

A worker is "up" when it is registered in Redis and its last heartbeat is younger than
`ATTENDLY_WORKER_HEARTBEAT_SECONDS` (480 by default: an idle RQ worker beats every
405 s, its worker TTL of 420 s less 15, so a healthy one is never older than that). A worker
stopped cleanly unregisters at once; a killed one stays registered with an ageing heartbeat
until Redis expires its key.

Failed jobs are failed imports (status `failed`, from the database: the import job itself
returns normally after its last attempt, so these never reach RQ's registry) plus whatever
RQ's failed-job registries hold. Retrying an import re-queues it through the same path as
"Resume" (attendly.import_jobs.resume); any other job is re-queued from RQ's registry.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from attendly.settings import Settings

QUEUES = ("attendly", "reports")  # what `attendly worker` listens on
IMPORT_JOB = re.compile(r"^import-(\d+)$")


def _redis(settings: Settings) -> Any:
    from redis import Redis

    return Redis.from_url(settings.redis_url or "", socket_connect_timeout=2, socket_timeout=5)


def worker_states(
    settings: Settings, now: dt.datetime, queue: str | None = None
) -> list[dict[str, Any]]:
    """Registered RQ workers (of `queue`, or all): dicts {name, state, last_heartbeat, age_s,
    up}. [] without REDIS_URL. Raises redis.RedisError when Redis cannot be reached."""
    if not settings.redis_url:
        return []
    from rq import Queue, Worker

    connection = _redis(settings)
    listening = None if queue is None else Queue(queue, connection=connection)
    out = []
    for worker in Worker.all(connection=connection, queue=listening):
        beat = worker.last_heartbeat
        age = None if beat is None else heartbeat_age(beat, now)
        out.append(
            {
                "name": worker.name,
                "state": getattr(worker.get_state(), "value", str(worker.get_state())),
                "last_heartbeat": beat,
                "age_s": None if age is None else round(age, 1),
                "up": age is not None and age <= settings.worker_heartbeat_seconds,
            }
        )
    return sorted(out, key=lambda w: w["name"])


def heartbeat_age(beat: dt.datetime, now: dt.datetime) -> float:
    """Seconds since `beat` (RQ may hand back a naive UTC time), never negative."""
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=dt.UTC)
    return max((now - beat).total_seconds(), 0.0)


def queue_depths(settings: Settings) -> dict[str, int]:
    """Jobs waiting per queue ({} without REDIS_URL). Raises redis.RedisError."""
    if not settings.redis_url:
        return {}
    from rq import Queue

    connection = _redis(settings)
    return {name: Queue(name, connection=connection).count for name in QUEUES}


def failed_jobs(session: Any, settings: Settings, limit: int = 50) -> list[dict[str, Any]]:
    """Failed jobs, newest first: dicts {job_id, what, failed_at, error}. Raises
    redis.RedisError when REDIS_URL is set and Redis cannot be reached."""
    from sqlalchemy import select

    from db.models import Import

    imports = session.scalars(
        select(Import).where(Import.status == "failed").order_by(Import.id.desc()).limit(limit)
    )
    found = {
        f"import-{row.id}": {
            "job_id": f"import-{row.id}",
            "what": f"import {row.id} ({row.kind}, {row.filename})",
            "failed_at": row.finished_at,
            "error": row.message or "",
        }
        for row in imports
    }
    for job in _rq_failed(settings, limit):
        found.setdefault(job["job_id"], job)
    rows = sorted(found.values(), key=lambda j: str(j["failed_at"] or ""), reverse=True)
    return rows[:limit]


def _rq_failed(settings: Settings, limit: int) -> list[dict[str, Any]]:
    if not settings.redis_url:
        return []
    from rq import Queue
    from rq.job import Job

    connection, out = _redis(settings), []
    for name in QUEUES:
        job_ids = Queue(name, connection=connection).failed_job_registry.get_job_ids(0, limit - 1)
        for job in Job.fetch_many(job_ids, connection=connection):
            if job is None:  # expired between the two reads
                continue
            result = job.latest_result()
            error = (result.exc_string or "") if result is not None else ""
            out.append(
                {
                    "job_id": job.id,
                    "what": job.description or job.func_name,
                    "failed_at": job.ended_at,
                    "error": error.strip().splitlines()[-1] if error.strip() else "",
                }
            )
    return out


def retry_job(job_id: str, settings: Settings) -> str:
    """Queue a failed job again; returns what was done, in words. Raises NotFound."""
    from attendly.errors import NotFound

    match = IMPORT_JOB.match(job_id)
    if match:
        from attendly import import_jobs

        import_jobs.resume(int(match.group(1)))
        return f"import {match.group(1)} queued again"
    if settings.redis_url:
        from rq import Queue

        for name in QUEUES:
            registry = Queue(name, connection=_redis(settings)).failed_job_registry
            if job_id in registry.get_job_ids():
                registry.requeue(job_id)
                return f"job {job_id} queued again"
    raise NotFound(f"no failed job {job_id}")
