"""System health (admins): import success and timing, quality, queue and workers, failed jobs
with retry, last success per source, table sizes, open alerts and the integrity check."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids

dash.register_page(
    __name__,
    path="/system",
    name="System health",
    title="System health · Attendly",
    order=97,
    nav_group="admin",
    roles=("admin",),
)

REFRESH_SECONDS = 60


def _section(title: str, body: Any, note: str = "") -> dbc.Card:
    parts: list[Any] = [html.H2(title, className="h5")]
    if note:
        parts.append(html.P(note, className="text-muted small"))
    parts.append(body)
    return dbc.Card(dbc.CardBody(parts), className="mb-3 shadow-sm")


def _chart(chart_id: str) -> dbc.Col:
    graph = dcc.Graph(id=chart_id, config={"displaylogo": False}, style={"height": "320px"})
    return dbc.Col(dcc.Loading(graph), lg=4, className="mb-3")


def _verify_card() -> dbc.Card:
    button = dbc.Button(
        "Run integrity check", id=ids.System.VERIFY, color="secondary", size="sm", className="mb-2"
    )
    note = (
        "Summaries, day figures and dashboard aggregates against the raw rows, orphans, "
        "and attendance rows per import against the import records (`attendly verify`). "
        "Read-only: repair from the command line with `attendly verify --repair`."
    )
    result = html.Div(id=ids.System.VERIFY_RESULT)
    job = dcc.Store(id=ids.System.VERIFY_JOB)
    poll = dcc.Interval(id=ids.System.VERIFY_POLL, interval=1000, disabled=True)
    return _section("Integrity", html.Div([button, job, poll, result]), note)


def layout(**_: object) -> html.Div:
    header = html.Div(
        [
            html.H1("System health", className="h3 me-3 mb-0"),
            dbc.Button("Refresh", id=ids.System.REFRESH, size="sm", outline=True, color="primary"),
        ],
        className="d-flex align-items-center mb-3",
    )
    charts = dbc.Row(
        [
            _chart(ids.System.DURATION_CHART),
            _chart(ids.System.ERRORS_CHART),
            _chart(ids.System.QUALITY_CHART),
        ]
    )
    failed = html.Div([html.Div(id=ids.System.RETRY_MESSAGE), html.Div(id=ids.System.FAILED_JOBS)])
    return html.Div(
        [
            header,
            dcc.Interval(id=ids.System.POLL, interval=REFRESH_SECONDS * 1000),
            dbc.Row(id=ids.System.KPIS),
            _section("Open alerts", html.Div(id=ids.System.ALERTS)),
            charts,
            _section("Failed jobs", failed),
            dbc.Row(
                [
                    dbc.Col(
                        _section("Last success per source", html.Div(id=ids.System.SOURCES)), lg=6
                    ),
                    dbc.Col(_section("Queues and workers", html.Div(id=ids.System.QUEUES)), lg=6),
                ]
            ),
            _section("Database size per table", html.Div(id=ids.System.TABLE_SIZES)),
            _verify_card(),
        ]
    )
