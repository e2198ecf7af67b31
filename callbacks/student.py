"""Student detail callbacks: student id (from the path) and year -> figures and charts;
student id -> the intervention timeline."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, html
from dash.exceptions import PreventUpdate

from attendly import ids
from attendly.charts import (
    calendar_figure,
    iready_history_figure,
    monthly_figure,
    weekday_period_figure,
)
from attendly.components import format_rate, kpi_card, tier_badge
from attendly.errors import Forbidden, NotFound
from attendly.extensions import db
from attendly.intervention_views import timeline
from attendly.interventions_api import letter_url
from attendly.live import FIGURE_KINDS
from callbacks.common import grade_scope, policy, reads, school_scope
from callbacks.live import unaffected_student
from db import interventions, student_detail
from db.dashboard import check_year

OUTPUTS = (
    ids.Student.CALENDAR,
    ids.Student.WEEKDAY,
    ids.Student.MONTHLY,
    ids.Student.IREADY_ELA,
    ids.Student.IREADY_MATH,
)


@dash.callback(
    Output(ids.Student.HEADER, "children"),
    Output(ids.Student.KPIS, "children"),
    *[Output(graph, "figure") for graph in OUTPUTS],
    Output(ids.Student.BODY, "className"),
    Output(ids.Student.ALERT, "children"),
    Output(ids.Student.ALERT, "is_open"),
    Input(ids.Student.ID, "data"),
    Input(ids.Filters.YEAR, "value"),
    Input(ids.Live.EVENT, "data"),
)
def refresh(student_id: Any, year: Any, event: Any = None) -> tuple[Any, ...]:
    """The student's year; another grade's student (or a missing one) is simply not found.
    A live change event naming this student (or everyone) redraws it."""
    if unaffected_student(event, student_id, FIGURE_KINDS):
        raise PreventUpdate
    pol = policy()
    try:
        data = student_detail.student_year(
            reads(),
            pol,
            str(student_id or ""),
            check_year(year),
            grade_scope(),
            school_scope(),
        )
    except (NotFound, Forbidden) as exc:
        return (None, [], *[dash.no_update] * len(OUTPUTS), "d-none", str(exc), True)
    days = data.days
    figures = (
        calendar_figure(student_detail.day_statuses(days)),
        weekday_period_figure(student_detail.weekday_period_absences(days)),
        monthly_figure(student_detail.monthly_rates(days, pol)),
        *[
            iready_history_figure(
                subject,
                data.diagnostics,
                data.domains,
                student_detail.subject_growth(data, subject),
            )
            for subject in ("ELA", "MATH")
        ],
    )
    return (_header(data), _kpis(data.figures), *figures, "", "", False)


@dash.callback(
    Output(ids.Student.TIMELINE, "children"),
    Input(ids.Student.ID, "data"),
    Input(ids.Live.EVENT, "data"),
)
def intervention_timeline(student_id: Any, event: Any = None) -> Any:
    """The student's interventions, latest first; nothing for a student the user may not see
    (the page's alert, from `refresh`, already says so). Redrawn when an intervention of the
    student changes."""
    if unaffected_student(event, student_id, ("intervention",)):
        raise PreventUpdate
    if not isinstance(student_id, str) or not student_id.strip():
        return None
    try:
        frame = interventions.timeline(db.session(), student_id[:32], grade_scope(), school_scope())
    except NotFound:
        return None
    return timeline(frame, letter_url)


def _header(data: student_detail.StudentYear) -> Any:
    student, figures = data.student, data.figures or {}
    name = f"{student['first_name']} {student['last_name']}"
    return html.Div(
        [
            html.H2(name, className="h4 mb-1", id="student-name"),
            html.Span(
                f"Grade {student['grade_level']} · ID {student['id']} · "
                f"academic year {student['academic_year']}",
                className="text-muted me-3",
            ),
            tier_badge(str(figures["tier"])) if figures else None,
        ]
    )


def _kpis(figures: dict[str, Any] | None) -> list[Any]:
    if not figures:
        return []
    return [
        kpi_card(
            "student_attendance_rate", "Attendance rate", format_rate(figures["attendance_rate"])
        ),
        kpi_card(
            "student_days_absent",
            "Days absent",
            str(int(figures["days_absent"])),
            f"of {int(figures['days_enrolled'])} school days enrolled",
        ),
        kpi_card(
            "student_period_rate",
            "Period attendance",
            format_rate(figures["period_attendance_rate"]),
            "class periods attended",
        ),
        kpi_card(
            "student_truancy",
            "Truancy occasions",
            str(int(figures["truancy_occasions"])),
            "truant at 3 or more",
        ),
    ]
