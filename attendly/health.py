"""Liveness and readiness endpoints (no login)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from attendly.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.route("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@blueprint.route("/ready")
def ready() -> tuple[Response, int]:
    """Database (and Redis when configured) reachable; 503 naming the failing check."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"failed: {exc.__class__.__name__}"
    settings = current_app.config["ATTENDLY_SETTINGS"]
    if settings.redis_url:
        checks["redis"] = _check_redis(settings.redis_url)
    ok = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ok" if ok else "unavailable", "checks": checks}), 200 if ok else 503


def _check_redis(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return "ok"
    except redis.RedisError as exc:
        return f"failed: {exc.__class__.__name__}"
