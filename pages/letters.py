"""Letter templates: the district letterhead and the editable English and Spanish letters."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html
from flask_login import current_user

from attendly import ids
from attendly.letter_texts import LANGUAGES, TEMPLATE_LABELS
from attendly.letters import PLACEHOLDERS

dash.register_page(
    __name__,
    path="/letters",
    name="Letter templates",
    title="Letter templates · Attendly",
    order=80,
    nav_group="more",
    # Everyone may read what families are sent; administrators and principals edit.
    roles=("admin", "principal", "counselor", "teacher"),
)

LT = ids.Letters
HEAD_LABELS = {
    "district_name": "District name",
    "school_name": "School name (blank: the roster's)",
    "address": "Address",
    "phone": "Attendance office phone",
    "signer_name": "Signed by",
    "signer_title": "Signer's title",
}


EDITORS = ("admin", "principal")


def _hidden_unless_editor() -> str:
    return "" if getattr(current_user, "role", None) in EDITORS else "d-none"


def _letterhead_card() -> dbc.Card:
    fields = [
        dbc.Col(
            [
                dbc.Label(label, html_for=f'{{"name":"{key}","type":"{LT.HEAD}"}}'),
                dbc.Input(id={"type": LT.HEAD, "name": key}, maxLength=200),
            ],
            md=4,
            className="mb-2",
        )
        for key, label in HEAD_LABELS.items()
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Letterhead", className="h5"),
                dbc.Row(fields, className="g-2"),
                dbc.Button(
                    "Save letterhead",
                    id=LT.HEAD_SAVE,
                    color="primary",
                    className=_hidden_unless_editor(),
                ),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def _template_card() -> dbc.Card:
    keys = [{"label": label, "value": key} for key, label in TEMPLATE_LABELS.items()]
    languages = [{"label": label, "value": key} for key, label in LANGUAGES.items()]
    placeholders = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Letter templates", className="h5"),
                dbc.Row(
                    [
                        dbc.Col(dbc.Select(id=LT.KEY, options=keys, value="letter_1"), md=6),
                        dbc.Col(dbc.Select(id=LT.LANGUAGE, options=languages, value="en"), md=2),
                        dbc.Col(
                            html.A("Preview (PDF)", id=LT.SAMPLE, target="_blank"),
                            md=2,
                            className="d-flex align-items-center",
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Label("Subject", html_for=LT.SUBJECT),
                dbc.Input(id=LT.SUBJECT, maxLength=300),
                dbc.Label("Body", html_for=LT.BODY, className="mt-2"),
                dbc.Textarea(id=LT.BODY, rows=18, style={"fontFamily": "monospace"}),
                dbc.FormFeedback(id=LT.BODY_FEEDBACK, type="invalid"),
                dbc.FormText(
                    f"Placeholders: {placeholders}. A line starting with '- ' or '1. ' is a "
                    "list item; {absence_dates} on its own line lists the truancy dates. "
                    "Letter 1 must keep the notices Education Code 48260.5 requires."
                ),
                html.Div(
                    [
                        dbc.Button("Save template", id=LT.SAVE, color="primary", className="me-2"),
                        dbc.Button(
                            "Restore the built-in text",
                            id=LT.RESET,
                            color="secondary",
                            outline=True,
                        ),
                    ],
                    className="mt-3 " + _hidden_unless_editor(),
                ),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Letter templates", className="h3"),
            dbc.Alert(id=LT.MESSAGE, is_open=False, dismissable=True),
            _letterhead_card(),
            _template_card(),
        ]
    )
