"""Audit log (admins only): sign-ins, exports, imports, user and role changes, filterable."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids
from attendly.audit import ACTIONS

dash.register_page(
    __name__,
    path="/audit",
    name="Audit log",
    title="Audit log · Attendly",
    order=95,
    nav_group="admin",
    roles=("admin",),
)


def layout(**_: object) -> html.Div:
    filters = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=ids.Audit.ACTION, options=list(ACTIONS), placeholder="Every action"
                ),
                md=3,
            ),
            dbc.Col(dbc.Input(id=ids.Audit.USERNAME, placeholder="Username", debounce=True), md=3),
            dbc.Col(dcc.DatePickerRange(id=ids.Audit.DATES, clearable=True), md=6),
        ],
        className="mb-3 g-2",
    )
    return html.Div(
        [
            html.H1("Audit log", className="h3"),
            filters,
            html.Div(id=ids.Audit.COUNT, className="text-muted small mb-2"),
            html.Div(id=ids.Audit.TABLE),
        ]
    )
