"""The one Attendly app of the test process, on a SQLite file holding the hand-made school.

A second Dash app in one process silently lacks the `@dash.callback`s, so everything in
tests/web and tests/security shares the session-scoped `web_app`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from tests.web import school

PASSWORDS = {"admin": "admin-password-1", "teacher6": "teacher-password-6"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


# The one app (and live server) of the test process, shared with tests/security, whose
# conftest re-exports these fixtures: a cache, not a second app, whichever directory asks.
_SHARED: dict[str, Any] = {}


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The Flask server (Dash mounted) with users admin and teacher6 and the school imported."""
    if "app" not in _SHARED:
        _SHARED["app"] = _build_app(tmp_path_factory.mktemp("web"))
    app: Flask = _SHARED["app"]
    return app


def _build_app(tmp: Path) -> Flask:
    from attendly import create_app
    from attendly.settings import Settings
    from attendly.setup import initialise_database
    from attendly.users import save_user

    settings = Settings(
        instance_path=tmp, database_url=f"sqlite:///{tmp}/web.db", env="test", redis_url=None
    )
    app = create_app(settings)
    with app.app_context():
        initialise_database(app)
        save_user("admin", "admin", "", PASSWORDS["admin"])
        save_user("teacher6", "teacher", "6", PASSWORDS["teacher6"])
        _import_school(tmp, settings)
    return app


def _import_school(folder: Path, settings: Any) -> None:
    from attendly.extensions import db
    from ingest import run_import

    files = (
        ("roster", school.write_roster(folder / "roster.csv")),
        ("attendance", school.write_attendance(folder / "attendance.csv")),
    )
    for kind, path in files:
        result = run_import(db.session, kind, path, settings=settings, username="test")
        assert result.status == "completed", (kind, result.errors[:5])
        assert result.records_failed == 0, (kind, result.errors[:5])


@pytest.fixture(scope="session")
def expected_kpis(web_app: Flask) -> dict[int | None, dict[str, Any]]:
    """What db.queries.kpis returns for the whole school and for grades 6 and 7."""
    from attendly.extensions import db
    from db.policy import load_policy
    from db.queries import kpis

    with web_app.app_context():
        policy = load_policy(db.session, web_app.config["ATTENDLY_SETTINGS"])
        return {grade: kpis(db.session, policy, grade=grade) for grade in (None, 6, 7)}


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The csrf_token of the login form (GET also starts the session that signs it)."""
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, "the login form has no csrf_token field"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str | None = None, next_url: str = ""):
    """POST the login form as a browser would; returns the response (not followed)."""
    path = f"/login?next={next_url}" if next_url else "/login"
    form = {
        "username": username,
        "password": PASSWORDS.get(username, "") if password is None else password,
        "csrf_token": csrf_token(client, path),
    }
    return client.post(path, data=form)


def csrf_header(client: FlaskClient) -> dict[str, str]:
    """The header Dash's renderer sends: X-CSRFToken copied from the `_csrf_token` cookie."""
    cookie = client.get_cookie("_csrf_token")
    return {"X-CSRFToken": cookie.value} if cookie is not None else {}


def dash_post(client: FlaskClient, payload: dict[str, Any]):  # type: ignore[no-untyped-def]
    """POST a callback payload to /_dash-update-component the way the browser does."""
    return client.post("/_dash-update-component", json=payload, headers=csrf_header(client))


@pytest.fixture(autouse=True)
def fresh_sign_in_attempts(web_app: Flask) -> None:
    """Each test starts with no sign-in failures counted (the throttle is shared app state)."""
    from sqlalchemy import delete

    from attendly.extensions import db
    from db.models import LoginAttempt

    with web_app.app_context():
        db.session.execute(delete(LoginAttempt))
        db.session.commit()


@pytest.fixture
def client(web_app: Flask) -> FlaskClient:
    """A fresh anonymous client (its own cookie jar)."""
    return web_app.test_client()


@pytest.fixture(scope="session")
def live_url(web_app: Flask) -> Iterator[str]:
    """The app served on a free local port by a threaded werkzeug server in this process."""
    if "live" in _SHARED:
        yield _SHARED["live"]
        return
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="web-test-server", daemon=True)
    thread.start()
    _SHARED["live"] = f"http://127.0.0.1:{server.server_port}"
    yield _SHARED["live"]
    server.shutdown()
    thread.join(timeout=5)


# Fixtures the dashboard browser tests share, registered here once instead of re-exported
# by every test module (imported last: those modules read PASSWORDS from this one).
from tests.web.dash_browser import downloads  # noqa: E402, F401
from tests.web.dashboard_data import iready_school  # noqa: E402, F401
