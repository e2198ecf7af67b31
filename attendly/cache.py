"""A small read-through cache for page data, keyed by the data's version.

Dashboard figures change only when data is imported (or the policy changes), but computing
them for a 7,200-student school reads tens of thousands of rows. Entries are keyed by the
caller's key plus a data version (db.queries.data_version), so an import makes every older
entry unreachable at once; a TTL (`ATTENDLY_PAGE_CACHE_TTL_SECONDS`, 300) and a size bound
keep memory flat. One cache per app (in `app.extensions`), never a module global; outside an
app nothing is cached. With REDIS_URL the cache is shared by every web process
(attendly.page_cache_redis); without it, it lives in the process.

Why a cached number is never stale after an import: every cached page function reads the
data version from the database on each call, before it reads the data, from the same session
(db.dashboard, db.queries, db.correlation, db.student_actions, db.students_list). Every
commit that changes what pages show changes the version too (imports, their status and
finish time, the summaries' refresh time, the diagnostics), so a request that starts after
an import's last commit reads a new version, misses every older entry and computes from
committed data; a request that read the old version just before a commit may store newer
data under the old key, which only requests as old as itself can reach. Dashboards read
the replica only when it shows the primary's version (db.reads.read_session), so the key
always comes from the database that served the data. Change events (`invalidate`) add
precision on top: they drop the entries of the grades they name and the whole-school
entries at once, including in Redis, so an entry never outlives an event that concerns it
even if a future key lacked the version.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context

from attendly.monitoring import count_cache

T = TypeVar("T")
EXTENSION = "attendly.page_cache"


class PageCache:
    """A thread-safe LRU of at most `size` entries, each living at most `ttl` seconds.

    Single flight: while one thread computes a key, others asking for the same key wait for
    its value (at most `wait` seconds) instead of computing it beside it, so a dashboard
    refresh arriving during the warm-up after an import reuses the warm-up's work.
    """

    def __init__(
        self, size: int = 64, ttl: float = 300.0, wait: float = 10.0, count: bool = True
    ) -> None:
        self._size, self._ttl, self._wait, self._count = size, ttl, wait, count
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._computing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
        self._generation = 0  # bumped by clear and invalidate
        self.enabled = True

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of `key`, computing (and storing) it when absent or expired."""
        if not self.enabled:
            return compute()
        waited = False
        while True:
            now = time.monotonic()
            with self._lock:
                hit = self._entries.get(key)
                if hit is not None and now - hit[0] < self._ttl:
                    self._entries.move_to_end(key)
                    if self._count:
                        count_cache(hit=True)
                    return hit[1]  # type: ignore[return-value]
                running = self._computing.get(key)
                if running is None or waited:
                    generation, done = self._generation, threading.Event()
                    if running is None:
                        self._computing[key] = done
                    break
            # Another thread is computing this key: take its value when it lands. If it
            # failed or is too slow, compute here (once) rather than wait again.
            running.wait(self._wait)
            waited = True
        if self._count:
            count_cache(hit=False)
        try:
            value = compute()
            with self._lock:
                # A value computed across an invalidation may predate the change: not kept.
                if generation == self._generation:
                    self._entries[key] = (now, value)
                    self._entries.move_to_end(key)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        finally:
            with self._lock:
                if self._computing.get(key) is done:
                    del self._computing[key]
            done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def invalidate(self, event: dict[str, Any]) -> None:
        """Drop every entry a change event could make stale (see `touches`)."""
        grades = event_grades(event)
        with self._lock:
            self._generation += 1
            for key in [k for k in self._entries if touches(footprint(k), grades)]:
                del self._entries[key]


def footprint(key: Hashable) -> frozenset[int] | None:
    """The grades an entry's figures cover: those of the first part of the key with a
    `grades` attribute (a db.dashboard.Scope); None (every grade) for a whole-school scope or
    a key without one, which any change event makes stale."""
    for part in key if isinstance(key, tuple) else (key,):
        grades = getattr(part, "grades", None)
        if isinstance(grades, tuple) and all(isinstance(g, int) for g in grades):
            return frozenset(grades)
    return None


def event_grades(event: dict[str, Any]) -> frozenset[int] | None:
    """The grades a change event concerns: those it names and those of the students in its
    scope (attendly.events); None when it names none, as it then concerns every grade."""
    from attendly.events import SCOPE_KEY

    found = set(_ints(event.get("grades") or ()))
    scope = event.get(SCOPE_KEY) or {}
    found.update(_ints(place[0] for place in scope.values() if place))
    return frozenset(found) or None


def _ints(values: Iterable[Any]) -> list[int]:
    return [int(value) for value in values if str(value).lstrip("-").isdigit()]


def touches(covered: frozenset[int] | None, changed: frozenset[int] | None) -> bool:
    """Whether a change of grades `changed` (None: every grade) may alter an entry covering
    `covered` (None: every grade). Only an entry of other grades alone survives."""
    return covered is None or changed is None or bool(covered & changed)


def page_cache() -> PageCache | None:
    """The current app's cache (created on first use); None outside an app context."""
    if not has_app_context():
        return None
    return cache_of(current_app)


def cache_of(app: Flask) -> PageCache:
    """`app`'s cache, created on first use: shared in Redis when REDIS_URL is set."""
    cache: PageCache | None = app.extensions.get(EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(EXTENSION, _new_cache(app))
    return cache


def _new_cache(app: Flask) -> PageCache:
    settings = app.config.get("ATTENDLY_SETTINGS")
    ttl = float(settings.page_cache_ttl_seconds) if settings is not None else 300.0
    if settings is None or not settings.redis_url:
        return PageCache(ttl=ttl)
    from attendly.page_cache_redis import RedisPageCache

    return RedisPageCache(settings.redis_url, prefix=settings.events_prefix, ttl=ttl)


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` through the app's cache (uncached outside an app)."""
    cache = page_cache()
    return compute() if cache is None else cache.get_or_compute(key, compute)


def invalidate(app: Flask, event: dict[str, Any]) -> None:
    """Make what a change event concerns stale in `app`'s cache (and in Redis when shared)."""
    settings = app.config.get("ATTENDLY_SETTINGS")
    if EXTENSION in app.extensions or (settings is not None and settings.redis_url):
        cache_of(app).invalidate(event)
