"""The one request gate, and the protections on every response.

Deny by default: every route needs a signed-in user (session cookie, or a bearer token on
`/api/`) except the few public paths below, so a route added later is protected without
doing anything. After authentication the gate expires idle sessions, checks CSRF on every
state-changing request made with cookies, and checks page roles for Dash callbacks.
"""

from __future__ import annotations

import html
import logging
import time
from typing import Any

from flask import Flask, Response, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import generate_csrf

from attendly import access
from attendly.extensions import csrf, login_manager
from attendly.settings import Settings

logger = logging.getLogger(__name__)

# Paths anyone may fetch: the login form, liveness/readiness, and static files with no data.
PUBLIC_PATHS = frozenset({"/login", "/health", "/ready", "/_favicon.ico", "/favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
# Machine endpoints answer in JSON (401/403/4xx) instead of redirecting to the login page.
JSON_PREFIXES = ("/_dash-", "/api/", "/ws", "/metrics")
CALLBACK_PATH = "/_dash-update-component"
METRICS_PATH = "/metrics"  # its own check: allowed addresses or the metrics token
CSRF_COOKIE = "_csrf_token"
SEEN_KEY = "_seen"  # epoch seconds of the session's last request
SEEN_RESOLUTION = 30  # seconds; fewer session rewrites under Dash's parallel callbacks


def cookie_config(settings: Settings) -> dict[str, Any]:
    """Flask cookie settings: HttpOnly, SameSite=Lax, Secure in production."""
    secure = settings.env == "production"
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # The gate calls CSRF checks itself, after authentication (bearer tokens are exempt).
        "WTF_CSRF_CHECK_DEFAULT": False,
        "MAX_CONTENT_LENGTH": settings.max_upload_mb * 1024 * 1024,
    }


def install(server: Flask) -> None:
    """Bind CSRF, the gate, response headers and error pages to the server."""
    settings: Settings = server.config["ATTENDLY_SETTINGS"]
    csrf.init_app(server)
    if settings.proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxy_count
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    server.before_request(gate)
    server.after_request(csrf_cookie)
    server.after_request(security_headers)
    from attendly import errorpages

    errorpages.install(server)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def wants_json(path: str) -> bool:
    return path.startswith(JSON_PREFIXES)


def json_error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def gate() -> Response | None:
    """Before every request: authenticate, expire idle sessions, check CSRF and page roles."""
    path = request.path
    if path.startswith("/api/") and request.headers.get("Authorization"):
        return _bearer_gate()
    if path == METRICS_PATH:
        return _metrics_gate()
    if is_public(path):
        csrf.protect()  # the login form posts with a token too
        return None
    if not current_user.is_authenticated or _idle_expired():
        return _unauthenticated(path)
    _touch_session()
    csrf.protect()
    return _authorize(path)


def _bearer_gate() -> Response | None:
    """An `Authorization: Bearer` API call: the token alone authenticates (no cookies, no CSRF)."""
    from attendly.tokens import verify_token

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = verify_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return json_error(401, "invalid or revoked API token")
    login_manager._update_request_context_with_user(user)  # this request only; no session
    return None


def _metrics_gate() -> Response | None:
    """/metrics: no login; an allowed address or the metrics token (attendly.monitoring)."""
    from attendly.monitoring import refusal

    refused = refusal(current_app.config["ATTENDLY_SETTINGS"])
    return None if refused is None else json_error(*refused)


def _unauthenticated(path: str) -> Response:
    if wants_json(path):
        return json_error(401, "login required")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]


def _idle_expired() -> bool:
    """True (and the session ended) when the last request was longer ago than the idle limit."""
    settings: Settings = current_app.config["ATTENDLY_SETTINGS"]
    seen = session.get(SEEN_KEY)
    if isinstance(seen, int | float) and time.time() - seen > settings.idle_minutes * 60:
        logout_user()
        session.clear()
        return True
    return False


def _touch_session() -> None:
    seen = session.get(SEEN_KEY)
    now = int(time.time())
    if not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION:
        session[SEEN_KEY] = now


def _authorize(path: str) -> Response | None:
    """Dash callbacks run only for the roles of the page their outputs belong to."""
    if path != CALLBACK_PATH or request.method != "POST":
        return None
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    app = current_app.extensions["attendly.dash"]
    allowed = access.may_run_callback(app, output, current_user.role)
    if allowed is None:
        return json_error(404, "no such callback")
    if not allowed:
        return json_error(403, "your account may not use this page")
    return None


def csrf_cookie(response: Response) -> Response:
    """Hand the browser's Dash renderer the CSRF token it echoes as `X-CSRFToken`.

    The cookie is readable by page scripts (that is the pattern); the token is useless to
    another site, which can neither read the cookie nor set the header cross-origin.
    """
    if is_public(request.path) and request.path != "/login":
        return response
    settings: Settings = current_app.config["ATTENDLY_SETTINGS"]
    if current_user.is_authenticated and not getattr(current_user, "via_token", False):
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            httponly=False,
            samesite="Lax",
            secure=settings.env == "production",
        )
    elif request.cookies.get(CSRF_COOKIE):
        response.delete_cookie(CSRF_COOKIE, samesite="Lax")
    return response


def content_security_policy() -> str:
    """script-src admits only this origin plus Dash's own inline scripts, by hash."""
    app = current_app.extensions.get("attendly.dash")
    hashes = " ".join(app.csp_hashes()) if app is not None else ""
    directives = (
        "default-src 'self'",
        f"script-src 'self' {hashes}".strip(),
        "style-src 'self' 'unsafe-inline'",  # Plotly and Dash set inline styles
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
    return "; ".join(directives)


def security_headers(response: Response) -> Response:
    """CSP, no sniffing, no framing, same-origin referrers; no caching of anything with data."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith(PUBLIC_PREFIXES):
        headers["Cache-Control"] = "no-store"
    if current_app.config["ATTENDLY_SETTINGS"].env == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def error_body(status: int, message: str) -> Response:
    """A JSON error for machine paths, a minimal HTML page otherwise (message as text)."""
    if wants_json(request.path):
        return json_error(status, message)
    page = (
        f"<!doctype html><title>{status} · Attendly</title>"
        f'<link rel="stylesheet" href="/assets/00-bootstrap.min.css">'
        f'<main class="container mt-5"><h1 class="h4">{html.escape(message)}</h1>'
        f'<p><a href="/">Back to Attendly</a></p></main>'
    )
    return Response(page, status=status, mimetype="text/html")
