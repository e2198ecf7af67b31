"""The page cache shared through Redis (attendly.page_cache_redis), on the test Redis.

Two RedisPageCache objects on one Redis and prefix stand for two web processes. Keys carry a
db.dashboard.Scope as the dashboards' keys do, so invalidation by grade is the real one.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from attendly.page_cache_redis import RedisPageCache
from db.dashboard import Scope
from tests.realtime.live import private_redis, unique_prefix
from tests.services import REDIS_URL, redis_client

YEAR, AS_OF = "2025-2026", dt.date(2025, 9, 26)
SCHOOL, GRADE6, GRADE7 = (
    ("overview", Scope(YEAR, AS_OF, grades, grade), (3, 1))
    for grades, grade in ((None, None), ((6,), 6), ((7,), 7))
)


class Counter:
    """A computation that counts its calls and returns a fresh list each time."""

    def __init__(self, value: str) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> list[str]:
        self.calls += 1
        return [self.value, str(self.calls)]


@pytest.fixture
def caches() -> Iterator[Callable[..., RedisPageCache]]:
    """Make caches ("processes") sharing one prefix of the flushed test Redis."""
    redis_client()
    prefix = unique_prefix()
    yield lambda **options: RedisPageCache(REDIS_URL, prefix=prefix, **options)


def test_a_value_computed_in_one_process_serves_another(
    caches: Callable[..., RedisPageCache],
) -> None:
    first, second = caches(), caches()
    compute = Counter("figures")
    assert first.get_or_compute(SCHOOL, compute) == ["figures", "1"]
    assert second.get_or_compute(SCHOOL, compute) == ["figures", "1"]
    assert compute.calls == 1


def test_the_l1_keeps_a_hot_entry_unpickled(caches: Callable[..., RedisPageCache]) -> None:
    first, second = caches(), caches()
    value = first.get_or_compute(SCHOOL, Counter("figures"))
    assert first.get_or_compute(SCHOOL, Counter("other")) is value  # the very object: L1
    from_redis = second.get_or_compute(SCHOOL, Counter("other"))
    assert from_redis == value and from_redis is not value  # unpickled once from Redis
    assert second.get_or_compute(SCHOOL, Counter("other")) is from_redis


def test_entries_expire_after_the_ttl(caches: Callable[..., RedisPageCache]) -> None:
    first = caches(ttl=1.0)
    compute = Counter("figures")
    first.get_or_compute(SCHOOL, compute)
    import redis

    names = [
        name
        for name in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"{first._prefix}:v1:*")
        if not name.endswith(b":lock")
    ]
    assert len(names) == 1
    assert 0 < redis.Redis.from_url(REDIS_URL).pttl(names[0]) <= 1000
    time.sleep(1.1)
    assert caches().get_or_compute(SCHOOL, compute) == ["figures", "2"]


def fill(cache: RedisPageCache, counters: dict[str, Counter]) -> None:
    for name, key in (("school", SCHOOL), ("grade6", GRADE6), ("grade7", GRADE7)):
        cache.get_or_compute(key, counters[name])


def test_an_event_for_grade_6_makes_its_and_the_whole_school_entries_stale_everywhere(
    caches: Callable[..., RedisPageCache],
) -> None:
    first, second = caches(), caches()
    counters = {name: Counter(name) for name in ("school", "grade6", "grade7")}
    fill(first, counters)
    fill(second, counters)  # now in both processes' L1 too
    assert {name: c.calls for name, c in counters.items()} == dict.fromkeys(counters, 1)
    first.invalidate({"kind": "attendance", "grades": [6], "student_ids": [], "version": 7})
    fill(second, counters)
    assert {name: c.calls for name, c in counters.items()} == {
        "school": 2,
        "grade6": 2,
        "grade7": 1,
    }
    fill(first, counters)  # the first process reads what the second computed
    assert counters["school"].calls == 2 and counters["grade6"].calls == 2


def test_an_event_naming_no_grade_makes_every_entry_stale(
    caches: Callable[..., RedisPageCache],
) -> None:
    first = caches()
    counters = {name: Counter(name) for name in ("school", "grade6", "grade7")}
    fill(first, counters)
    caches().invalidate({"kind": "import", "grades": [], "student_ids": [], "version": 3})
    fill(first, counters)
    assert {name: c.calls for name, c in counters.items()} == dict.fromkeys(counters, 2)


def test_an_event_placing_its_students_by_scope_touches_their_grades_only(
    caches: Callable[..., RedisPageCache],
) -> None:
    first = caches()
    counters = {name: Counter(name) for name in ("school", "grade6", "grade7")}
    fill(first, counters)
    event = {"kind": "attendance", "grades": [], "student_ids": ["701"], "version": 4}
    first.invalidate({**event, "scope": {"701": [7, "001"]}})
    fill(first, counters)
    assert {name: c.calls for name, c in counters.items()} == {
        "school": 2,
        "grade6": 1,
        "grade7": 2,
    }


def test_every_process_hearing_the_same_event_invalidates_once(
    caches: Callable[..., RedisPageCache],
) -> None:
    first, second = caches(), caches()
    event = {"kind": "attendance", "grades": [6], "student_ids": [], "version": 9}
    first.invalidate(event)
    compute = Counter("grade6")
    first.get_or_compute(GRADE6, compute)
    second.invalidate(event)  # a slower process hears the same event after the recompute
    assert second.get_or_compute(GRADE6, compute) == ["grade6", "1"]
    assert compute.calls == 1


def test_a_process_waits_for_the_value_another_process_is_computing(
    caches: Callable[..., RedisPageCache], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="attendly.page_cache_redis")
    # The second waits up to a minute (not the 10 s default): a machine stalled for seconds
    # must not pass for a cache that stopped waiting.
    first, second = caches(), caches(wait=60.0)
    started = threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("first")
        started.set()
        time.sleep(0.3)
        return "figures"

    worker = threading.Thread(target=lambda: first.get_or_compute(SCHOOL, slow))
    worker.start()
    assert started.wait(5)
    waited = time.monotonic()
    value = second.get_or_compute(SCHOOL, lambda: calls.append("second") or "own")
    waited = time.monotonic() - waited
    worker.join()
    # Only a Redis failure or a wait past a minute could make the second compute:
    # say which, should it happen.
    assert (value, calls) == ("figures", ["first"]), (
        f"waited {waited:.2f} s; cache warnings: {caplog.messages}"
    )


def test_without_the_shared_lock_both_processes_compute(
    caches: Callable[..., RedisPageCache],
) -> None:
    first, second = caches(), caches()
    second.shared_lock = False
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "figures"

    worker = threading.Thread(target=lambda: first.get_or_compute(SCHOOL, slow))
    worker.start()
    assert started.wait(5)
    assert second.get_or_compute(SCHOOL, lambda: "own") == "own"
    release.set()
    worker.join()


def test_an_unreadable_entry_is_computed_again(caches: Callable[..., RedisPageCache]) -> None:
    import redis

    first = caches()
    first.get_or_compute(SCHOOL, Counter("figures"))
    client = redis.Redis.from_url(REDIS_URL)
    for name in client.scan_iter(match=f"{first._prefix}:v1:*"):
        client.set(name, pickle.dumps("x")[:-3])  # a truncated pickle
    assert caches().get_or_compute(SCHOOL, Counter("again")) == ["again", "1"]


def test_pages_keep_working_while_redis_is_down_and_share_again_after() -> None:
    with private_redis() as server:
        prefix = unique_prefix()
        first = RedisPageCache(server.url, prefix=prefix)
        compute = Counter("figures")
        assert first.get_or_compute(GRADE6, compute) == ["figures", "1"]
        server.stop()
        assert first.get_or_compute(GRADE6, compute) == ["figures", "2"]  # computed, no error
        assert first.get_or_compute(GRADE6, compute) == ["figures", "2"]  # the L1 carries on
        first.invalidate({"kind": "attendance", "grades": [6], "version": 2})  # heard locally
        assert first.get_or_compute(GRADE6, compute) == ["figures", "3"]
        server.start()
        time.sleep(2.1)  # RETRY_SECONDS: the cache asks Redis again
        assert first.get_or_compute(GRADE6, compute) == ["figures", "4"]  # a fresh Redis
        second = RedisPageCache(server.url, prefix=prefix)
        assert second.get_or_compute(GRADE6, compute) == ["figures", "4"]  # shared again


def test_a_value_computed_across_an_invalidation_is_not_served_after_it(
    caches: Callable[..., RedisPageCache],
) -> None:
    first = caches()
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "read before the change"

    worker = threading.Thread(target=lambda: first.get_or_compute(GRADE6, slow))
    worker.start()
    assert started.wait(5)
    caches().invalidate({"kind": "attendance", "grades": [6], "version": 12})
    release.set()
    worker.join()
    for cache in (first, caches()):
        assert cache.get_or_compute(GRADE6, lambda: "after the change") == "after the change"
