"""Truancy ladder page: the queue, decisions (accept / defer / dismiss) and parent letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from attendly import ids
from attendly.errors import AttendlyError
from attendly.extensions import db
from attendly.intervention_service import commit_and_publish, current_actor, int_or_none
from attendly.intervention_views import letters_table, queue_table, step_label
from attendly.interventions import InvalidIntervention, parse_date
from attendly.interventions_api import batch_url, letter_url
from attendly.settings import ACADEMIC_YEAR_PATTERN
from callbacks.common import normalise_grade, normalise_school, policy
from db import letters, truancy
from db.queries import resolve_period

TR = ids.Truancy


@dash.callback(
    Output(TR.QUEUE, "children"),
    Output(TR.AS_OF, "children"),
    Output(TR.LETTERS, "children"),
    Input(ids.Filters.GRADE, "value"),
    Input(ids.Filters.YEAR, "value"),
    Input(TR.REFRESH, "data"),
    Input(ids.Filters.SCHOOL, "value"),
)
def show(grade: Any, year: Any, _: Any, school: Any = None) -> tuple[Any, ...]:
    """The queue for the chosen school, grade and year (newly due steps are stored as
    proposals); only the user's schools, whatever the browser sends."""
    actor = current_actor()
    year = year if isinstance(year, str) and ACADEMIC_YEAR_PATTERN.match(year) else None
    year, as_of = resolve_period(db.session(), year)
    try:
        frame = truancy.truancy_queue(
            db.session(),
            policy(),
            allowed_grades=actor.allowed_grades,
            grade=normalise_grade(grade),
            academic_year=year,
            as_of=as_of,
            allowed_schools=actor.allowed_schools,
            school=normalise_school(school),
        )
    except AttendlyError as exc:
        return str(exc), "", dash.no_update
    db.session.commit()
    note = f"Academic year {year}, as of {as_of} · {len(frame)} due a step" if as_of else ""
    done = letters.list_letters(
        db.session(), actor.allowed_grades, limit=50, allowed_schools=actor.allowed_schools
    )
    return queue_table(frame, actions=actor.manages), note, letters_table(done, letter_url)


def _clicked() -> int:
    """The proposal id of the clicked pattern button (PreventUpdate for a re-render)."""
    clicked = ctx.triggered_id
    index = int_or_none(clicked.get("index")) if isinstance(clicked, dict) else None
    if not ctx.triggered or not ctx.triggered[0]["value"] or index is None:
        raise PreventUpdate
    return index


@dash.callback(
    Output(TR.DECISION, "is_open"),
    Output(TR.SELECTED, "data"),
    Output(TR.SELECTED_TEXT, "children"),
    Input({"type": TR.DECIDE, "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def choose(_: Any) -> tuple[Any, ...]:
    """Open the decision panel for one proposal."""
    proposal_id = _clicked()
    try:
        actor = current_actor()
        row = truancy.proposal(
            db.session(), proposal_id, actor.allowed_grades, actor.allowed_schools
        )
    except AttendlyError:
        raise PreventUpdate from None
    text = (
        f"Student {row.student_id}: {step_label(row.step)} "
        f"({row.truancy_occasions} truancy occasions when proposed)"
    )
    return True, proposal_id, text


@dash.callback(
    Output(TR.REASON, "invalid"),
    Output(TR.REASON_FEEDBACK, "children"),
    Output(TR.DEFER_UNTIL, "invalid"),
    Output(TR.DEFER_FEEDBACK, "children"),
    Output(TR.MESSAGE, "children"),
    Output(TR.MESSAGE, "color"),
    Output(TR.MESSAGE, "is_open"),
    Output(TR.DECISION, "is_open", allow_duplicate=True),
    Output(TR.REFRESH, "data"),
    Input(TR.SAVE, "n_clicks"),
    State(TR.SELECTED, "data"),
    State(TR.CHOICE, "value"),
    State(TR.REASON, "value"),
    State(TR.DEFER_UNTIL, "value"),
    State(TR.REFRESH, "data"),
    prevent_initial_call=True,
)
def save_decision(
    clicks: Any, selected: Any, choice: Any, reason: Any, defer: Any, refresh: Any
) -> tuple[Any, ...]:
    """Record the decision; a missing reason or date is marked on its field."""
    selected = int_or_none(selected)
    if not clicks or selected is None:
        raise PreventUpdate
    try:
        _, events = truancy.decide(
            db.session(),
            current_actor(),
            selected,
            str(choice or ""),
            str(reason or ""),
            _defer_date(defer),
        )
    except InvalidIntervention as exc:
        db.session.rollback()
        errors = exc.errors
        return (
            "reason" in errors,
            errors.get("reason", ""),
            "defer_until" in errors,
            errors.get("defer_until", ""),
            errors.get("decision", "Please correct the marked fields."),
            "danger",
            True,
            True,
            dash.no_update,
        )
    except AttendlyError as exc:
        db.session.rollback()
        return False, "", False, "", str(exc), "danger", True, True, dash.no_update
    commit_and_publish(events)
    done = f"Decision saved: {choice}."
    return False, "", False, "", done, "success", True, False, _bump(refresh)


def _bump(refresh: Any) -> int:
    return (int_or_none(refresh) or 0) + 1


def _defer_date(value: Any) -> dt.date | None:
    """The defer date as typed; an unreadable one is reported on the field."""
    try:
        return parse_date(value) if isinstance(value, str) and value else None
    except ValueError:
        raise InvalidIntervention({"defer_until": "enter a date as YYYY-MM-DD"}) from None


@dash.callback(
    Output(TR.MESSAGE, "children", allow_duplicate=True),
    Output(TR.MESSAGE, "color", allow_duplicate=True),
    Output(TR.MESSAGE, "is_open", allow_duplicate=True),
    Output(TR.REFRESH, "data", allow_duplicate=True),
    Input({"type": TR.LETTER, "index": ALL}, "n_clicks"),
    Input(TR.BATCH, "n_clicks"),
    State(TR.LANGUAGE, "value"),
    State(ids.Filters.GRADE, "value"),
    State(TR.REFRESH, "data"),
    prevent_initial_call=True,
)
def make_letters(_: Any, __: Any, language: Any, grade: Any, refresh: Any) -> tuple[Any, ...]:
    """One letter (a row's Letter button) or a batch for everyone due; links to the PDFs."""
    if ctx.triggered_id == TR.BATCH:
        if not ctx.triggered[0]["value"]:
            raise PreventUpdate
        return _batch(str(language), normalise_grade(grade), refresh)
    proposal_id = _clicked()
    try:
        letter_id, events = letters.generate_letter(
            db.session(),
            current_actor(),
            policy(),
            proposal_id,
            str(language),
            dt.date.today(),
        )
    except AttendlyError as exc:
        db.session.rollback()
        return str(exc), "danger", True, dash.no_update
    commit_and_publish(events)
    link = html.A(
        "Download the letter (PDF)",
        href=letter_url(letter_id),
        target="_blank",
        id="truancy-letter-link",
    )
    return [f"Letter {letter_id} generated and logged. ", link], "success", True, _bump(refresh)


def _batch(language: str, grade: int | None, refresh: Any) -> tuple[Any, ...]:
    try:
        batch_id, letter_ids, events = letters.generate_batch(
            db.session(),
            current_actor(),
            policy(),
            language,
            grade=grade,
            today=dt.date.today(),
        )
    except AttendlyError as exc:
        db.session.rollback()
        return str(exc), "danger", True, dash.no_update
    if batch_id is None:
        db.session.commit()
        return "Nobody is due a letter right now.", "info", True, _bump(refresh)
    commit_and_publish(events)
    link = html.A(
        "Download all letters (one PDF)",
        href=batch_url(batch_id),
        target="_blank",
        id="truancy-batch-link",
    )
    return (
        [f"{len(letter_ids)} letters generated and logged. ", link],
        "success",
        True,
        _bump(refresh),
    )
