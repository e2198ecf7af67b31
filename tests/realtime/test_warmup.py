"""Page-cache warm-up after change events (attendly.warmup), on SQLite and PostgreSQL.

The hand-made school of tests/web/school.py is imported; a change event is published as an
import publishes it; the warm-up must have cached what the dashboards' callbacks read, with
the numbers an uncached computation gives, and must never get in a request's way.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from attendly.warmup import Run, Warmer
from tests.conftest import clean
from tests.web import school

EVENT = {"kind": "attendance", "school": "001", "grades": [6, 7, 8], "student_ids": []}


def cache_count(result: str) -> float:
    """attendly_page_cache_requests_total{result} of this process (monitoring's counter)."""
    value = REGISTRY.get_sample_value("attendly_page_cache_requests_total", {"result": result})
    return value or 0.0


@pytest.fixture
def warm_app(engine: Engine, tmp_path: Path) -> Iterator[Flask]:
    """An app (no Dash: one per process) on the engine's database holding the school, with
    its fan-out hub fed through a warmer exactly as create_app wires it."""
    app = school_app(engine, tmp_path, redis_url=None, prefix="attendly")
    yield app
    stop(app)


def school_app(engine: Engine, tmp: Path, redis_url: str | None, prefix: str) -> Flask:
    from attendly import create_app, realtime, warmup
    from attendly.extensions import db
    from attendly.settings import Settings
    from attendly.setup import initialise_database
    from attendly.users import save_user
    from ingest import run_import

    clean(engine)
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(
        instance_path=tmp,
        database_url=url,
        env="test",
        redis_url=redis_url,
        events_prefix=prefix,
        warm_cache=True,
        warm_hold_seconds=2.0,  # events wait for the warm-up here (the default sends at once)
    )
    app = create_app(settings, web=False)
    with app.app_context():
        initialise_database(app)
        save_user("admin", "admin", "", "admin-password-1")
        save_user("teacher6", "teacher", "6", "teacher-password-6")
        files = (
            ("roster", school.write_roster(tmp / "roster.csv")),
            ("attendance", school.write_attendance(tmp / "attendance.csv")),
        )
        for kind, path in files:
            result = run_import(db.session, kind, path, settings=settings, username="test")
            assert result.status == "completed", (kind, result.errors[:5])
        db.session.remove()
    realtime.init_app(app)
    warmer = warmup.init_app(app)
    assert warmer is not None
    assert warmer.wait_idle(60), "the start-up warm-up did not finish"
    return app


def stop(app: Flask) -> None:
    from attendly.extensions import db

    app.extensions["attendly.realtime"].stop()
    with app.app_context():
        db.engine.dispose()


def call_as(app: Flask, username: str, call: Any) -> Any:
    """`call()` in a request signed in as `username` (how Dash runs a callback)."""
    from flask_login import login_user
    from sqlalchemy import select

    from attendly.auth import auth_user
    from attendly.extensions import db
    from db.models import User

    with app.test_request_context("/"):
        login_user(auth_user(db.session.scalar(select(User).where(User.username == username))))
        try:
            return call()
        finally:
            db.session.remove()


def publish_and_wait(app: Flask, event: dict[str, Any]) -> Warmer:
    from attendly.services import publish
    from attendly.warmup import warmer_of

    warmer = warmer_of(app)
    assert warmer is not None
    runs = warmer.runs
    with app.app_context():
        publish(event)
    assert warmer.wait_idle(60), "the warm-up did not finish within 60 s"
    assert warmer.runs == runs + 1 and warmer.failures == 0
    return warmer


def change_data(app: Flask) -> None:
    """Student 802's summary as if a correction made him absent every day (new version)."""
    import datetime as dt

    from sqlalchemy import select

    from attendly.extensions import db
    from db.models import StudentYearSummary
    from db.versions import SUMMARIES, bump

    with app.app_context():
        row = db.session.scalar(
            select(StudentYearSummary).where(StudentYearSummary.student_id == "802")
        )
        row.days_present, row.days_absent, row.attendance_rate = 0, row.days_enrolled, 0
        row.chronically_absent, row.absence_rate = True, 100
        row.refreshed_at = dt.datetime.now(dt.UTC)
        bump(db.session)  # what a summary refresh does: cached pages go stale
        bump(db.session, SUMMARIES)  # and the Overview's pre-added sums with them
        db.session.commit()
        db.session.remove()


def test_after_an_event_the_callbacks_read_warm_entries_equal_to_a_fresh_computation(
    warm_app: Flask,
) -> None:
    from attendly.cache import page_cache
    from callbacks import correlation, overview, students

    change_data(warm_app)
    publish_and_wait(warm_app, EVENT)
    year = "2025-2026"
    calls = {
        "overview school": ("admin", lambda: overview.refresh(None, year)),
        "overview grade 7": ("admin", lambda: overview.refresh(7, year)),
        "overview teacher": ("teacher6", lambda: overview.refresh(None, year)),
        # The Students page as it opens (its default sort): the page the warm-up warms.
        "cards": ("admin", lambda: students.cards(None, year, [], [], "", "attendance", None, 1)),
        "correlation": ("admin", lambda: correlation.refresh(8, year, "MATH")),
    }
    for name, (user, call) in calls.items():
        misses, hits = cache_count("miss"), cache_count("hit")
        warm = call_as(warm_app, user, call)
        assert cache_count("miss") == misses, f"{name}: a page-cache miss after the warm-up"
        assert cache_count("hit") > hits, f"{name}: no page-cache hit"
        with warm_app.app_context():
            cache = page_cache()
            assert cache is not None
            cache.enabled = False
        try:
            fresh = call_as(warm_app, user, call)
        finally:
            with warm_app.app_context():
                cache.enabled = True
        assert repr(warm) == repr(fresh), f"{name}: warm and uncached answers differ"


def test_warm_overview_figures_match_the_hand_computed_school(warm_app: Flask) -> None:
    from attendly.extensions import db
    from callbacks.filters import current_scope
    from db import dashboard
    from db.policy import load_policy

    change_data(warm_app)  # 802: 15 of 15 days absent (was 1)
    publish_and_wait(warm_app, EVENT)

    def kpis() -> dict[str, Any]:
        policy = load_policy(db.session(), warm_app.config["ATTENDLY_SETTINGS"])
        scope = current_scope(None, "2025-2026")
        return dashboard.overview_data(db.session(), policy, scope).kpis

    misses = cache_count("miss")
    figures = call_as(warm_app, "admin", kpis)
    assert cache_count("miss") == misses
    # Eligible (10+ days): every student but 603. Chronically absent (>= 10 % of days):
    # 602 (4/15), 701 (1/10) and now 802 (15/15): 3 of 7 = 42.86 %. Days present: 108
    # enrolled - 8 absent = 100 before; 802's 14 present days gone: 86 / 108 = 79.63 %.
    assert figures["students"] == 8
    assert figures["chronic_absenteeism_rate"] == pytest.approx(42.86, abs=0.01)
    assert figures["attendance_rate"] == pytest.approx(79.63, abs=0.01)


def test_no_database_connection_is_held_after_a_warm_up(warm_app: Flask) -> None:
    from attendly.extensions import db

    publish_and_wait(warm_app, EVENT)
    with warm_app.app_context():
        assert db.engine.pool.checkedout() == 0


def test_a_database_not_initialised_yet_is_not_warmed_and_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`attendly demo` starts the app (and its first warm-up) before it creates the tables."""
    from attendly import create_app, realtime, warmup
    from attendly.settings import Settings

    caplog.set_level(logging.INFO, logger="attendly.warmup")
    settings = Settings(instance_path=tmp_path, env="test", warm_cache=True)
    app = create_app(settings, web=False)
    realtime.init_app(app)
    try:
        warmer = warmup.init_app(app)
        assert warmer is not None and warmer.wait_idle(30)
        assert (warmer.runs, warmer.failures) == (1, 0)
    finally:
        stop(app)
    assert "warm-up failed" not in caplog.text
    assert "not initialised yet" in caplog.text


def test_a_failing_warm_up_is_logged_and_requests_compute_as_before(
    warm_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from attendly.cache import page_cache
    from callbacks import overview

    def broken(server: Flask, run: Run) -> int:
        raise RuntimeError("the database went away")

    delivered: list[dict[str, Any]] = []
    warmer = Warmer(warm_app, hold_seconds=2.0, work=broken)
    warmer.start()
    try:
        warmer.submit({**EVENT, "version": 1}, delivered.append)
        assert warmer.wait_idle(10)
        deadline = time.monotonic() + 5
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        warmer.stop()
    assert warmer.failures >= 1 and delivered == [{**EVENT, "version": 1}]
    assert "page cache warm-up failed" in caplog.text
    with warm_app.app_context():
        cache = page_cache()
        assert cache is not None
        cache.clear()
    misses = cache_count("miss")
    answer = call_as(warm_app, "admin", lambda: overview.refresh(None, "2025-2026"))
    assert cache_count("miss") > misses  # computed by the request itself
    assert answer[-2:] == ("", False)  # no error alert shown


class Gate:
    """A stand-in warm-up that waits at a gate, counting its runs (no database involved)."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = threading.Event()
        self.runs = 0

    def __call__(self, server: Flask, run: Run) -> int:
        self.runs += 1
        self.entered.set()
        self.open.wait(10)
        run.ready()
        return 1


def test_a_burst_of_events_warms_twice_and_fans_out_every_event_in_order() -> None:
    gate = Gate()
    delivered: list[int] = []
    warmer = Warmer(Flask("t"), hold_seconds=5.0, work=gate)
    warmer.start()  # the start-up run waits at the gate
    try:
        assert gate.entered.wait(5)
        for version in range(1, 11):
            kind = "intervention" if version == 5 else "attendance"
            warmer.submit(
                {"kind": kind, "version": version}, lambda e: delivered.append(e["version"])
            )
        time.sleep(0.2)
        assert delivered == []  # held: their figures are not warm yet
        gate.open.set()
        assert warmer.wait_idle(10)
        deadline = time.monotonic() + 5
        while len(delivered) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        warmer.stop()
    assert gate.runs == 2  # the start-up run, then one for all ten events
    assert delivered == list(range(1, 11))


def test_events_leave_after_the_hold_even_when_the_warm_up_is_slow() -> None:
    gate = Gate()
    delivered: list[float] = []
    warmer = Warmer(Flask("t"), hold_seconds=0.3, work=gate)
    warmer.start()
    try:
        assert gate.entered.wait(5)
        began = time.monotonic()
        warmer.submit(
            {"kind": "attendance", "version": 1}, lambda e: delivered.append(time.monotonic())
        )
        deadline = time.monotonic() + 5
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.01)
        gate.open.set()
    finally:
        warmer.stop()
    assert delivered, "the event was never fanned out"
    assert 0.25 <= delivered[0] - began < 1.5


def test_a_newer_event_cuts_a_running_warm_up_short_and_warms_again() -> None:
    done: list[int] = []
    began = threading.Event()

    def steps(server: Flask, run: Run) -> int:
        began.set()
        for index in range(40):
            if index and run.superseded():
                done.append(index)
                return index
            time.sleep(0.02)
        run.ready()
        done.append(40)
        return 40

    warmer = Warmer(Flask("t"), hold_seconds=5.0, work=steps)
    warmer.start()
    try:
        assert began.wait(5)
        time.sleep(0.1)
        warmer.submit({"kind": "attendance", "version": 1}, lambda event: None)
        assert warmer.wait_idle(10)
    finally:
        warmer.stop()
    assert len(done) == 2 and done[0] < 40 and done[1] == 40, done


def test_an_event_published_by_another_process_over_redis_is_warmed_then_fanned_out(
    engine: Engine, tmp_path: Path
) -> None:
    from attendly.event_scope import Viewer
    from attendly.events import RedisEventBus, data_changed
    from attendly.warmup import warmer_of
    from tests.realtime.live import unique_prefix
    from tests.services import REDIS_URL, redis_client

    redis_client()  # skips (or fails when services are required) without Redis
    prefix = unique_prefix()
    app = school_app(engine, tmp_path, REDIS_URL, prefix)
    try:
        hub = app.extensions["attendly.realtime"]
        warmer = warmer_of(app)
        assert warmer is not None
        deadline = time.monotonic() + 10
        while not hub.listening and time.monotonic() < deadline:
            time.sleep(0.02)  # the listener subscribes in the background
        connection = hub.connect(Viewer())
        runs = warmer.runs
        change_data(app)
        worker = RedisEventBus(REDIS_URL, prefix=prefix)  # as the import worker publishes
        version = worker.publish(data_changed("attendance", "001", [8], ["802"]))
        taken = connection.take(timeout=10)
        assert taken is not None and taken[0], "the event never reached the connection"
        assert [json.loads(str(item))["version"] for item in taken[0]] == [version]
        assert overview_cached(app), "the event left before the school's Overview was warm"
        from callbacks import overview

        assert warmer.wait_idle(30) and warmer.failures == 0 and warmer.runs > runs
        misses = cache_count("miss")
        call_as(app, "admin", lambda: overview.refresh(8, "2025-2026"))
        assert cache_count("miss") == misses
    finally:
        stop(app)


def overview_cached(app: Flask) -> bool:
    """Whether the page cache holds the whole school's Overview for the current data version
    (the key db.dashboard.overview_data uses), looked up without computing it."""
    from attendly.cache import page_cache
    from attendly.extensions import db
    from db import dashboard
    from db.policy import load_policy
    from db.queries import data_version

    absent = object()
    with app.app_context():
        session = db.session()
        policy = load_policy(session, app.config["ATTENDLY_SETTINGS"])
        scope = dashboard.resolve_scope(
            session, grade=None, academic_year=None, allowed_grades=None
        )
        cache = page_cache()
        assert cache is not None
        found = cache.get_or_compute(
            ("overview", scope, policy, data_version(session)), lambda: absent
        )
        db.session.remove()
    return found is not absent


def test_the_warm_up_is_on_by_default_off_under_test_and_settable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from attendly.settings import Settings

    monkeypatch.delenv("ATTENDLY_WARM_CACHE", raising=False)
    assert Settings(env="development").warm_cache_enabled
    assert Settings(env="production", secret_key="k" * 32).warm_cache_enabled
    assert not Settings(env="test").warm_cache_enabled
    monkeypatch.setenv("ATTENDLY_WARM_CACHE", "1")
    assert Settings(env="test").warm_cache_enabled
    monkeypatch.setenv("ATTENDLY_WARM_CACHE", "0")
    assert not Settings(env="development").warm_cache_enabled
