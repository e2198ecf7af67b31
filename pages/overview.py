"""Overview: the school's (or a teacher's grades') attendance and i-Ready at a glance."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from attendly import ids
from attendly.auth import ROLES
from attendly.components import chart_card, page_header

dash.register_page(
    __name__,
    path="/",
    name="Overview",
    title="Overview · Attendly",
    order=0,
    nav_group="primary",
    roles=ROLES,
    filters=("grade", "year"),
)


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            page_header("Overview", "overview"),
            html.Div(id=ids.Overview.AS_OF, className="as-of"),
            dbc.Alert(id=ids.Overview.ALERT, is_open=False, color="warning"),
            dbc.Row(id=ids.Overview.KPI_ROW),
            html.H2("Students by risk tier", className="section-title"),
            html.Div(id=ids.Overview.TIER_ROW, className="mb-3"),
            html.H2("i-Ready", className="section-title"),
            dbc.Row(id=ids.OverviewCharts.IREADY_ROW),
            chart_card(ids.Overview.TREND, "overview-trend", "attendly-overview-weekly-attendance"),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card(
                            ids.OverviewCharts.TIERS,
                            "overview-tiers",
                            "attendly-overview-risk-tiers",
                            height=320,
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(
                            ids.OverviewCharts.GRADES,
                            "overview-grades",
                            "attendly-overview-by-grade",
                            height=320,
                        ),
                        lg=6,
                    ),
                ]
            ),
            html.Div(id=ids.OverviewCharts.UPDATED, className="as-of"),
        ]
    )
