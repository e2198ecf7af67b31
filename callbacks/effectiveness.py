"""Effectiveness page: grade -> per-type before/after table and chart."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output

from attendly import ids
from attendly.errors import Forbidden
from attendly.extensions import db
from attendly.intervention_service import current_actor
from attendly.intervention_views import effectiveness_figure, effectiveness_table
from callbacks.common import grade_choices, normalise_grade
from db.effectiveness import effectiveness
from db.queries import scoped_grades

EF = ids.Effectiveness


@dash.callback(Output(EF.GRADE, "options"), Input(ids.Shell.URL, "pathname"))
def grade_options(_: Any) -> list[dict[str, object]]:
    return grade_choices()


@dash.callback(
    Output(EF.TABLE, "children"),
    Output(EF.CHART, "figure"),
    Input(EF.GRADE, "value"),
)
def show(grade: Any) -> tuple[Any, Any]:
    """The figures for the chosen grade, within what the user may see."""
    chosen = normalise_grade(grade)
    try:
        grades = scoped_grades(
            [chosen] if chosen is not None else None, current_actor().allowed_grades
        )
    except Forbidden as exc:
        return str(exc), dash.no_update
    schools = current_actor().allowed_schools
    summary, _ = effectiveness(db.session(), grades, allowed_schools=schools)
    return effectiveness_table(summary), effectiveness_figure(summary)
