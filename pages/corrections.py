"""Corrections: change one period status of one student-day within the correction window.

`/corrections?student=<id>` opens with that student chosen (the Student page links here).
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids

dash.register_page(
    __name__,
    path="/corrections",
    name="Corrections",
    title="Attendance corrections · Attendly",
    order=35,
    roles=("admin", "principal", "counselor", "teacher"),
    nav_group="more",
)

CO = ids.Corrections


def _field(name: str, label: str, component: Any, width: int) -> dbc.Col:
    """A labelled field with its message below (the callback fills and marks it)."""
    return dbc.Col(
        [
            dbc.Label(label, html_for=component.id),
            component,
            dbc.FormFeedback(id=f"{CO.FEEDBACK}-{name}", type="invalid"),
        ],
        md=width,
        className="mb-2",
    )


def _student_fields(student: str) -> list[dbc.Col]:
    search = dbc.Input(
        id=CO.SEARCH,
        value=student,
        debounce=True,
        placeholder="name or student id",
        autoComplete="off",
    )
    return [
        _field("search", "Find a student", search, 3),
        _field("student", "Student", dbc.Select(id=CO.STUDENT, options=[]), 4),
    ]


def _day_fields() -> list[dbc.Col]:
    return [
        _field("date", "School day", dbc.Input(id=CO.DATE, type="date"), 2),
        _field("period", "Period", dbc.Select(id=CO.PERIOD, options=[]), 3),
        _field("status", "New status", dbc.Select(id=CO.STATUS, options=[]), 3),
        _field(
            "reason",
            "Reason (optional)",
            dbc.Textarea(id=CO.REASON, rows=2, maxLength=500),
            6,
        ),
    ]


def layout(student: str = "", **_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Attendance corrections", className="h3"),
            html.P(
                "Change one period's status for one of your students on a recent school day. "
                "Every change is kept with its prior value, who made it and why.",
                className="text-muted mb-1",
            ),
            html.P(id=CO.WINDOW, className="small"),
            dbc.Card(
                dbc.CardBody(
                    [
                        dbc.Row(_student_fields(str(student)[:32]), className="g-2"),
                        dbc.Row(_day_fields(), className="g-2"),
                        html.Div(id=CO.DAY, className="my-2"),
                        dbc.Button("Save correction", id=CO.SAVE, color="primary"),
                        dbc.Alert(
                            id=CO.MESSAGE, is_open=False, dismissable=True, className="mt-3 mb-0"
                        ),
                    ]
                ),
                className="mb-3 shadow-sm",
            ),
            html.Span(id=CO.FOCUS_SINK, hidden=True, className="focus-request"),
            dcc.Store(id=CO.REFRESH, data=0),
            html.H2("Recent corrections", className="h5"),
            html.Div(id=CO.RECENT),
        ]
    )
