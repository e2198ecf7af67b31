"""How long one attendance correction takes on PostgreSQL with 7,200 students (~1.26M days).

    .venv/bin/python -m bench.bench_corrections [--runs 30] [--url URL]

Uses the database bench_dashboard builds (`attendly_bench_dash`; run that first) and leaves
it exactly as it was: everything happens in one outer transaction that is rolled back at the
end (the corrections table is created inside it too; PostgreSQL's DDL is transactional).
Each run is the real `attendly.corrections.correct` for a different student — validation,
the period update, the correction record and audit entry, the student's summaries and
dashboard aggregates, the commit (here a savepoint release) and the event — and the script
prints p50/p95 in milliseconds over every run but the first (timed apart: it pays for the
process's first imports and compiled statements). A correction refreshes the aggregates of
the corrected date only; `--compare` also times, after each correction, the student's
refresh restricted to that date against the whole refresh (every date of the student's
year, what a correction cost before).

    .venv/bin/python -m bench.bench_corrections --runs 10 --compare
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.bench_dashboard import URL, _p95

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--url", default=URL)
    parser.add_argument("--compare", action="store_true", help="time both kinds of refresh too")
    args = parser.parse_args()

    from attendly.corrections import Corrector, correct
    from attendly.settings import Settings
    from db.correction_models import AttendanceCorrection
    from db.models import AttendanceRecord

    settings = Settings(
        database_url=args.url, env="test", instance_path=OUT / "instance", redis_url=None
    )
    engine = create_engine(args.url)
    with engine.connect() as connection:
        outer = connection.begin()
        AttendanceCorrection.__table__.create(connection, checkfirst=True)
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        last = session.scalar(select(func.max(AttendanceRecord.date)))
        if last is None:
            raise SystemExit(f"no attendance in {args.url}: run bench.bench_dashboard first")
        days = session.scalars(
            select(AttendanceRecord)
            .where(AttendanceRecord.date == last, AttendanceRecord.period_1.is_not(None))
            .order_by(AttendanceRecord.student_id)
            .limit(args.runs + 1)
        ).all()
        found: dict[str, list[float]] = {"correct": [], "the corrected date": [], "whole": []}
        for day in days:
            new = "U" if day.period_1 == "P" else "P"
            values = {"student": day.student_id, "date": last.isoformat(), "period": 1}
            began = time.perf_counter()
            correct(session, Corrector("bench", None), {**values, "status": new}, settings, on=last)
            found["correct"].append((time.perf_counter() - began) * 1000)
            if args.compare:
                _time_refreshes(session, day.student_id, last, settings, found)
        session.close()
        outer.rollback()
    engine.dispose()
    _report(args.url.rsplit("/", 1)[-1], found)


def _report(database: str, found: dict[str, list[float]]) -> None:
    """The first correction apart (this process's first imports and compiled statements),
    then p50/p95 of the others."""
    first, timings = found["correct"][0], found["correct"][1:]
    print(f"attendance corrections on {database}, {len(timings)} runs after a first one")
    print(f"  correct(): p50 {statistics.median(timings):.1f} ms, p95 {_p95(timings):.1f} ms")
    print(f"  the process's first correct(): {first:.1f} ms")
    for name in ("the corrected date", "whole"):
        if taken := found[name][1:]:
            p50, p95 = statistics.median(taken), _p95(taken)
            print(f"  refresh_summaries, {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def _time_refreshes(
    session: Session, student_id: str, day: dt.date, settings: Any, found: dict[str, list[float]]
) -> None:
    """The student's refresh restricted to `day`, then whole, each with its commit."""
    from db.summaries import refresh_summaries

    for name, dates in (("the corrected date", (day, day)), ("whole", None)):
        began = time.perf_counter()
        refresh_summaries(session, [student_id], settings, dates=dates)
        session.commit()
        found[name].append((time.perf_counter() - began) * 1000)


if __name__ == "__main__":
    main()
