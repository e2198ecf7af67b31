"""Overview: the school's (or a teacher's grades') attendance at a glance."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids
from attendly.auth import ROLES

dash.register_page(
    __name__, path="/", name="Overview", title="Overview · Attendly", order=0, roles=ROLES
)


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            dbc.Row(
                [
                    dbc.Col(html.H1("Overview", className="h3 mb-0"), md=8),
                    dbc.Col(
                        [
                            html.Label(
                                "Grade level",
                                htmlFor=ids.Overview.GRADE,
                                className="visually-hidden",
                            ),
                            dcc.Dropdown(
                                id=ids.Overview.GRADE,
                                placeholder="All grades",
                                clearable=True,
                                searchable=False,
                            ),
                        ],
                        md=4,
                    ),
                ],
                className="align-items-center mb-2",
            ),
            html.Div(id=ids.Overview.AS_OF, className="text-muted small mb-3"),
            dbc.Alert(id=ids.Overview.ALERT, is_open=False, color="warning"),
            dcc.Loading(
                [
                    dbc.Row(id=ids.Overview.KPI_ROW),
                    html.H2("Students by risk tier", className="h6 text-muted mt-2"),
                    html.Div(id=ids.Overview.TIER_ROW, className="mb-3"),
                    dcc.Graph(
                        id=ids.Overview.TREND,
                        config={
                            "displaylogo": False,
                            "toImageButtonOptions": {"filename": "attendly-weekly-attendance"},
                        },
                    ),
                ],
                delay_show=300,
            ),
        ]
    )
