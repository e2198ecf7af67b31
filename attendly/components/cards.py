"""The student card of the Students page: figures, tier, sparkline, latest i-Ready, open
interventions and the chronic-absence early warning."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc, html

from attendly.charts.sparkline import sparkline_svg, sparkline_text
from attendly.charts.theme import PLACEMENT_LABELS
from attendly.components.kpi import format_rate, tier_badge


def placement_text(level: Any) -> str:
    """A placement level 1-5 in words ('—' when there is no diagnostic)."""
    try:
        return PLACEMENT_LABELS[int(level)]
    except (TypeError, ValueError, KeyError):
        return "—"


def early_warning_text(row: dict[Any, Any]) -> str | None:
    """'Chronically absent after N more absences' (or 'out of reach') for a student not yet
    chronically absent; None for one who is (docs/interventions.md, early warning)."""
    if bool(row.get("chronically_absent")):
        return None
    more = row.get("more_absences_to_chronic")
    if more is None or pd.isna(more):
        return "Chronic absence out of reach this year"
    if int(more) == 0:
        return "Chronically absent this year even with perfect attendance from now on"
    absences = "absence" if int(more) == 1 else "absences"
    return f"Chronically absent after {int(more)} more {absences}"


def open_interventions_text(count: int) -> str:
    if count == 0:
        return "No open interventions"
    return f"{count} open intervention" + ("" if count == 1 else "s")


def _actions(row: dict[Any, Any], open_interventions: int) -> html.Div:
    warning = early_warning_text(row)
    return html.Div(
        [
            html.Div(
                open_interventions_text(open_interventions),
                className="student-open-interventions"
                + (" has-open" if open_interventions else ""),
            ),
            html.Div(warning, className="student-early-warning") if warning else None,
        ],
        className="student-actions",
    )


def student_card(row: dict[Any, Any], weeks: list[float], open_interventions: int = 0) -> html.Div:
    """One student as a card; the whole card is a link to the student's detail page.

    `row` may carry `more_absences_to_chronic` (db.student_actions.student_rows) for the
    early warning; `open_interventions` is the student's count of open interventions.

    A page shows 24 cards and the browser's time to draw them grows with their number of
    components, so a card is plain elements with Bootstrap's classes (no dbc wrappers, the
    card and its body one element) and no component it does not need: 16 in all.
    """
    student_id = str(row["student_id"])
    name = f"{row['first_name']} {row['last_name']}".strip()
    iready = (
        f"ELA: {placement_text(row['ela_placement_level'])}"
        f"\nMath: {placement_text(row['math_placement_level'])}"
    )
    card = html.Div(
        [
            html.Div(
                [
                    html.H2(name, className="student-name"),
                    tier_badge(str(row["tier"]), identified=False),
                ],
                className="student-card-top",
            ),
            html.Div(f"Grade {row['grade_level']} · ID {student_id}", className="student-meta"),
            html.Div(
                [
                    html.Span(format_rate(row["attendance_rate"]), className="big"),
                    html.Span(" attendance", className="small-label"),
                    html.Span(_days_absent(int(row["days_absent"])), className="small-label days"),
                ],
                className="student-figures",
            ),
            html.Img(
                src=sparkline_svg(weeks),
                alt=sparkline_text(weeks),
                title=sparkline_text(weeks),
                className="sparkline",
            ),
            html.Div(iready, className="student-iready"),
            _actions(row, open_interventions),
        ],
        className="card card-body student-card h-100",
    )
    return html.Div(
        dcc.Link(
            card,
            href=f"/students/{student_id}",
            className="student-card-link",
            id={"type": "students-card", "student": student_id},
        ),
        className="col-12 col-sm-6 col-lg-4 col-xl-3 mb-3",
    )


def _days_absent(days: int) -> str:
    return f"{days} day absent" if days == 1 else f"{days} days absent"
