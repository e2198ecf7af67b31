"""The System health page's pieces: gathering the figures, and the tables and tiles showing them.

`snapshot` is the one place that reads everything the page shows (database queries in
db.system_health, queue state in attendly.queue_health); the builders turn it into components.
A Redis outage does not break the page: the queue figures say it is unreachable instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import dash_bootstrap_components as dbc
from dash import html
from sqlalchemy.orm import Session

from attendly import ids
from attendly.components.kpi import kpi_card
from attendly.settings import Settings
from attendly.tables import text_table

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(days=30)


def realtime_connections() -> int:
    """Open websocket connections of this process (0 when realtime is not installed)."""
    try:
        from attendly.realtime import connection_count
    except ImportError:
        return 0
    return int(connection_count())


def snapshot(session: Session, settings: Settings, now: dt.datetime) -> dict[str, Any]:
    """Every figure of the page: outcomes, imports_today, timeline, errors, sources, sizes,
    size_method, alerts, failed_jobs, workers, queues, queue_error, connections."""
    from db import system_health as q

    midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    sizes, method = q.table_sizes(session)
    data: dict[str, Any] = {
        "outcomes": q.import_outcomes(session, now - WINDOW),
        "imports_today": q.imports_finished_since(session, midnight),
        "timeline": q.import_timeline(session, now - WINDOW),
        "errors": q.errors_by_category(session, now - WINDOW),
        "sources": q.last_success_by_kind(session),
        "sizes": sizes,
        "size_method": method,
        "alerts": q.open_alerts(session),
        "connections": realtime_connections(),
    }
    data.update(_queue_state(session, settings, now))
    return data


def _queue_state(session: Session, settings: Settings, now: dt.datetime) -> dict[str, Any]:
    import redis

    from attendly import queue_health

    try:
        return {
            "workers": queue_health.worker_states(settings, now),
            "queues": queue_health.queue_depths(settings),
            "failed_jobs": queue_health.failed_jobs(session, settings),
            "queue_error": None,
        }
    except redis.RedisError as exc:
        logger.warning("System health: Redis unreachable: %s", exc)
        settings_without = settings.model_copy(update={"redis_url": None})
        failed = queue_health.failed_jobs(session, settings_without)
        error = f"Redis not reachable: {exc.__class__.__name__}"
        return {"workers": [], "queues": {}, "failed_jobs": failed, "queue_error": error}


def kpi_tiles(data: dict[str, Any], settings: Settings) -> list[dbc.Col]:
    """Success rate vs target, imports today, failed jobs, workers up, realtime connections."""
    outcomes, target = data["outcomes"], settings.alert_success_rate_target
    rate = outcomes["success_rate"]
    rate_text = "—" if rate is None else f"{rate:.1f} %"
    rate_note = f"{outcomes['completed']} of {outcomes['finished']} in 30 days; target {target:g} %"
    if settings.redis_url:
        up = sum(1 for w in data["workers"] if w["up"])
        workers, note = f"{up} / {len(data['workers'])}", data["queue_error"] or "up / registered"
    else:
        workers, note = "in-process", "no REDIS_URL: jobs run in the web process"
    return [
        kpi_card("system-success-rate", "Import success rate", rate_text, rate_note),
        kpi_card("system-imports-today", "Imports today", str(data["imports_today"])),
        kpi_card("system-failed-jobs", "Failed jobs", str(len(data["failed_jobs"]))),
        kpi_card("system-workers", "Workers up", workers, note),
        kpi_card("system-connections", "Realtime connections", str(data["connections"])),
    ]


def alerts_table(alerts: list[dict[str, Any]]) -> Any:
    if not alerts:
        return html.P("No open alerts.", className="text-muted mb-0", id="system-no-alerts")
    columns = ("severity", "rule", "message", "opened_at", "last_seen_at")
    return text_table(columns, alerts, "system-alerts-table")


def failed_jobs_table(jobs: list[dict[str, Any]]) -> Any:
    """The failed jobs, each row with a Retry button (pattern-matching id, see ids.System)."""
    if not jobs:
        return html.P("No failed jobs.", className="text-muted mb-0")
    head = html.Thead(html.Tr([html.Th(t) for t in ("job", "what", "failed at", "error", "")]))
    rows = [
        html.Tr(
            [
                html.Td(job["job_id"]),
                html.Td(job["what"]),
                html.Td(_text(job["failed_at"])),
                html.Td(job["error"][:300]),
                html.Td(
                    dbc.Button(
                        "Retry",
                        id={"type": ids.System.RETRY, "job": job["job_id"]},
                        size="sm",
                        color="warning",
                        n_clicks=0,
                    )
                ),
            ]
        )
        for job in jobs
    ]
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, responsive=True)


def sources_table(sources: list[dict[str, Any]]) -> Any:
    if not sources:
        return html.P("No import has completed yet.", className="text-muted mb-0")
    return text_table(("kind", "import_id", "finished_at", "last_sync_at"), sources)


def queues_panel(data: dict[str, Any], settings: Settings) -> Any:
    if not settings.redis_url:
        return html.P("No REDIS_URL: jobs run in the web process.", className="text-muted mb-0")
    if data["queue_error"]:
        return dbc.Alert(data["queue_error"], color="danger", className="mb-0")
    depths = [{"queue": name, "waiting": n} for name, n in data["queues"].items()]
    workers = text_table(("name", "state", "last_heartbeat", "age_s", "up"), data["workers"])
    return html.Div([text_table(("queue", "waiting"), depths), workers])


def sizes_table(data: dict[str, Any]) -> Any:
    sizes = data["sizes"]
    rows = [
        {"table": row.table, "size": f"{row.bytes / 1024:,.0f} KiB"} for row in sizes.itertuples()
    ]
    note = html.P(f"Measured with {data['size_method']}.", className="text-muted small")
    return html.Div([note, text_table(("table", "size"), rows, "system-table-sizes-table")])


def verify_panel(result: dict[str, Any]) -> Any:
    """The integrity check's findings: a green or red summary and each finding as a line."""
    from attendly.integrity import describe

    lines = describe(result)
    verdict = "Everything matches the raw rows." if result["ok"] else "Mismatches found."
    return dbc.Alert(
        [
            html.Strong(f"{verdict} ({result['seconds']} s)"),
            html.Ul([html.Li(line.strip()) for line in lines]),
        ],
        color="success" if result["ok"] else "danger",
        id="system-verify-verdict",
    )


def _text(value: Any) -> str:
    from attendly.tables import cell_text

    return cell_text(value)
