"""Overview callbacks: grade and year -> KPI widgets with weekly change, tiers, charts."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output
from dash.exceptions import PreventUpdate

from attendly import ids
from attendly.charts import grade_comparison_figure, tier_distribution_figure, weekly_trend_figure
from attendly.components import iready_cards, kpi_cards, tier_badge
from attendly.errors import Forbidden
from attendly.live import FIGURE_KINDS
from callbacks.common import policy, reads
from callbacks.filters import current_scope
from callbacks.live import unaffected
from db import dashboard

EMPTY = "No attendance has been imported yet."


def tier_change(now: int, before: int | None) -> str:
    """'▲ 3 this week' (nothing when unchanged or unknown): short, beside each tier badge."""
    if before is None or now == before:
        return ""
    return f"{'▲' if now > before else '▼'} {abs(now - before):,} this week"


@dash.callback(
    Output(ids.Overview.KPI_ROW, "children"),
    Output(ids.Overview.TIER_ROW, "children"),
    Output(ids.OverviewCharts.IREADY_ROW, "children"),
    Output(ids.Overview.TREND, "figure"),
    Output(ids.OverviewCharts.TIERS, "figure"),
    Output(ids.OverviewCharts.GRADES, "figure"),
    Output(ids.Overview.AS_OF, "children"),
    Output(ids.OverviewCharts.UPDATED, "children"),
    Output(ids.Overview.ALERT, "children"),
    Output(ids.Overview.ALERT, "is_open"),
    Input(ids.Filters.GRADE, "value"),
    Input(ids.Filters.YEAR, "value"),
    Input(ids.Live.EVENT, "data"),
    Input(ids.Filters.SCHOOL, "value"),
)
def refresh(grade: Any, year: Any, event: Any = None, school: Any = None) -> tuple[Any, ...]:
    """Everything on the page for one school and grade (or all the user may see) and academic
    year; again after a live change event that touches that school and those grades."""
    if unaffected(event, grade, FIGURE_KINDS, school=school):
        raise PreventUpdate
    try:
        data = dashboard.overview_data(reads(), policy(), current_scope(grade, year, school))
    except Forbidden as exc:
        return ([], [], [], *[dash.no_update] * 3, "", "", str(exc), True)
    kpis, before = data.kpis, data.previous
    charts = (
        weekly_trend_figure(data.weeks),
        tier_distribution_figure(kpis["tier_counts"]),
        grade_comparison_figure(data.grades),
    )
    if data.scope.empty:
        return ([], [], [], *charts, "", "", EMPTY, True)
    before_tiers = (before or {}).get("tier_counts", {})
    tiers = [
        tier_badge(t, n, tier_change(n, before_tiers.get(t)))
        for t, n in kpis["tier_counts"].items()
    ]
    as_of = f"Academic year {kpis['academic_year']}, as of {kpis['as_of']}"
    if data.previous_as_of:
        as_of += f" · changes compared with {data.previous_as_of:%B %d}"
    updated = f"Last updated {data.updated:%B %d, %Y at %H:%M} UTC" if data.updated else ""
    return (
        kpi_cards(kpis, before),
        tiers,
        iready_cards(kpis, before),
        *charts,
        as_of,
        updated,
        "",
        False,
    )
