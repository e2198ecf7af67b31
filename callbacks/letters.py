"""Letter templates page: load and save the letterhead and each template."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from attendly import ids
from attendly.errors import AttendlyError, NotFound
from attendly.extensions import db
from attendly.intervention_service import current_actor
from attendly.interventions import InvalidIntervention
from db import letter_templates

LT = ids.Letters
HEAD_ALL = {"type": LT.HEAD, "name": ALL}


@dash.callback(Output(HEAD_ALL, "value"), Input(ids.Shell.URL, "pathname"))
def load_letterhead(_: Any) -> list[str]:
    stored = letter_templates.letterhead(db.session())
    return [stored.get(item["id"]["name"], "") for item in ctx.outputs_list]


@dash.callback(
    Output(LT.SUBJECT, "value"),
    Output(LT.BODY, "value"),
    Output(LT.SAMPLE, "href"),
    Input(LT.KEY, "value"),
    Input(LT.LANGUAGE, "value"),
)
def load_template(key: Any, language: Any) -> tuple[str, str, str]:
    """The stored (or built-in) text of the chosen template, and its preview link."""
    try:
        subject, body, _ = letter_templates.template(db.session(), str(key), str(language))
    except NotFound:
        raise PreventUpdate from None
    return (
        subject,
        body,
        "/api/v1/letters/sample.pdf?" + urlencode({"key": key, "language": language}),
    )


@dash.callback(
    Output(LT.MESSAGE, "children"),
    Output(LT.MESSAGE, "color"),
    Output(LT.MESSAGE, "is_open"),
    Input(LT.HEAD_SAVE, "n_clicks"),
    State(HEAD_ALL, "value"),
    prevent_initial_call=True,
)
def save_letterhead(clicks: Any, values: list[Any]) -> tuple[str, str, bool]:
    if not clicks:
        raise PreventUpdate
    names = [item["id"]["name"] for item in ctx.states_list[0]]
    try:
        letter_templates.save_letterhead(
            db.session(), current_actor(), dict(zip(names, values, strict=True))
        )
    except AttendlyError as exc:
        db.session.rollback()
        return str(exc), "danger", True
    db.session.commit()
    return "Letterhead saved.", "success", True


@dash.callback(
    Output(LT.MESSAGE, "children", allow_duplicate=True),
    Output(LT.MESSAGE, "color", allow_duplicate=True),
    Output(LT.MESSAGE, "is_open", allow_duplicate=True),
    Output(LT.BODY, "invalid"),
    Output(LT.BODY_FEEDBACK, "children"),
    Output(LT.SUBJECT, "value", allow_duplicate=True),
    Output(LT.BODY, "value", allow_duplicate=True),
    Input(LT.SAVE, "n_clicks"),
    Input(LT.RESET, "n_clicks"),
    State(LT.KEY, "value"),
    State(LT.LANGUAGE, "value"),
    State(LT.SUBJECT, "value"),
    State(LT.BODY, "value"),
    prevent_initial_call=True,
)
def save_template(_: Any, __: Any, key: Any, language: Any, subject: Any, body: Any) -> Any:
    """Save the edited text, or (Restore) go back to the built-in one."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    reset = ctx.triggered_id == LT.RESET
    try:
        letter_templates.save_template(
            db.session(),
            current_actor(),
            str(key),
            str(language),
            "" if reset else str(subject or ""),
            "" if reset else str(body or ""),
        )
    except InvalidIntervention as exc:
        db.session.rollback()
        problem = "; ".join(exc.errors.values())
        return problem, "danger", True, True, problem, dash.no_update, dash.no_update
    except AttendlyError as exc:
        db.session.rollback()
        return str(exc), "danger", True, False, "", dash.no_update, dash.no_update
    db.session.commit()
    subject, body, _ = letter_templates.template(db.session(), str(key), str(language))
    done = "Built-in text restored." if reset else "Template saved."
    return done, "success", True, False, "", subject, body
