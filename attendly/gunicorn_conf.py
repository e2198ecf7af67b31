"""gunicorn settings for production: `gunicorn -c python:attendly.gunicorn_conf app:server`,
or `attendly serve --production`.

Threaded workers (gthread): an open dashboard's websocket holds one thread for as long as it
is open, so `ATTENDLY_WEB_WORKERS` x `ATTENDLY_WEB_THREADS` must exceed the dashboards open
at once plus the ordinary requests in flight. Without REDIS_URL change events stay inside one
process, so there is then one worker (raise the threads instead).
"""

from __future__ import annotations

import logging

from attendly.settings import load_settings

_settings = load_settings()

wsgi_app = "attendly:create_app()"  # the app when none is named on the command line
worker_class = "gthread"
workers = _settings.web_workers if _settings.redis_url else 1
threads = _settings.web_threads
bind = ["127.0.0.1:8000"]  # override with --bind; TLS and the public address are the proxy's
timeout = 60  # a worker's heartbeat; open websockets do not count against it
graceful_timeout = 10
keepalive = 5
accesslog = "-"
errorlog = "-"

if not _settings.redis_url and _settings.web_workers > 1:
    logging.getLogger(__name__).warning(
        "REDIS_URL is not set: serving with 1 worker (change events are in-process)"
    )


def child_exit(server: object, worker: object) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set, drop a dead worker's live series (attendly.monitoring)."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
