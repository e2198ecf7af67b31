"""The per-process listener and its connection queues, on a private Redis it may stop."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest

from attendly.event_scope import Viewer
from attendly.events import RedisEventBus, data_changed
from attendly.fanout import Connection, Hub
from tests.realtime.live import private_redis, unique_prefix, wait_until


def messages(connection: Connection, timeout: float = 5.0) -> list[dict[str, object]]:
    taken = connection.take(timeout)
    assert taken is not None, "the connection closed"
    items, overflowed = taken
    assert not overflowed
    return [json.loads(str(item)) for item in items]


def test_listener_survives_redis_going_away_quietly_and_resumes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with private_redis() as server:
        bus = RedisEventBus(server.url, prefix=unique_prefix())
        hub = Hub(bus)
        connection = hub.connect(Viewer(grades=frozenset({6})))
        try:
            wait_until(lambda: hub.listening and hub.last_version is not None, what="listening")
            first = bus.publish(data_changed("attendance", "001", [6], ["S6"]))
            assert [m["version"] for m in messages(connection)] == [first]
            caplog.set_level(logging.WARNING, logger="attendly.fanout")
            server.stop()
            wait_until(lambda: not hub.listening, what="the outage noticed")
            cpu = sum(os.times()[:2])
            time.sleep(3)
            assert sum(os.times()[:2]) - cpu < 0.3, "the listener busy-loops while Redis is down"
            paused = [r for r in caplog.records if "paused" in r.getMessage()]
            assert len(paused) == 1, [r.getMessage() for r in caplog.records]
            server.start()
            wait_until(lambda: hub.listening, timeout=15, what="the listener back")
            assert any("resumed" in r.getMessage() for r in caplog.records)
            # The new Redis has no log and a fresh counter: refresh everything, then go on.
            assert messages(connection) == [{"kind": "resync", "version": 0}]
            again = bus.publish(data_changed("attendance", "001", [6], ["S6"]))
            seven = bus.publish(data_changed("attendance", "001", [7], ["S7"]))
            assert again == 1 and seven == 2
            wait_until(lambda: hub.last_version == seven, what="both events dispatched")
            assert [m["version"] for m in messages(connection)] == [again]
        finally:
            hub.disconnect(connection)
            hub.stop()


def test_a_connection_too_far_behind_is_told_to_resync() -> None:
    connection = Connection(Viewer(), limit=3)
    for number in range(4):
        connection.offer(f'{{"version": {number}}}')
    assert connection.take(0) == ([], True)
    connection.offer(7)
    assert connection.take(0) == ([7], False)
    connection.close()
    assert connection.take(0) is None
