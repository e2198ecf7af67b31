"""The Students list at district scale: db.student_list_query on 50,000 students, cold.

The list reads only the year's summaries, the roster, the i-Ready growth table, the day
totals and the calendar, so the database is written straight with generate_series (seconds,
not the hours a 50,000-student year of attendance would take to import): seven schools,
grades 6-8, one summary per student, one diagnostic and growth row per subject, 40 recorded
school days per school. Each case clears the page cache before every call (the first user
after an import) and prints p50/p95 wall and CPU milliseconds; `--pandas` also times the
pandas path the query layer replaced (a few calls: it is slow):

    .venv/bin/python -m bench.bench_student_list --students 50000 --runs 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import text

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_students"
YEAR, AS_OF = "2025-2026", dt.date(2025, 10, 31)
SCHOOLS = 7
FILL = [
    "INSERT INTO schools (id, code, name, periods_per_day) "
    "SELECT g, 'S' || g, 'School ' || g, 7 FROM generate_series(1, :schools) g",
    "INSERT INTO students (id, last_name, first_name, grade_level, school_id) "
    "SELECT lpad(g::text, 7, '0'), initcap(substr(md5('l' || g % 3000), 1, 7)), "
    "initcap(substr(md5('f' || g % 400), 1, 5)), 6 + g % 3, 1 + g % :schools "
    "FROM generate_series(1, :students) g",
    "INSERT INTO student_year_summaries (student_id, academic_year, as_of, days_enrolled, "
    "days_absent, days_present, partial_days, absence_rate, attendance_rate, "
    "period_attendance_rate, scheduled_periods, present_periods, truancy_occasions, truant, "
    "eligible, chronically_absent, tier, refreshed_at) "
    "SELECT lpad(g::text, 7, '0'), :year, :as_of, 40, a, 40 - a, 0, a * 2.5, 100 - a * 2.5, "
    "100 - (g % 23) * 0.5, 280, 280 - (g % 23), g % 5, g % 5 >= 3, true, a >= 4, "
    "CASE WHEN a < 2 THEN 'satisfactory' WHEN a < 4 THEN 'at_risk' WHEN a < 8 "
    "THEN 'moderate_chronic' ELSE 'severe_chronic' END, now() "
    "FROM generate_series(1, :students) g, LATERAL (SELECT (g * 7919) % 13 AS a) x",
    "INSERT INTO iready_diagnostics (student_id, subject, completion_date, academic_year, "
    "baseline, most_recent, overall_scale_score, placement_level) "
    "SELECT lpad(g::text, 7, '0'), s, DATE '2025-09-15', :year, true, true, 450 + g % 150, "
    "1 + g % 5 FROM generate_series(1, :students) g, unnest(ARRAY['ELA', 'MATH']) s",
    "INSERT INTO iready_growth (student_id, subject, academic_year, most_recent_date, "
    "valid_until, diagnostics, baseline_date, baseline_score, most_recent_score, "
    "placement_level, diagnostic_gain) "
    "SELECT student_id, subject, academic_year, completion_date, NULL, 1, completion_date, "
    "overall_scale_score, overall_scale_score, placement_level, 0 FROM iready_diagnostics",
    "INSERT INTO attendance_day_totals (school_id, grade_level, date, academic_year, "
    "days_enrolled, days_absent, scheduled_periods, present_periods) "
    "SELECT s, 6, :as_of - d, :year, 1, 0, 7, 7 "
    "FROM generate_series(1, :schools) s, generate_series(0, 39) d",
    "INSERT INTO attendance_records (student_id, date, academic_year, school_id, scheduled, "
    "present, daily_attendance_percentage, unexcused_periods, unverified_periods) "
    "SELECT lpad(g::text, 7, '0'), :as_of, :year, 1 + g % :schools, 7, 7, 100, 0, 0 "
    "FROM generate_series(1, :schools) g",
]


def build(app: Flask, students: int) -> float:
    """Fill an empty, migrated database; seconds taken."""
    from attendly.extensions import db
    from db.partitions import ensure_attendance_partitions

    began = time.perf_counter()
    session = db.session()
    ensure_attendance_partitions(session, [YEAR])
    values = {"schools": SCHOOLS, "students": students, "year": YEAR, "as_of": AS_OF}
    for statement in FILL:
        session.execute(text(statement), values)
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
    return time.perf_counter() - began


def cases(pandas: bool) -> dict[str, Callable[[], Any]]:
    """The list's calls as the Students callbacks make them (admin: every grade)."""
    from attendly.extensions import db
    from attendly.metrics.policy import Policy
    from db.dashboard import resolve_scope
    from db.student_actions import student_rows
    from db.student_list_query import student_block, student_page
    from db.students_list import StudentFilter, filter_students, page_of

    def scope(grade: int | None = None) -> Any:
        return resolve_scope(db.session(), grade=grade, academic_year=None, allowed_grades=None)

    policy, near = Policy(), StudentFilter(sort="chronic", near_chronic=3)
    found = {
        "cards, district, by attendance": lambda: student_page(
            db.session(), policy, scope(), StudentFilter(), 1, 24
        ),
        "cards, district, closest to chronic": lambda: student_page(
            db.session(), policy, scope(), near, 3, 24
        ),
        "cards, grade 7, search": lambda: student_page(
            db.session(), policy, scope(7), StudentFilter(search="ab", sort="absent"), 1, 24
        ),
        "table, district, header sort, rows 0-100": lambda: student_block(
            db.session(), policy, scope(), StudentFilter(), (("student_id", True),), 0, 100
        ),
    }
    if pandas:
        found["pandas path, cards, district"] = lambda: page_of(
            filter_students(student_rows(db.session(), policy, scope()), StudentFilter()), 1, 24
        )
    return found


def measure(app: Flask, runs: int, pandas: bool) -> list[tuple[str, float, float, float]]:
    """(case, p50 ms, p95 ms, p95 CPU ms), page cache cleared before every call."""
    from attendly.cache import page_cache
    from attendly.extensions import db

    results = []
    with app.app_context():
        cache = page_cache()
        assert cache is not None
        for name, call in cases(pandas).items():
            timings, cpu = [], []
            for _ in range(runs if not name.startswith("pandas") else min(runs, 5)):
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
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--pandas", action="store_true", help="also time the pandas path")
    args = parser.parse_args()

    from attendly.setup import initialise_database
    from bench import bench_data
    from bench.bench_dashboard import make_app

    new = bench_data.ensure_database(args.url, args.rebuild)
    app = make_app(args.url)
    with app.app_context():
        initialise_database(app)
        if new:
            print(f"build: {build(app, args.students):.1f} s for {args.students:,} students")
    print(f"\nStudents list, cold, {args.runs} calls each (ms)")
    print(f"{'case':<44} {'p50':>8} {'p95':>8} {'p95 cpu':>8}")
    for name, p50, p95, cpu in measure(app, args.runs, args.pandas):
        print(f"{name:<44} {p50:8.1f} {p95:8.1f} {cpu:8.1f}")


if __name__ == "__main__":
    main()
