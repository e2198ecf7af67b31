"""The app shell's import progress: polls the imports this tab started, on every page."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State
from flask_login import current_user

from attendly import ids, import_jobs
from attendly.import_panels import progress_item


@dash.callback(
    Output(ids.ImportsShell.PROGRESS, "children"),
    Output(ids.ImportsShell.POLL, "disabled"),
    Input(ids.ImportsShell.POLL, "n_intervals"),
    State(ids.ImportsShell.STORE, "data"),
)
def poll(_tick: Any, tracked: Any) -> tuple[Any, bool]:
    """Progress bars of running imports, summaries of finished ones; stops when all are done."""
    if getattr(current_user, "role", None) != "admin" or not isinstance(tracked, list):
        return [], True  # nothing to follow: stop polling
    wanted = [i for i in tracked if isinstance(i, int) and not isinstance(i, bool)][-20:]
    items = import_jobs.progress_of(wanted)
    return [progress_item(item) for item in items], all(item["finished"] for item in items)
