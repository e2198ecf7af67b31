"""The shared page cache in the app: after an import every process reads the new numbers, a
change event makes only what it concerns stale, and pages work while Redis is down. On SQLite
and PostgreSQL, with the hand-made school of tests/web/school.py imported for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from attendly.cache import invalidate
from tests.conftest import clean
from tests.realtime.live import private_redis, unique_prefix
from tests.services import REDIS_URL, redis_client
from tests.web import school

CHANGED_DAY = "2025-09-08"  # 601, the perfect attender, is now absent all day


def make_app(url: str, tmp: Path, redis_url: str | None, prefix: str, **extra: object) -> Flask:
    """An app without web routes (one Dash app per test process) on `url`."""
    from attendly import create_app
    from attendly.settings import Settings

    settings = Settings(
        instance_path=tmp,
        database_url=url,
        env="test",
        redis_url=redis_url,
        events_prefix=prefix,
        warm_cache=False,
        **extra,  # type: ignore[arg-type]
    )
    return create_app(settings, web=False)


def dispose(*apps: Flask) -> None:
    """Close the apps' pooled connections (a later test may copy the database)."""
    from attendly.extensions import db, read_replica

    for app in apps:
        with app.app_context():
            db.engine.dispose()
            replica = read_replica(app)
            if replica is not None:
                replica.engine.dispose()


def import_school(app: Flask, tmp: Path, absent_601: bool = False) -> None:
    """Import the roster and the attendance (with 601 absent on CHANGED_DAY when asked)."""
    from attendly.extensions import db
    from attendly.setup import initialise_database
    from ingest import run_import

    attendance = school.write_attendance(tmp / "attendance.csv")
    if absent_601:
        lines = attendance.read_text().splitlines()
        wanted = f"601,{CHANGED_DAY},6,"
        lines = [
            f"{wanted}{','.join('E' * 7)}" if line.startswith(wanted) else line for line in lines
        ]
        attendance.write_text("\n".join(lines) + "\n")
    with app.app_context():
        initialise_database(app)
        files = [("attendance", attendance)]
        if not absent_601:
            files.insert(0, ("roster", school.write_roster(tmp / "roster.csv")))
        settings = app.config["ATTENDLY_SETTINGS"]
        for kind, path in files:
            result = run_import(db.session(), kind, path, settings=settings, username="test")
            assert result.status == "completed", (kind, result.errors[:5])
        db.session.remove()


def overview(app: Flask, grade: int | None) -> dict[str, object]:
    """The Overview KPIs a callback gets in `app` (through its page cache)."""
    from attendly.extensions import db
    from db import dashboard
    from db.policy import load_policy
    from db.reads import read_session

    with app.app_context():
        session = read_session()
        policy = load_policy(db.session(), app.config["ATTENDLY_SETTINGS"])
        scope = dashboard.resolve_scope(
            session, grade=grade, academic_year=None, allowed_grades=None
        )
        return kpis(dashboard.overview_data(session, policy, scope))


def uncached(engine: Engine, grade: int | None) -> dict[str, object]:
    """The Overview KPIs computed outside any app (never cached)."""
    from attendly.settings import Settings
    from db import dashboard
    from db.policy import load_policy

    with Session(engine) as session:
        policy = load_policy(session, Settings(env="test"))
        scope = dashboard.resolve_scope(
            session, grade=grade, academic_year=None, allowed_grades=None
        )
        return kpis(dashboard.overview_data(session, policy, scope))


def kpis(data: object) -> dict[str, object]:
    figures = data.kpis  # type: ignore[attr-defined]
    names = ("attendance_rate", "chronic_absenteeism_rate", "period_attendance_rate")
    return {name: figures[name] for name in names} | {"tiers": figures["tier_counts"]}


def hits(result: str = "hit") -> float:
    """This process's page-cache look-ups with `result` ("hit" or "miss") so far."""
    value = REGISTRY.get_sample_value("attendly_page_cache_requests_total", {"result": result})
    return value or 0.0


@pytest.fixture
def two_processes(engine: Engine, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two apps (two web processes) on the engine's database sharing one Redis prefix."""
    redis_client()
    clean(engine)
    url = engine.url.render_as_string(hide_password=False)
    prefix = unique_prefix()
    first = make_app(url, tmp_path / "first", REDIS_URL, prefix)
    second = make_app(url, tmp_path / "second", REDIS_URL, prefix)
    import_school(first, tmp_path)
    yield first, second
    dispose(first, second)


def test_after_an_import_every_process_reads_the_new_numbers(
    two_processes: tuple[Flask, Flask], engine: Engine, tmp_path: Path
) -> None:
    first, second = two_processes
    before = {grade: overview(first, grade) for grade in (None, 6, 7)}
    assert before[6]["attendance_rate"] == school.EXPECTED[6]["attendance_rate"]
    counted = hits()
    assert {grade: overview(second, grade) for grade in (None, 6, 7)} == before
    assert hits() >= counted + 3  # the second process read the first one's entries

    import_school(first, tmp_path, absent_601=True)  # commits, publishes its event

    for app in (first, second):
        after = {grade: overview(app, grade) for grade in (None, 6, 7)}
        assert after == {grade: uncached(engine, grade) for grade in (None, 6, 7)}
        assert after[6]["attendance_rate"] == 84.21  # 32 of 38 days (was 86.84)
        assert after[None]["attendance_rate"] != before[None]["attendance_rate"]
        assert after[7] == before[7]


def test_an_event_makes_its_grade_and_the_school_stale_in_every_process(
    two_processes: tuple[Flask, Flask],
) -> None:
    first, second = two_processes
    for app in (first, second):
        for grade in (None, 6, 7):
            overview(app, grade)  # cached in Redis and in both processes' L1
    event = {"kind": "attendance", "school": "001", "grades": [6], "student_ids": [], "version": 5}
    invalidate(first, event)  # what the first process's warmer does on hearing it
    for grade, stale in ((7, False), (6, True), (None, True)):
        misses = hits("miss")
        overview(second, grade)
        assert (hits("miss") > misses) is stale, grade  # computed again only when stale


def test_pages_keep_working_while_redis_is_down(engine: Engine, tmp_path: Path) -> None:
    clean(engine)
    url = engine.url.render_as_string(hide_password=False)
    with private_redis() as server:
        app = make_app(url, tmp_path, server.url, unique_prefix())
        import_school(app, tmp_path)
        before = overview(app, 6)
        server.stop()
        assert overview(app, 6) == before
        import_school(app, tmp_path, absent_601=True)  # its event is lost: Redis is down
        assert overview(app, 6) == uncached(engine, 6) != before
        dispose(app)
