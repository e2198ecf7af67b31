"""Attendance vs i-Ready: does coming to school go with reading and math scores and growth?"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from attendly import ids
from attendly.auth import ROLES
from attendly.components import chart_card, export_menu, page_header

dash.register_page(
    __name__,
    path="/attendance-vs-iready",
    name="Attendance vs i-Ready",
    title="Attendance vs i-Ready · Attendly",
    order=20,
    nav_group="primary",
    roles=ROLES,
    filters=("grade", "year"),
)


def layout(**_: object) -> html.Div:
    def card(graph_id: str, dataset: str, chart: str) -> dbc.Card:
        return chart_card(graph_id, dataset, f"attendly-attendance-vs-iready-{chart}", 400)

    return html.Div(
        [
            page_header("Attendance vs i-Ready", "correlation"),
            html.Div(
                [
                    html.Label("Subject", htmlFor=ids.Correlation.SUBJECT, className="me-2"),
                    dbc.RadioItems(
                        id=ids.Correlation.SUBJECT,
                        options=[
                            {"label": "Reading (ELA)", "value": "ELA"},
                            {"label": "Math", "value": "MATH"},
                        ],
                        value="ELA",
                        inline=True,
                    ),
                ],
                className="d-flex align-items-center mb-2 no-print",
            ),
            dbc.Alert(id=ids.Correlation.ALERT, is_open=False, color="warning"),
            html.Div(id=ids.Correlation.SUMMARY, className="as-of", role="status"),
            card(ids.Correlation.SCATTER, "correlation-points", "scatter"),
            dbc.Row(
                [
                    dbc.Col(
                        card(ids.Correlation.BY_TIER, "correlation-points", "scores-by-tier"), lg=6
                    ),
                    dbc.Col(card(ids.Correlation.GROWTH, "correlation-points", "growth"), lg=6),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(ids.Correlation.PLACEMENT, "correlation-placements", "tier-placement"),
                        lg=7,
                    ),
                    dbc.Col(
                        dbc.Card(
                            [
                                html.Div(
                                    export_menu(None, "correlation-tiers"),
                                    className="chart-toolbar",
                                ),
                                html.H3("By attendance tier", className="h6 mt-2"),
                                html.Div(id=ids.Correlation.TIER_TABLE),
                            ],
                            className="chart-card mb-3",
                        ),
                        lg=5,
                    ),
                ]
            ),
        ]
    )
