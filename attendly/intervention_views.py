"""Layout pieces for interventions, the truancy queue and effectiveness (frames in, components
out). The student timeline is reusable on any page: `timeline(db.interventions.timeline(...))`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import html

from attendly import ids
from attendly.interventions import STATUS_LABELS, TYPE_LABELS, InterventionType, Status
from attendly.metrics.ladder import LETTER_STEPS, STEP_LABELS, LadderStep

STATUS_COLOURS = {
    "planned": "secondary",
    "in_progress": "primary",
    "completed": "success",
    "cancelled": "dark",
}


def type_label(kind: str) -> str:
    try:
        return TYPE_LABELS[InterventionType(kind)]
    except ValueError:
        return kind


def status_badge(status: str) -> dbc.Badge:
    try:
        label = STATUS_LABELS[Status(status)]
    except ValueError:
        label = status
    return dbc.Badge(label, color=STATUS_COLOURS.get(status, "secondary"), className="me-1")


def step_label(step: str | None) -> str:
    try:
        return STEP_LABELS[LadderStep(str(step))]
    except ValueError:
        return str(step or "")


def _date(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _student(row: Mapping[Any, Any]) -> str:
    return f"{row['first_name']} {row['last_name']} ({row['student_id']})".strip()


def interventions_table(frame: pd.DataFrame, editable: set[int] | None = None) -> Any:
    """The list page's table; rows whose id is in `editable` get an Edit button."""
    if frame.empty:
        return html.P(
            "No interventions match these filters.",
            className="text-muted",
            id=f"{ids.Interventions.TABLE}-empty",
        )
    head = ["Student", "Grade", "Type", "Tier", "Status", "Owner", "Start", "Due", "Notes", ""]
    rows = []
    for row in frame.to_dict("records"):
        edit = (
            dbc.Button(
                "Edit",
                size="sm",
                color="link",
                id={"type": ids.Interventions.EDIT, "index": int(row["id"])},
            )
            if editable is None or int(row["id"]) in editable
            else ""
        )
        rows.append(
            html.Tr(
                [
                    html.Td(_student(row)),
                    html.Td(row["grade_level"]),
                    html.Td(type_label(row["type"])),
                    html.Td(row["tier"]),
                    html.Td(status_badge(row["status"])),
                    html.Td(row["owner"]),
                    html.Td(_date(row["start_date"])),
                    html.Td(_date(row["due_date"])),
                    html.Td(str(row["notes"])[:120]),
                    html.Td(edit),
                ],
                id=f"intervention-row-{int(row['id'])}",
            )
        )
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        hover=True,
        size="sm",
        responsive=True,
    )


def timeline(frame: pd.DataFrame, letter_href: Any = None) -> html.Div:
    """A student's interventions as a vertical timeline, latest first (db.interventions.timeline
    columns). `letter_href(letter_id)` makes each generated letter a download link."""
    if frame.empty:
        return html.Div(
            html.P("No interventions recorded yet.", className="text-muted"),
            className="intervention-timeline",
        )
    items = [_timeline_item(row, letter_href) for row in frame.to_dict("records")]
    return html.Div(
        html.Ol(items, className="list-unstyled border-start ps-3"),
        className="intervention-timeline",
    )


def _timeline_item(row: Mapping[Any, Any], letter_href: Any) -> html.Li:
    when = _date(row["start_date"]) or (
        f"due {_date(row['due_date'])}" if _date(row["due_date"]) else "not started"
    )
    details = [
        html.Div(
            [
                html.Strong(type_label(row["type"]), className="me-2"),
                status_badge(row["status"]),
                dbc.Badge(f"Tier {row['tier']}", color="light", text_color="dark"),
            ]
        ),
        html.Div(f"{when} · owner {row['owner'] or '—'}", className="small text-muted"),
    ]
    if row.get("step"):
        details.append(html.Div(f"Truancy ladder: {step_label(row['step'])}", className="small"))
    for label, key in (("Notes", "notes"), ("Outcome", "outcome")):
        if row.get(key):
            details.append(html.Div(f"{label}: {row[key]}", className="small"))
    letters = row.get("letter_ids") or []
    if letters and letter_href is not None:
        links = [
            html.A(f"Letter {i}", href=letter_href(i), className="me-2", target="_blank")
            for i in letters
        ]
        details.append(html.Div(links, className="small"))
    return html.Li(details, className="mb-3", id=f"timeline-item-{int(row['id'])}")


def queue_table(frame: pd.DataFrame, actions: bool = True) -> Any:
    """The truancy work queue; with `actions`, Letter and Decide buttons per due step."""
    if frame.empty:
        return html.P("Nobody is due a truancy-ladder step.", className="text-muted")
    head = ["Student", "Grade", "Truancy occasions", "Step due", "Status", ""]
    rows = []
    for row in frame.to_dict("records"):
        pid = int(row["proposal_id"])
        buttons = [
            dbc.Button(
                "Decide",
                size="sm",
                color="secondary",
                outline=True,
                className="me-1",
                id={"type": ids.Truancy.DECIDE, "index": pid},
            )
        ]
        if not actions:
            buttons = []
        elif LadderStep(row["step"]) in LETTER_STEPS:
            buttons.insert(
                0,
                dbc.Button(
                    "Letter",
                    size="sm",
                    color="primary",
                    className="me-1",
                    id={"type": ids.Truancy.LETTER, "index": pid},
                ),
            )
        status = str(row["status"])
        if status == "deferred" and row.get("defer_until"):
            status = f"deferred until {_date(row['defer_until'])} (back now)"
        rows.append(
            html.Tr(
                [
                    html.Td(_student(row)),
                    html.Td(row["grade_level"]),
                    html.Td(row["truancy_occasions"]),
                    html.Td(f"{step_label(row['step'])} (at {row['threshold']})"),
                    html.Td(status),
                    html.Td(buttons),
                ],
                id=f"queue-row-{row['student_id']}",
            )
        )
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        size="sm",
        responsive=True,
    )


def letters_table(frame: pd.DataFrame, letter_href: Any) -> Any:
    """Generated letters, newest first, each downloadable again."""
    if frame.empty:
        return html.P("No letters generated yet.", className="text-muted")
    rows = [
        html.Tr(
            [
                html.Td(row["student_id"]),
                html.Td(step_label(row["template_key"])),
                html.Td(str(row["language"]).upper()),
                html.Td(str(row["created_at"])[:16]),
                html.Td(row["created_by"]),
                html.Td(html.A("Download PDF", href=letter_href(int(row["id"])), target="_blank")),
            ]
        )
        for row in frame.to_dict("records")
    ]
    head = ["Student", "Letter", "Language", "Generated", "By", ""]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        size="sm",
        responsive=True,
    )


def effectiveness_table(summary: pd.DataFrame) -> Any:
    if summary.empty:
        return html.P(
            "No intervention with a start date has attendance on both sides yet.",
            className="text-muted",
        )
    head = [
        "Intervention",
        "Interventions",
        "Student-days before",
        "Attendance before",
        "Student-days after",
        "Attendance after",
        "Change (points)",
    ]
    rows = [
        html.Tr(
            [
                html.Td(type_label(row["type"])),
                html.Td(row["interventions"]),
                html.Td(row["student_days_before"]),
                html.Td(f"{row['rate_before']:.2f} %"),
                html.Td(row["student_days_after"]),
                html.Td(f"{row['rate_after']:.2f} %"),
                html.Td(f"{row['change']:+.2f}"),
            ],
            id=f"effectiveness-row-{row['type']}",
        )
        for row in summary.to_dict("records")
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        size="sm",
        responsive=True,
    )


def effectiveness_figure(summary: pd.DataFrame) -> go.Figure:
    """Attendance rate before vs after, one pair of bars per intervention type."""
    labels = [type_label(kind) for kind in summary["type"]]
    figure = go.Figure()
    figure.add_bar(
        x=labels, y=summary["rate_before"], name="30 school days before", marker_color="#999999"
    )
    figure.add_bar(
        x=labels,
        y=summary["rate_after"],
        name="30 school days from the start",
        marker_color="#0072B2",
    )
    figure.update_layout(
        barmode="group",
        title="Attendance before and after each kind of intervention",
        yaxis_title="Attendance rate (%)",
        yaxis_range=[0, 100],
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
    )
    return figure
