"""System health page callbacks: refresh the figures, retry a failed job, run the integrity
check as a job and show its findings.

Every output id starts with `system-`, so only admins may call them (attendly.access).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx
from dash.exceptions import PreventUpdate
from flask import current_app

from attendly import ids, system_panels
from attendly.charts import system as charts
from attendly.errors import AttendlyError
from attendly.extensions import db


@dash.callback(
    Output(ids.System.KPIS, "children"),
    Output(ids.System.ALERTS, "children"),
    Output(ids.System.DURATION_CHART, "figure"),
    Output(ids.System.ERRORS_CHART, "figure"),
    Output(ids.System.QUALITY_CHART, "figure"),
    Output(ids.System.FAILED_JOBS, "children"),
    Output(ids.System.SOURCES, "children"),
    Output(ids.System.QUEUES, "children"),
    Output(ids.System.TABLE_SIZES, "children"),
    Input(ids.System.REFRESH, "n_clicks"),
    Input(ids.System.POLL, "n_intervals"),
    Input(ids.System.RETRY_MESSAGE, "children"),
)
def refresh(_clicks: int | None, _ticks: int | None, _retried: Any) -> tuple[Any, ...]:
    """Every figure of the page, read now."""
    settings = current_app.config["ATTENDLY_SETTINGS"]
    data = system_panels.snapshot(db.session(), settings, dt.datetime.now(dt.UTC))
    return (
        system_panels.kpi_tiles(data, settings),
        system_panels.alerts_table(data["alerts"]),
        charts.processing_time(data["timeline"]),
        charts.errors_by_category(data["errors"]),
        charts.quality_over_time(data["timeline"], settings.alert_quality_threshold),
        system_panels.failed_jobs_table(data["failed_jobs"]),
        system_panels.sources_table(data["sources"]),
        system_panels.queues_panel(data, settings),
        system_panels.sizes_table(data),
    )


@dash.callback(
    Output(ids.System.RETRY_MESSAGE, "children"),
    Input({"type": ids.System.RETRY, "job": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def retry(clicks: list[int | None]) -> Any:
    """Queue the clicked failed job again through its usual path."""
    from attendly.queue_health import retry_job

    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        raise PreventUpdate  # the table was redrawn, nothing was clicked
    job_id = str(trigger.get("job", ""))
    try:
        done = retry_job(job_id, current_app.config["ATTENDLY_SETTINGS"])
    except AttendlyError as exc:
        return dbc.Alert(str(exc), color="danger", id="system-retry-result")
    return dbc.Alert(done, color="success", id="system-retry-result")


@dash.callback(
    Output(ids.System.VERIFY_JOB, "data"),
    Output(ids.System.VERIFY_POLL, "disabled"),
    Output(ids.System.VERIFY_RESULT, "children", allow_duplicate=True),
    Input(ids.System.VERIFY, "n_clicks"),
    prevent_initial_call=True,
)
def start_verify(clicks: int | None) -> tuple[str, bool, Any]:
    """Start the read-only integrity check as a job and follow it."""
    from attendly.integrity import start_check

    if not clicks:
        raise PreventUpdate
    job_id = start_check(current_app.config["ATTENDLY_SETTINGS"])
    return job_id, False, dbc.Alert("Integrity check running…", color="info")


@dash.callback(
    Output(ids.System.VERIFY_RESULT, "children"),
    Output(ids.System.VERIFY_POLL, "disabled", allow_duplicate=True),
    Input(ids.System.VERIFY_POLL, "n_intervals"),
    State(ids.System.VERIFY_JOB, "data"),
    prevent_initial_call=True,
)
def follow_verify(_ticks: int | None, job_id: str | None) -> tuple[Any, bool]:
    """The check's findings once it has finished (the poll stops then)."""
    from attendly.integrity import check_state

    if not job_id:
        raise PreventUpdate
    state = check_state(current_app.config["ATTENDLY_SETTINGS"], str(job_id))
    if state["status"] in ("queued", "running"):
        raise PreventUpdate
    if state["status"] == "finished":
        return system_panels.verify_panel(state["result"]), True
    message = state.get("error") or "The integrity check is no longer known; start it again."
    return dbc.Alert(message, color="danger", id="system-verify-verdict"), True
