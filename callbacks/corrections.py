"""Corrections page: find a student, show a day's periods, save one period's new status with
field-level validation (the first field to fix gets the focus), list recent corrections.

Every check that matters (the user's grades and schools, the window, the codes, the periods)
is made on the server by attendly.corrections and db.corrections; the browser's values are
only input.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from attendly import ids
from attendly.correction_views import (
    day_table,
    period_options,
    recent_table,
    status_options,
    student_options,
    window_text,
)
from attendly.corrections import FIELDS, Corrector, correct, parse, window
from attendly.extensions import db
from attendly.intervention_service import int_or_none, text_or_none
from callbacks.common import grade_scope, school_scope
from db.aeries import code_table
from db.corrections import InvalidCorrection, day_periods, find_students, recent_corrections

CO = ids.Corrections
FIELD_IDS = {"student": CO.STUDENT, "date": CO.DATE, "period": CO.PERIOD, "status": CO.STATUS}
FIELD_IDS["reason"] = CO.REASON


def _settings() -> Any:
    return current_app.config["ATTENDLY_SETTINGS"]


@dash.callback(
    Output(CO.WINDOW, "children"),
    Output(CO.DATE, "min"),
    Output(CO.DATE, "max"),
    Output(CO.STATUS, "options"),
    Input(ids.Shell.URL, "pathname"),
)
def setup(_: Any) -> tuple[str, str, str, list[dict[str, str]]]:
    """The window in words and as the date field's bounds; the status choices."""
    days = window(_settings())
    bounds = days.earliest.isoformat(), days.latest.isoformat()
    return window_text(days), *bounds, status_options(code_table(db.session()))


@dash.callback(
    Output(CO.STUDENT, "options"),
    Output(CO.STUDENT, "value"),
    Input(CO.SEARCH, "value"),
)
def search(text: Any) -> tuple[list[dict[str, str]], str | None]:
    """Students of the user's grades and schools matching the search; the only or exact match
    chosen."""
    wanted = text_or_none(text, 60) or ""
    found = find_students(db.session(), wanted, grade_scope(), school_scope())
    chosen = next((s.id for s in found if s.id == wanted), None)
    if chosen is None and len(found) == 1:
        chosen = found[0].id
    return student_options(found), chosen


@dash.callback(
    Output(CO.DAY, "children"),
    Output(CO.PERIOD, "options"),
    Input(CO.STUDENT, "value"),
    Input(CO.DATE, "value"),
    Input(CO.REFRESH, "data"),
)
def show_day(student: Any, day: Any, _: Any) -> tuple[Any, list[dict[str, str]]]:
    """The day's periods with their current status (what may be corrected)."""
    if not text_or_none(student, 32) or not text_or_none(day, 10):
        return dash.html.P("Choose a student and a school day.", className="text-muted"), []
    try:
        change = parse({"student": student, "date": day, "period": 1, "status": "P"}, "")
        periods = day_periods(
            db.session(), change.student_id, change.date, grade_scope(), school_scope()
        )
    except InvalidCorrection as exc:
        return dash.html.P(str(exc), className="text-muted"), []
    refusal = window(_settings()).refusal(change.date)
    return day_table(periods, refusal), period_options(periods)


@dash.callback(
    *(Output(FIELD_IDS[name], "invalid") for name in FIELDS),
    *(Output(f"{CO.FEEDBACK}-{name}", "children") for name in FIELDS),
    Output(CO.FOCUS_SINK, "title"),
    Output(CO.MESSAGE, "children"),
    Output(CO.MESSAGE, "color"),
    Output(CO.MESSAGE, "is_open"),
    Output(CO.REFRESH, "data"),
    Input(CO.SAVE, "n_clicks"),
    *(State(FIELD_IDS[name], "value") for name in FIELDS),
    State(CO.REFRESH, "data"),
    prevent_initial_call=True,
)
def save(clicks: Any, *values: Any) -> tuple[Any, ...]:
    """Store the correction; on refusal mark each field with its message and focus the first."""
    if not clicks:
        raise PreventUpdate
    form = dict(zip(FIELDS, values[:-1], strict=True))
    corrector = Corrector(str(current_user.username), grade_scope(), school_scope())
    try:
        done = correct(db.session(), corrector, form, _settings())
    except InvalidCorrection as exc:
        first = next((name for name in FIELDS if name in exc.errors), "student")
        focus = f"{FIELD_IDS[first]}|{clicks}"
        marks = [name in exc.errors for name in FIELDS]
        texts = [exc.errors.get(name, "") for name in FIELDS]
        message = "Not saved: " + "; ".join(exc.errors.values())
        return (*marks, *texts, focus, message, "danger", True, dash.no_update)
    text = (
        f"Saved: student {done.student_id}, {done.date.isoformat()}, period {done.period}: "
        f"{done.prior_status or 'no period'} → {done.new_status}."
    )
    clear = [False] * len(FIELDS), [""] * len(FIELDS)
    return (*clear[0], *clear[1], "", text, "success", True, (int_or_none(values[-1]) or 0) + 1)


@dash.callback(
    Output(CO.RECENT, "children"),
    Input(CO.STUDENT, "value"),
    Input(CO.REFRESH, "data"),
)
def recent(student: Any, _: Any) -> Any:
    """The newest corrections of the user's students (of the chosen student when one is)."""
    frame = recent_corrections(
        db.session(), grade_scope(), text_or_none(student, 32), schools=school_scope()
    )
    return recent_table(frame)
