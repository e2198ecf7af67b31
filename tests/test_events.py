"""The "data changed" event bus, in-process and over a real Redis."""

from __future__ import annotations

import json

from attendly.events import CHANNEL, InProcessEventBus, RedisEventBus, data_changed
from tests.services import REDIS_URL, redis_client


def test_data_changed_event_shape() -> None:
    event = data_changed("attendance", "101", [7, 6, 7], ["0012", "7", "0012"])
    assert event == {
        "kind": "attendance",
        "school": "101",
        "grades": [6, 7],
        "student_ids": ["0012", "7"],
    }


def test_in_process_bus_stamps_versions_and_calls_listeners() -> None:
    bus = InProcessEventBus()
    seen: list[dict[str, object]] = []
    bus.subscribe(seen.append)
    first = bus.publish(data_changed("roster", "101", [6], ["1"]))
    second = bus.publish(data_changed("attendance", "101", [7], ["2"]))
    assert (first, second, bus.version()) == (1, 2, 2)
    assert [event["version"] for event in seen] == [1, 2]
    assert seen[1]["kind"] == "attendance"


def test_redis_bus_publishes_to_subscribers() -> None:
    client = redis_client()
    pubsub = client.pubsub()
    pubsub.subscribe(CHANNEL)
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"  # type: ignore[index]
    bus = RedisEventBus(REDIS_URL)
    version = bus.publish(data_changed("attendance", "101", [8], ["0042"]))
    message = pubsub.get_message(timeout=2)
    assert message is not None and message["type"] == "message"
    event = json.loads(message["data"])
    assert event == {
        "kind": "attendance",
        "school": "101",
        "grades": [8],
        "student_ids": ["0042"],
        "version": version,
    }
    assert bus.version() == version == 1
    pubsub.close()
