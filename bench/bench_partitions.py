"""One-year attendance reads with two years stored, partitioned by year or not, and the cost of
creating a year's partition on demand (PostgreSQL).

    .venv/bin/python bench/bench_partitions.py [--students 2800] [--days 180] [--runs 15]

Builds two databases with the same rows (students x days per year, two academic years:
2,800 x 180 = 504,000 a year by default): `attendly_bench_partitions_plain` at the schema
before partitioning (migration 0001) and `attendly_bench_partitions` with migration 0800 on
top. Then times, median of `--runs`, the dashboards' reads of the newer year through their
own functions (db.queries.latest_date, db.queries.attendance_days, db.student_detail.
student_days) and one year's count in SQL, and finally `ensure_attendance_partitions`: when the
year exists (what every import pays) and when it creates one (create, attach, commit).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.migrate import upgrade  # noqa: E402
from db.partitions import ensure_attendance_partitions, partition_name  # noqa: E402
from db.queries import attendance_days, latest_date  # noqa: E402
from db.student_detail import student_days  # noqa: E402
from tests.services import fresh_postgres_database  # noqa: E402

BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/"
YEARS = ("2024-2025", "2025-2026")
ROWS = """
INSERT INTO attendance_records (student_id, date, academic_year, school_id, period_1, period_2,
  period_3, period_4, period_5, period_6, period_7, scheduled, present,
  daily_attendance_percentage, unexcused_periods, unverified_periods)
SELECT 's' || lpad(s::text, 6, '0'), d, :year, 1, 'P', 'P', 'P', p, 'P', 'P', 'P', 7,
  CASE WHEN p = 'U' THEN 6 ELSE 7 END, CASE WHEN p = 'U' THEN 85.71 ELSE 100 END,
  CASE WHEN p = 'U' THEN 1 ELSE 0 END, 0
FROM (
  SELECT s, d, CASE WHEN random() < 0.05 THEN 'U' ELSE 'P' END AS p
  FROM generate_series(1, :students) AS s,
    (SELECT day::date AS d FROM generate_series(CAST(:first AS date), CAST(:first AS date) + 300,
       INTERVAL '1 day') AS day WHERE EXTRACT(ISODOW FROM day) < 6 ORDER BY 1 LIMIT :days) AS days
) AS generated
"""
SCHOOL = "INSERT INTO schools (id, code, name, periods_per_day) VALUES (1, '001', 'One', 7)"
STUDENTS = (
    "INSERT INTO students (id, last_name, first_name, grade_level, school_id) "
    "SELECT 's' || lpad(s::text, 6, '0'), '', '', 6 + s % 3, 1 "
    "FROM generate_series(1, :students) AS s"
)


def build(name: str, revision: str, students: int, days: int) -> Engine:
    """A fresh database at `revision` holding two years of rows."""
    engine = create_engine(fresh_postgres_database(BASE + name))
    upgrade(engine, revision)
    with Session(engine) as session:
        session.execute(text(SCHOOL))
        session.execute(text(STUDENTS), {"students": students})
        ensure_attendance_partitions(session, YEARS)
        for year in YEARS:
            first = dt.date(int(year[:4]), 8, 14)
            values = {"year": year, "students": students, "first": first, "days": days}
            session.execute(text(ROWS), values)
        session.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return engine


def median_ms(call: Callable[[], Any], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def reads(engine: Engine, runs: int) -> dict[str, float]:
    """Median ms of each one-year read (the newer year)."""
    year = YEARS[-1]
    with Session(engine) as session:
        as_of = latest_date(session, year)
        assert as_of is not None
        count = text(
            "SELECT count(*), sum(present) FROM attendance_records WHERE academic_year = :y"
        )
        cases: dict[str, Callable[[], Any]] = {
            "latest_date": lambda: latest_date(session, year),
            "student_days (one student)": lambda: student_days(session, "s000042", year),
            "year count+sum (SQL)": lambda: session.execute(count, {"y": year}).all(),
            "attendance_days (year, grade 6)": lambda: attendance_days(session, year, as_of, [6]),
        }
        return {name: median_ms(call, runs) for name, call in cases.items()}


def creation(engine: Engine, runs: int) -> tuple[float, float]:
    """(ms when the year exists, ms to create one and commit) as medians."""
    with Session(engine) as session:
        existing = median_ms(lambda: ensure_attendance_partitions(session, YEARS), runs)
        session.rollback()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            ensure_attendance_partitions(session, ["2030-2031"])
            session.commit()
            timings.append((time.perf_counter() - started) * 1000)
            session.execute(text(f"DROP TABLE {partition_name('2030-2031')}"))
            session.commit()
    return existing, statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=2800)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rows = args.students * args.days
    print(f"{len(YEARS)} years x {rows:,} rows; median of {args.runs} runs, ms")
    started = time.perf_counter()
    plain = build("attendly_bench_partitions_plain", "0001", args.students, args.days)
    partitioned = build("attendly_bench_partitions", "0800", args.students, args.days)
    print(f"built both databases in {time.perf_counter() - started:.0f} s")
    before, after = reads(plain, args.runs), reads(partitioned, args.runs)
    print(f"{'read of ' + YEARS[-1]:<34} {'one table':>10} {'partitioned':>12}")
    for name in before:
        print(f"{name:<34} {before[name]:>10.2f} {after[name]:>12.2f}")
    existing, created = creation(partitioned, args.runs)
    print(f"ensure_attendance_partitions, year exists: {existing:.2f} ms")
    print(
        f"ensure_attendance_partitions, creates a year (create, attach, commit): {created:.2f} ms"
    )
    plain.dispose()
    partitioned.dispose()


if __name__ == "__main__":
    main()
