"""The "data changed" event bus: in-process by default, Redis pub/sub when REDIS_URL is set.

Every event is a dict `{kind, school, grades, student_ids, version}`; `version` increases by
one per event so a client can ask for what it missed. Kinds follow the websocket contract:
`attendance` (attendance rows changed: an attendance import, its rollback, a correction),
`iready` (i-Ready results or their mapping), `intervention` (an intervention, ladder step or
letter) and `import` (everything else an import changes: roster, attendance codes, calendar,
and the rollback of those). `school` is the school code, or None when the change spans
schools or its school is unknown; an event naming no grade and no student concerns every
grade of its school (of every school when None: the attendance code table, for instance).
Published within an app, an event whose grades and school do not place each student carries
`scope` {student id: [grade, school]} (attendly.services), used to trim it per user and
never sent to a browser.

Every published event is also kept in a log capped at `ATTENDLY_EVENTS_LOG_SIZE` events, so
`events_since(version)` can hand a reconnecting client what it missed, or say it must
refresh everything (`complete=False`) when the version is older than the log.

Channels on Redis (`{p}` is `ATTENDLY_EVENTS_PREFIX`, default `attendly`), all carrying the
same JSON payload: `{p}:school:{code}` (`{p}:school:any` when the school is None),
`{p}:grade:{n}` for each grade, `{p}:student:{id}` for each student when the event names at
most `ATTENDLY_EVENTS_STUDENT_CHANNELS` students (a larger change, such as an import, is
announced on its school and grade channels only), `{p}:interventions` for intervention
events, and `{p}:events` carrying every event. Web processes listen on the school family.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_PREFIX = "attendly"
CHANNEL = f"{DEFAULT_PREFIX}:events"  # every event, default prefix
VERSION_KEY = f"{DEFAULT_PREFIX}:events:version"
KINDS = ("attendance", "iready", "intervention", "import")
# An event's scope: {student id: [grade, school code]} so a web process can trim an event to
# what one user may see without asking the database (internal; never sent to a browser).
SCOPE_KEY = "scope"
Listener = Callable[[dict[str, Any]], None]

# INCR the version, stamp it into the JSON, keep it in the log and publish it, atomically: a
# subscriber receives events in version order and the log never misses a published event.
PUBLISH_SCRIPT = """
local version = redis.call('INCR', KEYS[1])
local payload = '{"version": ' .. version .. ', ' .. string.sub(ARGV[1], 2)
redis.call('ZADD', KEYS[2], version, payload)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
for index = 3, #ARGV do
  redis.call('PUBLISH', ARGV[index], payload)
end
return version
"""


@dataclass(frozen=True)
class Backlog:
    """What `events_since` found: the current version, the events after the asked version
    (oldest first), and whether they are complete (False: the log no longer reaches back)."""

    version: int
    events: list[dict[str, Any]]
    complete: bool


class EventBus(Protocol):
    def publish(self, event: dict[str, Any]) -> int: ...

    def version(self) -> int: ...

    def events_since(self, version: int) -> Backlog: ...


@dataclass(frozen=True)
class Channels:
    """The channel names under one prefix."""

    prefix: str = DEFAULT_PREFIX

    @property
    def everything(self) -> str:
        return f"{self.prefix}:events"

    @property
    def schools(self) -> str:
        """The pattern matching every school channel: each event is on exactly one of them."""
        return f"{self.prefix}:school:*"

    @property
    def interventions(self) -> str:
        return f"{self.prefix}:interventions"

    @property
    def version_key(self) -> str:
        return f"{self.prefix}:events:version"

    @property
    def log_key(self) -> str:
        return f"{self.prefix}:events:log"

    def school(self, code: str | None) -> str:
        return f"{self.prefix}:school:{code if code else 'any'}"

    def grade(self, grade: int) -> str:
        return f"{self.prefix}:grade:{grade}"

    def student(self, student_id: str) -> str:
        return f"{self.prefix}:student:{student_id}"

    def of(self, event: dict[str, Any], student_cap: int) -> list[str]:
        """Every channel an event goes to (see the module docstring)."""
        names = [self.everything, self.school(event.get("school"))]
        names += [self.grade(int(grade)) for grade in event.get("grades", [])]
        students = event.get("student_ids", [])
        if len(students) <= student_cap:
            names += [self.student(str(student)) for student in students]
        if event.get("kind") == "intervention":
            names.append(self.interventions)
        return names


def backlog(missed: list[dict[str, Any]], current: int, since: int, oldest: int) -> Backlog:
    """The answer to "what came after `since`" given the events after it (oldest first), the
    current version and the oldest kept version: incomplete when `since` is ahead of the
    current version (the log was reset) or older than the log reaches."""
    if since >= current:
        return Backlog(current, [], since == current)
    complete = since >= oldest - 1
    return Backlog(current, missed if complete else [], complete)


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

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, event: dict[str, Any]) -> int:
        with self._lock:
            self._version += 1
            stamped = {**event, "version": self._version}
            self.recent.append(stamped)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(stamped)
        return int(stamped["version"])

    def version(self) -> int:
        return self._version

    def events_since(self, version: int) -> Backlog:
        with self._lock:
            entries, current = list(self.recent), self._version
        oldest = int(entries[0]["version"]) if entries else current + 1
        missed = [event for event in entries if event["version"] > version]
        return backlog(missed, current, version, oldest)


class RedisEventBus:
    """Events across processes: one script stamps the version, logs and publishes each event."""

    def __init__(
        self,
        redis_url: str,
        prefix: str = DEFAULT_PREFIX,
        history: int = 1000,
        student_channels: int = 100,
    ) -> None:
        import redis

        self.redis_url = redis_url
        self.channels = Channels(prefix)
        self._history = history
        self._student_cap = student_channels
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
        self._script = self._redis.register_script(PUBLISH_SCRIPT)

    def publish(self, event: dict[str, Any]) -> int:
        """Stamp, log and publish one event; returns its version. Raises redis.RedisError."""
        if "kind" not in event:  # the script splices the version into a non-empty object
            raise ValueError(f"a change event needs a kind, got {sorted(event)}")
        body = json.dumps({key: value for key, value in event.items() if key != "version"})
        names = self.channels.of(event, self._student_cap)
        keys = [self.channels.version_key, self.channels.log_key]
        return int(self._script(keys=keys, args=[body, self._history, *names]))

    def version(self) -> int:
        return int(self._redis.get(self.channels.version_key) or 0)

    def events_since(self, version: int) -> Backlog:
        """The logged events after `version` (one round trip). Raises redis.RedisError."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.get(self.channels.version_key)
        pipe.zrange(self.channels.log_key, 0, 0, withscores=True)
        pipe.zrangebyscore(self.channels.log_key, f"({version}", "+inf")
        current_raw, first, rows = pipe.execute()
        current = int(current_raw or 0)
        oldest = int(first[0][1]) if first else current + 1
        return backlog([json.loads(row) for row in rows], current, version, oldest)


def normal_kind(kind: str) -> str:
    """The contract kind of a publisher's kind (see the module docstring)."""
    return kind if kind in KINDS else "import"


def data_changed(
    kind: str, school: str | None, grades: Iterable[int], student_ids: Iterable[str]
) -> dict[str, Any]:
    """Build the event naming what changed (ids sorted, grades unique, kind per the contract)."""
    return {
        "kind": normal_kind(kind),
        "school": school,
        "grades": sorted({int(g) for g in grades}),
        "student_ids": sorted(set(student_ids)),
    }
