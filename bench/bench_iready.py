"""Benchmark: a district's year of i-Ready diagnostics (both subjects) imported into PostgreSQL.

    .venv/bin/python bench/bench_iready.py [--students 12500] [--keep] [--url URL]

Creates its own database (`attendly_bench_iready`, dropped first and, unless `--keep`, at the
end), imports a generated roster, then the generated ELA and Math exports (California
2024-25 layout, 70 columns; fall and winter diagnostics, so about 50,000 rows) through the
real pipeline, twice: the first import inserts, the identical re-import must skip every row.
Target: the first import under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attendly.demo.iready import IReadyStudent, generate_iready  # noqa: E402
from attendly.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from ingest import run_import  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_iready"
YEAR = 2025
TODAY = dt.date(YEAR + 1, 2, 1)  # after the winter window: two diagnostics per subject
TARGET_SECONDS = 10.0


def recreate(url: str, drop_only: bool = False) -> None:
    """Drop the benchmark database and (unless `drop_only`) create it empty."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        if not drop_only:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def testers(count: int) -> list[IReadyStudent]:
    rng = random.Random(7)
    return [
        IReadyStudent(
            student_id=f"{100000 + n}",
            last_name=f"Family{n % 997}",
            first_name=f"Student{n}",
            grade=6 + n % 3,
            state_id=str(4_000_000_000 + n),
            absence_rate=min(0.45, rng.expovariate(1 / 0.07)),
        )
        for n in range(count)
    ]


def write_roster(path: Path, students: list[IReadyStudent]) -> Path:
    lines = ["student_id,last_name,first_name,grade_level,state_student_id"]
    lines += [
        f"{s.student_id},{s.last_name},{s.first_name},{s.grade},{s.state_id}" for s in students
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_files(session: Session, files: list[Path], settings: Settings) -> tuple[float, int]:
    """Import each file; returns (seconds, rows). Exits non-zero on a failed import."""
    started, rows = time.perf_counter(), 0
    for path in files:
        result = run_import(session, "iready", path, settings=settings, today=TODAY)
        if result.status != "completed" or result.records_failed:
            sys.exit(f"{path.name}: {result.status}, {result.records_failed} failed")
        rows += result.records_processed
        print(
            f"  {path.name}: {result.records_processed} rows, "
            f"{result.records_inserted} inserted, {result.records_updated} updated, "
            f"{result.records_skipped} skipped, {result.duration_seconds:.2f} s"
        )
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12_500)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    recreate(args.url)
    engine = create_engine(args.url)
    upgrade(engine)
    settings = Settings(env="test", current_academic_year=f"{YEAR}-{YEAR + 1}")
    students = testers(args.students)
    with tempfile.TemporaryDirectory() as folder, Session(engine) as session:
        roster = write_roster(Path(folder) / "roster.csv", students)
        run_import(session, "roster", roster, settings=settings, today=TODAY)
        exports = generate_iready(
            Path(folder), students, year_start=YEAR, layout_name="2024-25-ca", today=TODAY
        )
        files = list(exports.values())
        print(f"{args.students} students, files: {', '.join(p.name for p in files)}")
        for label in ("first import", "identical re-import"):
            print(label)
            seconds, rows = import_files(session, files, settings)
            print(f"  {label}: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s")
            if label == "first import" and seconds >= TARGET_SECONDS:
                print(f"  over the {TARGET_SECONDS:.0f} s target")
    engine.dispose()
    if not args.keep:
        recreate(args.url, drop_only=True)


if __name__ == "__main__":
    main()
