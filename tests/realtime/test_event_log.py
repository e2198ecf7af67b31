"""The event log behind catch-up and the Redis channels, in-process and on a real Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from attendly.events import Channels, InProcessEventBus, RedisEventBus, data_changed
from tests.realtime.live import unique_prefix
from tests.services import REDIS_URL, redis_client


@pytest.fixture(params=["in_process", "redis"])
def bus(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A bus keeping the last 5 events."""
    if request.param == "in_process":
        yield InProcessEventBus(history=5)
    else:
        redis_client()
        yield RedisEventBus(REDIS_URL, prefix=unique_prefix(), history=5)


def test_events_since_returns_the_missed_events_in_order(bus: Any) -> None:
    versions = [bus.publish(data_changed("attendance", "001", [6], [str(n)])) for n in range(4)]
    assert versions == [1, 2, 3, 4]
    found = bus.events_since(2)
    assert (found.version, found.complete) == (4, True)
    assert [(e["version"], e["student_ids"]) for e in found.events] == [(3, ["2"]), (4, ["3"])]
    assert bus.events_since(4).events == [] and bus.events_since(4).complete
    assert bus.events_since(0).complete  # the log still reaches back to the first event


def test_a_version_older_than_the_log_or_ahead_of_it_is_incomplete(bus: Any) -> None:
    for n in range(8):  # keeps versions 4..8
        bus.publish(data_changed("attendance", "001", [6], [str(n)]))
    assert bus.events_since(3).complete and len(bus.events_since(3).events) == 5
    assert not bus.events_since(2).complete
    assert bus.events_since(2).events == []
    assert not bus.events_since(9).complete  # the counter went back: the log was reset


def test_channels_name_school_grades_students_and_interventions() -> None:
    channels = Channels("p")
    change = data_changed("intervention", "001", [6, 7], ["A", "B"])
    assert channels.of(change, student_cap=2) == [
        "p:events", "p:school:001", "p:grade:6", "p:grade:7", "p:student:A", "p:student:B",
        "p:interventions",
    ]  # fmt: skip
    big = data_changed("attendance", None, [6], ["A", "B", "C"])
    assert channels.of(big, student_cap=2) == ["p:events", "p:school:any", "p:grade:6"]


def test_redis_publishes_one_payload_on_every_channel_of_the_event() -> None:
    client = redis_client()
    prefix = unique_prefix()
    bus = RedisEventBus(REDIS_URL, prefix=prefix, student_channels=1)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    names = [f"{prefix}:grade:7", f"{prefix}:student:B", f"{prefix}:interventions"]
    pubsub.subscribe(*names)
    pubsub.psubscribe(f"{prefix}:school:*")
    for _ in range(4):
        pubsub.get_message(timeout=1)  # the confirmations
    version = bus.publish(data_changed("intervention", "001", [7], ["B"]))
    got: dict[str, dict[str, Any]] = {}
    while (message := pubsub.get_message(timeout=2)) is not None:
        got[message["channel"].decode()] = json.loads(message["data"])
    assert sorted(got) == sorted([*names, f"{prefix}:school:001"])
    assert all(payload["version"] == version for payload in got.values())
    assert got[f"{prefix}:grade:7"] == {
        "version": version, "kind": "intervention", "school": "001", "grades": [7],
        "student_ids": ["B"],
    }  # fmt: skip
    pubsub.close()
