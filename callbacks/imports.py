"""Imports page callbacks: hand dropped files to disk and the job queue, history, recovery."""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from attendly import ids, import_jobs, notifications
from attendly.correction_views import rollback_note
from attendly.errors import AttendlyError
from attendly.extensions import db
from attendly.import_panels import history_table
from attendly.uploads import UploadRejected, store_upload

KINDS = {"auto", "roster", "attendance", "iready", "codes", "calendar"}
MAX_TRACKED = 20  # imports the shell keeps following


def _decode(contents: str) -> bytes:
    """The bytes of a dcc.Upload data URL. Raises UploadRejected."""
    _, _, encoded = contents.partition(",")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise UploadRejected("The upload could not be read.") from None


def _queue_one(contents: str, name: str, kind: str) -> int:
    """Write one dropped file to disk and queue it; returns the import id."""
    settings = current_app.config["ATTENDLY_SETTINGS"]
    stream = io.BytesIO(_decode(contents))
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    stored = store_upload(stream, name, settings.instance_path, limit)
    return import_jobs.queue_upload(stored, kind, current_user.username)


def _listed(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []


@dash.callback(
    Output(ids.Imports.MESSAGE, "children"),
    Output(ids.Imports.UPLOAD, "contents"),
    Output(ids.ImportsShell.STORE, "data"),
    Output(ids.ImportsShell.POLL, "disabled", allow_duplicate=True),
    Input(ids.Imports.UPLOAD, "contents"),
    State(ids.Imports.UPLOAD, "filename"),
    State(ids.Imports.KIND, "value"),
    State(ids.ImportsShell.STORE, "data"),
    prevent_initial_call=True,
)
def upload(contents: Any, names: Any, kind: Any, tracked: Any) -> tuple[Any, ...]:
    """Each dropped file goes to disk and the queue at once; the contents are cleared."""
    files, filenames = _listed(contents), _listed(names)
    if not files or not all(isinstance(item, str) for item in files):
        raise PreventUpdate
    kind = kind if kind in KINDS else "auto"
    queued, messages = [], []
    for position, item in enumerate(files):
        name = filenames[position] if position < len(filenames) else "upload.csv"
        name = name if isinstance(name, str) else "upload.csv"
        try:
            queued.append(_queue_one(item, name, kind))
        except (UploadRejected, ValueError, OSError) as exc:
            messages.append(f"{name}: {exc}")
    follow = [i for i in _listed(tracked) if isinstance(i, int) and not isinstance(i, bool)]
    note = [dbc.Alert(f"{len(queued)} file(s) queued for import.", color="info")] if queued else []
    note += [dbc.Alert(message, color="warning") for message in messages]
    return note, None, (follow + queued)[-MAX_TRACKED:], False


@dash.callback(
    Output(ids.Imports.HISTORY, "children"),
    Input(ids.Imports.REFRESH, "n_intervals"),
    Input(ids.Imports.MESSAGE, "children"),
    Input(ids.Imports.ACTION_MESSAGE, "children"),
)
def history(_tick: Any, _message: Any, _action: Any) -> Any:
    """The import history, refreshed while the page is open."""
    return history_table(import_jobs.history())


@dash.callback(
    Output(ids.Imports.ACTION_MESSAGE, "children"),
    Input(ids.Imports.RESUME, "n_clicks"),
    Input(ids.Imports.ROLLBACK, "n_clicks"),
    State(ids.Imports.ACTION_ID, "value"),
    prevent_initial_call=True,
)
def act(_resume: Any, _rollback: Any, import_id: Any) -> Any:
    """Resume (queued as a job) or roll back (at once) the import with the given id."""
    if not isinstance(import_id, int) or isinstance(import_id, bool) or import_id < 1:
        return dbc.Alert("Enter the id of an import.", color="warning")
    try:
        if ctx.triggered_id == ids.Imports.RESUME:
            import_jobs.resume(import_id)
            return dbc.Alert(f"Import {import_id} queued to resume.", color="info")
        outcome = import_jobs.rollback(import_id, current_user.username)
        note = rollback_note(outcome)
        return dbc.Alert(f"Import {import_id} rolled back.{note}", color="success")
    except AttendlyError as exc:
        db.session.rollback()
        return dbc.Alert(str(exc), color="danger")


@dash.callback(
    Output(ids.Imports.NOTIFICATIONS, "children"),
    Input(ids.Imports.REFRESH, "n_intervals"),
    Input(ids.Imports.MARK_READ, "n_clicks"),
)
def notices(_tick: Any, _read: Any) -> Any:
    """Unread admin notifications (dismissed with "Mark all read")."""
    if ctx.triggered_id == ids.Imports.MARK_READ:
        notifications.mark_all_read(db.session(), "admin")
    items = notifications.unread(db.session(), "admin")
    if not items:
        return html.P("No unread notifications.", className="text-muted small")
    return [
        dbc.Alert([html.Strong(n["title"]), html.Div(n["body"])], color="danger", className="py-2")
        for n in items
    ]
