"""Import jobs on the real RQ worker process (`attendly worker`) and the real Redis.

Upload -> job -> progress -> result; a SIGKILLed worker's import resumed to the state of a
clean import; an injected database disconnect retried with backoff; a rejected file never
retried. Faults are injected through `attendly.faults` (honoured with ATTENDLY_ENV=test).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.security.helpers import signed_in
from tests.services import REDIS_URL, redis_client
from tests.web import school
from tests.web.conftest import csrf_header

ATTENDLY = str(Path(sys.executable).parent / "attendly")


@pytest.fixture
def on_redis(web_app: Flask) -> Iterator[Flask]:
    """The app with REDIS_URL set (jobs go to RQ) and a short retry backoff."""
    redis_client()
    settings = web_app.config["ATTENDLY_SETTINGS"]
    web_app.config["ATTENDLY_SETTINGS"] = settings.model_copy(
        update={"redis_url": REDIS_URL, "retry_intervals": (1, 2)}
    )
    try:
        yield web_app
    finally:
        web_app.config["ATTENDLY_SETTINGS"] = settings


def worker_env(app: Flask, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ATTENDLY_INSTANCE": app.instance_path,
        "REDIS_URL": REDIS_URL,
        "ATTENDLY_ENV": "test",
        **extra,
    }


@contextlib.contextmanager
def background_worker(app: Flask, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`attendly worker` (with its scheduler) running until the block ends."""
    process = subprocess.Popen(
        [ATTENDLY, "worker"], env=worker_env(app, **extra), start_new_session=True
    )
    try:
        yield process
    finally:
        kill_worker(process, signal.SIGTERM)


def kill_worker(process: subprocess.Popen[bytes], sig: int) -> None:
    """Signal the worker and the work horses it forked (children by parent pid)."""
    for child in _children(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, sig)
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    process.wait(timeout=30)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def upload(client: FlaskClient, content: bytes, name: str, kind: str = "") -> int:
    data: dict[str, Any] = {"file": (io.BytesIO(content), name)}
    if kind:
        data["kind"] = kind
    response = client.post("/api/v1/imports", data=data, headers=csrf_header(client))
    assert response.status_code == 202, response.get_data(as_text=True)
    return int(response.get_json()["import_id"])


def wait_for(client: FlaskClient, import_id: int, until: Any, timeout: float = 90) -> list[dict]:
    """Poll GET /api/v1/imports/<id> until `until(detail)`; returns every detail seen."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(client.get(f"/api/v1/imports/{import_id}").get_json())
        if until(seen[-1]):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"import {import_id} did not get there: {seen[-1]}")


def finished(detail: dict) -> bool:
    return detail["status"] != "running"


def attendance_bytes(folder: Path, changed: int = 0) -> bytes:
    """The school's attendance file; the first `changed` rows marked absent all day."""
    out = io.StringIO()
    rows = list(csv.reader(school.write_attendance(folder / "attendance.csv").open()))
    writer = csv.writer(out, lineterminator="\n")
    for number, row in enumerate(rows):
        if 0 < number <= changed:
            row = [*row[:3], *["U" if cell else "" for cell in row[3:]]]
        writer.writerow(row)
    return out.getvalue().encode()


def attendance_snapshot(app: Flask) -> list[tuple[Any, ...]]:
    from sqlalchemy import select

    from attendly.extensions import db
    from db.models import AttendanceRecord as A

    with app.app_context():
        query = select(A.student_id, A.date, A.period_1, A.period_7, A.present, A.scheduled)
        return sorted(db.session.execute(query).all())


def rollback(app: Flask, import_id: int) -> None:
    from attendly.extensions import db
    from ingest.recovery import rollback_import

    with app.app_context():
        rollback_import(
            db.session(), import_id, settings=app.config["ATTENDLY_SETTINGS"], username="test"
        )


def test_upload_job_progress_result_on_the_worker(on_redis: Flask, tmp_path: Path) -> None:
    client = signed_in(on_redis, "admin")
    import_id = upload(client, attendance_bytes(tmp_path), "attendance.csv")
    queued = client.get(f"/api/v1/imports/{import_id}").get_json()
    assert queued["status"] == "running" and queued["progress"]["phase"] == "queued"
    slow = {"ATTENDLY_IMPORT_CHUNK_ROWS": "20", "ATTENDLY_FAULT_CHUNK_SLEEP": "0.4"}
    with background_worker(on_redis, **slow):
        seen = wait_for(client, import_id, finished)
    reading = [d["progress"] for d in seen if d["progress"]["phase"] == "reading"]
    assert any(0 < p["rows_done"] < (p["rows_total"] or 0) for p in reading), reading
    done = seen[-1]
    assert done["status"] == "completed" and done["kind"] == "attendance", done
    rows = len(attendance_bytes(tmp_path).splitlines()) - 1
    assert done["progress"] == {"rows_done": rows, "rows_total": rows, "phase": "completed"}
    assert done["records_processed"] == rows and done["records_failed"] == 0
    assert done["errors"] == []


def test_a_killed_worker_import_resumes_to_the_clean_state(on_redis: Flask, tmp_path: Path) -> None:
    from attendly import jobs

    client = signed_in(on_redis, "admin")
    content = attendance_bytes(tmp_path, changed=30)
    import_id = upload(client, content, "attendance-changed.csv", kind="attendance")
    slow = {"ATTENDLY_IMPORT_CHUNK_ROWS": "10", "ATTENDLY_FAULT_CHUNK_SLEEP": "1"}
    with background_worker(on_redis, **slow) as worker:
        wait_for(client, import_id, lambda d: d["progress"]["rows_done"] >= 20)
        kill_worker(worker, signal.SIGKILL)
    killed = client.get(f"/api/v1/imports/{import_id}").get_json()
    assert killed["status"] == "running" and killed["progress"]["rows_done"] < 110
    with on_redis.test_request_context():
        jobs.enqueue_import(import_id, on_redis.config["ATTENDLY_SETTINGS"], again=True)
    done = subprocess.run(
        [ATTENDLY, "worker", "--burst"], env=worker_env(on_redis), capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    resumed = client.get(f"/api/v1/imports/{import_id}").get_json()
    assert resumed["status"] == "completed", resumed
    after_resume = attendance_snapshot(on_redis)
    rollback(on_redis, import_id)
    clean_id = upload(client, content, "attendance-changed.csv", kind="attendance")
    with background_worker(on_redis):
        clean = wait_for(client, clean_id, finished)[-1]
    try:
        assert attendance_snapshot(on_redis) == after_resume
        counts = ("records_processed", "records_inserted", "records_updated", "records_skipped")
        assert {k: resumed[k] for k in counts} == {k: clean[k] for k in counts}
        assert resumed["records_updated"] == 30, resumed
        assert resumed["errors"] == clean["errors"]
    finally:
        rollback(on_redis, clean_id)


def test_a_database_disconnect_is_retried_with_backoff(on_redis: Flask, tmp_path: Path) -> None:
    from attendly.events import CHANNEL

    client = signed_in(on_redis, "admin")
    subscriber = _redis().pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(CHANNEL)
    import_id = upload(client, attendance_bytes(tmp_path, changed=3), "attendance-3.csv")
    started = time.monotonic()
    faults = {"ATTENDLY_IMPORT_CHUNK_ROWS": "40", "ATTENDLY_FAULT_DISCONNECTS": "2"}
    try:
        with background_worker(on_redis, **faults):
            seen = wait_for(client, import_id, lambda d: d["status"] == "completed")
        assert time.monotonic() - started >= 3  # waited 1 s, then 2 s, between the attempts
        attempts = Path(on_redis.instance_path) / "faults" / f"import-{import_id}"
        assert attempts.read_text() == "3"
        assert seen[-1]["records_updated"] == 3 and seen[-1]["errors"] == []
        # Between the attempts the import said when the queue would try it again.
        phases = {d["progress"]["phase"] for d in seen if d["status"] == "failed"}
        announced = {re.sub(r"at \d\d:\d\d:\d\d", "at T", phase) for phase in phases}
        intervals = len(on_redis.config["ATTENDLY_SETTINGS"].retry_intervals)
        assert announced == {
            f"failed, trying again at T (attempt {n} of {intervals + 1})" for n in (2, 3)
        }
        event = _next_event(subscriber)
        assert event["kind"] == "attendance" and len(event["student_ids"]) >= 1
    finally:
        subscriber.close()
        rollback(on_redis, import_id)


def _next_event(subscriber: Any) -> dict[str, Any]:
    """The next message on the subscription (the subscribe confirmation reads as None)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = subscriber.get_message(timeout=1)
        if message is not None:
            return dict(json.loads(message["data"]))
    raise AssertionError("no data-changed event on Redis")


def test_a_rejected_file_is_never_retried(on_redis: Flask) -> None:
    from rq.job import Job

    from attendly.jobs import job_id

    client = signed_in(on_redis, "admin")
    import_id = upload(client, b"what,is,this\n1,2,3\n", "odd.csv", kind="roster")
    done = subprocess.run(
        [ATTENDLY, "worker", "--burst"],
        env=worker_env(on_redis, ATTENDLY_FAULT_DISCONNECTS="0"),
        capture_output=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    detail = client.get(f"/api/v1/imports/{import_id}").get_json()
    assert detail["status"] == "rejected" and detail["errors"], detail
    job = Job.fetch(job_id(import_id), connection=_redis())
    assert job.get_status() == "finished" and job.retries_left == 2


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(REDIS_URL)


def test_the_same_import_is_never_queued_twice(on_redis: Flask, tmp_path: Path) -> None:
    from rq import Queue

    from attendly import jobs

    client = signed_in(on_redis, "admin")
    import_id = upload(client, attendance_bytes(tmp_path), "attendance.csv")
    settings = on_redis.config["ATTENDLY_SETTINGS"]
    with on_redis.test_request_context():
        assert jobs.enqueue_import(import_id, settings) == jobs.job_id(import_id)
    queue = Queue(jobs.QUEUE, connection=_redis())
    assert queue.job_ids == [jobs.job_id(import_id)]
    job = queue.fetch_job(jobs.job_id(import_id))
    assert job is not None and job.timeout == jobs.JOB_TIMEOUT
    assert job.result_ttl == jobs.RESULT_TTL and job.failure_ttl == jobs.FAILURE_TTL
    assert job.retries_left == 2 and job.args == (import_id,)
    done = subprocess.run(
        [ATTENDLY, "worker", "--burst"], env=worker_env(on_redis), capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert client.get(f"/api/v1/imports/{import_id}").get_json()["status"] == "completed"
