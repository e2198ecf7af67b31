"""Prometheus metrics at GET /metrics, and the per-request instrumentation that feeds them.

Measured in the process that serves the request: HTTP latency by route rule (never the raw
path, so the label set stays bounded), Dash callback latency by callback output, page-cache
hits and misses, and open websockets. Read from shared state at scrape time, so every web
process and every RQ worker agree: imports, their rows, durations and problems (from the
imports table), queue depths and failed jobs (from RQ's registries; 0 without REDIS_URL).

Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR (an empty folder per
start) and mark dead workers in gunicorn's `child_exit` hook
(`prometheus_client.multiprocess.mark_process_dead(worker.pid)`): the in-process series are
then summed over the workers. The metric objects are process-wide by nature (like loggers),
so they are defined once here rather than per app.

Access: no login; a request is served when its address is in ATTENDLY_METRICS_ALLOWED or it
carries `Authorization: Bearer <ATTENDLY_METRICS_TOKEN>`. Both are empty by default, so
/metrics is closed until one is configured.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from attendly import logs
from attendly.settings import Settings

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("attendly.access")

METRICS_PATH = "/metrics"
CALLBACK_PATH = "/_dash-update-component"
QUEUES = ("attendly", "reports")  # what `attendly worker` listens on
IMPORT_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600)
PROBLEMS = "attendly.metrics.problems"

HTTP_DURATION = Histogram(
    "attendly_http_request_duration_seconds",
    "Time to answer an HTTP request, by route rule, method and status.",
    ("route", "method", "status"),
)
CALLBACK_DURATION = Histogram(
    "attendly_dash_callback_duration_seconds",
    "Time to answer a Dash callback, by the callback's output.",
    ("callback",),
)
CACHE_REQUESTS = Counter(
    "attendly_page_cache_requests",
    "Page-cache look-ups, by result (hit or miss).",
    ("result",),
)
WEBSOCKETS = Gauge(
    "attendly_websocket_connections",
    "Open websocket connections.",
    multiprocess_mode="livesum",
)

blueprint = Blueprint("monitoring", __name__)


def count_cache(hit: bool) -> None:
    """Count one page-cache look-up."""
    CACHE_REQUESTS.labels("hit" if hit else "miss").inc()


def install(server: Flask) -> None:
    """Time every request, give it an id (echoed as X-Request-ID) and log it.

    Registered before the security gate, so refused requests are timed and logged too.
    """
    disable_created_metrics()  # no `_created` twin of every series: Prometheus does not need it
    server.register_blueprint(blueprint)
    server.before_request(_start)
    server.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    logs.assign_request_id()


def _finish(response: Response) -> Response:
    started = g.get("started")
    if started is None:
        return response
    elapsed = time.perf_counter() - started
    rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
    HTTP_DURATION.labels(rule, request.method, str(response.status_code)).observe(elapsed)
    if request.path == CALLBACK_PATH and request.method == "POST":
        CALLBACK_DURATION.labels(_callback_label()).observe(elapsed)
    response.headers[logs.REQUEST_ID_HEADER] = logs.request_id() or ""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _update_websockets()  # each worker keeps its share of the summed gauge current
    access_logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "duration_ms": round(elapsed * 1000, 1),
            "status": response.status_code,
            "method": request.method,
        },
    )
    return response


def _callback_label() -> str:
    """The callback's output key when the app has that callback, else "unknown" (bounded)."""
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    app = current_app.extensions.get("attendly.dash")
    if isinstance(output, str) and app is not None and output in app.callback_map:
        return output
    return "unknown"


# --- access ------------------------------------------------------------------------------


def refusal(settings: Settings) -> tuple[int, str] | None:
    """Why this /metrics request is refused, as (status, message); None when it may read.

    401 without credentials from an address not allowed, 403 with a wrong token.
    """
    if _address_allowed(request.remote_addr, settings.metrics_allowed):
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not token:
        return 401, "metrics need the metrics token or an allowed address"
    expected = settings.metrics_token
    if scheme.lower() == "bearer" and expected and hmac.compare_digest(token.strip(), expected):
        return None
    return 403, "invalid metrics token"


def _address_allowed(address: str | None, allowed: Iterable[str]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in allowed)


# --- exposition --------------------------------------------------------------------------


@blueprint.route(METRICS_PATH)
def metrics() -> Response:
    """Prometheus text format: this process's (or every worker's) series plus shared state."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    _update_websockets()
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector(app.config["ATTENDLY_SETTINGS"], problem_counts(app)))
    body = generate_latest(_process_registry()) + generate_latest(state)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _process_registry() -> CollectorRegistry:
    """The default registry, or every worker's files in multiprocess mode."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


def _update_websockets() -> None:
    """Open websockets of this process (the realtime server may not be installed)."""
    try:
        from attendly import realtime
    except ImportError:
        WEBSOCKETS.set(0)
        return
    count = getattr(realtime, "connection_count", None)
    WEBSOCKETS.set(count() if callable(count) else 0)


class StateCollector(Collector):
    """Metrics read from the database and Redis when scraped (the same in every process)."""

    def __init__(self, settings: Settings, problems: ProblemCounts) -> None:
        self.settings, self.problems = settings, problems

    def collect(self) -> Iterator[Any]:
        from attendly.extensions import db

        yield from import_families(db.session(), self.problems)
        yield from queue_families(self.settings)


class ProblemCounts:
    """Problems per import and category, recounted only for imports changed since last time.

    A large bad file leaves hundreds of thousands of problem rows; counting them all on every
    scrape would cost a table scan each time. An import's problems change only while it runs
    or when its status or finish time changes (resume, rollback), so the counts of the others
    are kept (per app, in `app.extensions`).
    """

    def __init__(self) -> None:
        self._seen: dict[int, tuple[tuple[str, str, Any], dict[str, int]]] = {}
        self._lock = threading.Lock()

    def by_kind(self, session: Any) -> dict[tuple[str, str], int]:
        """{(kind, category): problems} over every stored import."""
        from db import import_metrics as q

        versions = q.import_versions(session)
        with self._lock:
            stale = [i for i, v in versions.items() if self._changed(i, v)]
            fresh = q.problems_of(session, stale)
            self._seen = {
                i: self._seen[i] if i not in fresh else (versions[i], fresh[i]) for i in versions
            }
            totals: dict[tuple[str, str], int] = {}
            for (kind, _, _), counts in self._seen.values():
                for category, n in counts.items():
                    totals[kind, category] = totals.get((kind, category), 0) + n
        return totals

    def _changed(self, import_id: int, version: tuple[str, str, Any]) -> bool:
        seen = self._seen.get(import_id)
        return seen is None or seen[0] != version or version[1] == "running"


def problem_counts(app: Flask) -> ProblemCounts:
    """The app's problem counts (created on first use)."""
    counts: ProblemCounts = app.extensions.setdefault(PROBLEMS, ProblemCounts())
    return counts


def import_families(session: Any, problems: ProblemCounts) -> Iterator[Any]:
    """Imports by kind/status, rows by kind/outcome, durations and problems by category."""
    from db import import_metrics as q

    imports = GaugeMetricFamily(
        "attendly_imports", "Stored imports, by kind and status.", labels=["kind", "status"]
    )
    for kind, status, n in q.imports_by_status(session):
        imports.add_metric([kind, status], n)
    rows = CounterMetricFamily(
        "attendly_import_rows",
        "File rows imported, by kind and outcome.",
        labels=["kind", "outcome"],
    )
    for kind, outcomes in q.rows_by_kind(session):
        for outcome, n in outcomes.items():
            rows.add_metric([kind, outcome], n)
    errors = GaugeMetricFamily(
        "attendly_import_errors",
        "Problems recorded by stored imports, by kind and category.",
        labels=["kind", "category"],
    )
    for (kind, category), n in sorted(problems.by_kind(session).items()):
        errors.add_metric([kind, category], n)
    yield from (imports, rows, errors, _durations(q.finished_durations(session)))


def _durations(rows: list[tuple[str, float]]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(
        "attendly_import_duration_seconds",
        "Time from start to finish of finished imports, by kind.",
        labels=["kind"],
    )
    for kind in sorted({kind for kind, _ in rows}):
        seconds = [s for k, s in rows if k == kind]
        buckets = [(str(float(b)), sum(1 for s in seconds if s <= b)) for b in IMPORT_BUCKETS]
        buckets.append(("+Inf", len(seconds)))
        family.add_metric([kind], buckets, sum(seconds))
    return family


def queue_families(settings: Settings) -> Iterator[Any]:
    """Waiting and failed jobs per queue (0 in the embedded default, which has no RQ)."""
    depth = GaugeMetricFamily("attendly_queue_jobs", "Jobs waiting, by queue.", labels=["queue"])
    failed = GaugeMetricFamily(
        "attendly_queue_failed_jobs", "Jobs in RQ's failed registry, by queue.", labels=["queue"]
    )
    up = GaugeMetricFamily("attendly_queue_up", "1 when the queue's Redis answered the scrape.")
    counts = _queue_counts(settings)
    for name in QUEUES:
        waiting, failures = (counts or {}).get(name, (0, 0))
        depth.add_metric([name], waiting)
        failed.add_metric([name], failures)
    up.add_metric([], 0 if counts is None else 1)
    yield from (depth, failed, up)


def _queue_counts(settings: Settings) -> dict[str, tuple[int, int]] | None:
    """{queue: (waiting, failed)}; {} without REDIS_URL; None when Redis does not answer."""
    if not settings.redis_url:
        return {}
    import redis
    from rq import Queue

    try:
        connection = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1)
        queues = [Queue(name, connection=connection) for name in QUEUES]
        return {q.name: (q.count, q.failed_job_registry.count) for q in queues}
    except redis.RedisError as exc:
        logger.warning("metrics: Redis at REDIS_URL did not answer: %s", exc)
        return None
