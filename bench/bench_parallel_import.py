"""Benchmark a district's nightly batch (`attendly import-batch`) on 1 and on 2 RQ workers.

    .venv/bin/python bench/bench_parallel_import.py [--schools 8] [--students-per-school 400]
        [--days 60] [--rows 9000000] [--workers 1,2] [--keep] [--files DIR]

Every school's roster and canonical attendance export come from the demo generator
(`attendly.demo.generate_school`, seeded per school, ids prefixed with the school's code so
that no two schools share a student). For each worker count the PostgreSQL database
(`--url`, default attendly_bench_c) is created afresh and migrated, the Redis database
emptied, that many `attendly worker` processes started, and the batch submitted with
`attendly import-batch --wait`: the wall time runs from the command's start to the last
import's end. Printed per run: rows (roster + attendance), wall seconds, rows/s, the jobs'
summed run time on the workers ("imports s", from RQ's job records) and its ratio to the
span from the first job's start to the last one's end ("overlap": about 1 when the jobs ran
one at a time, up to the worker count when they ran side by side), the speedup over the
first run, how many workers took jobs and how many deadlocked attempts were retried.
`--rows N` sizes the district to about N attendance rows (days from --days, students per
school to match); the full district's year is `--schools 30 --rows 9000000 --days 180`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ATTENDLY = str(Path(sys.executable).parent / "attendly")
YEAR_START = 2025


def generate_district(folder: Path, schools: int, students: int, days: int) -> dict[str, int]:
    """Write roster-<code>.csv and attendance-<code>.csv per school; returns row counts."""
    from attendly.demo import academic_year_end, academic_year_start, generate_school
    from attendly.demo.calendar import school_days

    start = academic_year_start(YEAR_START)
    calendar = school_days(start, academic_year_end(YEAR_START))
    end = calendar[min(days, len(calendar)) - 1]  # the first `days` school days
    counts = {"roster": 0, "attendance": 0}
    for number in range(schools):
        code = str(101 + number)
        files = generate_school(
            folder / f".{code}", students=students, start=start, end=end, seed=7 + number,
            school_code=code,
        )  # fmt: skip
        counts["roster"] += _prefixed(files.roster, folder / f"roster-{code}.csv", code)
        counts["attendance"] += _prefixed(files.attendance, folder / f"attendance-{code}.csv", code)
        shutil.rmtree(folder / f".{code}")
    return counts


def _prefixed(source: Path, target: Path, code: str) -> int:
    """Copy a generated file with each student id prefixed by the school's code; returns the
    data rows written."""
    written = 0
    with source.open(newline="") as reader, target.open("w", newline="") as out:
        rows = csv.reader(reader)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(next(rows))
        for row in rows:
            writer.writerow([f"{code}{row[0]}", *row[1:]])
            written += 1
    return written


def _env(url: str, redis: str, instance: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    return {
        **clean,
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "ATTENDLY_INSTANCE": str(instance),
        "ATTENDLY_ENV": "test",
        "ATTENDLY_LOG_FORMAT": "text",
        "ATTENDLY_RETRY_INTERVALS": "2,5,10",  # a deadlocked attempt is retried soon
    }


def fresh_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def run_batch(folder: Path, workers: int, url: str, redis: str, work: Path) -> dict[str, Any]:
    """Import the batch on `workers` fresh workers; returns the run's figures."""
    import redis as redis_py

    fresh_database(url)
    redis_py.Redis.from_url(redis).flushdb()
    instance = work / f"instance-{workers}"
    env = _env(url, redis, instance)
    subprocess.run([ATTENDLY, "init-db"], env=env, check=True, capture_output=True)
    logs = [(work / f"worker-{workers}-{n}.log").open("wb") for n in range(workers)]
    started = [
        subprocess.Popen([ATTENDLY, "worker"], env=env, stdout=log, stderr=log) for log in logs
    ]
    try:
        time.sleep(3)  # the workers register before the first job is queued
        began = time.perf_counter()
        done = subprocess.run(
            [ATTENDLY, "import-batch", str(folder), "--wait", "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - began
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(timeout=60)
        for log in logs:
            log.close()
    if done.returncode != 0:
        raise RuntimeError(
            f"import-batch exit {done.returncode}: {done.stdout[-3000:]} {done.stderr[-2000:]}"
        )
    rows = json.loads(done.stdout[done.stdout.index("[") :])
    ids = [row["import_id"] for row in rows]
    logged = "".join(
        (work / f"worker-{workers}-{n}.log").read_text(errors="replace") for n in range(workers)
    )
    retried = sum("ImportRetry" in line and "Deadlock" in line for line in logged.splitlines())
    return {
        "workers": workers,
        "wall": wall,
        "deadlocks": retried,
        **_import_figures(url, redis, ids),
    }


def _import_figures(url: str, redis: str, ids: list[int]) -> dict[str, Any]:
    """Rows processed and completed imports (database); the jobs' summed run time and their
    first-start-to-last-end span (RQ's job records), and which workers ran them."""
    from redis import Redis
    from rq.job import Job
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT sum(records_processed), count(*) FILTER (WHERE status = 'completed'), "
                "count(*) FROM imports WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        ).one()
    engine.dispose()
    connection_ = Redis.from_url(redis)
    jobs = [Job.fetch(f"import-{i}", connection=connection_) for i in ids]
    starts = [job.started_at for job in jobs if job.started_at and job.ended_at]
    ends = [job.ended_at for job in jobs if job.started_at and job.ended_at]
    busy = sum((end - start).total_seconds() for start, end in zip(starts, ends, strict=True))
    return {
        "rows": int(found[0]),
        "busy": busy,
        "span": (max(ends) - min(starts)).total_seconds(),
        "completed": f"{found[1]}/{found[2]}",
        "by_worker": len({job.worker_name for job in jobs}),
    }


def report(runs: list[dict[str, Any]]) -> str:
    lines = [
        f"{'workers':>7} {'rows':>10} {'wall s':>8} {'rows/s':>9} {'imports s':>9} "
        f"{'overlap':>7} {'speedup':>7} {'completed':>9} {'workers used':>12} {'deadlocks':>9}",
    ]
    for run in runs:
        lines.append(
            f"{run['workers']:>7} {run['rows']:>10,} {run['wall']:>8.1f} "
            f"{run['rows'] / run['wall']:>9,.0f} {run['busy']:>9.1f} "
            f"{run['busy'] / run['span']:>7.2f} {runs[0]['wall'] / run['wall']:>7.2f} "
            f"{run['completed']:>9} {run['by_worker']:>12} {run['deadlocks']:>9}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=8)
    parser.add_argument("--students-per-school", type=int, default=400)
    parser.add_argument("--days", type=int, default=60, help="school days of attendance")
    parser.add_argument("--rows", type=int, default=None, help="about this many attendance rows")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument(
        "--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_c"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated files and the workers' logs"
    )
    parser.add_argument(
        "--files", type=Path, help="import this folder (a kept batch) instead of generating one"
    )
    args = parser.parse_args()
    students = args.students_per_school
    if args.rows:
        students = max(1, round(args.rows / (args.schools * args.days)))
    work = Path(tempfile.mkdtemp(prefix="attendly_bench_parallel_"))
    batch = args.files or work / "batch"
    try:
        if args.files:
            print(f"district: the files of {args.files}")
        else:
            began = time.perf_counter()
            counts = generate_district(batch, args.schools, students, args.days)
            print(
                f"district: {args.schools} schools x {students} students x {args.days} days: "
                f"{counts['roster']:,} roster rows, {counts['attendance']:,} attendance rows "
                f"(generated in {time.perf_counter() - began:.1f} s)"
            )
        runs = [
            run_batch(batch, int(n), args.url, args.redis, work) for n in args.workers.split(",")
        ]
        print(report(runs))
    finally:
        if args.keep:
            print(f"files and worker logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
