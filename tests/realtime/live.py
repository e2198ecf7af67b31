"""Live servers, signed-in websocket clients and a private Redis for the realtime tests."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from simple_websocket import Client
from werkzeug.serving import make_server

PASSWORD = "realtime-password-1"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# (username, role, grades, schools) of every test user; passwords are PASSWORD.
USERS = (
    ("admin", "admin", "", ()),
    ("teacher6", "teacher", "6", ()),
    ("teacher7", "teacher", "7", ()),
    ("teacher67", "teacher", "6,7", ()),
    ("district", "principal", "", ("002",)),
)


def unique_prefix() -> str:
    """A channel prefix of this test run alone (pub/sub channels are shared by every db)."""
    return f"test-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare_database(app: Flask) -> None:
    """Migrate, seed, add the test users (with school assignments) and two schools' students."""
    from attendly.extensions import db
    from attendly.setup import initialise_database
    from attendly.users import save_user
    from db.models import School, Student, User, UserSchool

    with app.app_context():
        initialise_database(app)
        for username, role, grades, schools in USERS:
            save_user(username, role, grades, PASSWORD)
            user = db.session.query(User).filter_by(username=username).one()
            db.session.add_all(UserSchool(user_id=user.id, school_code=code) for code in schools)
        first, second = School(code="001", name="North"), School(code="002", name="South")
        db.session.add_all([first, second])
        db.session.flush()
        students = (("S6", 6, first), ("S7", 7, first), ("T6", 6, second), ("T7", 7, second))
        db.session.add_all(
            Student(id=sid, grade_level=grade, school_id=school.id)
            for sid, grade, school in students
        )
        db.session.commit()


def realtime_app(tmp: Path, database_url: str, redis_url: str | None, prefix: str) -> Flask:
    """A web app with the login form, the request gate and the live-update routes, without
    Dash (the test process's one Dash app belongs to tests/web)."""
    from attendly import auth, create_app, realtime, security
    from attendly.settings import Settings

    settings = Settings(
        instance_path=tmp,
        database_url=database_url,
        env="test",
        redis_url=redis_url,
        events_prefix=prefix,
        events_log_size=10,
        ws_ping_seconds=2,
    )
    app = create_app(settings, web=False)
    app.register_blueprint(auth.blueprint)
    realtime.init_app(app)
    security.install(app)
    prepare_database(app)
    return app


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free port (threaded werkzeug, as `attendly serve`); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="realtime-test-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def signed_in(base_url: str, username: str) -> requests.Session:
    """A requests session signed in through the real login form."""
    browser = requests.Session()
    form = browser.get(f"{base_url}/login", timeout=10)
    match = CSRF_FIELD.search(form.text)
    assert match, f"no csrf_token on {base_url}/login"
    data = {"username": username, "password": PASSWORD, "csrf_token": match.group(1)}
    answer = browser.post(f"{base_url}/login", data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, (username, answer.status_code, answer.text[:200])
    return browser


def websocket(base_url: str, browser: requests.Session | None = None) -> Client:
    """A websocket on /ws carrying the browser's cookies (none: anonymous)."""
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies) if browser else ""
    headers = {"Cookie": cookies} if cookies else {}
    return Client.connect(base_url.replace("http://", "ws://") + "/ws", headers=headers)


def receive(client: Client, timeout: float = 5.0) -> dict[str, Any]:
    """The next JSON message, or an AssertionError after `timeout` seconds."""
    text = client.receive(timeout=timeout)
    assert text is not None, f"no message within {timeout} s"
    message: dict[str, Any] = json.loads(text)
    return message


def nothing_more(client: Client, wait: float = 0.5) -> None:
    """Assert that no message arrives within `wait` seconds."""
    text = client.receive(timeout=wait)
    assert text is None, f"unexpected message {text!r}"


def wait_until(condition: Any, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout} s")


class PrivateRedis:
    """A redis-server of one test alone, which the test may stop and start again."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            from tests.services import unavailable

            unavailable("redis-server is not installed")
        self.binary = str(binary)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_redis(self.binary, self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    """A running PrivateRedis, stopped at the end whatever the test did to it."""
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def start_redis(binary: str, port: int) -> subprocess.Popen[bytes]:
    """Start redis-server without persistence on `port` and wait until it answers."""
    import redis

    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = redis.Redis(port=port, socket_connect_timeout=0.2)
    wait_until(lambda: _answers(probe), 10, f"redis-server on port {port}")
    return process


def _answers(client: Any) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
