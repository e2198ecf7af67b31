"""Benchmark: from a database commit to the change event arriving at 50 open dashboards.

    .venv/bin/python bench/bench_realtime.py [--clients 50] [--events 200] [--url URL]
                                             [--redis URL] [--workers 2] [--threads 64]

Creates its own PostgreSQL database (`attendly_bench_realtime`, dropped first), starts the
production server (`attendly serve --production`: gunicorn, threaded workers) on Redis, and
opens `--clients` signed-in websockets of mixed users (teachers of grade 6, 7 and 8, and
principals). Then, `--events` times: update one student's row and commit, note the time,
publish the change as the import and correction code does (one event in five spans two
grades, so it carries the students' grades looked up in PostgreSQL), and record when each
client whose user may see it receives it. Publisher and clients share one clock (this
process). Prints p50/p95/max over every delivery; target p95 under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from attendly import create_app  # noqa: E402
from attendly.events import data_changed  # noqa: E402
from attendly.settings import Settings  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_bench_realtime"
DEFAULT_REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "bench-password-1"
USERS = (("teacher6", "6"), ("teacher7", "7"), ("teacher8", "8"), ("principal", ""))
TARGET_MS = 50.0


def recreate(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def prepare(settings: Settings) -> Any:
    """Schema, users and one student per grade; returns the (non-web) app that publishes."""
    from attendly.extensions import db
    from attendly.setup import initialise_database
    from attendly.users import save_user
    from db.models import School, Student

    app = create_app(settings, web=False)
    with app.app_context():
        initialise_database(app)
        for username, grades in USERS:
            save_user(username, "teacher" if grades else "principal", grades, PASSWORD)
        school = School(code="001", name="Bench Middle")
        db.session.add(school)
        db.session.flush()
        db.session.add_all(
            Student(id=f"B{grade}", grade_level=grade, school_id=school.id) for grade in (6, 7, 8)
        )
        db.session.commit()
    return app


def serve(settings: Settings, port: int, workers: int, threads: int, log: Path) -> Any:
    env = {
        **os.environ,
        "DATABASE_URL": settings.resolved_database_url,
        "REDIS_URL": str(settings.redis_url),
        "SECRET_KEY": "bench-secret-key",
        "ATTENDLY_INSTANCE": str(settings.instance_path),
        "ATTENDLY_EVENTS_PREFIX": settings.events_prefix,
        "ATTENDLY_WEB_WORKERS": str(workers),
        "ATTENDLY_WEB_THREADS": str(threads),
    }
    command = [str(Path(sys.executable).with_name("attendly")), "serve", "--production"]
    command += ["--port", str(port)]
    handle = log.open("wb")
    return subprocess.Popen(command, env=env, cwd=settings.instance_path, stdout=handle,
                            stderr=handle)  # fmt: skip


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not answer /health within {seconds} s")


def sign_in(url: str, username: str) -> str:
    """The Cookie header of a session signed in through the login form."""
    import re

    browser = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(f"{url}/login").text)
    assert token, "no csrf_token on the login form"
    form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = browser.post(f"{url}/login", data=form, allow_redirects=False)
    assert answer.status_code == 302, f"sign-in of {username} failed: {answer.status_code}"
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


class Listener:
    """One open dashboard: a websocket and the arrival time of every message it gets."""

    def __init__(self, url: str, username: str, cookie: str) -> None:
        from simple_websocket import Client

        self.username = username
        self.arrivals: dict[int, float] = {}
        self.client = Client.connect(url.replace("http", "ws") + "/ws", headers={"Cookie": cookie})
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        from simple_websocket import ConnectionClosed

        try:
            while True:
                text_ = self.client.receive()
                arrived = time.perf_counter()
                self.arrivals[int(json.loads(text_)["version"])] = arrived
        except ConnectionClosed:
            pass


def sees(username: str, grades: list[int]) -> bool:
    own = dict(USERS)[username]
    return not own or any(str(grade) in own.split(",") for grade in grades)


def publish_events(app: Any, count: int, pause: float) -> dict[int, tuple[float, list[int]]]:
    """Commit a change and publish it, `count` times; {version: (commit time, grades)}."""
    from attendly.extensions import db
    from attendly.services import publish
    from db.models import Student

    sent: dict[int, tuple[float, list[int]]] = {}
    with app.app_context():
        for n in range(count):
            grades = [6, 7] if n % 5 == 4 else [6 + n % 3]
            for grade in grades:
                db.session.get(Student, f"B{grade}").last_name = f"Changed{n}"
            db.session.commit()
            committed = time.perf_counter()
            version = publish(data_changed("attendance", "001", grades, [f"B{g}" for g in grades]))
            sent[version] = (committed, grades)
            time.sleep(pause)
    return sent


def latencies(listeners: list[Listener], sent: dict[int, tuple[float, list[int]]]) -> list[float]:
    found, missing = [], 0
    for listener in listeners:
        for version, (committed, grades) in sent.items():
            if not sees(listener.username, grades):
                if version in listener.arrivals:
                    raise SystemExit(f"{listener.username} got event {version} of {grades}")
                continue
            if version in listener.arrivals:
                found.append((listener.arrivals[version] - committed) * 1000)
            else:
                missing += 1
    if missing:
        print(f"MISSING deliveries: {missing}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between events")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    recreate(args.url)
    folder = Path(tempfile.mkdtemp(prefix="attendly-bench-realtime-"))
    settings = Settings(instance_path=folder, database_url=args.url, redis_url=args.redis,
                        events_prefix=f"bench-{uuid.uuid4().hex[:8]}")  # fmt: skip
    app = prepare(settings)
    server = serve(settings, args.port, args.workers, args.threads, folder / "gunicorn.log")
    url = f"http://127.0.0.1:{args.port}"
    try:
        wait_for(url)
        cookies = {username: sign_in(url, username) for username, _ in USERS}
        names = [USERS[n % len(USERS)][0] for n in range(args.clients)]
        listeners = [Listener(url, name, cookies[name]) for name in names]
        time.sleep(2)  # every worker's listener subscribed
        sent = publish_events(app, args.events, args.pause)
        time.sleep(1)
        report(latencies(listeners, sent), args)
        for listener in listeners:
            listener.client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        forget_events(settings)


def forget_events(settings: Settings) -> None:
    """Remove the run's version counter and event log from Redis."""
    import redis

    from attendly.events import Channels

    channels = Channels(settings.events_prefix)
    redis.Redis.from_url(str(settings.redis_url)).delete(channels.version_key, channels.log_key)


def report(found: list[float], args: argparse.Namespace) -> None:
    found.sort()
    p95 = found[int(0.95 * (len(found) - 1))]
    server = f"gunicorn {args.workers} workers x {args.threads} threads, Redis {args.redis}"
    print(f"{args.clients} clients, {args.events} events, {len(found)} deliveries ({server})")
    print(f"commit -> client: p50 {statistics.median(found):.1f} ms, p95 {p95:.1f} ms, "
          f"max {found[-1]:.1f} ms (target p95 < {TARGET_MS:.0f} ms: "
          f"{'met' if p95 < TARGET_MS else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
