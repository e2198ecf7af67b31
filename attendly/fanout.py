"""One listener per web process, fanning change events out to its open websockets.

With Redis, one daemon thread per process pattern-subscribes to the school channels (each
event is on exactly one of them), blocking in `get_message(timeout=1)`: no busy loop. When
Redis goes away it logs once, retries with backoff (0.5 s doubling to 10 s) and, back on,
replays from the event log what was published meanwhile. Without Redis the in-process bus
calls the hub directly. With a cache warmer (attendly.warmup) an event reaches the sockets
once the figures it changed are recomputed, or after a bounded delay. Each connection has
its own bounded queue of ready JSON messages, already trimmed to what its user may see; a
connection that falls too far behind gets one `resync` message instead of its backlog.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from attendly.event_scope import Viewer, visible
from attendly.events import EventBus, InProcessEventBus, RedisEventBus

if TYPE_CHECKING:
    from attendly.warmup import Warmer

logger = logging.getLogger(__name__)

QUEUE_LIMIT = 1000  # messages waiting for one connection before it is told to resync
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 10.0  # seconds between attempts to reach Redis
POLL_SECONDS = 1.0  # how long one get_message waits; bounds how fast the thread stops


def resync_message(version: int) -> str:
    """Tell a client to refresh everything (it missed more than can be replayed)."""
    return json.dumps({"kind": "resync", "version": version})


class Connection:
    """One open websocket's queue: JSON messages to send, or catch-up requests (ints)."""

    def __init__(self, viewer: Viewer, limit: int = QUEUE_LIMIT) -> None:
        self.viewer = viewer
        self._items: deque[str | int] = deque()
        self._limit = limit
        self._ready = threading.Condition()
        self.overflowed = False
        self.closed = False

    def offer(self, item: str | int) -> None:
        """Queue a message or a request; a full queue is dropped and marked for a resync."""
        with self._ready:
            if len(self._items) >= self._limit:
                self._items.clear()
                self.overflowed = True
            else:
                self._items.append(item)
            self._ready.notify()

    def close(self) -> None:
        with self._ready:
            self.closed = True
            self._ready.notify()

    def take(self, timeout: float | None = None) -> tuple[list[str | int], bool] | None:
        """Everything queued and whether a resync is due; None once closed."""
        with self._ready:
            self._ready.wait_for(lambda: self._items or self.closed or self.overflowed, timeout)
            if self.closed:
                return None
            items, overflowed = list(self._items), self.overflowed
            self._items.clear()
            self.overflowed = False
            return items, overflowed


class Hub:
    """The process's open connections and the one listener feeding them."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._lock = threading.Lock()
        self._connections: set[Connection] = set()
        self._started = False
        self._stop = threading.Event()
        self.last_version: int | None = None
        self.listening = isinstance(bus, InProcessEventBus)
        self.warmer: Warmer | None = None  # set by attendly.warmup when warming is on

    def connect(self, viewer: Viewer) -> Connection:
        self.start()
        connection = Connection(viewer)
        with self._lock:
            self._connections.add(connection)
        return connection

    def disconnect(self, connection: Connection) -> None:
        connection.close()
        with self._lock:
            self._connections.discard(connection)

    def count(self) -> int:
        with self._lock:
            return len(self._connections)

    def dispatch(self, event: dict[str, Any]) -> None:
        """Take one event in: through the warmer when there is one (it fans out once the
        changed figures are cached, see attendly.warmup), else fanned out at once. Never
        raises: it runs on the publisher's thread in-process, on the listener's with Redis."""
        try:
            self.last_version = max(self.last_version or 0, int(event["version"]))
        except (KeyError, TypeError, ValueError):
            logger.exception("change event without a version: %r", event)
            return
        if self.warmer is None:
            self.fan_out(event)
        else:
            self.warmer.submit(event, self.fan_out)

    def fan_out(self, event: dict[str, Any]) -> None:
        """Queue the event for every connection whose user may see it (never raises)."""
        try:
            with self._lock:
                connections = list(self._connections)
            messages: dict[Viewer, str | None] = {}
            for connection in connections:
                if connection.viewer not in messages:
                    trimmed = visible(connection.viewer, event)
                    messages[connection.viewer] = json.dumps(trimmed) if trimmed else None
                message = messages[connection.viewer]
                if message is not None:
                    connection.offer(message)
        except Exception:  # a bad event must not break the publisher or the listener
            logger.exception("could not fan out change event %r", event.get("version"))

    def broadcast_resync(self, version: int) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.offer(resync_message(version))

    def start(self) -> None:
        """Start listening (once per process; idempotent and thread-safe)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        if isinstance(self.bus, InProcessEventBus):
            self.bus.subscribe(self.dispatch)
        elif isinstance(self.bus, RedisEventBus):
            listener = RedisListener(self, self.bus, self._stop)
            threading.Thread(target=listener.run, name="attendly-events", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self.warmer is not None:
            self.warmer.stop()
        if isinstance(self.bus, InProcessEventBus):
            self.bus.unsubscribe(self.dispatch)


class RedisListener:
    """The listener thread's loop: subscribe, dispatch, and survive Redis going away."""

    def __init__(self, hub: Hub, bus: RedisEventBus, stop: threading.Event) -> None:
        self.hub = hub
        self.bus = bus
        self.stop = stop
        self.failures = 0

    def run(self) -> None:
        import redis

        while not self.stop.is_set():
            try:
                self.listen()
            except redis.RedisError as exc:
                self.hub.listening = False
                if self.failures == 0:
                    logger.warning(
                        "live updates paused: Redis at %s is unreachable (%s); retrying",
                        self.bus.redis_url,
                        exc,
                    )
                self.failures += 1
                self.stop.wait(min(BACKOFF_FIRST * 2 ** (self.failures - 1), BACKOFF_MAX))

    def listen(self) -> None:
        """Subscribe, catch up on what was published while away, then dispatch until stopped."""
        import redis

        client = redis.Redis.from_url(
            self.bus.redis_url, socket_connect_timeout=2, health_check_interval=15
        )
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.psubscribe(self.bus.channels.schools)
            self.catch_up()
            if self.failures:
                logger.warning("live updates resumed: Redis at %s is back", self.bus.redis_url)
            self.failures = 0
            self.hub.listening = True
            while not self.stop.is_set():
                message = pubsub.get_message(timeout=POLL_SECONDS)
                if message is not None and message["type"] == "pmessage":
                    self.deliver(json.loads(message["data"]))
        finally:
            pubsub.close()
            client.close()

    def deliver(self, event: dict[str, Any]) -> None:
        """Dispatch an event unless catch-up already did (Redis publishes in version order)."""
        if int(event["version"]) > (self.hub.last_version or 0):
            self.hub.dispatch(event)

    def catch_up(self) -> None:
        """Replay the events logged since the last one dispatched (none on the first start)."""
        since = self.hub.last_version
        if since is None:
            self.hub.last_version = self.bus.version()
            return
        found = self.bus.events_since(since)
        if not found.complete:
            self.hub.broadcast_resync(found.version)
            self.hub.last_version = found.version
            return
        for event in found.events:
            self.hub.dispatch(event)
