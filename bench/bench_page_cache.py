"""The Redis-shared page cache on the Overview data of 7,200 students (PostgreSQL + Redis).

    .venv/bin/python -m bench.bench_page_cache [--url URL] [--redis URL] [--runs 200]
        [--processes 3] [--rounds 7]

Uses the database built by bench/bench_dashboard.py (`attendly_bench_dash`) as it is. Prints
p50/p95 in milliseconds of the whole school's Overview data (db.dashboard.overview_data, what
the Overview callback reads; it reads the data version from the database on every call)
served from the process's L1, from Redis (L1 emptied before each call) and computed (the
cache cleared before each call), then the same look-ups without the data-version read (the
cache alone), the data-version read alone (what DATABASE_READ_URL adds twice per request
when the replica is no standby), the WAL-position check (what it adds for a streaming
standby; measured here against the primary itself) and the entry's pickled size. Finally,
single flight across processes: N processes ask for the cold Overview at the same moment, with the
Redis lock and without it; it prints the wall time until every one has it and how many
computed it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import pickle
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_dash"
REDIS = "redis://127.0.0.1:6379/11"


def make_app(url: str, redis_url: str, prefix: str) -> Flask:
    from attendly import create_app
    from attendly.settings import Settings

    settings = Settings(
        database_url=url,
        redis_url=redis_url,
        events_prefix=prefix,
        instance_path=ROOT / "bench" / "out" / "instance",
        env="test",
        warm_cache=False,
    )
    return create_app(settings, web=False)


def overview_call(app: Flask) -> Callable[[], Any]:
    """The whole school's Overview data as the callback gets it (inside an app context)."""
    from attendly.extensions import db
    from db import dashboard
    from db.policy import load_policy
    from db.reads import read_session

    def call() -> Any:
        session = read_session()
        policy = load_policy(db.session(), app.config["ATTENDLY_SETTINGS"])
        scope = dashboard.resolve_scope(
            session, grade=None, academic_year=None, allowed_grades=None
        )
        return dashboard.overview_data(session, policy, scope)

    return call


def timed(call: Callable[[], Any], before: Callable[[], None], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def line(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{name:<44} p50 {statistics.median(ordered):8.2f} ms   p95 {p95:8.2f} ms"


def single_process(app: Flask, runs: int) -> None:
    from attendly.cache import PageCache, page_cache
    from attendly.extensions import db
    from db.queries import data_version
    from db.reads import replayed, wal_position

    call = overview_call(app)
    with app.app_context():
        cache = page_cache()
        assert cache is not None and type(cache).__name__ == "RedisPageCache"
        call()

        def nothing() -> None:
            db.session.remove()

        def empty_l1() -> None:
            nothing()
            PageCache.clear(cache)  # the process's L1 only: the entry stays in Redis

        def empty_all() -> None:
            nothing()
            cache.clear()

        print(line("Overview data, L1 hit", timed(call, nothing, runs)))
        print(line("Overview data, Redis hit (L1 empty)", timed(call, empty_l1, runs)))
        print(line("Overview data, miss (computed)", timed(call, empty_all, max(5, runs // 20))))
        key = ("bench-overview", uuid.uuid4().hex)
        value = call()
        cache.get_or_compute(key, lambda: value)

        def look_up() -> Any:
            return cache.get_or_compute(key, lambda: value)

        print(line("cache look-up alone, L1 hit", timed(look_up, lambda: None, runs)))
        print(line("cache look-up alone, Redis hit", timed(look_up, empty_l1, runs)))
        session = db.session()
        print(line("data version read alone", timed(lambda: data_version(session), nothing, runs)))

        def wal_check() -> bool:
            return replayed(db.session(), str(wal_position(db.session())))

        print(line("WAL positions compared (standby check)", timed(wal_check, nothing, runs)))
        print(f"{'pickled Overview entry':<44} {len(pickle.dumps(value, protocol=5)):,} bytes")


def child(
    url: str, redis_url: str, prefix: str, lock: bool, rounds: int, barrier: Any, out: Any
) -> None:
    """One web process: each round, wait for the others, then ask for the cold Overview and
    report (seconds, whether this process computed anything)."""
    from attendly.cache import page_cache
    from attendly.extensions import db
    from db.queries import data_version

    app = make_app(url, redis_url, prefix)
    call = overview_call(app)
    with app.app_context():
        cache = page_cache()
        assert cache is not None
        cache.shared_lock = lock  # type: ignore[attr-defined]
        data_version(db.session())  # connected before the start
        for _ in range(rounds):
            barrier.wait()  # go
            misses = _misses()
            started = time.perf_counter()
            call()
            out.put((time.perf_counter() - started, _misses() > misses))
            barrier.wait()  # the parent clears the cache before the next round


def _misses() -> float:
    from prometheus_client import REGISTRY

    name = "attendly_page_cache_requests_total"
    return REGISTRY.get_sample_value(name, {"result": "miss"}) or 0.0


def many_processes(url: str, redis_url: str, processes: int, rounds: int) -> None:
    from attendly.page_cache_redis import RedisPageCache

    spawn = multiprocessing.get_context("spawn")
    for lock in (True, False):
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        clearer = RedisPageCache(redis_url, prefix=prefix)
        barrier, out = spawn.Barrier(processes + 1), spawn.Queue()
        arguments = (url, redis_url, prefix, lock, rounds, barrier, out)
        workers = [spawn.Process(target=child, args=arguments) for _ in range(processes)]
        for worker in workers:
            worker.start()
        walls, computed = [], []
        for _ in range(rounds):
            clearer.clear()
            barrier.wait()  # go
            results = [out.get(timeout=120) for _ in range(processes)]
            walls.append(max(elapsed for elapsed, _ in results) * 1000)
            computed.append(sum(1 for _, did in results if did))
            barrier.wait()
        for worker in workers:
            worker.join(timeout=60)
        name = f"{processes} processes, cold, lock {'on' if lock else 'off'}"
        print(
            f"{name:<44} all served p50 {statistics.median(walls):8.2f} ms   "
            f"computed by {statistics.median(computed):.0f} of {processes}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    app = make_app(options.url, options.redis, f"bench-{uuid.uuid4().hex[:8]}")
    single_process(app, options.runs)
    many_processes(options.url, options.redis, options.processes, options.rounds)


if __name__ == "__main__":
    main()
