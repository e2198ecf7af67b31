"""Login and logout, the logged-in user as flask-login sees it, and its data scope.

The request gate that makes every route require a login lives in `attendly.security`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf
from werkzeug.security import check_password_hash, generate_password_hash

from attendly import throttle
from attendly.extensions import db, login_manager

if TYPE_CHECKING:
    from db.models import User

blueprint = Blueprint("auth", __name__)

ROLES = ("admin", "principal", "counselor", "teacher")
FAILED_MESSAGE = "Unknown username or wrong password."
LOCKED_MESSAGE = "Too many sign-in attempts. Please wait {minutes} minutes and try again."
EXPIRED_MESSAGE = "Your session expired. Please sign in again."


@dataclass(frozen=True)
class AuthUser:
    """The logged-in user as flask-login sees it (a detached, immutable snapshot).

    `fingerprint` ties a session to the password it was opened with: resetting a password
    ends every session opened before the reset.
    """

    id: int
    username: str
    role: str
    grades: tuple[int, ...]
    schools: tuple[str, ...] = ()
    fingerprint: str = ""
    via_token: bool = False

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.fingerprint}"

    @property
    def grade_scope(self) -> tuple[int, ...] | None:
        """Grade levels this user may see; None means every grade."""
        return self.grades if self.role == "teacher" else None

    @property
    def school_scope(self) -> tuple[str, ...] | None:
        """School codes this user is assigned to; None means every school."""
        return self.schools or None


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's default modern KDF)."""
    return generate_password_hash(password)


def parse_grades(text: str) -> tuple[int, ...]:
    """ "6, 7" -> (6, 7). Raises ValueError for a part that is not a whole number."""
    return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash (never the hash itself) for the session id."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def auth_user(user: User) -> AuthUser:
    """The AuthUser snapshot of a db.models.User row (with its school assignments)."""
    from sqlalchemy import select

    from db.models import UserSchool

    schools = db.session.scalars(
        select(UserSchool.school_code).where(UserSchool.user_id == user.id)
    )
    return AuthUser(
        user.id,
        user.username,
        user.role,
        parse_grades(user.grades),
        tuple(sorted(schools)),
        password_fingerprint(user.password_hash),
    )


# Checked when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("attendly-timing-equaliser")


@login_manager.user_loader
def _load_user(session_id: str) -> AuthUser | None:
    from db.models import User

    user_id, _, fingerprint = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if fingerprint != password_fingerprint(user.password_hash):
        return None  # the password changed since this session signed in
    return auth_user(user)


LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Attendly</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/00-bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width:24rem;margin-top:10vh">
<h1 class="h3 mb-3">Attendly</h1><p class="text-muted">Sign in to see your school's attendance.</p>
{% if error %}<div class="alert alert-danger" role="alert">{{ error }}</div>{% endif %}
<form method="post" action="{{ url_for('auth.login', next=next_url) }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<label class="form-label" for="username">Username</label>
<input class="form-control mb-2" id="username" name="username" autocomplete="username" required
 value="{{ username }}">
<label class="form-label" for="password">Password</label>
<input class="form-control mb-3" id="password" name="password" type="password"
 autocomplete="current-password" required>
<button class="btn btn-primary w-100" type="submit" id="login-submit">Sign in</button>
</form></main></body></html>"""


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(char) < 32 for char in target):
        return "/"
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """The sign-in form; the request gate has checked the CSRF token of a POST already."""
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET":
        return login_page(next_url)
    username = request.form.get("username", "")
    settings = current_app.config["ATTENDLY_SETTINGS"]
    limits = throttle.Limits.from_settings(settings)
    address = request.remote_addr or "unknown"
    if throttle.is_blocked(db.session(), username, address, limits):
        _record_attempt(username, address, "login_locked")
        message = LOCKED_MESSAGE.format(minutes=settings.lockout_minutes)
        return login_page(next_url, message, 429)
    user = _check_credentials(username, request.form.get("password", ""))
    if user is None:
        _record_attempt(username, address, "login_failed")
        return login_page(next_url, FAILED_MESSAGE, 401)
    session.clear()  # a fresh session for the signed-in user (no session fixation)
    login_user(user)
    _record_attempt(user.username, address, "login")
    return redirect(next_url)  # type: ignore[return-value]


def login_page(next_url: str, error: str | None = None, status: int = 200) -> Response:
    """The sign-in form with an optional error message (rendered as text, never HTML)."""
    body = render_template_string(
        LOGIN_PAGE,
        error=error,
        next_url=next_url,
        csrf_token=generate_csrf(),
        username=request.form.get("username", ""),
    )
    return Response(body, status=status, mimetype="text/html")


def _check_credentials(username: str, password: str) -> AuthUser | None:
    from db.models import User

    user = db.session.query(User).filter_by(username=username.strip()).one_or_none()
    stored_hash = user.password_hash if user is not None else _DUMMY_HASH
    password_ok = check_password_hash(stored_hash, password)
    if user is None or not user.active or not password_ok:
        return None
    user.last_login_at = dt.datetime.now(dt.UTC)
    return auth_user(user)


def _record_attempt(username: str, address: str, action: str) -> None:
    """Count the attempt for throttling and write the audit entry, in one commit."""
    from attendly.audit import record

    throttle.record(db.session(), username, address, success=action == "login")
    details = {"address": address[:64]}
    record(action, entity="user", username=username.strip()[:80], details=details)


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    """End the session (the request gate has checked the CSRF token)."""
    from attendly.audit import record

    if current_user.is_authenticated:
        record("logout", entity="user", username=current_user.username)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))  # type: ignore[return-value]
