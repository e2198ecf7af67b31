"""Errors translated once at the edge: JSON for machine paths, a plain page otherwise.

No response ever carries a stack trace: unexpected exceptions are logged and answered with
a generic 500, whatever the environment.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from attendly.security import error_body

GENERIC_500 = "Something went wrong on our side. The error was logged; please try again."
CSRF_MESSAGE = "The form or page has expired (CSRF check failed). Reload the page and try again."


def install(server: Flask) -> None:
    server.register_error_handler(CSRFError, csrf_failed)
    server.register_error_handler(RequestEntityTooLarge, too_large)
    server.register_error_handler(InternalServerError, internal_error)
    server.register_error_handler(HTTPException, http_error)


def csrf_failed(error: CSRFError) -> Response:
    """400; on the login form, the form again with a message (the visitor just retries)."""
    if request.path == "/login":
        from attendly.auth import EXPIRED_MESSAGE, login_page, safe_next

        return login_page(safe_next(request.args.get("next")), EXPIRED_MESSAGE, 400)
    return error_body(400, CSRF_MESSAGE)


def too_large(error: RequestEntityTooLarge) -> Response:
    from flask import current_app

    from attendly.uploads import size_message

    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return error_body(413, size_message(int(limit)))


def internal_error(error: InternalServerError) -> Response:
    """The generic 500: what failed is in the log (Flask logs it), never in the response."""
    return error_body(500, GENERIC_500)


def http_error(error: HTTPException) -> Response | HTTPException:
    """Other HTTP errors: JSON on machine paths; redirects pass through untouched."""
    if error.code is None or error.code < 400:
        return error
    return error_body(error.code, error.description or error.name)
