"""Dashboard reads narrowed by school against the whole district, cold, on PostgreSQL.

Uses bench_student_list's database (50,000 students in seven schools; built there when
missing): the Overview's figures, the per-student frame and the correlation points for the
district, one school and a principal's three schools. Prints p50/p95 wall and p95 CPU ms.
`.venv/bin/python -m bench.bench_school_scope --runs 20`
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from bench.bench_student_list import URL


def cases() -> dict[str, Callable[[], Any]]:
    """Each read as a callback makes it, for three school scopes."""
    from attendly.extensions import db
    from attendly.metrics.policy import Policy
    from db import dashboard, queries
    from db.correlation import joined_points

    policy = Policy()
    reaches = {
        "district": (None, None),
        "one school": ("S1", None),
        "three schools": (None, ("S1", "S2", "S3")),
    }

    def scope(reach: tuple[Any, Any]) -> dashboard.Scope:
        return dashboard.resolve_scope(
            db.session(),
            grade=None,
            academic_year=None,
            allowed_grades=None,
            school=reach[0],
            allowed_schools=reach[1],
        )

    def figures(reach: tuple[Any, Any]) -> Any:
        chosen = scope(reach)
        assert chosen.academic_year is not None and chosen.as_of is not None
        return queries.student_figures(
            db.session(),
            policy,
            academic_year=chosen.academic_year,
            as_of=chosen.as_of,
            schools=chosen.schools,
        )

    found: dict[str, Callable[[], Any]] = {}
    for name, reach in reaches.items():
        found[f"overview, {name}"] = lambda r=reach: dashboard.overview_data(
            db.session(), policy, scope(r)
        )
        found[f"per-student figures, {name}"] = lambda r=reach: figures(r)
        found[f"correlation points, {name}"] = lambda r=reach: joined_points(
            db.session(), scope(r), "ELA"
        )
    return found


def measure(app: Flask, runs: int) -> list[tuple[str, float, float, float]]:
    """(case, p50 ms, p95 ms, p95 CPU ms), page cache cleared before every call."""
    from attendly.cache import page_cache
    from attendly.extensions import db

    results = []
    with app.app_context():
        cache = page_cache()
        assert cache is not None
        for name, call in cases().items():
            timings, cpu = [], []
            for _ in range(runs):
                cache.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                call()
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                db.session.remove()
            results.append((name, statistics.median(timings), _p95(timings), _p95(cpu)))
    return results


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from attendly.setup import initialise_database
    from bench import bench_data
    from bench.bench_dashboard import make_app
    from bench.bench_student_list import build

    new = bench_data.ensure_database(args.url, False)
    app = make_app(args.url)
    with app.app_context():
        initialise_database(app)
        if new:
            print(f"build: {build(app, 50_000):.1f} s for 50,000 students")
    print(f"\nReads by school scope, cold, {args.runs} calls each (ms)")
    print(f"{'case':<40} {'p50':>8} {'p95':>8} {'p95 cpu':>8}")
    for name, p50, p95, cpu in measure(app, args.runs):
        print(f"{name:<40} {p50:8.1f} {p95:8.1f} {cpu:8.1f}")


if __name__ == "__main__":
    main()
