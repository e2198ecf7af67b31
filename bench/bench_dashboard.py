"""Dashboard speed on PostgreSQL with 7,200 students and a year of attendance (~1.26M rows).

    .venv/bin/python -m bench.bench_dashboard [--rebuild] [--runs 30] [--no-browser] [--only TEXT]

Builds (once) the database `attendly_bench_dash` from the demo generator through the real
import pipeline (see bench/bench_data.py), then calls every dashboard callback directly in a
request context with a signed-in user, N times, and prints p50/p95 in milliseconds:
"cold" clears the page cache before every call (what the first user after an import waits),
"warm" is every later call until the next import; with `--after-event`, "warmed" clears the
cache, publishes a change event, waits for the page-cache warm-up (attendly.warmup) and then
calls: the first call after an import in a process that warms. Finally it serves the app and
measures, in headless Chromium, the time from navigation start until each page shows its figures.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_dash"
OUT = ROOT / "bench" / "out"


def make_app(url: str, warm: bool = False) -> Flask:
    from attendly import create_app
    from attendly.settings import Settings

    settings = Settings(
        database_url=url,
        instance_path=OUT / "instance",
        env="test",
        redis_url=None,
        warm_cache=warm,
    )
    return create_app(settings)


def cases(student_id: str, year: str) -> dict[str, Callable[[], Any]]:
    """Each dashboard callback with realistic inputs (the functions Dash calls)."""
    from callbacks import correlation, filters, overview, student, students

    grid_request = {
        "startRow": 0,
        "endRow": 100,
        "sortModel": [{"colId": "attendance_rate", "sort": "asc"}],
    }
    return {
        "filters.init_filters": lambda: filters.init_filters("x", None),
        "overview.refresh (school)": lambda: overview.refresh(None, year),
        "overview.refresh (grade 6)": lambda: overview.refresh(6, year),
        "students.cards (school)": lambda: students.cards(
            None, year, None, [], "", "attendance", None, 1
        ),
        "students.cards (search)": lambda: students.cards(
            7, year, ["severe_chronic"], ["truant"], "ga", "absent", None, 1
        ),
        "students.table_rows": lambda: students.table_rows(
            grid_request, None, year, None, [], "", "attendance", None
        ),
        "student.refresh": lambda: student.refresh(student_id, year),
        "correlation.refresh (ELA)": lambda: correlation.refresh(None, year, "ELA"),
        "correlation.refresh (MATH, grade 8)": lambda: correlation.refresh(8, year, "MATH"),
        "filters.data_hrefs": lambda: filters.data_hrefs(
            6, year, [{"dataset": "overview-trend", "format": "csv"}]
        ),
    }


def measure(
    app: Flask, username: str, runs: int, only: str = "", modes: tuple[str, ...] = ("cold", "warm")
) -> list[tuple[str, str, float, float, float]]:
    """(case, mode, p50 ms, p95 ms, p95 CPU ms) for every case, cold and warm.

    CPU is this process's CPU time during the call (database time not included): on a
    machine shared with other work it shows what the call costs when wall time cannot.
    """
    from flask_login import login_user
    from sqlalchemy import select

    from attendly.auth import auth_user
    from attendly.cache import page_cache
    from attendly.extensions import db
    from db.dashboard import academic_years
    from db.models import User

    results = []
    with app.test_request_context("/"):
        login_user(auth_user(db.session.scalar(select(User).where(User.username == username))))
        year = academic_years(db.session())[0]
        student_id = _a_student(username)
        cache = page_cache()
        assert cache is not None
        for name, call in cases(student_id, year).items():
            if only not in name:
                continue
            for mode in modes:
                timings, cpu = [], []
                for _ in range(runs):
                    if mode == "cold":
                        cache.clear()
                    if mode == "warmed":
                        warm_after_event(app, cache)
                    started, started_cpu = time.perf_counter(), time.process_time()
                    call()
                    timings.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    db.session.remove()
                results.append((name, mode, statistics.median(timings), _p95(timings), _p95(cpu)))
    return results


def warm_after_event(app: Flask, cache: Any) -> None:
    """Forget every cached page, publish a change event and wait for the process's warm-up."""
    from attendly.events import data_changed
    from attendly.services import publish
    from attendly.warmup import warmer_of

    warmer = warmer_of(app)
    assert warmer is not None, "--after-event needs the app built with warm_cache=True"
    cache.clear()
    publish(data_changed("attendance", None, [], []))
    if not warmer.wait_idle(120):
        raise RuntimeError("the page-cache warm-up did not finish within 120 s")


def upgrade(app: Flask) -> dict[str, float]:
    """Migrate a database built by an older version and fill the i-Ready growth table, last
    week's figures and the Overview's groups once, and stamp the growth table as checked
    (bench_data writes diagnostics directly; older versions had none of these tables), as
    `attendly verify --repair` would; seconds per step, {} when nothing was needed."""
    from attendly.extensions import db
    from attendly.setup import initialise_database
    from db import growth, versions
    from db.overview_group_models import OverviewGroupYear
    from db.overview_groups import refresh_overview_groups
    from db.policy import load_policy
    from db.week_before import refresh_week_before
    from db.week_before_models import WeekBeforeYear

    began = time.perf_counter()
    initialise_database(app)
    done = {"migrate": time.perf_counter() - began}
    if not growth.in_sync(db.session()):
        began = time.perf_counter()
        growth.refresh_all_growth(db.session())
        db.session.commit()
        done["i-Ready growth table"] = time.perf_counter() - began
    if versions.current(db.session(), versions.GROWTH_CHECKED) is None:
        growth.record_sync(db.session())  # what every growth write stamps
        db.session.commit()
    if db.session.query(WeekBeforeYear).first() is None:
        began = time.perf_counter()
        policy = load_policy(db.session(), app.config["ATTENDLY_SETTINGS"])
        refresh_week_before(db.session(), policy)  # the Overview's groups with it
        db.session.commit()
        done["last week's figures"] = time.perf_counter() - began
    elif db.session.query(OverviewGroupYear).first() is None:
        began = time.perf_counter()
        policy = load_policy(db.session(), app.config["ATTENDLY_SETTINGS"])
        refresh_overview_groups(db.session(), policy)
        db.session.commit()
        done["Overview groups"] = time.perf_counter() - began
    if len(done) == 1:
        return {}
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return done


def _a_student(username: str) -> str:
    """A student the signed-in user may open: grade 6 for teachers, else 7 (another grade
    where the user's schools have none), of one of the user's schools when they are
    assigned some (any school's outside a request)."""
    from flask_login import current_user
    from sqlalchemy import select

    from attendly.extensions import db
    from db.models import School, Student

    grade = 6 if username.startswith("teacher") else 7
    statement = select(Student.id)
    if username.startswith("teacher"):
        statement = statement.where(Student.grade_level == grade)
    schools = getattr(current_user, "school_scope", None)  # None outside a signed-in request
    if schools is not None:
        codes = select(School.id).where(School.code.in_(list(schools)))
        statement = statement.where(Student.school_id.in_(codes))
    preferred = (Student.grade_level != grade, Student.id)  # False sorts first
    return str(db.session.scalar(statement.order_by(*preferred).limit(1)))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


PAGES = {
    "Overview": ("/", "#kpi-attendance_rate", "#overview-trend .scatterlayer .trace"),
    "Students": ("/students", ".student-card", ".student-card .sparkline"),
    "Student": ("/students/{student}", "#student-name", "#student-calendar .main-svg"),
    "Attendance vs i-Ready": (
        "/attendance-vs-iready",
        "#correlation-summary",
        "#correlation-scatter .scatterlayer .trace",
    ),
}


def browser_times(
    app: Flask, username: str, password: str, student: str, repeats: int
) -> dict[str, list[float]]:
    """Navigation start -> figures shown, per page, in headless Chromium (ms)."""
    from werkzeug.serving import make_server

    from tests.web import screenshot

    # Software WebGL (no GPU here) for the large scatter plots; a user's browser has a GPU.
    screenshot.CHROME_ARGS = (*screenshot.CHROME_ARGS, "--enable-unsafe-swiftshader")
    start_browser = screenshot.start_browser

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    driver = start_browser()
    try:
        _login(driver, base, username, password)
        return {
            page: [
                _interactive_ms(driver, base + path.format(student=student), ready, drawn)
                for _ in range(repeats)
            ]
            for page, (path, ready, drawn) in PAGES.items()
        }
    finally:
        driver.quit()
        server.shutdown()


def _login(driver: Any, base: str, username: str, password: str) -> None:
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(f"{base}/login")
    driver.find_element("id", "username").send_keys(username)
    driver.find_element("id", "password").send_keys(password)
    driver.find_element("id", "login-submit").click()
    WebDriverWait(driver, 60).until(
        lambda d: d.find_elements("css selector", "#kpi-attendance_rate")
    )


def _interactive_ms(driver: Any, url: str, ready: str, drawn: str) -> float:
    """Milliseconds from navigation start until `ready` has text and `drawn` exists."""
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(url)
    script = f"""
        const el = document.querySelector({ready!r});
        const shown = el && el.textContent.trim() && document.querySelector({drawn!r});
        return shown ? performance.now() : null;
    """
    return float(
        WebDriverWait(driver, 60, poll_frequency=0.02).until(lambda d: d.execute_script(script))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=URL)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--students", type=int, default=7200)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--only", default="", help="measure only callbacks naming this text")
    parser.add_argument(
        "--after-event",
        action="store_true",
        help="measure the first call after a change event in a process warming its cache",
    )
    args = parser.parse_args()

    from bench import bench_data

    new = bench_data.ensure_database(args.url, args.rebuild)
    app = make_app(args.url, warm=args.after_event)
    modes = ("warmed",) if args.after_event else ("cold", "warm")
    with app.app_context():
        if new:
            print("build:", bench_data.build(app, args.students, 2025, OUT / "demo"))
        from attendly.extensions import db

        upgraded = upgrade(app)
        if upgraded:
            print("upgrade:", upgraded)
        print("rows:", bench_data.row_counts(db.session()))
    print(f"\ncallbacks, {args.runs} calls each (ms)")
    print(f"{'callback':<40} {'mode':<6} {'p50':>8} {'p95':>8} {'p95 cpu':>8}")
    for username in ("admin", "teacher6"):
        print(f"-- as {username}")
        for name, mode, p50, p95, cpu in measure(app, username, args.runs, args.only, modes):
            print(f"{name:<40} {mode:<6} {p50:8.1f} {p95:8.1f} {cpu:8.1f}")
    if not args.no_browser:
        with app.app_context():
            student = _a_student("admin")
        print("\npage interactive in headless Chromium (ms from navigation start; 5 loads)")
        for page, values in browser_times(app, "admin", "bench-admin-1", student, 5).items():
            print(f"{page:<24} median {statistics.median(values):7.0f}   max {max(values):7.0f}")


if __name__ == "__main__":
    main()
