"""The PDF button of every page: queue the report job, poll it, offer the download link."""

from __future__ import annotations

from typing import Any

import dash
from dash import MATCH, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from attendly import reports
from attendly.errors import NotFound
from attendly.ids import Filters, Report
from callbacks.common import normalise_grade, normalise_school

WORKING = "Preparing the PDF…"


@dash.callback(
    Output({"type": Report.JOB, "page": MATCH}, "data"),
    Output({"type": Report.POLL, "page": MATCH}, "disabled"),
    Output({"type": Report.STATUS, "page": MATCH}, "children"),
    Input({"type": Report.BUTTON, "page": MATCH}, "n_clicks"),
    Input({"type": Report.POLL, "page": MATCH}, "n_intervals"),
    State({"type": Report.JOB, "page": MATCH}, "data"),
    State({"type": Report.PARAMS, "page": MATCH}, "data"),
    State(Filters.GRADE, "value"),
    State(Filters.YEAR, "value"),
    State(Filters.SCHOOL, "value"),
    prevent_initial_call=True,
)
def pdf(
    clicks: Any, _: Any, job: Any, params: Any, grade: Any, year: Any, school: Any = None
) -> tuple[Any, ...]:
    """A click queues a job and starts polling; each poll reports progress or the link."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict):
        raise PreventUpdate
    if trigger.get("type") == Report.BUTTON:
        if not clicks:
            raise PreventUpdate
        page_params = {**(params if isinstance(params, dict) else {})}
        page_params.update(
            grade=normalise_grade(grade),
            year=year if isinstance(year, str) else None,
            school=normalise_school(school),
        )
        try:
            return reports.request_report(str(trigger.get("page")), page_params), False, WORKING
        except NotFound:
            raise PreventUpdate from None
    if not isinstance(job, str) or not job.isalnum():
        return dash.no_update, True, ""
    try:
        status = reports.report_status(job)
    except NotFound:
        return None, True, "That PDF is no longer available."
    if status["status"] == "done":
        link = html.A("Download the PDF", href=status["url"], className="pdf-link")
        return dash.no_update, True, link
    if status["status"] == "failed":
        return dash.no_update, True, "The PDF could not be made; please try again."
    return dash.no_update, False, WORKING
