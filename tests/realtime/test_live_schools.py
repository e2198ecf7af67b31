"""Change events of several schools through the real event log, merged as a tab catching up
receives them: the merged event names their schools, so a page showing one school can tell
whether to redraw."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from attendly.event_scope import Viewer
from attendly.events import InProcessEventBus, RedisEventBus, data_changed
from attendly.live import merge, touches_grades, touches_schools
from attendly.realtime import catch_up
from tests.realtime.live import unique_prefix
from tests.services import REDIS_URL, redis_client

NORTH, SOUTH = "001", "002"


@pytest.fixture(params=["redis", "in_process"])
def bus(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "in_process":
        yield InProcessEventBus()
    else:
        redis_client()
        yield RedisEventBus(REDIS_URL, prefix=unique_prefix())


def caught_up(bus: Any, viewer: Viewer, since: int) -> dict[str, Any] | None:
    """What a tab of `viewer` that saw version `since` gets: the missed events as one."""
    version, events, resync = catch_up(viewer, bus, since)
    return merge(events, version, resync) if events or resync else None


def test_a_catch_up_names_the_schools_of_every_missed_event(bus: Any) -> None:
    since = bus.publish(data_changed("attendance", NORTH, [6], ["601"]))
    bus.publish(data_changed("import", SOUTH, [7], ["T7"]))
    merged = caught_up(bus, Viewer(), since)
    assert merged is not None
    assert merged["schools"] == [SOUTH] and merged["school"] == SOUTH
    assert not touches_schools(merged, [NORTH])  # a page of North stays as it is
    assert touches_schools(merged, [SOUTH]) and touches_schools(merged, None)

    bus.publish(data_changed("attendance", NORTH, [6], ["602"]))
    both = caught_up(bus, Viewer(), since)
    assert both is not None and both["schools"] == [NORTH, SOUTH] and both["school"] is None
    assert touches_schools(both, [NORTH]) and touches_schools(both, [SOUTH])


def test_an_event_naming_no_school_reaches_every_schools_page(bus: Any) -> None:
    since = bus.publish(data_changed("import", SOUTH, [7], ["T7"]))
    bus.publish(data_changed("import", None, [], []))  # the attendance code table
    merged = caught_up(bus, Viewer(), since - 1)
    assert merged is not None and merged["schools"] == [] and merged["school"] is None
    assert touches_schools(merged, [NORTH]) and touches_grades(merged, [6])


def test_a_user_of_one_school_catches_up_on_that_school_alone(bus: Any) -> None:
    since = bus.version()
    bus.publish(data_changed("attendance", NORTH, [6], ["601"]))
    bus.publish(data_changed("attendance", SOUTH, [7], ["T7"]))
    merged = caught_up(bus, Viewer(schools=frozenset({SOUTH})), since)
    assert merged is not None and merged["schools"] == [SOUTH]
    assert merged["student_ids"] == ["T7"]
    assert caught_up(bus, Viewer(schools=frozenset({"003"})), since) is None
