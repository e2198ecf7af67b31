"""Student detail figures: the year as a calendar, absences by weekday and period, the
monthly trend and i-Ready history with domain scores.

Each figure is built in one go from whole trace dicts with numpy columns (theme.base_figure),
its grids filled in numpy: the page draws five of them on every cold load.
"""

from __future__ import annotations

from typing import Any

import numpy as np
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
DOMAIN_DASHES = ("dot", "dash", "dashdot", "longdash")


def _weekday_grid(
    names: list[str], columns: list[int], width: int, values: list[float], how: str
) -> np.ndarray:
    """Weekdays (rows, WEEKDAY_ORDER) by `width` columns: each cell the first (`how` "first")
    or the sum ("sum") of the values of its rows, NaN where there are none. What a pivot
    table of the values by weekday name and column, reindexed to the weekdays and the
    columns, gives, down to its type: whole numbers only when that pivot has every name
    (a weekend day's too) in every column, and no missing (NaN) value to take first."""
    rows = {name: index for index, name in enumerate(WEEKDAY_ORDER)}
    cells: set[tuple[str, int]] = set()
    found: dict[tuple[int, int], float] = {}
    for name, column, value in zip(names, columns, values, strict=True):
        missing = value != value
        if how == "first" and missing:  # "first" skips missing values, a sum counts them 0
            continue
        cells.add((name, column))
        if name not in rows:
            continue
        key = (rows[name], column)
        if how == "sum":
            found[key] = found.get(key, 0) + (0 if missing else value)
        else:
            found.setdefault(key, value)
    grid = np.full((len(WEEKDAY_ORDER), width), np.nan)
    for (row, column), value in found.items():
        grid[row, column] = value
    whole = len(cells) == len(set(names)) * width and not np.isnan(grid).any()
    return grid.astype(np.int64) if whole else grid


def calendar_figure(days: pd.DataFrame) -> go.Figure:
    """One square per school day (weeks across, weekdays down), shaded by what happened.

    `days` has the columns of db.student_detail.day_statuses.
    """
    title = "School days this year"
    if days.empty:
        return empty_figure(title, "No attendance recorded this year")
    weeks, found = np.unique(days["week"].to_numpy(dtype=object), return_inverse=True)
    names, statuses, columns = days["weekday"].tolist(), days["status"].tolist(), found.tolist()
    levels = [float(STATUS_LEVELS.get(status, np.nan)) for status in statuses]
    grid = _weekday_grid(names, columns, len(weeks), levels, "first")
    rows = {name: index for index, name in enumerate(WEEKDAY_ORDER)}
    text = np.full(grid.shape, "No school", dtype=object)
    cells = zip(
        names, columns, days["date"].tolist(), statuses, days["codes"].tolist(), strict=True
    )
    for name, column, date, status, codes in reversed(list(cells)):  # the first day wins
        if name in rows:
            text[rows[name], column] = f"{date}: {status} ({codes})"
    scale = [[0, STATUS_COLOURS[0]], [0.33, STATUS_COLOURS[0]], [0.34, STATUS_COLOURS[1]]]
    scale += [[0.66, STATUS_COLOURS[1]], [0.67, STATUS_COLOURS[2]], [1, STATUS_COLOURS[2]]]
    heatmap = {
        "type": "heatmap",
        "z": grid,
        "x": [pd.Timestamp(week) for week in weeks],
        "y": [name[:3] for name in WEEKDAY_ORDER],
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
        "colorscale": scale,
        "zmin": 0,
        "zmax": 2,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {
            "tickvals": [0.33, 1, 1.67],
            "ticktext": list(STATUS_LEVELS),
            "title": {"text": "Day"},
            "thickness": 12,
        },
    }
    step = (7 if len(weeks) <= 14 else 28) * 24 * 3600 * 1000  # ticks on Mondays
    layout = {
        "height": 260,
        "margin": {"l": 70, "r": 170, "b": 60},  # its labels and colour bar: see theme.py
        "yaxis": {"autorange": "reversed"},
        "xaxis": {"tickformat": "%b %d", "tick0": "2020-08-03", "dtick": step},
    }
    return base_figure(title, "Week starting", "", [heatmap], layout)


def weekday_period_figure(cells: pd.DataFrame) -> go.Figure:
    """Absent periods per weekday and period: a skipped 1st period shows as a hot column.

    `cells` has the columns of db.student_detail.weekday_period_absences.
    """
    title = "Missed periods by weekday and period"
    if cells.empty:
        return empty_figure(title, "No attendance recorded this year")
    periods, found = np.unique(cells["period"].to_numpy(), return_inverse=True)
    names, absences = cells["weekday"].tolist(), cells["absences"].tolist()
    z = _weekday_grid(names, found.tolist(), len(periods), absences, "sum")
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": [str(period) for period in periods.tolist()],  # the axis says "Period" once
        "y": list(WEEKDAY_ORDER),
        "colorscale": HEATMAP_SCALE,
        "zmin": 0,
        "texttemplate": "%{z}",
        "textfont": HEATMAP_TEXT,
        "hovertemplate": "%{y}, period %{x}: %{z} missed<extra></extra>",
        "colorbar": {"title": {"text": "Missed"}, "thickness": 12},
    }
    layout = {
        "height": 300,
        "margin": {"l": 120, "r": 105, "b": 60},  # weekday names and the colour bar
        "xaxis": {"type": "category"},
        "yaxis": {"autorange": "reversed"},
    }
    return base_figure(title, "Period", "", [heatmap], layout)


def monthly_figure(months: pd.DataFrame) -> go.Figure:
    """Attendance rate per month (bars) and period attendance (line), with the 90 % line."""
    title = "Attendance by month"
    if months.empty:
        return empty_figure(title, "No attendance recorded this year")
    labels = [pd.Timestamp(start).strftime("%b %Y") for start in months["period_start"]]
    rates = months["attendance_rate"].to_numpy()
    bars = {
        "type": "bar",
        "x": labels,
        "y": rates,
        "name": "Days attended",
        "marker": {"color": OKABE_ITO["blue"]},
        "text": [f"{value:.0f}%" for value in rates.tolist()],
        "textposition": "inside",
        "textangle": 0,
        "insidetextanchor": "start",
    }
    line = {
        "type": "scatter",
        "x": labels,
        "y": months["period_attendance_rate"].to_numpy(),
        "name": "Periods attended",
        "mode": "lines+markers",
        "line": {"color": LINE_ORANGE, "width": 3},
        "marker": {"symbol": "diamond", "size": 9},
    }
    target = {"color": OKABE_ITO["vermillion"], "dash": "dash"}
    layout = {
        **horizontal_line(TARGET_RATE, target),
        "yaxis": {"range": [0, 105]},
        "height": 320,
        "margin": {"r": 45, "b": 85},  # month names
    }
    return base_figure(title, "Month", "Percent attended", [bars, line], layout)


def iready_history_figure(
    subject: str, diagnostics: pd.DataFrame, domains: pd.DataFrame, growth: dict[str, Any]
) -> go.Figure:
    """Overall scale score per diagnostic (thick) and domain scores (thin), with progress to
    typical and stretch growth under the title."""
    name = SUBJECT_LABELS.get(subject, subject)
    if diagnostics.empty:
        return empty_figure(f"i-Ready {name}", "No diagnostic this year")
    rows = np.flatnonzero(diagnostics["subject"].to_numpy(dtype=object) == subject)
    if not len(rows):
        return empty_figure(f"i-Ready {name}", "No diagnostic this year")
    traces = []
    if len(domains):
        mine = np.flatnonzero(domains["subject"].to_numpy(dtype=object) == subject)
        names = domains["domain"].to_numpy(dtype=object)[mine]
        dates = domains["completion_date"].to_numpy()[mine]
        scores = domains["scale_score"].to_numpy()[mine]
        for index, domain in enumerate(sorted(set(names.tolist()))):
            group = names == domain  # in row order, as a groupby gives each group
            traces.append(
                {
                    "type": "scatter",
                    "x": dates[group],
                    "y": scores[group],
                    "name": str(domain),
                    "mode": "lines+markers",
                    "line": {"width": 1, "dash": DOMAIN_DASHES[index % 4]},
                    "marker": {"size": 6},
                }
            )
    overall = diagnostics["overall_scale_score"].to_numpy()[rows]
    traces.append(
        {
            "type": "scatter",
            "x": diagnostics["completion_date"].to_numpy()[rows],
            "y": overall,
            "name": "Overall scale score",
            "mode": "lines+markers+text",
            "text": [str(score) for score in overall.tolist()],
            "textposition": "top center",
            "line": {"color": OKABE_ITO["black"], "width": 4},
            "marker": {"size": 10},
        }
    )
    # The growth figures go under the title: on one line they ran under the Export menu.
    layout = {
        "title": {"subtitle": {"text": _progress_text(growth)}},
        "height": 360,
        "xaxis": {"tickformat": "%b %d, %Y"},
    }
    return base_figure(f"i-Ready {name}", "Diagnostic date", "Score", traces, layout)


def _progress_text(growth: dict[str, Any]) -> str:
    parts = []
    for key, label in (("progress_to_typical", "typical"), ("progress_to_stretch", "stretch")):
        value = growth.get(key)
        if isinstance(value, int | float) and value == value:  # NaN is not equal to itself
            parts.append(f"{float(value):.0f} % of {label} growth")
    return ", ".join(parts) or "growth not measured yet"
