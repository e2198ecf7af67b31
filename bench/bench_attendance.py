"""Benchmark the attendance import against a plain PostgreSQL COPY + upsert of the same file.

    .venv/bin/python bench/bench_attendance.py [--rows 100000,1000000] [--sqlite-rows 1000000]

For each size, a canonical attendance file is generated (a school year of realistic days:
mostly present, some full-day absences, some single-period tardies and cuts) and loaded
into fresh databases that hold the same students:

- baseline: `psql` runs `\\copy` of the file into an UNLOGGED staging table, then one
  `INSERT ... SELECT DISTINCT ON ... ON CONFLICT DO UPDATE ... WHERE ... IS DISTINCT FROM`
  into `attendance_records` computing the same stored columns (figures, academic year) in
  SQL: no validation, no summaries, no error report, no recovery;
- attendly: `ingest.run_import` (validated, staged with checkpoints, merged with history,
  summaries refreshed, report and audit stored), timed in a child process that also
  reports its peak resident memory (getrusage maxrss).

Each is run twice: the first import into an empty table, then an identical re-import.
SQLite (the embedded default) is timed for `--sqlite-rows` and for a 1,000-row file.
The databases (attendly_bench_*) and files are removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PERIODS = 7
DAYS = 180
TODAY = dt.date(2025, 7, 1)

UPSERT = """
INSERT INTO attendance_records (student_id, date, academic_year, school_id,
  period_1, period_2, period_3, period_4, period_5, period_6, period_7,
  scheduled, present, daily_attendance_percentage, unexcused_periods, unverified_periods)
SELECT DISTINCT ON (student_id, d) student_id, d,
  CASE WHEN extract(month FROM d) >= 7
       THEN extract(year FROM d)::int || '-' || (extract(year FROM d)::int + 1)
       ELSE (extract(year FROM d)::int - 1) || '-' || extract(year FROM d)::int END,
  (SELECT id FROM schools WHERE code = '001'),
  p1, p2, p3, p4, p5, p6, p7, sch, pre, round(100.0 * pre / sch, 2), unx, unv
FROM (
  SELECT student_id, date::date AS d,
    nullif(upper(p1), '') p1, nullif(upper(p2), '') p2, nullif(upper(p3), '') p3,
    nullif(upper(p4), '') p4, nullif(upper(p5), '') p5, nullif(upper(p6), '') p6,
    nullif(upper(p7), '') p7,
    {scheduled} AS sch, {present} AS pre, {unexcused} AS unx, {unverified} AS unv
  FROM stage_raw) s
ORDER BY student_id, d
ON CONFLICT (student_id, date) DO UPDATE SET
  academic_year = excluded.academic_year, school_id = excluded.school_id,
  period_1 = excluded.period_1, period_2 = excluded.period_2, period_3 = excluded.period_3,
  period_4 = excluded.period_4, period_5 = excluded.period_5, period_6 = excluded.period_6,
  period_7 = excluded.period_7, scheduled = excluded.scheduled, present = excluded.present,
  daily_attendance_percentage = excluded.daily_attendance_percentage,
  unexcused_periods = excluded.unexcused_periods, unverified_periods = excluded.unverified_periods
WHERE (attendance_records.academic_year, attendance_records.school_id,
  attendance_records.period_1, attendance_records.period_2, attendance_records.period_3,
  attendance_records.period_4, attendance_records.period_5, attendance_records.period_6,
  attendance_records.period_7, attendance_records.scheduled, attendance_records.present,
  attendance_records.daily_attendance_percentage, attendance_records.unexcused_periods,
  attendance_records.unverified_periods)
IS DISTINCT FROM (excluded.academic_year, excluded.school_id, excluded.period_1,
  excluded.period_2, excluded.period_3, excluded.period_4, excluded.period_5,
  excluded.period_6, excluded.period_7, excluded.scheduled, excluded.present,
  excluded.daily_attendance_percentage, excluded.unexcused_periods, excluded.unverified_periods);
"""


def _count(letters: str) -> str:
    cells = ", ".join(f"'{letter}'" for letter in letters)
    return " + ".join(f"(upper(p{n}) IN ({cells}))::int" for n in range(1, PERIODS + 1))


UPSERT_SQL = UPSERT.format(
    scheduled=" + ".join(f"(p{n} <> '')::int" for n in range(1, PERIODS + 1)),
    present=_count("PTLI"),
    unexcused=_count("UL"),
    unverified=_count("V"),
)


def school_days(count: int) -> list[str]:
    days, day = [], dt.date(2024, 8, 12)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += dt.timedelta(days=1)
    return days


def write_file(path: Path, rows: int, seed: int = 7) -> int:
    """A canonical attendance file of `rows` rows (a school year per student, the last one
    cut short); returns the number of students."""
    students = -(-rows // DAYS)
    days = school_days(min(rows, DAYS))
    rng = np.random.default_rng(seed)
    header = ",".join(f"period_{n}_status" for n in range(1, PERIODS + 1))
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f"student_id,date,grade_level,{header}\n")
        for student in range(students):
            count = min(len(days), rows - student * len(days))
            roll = rng.random(count)
            full = rng.choice(list("EUVS"), count)
            single = rng.choice(list("TLUE"), count)
            where = rng.integers(0, PERIODS, count)
            lines = []
            for n, day in enumerate(days[:count]):
                codes = ["P"] * PERIODS
                if roll[n] < 0.05:
                    codes = [str(full[n])] * PERIODS
                elif roll[n] < 0.12:
                    codes[where[n]] = str(single[n])
                lines.append(f"{100000 + student},{day},{6 + student % 3}," + ",".join(codes))
            handle.write("\n".join(lines) + "\n")
    return students


def fresh_database(url: str, students: int) -> None:
    """Create (or recreate) a migrated database holding one school and its students."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from db.migrate import upgrade
    from db.partitions import ensure_attendance_partitions

    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql"):
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    elif parsed.database:
        Path(parsed.database).unlink(missing_ok=True)
    engine = create_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        # The file's year: psql's baseline writes no partition of its own (db.partitions).
        ensure_attendance_partitions(connection, ["2024-2025"])
        connection.execute(
            text("INSERT INTO schools (code, name, periods_per_day) VALUES ('001', '001', 7)")
        )
        connection.execute(
            text(
                "INSERT INTO students (id, last_name, first_name, grade_level, school_id) "
                "VALUES (:id, '', '', :grade, 1)"
            ),
            [{"id": str(100000 + n), "grade": 6 + n % 3} for n in range(students)],
        )
    engine.dispose()


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def baseline(url: str, path: Path) -> float:
    """Seconds for psql: \\copy into an UNLOGGED staging table, then the one upsert."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    script = (
        "CREATE UNLOGGED TABLE IF NOT EXISTS stage_raw (student_id text, date text, "
        "grade_level text, p1 text, p2 text, p3 text, p4 text, p5 text, p6 text, p7 text);\n"
        "TRUNCATE stage_raw;\n"
        f"\\copy stage_raw FROM '{path}' WITH (FORMAT csv, HEADER true)\n"
        f"{UPSERT_SQL}\n"
    )
    command = ["psql", "-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
               "-U", parsed.username or "postgres", "-d", parsed.database or "", "-q",
               "-v", "ON_ERROR_STOP=1"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, input=script, text=True, check=True, capture_output=True)
    return time.perf_counter() - started


def child(url: str, path: str, instance: str, runs: int) -> None:
    """Run `runs` imports of the file in this process; print their seconds and peak RSS."""
    import resource

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from attendly.settings import Settings
    from ingest import run_import

    settings = Settings(env="test", default_school_code="001", instance_path=Path(instance))
    engine = create_engine(url)
    seconds, results = [], []
    for _ in range(runs):
        with Session(engine) as session:
            started = time.perf_counter()
            result = run_import(session, "attendance", path, settings=settings, today=TODAY)
            seconds.append(time.perf_counter() - started)
            results.append(result.counts())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "counts": results, "peak_mb": peak}))


def attendly(url: str, path: Path, instance: Path, runs: int = 2) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path), str(instance), str(runs)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cli_seconds(url: str, path: Path, instance: Path) -> float:
    """Wall time of `attendly import attendance FILE` (process start-up included)."""
    env = {**os.environ, "DATABASE_URL": url, "ATTENDLY_INSTANCE": str(instance)}
    env.update(ATTENDLY_ENV="test")
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "attendly"), "import", "attendance", str(path)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


Row = tuple[str, int, float, float | None, float | None]


def postgres_rows(server: str, rows: int, folder: Path, repeat: int) -> list[Row]:
    path = folder / f"attendance_{rows}.csv"
    students = write_file(path, rows)
    lines = sum(1 for _ in path.open()) - 1
    base_url, ours_url = f"{server}/attendly_bench_base", f"{server}/attendly_bench_att"
    best: dict[str, float] = {}
    peak = 0.0
    for _ in range(repeat):
        fresh_database(base_url, students)
        first_base, again_base = baseline(base_url, path), baseline(base_url, path)
        fresh_database(ours_url, students)
        outcome = attendly(ours_url, path, folder / "instance")
        first, again = outcome["seconds"]
        assert outcome["counts"][1]["records_skipped"] == lines, outcome
        for key, value in (("bf", first_base), ("ba", again_base), ("of", first), ("oa", again)):
            best[key] = min(best.get(key, value), value)
        peak = max(peak, outcome["peak_mb"])
    for url in (base_url, ours_url):
        drop_database(url)
    return [
        ("PostgreSQL baseline COPY + upsert, first", lines, best["bf"], None, None),
        ("PostgreSQL attendly import, first", lines, best["of"], best["of"] / best["bf"], peak),
        ("PostgreSQL baseline COPY + upsert, again", lines, best["ba"], None, None),
        ("PostgreSQL attendly import, identical again", lines, best["oa"],
         best["oa"] / best["ba"], peak),
    ]  # fmt: skip


def sqlite_rows(rows: int, folder: Path) -> list[Row]:
    path = folder / f"attendance_{rows}.csv"
    students = write_file(path, rows)
    lines = sum(1 for _ in path.open()) - 1
    url = f"sqlite:///{folder / f'bench_{rows}.db'}"
    fresh_database(url, students)
    outcome = attendly(url, path, folder / "instance")
    first, again = outcome["seconds"]
    found: list[Row] = [
        ("SQLite attendly import, first", lines, first, None, outcome["peak_mb"]),
        ("SQLite attendly import, identical again", lines, again, None, outcome["peak_mb"]),
    ]
    if rows <= 10_000:
        fresh_database(url, students)
        found.append(("SQLite `attendly import` command (start-up included)", lines,
                      cli_seconds(url, path, folder / "instance"), None, None))  # fmt: skip
    return found


def table(found: list[Row]) -> str:
    lines = [
        f"{'scenario':<52} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'ratio':>6} {'peak MB':>8}"
    ]
    for name, rows, seconds, ratio, peak in found:
        shown_ratio = f"{ratio:.2f}" if ratio is not None else ""
        shown_peak = f"{peak:.0f}" if peak is not None else ""
        lines.append(
            f"{name:<52} {rows:>9,} {seconds:>8.2f} {rows / seconds:>9,.0f} "
            f"{shown_ratio:>6} {shown_peak:>8}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="100000,1000000", help="PostgreSQL file sizes")
    parser.add_argument("--sqlite-rows", default="1000,1000000", help="SQLite file sizes")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (best is kept)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, path, instance, runs = args.child
        child(url, path, instance, int(runs))
        return
    folder = Path(tempfile.mkdtemp(prefix="attendly_bench_"))
    found: list[Row] = []
    try:
        for rows in (int(n) for n in args.rows.split(",") if n):
            found += postgres_rows(args.server, rows, folder, args.repeat)
        for rows in (int(n) for n in args.sqlite_rows.split(",") if n):
            found += sqlite_rows(rows, folder)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(table(found))


if __name__ == "__main__":
    main()
