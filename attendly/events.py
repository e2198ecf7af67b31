"""The "data changed" event bus: in-process by default, Redis pub/sub when REDIS_URL is set.

Every event is a dict `{kind, school, grades, student_ids, version}`; `version` increases by
one per event so a client can ask for what it missed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

logger = logging.getLogger(__name__)

CHANNEL = "attendly:events"
VERSION_KEY = "attendly:events:version"
Listener = Callable[[dict[str, Any]], None]


class EventBus(Protocol):
    def publish(self, event: dict[str, Any]) -> int: ...

    def version(self) -> int: ...


class InProcessEventBus:
    """Events within one process (the embedded default): listeners are called synchronously."""

    def __init__(self, history: int = 1000) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._listeners: list[Listener] = []
        self.recent: deque[dict[str, Any]] = deque(maxlen=history)

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def publish(self, event: dict[str, Any]) -> int:
        with self._lock:
            self._version += 1
            stamped = {**event, "version": self._version}
            self.recent.append(stamped)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(stamped)
        return stamped["version"]

    def version(self) -> int:
        return self._version


class RedisEventBus:
    """Events across processes: INCR a version counter, then PUBLISH the stamped event."""

    def __init__(self, redis_url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)

    def publish(self, event: dict[str, Any]) -> int:
        version = int(self._redis.incr(VERSION_KEY))
        self._redis.publish(CHANNEL, json.dumps({**event, "version": version}))
        return version

    def version(self) -> int:
        return int(self._redis.get(VERSION_KEY) or 0)


def data_changed(
    kind: str, school: str | None, grades: Iterable[int], student_ids: Iterable[str]
) -> dict[str, Any]:
    """Build the event naming what changed (ids sorted, grades unique)."""
    return {
        "kind": kind,
        "school": school,
        "grades": sorted({int(g) for g in grades}),
        "student_ids": sorted(set(student_ids)),
    }
