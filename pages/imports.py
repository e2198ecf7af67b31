"""Imports (admins): drop files to import them, watch them land, history, reports, recovery."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_wtf.csrf import generate_csrf

from attendly import ids

dash.register_page(
    __name__,
    path="/imports",
    name="Imports",
    title="Imports · Attendly",
    order=80,
    nav_group="admin",
    roles=("admin",),
)

# Browser uploads travel base64-encoded inside a callback request: keep them small. Larger
# files go through the streaming route (the form below posts to it).
BROWSER_UPLOAD_MB = 20
KIND_OPTIONS = [
    {"label": "Detect from the headers", "value": "auto"},
    {"label": "Aeries roster", "value": "roster"},
    {"label": "Aeries attendance", "value": "attendance"},
    {"label": "i-Ready diagnostic", "value": "iready"},
    {"label": "Attendance codes", "value": "codes"},
    {"label": "School calendar", "value": "calendar"},
]


def _upload_card() -> dbc.Card:
    drop = dcc.Upload(
        id=ids.Imports.UPLOAD,
        children=html.Div(["Drag and drop CSV files here, or ", html.A("choose files")]),
        multiple=True,
        max_size=BROWSER_UPLOAD_MB * 1024 * 1024,
        accept=".csv,.txt,text/csv",
        className="attendly-drop border border-2 rounded p-4 text-center bg-light",
    )
    large = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Span(f"Larger than {BROWSER_UPLOAD_MB} MB? ", className="small"),
            dcc.Input(type="file", name="file", className="form-control-sm"),
            html.Button("Upload large file", className="btn btn-outline-secondary btn-sm ms-2"),
        ],
        method="post",
        action="/imports/upload",
        encType="multipart/form-data",
        className="mt-2",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Import files", className="h5"),
                dbc.Label("Kind", html_for=ids.Imports.KIND),
                dcc.Dropdown(
                    id=ids.Imports.KIND,
                    options=KIND_OPTIONS,
                    value="auto",
                    clearable=False,
                    className="mb-2",
                ),
                drop,
                large,
                html.Div(id=ids.Imports.MESSAGE, className="mt-2"),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def _actions_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Recovery", className="h5"),
                dbc.InputGroup(
                    [
                        dbc.InputGroupText("Import id"),
                        dbc.Input(id=ids.Imports.ACTION_ID, type="number", min=1, step=1),
                        dbc.Button("Resume", id=ids.Imports.RESUME, color="primary"),
                        dbc.Button(
                            "Roll back", id=ids.Imports.ROLLBACK, color="danger", outline=True
                        ),
                    ],
                    size="sm",
                ),
                html.Div(id=ids.Imports.ACTION_MESSAGE, className="mt-2"),
                html.H2("Notifications", className="h5 mt-3"),
                html.Div(id=ids.Imports.NOTIFICATIONS),
                dbc.Button(
                    "Mark all read",
                    id=ids.Imports.MARK_READ,
                    size="sm",
                    color="secondary",
                    outline=True,
                ),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Imports", className="h3"),
            dbc.Row([dbc.Col(_upload_card(), lg=7), dbc.Col(_actions_card(), lg=5)]),
            html.H2("History", className="h5"),
            dcc.Interval(id=ids.Imports.REFRESH, interval=3000),
            html.Div(id=ids.Imports.HISTORY),
        ]
    )
