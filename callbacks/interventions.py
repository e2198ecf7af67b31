"""Interventions page: filters -> list and timeline; the create/edit/close form with
field-level validation (the first field to fix gets the focus)."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from attendly import ids
from attendly.errors import Forbidden, NotFound
from attendly.extensions import db
from attendly.intervention_service import (
    commit_and_publish,
    current_actor,
    int_or_none,
    text_or_none,
)
from attendly.intervention_views import interventions_table, timeline
from attendly.interventions import FIELDS, Actor, InvalidIntervention, may_write
from attendly.interventions_api import letter_url
from callbacks.common import grade_choices, normalise_grade
from db import interventions

IV = ids.Interventions
FIELD_ALL = {"type": IV.FIELD, "name": ALL}
FEEDBACK_ALL = {"type": IV.FEEDBACK, "name": ALL}
NEW_VALUES = {"type": "phone_call", "tier": "1", "status": "planned"}


@dash.callback(
    Output(IV.OWNER, "options"),
    Output(IV.GRADE, "options"),
    Input(ids.Shell.URL, "pathname"),
    Input(IV.REFRESH, "data"),
)
def filter_options(_: Any, __: Any) -> tuple[list[str], list[dict[str, object]]]:
    """Everyone who owns an intervention the user may see; the grades they may see."""
    actor = current_actor()
    mine = interventions.owners(db.session(), actor.allowed_grades, actor.allowed_schools)
    return mine, grade_choices()


@dash.callback(
    Output(IV.TABLE, "children"),
    Output(IV.TIMELINE, "children"),
    Input(IV.STUDENT, "value"),
    Input(IV.OWNER, "value"),
    Input(IV.TYPE, "value"),
    Input(IV.STATUS, "value"),
    Input(IV.DUE, "value"),
    Input(IV.GRADE, "value"),
    Input(IV.REFRESH, "data"),
)
def show(student: Any, owner: Any, kind: Any, status: Any, due: Any, grade: Any, _: Any) -> Any:
    """The filtered list, and the student's timeline when one student is chosen."""
    actor = current_actor()
    student_id = text_or_none(student, 32)
    try:
        frame = interventions.list_interventions(
            db.session(),
            allowed_grades=actor.allowed_grades,
            allowed_schools=actor.allowed_schools,
            grade=normalise_grade(grade),
            student_id=student_id,
            status=text_or_none(status),
            kind=text_or_none(kind),
            owner=text_or_none(owner),
            due=text_or_none(due),
        )
    except (Forbidden, ValueError) as exc:
        return str(exc), None
    editable = {
        int(row["id"])
        for row in frame.to_dict("records")
        if may_write(actor, row["type"], row["created_by"] or "") is None
    }
    return interventions_table(frame, editable), _timeline(student_id, actor)


def _timeline(student_id: str | None, actor: Actor) -> Any:
    if not student_id:
        return None
    try:
        frame = interventions.timeline(
            db.session(), student_id, actor.allowed_grades, actor.allowed_schools
        )
    except NotFound as exc:
        return dash.html.P(str(exc), className="text-muted")
    return [
        dash.html.H2(f"Timeline of student {student_id}", className="h5"),
        timeline(frame, letter_url),
    ]


@dash.callback(
    Output(IV.FORM, "is_open"),
    Output(IV.EDITING, "data"),
    Output(IV.FORM_TITLE, "children"),
    Output(FIELD_ALL, "value"),
    Output(FIELD_ALL, "invalid"),
    Output(FEEDBACK_ALL, "children"),
    Input(IV.NEW, "n_clicks"),
    Input({"type": IV.EDIT, "index": ALL}, "n_clicks"),
    Input(IV.CANCEL, "n_clicks"),
    State(IV.STUDENT, "value"),
    prevent_initial_call=True,
)
def open_form(_: Any, __: Any, ___: Any, student: Any) -> tuple[Any, ...]:
    """New: an empty form (for the filtered student); Edit: the stored values; Cancel: close."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # a re-rendered Edit button, not a click
    names = [item["id"]["name"] for item in ctx.outputs_list[3]]
    clear = ([False] * len(names), [""] * len(names))
    if ctx.triggered_id == IV.CANCEL:
        return (False, None, dash.no_update, dash.no_update, *clear)
    if ctx.triggered_id == IV.NEW:
        values = {**NEW_VALUES, "student_id": text_or_none(student, 32) or ""}
        return (True, None, "New intervention", [values.get(n, "") for n in names], *clear)
    intervention_id = int_or_none(getattr(ctx.triggered_id, "get", lambda _: None)("index"))
    if intervention_id is None:
        raise PreventUpdate
    try:
        row = interventions.get_intervention(
            db.session(),
            intervention_id,
            current_actor().allowed_grades,
            current_actor().allowed_schools,
        )
    except NotFound:
        raise PreventUpdate from None
    stored = [_form_value(row[name]) for name in names]
    return (True, intervention_id, f"Edit intervention {intervention_id}", stored, *clear)


def _form_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


@dash.callback(
    Output(FIELD_ALL, "invalid", allow_duplicate=True),
    Output(FEEDBACK_ALL, "children", allow_duplicate=True),
    Output(IV.FOCUS_SINK, "title"),
    Output(IV.MESSAGE, "children"),
    Output(IV.MESSAGE, "color"),
    Output(IV.MESSAGE, "is_open"),
    Output(IV.FORM, "is_open", allow_duplicate=True),
    Output(IV.REFRESH, "data"),
    Input(IV.SAVE, "n_clicks"),
    State(IV.EDITING, "data"),
    State(FIELD_ALL, "value"),
    State(IV.REFRESH, "data"),
    prevent_initial_call=True,
)
def save(clicks: Any, editing: Any, values: list[Any], refresh: Any) -> tuple[Any, ...]:
    """Create or update; on bad input mark each field with its message and focus the first."""
    if not clicks:
        raise PreventUpdate
    editing = int_or_none(editing)
    names = [item["id"]["name"] for item in ctx.states_list[1]]
    payload = {name: value for name, value in zip(names, values, strict=True) if name in FIELDS}
    errors, message = _store(editing, payload)
    if errors or message:
        first = next((name for name in names if name in errors), "")
        focus = f'{{"name":"{first}","type":"{IV.FIELD}"}}|{clicks}' if first else ""
        invalid = [name in errors for name in names]
        feedback = [errors.get(name, "") for name in names]
        text = message or "Please correct the marked fields."
        return invalid, feedback, focus, text, "danger", True, True, dash.no_update
    done = "Intervention saved." if editing is None else f"Intervention {editing} saved."
    clear = [False] * len(names), [""] * len(names)
    return (*clear, "", done, "success", True, False, (int_or_none(refresh) or 0) + 1)


def _store(editing: int | None, payload: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Write through the db layer; returns (field errors, other message), both empty on success."""
    actor = current_actor()
    try:
        if editing is None:
            _, event = interventions.create_intervention(db.session(), actor, payload)
        else:
            _, event = interventions.update_intervention(db.session(), actor, editing, payload)
    except InvalidIntervention as exc:
        db.session.rollback()
        return exc.errors, ""
    except NotFound as exc:
        db.session.rollback()
        return ({"student_id": str(exc)}, "") if editing is None else ({}, str(exc))
    except Forbidden as exc:
        db.session.rollback()
        return {}, str(exc)
    commit_and_publish([event])
    return {}, ""
