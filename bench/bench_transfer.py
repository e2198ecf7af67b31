"""`attendly export-all` / `import-all` with a million attendance records, SQLite <-> PostgreSQL.

    .venv/bin/python bench/bench_transfer.py [--students 5000] [--days 200]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_transfer]

Builds a SQLite database of students x days attendance records (5,000 x 200 = 1M by default)
with plain SQL, then runs the real console script: export-all (SQLite), import-all into a
fresh PostgreSQL database, export-all (PostgreSQL), import-all into a fresh SQLite database.
Prints each step's wall time and the peak memory of its process (flat when rows stream), and
checks that both archives hold the same attendance file byte for byte.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.migrate import upgrade  # noqa: E402
from tests.services import fresh_postgres_database  # noqa: E402

ATTENDLY = str(Path(sys.executable).parent / "attendly")
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_transfer"
INSERT = (
    "INSERT INTO attendance_records (id, student_id, date, academic_year, school_id, period_1, "
    "period_2, period_3, period_4, period_5, period_6, period_7, scheduled, present, "
    "daily_attendance_percentage, unexcused_periods, unverified_periods) "
    "VALUES (?, ?, ?, '2025-2026', 1, 'P', 'P', 'P', ?, 'P', 'P', 'P', 7, ?, ?, ?, 0)"
)


def school_days(count: int) -> list[str]:
    days, day = [], dt.date(2025, 8, 18)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def records(students: int, days: list[str]) -> Iterator[tuple[object, ...]]:
    number = 0
    for student in range(students):
        for day in days:
            number += 1
            absent = number % 17 == 0  # one period U on every 17th record
            yield (number, f"{student:06d}", day, "U" if absent else "P", 6 if absent else 7,
                   "85.71" if absent else "100.00", int(absent))  # fmt: skip


def build_sqlite(path: Path, students: int, days: int) -> None:
    upgrade(create_engine(f"sqlite:///{path}"))
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO schools (id, code, name, periods_per_day) VALUES (1, '001', 'Bench', 7)"
        )
        connection.executemany(
            "INSERT INTO students (id, last_name, first_name, grade_level, school_id) "
            "VALUES (?, 'Doe', 'Sam', 6, 1)",
            [(f"{n:06d}",) for n in range(students)],
        )
        connection.executemany(INSERT, records(students, school_days(days)))


def step(name: str, env: dict[str, str], *args: str) -> None:
    """Run one console-script command; print its wall time and peak memory (its own rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen([ATTENDLY, *args], env=env, stdout=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read().decode().strip() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {output}")
    print(f"{name:<32} {seconds:7.1f} s   peak {usage.ru_maxrss / 1024:6.0f} MB   {output}")


def environment(instance: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(ATTENDLY_INSTANCE=str(instance), ATTENDLY_ENV="test")
    env.pop("REDIS_URL", None)
    if url:
        env["DATABASE_URL"] = url
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--url", default=URL)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attendly-bench-transfer-") as folder:
        work = Path(folder)
        (work / "a").mkdir()
        started = time.perf_counter()
        build_sqlite(work / "a" / "attendly.db", options.students, options.days)
        rows = options.students * options.days
        print(
            f"built {rows:,} attendance records on SQLite in {time.perf_counter() - started:.1f} s"
        )
        sqlite_a, sqlite_b = environment(work / "a", None), environment(work / "b", None)
        postgres = environment(work / "p", fresh_postgres_database(options.url))
        step("export-all  (SQLite)", sqlite_a, "export-all", str(work / "a.zip"))
        step("import-all  (into PostgreSQL)", postgres, "import-all", str(work / "a.zip"))
        step("export-all  (PostgreSQL)", postgres, "export-all", str(work / "p.zip"))
        step("import-all  (into SQLite)", sqlite_b, "import-all", str(work / "p.zip"))
        name = "tables/attendance_records.jsonl"
        with zipfile.ZipFile(work / "a.zip") as first, zipfile.ZipFile(work / "p.zip") as second:
            same = first.read(name) == second.read(name)
        print(f"attendance file identical after SQLite -> PostgreSQL: {same}")
        print(f"archive {(work / 'a.zip').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
