"""GET /health and GET /ready: each readiness check passing and failing, named in the 503.

The worker check runs against a real `attendly worker` process and the real Redis; the
migrations check against a database really downgraded one revision (SQLite and PostgreSQL).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from attendly.health import check_migrations, code_heads, readiness
from db.migrate import alembic_config, upgrade
from tests.ops.observe import settings_changed
from tests.services import REDIS_URL, redis_client
from tests.web.conftest import client, fresh_sign_in_attempts, web_app  # noqa: F401
from tests.web.test_import_worker import background_worker, kill_worker

CLOSED_PORT = "127.0.0.1:9"  # nothing listens on the discard port here


@pytest.fixture
def on_redis(web_app: Flask) -> Iterator[Flask]:  # noqa: F811
    """The app with REDIS_URL set, on an emptied test Redis (no worker registered)."""
    redis_client()
    with settings_changed(web_app, redis_url=REDIS_URL) as app:
        yield app
    redis_client()  # a killed worker stays registered: leave nothing behind


def test_health_answers_without_login(client: FlaskClient) -> None:  # noqa: F811
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_ready_in_the_embedded_default(client: FlaskClient) -> None:  # noqa: F811
    response = client.get("/ready")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "worker": "ok", "migrations": "ok"},
    }


def test_ready_fails_when_the_in_process_runner_is_shut_down(
    web_app: Flask,  # noqa: F811
) -> None:
    from attendly.jobs import EXECUTOR

    runner = ThreadPoolExecutor(1)
    runner.shutdown()
    previous = web_app.extensions.get(EXECUTOR)
    web_app.extensions[EXECUTOR] = runner
    try:
        response = web_app.test_client().get("/ready")
    finally:
        web_app.extensions.pop(EXECUTOR)
        if previous is not None:
            web_app.extensions[EXECUTOR] = previous
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"] == "failed: the in-process job runner is shut down"
    assert body["checks"]["database"] == "ok"


def test_ready_names_an_unreachable_database_and_redis(tmp_path: Path) -> None:
    """A second, non-web app (no Dash) whose database and Redis do not answer."""
    from attendly import create_app
    from attendly.settings import Settings

    settings = Settings(
        instance_path=tmp_path,
        database_url=f"postgresql+psycopg://nobody@{CLOSED_PORT}/none?connect_timeout=1",
        redis_url=f"redis://{CLOSED_PORT}/0",
        env="test",
    )
    app = create_app(settings, web=False)
    with app.app_context():
        checks = readiness(app)
    assert checks == {
        "database": "failed: OperationalError",
        "redis": "failed: ConnectionError",
        "worker": "failed: ConnectionError",
        "migrations": "failed: database unreachable",
    }


def test_ready_is_503_until_a_worker_listens_and_again_once_it_stops(on_redis: Flask) -> None:
    http = on_redis.test_client()
    before = http.get("/ready")
    assert before.status_code == 503
    assert before.get_json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "worker": "failed: no worker listens on the attendly queue (start `attendly worker`)",
        "migrations": "ok",
    }
    with background_worker(on_redis):
        running = _wait_ready(http)
        assert running.get_json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok", "worker": "ok", "migrations": "ok"},
        }
        # RQ registers a worker before it handles SIGTERM: stop it once it waits for jobs.
        _wait_idle(on_redis)
    stopped = http.get("/ready")  # a cleanly stopped worker unregisters at once
    assert stopped.status_code == 503
    assert stopped.get_json()["checks"]["worker"].startswith("failed: no worker listens")


def test_a_worker_stopped_while_it_starts_unregisters(on_redis: Flask) -> None:
    """SIGTERM as soon as the worker shows in Redis: RQ registers it before installing its
    own handlers, so the signal lands while it starts; it must stop cleanly all the same."""
    import subprocess

    from tests.web.test_import_worker import ATTENDLY, worker_env

    workers = redis_client()
    process = subprocess.Popen(
        [ATTENDLY, "worker"], env=worker_env(on_redis), start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not workers.smembers("rq:workers:attendly"):
            assert process.poll() is None and time.monotonic() < deadline, "never registered"
            time.sleep(0.001)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            kill_worker(process, signal.SIGKILL)
    assert workers.smembers("rq:workers:attendly") == set()
    assert on_redis.test_client().get("/ready").status_code == 503


def test_a_killed_workers_stale_heartbeat_fails_the_check(on_redis: Flask) -> None:
    http = on_redis.test_client()
    with background_worker(on_redis) as worker:
        _wait_ready(http)
        kill_worker(worker, signal.SIGKILL)  # stays registered in Redis, heartbeat ageing
    assert http.get("/ready").status_code == 200  # younger than the 480 s default
    time.sleep(2.2)
    with settings_changed(on_redis, worker_heartbeat_seconds=2):
        stale = http.get("/ready")
    assert stale.status_code == 503
    worker_check = stale.get_json()["checks"]["worker"]
    assert worker_check.startswith("failed: newest worker heartbeat is "), worker_check
    assert worker_check.endswith(" s old (limit 2 s)"), worker_check


def _wait_idle(app: Flask, timeout: float = 60) -> None:
    """Until the registered worker waits for jobs (its signal handlers are in place)."""
    import datetime as dt

    from attendly.queue_health import worker_states

    settings = app.config["ATTENDLY_SETTINGS"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = dt.datetime.now(dt.UTC)
        if [w["state"] for w in worker_states(settings, now, "attendly")] == ["idle"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"never idle: {worker_states(settings, now, 'attendly')}")


def _wait_ready(http: FlaskClient, timeout: float = 60):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.get("/ready")
        if response.status_code == 200:
            return response
        time.sleep(0.2)
    raise AssertionError(f"never ready: {response.get_json()}")


def test_ready_names_migrations_the_database_lacks(web_app: Flask) -> None:  # noqa: F811
    """The app's own database with one migration head taken out of its version table."""
    head = code_heads()[0]
    with web_app.app_context():
        from attendly.extensions import db

        with db.engine.begin() as connection:
            connection.execute(
                text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": head}
            )
        try:
            response = web_app.test_client().get("/ready")
        finally:
            with db.engine.begin() as connection:
                connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == (
        f"failed: database lacks migrations {head} (run `attendly init-db`)"
    )
    assert web_app.test_client().get("/ready").status_code == 200


def test_migrations_check_after_a_real_downgrade(engine: Engine) -> None:
    """Downgraded one revision, then upgraded again (SQLite and PostgreSQL)."""
    from alembic import command

    assert check_migrations(engine) == "ok"
    head = code_heads()[0]
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, f"{head}@-1")
    try:
        assert check_migrations(engine) == (
            f"failed: database lacks migrations {head} (run `attendly init-db`)"
        )
    finally:
        upgrade(engine)
    assert check_migrations(engine) == "ok"


def test_migrations_check_names_an_unknown_revision(engine: Engine) -> None:
    """A database migrated by newer code (a revision this code does not have)."""
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
    try:
        assert check_migrations(engine) == (
            "failed: database is at migrations 9999 this code does not know"
        )
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM alembic_version WHERE version_num = '9999'"))
