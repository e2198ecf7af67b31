"""Login, logout, the one request gate, and the data scope of the logged-in user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    jsonify,
    redirect,
    render_template_string,
    request,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import ValidationError

from attendly.extensions import db, login_manager

blueprint = Blueprint("auth", __name__)

ROLES = ("admin", "principal", "counselor", "teacher")
# Paths anyone may fetch: the login form, liveness/readiness, and static files with no data.
PUBLIC_PATHS = frozenset({"/login", "/health", "/ready", "/_favicon.ico", "/favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")


@dataclass(frozen=True)
class AuthUser:
    """The logged-in user as flask-login sees it (a detached, immutable snapshot)."""

    id: int
    username: str
    role: str
    grades: tuple[int, ...]

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def grade_scope(self) -> tuple[int, ...] | None:
        """Grade levels this user may see; None means every grade."""
        return self.grades if self.role == "teacher" else None


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's default modern KDF)."""
    return generate_password_hash(password)


def parse_grades(text: str) -> tuple[int, ...]:
    return tuple(sorted({int(part) for part in text.split(",") if part.strip()}))


# Checked when the username is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("attendly-timing-equaliser")


@login_manager.user_loader
def _load_user(user_id: str) -> AuthUser | None:
    from db.models import User

    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    return AuthUser(user.id, user.username, user.role, parse_grades(user.grades))


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
    if "\\" in target:
        return "/"
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET":
        return _login_page(next_url)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return _login_page(next_url, "Your session expired. Please sign in again.", 400)
    user = _check_credentials(request.form.get("username", ""), request.form.get("password", ""))
    if user is None:
        return _login_page(next_url, "Unknown username or wrong password.", 401)
    login_user(user)
    _record_login(user.username, success=True)
    return redirect(next_url)  # type: ignore[return-value]


def _login_page(next_url: str, error: str | None = None, status: int = 200) -> Response:
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
        _record_login(username, success=False)
        return None
    user.last_login_at = dt.datetime.now(dt.UTC)
    return AuthUser(user.id, user.username, user.role, parse_grades(user.grades))


def _record_login(username: str, success: bool) -> None:
    from db.models import AuditEntry

    action = "login" if success else "login_failed"
    db.session.add(AuditEntry(username=username[:80], action=action, entity="user"))
    db.session.commit()


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return Response("Your session expired; reload the page.", status=400)
    logout_user()
    return redirect(url_for("auth.login"))  # type: ignore[return-value]


def install_gate(server: Flask) -> None:
    """One gate before every request: anonymous users reach only the public paths."""

    @server.before_request
    def _require_login() -> Response | None:
        path = request.path
        if current_user.is_authenticated or _is_public(path):
            return None
        if path.startswith("/_dash-") or path.startswith("/api/"):
            response = jsonify({"error": "login required"})
            response.status_code = 401
            return response
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]


def _is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or any(path.startswith(prefix) for prefix in PUBLIC_PREFIXES)
