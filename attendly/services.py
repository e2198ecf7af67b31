"""Process-wide services chosen by configuration: the event bus (and later the job queue)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context

from attendly.events import EventBus, InProcessEventBus, RedisEventBus
from attendly.settings import Settings

_fallback_bus = InProcessEventBus()


def init_app(server: Flask, settings: Settings) -> None:
    """Attach the event bus: Redis pub/sub when REDIS_URL is set, in-process otherwise."""
    bus: EventBus = RedisEventBus(settings.redis_url) if settings.redis_url else InProcessEventBus()
    server.extensions["attendly.events"] = bus


def event_bus() -> EventBus:
    """The current app's bus; outside an app (pure library use) a process-local one."""
    if has_app_context():
        bus: EventBus = current_app.extensions["attendly.events"]
        return bus
    return _fallback_bus


def publish(event: dict[str, Any]) -> int:
    """Publish one event on the configured bus; returns its version."""
    return event_bus().publish(event)
