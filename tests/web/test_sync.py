"""The drop-folder sync: a nightly batch imported in order, deduplicated, archived, audited."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from flask import Flask

from tests.services import REDIS_URL, redis_client
from tests.web import school
from tests.web.test_import_worker import ATTENDLY, attendance_bytes, rollback


def _nightly_batch(drop: Path, scratch: Path) -> None:
    roster = school.write_roster(scratch / "roster.csv").read_text().splitlines()
    (drop / "aeries-roster").mkdir(parents=True)
    (drop / "aeries-attendance").mkdir()
    reordered = [roster[0], *reversed(roster[1:])]  # a new file with the same students
    (drop / "aeries-roster" / "roster-0930.csv").write_text("\n".join(reordered) + "\n")
    changed = attendance_bytes(scratch, changed=5)
    (drop / "aeries-attendance" / "attendance-0930.csv").write_bytes(changed)
    school.write_attendance(drop / "aeries-attendance" / "attendance-old.csv")  # imported already


def _sync(app: Flask, drop: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "ATTENDLY_INSTANCE": app.instance_path,
        "ATTENDLY_DROP_FOLDER": str(drop),
        "ATTENDLY_ENV": "test",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run([ATTENDLY, "sync"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_sync_imports_a_nightly_batch(web_app: Flask, tmp_path: Path) -> None:
    from sqlalchemy import select

    from attendly.extensions import db
    from db.models import AuditEntry, Import

    drop = tmp_path / "drop"
    _nightly_batch(drop, tmp_path)
    summary = _sync(web_app, drop)
    imported = summary["imported"]
    assert [(i["file"], i["status"]) for i in imported] == [
        ("aeries-roster/roster-0930.csv", "completed"),
        ("aeries-attendance/attendance-0930.csv", "completed"),
    ]
    assert imported[0]["import_id"] < imported[1]["import_id"]  # roster first
    assert summary["duplicates"] == ["aeries-attendance/attendance-old.csv"]
    assert not list((drop / "aeries-roster").iterdir())
    assert not list((drop / "aeries-attendance").iterdir())
    archived = sorted(p.name for p in Path(summary["archive"]).rglob("*.csv"))
    assert archived == ["attendance-0930.csv", "attendance-old.csv", "roster-0930.csv"]
    attendance_id = imported[1]["import_id"]
    try:
        with web_app.app_context():
            record = db.session.get(Import, attendance_id)
            assert record.username == "sync" and record.records_updated == 5
            entry = db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "sync").order_by(AuditEntry.id)
            ).all()[-1]
            assert entry.details["imported"] == imported
        (drop / "aeries-attendance").mkdir(exist_ok=True)
        again = drop / "aeries-attendance" / "attendance-0930.csv"
        again.write_bytes(attendance_bytes(tmp_path, changed=5))
        second = _sync(web_app, drop)
        assert second["imported"] == []
        assert second["duplicates"] == ["aeries-attendance/attendance-0930.csv"]
    finally:
        rollback(web_app, attendance_id)


def test_the_worker_schedules_the_next_runs_once(web_app: Flask, tmp_path: Path) -> None:
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    from attendly.sync import next_run, schedule_syncs

    monday_night = dt.datetime(2025, 9, 29, 23, 0)
    assert next_run(monday_night, "02:00") == dt.datetime(2025, 9, 30, 2, 0)
    assert next_run(monday_night, "02:00", weekday=0) == dt.datetime(2025, 10, 6, 2, 0)
    connection = redis_client()
    settings = web_app.config["ATTENDLY_SETTINGS"].model_copy(
        update={"redis_url": REDIS_URL, "drop_folder": tmp_path}
    )
    first = schedule_syncs(settings, monday_night)
    assert first == ["sync-aeries-20250930T0200", "sync-iready-20251006T0200"]
    assert schedule_syncs(settings, monday_night) == first
    registry = ScheduledJobRegistry(queue=Queue("attendly", connection=connection))
    assert sorted(registry.get_job_ids()) == first
