"""The System health page's reads, one alert evaluation and the integrity check, timed on the
configured database (DATABASE_URL, or the instance folder's SQLite file).

Build a school first, e.g. `ATTENDLY_INSTANCE=/tmp/demo attendly demo --no-serve`, then
`ATTENDLY_INSTANCE=/tmp/demo .venv/bin/python -m bench.bench_system_health --runs 3`.
Nothing is written except the alert rules' own rows (an evaluation is what the worker does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select


def timed(runs: int, call: Callable[[], Any], after: Callable[[], Any]) -> tuple[float, float]:
    """(best, median) seconds of `runs` calls; `after` ends each call's transaction."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
        after()
    return min(seconds), statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from attendly import create_app
    from attendly.alerts import evaluate
    from attendly.extensions import db
    from attendly.integrity import run_integrity_check
    from attendly.system_panels import snapshot
    from db.models import AttendanceRecord, Student

    app = create_app(web=False)
    with app.app_context():
        settings, session = app.config["ATTENDLY_SETTINGS"], db.session()
        students = session.scalar(select(func.count()).select_from(Student))
        days = session.scalar(select(func.count()).select_from(AttendanceRecord))
        print(f"{session.get_bind().dialect.name}: {students} students, {days} student-days")
        now = dt.datetime.now(dt.UTC)
        checks: dict[str, Callable[[], Any]] = {
            "page snapshot": lambda: snapshot(session, settings, now),
            "alert evaluation": lambda: evaluate(session, settings, now),
            "integrity check": lambda: run_integrity_check(session, settings),
        }
        for name, call in checks.items():
            best, median = timed(args.runs, call, session.rollback)
            print(f"{name:<18} best {best:7.3f} s   median {median:7.3f} s   ({args.runs} runs)")


if __name__ == "__main__":
    main()
