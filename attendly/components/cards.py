"""The student card of the Students page: figures, tier, sparkline and latest i-Ready."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
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


def student_card(row: dict[Any, Any], weeks: list[float]) -> dbc.Col:
    """One student as a card; the whole card is a link to the student's detail page."""
    student_id = str(row["student_id"])
    name = f"{row['first_name']} {row['last_name']}".strip()
    body = dbc.CardBody(
        [
            html.Div(
                [
                    html.H2(name, className="student-name"),
                    tier_badge(str(row["tier"])),
                ],
                className="student-card-top",
            ),
            html.Div(f"Grade {row['grade_level']} · ID {student_id}", className="student-meta"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Span(format_rate(row["attendance_rate"]), className="big"),
                            html.Span(" attendance", className="small-label"),
                        ]
                    ),
                    html.Div(_days_absent(int(row["days_absent"])), className="small-label"),
                ],
                className="student-figures",
            ),
            html.Img(
                src=sparkline_svg(weeks),
                alt=sparkline_text(weeks),
                title=sparkline_text(weeks),
                className="sparkline",
            ),
            html.Div(
                [
                    html.Div(f"ELA: {placement_text(row['ela_placement_level'])}"),
                    html.Div(f"Math: {placement_text(row['math_placement_level'])}"),
                ],
                className="student-iready",
            ),
        ]
    )
    return dbc.Col(
        dcc.Link(
            dbc.Card(body, className="student-card h-100"),
            href=f"/students/{student_id}",
            className="student-card-link",
            id={"type": "students-card", "student": student_id},
        ),
        xs=12,
        sm=6,
        lg=4,
        xl=3,
        className="mb-3",
    )


def _days_absent(days: int) -> str:
    return f"{days} day absent" if days == 1 else f"{days} days absent"
