"""Alert rules triggered by real failures on SQLite and PostgreSQL: a rejected import, a low
30-day success rate, a stale attendance sync, a worker down (a real `attendly worker` started,
then killed), low data quality; one open alert per rule and subject, cleared when the
condition clears; e-mail to a loopback SMTP server; `attendly alerts` for cron."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socketserver
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from attendly import alert_rules, alerts
from attendly.settings import Settings
from db.alert_models import Alert
from db.models import Import, School, SchoolCalendarDay
from db.notification_models import Notification
from tests import school
from tests.ingest.conftest import Runner, Writer
from tests.services import REDIS_URL, redis_client
from tests.web.test_import_failures import smtp  # noqa: F401  (the loopback SMTP server)

ATTENDLY = str(Path(sys.executable).parent / "attendly")
BAD_HEADERS = "pupil,when\n007,2025-09-02\n"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def rules(outcome: alerts.Outcome) -> dict[str, alert_rules.Found]:
    return {alert.key: alert for alert in outcome.open}


def open_rows(session: Session) -> dict[str, Alert]:
    rows = session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))
    return {str(row.open_key): row for row in rows}


def load_school(run: Runner, write_csv: Writer) -> None:
    assert run("roster", write_csv(school.roster_csv(), name="roster.csv")).status == "completed"
    done = run("attendance", write_csv(school.attendance_csv(), name="attendance.csv"))
    assert done.status == "completed"


def test_a_rejected_import_alerts_once_and_clears_when_a_good_file_lands(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    rejected = run("attendance", write_csv(BAD_HEADERS, name="broken.csv"))
    assert rejected.status == "rejected"
    first = alerts.evaluate(session, settings, now())
    key = f"import_failed:import-{rejected.import_id}"
    assert key in rules(first) and [a.key for a in first.opened if a.rule == "import_failed"] == [
        key
    ]
    message = rules(first)[key].message
    assert message.startswith(f"Import {rejected.import_id} (attendance, broken.csv) rejected at ")
    # 2 completed of 3 finished: 66.7 %, below the 99 % target.
    rate = rules(first)["success_rate:30d"].message
    assert rate.startswith("2 of 3 imports succeeded in the last 30 days (66.7 %), below the 99 %")
    notes = session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.title for n in notes] == [
        f"Alert: Import {rejected.import_id} rejected",
        "Alert: Import success rate below target",
    ]
    again = alerts.evaluate(session, settings, now())  # e.g. 15 minutes later: nothing new
    assert again.opened == [] and set(rules(again)) == set(rules(first))
    assert session.scalar(select(func.count()).select_from(Notification)) == 2
    fixed = run("attendance", write_csv(school.attendance_csv(), name="attendance-fixed.csv"))
    assert fixed.status == "completed"
    cleared = alerts.evaluate(session, settings, now())
    assert key in cleared.cleared and key not in open_rows(session)
    note = session.get(Notification, notes[0].id)
    assert note is not None and note.read_at is not None  # dismissed with the alert
    # Still 3 of 4 (75.0 %): that alert stays open, with its figures updated.
    assert open_rows(session)["success_rate:30d"].message.startswith(
        "3 of 4 imports succeeded in the last 30 days (75.0 %)"
    )


def test_success_rate_counts_only_the_last_30_days(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    rejected = run("attendance", write_csv(BAD_HEADERS, name="broken.csv"))
    moment = now()
    assert "success_rate:30d" in rules(alerts.evaluate(session, settings, moment))
    session.execute(
        update(Import)
        .where(Import.id == rejected.import_id)
        .values(finished_at=moment - dt.timedelta(days=31))
    )
    session.commit()
    later = alerts.evaluate(session, settings, moment)
    assert "success_rate:30d" in later.cleared  # 2 of 2 within 30 days: 100 %
    assert not [a for a in later.open if a.rule in ("success_rate", "import_failed")]
    strict = settings.model_copy(update={"alert_success_rate_target": 100.0})
    assert alert_rules.success_rate(session, strict, moment) == []  # 100 % meets a 100 % target


@pytest.fixture
def utc_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """School days are local dates: pin the server's zone to UTC for hand-made times."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_stale_attendance_counts_hours_and_needs_a_school_day(
    session: Session, settings: Settings, run: Runner, write_csv: Writer, utc_clock: None
) -> None:
    load_school(run, write_csv)
    friday = dt.datetime(2025, 10, 3, 2, 0, tzinfo=dt.UTC)
    session.execute(update(Import).where(Import.kind == "attendance").values(finished_at=friday))
    session.commit()
    hours = lambda h: friday + dt.timedelta(hours=h)  # noqa: E731
    # Saturday 14:00, 36 h: not more than 36. Saturday 16:00, 38 h: no school day since Friday.
    assert alert_rules.stale_attendance(session, settings, hours(36)) == []
    assert alert_rules.stale_attendance(session, settings, hours(38)) == []
    # Monday 10:00, 80 h, and Monday is a weekday (no calendar imported): alert.
    [monday] = alert_rules.stale_attendance(session, settings, hours(80))
    assert monday.message == (
        "The last successful attendance import (import 2) finished 80 hours ago, at "
        "2025-10-03 02:00 UTC; limit 36 hours; 1 school day(s) since (2025-10-06 to 2025-10-06)"
    )
    opened = alerts.evaluate(session, settings, hours(80))
    assert "stale_attendance:attendance" in [a.key for a in opened.opened]
    # With a calendar where Monday is a holiday, Monday 10:00 is fine and Tuesday is not.
    school_id = session.scalars(select(School.id)).one()
    for day in (3, 7, 8):
        session.add(
            SchoolCalendarDay(
                school_id=school_id, date=dt.date(2025, 10, day), academic_year="2025-2026"
            )
        )
    session.commit()
    assert alert_rules.stale_attendance(session, settings, hours(80)) == []
    assert "stale_attendance:attendance" in alerts.evaluate(session, settings, hours(80)).cleared
    [tuesday] = alert_rules.stale_attendance(session, settings, hours(104))
    assert tuesday.message.endswith("1 school day(s) since (2025-10-07 to 2025-10-07)")
    assert tuesday.title == "No attendance import for 104 hours"


def test_no_attendance_import_yet_is_not_stale(session: Session, settings: Settings) -> None:
    assert alert_rules.stale_attendance(session, settings, now()) == []


def test_low_data_quality_alerts_until_a_clean_import(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    bad_rows = "".join(f"1234,2025-09-{day}x,8,P,P,P,P,P,P,\n" for day in range(10, 15))
    dirty = run("attendance", write_csv(school.attendance_csv() + bad_rows, name="dirty.csv"))
    assert dirty.status == "completed" and dirty.records_failed == 5
    # 44 rows, 5 failed: 100 x 39 / 44 = 88.64 -> 88.6, below 90.
    assert dirty.quality_score == 88.6
    found = rules(alerts.evaluate(session, settings, now()))
    key = f"quality_below:import-{dirty.import_id}"
    assert found[key].message == (
        f"Import {dirty.import_id} (attendance, dirty.csv) scored 88.6 for data quality, "
        "below the threshold of 90 (5 of 44 rows failed)"
    )
    assert found[key].title == f"Import {dirty.import_id} data quality 88.6"
    lenient = settings.model_copy(update={"alert_quality_threshold": 88.0})
    assert alert_rules.quality_below(session, lenient, now()) == []
    clean = run("attendance", write_csv(school.attendance_csv(), name="clean.csv"))
    assert clean.quality_score == 100.0
    assert key in alerts.evaluate(session, settings, now()).cleared


def test_a_concurrent_evaluation_cannot_open_the_same_alert_twice(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    run("attendance", write_csv(BAD_HEADERS, name="broken.csv"))
    first = alerts.evaluate(session, settings, now())
    duplicate = next(a for a in first.open if a.rule == "import_failed")
    # What a second process that read "not open yet" would try: refused by the unique key.
    assert alerts._open(session, duplicate, now()) is False
    session.commit()
    assert session.scalar(select(func.count()).select_from(Notification)) == len(first.opened)
    assert len(open_rows(session)) == len(first.opened)


def test_new_alerts_are_emailed_once(
    session: Session,
    settings: Settings,
    run: Runner,
    write_csv: Writer,
    smtp: socketserver.ThreadingTCPServer,  # noqa: F811
) -> None:
    load_school(run, write_csv)
    rejected = run("attendance", write_csv(BAD_HEADERS, name="broken.csv"))
    mailing = settings.model_copy(
        update={
            "smtp_url": f"smtp://127.0.0.1:{smtp.server_address[1]}",
            "admin_emails": "it@district.example, principal@district.example",
        }
    )
    opened = alerts.evaluate(session, mailing, now()).opened
    messages: list[str] = smtp.messages  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while len(messages) < len(opened) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(messages) == len(opened) == 2
    mail = next(m for m in messages if "rejected" in m)
    assert f"Subject: [Attendly] Alert: Import {rejected.import_id} rejected" in mail
    assert "it@district.example, principal@district.example" in mail
    alerts.evaluate(session, mailing, now())
    time.sleep(0.3)
    assert len(messages) == 2  # still open: not mailed again


# --- worker down: a real `attendly worker` on the test Redis -----------------------------------


@pytest.fixture
def on_redis(settings: Settings) -> Settings:
    redis_client()  # flushed test database, or skip
    return settings.model_copy(update={"redis_url": REDIS_URL})


@contextlib.contextmanager
def worker_process(session: Session, settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(
        DATABASE_URL=url,
        REDIS_URL=REDIS_URL,
        ATTENDLY_ENV="test",
        ATTENDLY_INSTANCE=str(settings.instance_path),
    )
    process = subprocess.Popen([ATTENDLY, "worker"], env=env, start_new_session=True)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def wait_for_workers(settings: Settings, count: int, timeout: float = 60) -> None:
    from attendly.queue_health import worker_states

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(worker_states(settings, now())) == count:
            return
        time.sleep(0.2)
    raise AssertionError(f"expected {count} registered workers")


def test_worker_down_alerts_and_clears_with_a_real_worker(
    session: Session, on_redis: Settings
) -> None:
    key = "worker_down:workers"
    nobody = alerts.evaluate(session, on_redis, now())
    assert (
        rules(nobody)[key].message
        == "No RQ worker is running: no worker is registered; 0 job(s) waiting"
    )
    with worker_process(session, on_redis) as worker:
        wait_for_workers(on_redis, 1)
        running = alerts.evaluate(session, on_redis, now())
        assert key not in rules(running) and key in running.cleared
        os.killpg(worker.pid, signal.SIGKILL)  # killed: no clean unregistration
        worker.wait(timeout=30)
    # Its registration stays behind with the last heartbeat; once that is older than the
    # limit (480 s; time moved on instead of waiting), the worker counts as down.
    later = now() + dt.timedelta(seconds=on_redis.worker_heartbeat_seconds + 20)
    [down] = alert_rules.worker_down(session, on_redis, later)
    assert "no heartbeat in the last 480 s from any of 1 workers" in down.message
    assert key in [a.key for a in alerts.evaluate(session, on_redis, later).opened]


def test_an_unreachable_redis_is_a_worker_alert(session: Session, settings: Settings) -> None:
    gone = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    [alert] = alert_rules.worker_down(session, gone, now())
    assert alert.title == "Job queue unreachable" and "Redis is not reachable" in alert.message
    assert alert_rules.worker_down(session, settings, now()) == []  # no REDIS_URL: nothing to watch


def test_alert_checks_are_scheduled_every_quarter_hour(on_redis: Settings) -> None:
    from redis import Redis
    from rq import Queue

    at = dt.datetime(2025, 10, 6, 10, 7, 30, tzinfo=dt.UTC)
    job_id = alerts.schedule_alert_checks(on_redis, at)
    assert job_id == "alerts-20251006T1015"
    assert alerts.schedule_alert_checks(on_redis, at) == job_id  # idempotent
    queue = Queue("attendly", connection=Redis.from_url(REDIS_URL))
    assert queue.scheduled_job_registry.get_job_ids() == [job_id]
    assert alerts.schedule_alert_checks(settings_without_redis(on_redis), at) is None


def settings_without_redis(settings: Settings) -> Settings:
    return settings.model_copy(update={"redis_url": None})


# --- the job path and the command line ----------------------------------------------------------


def test_an_import_job_runs_the_rules_when_it_ends(
    session: Session, settings: Settings, write_csv: Writer
) -> None:
    from attendly import create_app
    from attendly.extensions import db
    from attendly.jobs import Attempt, run_import_job
    from ingest.records import new_import

    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    app = create_app(settings.model_copy(update={"database_url": url}), web=False)
    with app.app_context():
        record = new_import(
            db.session(), "attendance", write_csv(BAD_HEADERS, name="broken.csv"), settings=settings
        )
        import_id = record.id
        run_import_job(import_id, Attempt(1, 1, None))
    session.expire_all()
    assert f"import_failed:import-{import_id}" in open_rows(session)


def test_the_alerts_command_exits_1_while_an_alert_is_open(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(DATABASE_URL=url, ATTENDLY_ENV="test", ATTENDLY_INSTANCE=str(settings.instance_path))
    command = [ATTENDLY, "alerts", "--json"]
    quiet = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0, quiet.stderr
    assert json.loads(quiet.stdout) == {"open": [], "opened": [], "cleared": []}
    rejected = run("attendance", write_csv(BAD_HEADERS, name="broken.csv"))
    loud = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert loud.returncode == 1, loud.stderr
    report = json.loads(loud.stdout)
    assert f"import_failed:import-{rejected.import_id}" in report["opened"]
    assert {a["rule"] for a in report["open"]} == {"import_failed", "success_rate"}
