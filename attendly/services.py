"""Process-wide services chosen by configuration: the event bus (and later the job queue)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, has_app_context

from attendly.events import SCOPE_KEY, EventBus, InProcessEventBus, RedisEventBus
from attendly.settings import Settings

logger = logging.getLogger(__name__)

_fallback_bus = InProcessEventBus()
ID_CHUNK = 900  # ids per IN (...) query: under SQLite's bound-parameter limit


def init_app(server: Flask, settings: Settings) -> None:
    """Attach the event bus: Redis pub/sub when REDIS_URL is set, in-process otherwise."""
    bus: EventBus
    if settings.redis_url:
        bus = RedisEventBus(
            settings.redis_url,
            prefix=settings.events_prefix,
            history=settings.events_log_size,
            student_channels=settings.events_student_channels,
        )
    else:
        bus = InProcessEventBus(history=settings.events_log_size)
    server.extensions["attendly.events"] = bus


def event_bus() -> EventBus:
    """The current app's bus; outside an app (pure library use) a process-local one."""
    if has_app_context():
        bus: EventBus = current_app.extensions["attendly.events"]
        return bus
    return _fallback_bus


def publish(event: dict[str, Any]) -> int:
    """Publish one event on the configured bus; returns its version.

    Within an app, an event spanning several grades (or no single school) first gets each
    student's grade and school, so web processes can trim it per user without a query.
    Callers have committed already: when Redis is unreachable the event is logged as lost
    and 0 returned (open dashboards show the change on their next refresh), never raised.
    """
    import redis

    if has_app_context() and needs_scope(event):
        event = {**event, SCOPE_KEY: student_scope(event["student_ids"])}
    try:
        return event_bus().publish(event)
    except redis.RedisError as exc:
        logger.warning("change event %s not published, Redis is unreachable: %s", event, exc)
        return 0


def needs_scope(event: dict[str, Any]) -> bool:
    """True when the event's grades and school alone do not place each of its students."""
    if SCOPE_KEY in event or not event.get("student_ids"):
        return False
    return len(event.get("grades", [])) != 1 or not event.get("school")


def student_scope(student_ids: Iterable[str]) -> dict[str, list[Any]]:
    """{student id: [grade level, school code]} of the students that exist (a separate
    connection: the caller's session and transaction are left alone)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from attendly.extensions import db
    from db.models import School, Student

    ids = sorted(set(student_ids))
    scope: dict[str, list[Any]] = {}
    query = select(Student.id, Student.grade_level, School.code).join(School)
    try:
        with db.engine.connect() as connection:
            for start in range(0, len(ids), ID_CHUNK):
                chunk = ids[start : start + ID_CHUNK]
                for student_id, grade, code in connection.execute(
                    query.where(Student.id.in_(chunk))
                ):
                    scope[student_id] = [grade, code]
    except SQLAlchemyError:
        logger.exception("could not look up the students of a change event")
    return scope
