"""Liveness and readiness endpoints (no login).

GET /health answers while the process serves requests. GET /ready answers 200 only when
the process can do its work: the database answers, Redis answers (when configured), a job
runner is there (an RQ worker listening on the "attendly" queue with a recent heartbeat, or
the in-process runner of the embedded default) and the database schema is at every migration
head of the code. Otherwise 503, and `checks` names each failing check with its reason.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from attendly.extensions import db
from attendly.settings import Settings

blueprint = Blueprint("health", __name__)
OK = "ok"


@blueprint.route("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@blueprint.route("/ready")
def ready() -> tuple[Response, int]:
    """{"status": "ok"|"unavailable", "checks": {name: "ok"|"failed: why"}}; 503 on a failure."""
    checks = readiness(current_app._get_current_object())  # type: ignore[attr-defined]
    ok = all(value == OK for value in checks.values())
    return jsonify({"status": "ok" if ok else "unavailable", "checks": checks}), 200 if ok else 503


def readiness(app: Flask) -> dict[str, str]:
    """Every readiness check of `app`, by name: "ok" or "failed: <reason>"."""
    settings: Settings = app.config["ATTENDLY_SETTINGS"]
    checks = {"database": check_database()}
    if settings.redis_url:
        checks["redis"] = check_redis(settings.redis_url)
    checks["worker"] = check_worker(app, settings)
    if checks["database"] == OK:
        checks["migrations"] = check_migrations(db.engine)
    else:
        checks["migrations"] = "failed: database unreachable"
    return checks


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return OK
    except SQLAlchemyError as exc:
        db.session.rollback()
        return f"failed: {exc.__class__.__name__}"


def check_redis(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return OK
    except redis.RedisError as exc:
        return f"failed: {exc.__class__.__name__}"


def check_worker(app: Flask, settings: Settings, now: dt.datetime | None = None) -> str:
    """With REDIS_URL: an RQ worker on the import queue whose heartbeat is at most
    ATTENDLY_WORKER_HEARTBEAT_SECONDS old. Without: the in-process runner is not shut down."""
    if not settings.redis_url:
        return _local_runner(app)
    import redis

    from attendly.jobs import QUEUE
    from attendly.queue_health import heartbeat_age, worker_states

    moment = now or dt.datetime.now(dt.UTC)
    try:
        workers = worker_states(settings, moment, queue=QUEUE)
    except redis.RedisError as exc:
        return f"failed: {exc.__class__.__name__}"
    ages = [heartbeat_age(w["last_heartbeat"], moment) for w in workers if w["last_heartbeat"]]
    limit = settings.worker_heartbeat_seconds
    if not ages:
        return "failed: no worker listens on the attendly queue (start `attendly worker`)"
    if min(ages) > limit:
        return f"failed: newest worker heartbeat is {min(ages):.0f} s old (limit {limit} s)"
    return OK


def _local_runner(app: Flask) -> str:
    """The embedded runner starts on the first import; once started it must not be shut down."""
    from attendly.jobs import EXECUTOR

    executor: Any = app.extensions.get(EXECUTOR)
    if executor is not None and getattr(executor, "_shutdown", False):
        return "failed: the in-process job runner is shut down"
    return OK


def check_migrations(engine: Engine) -> str:
    """ "ok" when the database is at every migration head of the code, else what differs."""
    try:
        with engine.connect() as connection:  # read directly: Alembic's context logs each time
            stored = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError as exc:
        return f"failed: migration state unreadable ({exc.__class__.__name__})"
    missing, unknown = sorted(set(code_heads()) - stored), sorted(stored - set(code_heads()))
    if missing:
        return f"failed: database lacks migrations {', '.join(missing)} (run `attendly init-db`)"
    if unknown:
        return f"failed: database is at migrations {', '.join(unknown)} this code does not know"
    return OK


@lru_cache(maxsize=1)
def code_heads() -> tuple[str, ...]:
    """The migration heads shipped with this code (read once: code does not change at run time)."""
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))
