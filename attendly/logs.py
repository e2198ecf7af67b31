"""Process logging: JSON lines (production) or plain text, carrying request and import ids.

Every record gets the request's id, user and path when logged inside a request, and the
import's id when logged inside an import (`bound_import`). The request id comes from the
`X-Request-ID` header when it is a sane token, else it is generated; `attendly.monitoring`
echoes it in the response. `configure` installs one handler on the root logger and replaces
it when called again, so building the app twice never doubles the lines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import IO, Any, Concatenate, ParamSpec, TypeVar

from flask import g, has_request_context, request

from attendly.settings import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# What a client's request id may look like; anything else (newlines, 1 kB ids) is replaced.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Extra attributes a call may pass (`logger.info(..., extra={"status": 200})`) that are kept.
EXTRA_FIELDS = ("duration_ms", "status", "method", "import_kind", "rows", "import_status")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
HANDLER_NAME = "attendly"
R = TypeVar("R")
S = TypeVar("S")
Rec = TypeVar("Rec")
P = ParamSpec("P")
import_logger = logging.getLogger("attendly.imports")

_import_id: ContextVar[int | None] = ContextVar("attendly_import_id", default=None)


@contextlib.contextmanager
def bound_import(import_id: int) -> Iterator[None]:
    """Within the block, every log record of this thread carries `import_id`."""
    token = _import_id.set(int(import_id))
    try:
        yield
    finally:
        _import_id.reset(token)


def logged_import(
    run: Callable[Concatenate[S, Rec, P], R],
) -> Callable[Concatenate[S, Rec, P], R]:
    """Decorate `run(session, record, ...)` (an import run): its records carry the import's
    id, and its outcome is logged as one line (status, kind, rows, duration_ms)."""

    @functools.wraps(run)
    def wrapper(session: S, record: Rec, /, *args: P.args, **kwargs: P.kwargs) -> R:
        import_id: int = getattr(record, "id")  # noqa: B009  (any record with an id)
        with bound_import(import_id):
            started = time.perf_counter()
            result = run(session, record, *args, **kwargs)
            status = str(getattr(result, "status", ""))
            import_logger.info(
                "import %s %s: %s rows",
                import_id,
                status,
                getattr(result, "records_processed", None),
                extra={
                    "import_status": status,
                    "import_kind": getattr(record, "kind", None),
                    "rows": getattr(result, "records_processed", None),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return result

    return wrapper


def current_import_id() -> int | None:
    """The import being run by this thread (None outside an import)."""
    return _import_id.get()


def request_id() -> str | None:
    """This request's id (set by `assign_request_id`); None outside a request."""
    if not has_request_context():
        return None
    return g.get("request_id")


def assign_request_id() -> str:
    """Take the client's X-Request-ID when it is a sane token, else make one; store it on `g`."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if REQUEST_ID_PATTERN.fullmatch(offered) else uuid.uuid4().hex
    return str(g.request_id)


class ContextFilter(logging.Filter):
    """Adds request_id, user, path and import_id to every record (None when not known)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        record.user = _username() if has_request_context() else None
        record.path = request.path if has_request_context() else None
        record.import_id = current_import_id()
        return True


def _username() -> str | None:
    """The signed-in user's name, without loading a user the request has not loaded yet."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "username", None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message and the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "user": getattr(record, "user", None),
            "path": getattr(record, "path", None),
            "import_id": getattr(record, "import_id", None),
        }
        entry.update({k: getattr(record, k) for k in EXTRA_FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _Stderr:
    """sys.stderr looked up at each write (tests and servers swap it after start-up)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) in `log_format` ("json" or "text")."""
    out = logging.StreamHandler(stream or _Stderr())
    out.set_name(HANDLER_NAME)
    out.addFilter(ContextFilter())
    out.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    return out


def configure(settings: Settings, stream: IO[str] | None = None) -> logging.Handler | None:
    """Install the process's log handler on the root logger (replacing an earlier one).

    JSON (production, or ATTENDLY_LOG_FORMAT=json) is always installed; text only when
    nobody else (a test runner, a server's own log configuration) has set up the root
    logger, as `logging.basicConfig` would. Writes INFO and above; returns the handler, or
    None when text logging was left to the host.
    """
    root = logging.getLogger()
    ours = [h for h in root.handlers if h.get_name() == HANDLER_NAME]
    log_format = settings.resolved_log_format
    if log_format == "text" and len(root.handlers) > len(ours) and stream is None:
        return None
    for old in ours:
        root.removeHandler(old)
    installed = handler(log_format, stream)
    root.addHandler(installed)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return installed
