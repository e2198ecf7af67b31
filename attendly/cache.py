"""A small read-through cache for page data, keyed by the data's version.

Dashboard figures change only when data is imported (or the policy changes), but computing
them for a 7,200-student school reads tens of thousands of rows. Entries are keyed by the
caller's key plus a data version (see db.dashboard.data_version), so an import makes every
older entry unreachable at once; a TTL and a size bound keep memory flat. One cache per app
(in `app.extensions`), never a module global; outside an app nothing is cached.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, has_app_context

from attendly.monitoring import count_cache

T = TypeVar("T")
EXTENSION = "attendly.page_cache"


class PageCache:
    """A thread-safe LRU of at most `size` entries, each living at most `ttl` seconds.

    Single flight: while one thread computes a key, others asking for the same key wait for
    its value (at most `wait` seconds) instead of computing it beside it, so a dashboard
    refresh arriving during the warm-up after an import reuses the warm-up's work.
    """

    def __init__(self, size: int = 64, ttl: float = 600.0, wait: float = 10.0) -> None:
        self._size, self._ttl, self._wait = size, ttl, wait
        self._entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._computing: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()
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
                    count_cache(hit=True)
                    return hit[1]  # type: ignore[return-value]
                running = self._computing.get(key)
                if running is None or waited:
                    done = threading.Event()
                    if running is None:
                        self._computing[key] = done
                    break
            # Another thread is computing this key: take its value when it lands. If it
            # failed or is too slow, compute here (once) rather than wait again.
            running.wait(self._wait)
            waited = True
        count_cache(hit=False)
        try:
            value = compute()
            with self._lock:
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


def page_cache() -> PageCache | None:
    """The current app's cache (created on first use); None outside an app context."""
    if not has_app_context():
        return None
    cache: PageCache | None = current_app.extensions.get(EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(EXTENSION, PageCache())
    return cache


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` through the app's cache (uncached outside an app)."""
    cache = page_cache()
    return compute() if cache is None else cache.get_or_compute(key, compute)
