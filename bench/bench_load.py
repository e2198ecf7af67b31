"""Many users clicking through the dashboards at once, over real HTTP on loopback.

    .venv/bin/python -m bench.bench_load [--users 50] [--clicks 12] [--think 2] [--ramp S]
        [--url URL] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_dash]

Starts the production server (gunicorn through `attendly serve --production`, its shipped
configuration) on the benchmark database unless `--url` names a running one, signs in
`--users` users (admins and grade-6 teachers of bench/bench_data.py, each with their own
session), and lets each of them, in their own thread, open `--clicks` pages one after the
other: a page is the Dash callbacks the browser fires when it opens (Overview, Students,
a student, Attendance vs i-Ready), with a grade, subject and page of cards drawn at random,
reading each page for `--think` seconds on average (uniform from half to one and a half times;
0 clicks without pause). Users arrive at random moments over the first `--ramp` seconds
(default: the think time), as they do over any later stretch of that length; `--ramp 0`
has all of them click at the same instant first.
Every callback is a POST to /_dash-update-component with the CSRF header, as the browser
sends it. Prints p50/p95/max per callback and over all, requests per second, and every
error (any status but 200/204, or a failed connection): the target is p95 under 500 ms with
zero errors for 50 users (2 cores, loopback, the server and the load on the same machine).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

from attendly import ids
from bench.bench_realtime import wait_for

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_dash"
# (username, password, grades the user may pick; None = every grade) from bench_data.USERS.
USERS = (("admin", "bench-admin-1", None), ("teacher6", "bench-teacher-6", (6,)))
# A page = the callbacks (by an output id) its opening fires, with their inputs' values.
PAGES = {
    "overview": (ids.Overview.KPI_ROW,),
    "students": (ids.Students.CARDS,),
    "student": (ids.Student.HEADER,),
    "correlation": (ids.Correlation.SUMMARY,),
}


def output_specs(output: str) -> list[dict[str, str]]:
    """A callback's `output` key as {id, property} entries (multi-output aware)."""
    names = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in names]


class User:
    """One signed-in browser: its own cookies, CSRF header and the app's callback map."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url, self.username = url, username
        self.http = requests.Session()
        page = self.http.get(f"{url}/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if token is None:
            raise SystemExit("no csrf_token on the login form")
        form = {"username": username, "password": password, "csrf_token": token.group(1)}
        answer = self.http.post(f"{url}/login", data=form, allow_redirects=False, timeout=30)
        if answer.status_code != 302:
            raise SystemExit(f"sign-in of {username} failed: {answer.status_code}")
        self.http.get(f"{url}/", timeout=30)  # the page load sets the _csrf_token cookie
        self.deps = self.http.get(f"{url}/_dash-dependencies", timeout=30).json()

    def callback(self, output_id: str) -> dict[str, Any]:
        return next(dep for dep in self.deps if f"{output_id}." in dep["output"])

    def post(self, dep: dict[str, Any], values: dict[str, Any]) -> tuple[int, float]:
        """POST one callback; (status, milliseconds)."""
        inputs = [{**item, "value": values.get(item["id"])} for item in dep["inputs"]]
        specs = output_specs(dep["output"])
        payload = {
            "output": dep["output"],
            "outputs": specs if dep["output"].startswith("..") else specs[0],
            "inputs": inputs,
            "state": [{**item, "value": values.get(item["id"])} for item in dep["state"]],
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
        }
        cookie = self.http.cookies.get("_csrf_token")
        headers = {"X-CSRFToken": cookie} if cookie else {}
        began = time.perf_counter()
        answer = self.http.post(
            f"{self.url}/_dash-update-component", json=payload, headers=headers, timeout=60
        )
        return answer.status_code, (time.perf_counter() - began) * 1000


def values_for(page: str, grades: tuple[int, ...] | None, year: str, student: str) -> dict:
    """The inputs a page opens with, drawn at random where a user would choose."""
    grade = random.choice(grades) if grades else random.choice([None, None, 6, 7, 8])
    return {
        ids.Filters.GRADE: grade,
        ids.Filters.YEAR: year,
        ids.Students.TIER: random.choice([[], [], ["severe_chronic"]]),
        ids.Students.TRUANT: [],
        ids.Students.SEARCH: random.choice(["", "", "ga"]),
        ids.Students.SORT: random.choice(["attendance", "absent", "name"]),
        ids.Students.NEAR_CHRONIC: None,
        ids.Students.PAGER: random.randint(1, 5),
        ids.Student.ID: student,
        ids.Correlation.SUBJECT: random.choice(["ELA", "MATH"]),
    }


def run_user(
    user: User,
    grades: tuple[int, ...] | None,
    clicks: int,
    context: dict[str, Any],
    timings: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
    think: float = 0.0,
    ramp: float = 0.0,
) -> None:
    if ramp:
        time.sleep(random.uniform(0.0, ramp))  # arriving: the first click at a random moment
    for click in range(clicks):
        if click and think:
            time.sleep(random.uniform(0.5 * think, 1.5 * think))  # reading the page
        page = random.choice(list(PAGES))
        students = context["students"][6 if grades else random.choice([6, 7, 8])]
        values = values_for(page, grades, context["year"], random.choice(students))
        for output_id in PAGES[page]:
            dep = user.callback(output_id)
            try:
                status, ms = user.post(dep, values)
            except requests.RequestException as error:
                with lock:
                    errors.append(f"{user.username} {page}: {error}")
                continue
            with lock:
                timings[page].append(ms)
                if status not in (200, 204):
                    errors.append(f"{user.username} {page}: HTTP {status}")


def context_of(database_url: str) -> dict[str, Any]:
    """The latest year and some students of each grade, read from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        year = connection.scalar(text("SELECT max(academic_year) FROM student_year_summaries"))
        students = {
            grade: list(
                connection.scalars(
                    text("SELECT id FROM students WHERE grade_level = :g ORDER BY id LIMIT 200"),
                    {"g": grade},
                )
            )
            for grade in (6, 7, 8)
        }
    engine.dispose()
    return {"year": year, "students": students}


def start_server(
    database_url: str, redis_url: str, port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    """`attendly serve --production` (gunicorn) on the database, its output in bench/out."""
    instance = ROOT / "bench" / "out" / "load-instance"
    instance.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-load-secret-key",
        "ATTENDLY_INSTANCE": str(instance),
        "ATTENDLY_WEB_WORKERS": str(workers),
        "ATTENDLY_WEB_THREADS": str(threads),
    }
    command = [str(Path(sys.executable).with_name("attendly")), "serve", "--production"]
    command += ["--port", str(port)]
    log = (instance / "gunicorn.log").open("wb")
    return subprocess.Popen(command, env=environment, cwd=instance, stdout=log, stderr=log)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--clicks", type=int, default=12, help="pages each user opens")
    parser.add_argument("--url", help="a running server (else one is started)")
    parser.add_argument("--database-url", default=DATABASE)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=32, help="threads per worker")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a user reads a page (0: none)"
    )
    parser.add_argument(
        "--ramp",
        type=float,
        help="users arrive at random over this many seconds (default: the think time; "
        "0: all click at the same instant)",
    )
    args = parser.parse_args()
    ramp = args.think if args.ramp is None else args.ramp
    random.seed(args.seed)
    server = None
    url = args.url
    if url is None:
        url = f"http://127.0.0.1:{args.port}"
        server = start_server(args.database_url, args.redis, args.port, args.workers, args.threads)
    try:
        wait_for(url, 90)
        context = context_of(args.database_url)
        users = []
        for n in range(args.users):
            username, password, grades = USERS[n % len(USERS)]
            users.append((User(url, username, password), grades))
        # One round to warm every process's imports and connections (not counted).
        for user, grades in users[:4]:
            run_user(user, grades, 2, context, defaultdict(list), [], threading.Lock())
        timings: dict[str, list[float]] = defaultdict(list)
        errors: list[str] = []
        lock = threading.Lock()
        threads = [
            threading.Thread(
                target=run_user,
                args=(u, g, args.clicks, context, timings, errors, lock, args.think, ramp),
            )
            for u, g in users
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
    every = [ms for values in timings.values() for ms in values]
    where = args.url or f"gunicorn {args.workers} workers x {args.threads} threads"
    print(
        f"{args.users} users x {args.clicks} pages, {args.think} s mean think time, "
        f"arriving over {ramp} s, on {where}"
    )
    print(f"{len(every)} callbacks in {elapsed:.1f} s")
    print(f"({len(every) / elapsed:.1f} callbacks/s), errors: {len(errors)}")
    print(f"{'page':<14}{'calls':>7}{'p50':>9}{'p95':>9}{'max':>9}  (ms)")
    for page, values in sorted(timings.items()):
        line = f"{page:<14}{len(values):>7}{statistics.median(values):>9.1f}"
        print(f"{line}{percentile(values, 0.95):>9.1f}{max(values):>9.1f}")
    if every:
        line = f"{'all':<14}{len(every):>7}{statistics.median(every):>9.1f}"
        print(f"{line}{percentile(every, 0.95):>9.1f}{max(every):>9.1f}")
    for error in errors[:20]:
        print("error:", error)


if __name__ == "__main__":
    main()
