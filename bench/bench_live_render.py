"""Live dashboards: time from a published change event to the re-rendered Overview KPI.

    .venv/bin/python -m bench.bench_live_render [--students 900] [--rounds 20] [--rebuild]
        [--url postgresql+psycopg://...] [--warm] [--hold SECONDS] [--settle]

Builds (once) the demo school in SQLite under bench/out/live, serves the app in this process
with the in-process event bus, signs an admin in with headless Chromium on the Overview, then
N times: changes one student's stored figures (all days absent, then back), publishes the
change event and waits for the KPI to show the new figure. Prints p50/p95 in milliseconds of
publish -> first changed widget in the page, of the browser's part (event received -> changed
widget) and of the server's answer to the refresh callback (request sent -> first byte).

`--url` uses an existing database instead (the 7,200-student `attendly_bench_dash` of
bench_dashboard, signed in as its `admin`; the toggled student is restored at the end).
`--warm` turns the page-cache warm-up on (attendly.warmup); `--hold` is how long an event
waits for it before reaching the browser (ATTENDLY_WARM_HOLD_SECONDS; 0 = at once);
`--settle` starts each round only once the previous warm-up ended (events far apart).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import shutil
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "live"
ADMIN = ("bench-admin", "bench-admin-password")
CHROME_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
KPI = "kpi-attendance_rate"


def make_app(
    rebuild: bool, students: int, url: str | None = None, warm: bool = False, hold: float = 2.0
) -> Flask:
    from attendly import create_app
    from attendly.demo.build import build_demo_school
    from attendly.settings import Settings

    if rebuild and OUT.exists():
        shutil.rmtree(OUT)
    settings = Settings(
        instance_path=OUT,
        database_url=url,
        env="test",
        redis_url=None,
        warm_cache=warm,
        warm_hold_seconds=hold,
    )
    app = create_app(settings)
    if url:
        return app
    with app.app_context():
        build_demo_school(app, students, dt.date.today(), [(*ADMIN[:1], "admin", "", ADMIN[1])])
    return app


def serve(app: Flask) -> str:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def browser(url: str, login: tuple[str, str] = ADMIN) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.wait import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.get(f"{url}/")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("id", "username"))
    driver.find_element("id", "username").send_keys(login[0])
    driver.find_element("id", "password").send_keys(login[1])
    driver.find_element("id", "login-submit").click()
    WebDriverWait(driver, 60).until(
        lambda d: (
            d.find_elements("id", KPI) and d.find_element("id", "shell-live-status").text == "Live"
        )
    )
    return driver


class Toggle:
    """One student's stored figures switched between the real ones and every day absent."""

    def __init__(self, app: Flask) -> None:
        from attendly.extensions import db
        from db.models import Student, StudentYearSummary

        self.app = app
        with app.app_context():
            row = db.session.query(StudentYearSummary).order_by(StudentYearSummary.student_id)[0]
            self.key = (row.student_id, row.academic_year)
            self.grade = db.session.get(Student, row.student_id).grade_level
            self.real = (row.days_present, row.days_absent, row.attendance_rate)
            self.absent = (0, row.days_enrolled, 0)

    def apply(self, absent: bool) -> float:
        """Write, then publish; returns the epoch milliseconds just before the publish."""
        from attendly.events import data_changed
        from attendly.extensions import db
        from attendly.services import publish
        from db.models import StudentYearSummary

        with self.app.app_context():
            row = db.session.get(StudentYearSummary, self.key)
            row.days_present, row.days_absent, row.attendance_rate = (
                self.absent if absent else self.real
            )
            row.refreshed_at = dt.datetime.now(dt.UTC)
            db.session.commit()
            started = time.time() * 1000
            publish(data_changed("attendance", None, [self.grade], [self.key[0]]))
            return started


def measure(
    driver: Any, toggle: Toggle, rounds: int, settle: bool = False
) -> dict[str, list[float]]:
    from selenium.webdriver.support.wait import WebDriverWait

    figures: dict[str, list[float]] = {"publish": [], "browser": [], "server": []}
    for round_ in range(rounds):
        if settle:
            _wait_for_warmup(toggle.app)  # an event after a quiet spell, not back to back
        before = driver.find_element("id", KPI).text
        started = toggle.apply(absent=round_ % 2 == 0)
        WebDriverWait(driver, 30, 0.02).until(
            lambda d, seen=round_ + 1: len(d.execute_script("return attendlyLive.renders")) >= seen
        )
        render = driver.execute_script("return attendlyLive.renders")[-1]
        assert driver.find_element("id", KPI).text != before, "the KPI did not change"
        figures["publish"].append(render["at"] - started)
        figures["browser"].append(render["ms"])
        figures["server"].append(
            driver.execute_script(
                "const e = performance.getEntriesByType('resource')"
                ".filter(r => r.name.includes('_dash-update-component')).pop();"
                "return e.responseStart - e.requestStart;"
            )
        )
        time.sleep(0.3)
    return figures


def report(figures: dict[str, list[float]]) -> None:
    labels = {
        "publish": "publish -> KPI re-rendered",
        "browser": "event received -> KPI re-rendered (browser)",
        "server": "refresh callback answered (server, first byte)",
    }
    for key, values in figures.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"{labels[key]:<50} p50 {statistics.median(values):6.0f} ms   p95 {p95:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=900)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--url", help="an existing database (bench_dashboard's) instead")
    parser.add_argument("--warm", action="store_true", help="warm the page cache on events")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds an event waits for it")
    parser.add_argument(
        "--settle", action="store_true", help="with --warm: let each warm-up end before the next"
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)  # one access line per request would bury the figures
    app = make_app(args.rebuild, args.students, args.url, args.warm, args.hold)
    _wait_for_warmup(app)
    driver = browser(serve(app), ("admin", "bench-admin-1") if args.url else ADMIN)
    toggle = Toggle(app)
    try:
        report(measure(driver, toggle, args.rounds, args.settle))
    finally:
        driver.quit()
        toggle.apply(absent=False)  # leave the database as it was


def _wait_for_warmup(app: Flask) -> None:
    """Let the start-up warm-up finish first (with --warm): rounds then start alike."""
    from attendly.warmup import warmer_of

    warmer = warmer_of(app)
    if warmer is not None:
        warmer.wait_idle(120)


if __name__ == "__main__":
    main()
