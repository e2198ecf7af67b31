"""Overview callbacks: grade filter -> KPI widgets, tier counts and the weekly trend."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from attendly import ids
from attendly.charts import weekly_trend_figure
from attendly.components import kpi_cards, tier_badge
from attendly.errors import Forbidden
from attendly.extensions import db
from callbacks.common import grade_choices, grade_scope, policy
from db import queries


@dash.callback(
    Output(ids.Overview.GRADE, "options"),
    Output(ids.Overview.GRADE, "value"),
    Input(ids.Shell.URL, "pathname"),
    State(ids.Shell.GRADE_STORE, "data"),
)
def grade_options(pathname: str | None, remembered: int | None) -> tuple[Any, int | None]:
    """Options the user may pick, and their last choice if it is still one of them."""
    if pathname is None:
        raise PreventUpdate
    choices = grade_choices()
    allowed = {choice["value"] for choice in choices}
    return choices, remembered if remembered in allowed else None


@dash.callback(Output(ids.Shell.GRADE_STORE, "data"), Input(ids.Overview.GRADE, "value"))
def remember_grade(grade: int | None) -> int | None:
    """Remember the grade choice in the browser (the server re-checks it on every use)."""
    return grade


@dash.callback(
    Output(ids.Overview.KPI_ROW, "children"),
    Output(ids.Overview.TIER_ROW, "children"),
    Output(ids.Overview.TREND, "figure"),
    Output(ids.Overview.AS_OF, "children"),
    Output(ids.Overview.ALERT, "children"),
    Output(ids.Overview.ALERT, "is_open"),
    Input(ids.Overview.GRADE, "value"),
)
def refresh(grade: int | None) -> tuple[Any, ...]:
    """Everything on the page for one grade (or all the user may see)."""
    try:
        kpis, weeks = queries.overview(
            db.session(), policy(), grade=grade, allowed_grades=grade_scope()
        )
    except Forbidden as exc:
        return [], [], dash.no_update, "", str(exc), True
    if kpis["academic_year"] is None:
        message = "No attendance has been imported yet."
        return [], [], weekly_trend_figure(weeks), "", message, True
    tiers = [tier_badge(tier, count) for tier, count in kpis["tier_counts"].items()]
    as_of = f"Academic year {kpis['academic_year']}, as of {kpis['as_of']}"
    return kpi_cards(kpis), tiers, weekly_trend_figure(weeks), as_of, "", False
