"""Live updates: the fallback poll while the websocket is down (assets/live.js runs the
socket), and the check every refresh callback makes before redrawing for a live event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dash
from dash import Input, Output, State, ctx
from dash.exceptions import MissingCallbackContextException, PreventUpdate
from flask_login import current_user
from sqlalchemy import select

from attendly import ids, live
from callbacks.common import grade_scope, normalise_grade, normalise_school, reads, school_scope
from db.models import School, Student


@dash.callback(
    Output(ids.Live.EVENT, "data"),
    Output(ids.Live.VERSION, "children"),
    Input(ids.Live.POLL, "n_intervals"),
    State(ids.Live.VERSION, "children"),
    prevent_initial_call=True,
)
def poll(_: Any, since: Any) -> tuple[Any, int]:
    """While the socket is down: the changes this user may see since the tab's last version,
    as one event (pages refresh on it); nothing when there are none or the bus is down (the
    page stays as it is and the poll goes on)."""
    version, event = live.catch_up(current_user, since)
    if event is None and version == since:
        raise PreventUpdate
    return (dash.no_update if event is None else event), version


def fired_by_event() -> bool:
    """True when a live event alone fired this callback run (not a filter change with it)."""
    try:
        fired = set(ctx.triggered_prop_ids.values())
    except MissingCallbackContextException:
        return False
    return fired == {ids.Live.EVENT}


def shown_grades(grade: Any) -> Iterable[int] | None:
    """The grades a dashboard shows: the chosen one, else all the user may see (None: all)."""
    chosen = normalise_grade(grade)
    return (chosen,) if chosen is not None else grade_scope()


def shown_schools(school: Any) -> Iterable[str] | None:
    """The schools a dashboard shows: the chosen one (the School filter's value), else all the
    user may see (None: every school, as for the district or "All my schools")."""
    chosen = normalise_school(school)
    return (chosen,) if chosen is not None else school_scope()


def unaffected(
    event: Any, grade: Any, kinds: Iterable[str] | None = None, *, school: Any = None
) -> bool:
    """True when a live event fired this run and touches none of the schools or none of the
    grades the page shows (or is of none of `kinds`): the callback then leaves the page as it
    is. `school` is the page's School filter value. Only a redraw is skipped: what is shown
    is always re-read within the user's scope."""
    if not fired_by_event():
        return False
    return not (
        live.touches_kinds(event, kinds)
        and live.touches_schools(event, shown_schools(school))
        and live.touches_grades(event, shown_grades(grade))
    )


def unaffected_student(event: Any, student_id: Any, kinds: Iterable[str] | None = None) -> bool:
    """True when a live event fired this run and does not concern the student shown: names
    other students, or other schools than the student's, or is of none of `kinds`."""
    if not fired_by_event():
        return False
    if not live.touches_kinds(event, kinds):
        return True
    return not live.touches_student(event, student_id, school_code(student_id))


def school_code(student_id: Any) -> str | None:
    """The code of the student's school (None for an unknown student). Only steers a redraw:
    what is then shown is read within the user's scope."""
    query = select(School.code).join(Student, Student.school_id == School.id)
    return reads().scalar(query.where(Student.id == str(student_id or "")))
