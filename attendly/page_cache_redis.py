"""The page cache shared by every web process through Redis, with a small L1 in each process.

With REDIS_URL set, a dashboard's figures computed by one web process serve every other one
for `ATTENDLY_PAGE_CACHE_TTL_SECONDS` (300). Each entry lives at
`{prefix}:page:{digest}`, the digest of the caller's key (which carries the data version,
see attendly.cache) and of the *generations* the entry depends on: a Redis hash
`{prefix}:page:generations` holds, per grade and for the whole school, the version of the
last change event that concerned it (`invalidate`). An entry for grades 6 and 7 depends on
`grade:6` and `grade:7`; a whole-school entry on `school`; every entry on `every` (events
naming no grade), `cleared` (`clear`) and `epoch` (a token set when the hash is created, so
a flushed Redis never brings old generations back). An event thus makes the entries of its
grades and the whole-school ones unreachable at once, in every process, and leaves other
grades' entries alone; stale entries simply expire.

Every look-up reads the generations it depends on (one HMGET, about 0.1 ms on loopback),
then the L1 (an attendly.cache.PageCache keyed by key and generations) and only then Redis:
a hot entry is not unpickled per request, and an L1 entry never outlives an invalidation
seen in Redis. On an L1 miss one thread per process asks Redis; on a Redis miss a short lock
(`SET NX PX`) lets one process compute while the others poll for its value for at most the
wait (10 s), then compute themselves (bench/bench_page_cache.py measures what it saves).

Values are pickled: entries are written and read only by Attendly's own processes on the
deployment's private Redis, the same trust the job queue already places in it; anyone who
can write to that Redis could make a web process unpickle their data. A value that fails to
unpickle (another release's classes, say) counts as a miss.

Redis unreachable: look-ups stop asking it for RETRY_SECONDS, the L1 carries on under
generations kept in the process (bumped by the events this process hears) and misses are
computed; pages keep working and the cache is shared again once Redis answers.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import redis

from attendly.cache import PageCache, event_grades, footprint
from attendly.monitoring import count_cache

logger = logging.getLogger(__name__)

T = TypeVar("T")
FORMAT = "v1"  # bump when cached classes change shape: old entries are then never read
LOCAL = "local"  # the first generation of a stamp kept in the process while Redis is down
RETRY_SECONDS = 2.0  # how long a failed Redis call keeps the cache from asking again
POLL_SECONDS = 0.02  # how often a process waiting for another's computation looks again
LOCK_SECONDS = 30.0  # the longest a crashed computation can hold a key's lock
UNPICKLE_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    AttributeError,
    ImportError,
    TypeError,
    ValueError,
)
MISSING: Any = object()

# Raise each named generation to the event's version (never lower it): every process hears
# every event and runs this, and the result is the same however many do. Without a version
# (0) the generations go up by one.
BUMP_SCRIPT = """
local version = tonumber(ARGV[1])
for index = 2, #ARGV do
  local now = tonumber(redis.call('HGET', KEYS[1], ARGV[index]) or '0')
  local new = version
  if version <= 0 then new = now + 1 end
  if now < new then redis.call('HSET', KEYS[1], ARGV[index], new) end
end
return 1
"""
# Release a key's lock only when this computation still holds it.
UNLOCK_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def dependencies(covered: frozenset[int] | None) -> list[str]:
    """The generations an entry covering the grades `covered` (None: all) depends on."""
    common = ["epoch", "cleared", "every"]
    if covered is None:
        return [*common, "school"]
    return common + [f"grade:{grade}" for grade in sorted(covered)]


def changed_generations(event: dict[str, Any]) -> list[str]:
    """The generations a change event raises: its grades' and the whole school's, or
    `every` for an event naming no grade (it concerns every grade)."""
    grades = event_grades(event)
    if grades is None:
        return ["every"]
    return ["school"] + [f"grade:{grade}" for grade in sorted(grades)]


class RedisPageCache(PageCache):
    """attendly.cache.PageCache's interface over Redis; its own LRU is the process's L1."""

    def __init__(
        self, redis_url: str, prefix: str = "attendly", ttl: float = 300.0, wait: float = 10.0
    ) -> None:
        super().__init__(ttl=ttl, wait=wait, count=False)
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=1)
        self._prefix = f"{prefix}:page"
        self._generations = f"{prefix}:page:generations"
        self._bump = self._redis.register_script(BUMP_SCRIPT)
        self._unlock = self._redis.register_script(UNLOCK_SCRIPT)
        self._local: dict[str, int] = {}
        self._down_until = 0.0
        self._state = threading.Lock()
        self.shared_lock = True  # single flight across processes (the bench compares)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value of `key` from the L1, else Redis, else `compute()` (then stored in both)."""
        if not self.enabled:
            return compute()
        computed = False

        def run() -> T:
            nonlocal computed
            computed = True
            return compute()

        stamp = self._stamp(dependencies(footprint(key)))
        value = super().get_or_compute((key, stamp), lambda: self._shared(key, stamp, run))
        count_cache(hit=not computed)
        return value

    def invalidate(self, event: dict[str, Any]) -> None:
        """Make the entries a change event concerns unreachable, here and in Redis."""
        names = changed_generations(event)
        self._raise_local(names)
        if self._available():
            try:
                self._bump(keys=[self._generations], args=[_version(event), *names])
            except redis.RedisError as exc:
                self._went_down(exc)

    def clear(self) -> None:
        """Forget every entry, in this process and (for every process) in Redis."""
        super().clear()
        self._raise_local(["cleared"])
        if self._available():
            try:
                self._redis.hincrby(self._generations, "cleared", 1)
            except redis.RedisError as exc:
                self._went_down(exc)

    def _stamp(self, names: list[str]) -> tuple[Any, ...]:
        """The current generations `names` (from Redis; the process's own while it is down)."""
        if self._available():
            try:
                values = self._redis.hmget(self._generations, names)
                if values[0] is None:  # a new or flushed hash: mark it with a fresh epoch
                    self._redis.hsetnx(self._generations, "epoch", secrets.token_hex(8))
                    values = self._redis.hmget(self._generations, names)
                return tuple(_text(value) for value in values)
            except redis.RedisError as exc:
                self._went_down(exc)
        with self._state:
            return (LOCAL, *(self._local.get(name, 0) for name in names))

    def _shared(self, key: Hashable, stamp: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """From Redis, or computed here (and stored) when no other process has it."""
        name = self._entry_name(key, stamp)
        if name is None:
            return compute()
        found, token = self._find_or_lock(name)
        if found is not MISSING:
            return found
        try:
            value = compute()
            self._store(name, value)
            return value
        finally:
            if token is not None:
                self._release(name, token)

    def _entry_name(self, key: Hashable, stamp: tuple[Any, ...]) -> str | None:
        """The Redis key of an entry; None when it cannot be shared: Redis is down, or the
        key's text names an object's address (equal keys would differ between processes)."""
        if stamp[0] == LOCAL:
            return None
        text = repr((key, stamp))
        if " at 0x" in text:
            return None
        digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        return f"{self._prefix}:{FORMAT}:{digest}"

    def _find_or_lock(self, name: str) -> tuple[Any, str | None]:
        """(the stored value, None), or (MISSING, lock token) when this process is to compute
        it, or (MISSING, None) when it must compute without the lock (waited long enough,
        Redis down, or the lock turned off)."""
        token = secrets.token_hex(8) if self.shared_lock else None
        deadline = time.monotonic() + self._wait
        try:
            while True:
                found = self._load(name)
                if found is not MISSING or token is None:
                    return found, None
                if self._redis.set(f"{name}:lock", token, nx=True, px=int(LOCK_SECONDS * 1000)):
                    return MISSING, token
                if time.monotonic() >= deadline:
                    return MISSING, None
                time.sleep(POLL_SECONDS)
        except redis.RedisError as exc:
            self._went_down(exc)
            return MISSING, None

    def _load(self, name: str) -> Any:
        raw = self._redis.get(name)
        if not isinstance(raw, bytes):
            return MISSING
        try:
            return pickle.loads(raw)  # noqa: S301  (our own entries on a private Redis)
        except UNPICKLE_ERRORS as exc:
            logger.warning("page cache entry %s unreadable, computing it again: %s", name, exc)
            return MISSING

    def _store(self, name: str, value: object) -> None:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            logger.warning("page cache entry %s not shareable: %s", name, exc)
            return
        try:
            self._redis.set(name, data, px=int(self._ttl * 1000))
        except redis.RedisError as exc:
            self._went_down(exc)

    def _release(self, name: str, token: str) -> None:
        try:
            self._unlock(keys=[f"{name}:lock"], args=[token])
        except redis.RedisError as exc:
            self._went_down(exc)

    def _raise_local(self, names: list[str]) -> None:
        with self._state:
            for name in names:
                self._local[name] = self._local.get(name, 0) + 1

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _went_down(self, exc: redis.RedisError) -> None:
        """Stop asking Redis for a while; pages are computed (and kept in the L1) meanwhile."""
        with self._state:
            if self._available():
                logger.warning("page cache: Redis unreachable, caching in the process: %s", exc)
            self._down_until = time.monotonic() + RETRY_SECONDS


def _version(event: dict[str, Any]) -> int:
    version = event.get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 0


def _text(value: bytes | str | None) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return value or "0"
