"""Student detail figures: the year as a calendar, absences by weekday and period, the
monthly trend and i-Ready history with domain scores."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from attendly.charts.theme import (
    HEATMAP_SCALE,
    HEATMAP_TEXT,
    LINE_ORANGE,
    OKABE_ITO,
    SUBJECT_LABELS,
    TARGET_RATE,
    base_figure,
    empty_figure,
    horizontal_line,
)

STATUS_LEVELS = {"Present": 0, "Partly absent": 1, "Absent all day": 2}
# Sequential blues: distinguishable by lightness alone (colour-blind and greyscale safe).
STATUS_COLOURS = ("#deebf7", "#6baed6", "#08306b")
WEEKDAY_ORDER = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def calendar_figure(days: pd.DataFrame) -> go.Figure:
    """One square per school day (weeks across, weekdays down), shaded by what happened.

    `days` has the columns of db.student_detail.day_statuses.
    """
    title = "School days this year"
    if days.empty:
        return empty_figure(title, "No attendance recorded this year")
    weeks = sorted(days["week"].unique())
    cells = days.assign(level=days["status"].map(STATUS_LEVELS))
    grid = cells.pivot_table(index="weekday", columns="week", values="level", aggfunc="first")
    grid = grid.reindex(index=list(WEEKDAY_ORDER), columns=weeks)
    info = cells.assign(
        text=cells["date"].astype(str) + ": " + cells["status"] + " (" + cells["codes"] + ")"
    ).pivot_table(index="weekday", columns="week", values="text", aggfunc="first")
    info = info.reindex(index=list(WEEKDAY_ORDER), columns=weeks)
    scale = [[0, STATUS_COLOURS[0]], [0.33, STATUS_COLOURS[0]], [0.34, STATUS_COLOURS[1]]]
    scale += [[0.66, STATUS_COLOURS[1]], [0.67, STATUS_COLOURS[2]], [1, STATUS_COLOURS[2]]]
    figure = base_figure(title, "Week starting", "")
    figure.add_heatmap(
        z=grid.to_numpy(),
        x=[pd.Timestamp(week) for week in weeks],
        y=[name[:3] for name in WEEKDAY_ORDER],
        text=info.fillna("No school").to_numpy(),
        hovertemplate="%{text}<extra></extra>",
        colorscale=scale,
        zmin=0,
        zmax=2,
        xgap=2,
        ygap=2,
        colorbar={
            "tickvals": [0.33, 1, 1.67],
            "ticktext": list(STATUS_LEVELS),
            "title": {"text": "Day"},
            "thickness": 12,
        },
    )
    step = (7 if len(weeks) <= 14 else 28) * 24 * 3600 * 1000  # ticks on Mondays
    figure.update_layout(
        height=260,
        yaxis={"autorange": "reversed"},
        xaxis={"tickformat": "%b %d", "tick0": "2020-08-03", "dtick": step},
    )
    return figure


def weekday_period_figure(cells: pd.DataFrame) -> go.Figure:
    """Absent periods per weekday and period: a skipped 1st period shows as a hot column.

    `cells` has the columns of db.student_detail.weekday_period_absences.
    """
    title = "Missed periods by weekday and period"
    if cells.empty:
        return empty_figure(title, "No attendance recorded this year")
    grid = cells.pivot_table(index="weekday", columns="period", values="absences", aggfunc="sum")
    grid = grid.reindex(index=list(WEEKDAY_ORDER))
    figure = base_figure(title, "Period", "")
    figure.add_heatmap(
        z=grid.to_numpy(),
        x=[str(period) for period in grid.columns],  # the axis says "Period" once
        y=list(WEEKDAY_ORDER),
        colorscale=HEATMAP_SCALE,
        zmin=0,
        texttemplate="%{z}",
        textfont=HEATMAP_TEXT,
        hovertemplate="%{y}, period %{x}: %{z} missed<extra></extra>",
        colorbar={"title": {"text": "Missed"}, "thickness": 12},
    )
    figure.update_layout(height=300, xaxis_type="category", yaxis={"autorange": "reversed"})
    return figure


def monthly_figure(months: pd.DataFrame) -> go.Figure:
    """Attendance rate per month (bars) and period attendance (line), with the 90 % line."""
    title = "Attendance by month"
    if months.empty:
        return empty_figure(title, "No attendance recorded this year")
    labels = [pd.Timestamp(start).strftime("%b %Y") for start in months["period_start"]]
    figure = base_figure(title, "Month", "Percent attended")
    figure.add_bar(
        x=labels,
        y=months["attendance_rate"],
        name="Days attended",
        marker_color=OKABE_ITO["blue"],
        text=[f"{value:.0f}%" for value in months["attendance_rate"]],
        textposition="inside",
        textangle=0,
        insidetextanchor="start",
    )
    figure.add_scatter(
        x=labels,
        y=months["period_attendance_rate"],
        name="Periods attended",
        mode="lines+markers",
        line={"color": LINE_ORANGE, "width": 3},
        marker={"symbol": "diamond", "size": 9},
    )
    target = {"color": OKABE_ITO["vermillion"], "dash": "dash"}
    figure.update_layout(horizontal_line(TARGET_RATE, target), yaxis_range=[0, 105], height=320)
    return figure


def iready_history_figure(
    subject: str, diagnostics: pd.DataFrame, domains: pd.DataFrame, growth: dict[str, Any]
) -> go.Figure:
    """Overall scale score per diagnostic (thick) and domain scores (thin), with progress to
    typical and stretch growth under the title."""
    name = SUBJECT_LABELS.get(subject, subject)
    rows = diagnostics[diagnostics["subject"] == subject] if len(diagnostics) else diagnostics
    if rows.empty:
        return empty_figure(f"i-Ready {name}", "No diagnostic this year")
    figure = base_figure(f"i-Ready {name}", "Diagnostic date", "Score")
    # The growth figures go under the title: on one line they ran under the Export menu.
    figure.update_layout(title_subtitle_text=_progress_text(growth))
    mine = domains[domains["subject"] == subject] if len(domains) else domains
    for index, (domain, group) in enumerate(mine.groupby("domain", sort=True)):
        figure.add_scatter(
            x=group["completion_date"],
            y=group["scale_score"],
            name=str(domain),
            mode="lines+markers",
            line={"width": 1, "dash": ("dot", "dash", "dashdot", "longdash")[index % 4]},
            marker={"size": 6},
        )
    figure.add_scatter(
        x=rows["completion_date"],
        y=rows["overall_scale_score"],
        name="Overall scale score",
        mode="lines+markers+text",
        text=[str(score) for score in rows["overall_scale_score"]],
        textposition="top center",
        line={"color": OKABE_ITO["black"], "width": 4},
        marker={"size": 10},
    )
    figure.update_layout(height=360, xaxis={"tickformat": "%b %d, %Y"})
    return figure


def _progress_text(growth: dict[str, Any]) -> str:
    parts = []
    for key, label in (("progress_to_typical", "typical"), ("progress_to_stretch", "stretch")):
        value = growth.get(key)
        if isinstance(value, int | float) and value == value:  # NaN is not equal to itself
            parts.append(f"{float(value):.0f} % of {label} growth")
    return ", ".join(parts) or "growth not measured yet"
