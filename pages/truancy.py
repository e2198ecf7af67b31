"""Truancy ladder: students due a step (letter 1, letter 2, SART, SARB), decisions, letters."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user

from attendly import ids
from attendly.interventions import MANAGER_ROLES

dash.register_page(
    __name__,
    path="/truancy",
    name="Truancy ladder",
    title="Truancy ladder · Attendly",
    order=35,
    nav_group="more",
    # Teachers see their grades' queue read-only; deciding and letters are for the others.
    roles=("admin", "principal", "counselor", "teacher"),
    filters=("grade", "year"),
)

TR = ids.Truancy
CHOICES = [
    {"label": "Accept (log the step as an intervention)", "value": "accepted"},
    {"label": "Defer until a date", "value": "deferred"},
    {"label": "Dismiss", "value": "dismissed"},
]


def _decision_panel() -> dbc.Collapse:
    body = dbc.CardBody(
        [
            html.H2("Decide", className="h5"),
            html.P(id=TR.SELECTED_TEXT, className="mb-2"),
            dbc.RadioItems(id=TR.CHOICE, options=CHOICES, value="accepted", className="mb-2"),
            dbc.Label("Reason (needed to defer or dismiss)", html_for=TR.REASON),
            dbc.Textarea(id=TR.REASON, rows=2),
            dbc.FormFeedback(id=TR.REASON_FEEDBACK, type="invalid"),
            dbc.Label("Defer until", html_for=TR.DEFER_UNTIL, className="mt-2"),
            dbc.Input(id=TR.DEFER_UNTIL, type="date"),
            dbc.FormFeedback(id=TR.DEFER_FEEDBACK, type="invalid"),
            dbc.Button("Save decision", id=TR.SAVE, color="primary", className="mt-3"),
        ]
    )
    return dbc.Collapse(dbc.Card(body, className="mb-3 shadow-sm"), id=TR.DECISION, is_open=False)


def _letter_controls() -> dbc.Row:
    hidden = getattr(current_user, "role", None) not in MANAGER_ROLES
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Letter language", html_for=TR.LANGUAGE, className="small mb-0"),
                    dbc.Select(
                        id=TR.LANGUAGE,
                        value="en",
                        options=[
                            {"label": "English", "value": "en"},
                            {"label": "Español", "value": "es"},
                        ],
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                dbc.Button(
                    "Generate letters for everyone due", id=TR.BATCH, color="primary", outline=True
                ),
                md=4,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2 mb-3" + (" d-none" if hidden else ""),
    )


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Truancy ladder", className="h3"),
            html.P(
                "Students whose truancy occasions reached the next step of the California "
                "ladder (EC 48260–48263): letter 1, letter 2, SART conference, SARB referral. "
                "Accept, defer or dismiss each step; letters are logged as interventions.",
                className="text-muted",
            ),
            html.Div(id=TR.AS_OF, className="small text-muted mb-2"),
            _letter_controls(),
            dbc.Alert(id=TR.MESSAGE, is_open=False, dismissable=True),
            dcc.Store(id=TR.SELECTED),
            dcc.Store(id=TR.REFRESH, data=0),
            _decision_panel(),
            dcc.Loading(html.Div(id=TR.QUEUE), delay_show=300),
            html.H2("Letters generated", className="h5 mt-4"),
            html.Div(id=TR.LETTERS),
        ]
    )
