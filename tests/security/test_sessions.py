"""Cookies, idle timeout, password resets ending sessions, headers, and error pages."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from attendly.errorpages import GENERIC_500, internal_error
from attendly.security import SEEN_KEY, cookie_config
from attendly.settings import Settings
from attendly.users import reset_password, save_user, set_active
from tests.security.helpers import dependencies, payload, signed_in
from tests.web.conftest import dash_post, login


def test_session_cookie_is_httponly_and_samesite_lax(web_app: Flask) -> None:
    response = login(web_app.test_client(), "admin")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # env=test is served over plain http


@pytest.mark.parametrize(("env", "secure"), [("production", True), ("development", False)])
def test_cookies_are_secure_in_production(tmp_path, env: str, secure: bool) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(instance_path=tmp_path, env=env, secret_key="k" * 40)
    config = cookie_config(settings)
    assert config["SESSION_COOKIE_SECURE"] is secure and config["REMEMBER_COOKIE_SECURE"] is secure
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024


def test_an_idle_session_expires(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 29 * 60  # within the 30 idle minutes
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as session:
        session[SEEN_KEY] = time.time() - 31 * 60
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/").status_code == 302  # and it stays signed out


def test_a_password_reset_ends_existing_sessions(web_app: Flask) -> None:
    with web_app.app_context():
        save_user("resetme", "counselor", "", "first-password")
    client = signed_in(web_app, "resetme", "first-password")
    with web_app.app_context():
        reset_password("resetme", "second-password", actor="admin")
    assert client.get("/_dash-layout").status_code == 401
    assert signed_in(web_app, "resetme", "second-password").get("/").status_code == 200


def test_deactivation_ends_sessions(web_app: Flask) -> None:
    with web_app.app_context():
        save_user("leaver", "principal", "", "leaver-password")
    client = signed_in(web_app, "leaver", "leaver-password")
    with web_app.app_context():
        set_active("leaver", False, actor="admin")
    assert client.get("/api/v1/kpis").status_code == 401
    assert login(web_app.test_client(), "leaver", "leaver-password").status_code == 401


@pytest.mark.parametrize(
    ("path", "signed"),
    [
        ("/login", False),
        ("/health", False),
        ("/", True),
        ("/_dash-layout", True),
        ("/api/v1/kpis", True),
        ("/api/v1/nowhere", True),
        ("/", False),
    ],
)
def test_security_headers_on_every_response(web_app: Flask, path: str, signed: bool) -> None:
    client = signed_in(web_app, "admin") if signed else web_app.test_client()
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "'unsafe-eval'" not in csp
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    dash_app = web_app.extensions["attendly.dash"]
    with web_app.test_request_context():
        assert all(digest in script_src for digest in dash_app.csp_hashes())
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"


def test_a_crashing_callback_answers_a_generic_500(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = next(d for d in dependencies(web_app) if "overview-kpis.children" in d["output"])
    body = payload(dep, 7)
    body["inputs"] = []  # the callback cannot be called with no arguments
    response = dash_post(client, body)
    assert response.status_code == 500
    assert response.get_json() == {"error": GENERIC_500}
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/kpis", "/students"])
def test_the_500_handler_reveals_nothing(web_app: Flask, path: str) -> None:
    from werkzeug.exceptions import InternalServerError

    try:
        raise RuntimeError("secret detail: password=hunter2")
    except RuntimeError as exc:
        error = InternalServerError(original_exception=exc)
    with web_app.test_request_context(path):
        response = internal_error(error)
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert GENERIC_500 in text
