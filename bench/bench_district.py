"""Dashboard callbacks at district scale: 30 schools, 50,000 students, ~9M attendance rows.

    .venv/bin/python -m bench.bench_district [--rebuild] [--runs 20] [--schools 30]
        [--students 50000] [--only TEXT]

Builds (once) the PostgreSQL database `attendly_bench_district` by generating the rows in SQL
(a district's year through the import pipeline takes far longer; bench_parallel_import.py
measures that path): schools, students spread over them and grades 6-8, every school day of
2025-26 for every student (seven periods; each student has an absence propensity, so some
are chronically absent, some truant), three i-Ready diagnostics per subject and student.
The derived tables then come from the app's own refresh (db.summaries.refresh_all: summaries,
weekly sums, day totals, i-Ready growth, last week's figures), as after an import.

Then, like bench_dashboard.py, calls every dashboard callback in a signed-in request context,
cold (page cache cleared before each call) and warm, and prints p50/p95 per callback for the
whole district (a district admin) and for one school (the school's principal). Targets
(2 cores): district under 250 ms, one school under 100 ms p95.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from sqlalchemy import text

URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_district"
YEAR, FIRST_DAY, LAST_DAY = "2025-2026", "2025-08-18", "2026-05-29"
PASSWORDS = {"district-admin": "bench-admin-1", "principal-1": "bench-principal-1"}


def build(url: str, schools: int, students: int) -> dict[str, float]:
    """Fill the (new) database; seconds per step."""
    from attendly.extensions import db
    from bench.bench_dashboard import make_app
    from db.partitions import ensure_attendance_partitions
    from db.summaries import refresh_all

    app = make_app(url)
    timings: dict[str, float] = {}
    with app.app_context():
        from attendly.setup import initialise_database

        initialise_database(app)
        session = db.session()
        began = time.perf_counter()
        ensure_attendance_partitions(session, [YEAR])
        for statement in rows_sql(schools, students):
            session.execute(text(statement))
        session.commit()
        timings["generate rows"] = time.perf_counter() - began
        began = time.perf_counter()
        refresh_all(session, app.config["ATTENDLY_SETTINGS"])
        session.commit()
        timings["refresh derived tables"] = time.perf_counter() - began
        began = time.perf_counter()
        session.execute(text("ANALYZE"))
        session.commit()
        timings["analyze"] = time.perf_counter() - began
    add_users(app)
    return timings


def rows_sql(schools: int, students: int) -> list[str]:
    """The generating statements (deterministic: setseed)."""
    columns = ", ".join(f"period_{n}" for n in range(1, 8))
    present = " + ".join(f"(p{n} IN ('P', 'T', 'L', 'I'))::int" for n in range(1, 8))
    unexcused = " + ".join(f"(p{n} IN ('U', 'L'))::int" for n in range(1, 8))
    unverified = " + ".join(f"(p{n} = 'V')::int" for n in range(1, 8))
    period = (
        "CASE WHEN away THEN (CASE WHEN random() < 0.5 THEN 'E' ELSE 'U' END) "
        "WHEN random() < 0.02 THEN 'U' WHEN random() < 0.01 THEN 'V' "
        "WHEN random() < 0.04 THEN 'T' ELSE 'P' END"
    )
    periods = ", ".join(f"{period} AS p{n}" for n in range(1, 8))
    return [
        "SELECT setseed(0.42)",
        f"""INSERT INTO schools (id, code, name, periods_per_day)
            SELECT n, lpad(n::text, 3, '0'), 'School ' || n, 7
            FROM generate_series(1, {schools}) n""",
        f"""INSERT INTO students (id, last_name, first_name, grade_level, school_id)
            SELECT 'D' || lpad(n::text, 6, '0'), 'Last' || (n % 997), 'First' || n,
                   6 + n % 3, 1 + n % {schools}
            FROM generate_series(1, {students}) n""",
        """CREATE TEMP TABLE propensity AS
            SELECT id, CASE WHEN random() < 0.15 THEN 0.12 + random() * 0.2
                            ELSE random() * 0.06 END AS rate
            FROM students""",
        f"""CREATE TEMP TABLE school_days AS
            SELECT d::date AS day FROM generate_series('{FIRST_DAY}'::date, '{LAST_DAY}'::date,
                                                       '1 day') d
            WHERE extract(isodow FROM d) < 6""",
        f"""INSERT INTO attendance_records (student_id, date, academic_year, school_id, {columns},
                scheduled, present, daily_attendance_percentage, unexcused_periods,
                unverified_periods)
            SELECT id, day, '{YEAR}', school_id, p1, p2, p3, p4, p5, p6, p7, 7, {present},
                   round(({present}) * 100.0 / 7, 2), {unexcused}, {unverified}
            FROM (
                SELECT s.id, s.school_id, d.day, {periods}
                FROM (SELECT st.id, st.school_id, random() < pr.rate AS away, d0.day
                      FROM students st JOIN propensity pr ON pr.id = st.id
                      CROSS JOIN school_days d0) s
                JOIN school_days d ON d.day = s.day
            ) generated""",
        f"""INSERT INTO iready_diagnostics (student_id, subject, completion_date, academic_year,
                baseline, most_recent, overall_scale_score, placement_level,
                annual_typical_growth, annual_stretch_growth)
            SELECT s.id, subject, window_day, '{YEAR}', window_day = '2025-09-15',
                   window_day = '2026-05-11',
                   430 + (s.grade_level - 6) * 15 + (w * 8) + (random() * 60)::int
                       - (pr.rate * 150)::int,
                   1 + (random() * 4)::int, 18 + (random() * 12)::int, 35 + (random() * 15)::int
            FROM students s JOIN propensity pr ON pr.id = s.id
            CROSS JOIN (VALUES ('ELA'), ('MATH')) subjects (subject)
            CROSS JOIN (VALUES (0, DATE '2025-09-15'), (1, DATE '2026-01-20'),
                               (2, DATE '2026-05-11')) windows (w, window_day)""",
    ]


def add_users(app: Any) -> None:
    from attendly.extensions import db
    from attendly.users import save_user

    with app.app_context():
        save_user("district-admin", "admin", "", PASSWORDS["district-admin"])
        save_user("principal-1", "principal", "", PASSWORDS["principal-1"], schools="001")
        db.session.commit()


def main() -> None:
    from bench.bench_dashboard import make_app, measure, upgrade
    from bench.bench_data import ensure_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--schools", type=int, default=30)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    if ensure_database(args.url, args.rebuild):
        print("build:", build(args.url, args.schools, args.students))
    app = make_app(args.url)
    with app.app_context():
        from attendly.extensions import db

        upgraded = upgrade(app)
        if upgraded:
            print("upgrade:", upgraded)

        counts = db.session.execute(
            text(
                "SELECT (SELECT count(*) FROM schools), (SELECT count(*) FROM students), "
                "(SELECT count(*) FROM attendance_records)"
            )
        ).one()
    print(f"schools {counts[0]}, students {counts[1]:,}, attendance rows {counts[2]:,}")
    print(f"callbacks, {args.runs} calls each (ms)")
    print(f"{'callback':<40} {'mode':<6} {'p50':>8} {'p95':>8} {'p95 cpu':>8}")
    for username, label in (("district-admin", "whole district"), ("principal-1", "one school")):
        print(f"-- {label} ({username})")
        for name, mode, p50, p95, cpu in measure(app, username, args.runs, args.only):
            print(f"{name:<40} {mode:<6} {p50:>8.1f} {p95:>8.1f} {cpu:>8.1f}")


if __name__ == "__main__":
    main()
