"""Interventions: what the school did about attendance, filtered, created, edited and closed.

`/interventions?student=<id>` opens with that student's timeline.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from attendly import ids
from attendly.interventions import (
    MANAGER_ROLES,
    STATUS_LABELS,
    TEACHER_TYPES,
    TIERS,
    TYPE_LABELS,
)

dash.register_page(
    __name__,
    path="/interventions",
    name="Interventions",
    title="Interventions · Attendly",
    order=30,
    nav_group="primary",
    roles=("admin", "principal", "counselor", "teacher"),
)

IV = ids.Interventions
DUE_OPTIONS = [
    {"label": "Overdue", "value": "overdue"},
    {"label": "Due within 7 days", "value": "week"},
    {"label": "Due within 30 days", "value": "month"},
    {"label": "No due date", "value": "none"},
]


def _options(labels: dict[Any, str]) -> list[dict[str, str]]:
    return [{"label": label, "value": key.value} for key, label in labels.items()]


def _type_options() -> list[dict[str, str]]:
    """Teachers may log phone calls and parent letters only (the server checks it too)."""
    options = _options(TYPE_LABELS)
    if getattr(current_user, "role", None) in MANAGER_ROLES:
        return options
    return [option for option in options if option["value"] in TEACHER_TYPES]


def _filters(student: str) -> dbc.Row:
    def column(label: str, component: Any) -> dbc.Col:
        return dbc.Col(
            [dbc.Label(label, html_for=component.id, className="small mb-0"), component],
            md=2 if label != "Grade" else 1,
        )

    return dbc.Row(
        [
            column("Grade", dcc.Dropdown(id=IV.GRADE, placeholder="all", searchable=False)),
            column(
                "Student id",
                dbc.Input(id=IV.STUDENT, value=student, debounce=True, placeholder="any"),
            ),
            column("Owner", dcc.Dropdown(id=IV.OWNER, placeholder="any")),
            column(
                "Type", dcc.Dropdown(id=IV.TYPE, options=_options(TYPE_LABELS), placeholder="any")
            ),
            column(
                "Status",
                dcc.Dropdown(id=IV.STATUS, options=_options(STATUS_LABELS), placeholder="any"),
            ),
            column("Due", dcc.Dropdown(id=IV.DUE, options=DUE_OPTIONS, placeholder="any")),
            dbc.Col(
                dbc.Button("New intervention", id=IV.NEW, color="primary"),
                md=1,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-3",
    )


def _field(name: str, label: str, component: Any, width: int = 3) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=f'{{"name":"{name}","type":"{IV.FIELD}"}}'),
            component,
            dbc.FormFeedback(id={"type": IV.FEEDBACK, "name": name}, type="invalid"),
        ],
        md=width,
        className="mb-2",
    )


def _form() -> dbc.Collapse:
    def fid(name: str) -> dict[str, str]:
        return {"type": IV.FIELD, "name": name}

    tiers = [{"label": f"Tier {tier}", "value": str(tier)} for tier in TIERS]
    fields = [
        _field("student_id", "Student id", dbc.Input(id=fid("student_id"))),
        _field("type", "Type", dbc.Select(id=fid("type"), options=_type_options())),
        _field("tier", "Tier", dbc.Select(id=fid("tier"), options=tiers), 2),
        _field(
            "status", "Status", dbc.Select(id=fid("status"), options=_options(STATUS_LABELS)), 2
        ),
        _field("owner", "Owner", dbc.Input(id=fid("owner"), maxLength=80), 2),
        _field("start_date", "Start date", dbc.Input(id=fid("start_date"), type="date")),
        _field("due_date", "Due date", dbc.Input(id=fid("due_date"), type="date")),
        _field("end_date", "End date", dbc.Input(id=fid("end_date"), type="date")),
        _field("notes", "Notes", dbc.Textarea(id=fid("notes"), rows=3), 6),
        _field(
            "outcome", "Outcome (needed to complete)", dbc.Textarea(id=fid("outcome"), rows=3), 6
        ),
    ]
    body = dbc.CardBody(
        [
            html.H2("New intervention", id=IV.FORM_TITLE, className="h5"),
            dbc.Row(fields, className="g-2"),
            dbc.Button("Save", id=IV.SAVE, color="primary", className="me-2"),
            dbc.Button("Cancel", id=IV.CANCEL, color="secondary", outline=True),
        ]
    )
    return dbc.Collapse(dbc.Card(body, className="mb-3 shadow-sm"), id=IV.FORM, is_open=False)


def layout(student: str = "", **_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Interventions", className="h3"),
            html.P(
                "Phone calls, letters, conferences, home visits and referrals, with their "
                "owners, dates and outcomes.",
                className="text-muted",
            ),
            _filters(str(student)[:32]),
            dbc.Alert(id=IV.MESSAGE, is_open=False, dismissable=True),
            _form(),
            dcc.Store(id=IV.EDITING),
            html.Span(id=IV.FOCUS_SINK, hidden=True, className="focus-request"),
            dcc.Store(id=IV.REFRESH, data=0),
            html.Div(id=IV.TIMELINE),
            dcc.Loading(html.Div(id=IV.TABLE), delay_show=300),
        ]
    )
