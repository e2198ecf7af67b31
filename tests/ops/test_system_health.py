"""The System health figures from real imports, on SQLite and PostgreSQL, hand-computed;
failed RQ jobs and the integrity check on a real worker."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from attendly import alerts, system_panels
from attendly.errors import NotFound
from attendly.settings import Settings
from db import system_health as q
from db.models import Import
from tests import school
from tests.ingest.conftest import Runner, Writer
from tests.ops.test_alerts import BAD_HEADERS
from tests.services import REDIS_URL, redis_client

ATTENDLY = str(Path(sys.executable).parent / "attendly")

BAD_ROWS = "".join(f"1234,2025-09-{day}x,8,P,P,P,P,P,P,\n" for day in range(10, 15))


@pytest.fixture
def four_imports(session: Session, run: Runner, write_csv: Writer) -> list[int]:
    """Roster (4 rows), attendance (39), a rejected file (0), attendance with 5 bad rows (44)."""
    results = [
        run("roster", write_csv(school.roster_csv(), name="roster.csv")),
        run("attendance", write_csv(school.attendance_csv(), name="attendance.csv")),
        run("attendance", write_csv(BAD_HEADERS, name="broken.csv")),
        run("attendance", write_csv(school.attendance_csv() + BAD_ROWS, name="dirty.csv")),
    ]
    assert [r.status for r in results] == ["completed", "completed", "rejected", "completed"]
    return [r.import_id for r in results]


def month_ago() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=30)


def test_outcomes_timeline_and_errors(session: Session, four_imports: list[int]) -> None:
    assert q.import_outcomes(session, month_ago()) == {
        "completed": 3,
        "failed": 0,
        "rejected": 1,
        "finished": 4,
        "success_rate": 75.0,
    }
    timeline = q.import_timeline(session, month_ago())
    assert timeline["import_id"].tolist() == four_imports
    assert timeline["records_processed"].tolist() == [4, 39, 0, 44]
    # 100 x 39 / 44 = 88.6; a rejected file scores 0.
    assert timeline["quality_score"].tolist() == [100.0, 100.0, 0.0, 88.6]
    assert (timeline["duration_s"] >= 0).all()
    errors = q.errors_by_category(session, month_ago())
    # 4 + 39 + 0 + 44 = 87 rows; the rejected file's 2 missing columns, the 5 bad dates.
    assert errors.to_dict("records") == [
        {"category": "schema", "problems": 2, "rows": 87, "rate": 2.30},
        {"category": "type", "problems": 5, "rows": 87, "rate": 5.75},
    ]
    session.execute(
        update(Import)
        .where(Import.id.in_(four_imports[:2]))
        .values(finished_at=month_ago() - dt.timedelta(days=1))
    )
    session.commit()
    assert q.import_outcomes(session, month_ago())["success_rate"] == 50.0  # 1 of 2 left


def test_last_success_per_source_and_sync(session: Session, four_imports: list[int]) -> None:
    session.execute(update(Import).where(Import.id == four_imports[0]).values(username="sync"))
    session.commit()
    sources = {row["kind"]: row for row in q.last_success_by_kind(session)}
    assert set(sources) == {"roster", "attendance"}
    assert sources["attendance"]["import_id"] == four_imports[3]  # the rejected one is no success
    assert sources["attendance"]["last_sync_at"] is None
    assert sources["roster"]["last_sync_at"] == sources["roster"]["finished_at"]
    assert sources["roster"]["finished_at"].tzinfo is not None


def test_table_sizes_say_how_they_were_measured(session: Session, four_imports: list[int]) -> None:
    sizes, method = q.table_sizes(session)
    by_table = dict(zip(sizes["table"], sizes["bytes"], strict=True))
    assert by_table["attendance_records"] > 0 and by_table["imports"] > 0
    assert sizes["bytes"].is_monotonic_decreasing
    if session.get_bind().dialect.name == "postgresql":
        assert method.startswith("pg_total_relation_size")
    else:
        assert method.startswith("SQLite dbstat")


def test_snapshot_lists_failed_jobs_and_open_alerts(
    session: Session, settings: Settings, four_imports: list[int]
) -> None:
    # An import that stopped on a system error is a failed job (its job returned normally).
    session.execute(
        update(Import)
        .where(Import.id == four_imports[2])
        .values(status="failed", message="database gone")
    )
    session.commit()
    alerts.evaluate(session, settings)
    data = system_panels.snapshot(session, settings, dt.datetime.now(dt.UTC))
    assert [job["job_id"] for job in data["failed_jobs"]] == [f"import-{four_imports[2]}"]
    assert data["failed_jobs"][0]["error"] == "database gone"
    # No import_failed alert: the dirty attendance file completed after the failed one.
    assert {a["rule"] for a in data["alerts"]} == {"success_rate", "quality_below"}
    assert data["imports_today"] == 4
    assert data["workers"] == [] and data["queues"] == {} and data["connections"] == 0
    tiles = system_panels.kpi_tiles(data, settings)
    assert "75.0 %" in str(tiles[0]) and "target 99 %" in str(tiles[0])


# --- on the real RQ worker: a failed job listed and retried, the integrity check as a job ---


def burst_worker(session: Session, settings: Settings) -> None:
    """`attendly worker --burst` on the test database and Redis: work the queue, then exit."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(
        DATABASE_URL=url,
        REDIS_URL=REDIS_URL,
        ATTENDLY_ENV="test",
        ATTENDLY_INSTANCE=str(settings.instance_path),
    )
    done = subprocess.run(
        [ATTENDLY, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_failed_rq_job_is_listed_and_retried(session: Session, settings: Settings) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    from attendly.queue_health import failed_jobs, retry_job

    redis_client()
    on_redis = settings.model_copy(update={"redis_url": REDIS_URL})
    connection = Redis.from_url(REDIS_URL)
    Queue("reports", connection=connection).enqueue(
        "attendly.no_such_job", job_id="report-broken", description="a broken report"
    )
    burst_worker(session, on_redis)
    [listed] = failed_jobs(session, on_redis)
    assert listed["job_id"] == "report-broken" and listed["what"] == "a broken report"
    assert "no_such_job" in listed["error"]
    assert retry_job("report-broken", on_redis) == "job report-broken queued again"
    assert Job.fetch("report-broken", connection=connection).get_status() == "queued"
    assert failed_jobs(session, on_redis) == []
    with pytest.raises(NotFound):
        retry_job("report-unknown", on_redis)


def test_the_integrity_check_runs_as_a_worker_job(
    session: Session, settings: Settings, four_imports: list[int]
) -> None:
    from attendly.integrity import check_state, start_check

    redis_client()
    on_redis = settings.model_copy(update={"redis_url": REDIS_URL})
    job_id = start_check(on_redis)
    assert check_state(on_redis, job_id) == {"status": "queued"}
    burst_worker(session, on_redis)
    state = check_state(on_redis, job_id)
    assert state["status"] == "finished", state
    assert state["result"]["ok"] is True and state["result"]["checked"]["attendance_imports"] == 1
    assert check_state(on_redis, "integrity-unknown") == {"status": "unknown"}
