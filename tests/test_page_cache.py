"""The page cache: LRU with a TTL, and single flight for a key being computed."""

from __future__ import annotations

import threading
import time

from attendly.cache import PageCache


def test_a_second_asker_waits_for_the_value_being_computed() -> None:
    cache = PageCache()
    calls: list[str] = []
    started = threading.Event()

    def slow() -> str:
        calls.append("slow")
        started.set()
        time.sleep(0.3)
        return "figures"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
    first.start()
    started.wait(2)
    second = cache.get_or_compute("k", lambda: calls.append("second") or "other")
    first.join()
    assert second == "figures" and results == ["figures"]
    assert calls == ["slow"]


def test_a_failed_computation_lets_the_waiter_compute() -> None:
    cache = PageCache()
    started = threading.Event()

    def failing() -> str:
        started.set()
        time.sleep(0.2)
        raise RuntimeError("database went away")

    errors: list[Exception] = []

    def run() -> None:
        try:
            cache.get_or_compute("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    first = threading.Thread(target=run)
    first.start()
    started.wait(2)
    assert cache.get_or_compute("k", lambda: "recomputed") == "recomputed"
    first.join()
    assert [str(e) for e in errors] == ["database went away"]
    assert cache.get_or_compute("k", lambda: "not again") == "recomputed"


def test_a_waiter_gives_up_after_the_wait_and_computes_itself() -> None:
    cache = PageCache(wait=0.05)
    started, release = threading.Event(), threading.Event()

    def stuck() -> str:
        started.set()
        release.wait(5)
        return "late"

    first = threading.Thread(target=lambda: cache.get_or_compute("k", stuck))
    first.start()
    started.wait(2)
    assert cache.get_or_compute("k", lambda: "own") == "own"
    release.set()
    first.join()


def test_entries_expire_and_the_size_is_bounded() -> None:
    cache = PageCache(size=2, ttl=0.1)
    assert cache.get_or_compute("a", lambda: 1) == 1
    assert cache.get_or_compute("a", lambda: 2) == 1
    time.sleep(0.15)
    assert cache.get_or_compute("a", lambda: 3) == 3
    cache.get_or_compute("b", lambda: 4)
    cache.get_or_compute("c", lambda: 5)
    assert cache.get_or_compute("a", lambda: 6) == 6


def test_an_event_drops_the_entries_of_its_grades_and_the_whole_school_only() -> None:
    from db.dashboard import Scope

    cache = PageCache()
    keys = {
        "school": ("overview", Scope("2025-2026", None, None)),
        "grade6": ("overview", Scope("2025-2026", None, (6,), 6)),
        "grades78": ("overview", Scope("2025-2026", None, (7, 8))),
        "unscoped": ("student-figures", (6,), 1),
    }
    for name, key in keys.items():
        cache.get_or_compute(key, lambda name=name: name)
    cache.invalidate({"kind": "attendance", "grades": [8], "student_ids": ["801"]})
    kept = {name: cache.get_or_compute(key, lambda: "computed") for name, key in keys.items()}
    assert kept == {
        "school": "computed",
        "grade6": "grade6",
        "grades78": "computed",
        "unscoped": "computed",  # no Scope in the key: any event may concern it
    }
    cache.invalidate({"kind": "import", "grades": [], "student_ids": []})  # every grade
    assert cache.get_or_compute(keys["grade6"], lambda: "again") == "again"


def test_a_value_computed_across_an_invalidation_is_not_kept() -> None:
    cache = PageCache()
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "read before the change"

    first = threading.Thread(target=lambda: cache.get_or_compute("k", slow))
    first.start()
    started.wait(2)
    cache.invalidate({"kind": "attendance", "grades": [6], "student_ids": []})
    release.set()
    first.join()
    assert cache.get_or_compute("k", lambda: "after the change") == "after the change"
